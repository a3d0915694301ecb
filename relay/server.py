"""The relay: an ASGI websocket app that orders, stores and passes on every change.

One socket per agent carries all documents (relay/protocol.py). The relay
applies each incoming update to the document (loaded on demand, a few kept),
logs what it changed (relay/store.py), stamps new ownership entries with their
log position (claims.py), and passes the change on to every other agent. A
replica that reconnects sends its cursor and receives the log after it.

It runs in one event loop: SQLite calls are short and made in the loop, so the
order in which the loop handles frames is the order of the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from crdt import conversation, workspace
from crdt.ydoc import Doc, load
from relay import protocol as p
from relay.presence import Presence
from relay.store import Entry, Grant, RelayStore

log = logging.getLogger("inbox.relay")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

DOC_NAME = re.compile("c:[0-9a-f]{32}|ws:(" + "|".join(workspace.KINDS) + ")")
DOCS_KEPT = 256  # loaded documents; memory does not grow with how many exist
COMPACT_AFTER = 64  # log entries of one document before they are folded into one
CATCH_UP_BATCH = 512  # log entries read and sent per step of a catch-up
CATCH_UP_AHEAD = 4 * CATCH_UP_BATCH  # entries sent beyond what the replica said it took
QUEUE_FRAMES = 8192  # frames waiting for one socket; a socket further behind is dropped
RATE, BURST = 2000.0, 10000.0  # frames per second a socket may send, sustained and burst
HELLO_TIMEOUT = 10.0
REVOKE_POLL = 0.25  # seconds between looks for tokens revoked by another process


class Dropped(Exception):
    """Why a socket is closed; logged, and the relay goes on for everyone else."""


class Session:
    """One agent's socket."""

    def __init__(self, grant: Grant, send: Send) -> None:
        self.grant, self._send = grant, send
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUE_FRAMES)
        self.cursor = 0  # every log entry up to here is queued for this socket
        self.read = 0  # the replica has taken the log up to here (READ)
        self.read_moved = asyncio.Event()
        self.live = False  # caught up: new entries are queued as they are logged
        self.closed = asyncio.Event()
        self.reason = ""
        self._tokens, self._stamp = BURST, time.monotonic()

    @property
    def agent(self) -> str:
        return self.grant.agent

    def allow(self) -> bool:
        """A token bucket: a socket that floods the relay is dropped."""
        now = time.monotonic()
        self._tokens = min(BURST, self._tokens + (now - self._stamp) * RATE)
        self._stamp = now
        self._tokens -= 1
        return self._tokens >= 0

    def push(self, frame: bytes) -> None:
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.drop("too far behind (it will resume from its cursor)")

    def drop(self, reason: str) -> None:
        if not self.closed.is_set():
            self.reason = reason
            self.closed.set()
            self.read_moved.set()  # a catch-up waiting for the replica ends
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.put_nowait(None)

    async def writer(self) -> None:
        while True:
            frame = await self.queue.get()
            if frame is None:
                return
            await self._send({"type": "websocket.send", "bytes": frame})


class Documents:
    """Documents loaded from the log on demand; the least recently used are let go."""

    def __init__(self, store: RelayStore) -> None:
        self.store = store
        self._docs: OrderedDict[str, tuple[Doc, int]] = OrderedDict()

    def get(self, name: str) -> tuple[Doc, int]:
        found = self._docs.get(name)
        if found is None:
            entries = self.store.doc_entries(name)
            found = (load(entries), len(entries))
            self._docs[name] = found
            while len(self._docs) > DOCS_KEPT:
                self._docs.popitem(last=False)
        self._docs.move_to_end(name)
        return found

    def logged(self, name: str, doc: Doc, added: int) -> None:
        count = self._docs[name][1] + added if name in self._docs else added
        if count > COMPACT_AFTER:
            self.store.compact(name, doc.get_update())
            count = 1
        self._docs[name] = (doc, count)

    def forget(self, name: str) -> None:
        self._docs.pop(name, None)


