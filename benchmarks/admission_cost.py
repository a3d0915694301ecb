"""What the relay's proof of one update costs: the copy, the roots it touched read again
and the check (relay/server/hub.py `_accept`), in process, median of --runs.

    python benchmarks/admission_cost.py

Two documents: a conversation of five messages of ~1 KB (the benchmark's usual one), and
one holding a 4 MB body (a pasted log); the update a tag (the messages untouched) or a
note, as an agent adds them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crdt.model import admission, conversation
from crdt.model.ids import new_id
from crdt.model.ydoc import Doc

AGENT, AT = "dana@acme.example.com", "2026-12-03T10:00:00.000Z"


def document(body_bytes: int, messages: int) -> tuple[str, Doc]:
    ident = new_id()
    doc = Doc()
    conversation.create(
        doc,
        conversation_id=ident,
        subject="Refund",
        channel="email",
        mailbox="support@acme.example.com",
        customer="jo@example.com",
        customer_name="Jo",
        who="jo@example.com",
        at=AT,
    )
    for n in range(messages):
        body = ("The refund has not arrived yet. " * (body_bytes // 32 + 1))[:body_bytes]
        message = {"id": f"m{n}", "direction": "in", "from": "jo@example.com", "body": body}
        conversation.add_message(doc, {**message, "created_at": AT}, "jo@example.com", AT)
    return f"c:{ident}", doc


def prove(name: str, doc: Doc, plain: dict[str, object], update: bytes) -> None:
    """As the hub does: a copy that says which roots changed, the cached plain values of
    the document before, the touched roots read again, the check."""
    maps, arrays = admission.roots(name)
    trial, touched = doc.trial(update, maps, arrays)
    reread = trial.to_py([r for r in maps if r in touched], [r for r in arrays if r in touched])
    extra = set(trial.root_names()) - {*maps, *arrays}
    author = admission.Author(AGENT, admission.AGENT)
    admission.check(name, plain, {**plain, **reread}, extra, author, lambda _: {})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=51)
    args = parser.parse_args()
    cases = (
        ("a tag, 5 messages of 1 KB", 1024, 5, False),
        ("a tag, a 4 MB body", 4 << 20, 1, False),
        ("a note, a 4 MB body", 4 << 20, 1, True),
    )
    for label, size, count, note in cases:
        name, doc = document(size, count)
        change = Doc()
        change.apply_update(doc.get_update())
        if note:
            conversation.add_note(change, body="over to @ben", mentions=["ben"], who=AGENT, at=AT)
        else:
            conversation.add_tag(change, "vip", AGENT, AT)
        update = change.get_update(doc.get_state())
        maps, arrays = admission.roots(name)
        plain = doc.to_py(maps, arrays)
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            prove(name, doc, plain, update)
            times.append(time.perf_counter() - start)
        whole = len(doc.get_update())
        print(f"{label}: document {whole:,} B, proof {statistics.median(times) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
