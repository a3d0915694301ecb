"""The wire format between a replica and the relay: y-protocols, multiplexed by document.

Every websocket frame is one message about one document::

    frame  = varString(doc) varUint(kind) body
    kind 0 SYNC       varUint(step) varUint8Array(data)    y-protocols sync:
                      step 0 = state vector, 1 = the update answering it, 2 = an update
    kind 1 AWARENESS  varUint8Array(update)                 y-protocols awareness (doc "")
    kind 10 HELLO     varUint(cursor)                       replica -> relay, doc ""
    kind 11 WELCOME   varString(JSON)                       relay -> replica: workspace, agent
    kind 12 STORED    varUint(seq) varUint8Array(state)     relay -> replica: your update of this
                                                            doc is in the log up to seq; state
                                                            is the relay's state vector of it
    kind 13 CURSOR    varUint(seq)                          relay -> replica, doc "": the log
                                                            entries up to seq were all sent
    kind 14 IN_STEP   varUint(seq)                          relay -> replica, doc "": caught up
    kind 15 REFUSED   varString(reason) varUint8Array(doc)  relay -> replica: your update of
                                                            this doc was not taken (it claims
                                                            another agent, needs a role, or
                                                            breaks the schema); doc is the
                                                            relay's whole document, to start
                                                            again from
    kind 16 ENTRY     varUint(seq) varUint8Array(update)    relay -> replica: a log entry of doc,
                                                            with its position in the log
    kind 17 READ      varUint(seq)                          replica -> relay, doc "": taken up
                                                            to seq (paces a long catch-up)
    kind 18 PART      varUint(index) varUint(count)         either way: piece index (from 0) of
                      varUint8Array(piece)                  count of one frame over PIECE;
                                                            doc is that frame's document

A SYNC, ENTRY or REFUSED frame over PIECE (1 MB; a document holding a pasted log)
travels as PART frames of PIECE bytes, sent back to back; the receiver joins them, up
to MAX_WHOLE bytes, and handles the whole as if it had come in one frame, with the
same checks. Sending big frames in pieces also keeps what a socket has in flight (the
websocket's frame, the transport's buffer) to about a piece, whatever the document;
a receiver still takes a whole frame of up to MAX_FRAME. Other frames may come between
the pieces (the relay's answers to the same socket), but only one frame is in pieces
at a time each way, so a socket holds at most one whole in assembly. A document too
big to go even in pieces is not sent: the replica says so and syncs every other one.

The SYNC and AWARENESS bodies are exactly what pycrdt (and y-protocols in
JavaScript) encode after the document name, so a Yjs peer can read them; the
others carry the relay's log cursor, which is what makes a reconnect cost what
changed rather than what exists (docs/architecture.md). ENTRY is a sync update
with its log position, so passing a change on is one frame per socket.

Everything here is pure: bytes in, values out, ``ProtocolError`` for anything
malformed, so the relay can drop a bad socket without touching its store.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from crdt.model.vocab import WORKSPACE_KINDS

SYNC, AWARENESS = 0, 1
HELLO, WELCOME, STORED, CURSOR, IN_STEP, REFUSED, ENTRY, READ = 10, 11, 12, 13, 14, 15, 16, 17
PART = 18
STEP1, STEP2, UPDATE = 0, 1, 2
KINDS = frozenset(
    {SYNC, AWARENESS, HELLO, WELCOME, STORED, CURSOR, IN_STEP, REFUSED, ENTRY, READ, PART}
)

MAX_FRAME = 8 * 1024 * 1024  # bytes of one frame a receiver takes
MAX_WHOLE = 32 * 1024 * 1024  # bytes of a frame sent in pieces; a bigger one is not sent
MAX_UPDATE = 30 * 1024 * 1024  # bytes of one update (its frame's head, the log's, fit in a whole)
PIECE = 1024 * 1024  # bytes of one piece; a frame over this is sent in pieces (PART)
MAX_PIECES = 1024  # pieces of one frame
MAX_NAME = 64
MAX_REASON = 512  # bytes of a refusal's reason
MAX_UINT = 2**53  # as in lib0: larger varUints are not produced by any Yjs peer

# the documents of a workspace: conversations by id, and the workspace's settings
DOC_NAME = re.compile("c:[0-9a-f]{32}|ws:(" + "|".join(WORKSPACE_KINDS) + ")")


class ProtocolError(ValueError):
    """A frame that does not follow the protocol; the socket that sent it is dropped."""


class TooBig(ProtocolError):
    """A frame, or a whole assembled from pieces, over its size limit."""


class Frame(NamedTuple):
    doc: str
    kind: int
    step: int  # SYNC only
    data: bytes  # SYNC, ENTRY: state vector or update; AWARENESS: the update; STORED: state
    number: int  # HELLO, STORED, CURSOR, IN_STEP, ENTRY, READ: the log position; PART: index
    info: Any  # WELCOME: decoded JSON; REFUSED: the reason
    total: int = 0  # PART: how many pieces the whole is in


# -- encoding ----------------------------------------------------------------------------


def var_uint(n: int) -> bytes:
    out = bytearray()
    while n > 127:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    out.append(n)
    return bytes(out)


def var_bytes(data: bytes) -> bytes:
    return var_uint(len(data)) + data


def _head(doc: str, kind: int) -> bytes:
    return var_bytes(doc.encode()) + var_uint(kind)


def sync(doc: str, step: int, data: bytes) -> bytes:
    return _head(doc, SYNC) + var_uint(step) + var_bytes(data)


def awareness(data: bytes) -> bytes:
    return _head("", AWARENESS) + var_bytes(data)


def number(doc: str, kind: int, value: int) -> bytes:
    """HELLO, CURSOR, IN_STEP and READ carry one number."""
    return _head(doc, kind) + var_uint(value)


def stored(doc: str, seq: int, state: bytes) -> bytes:
    return _head(doc, STORED) + var_uint(seq) + var_bytes(state)


def entry(doc: str, seq: int, update: bytes) -> bytes:
    return _head(doc, ENTRY) + var_uint(seq) + var_bytes(update)


def pieces(frame: bytes, size: int = PIECE) -> list[bytes]:
    """``frame`` as it goes on the wire: itself when it fits in ``size``, else PART
    frames of ``size`` bytes; ``TooBig`` over MAX_WHOLE."""
    if len(frame) <= size:
        return [frame]
    if len(frame) > MAX_WHOLE:
        raise TooBig(f"{len(frame)} bytes (limit {MAX_WHOLE} in pieces)")
    head = _head(_Reader(frame).text(MAX_NAME), PART)
    count = -(-len(frame) // size)
    return [
        head + var_uint(i) + var_uint(count) + var_bytes(frame[i * size : (i + 1) * size])
        for i in range(count)
    ]


def refused(doc: str, reason: str, whole: bytes) -> bytes:
    text = reason.encode()[:MAX_REASON].decode(errors="ignore")
    return _head(doc, REFUSED) + var_bytes(text.encode()) + var_bytes(whole)


def welcome(value: Any) -> bytes:
    return _head("", WELCOME) + var_bytes(json.dumps(value, separators=(",", ":")).encode())


# -- decoding ----------------------------------------------------------------------------


class _Reader:
    __slots__ = ("buf", "pos")

    def __init__(self, buf: bytes) -> None:
        self.buf, self.pos = buf, 0

    def uint(self) -> int:
        value = shift = 0
        while True:
            if self.pos >= len(self.buf):
                raise ProtocolError("truncated number")
            byte = self.buf[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << shift
            if value > MAX_UINT:
                raise ProtocolError("number too large")
            if byte < 0x80:
                return value
            shift += 7

    def bytes(self) -> bytes:
        size = self.uint()
        end = self.pos + size
        if end > len(self.buf):
            raise ProtocolError("truncated payload")
        data = self.buf[self.pos : end]
        self.pos = end
        return data

    def text(self, limit: int) -> str:
        raw = self.bytes()
        if len(raw) > limit:
            raise ProtocolError("text too long")
        try:
            return raw.decode()
        except UnicodeDecodeError as exc:
            raise ProtocolError("text is not UTF-8") from exc

    def done(self) -> None:
        if self.pos != len(self.buf):
            raise ProtocolError("trailing bytes")


def decode(frame: bytes, limit: int = MAX_FRAME) -> Frame:
    if len(frame) > limit:
        raise TooBig(f"frame of {len(frame)} bytes (limit {limit})")
    r = _Reader(frame)
    doc = r.text(MAX_NAME)
    kind = r.uint()
    step, data, value, payload, count = 0, b"", 0, None, 0
    if kind == SYNC:
        step = r.uint()
        if step not in (STEP1, STEP2, UPDATE):
            raise ProtocolError(f"unknown sync step {step}")
        data = r.bytes()
    elif kind == AWARENESS:
        data = r.bytes()
    elif kind in (HELLO, CURSOR, IN_STEP, READ):
        value = r.uint()
    elif kind in (STORED, ENTRY):
        value, data = r.uint(), r.bytes()
    elif kind == PART:
        value, count, data = r.uint(), r.uint(), r.bytes()
        if not 0 <= value < count <= MAX_PIECES:
            raise ProtocolError(f"piece {value} of {count}")
    elif kind == REFUSED:
        payload, data = r.text(MAX_REASON), r.bytes()
    elif kind == WELCOME:
        try:
            payload = json.loads(r.text(MAX_FRAME))
        except json.JSONDecodeError as exc:
            raise ProtocolError("malformed JSON") from exc
    else:
        raise ProtocolError(f"unknown message kind {kind}")
    r.done()
    return Frame(doc, kind, step, data, value, payload, count)


class Assembly:
    """The one frame a socket is receiving in pieces; ``add`` returns it once whole."""

    def __init__(self, limit: int = MAX_WHOLE) -> None:
        self.limit = limit
        self._reset()

    def _reset(self) -> None:
        self._parts: list[bytes] = []
        self._size, self._count, self._doc = 0, 0, ""

    def add(self, piece: Frame) -> Frame | None:
        if piece.number == 0:
            if self._parts:
                raise ProtocolError("a new frame in pieces before the last was whole")
            self._count, self._doc = piece.total, piece.doc
        elif (piece.number, piece.total, piece.doc) != (len(self._parts), self._count, self._doc):
            raise ProtocolError(f"piece {piece.number} of {piece.total} out of order")
        self._size += len(piece.data)
        if self._size > self.limit:
            self._reset()
            raise TooBig(f"a frame in pieces over {self.limit} bytes")
        self._parts.append(piece.data)
        if len(self._parts) < self._count:
            return None
        whole = b"".join(self._parts)
        self._reset()
        frame = decode(whole, self.limit)
        if frame.kind not in (SYNC, ENTRY, REFUSED) or frame.doc != piece.doc:
            raise ProtocolError("pieces of a frame that is not an update of their document")
        return frame


# -- awareness (presence) ----------------------------------------------------------------


class Awareness(NamedTuple):
    """One peer's presence as y-protocols awareness carries it: a state (JSON object,
    None once the peer has gone) with a clock that only moves forward."""

    client: int
    clock: int
    state: dict[str, Any] | None


def awareness_update(entries: list[Awareness]) -> bytes:
    return var_uint(len(entries)) + b"".join(_awareness_entry(e) for e in entries)


def _awareness_entry(e: Awareness) -> bytes:
    state = "null" if e.state is None else json.dumps(e.state, separators=(",", ":"))
    return var_uint(e.client) + var_uint(e.clock) + var_bytes(state.encode())


MAX_PEERS = 1024  # entries in one awareness update
MAX_STATE = 64 * 1024  # bytes of one awareness state


def awareness_frames(entries: list[Awareness], max_bytes: int = MAX_FRAME) -> list[bytes]:
    """AWARENESS frames holding ``entries``, each within what a receiver takes: at most
    MAX_PEERS entries and ``max_bytes`` bytes (a snapshot of many peers is several)."""
    frames: list[bytes] = []
    run: list[bytes] = []
    size = 0
    room = max_bytes - 32  # the frame's head and counts
    for e in entries:
        encoded = _awareness_entry(e)
        if run and (len(run) >= MAX_PEERS or size + len(encoded) > room):
            frames.append(awareness(var_uint(len(run)) + b"".join(run)))
            run, size = [], 0
        run.append(encoded)
        size += len(encoded)
    if run:
        frames.append(awareness(var_uint(len(run)) + b"".join(run)))
    return frames


def read_awareness(data: bytes) -> list[Awareness]:
    r = _Reader(data)
    count = r.uint()
    if count > MAX_PEERS:
        raise ProtocolError("too many awareness entries")
    out = []
    for _ in range(count):
        client, clock = r.uint(), r.uint()
        try:
            state = json.loads(r.text(MAX_STATE))
        except json.JSONDecodeError as exc:
            raise ProtocolError("malformed awareness state") from exc
        if state is not None and not isinstance(state, dict):
            raise ProtocolError("awareness state is not an object")
        out.append(Awareness(client, clock, state))
    r.done()
    return out
