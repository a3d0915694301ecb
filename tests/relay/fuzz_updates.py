"""Mutate real conversation updates until pycrdt panics on one; keep what it finds.

Run by hand (``python tests/relay/fuzz_updates.py SEED SECONDS``), not by pytest: a find
takes minutes to hours. It builds a conversation as an import does (the base), the
changes a teammate makes to it (a note, a tag, a claim, a status, a reply), mutates those
updates byte by byte (overwrites with values that matter to lib0's encoding, inserts,
deletes, splices of other updates), applies each to a copy of the base followed by an
honest change, and reads every root. An update that makes pycrdt panic is written to
``data/panic-<seed>-<n>.update`` next to ``data/panic-<seed>-<n>.base``, the document it
was applied to; tests/relay/test_poison.py replays every pair it finds there.
Client ids are fixed, so a seed makes the same bytes on every machine.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from crdt.errors import BadUpdateError
from crdt.model import conversation as conv
from crdt.model.ydoc import Doc

A, B, JO = "a@acme.example.com", "b@acme.example.com", "jo@example.com"
AT = "2026-01-01T00:00:00.000Z"
IDENT = "0123456789abcdef0123456789abcdef"
LIB0 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x28, 0x75, 0x76, 0x77, 0x7D, 0x7F, 0x80, 0xFF]
DATA = Path(__file__).resolve().parent / "data"


def base() -> Doc:
    doc = Doc(client_id=1001)
    conv.create(
        doc,
        conversation_id=IDENT,
        subject="Refund",
        channel="email",
        mailbox="support@acme.example.com",
        customer=JO,
        customer_name="Jo",
        who=JO,
        at=AT,
    )
    message = {
        "id": "m1",
        "direction": "in",
        "from": JO,
        "to": ["support@acme.example.com"],
        "subject": "Refund",
        "body": "hello " * 20,
        "created_at": AT,
    }
    conv.add_message(doc, message, JO, AT)
    return doc


def changes(snapshot: bytes, before: bytes) -> list[bytes]:
    out = []
    edits = [
        lambda d: conv.add_note(d, body="over to @b", mentions=["b"], who=A, at=AT),
        lambda d: (conv.add_tag(d, "vip", B, AT), conv.remove_tag(d, "vip", B, AT)),
        lambda d: (conv.claim(d, B, AT), conv.set_status(d, "closed", B, AT)),
        lambda d: conv.add_message(
            d, {"id": "m2", "direction": "out", "author": B, "created_at": AT}, B, AT
        ),
    ]
    for n, edit in enumerate(edits):
        doc = Doc(client_id=2001 + n)
        doc.apply_update(snapshot)
        edit(doc)
        out.append(doc.get_update(before))
    return out


def mutate(rng: random.Random, update: bytes, others: list[bytes]) -> bytes:
    out = bytearray(update)
    for _ in range(rng.randint(1, 6)):
        pos = rng.randrange(len(out))
        value = rng.choice(LIB0) if rng.random() < 0.6 else rng.randrange(256)
        op = rng.random()
        if op < 0.55:
            out[pos] = value
        elif op < 0.7:
            out.insert(pos, value)
        elif op < 0.8:
            del out[pos]
        else:
            source = rng.choice(others)
            start = rng.randrange(len(source))
            out[pos:pos] = source[start : start + rng.randint(1, 12)]
    return bytes(out)


def panics(snapshot: bytes, update: bytes, honest: bytes) -> bool:
    doc = Doc(client_id=3001)
    doc.apply_update(snapshot)
    try:
        doc.apply_update(update)
        doc.apply_update(honest)
        doc.to_py(conv.MAP_ROOTS, conv.ARRAY_ROOTS)
        doc.get_update()
    except BadUpdateError as exc:
        return "panic" in str(exc)
    return False


def main(seed: int, seconds: float) -> None:
    rng = random.Random(seed)
    doc = base()
    snapshot, before = doc.get_update(), doc.get_state()
    others = changes(snapshot, before)
    honest_doc = Doc(client_id=4001)
    honest_doc.apply_update(snapshot)
    conv.add_tag(honest_doc, "later", A, AT)
    honest = honest_doc.get_update(before)
    found, tries, start = 0, 0, time.monotonic()
    while time.monotonic() - start < seconds:
        tries += 1
        update = mutate(rng, rng.choice([*others, snapshot]), others)
        if panics(snapshot, update, honest):
            found += 1
            (DATA / f"panic-{seed}-{found}.base").write_bytes(snapshot)
            (DATA / f"panic-{seed}-{found}.update").write_bytes(update)
            print(f"try {tries}: {len(update)} bytes", flush=True)
    print(f"{tries} tries, {found} found", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]), float(sys.argv[2]))
