"""The wire format: what pycrdt encodes, and nothing malformed gets past decode()."""

from __future__ import annotations

import pycrdt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from relay import protocol as p


def _doc_update() -> bytes:
    doc = pycrdt.Doc()
    doc["meta"] = pycrdt.Map({"subject": "Refund"})
    return doc.get_update()


def test_sync_bodies_are_what_pycrdt_encodes() -> None:
    update = _doc_update()
    frame = p.sync("c:" + "a" * 32, p.UPDATE, update)
    name = p.var_bytes(("c:" + "a" * 32).encode())
    assert frame == name + pycrdt.create_update_message(update)
    decoded = p.decode(frame)
    assert (decoded.doc, decoded.kind, decoded.step, decoded.data) == (
        "c:" + "a" * 32,
        p.SYNC,
        p.UPDATE,
        update,
    )


def test_a_state_vector_message_is_pycrdts_sync_step1() -> None:
    doc = pycrdt.Doc()
    doc["meta"] = pycrdt.Map({"x": 1})
    assert p.sync("", p.STEP1, doc.get_state()) == p.var_bytes(b"") + pycrdt.create_sync_message(
        doc
    )


def test_awareness_round_trips_and_reads_like_yjs() -> None:
    entries = [p.Awareness(7, 3, {"status": "online"}), p.Awareness(300, 1, None)]
    data = p.awareness_update(entries)
    assert p.read_awareness(data) == entries
    frame = p.decode(p.awareness(data))
    assert (frame.kind, frame.data) == (p.AWARENESS, data)


@pytest.mark.parametrize(
    "frame",
    [
        p.number("", p.HELLO, 2**40),
        p.number("", p.CURSOR, 0),
        p.stored("ws:agents", 12, b"\x01\x02\x03"),
        p.welcome({"workspace": "acme", "head": 3}),
        p.refused("c:" + "a" * 32, "a note signed 'ben@acme.example.com'", b"\x00\x00"),
    ],
)
def test_every_kind_round_trips(frame: bytes) -> None:
    decoded = p.decode(frame)
    assert decoded.kind in p.KINDS


@given(st.binary(max_size=300))
def test_random_bytes_decode_or_raise_protocol_error(data: bytes) -> None:
    try:
        frame = p.decode(data)
    except p.ProtocolError:
        return
    assert frame.kind in p.KINDS  # anything else must have raised


@given(st.integers(min_value=0, max_value=200))
def test_every_truncation_of_a_frame_is_refused(cut: int) -> None:
    frame = p.sync("c:" + "b" * 32, p.UPDATE, _doc_update())
    cut = min(cut, len(frame) - 1)
    with pytest.raises(p.ProtocolError):
        p.decode(frame[:cut])


def test_oversized_frames_and_unknown_kinds_are_refused() -> None:
    with pytest.raises(p.ProtocolError, match="limit"):
        p.decode(b"\x00" * (p.MAX_FRAME + 1))
    with pytest.raises(p.ProtocolError, match="unknown message kind"):
        p.decode(p.var_bytes(b"") + p.var_uint(99))


def test_a_refusal_carries_its_reason_cut_to_its_limit_and_the_relays_document() -> None:
    frame = p.decode(p.refused("ws:agents", "x" * 5000 + "é", b"\x01\x02"))
    assert (frame.kind, frame.doc, frame.data) == (p.REFUSED, "ws:agents", b"\x01\x02")
    assert frame.info == "x" * p.MAX_REASON


def test_a_frame_over_the_limit_goes_in_pieces_and_comes_back_whole() -> None:
    update = bytes(range(256)) * (p.MAX_FRAME // 256 + 5000)
    frame = p.sync("c:" + "a" * 32, p.UPDATE, update)
    pieces = p.pieces(frame)
    assert len(pieces) == -(-len(frame) // p.PIECE) and all(len(x) <= p.MAX_FRAME for x in pieces)
    assembly = p.Assembly()
    got = [assembly.add(p.decode(x)) for x in pieces]
    assert got[:-1] == [None] * (len(pieces) - 1)
    whole = got[-1]
    assert whole is not None and (whole.kind, whole.step, whole.data) == (p.SYNC, p.UPDATE, update)
    small = p.sync("ws:agents", p.UPDATE, b"small")
    assert p.pieces(small) == [small]


def test_pieces_out_of_order_over_the_cap_or_of_other_frames_are_refused() -> None:
    frame = p.entry("c:" + "b" * 32, 9, b"x" * (p.MAX_FRAME + 10))
    pieces = [p.decode(x) for x in p.pieces(frame)]
    with pytest.raises(p.ProtocolError, match="out of order"):
        p.Assembly().add(pieces[1])
    assembly = p.Assembly()
    assembly.add(pieces[0])
    with pytest.raises(p.ProtocolError, match="before the last was whole"):
        assembly.add(pieces[0])
    with pytest.raises(p.TooBig):
        small = p.Assembly(limit=p.PIECE * 2)
        for piece in pieces:
            small.add(piece)
    presence = p.awareness(b"y" * (p.MAX_FRAME + 10))
    with pytest.raises(p.ProtocolError, match="not an update"):
        assembly = p.Assembly()
        for piece in p.pieces(presence):
            assembly.add(p.decode(piece))
    with pytest.raises(p.TooBig):
        p.pieces(p.sync("ws:agents", p.UPDATE, b"z" * (p.MAX_WHOLE + 1)))
    with pytest.raises(p.ProtocolError, match="piece 3 of 2"):
        p.decode(p.var_bytes(b"") + p.var_uint(p.PART) + p.var_uint(3) + p.var_uint(2) + b"\0")