class Relay:
    def __init__(self, store_path: Path, workspace_name: str = "default") -> None:
        self.store_path, self.workspace_name = store_path, workspace_name
        self.sessions: set[Session] = set()
        self._store: RelayStore | None = None
        self._docs: Documents | None = None
        self.presence = Presence()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def store(self) -> RelayStore:
        if self._store is None:
            self._store = RelayStore.open(
                self.store_path, create=True, workspace=self.workspace_name
            )
        return self._store

    @property
    def docs(self) -> Documents:
        if self._docs is None:
            self._docs = Documents(self.store)
        return self._docs

    # -- ASGI ----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "http":
            await _plain(send, 200 if scope.get("path") == "/health" else 404)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.store  # noqa: B018  (open it now: a bad path fails at start)
                self._tasks = [
                    asyncio.create_task(self._watch_tokens()),
                    asyncio.create_task(self._expire_presence()),
                ]
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for task in self._tasks:
                    task.cancel()
                for session in list(self.sessions):
                    session.drop("relay stopping")
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        grant = self.store.check_token(_bearer(scope))
        if grant is None:
            log.info("refused a socket from %s: bad or revoked token", _peer(scope))
            await send({"type": "websocket.close", "code": 4401})
            return
        await send({"type": "websocket.accept"})
        session = Session(grant, send)
        self.sessions.add(session)  # from now on, a revocation closes it
        writer = asyncio.create_task(session.writer())
        reader = asyncio.create_task(self._read(session, receive))
        await session.closed.wait()
        reader.cancel()
        self._leave(session)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer, 5)
        if session.reason not in ("closed by the agent",):
            log.info("closed %s's socket: %s", session.agent, session.reason)
        with contextlib.suppress(Exception):
            await send({"type": "websocket.close", "code": 1000})

    async def _read(self, session: Session, receive: Receive) -> None:
        catch_up: asyncio.Task[None] | None = None
        try:
            first = await asyncio.wait_for(_next_frame(receive), HELLO_TIMEOUT)
            hello = p.decode(first)
            if hello.kind != p.HELLO:
                raise Dropped("did not start with HELLO")
            self._welcome(session, hello.number)
            catch_up = asyncio.create_task(self._catch_up(session))  # reading goes on meanwhile
            while True:
                frame = await _next_frame(receive)
                if not session.allow():
                    raise Dropped("flooding: over the frame rate limit")
                self._handle(session, p.decode(frame))
        except (Dropped, p.ProtocolError) as exc:
            session.drop(f"{type(exc).__name__}: {exc}")
        except _Disconnected:
            session.drop("closed by the agent")
        except TimeoutError:
            session.drop("no HELLO in time")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug shows in the log; the relay goes on
            log.exception("socket of %s failed", session.agent)
            session.drop(f"internal error: {type(exc).__name__}")
        finally:
            if catch_up is not None:
                catch_up.cancel()

    def _welcome(self, session: Session, cursor: int) -> None:
        store = self.store
        session.cursor = min(cursor, store.head())
        info = {
            "workspace": store.meta("workspace"),
            "workspace_id": store.meta("workspace_id"),
            "agent": session.agent,
            "admin": session.grant.admin,
            "head": store.head(),
        }
        session.push(p.welcome(info))
        others = self.presence.snapshot()
        if others:
            session.push(p.awareness(p.awareness_update(others)))

    async def _catch_up(self, session: Session) -> None:
        """The log after the replica's cursor, in order; then it gets changes as they come.

        Paced by the replica's READ: a few runs ahead of what it took, never the whole
        log into buffers, so a slow replica still answers pings and memory stays flat."""
        try:
            await self._send_log(session)
        except Exception as exc:  # a bug shows in the log; the relay goes on
            log.exception("catch-up of %s failed", session.agent)
            session.drop(f"internal error: {type(exc).__name__}")

    async def _send_log(self, session: Session) -> None:
        session.read = session.cursor
        while True:
            while session.cursor - session.read > CATCH_UP_AHEAD and not session.closed.is_set():
                session.read_moved.clear()
                await session.read_moved.wait()
            entries = self.store.since(session.cursor, CATCH_UP_BATCH)
            if not entries:
                break
            for entry in entries:
                await session.queue.put(p.entry(entry.doc, entry.seq, entry.data))
            session.cursor = entries[-1].seq
            await session.queue.put(p.number("", p.CURSOR, session.cursor))
        session.live = True  # no await since the last read: nothing was logged in between
        session.push(p.number("", p.IN_STEP, session.cursor))

    # -- frames --------------------------------------------------------------------------

    def _handle(self, session: Session, frame: p.Frame) -> None:
        if frame.kind == p.SYNC:
            self._sync(session, frame)
        elif frame.kind == p.READ:
            session.read = max(session.read, frame.number)
            session.read_moved.set()
        elif frame.kind == p.AWARENESS:
            changed = self.presence.update(session, p.read_awareness(frame.data))
            if changed:
                self._broadcast(p.awareness(p.awareness_update(changed)), but=session)
        else:
            raise Dropped(f"unexpected message kind {frame.kind} from a replica")

    def _sync(self, session: Session, frame: p.Frame) -> None:
        name = frame.doc
        if not DOC_NAME.fullmatch(name):
            raise Dropped(f"document name {name[:40]!r} is not in the workspace")
        if frame.step == p.STEP1:  # a repair: what the relay has that the replica lacks
            doc, _ = self.docs.get(name)
            session.push(p.sync(name, p.STEP2, doc.get_update(frame.data or None)))
            return
        entries = self._accept(name, frame.data)
        for entry in entries:
            data = p.entry(entry.doc, entry.seq, entry.data)
            for other in self.sessions:
                if other.live and entry.seq > other.cursor:
                    if other is not session or entry is not entries[0]:  # it has its own
                        other.push(data)
                    other.cursor = entry.seq
        doc, _ = self.docs.get(name)
        head = entries[-1].seq if entries else self.store.head()
        session.push(p.stored(name, head, doc.get_state()))

    def _accept(self, name: str, update: bytes) -> list[Entry]:
        """Apply, log and stamp one update; nothing is stored unless all of it is."""
        doc, _ = self.docs.get(name)
        before = doc.get_state()
        try:
            doc.apply_update(update)
            if doc.get_state() == before:
                return []
            diff = doc.get_update(before)
            with self.store.write():
                entries = [Entry(self.store.append(name, diff), name, diff)]
                if name.startswith("c:"):
                    stamped_from = doc.get_state()
                    if conversation.stamp_claims(doc, entries[0].seq):
                        stamp = doc.get_update(stamped_from)
                        entries.append(Entry(self.store.append(name, stamp), name, stamp))
        except Exception as exc:
            self.docs.forget(name)  # the loaded copy may hold what was not stored
            raise Dropped(f"update to {name} does not apply: {exc}") from exc
        self.docs.logged(name, doc, len(entries))
        return entries

    def _broadcast(self, frame: bytes, but: Session | None = None) -> None:
        for other in self.sessions:
            if other is not but and other.live:
                other.push(frame)

    def _leave(self, session: Session) -> None:
        self.sessions.discard(session)
        gone = self.presence.leave(session)
        if gone:
            self._broadcast(p.awareness(p.awareness_update(gone)))

    # -- background ----------------------------------------------------------------------

    async def _watch_tokens(self) -> None:
        """Close the sockets of revoked tokens at once (revocation runs in another process)."""
        seen = self.store.data_version()
        while True:
            await asyncio.sleep(REVOKE_POLL)
            version = self.store.data_version()
            if version == seen:
                continue
            seen = version
            live = self.store.live_tokens()
            for session in list(self.sessions):
                if session.grant.token_id not in live:
                    session.drop("token revoked")

    async def _expire_presence(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            gone = self.presence.expire()
            if gone:
                self._broadcast(p.awareness(p.awareness_update(gone)))


class _Disconnected(Exception):
    pass


async def _next_frame(receive: Receive) -> bytes:
    message = await receive()
    if message["type"] == "websocket.disconnect":
        raise _Disconnected()
    data = message.get("bytes")
    if data is None:
        raise Dropped("text frame: the protocol is binary")
    return bytes(data)


def _bearer(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key == b"authorization":
            text = bytes(value).decode("latin-1")
            if text.lower().startswith("bearer "):
                return text[7:].strip()
    return ""


def _peer(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "?"


async def _plain(send: Send, status: int) -> None:
    body = b"inbox relay\n" if status == 200 else b"not found\n"
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def serve(store_path: Path, host: str, port: int, workspace_name: str = "default") -> None:
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = Relay(store_path, workspace_name)
    uvicorn.run(
        app,
        host=host,
        port=port,
        ws="websockets-sansio",  # the loop is "auto": uvloop, a dependency where it exists
        ws_max_size=p.MAX_FRAME + 1024,
        lifespan="on",
        log_level="warning",
    )
