"""Mail handed over as bytes (as the gateway fetches it) lands exactly as a file import."""

from __future__ import annotations

import mailbox
from pathlib import Path

from crdt.ingest.importer import import_messages, import_path
from crdt.replica import Filters, Replica
from tests.conftest import new_home
from tests.relay.relays import MBOX


def conversations(home: Path) -> set[frozenset[str]]:
    """Each conversation as the Message-IDs it holds (its id is that of the mail that
    opened it, which depends on the order mail came in)."""
    with Replica.open(home) as replica:
        rows = replica.conversations(Filters(status="all", limit=None)).rows
        views = [replica.conversation(r["id"]) for r in rows]
    return {frozenset(m["message_id"] for m in v["messages"]) for v in views}


def test_messages_in_pieces_thread_as_the_whole_file(tmp_path: Path) -> None:
    whole = new_home(tmp_path / "whole")
    with Replica.open(whole) as replica:
        import_path(replica, MBOX)
    raw = [m.as_bytes() for m in mailbox.mbox(str(MBOX))]
    pieces = new_home(tmp_path / "pieces")
    with Replica.open(pieces) as replica:
        for start in (5, 0, 8):  # out of order, one piece at a time
            import_messages(replica, raw[start : start + 3 if start else 5], str)
        again = import_messages(replica, raw, lambda n: f"fetched {n}")
    assert conversations(pieces) == conversations(whole)
    assert again.imported == 0 and again.duplicates == len(raw)


def test_bytes_that_are_not_mail_are_named_and_the_rest_imported(tmp_path: Path) -> None:
    home = new_home(tmp_path / "home")
    raw = [m.as_bytes() for m in mailbox.mbox(str(MBOX))][:2]
    with Replica.open(home) as replica:
        report = import_messages(replica, [b"\x00\x01 not mail", *raw], lambda n: f"uid {n + 40}")
    assert report.imported == 2
    assert report.not_mail == [{"path": "uid 40", "reason": report.not_mail[0]["reason"]}]
