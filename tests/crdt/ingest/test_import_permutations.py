"""The order property of the import: the threading corpus imported file by file, in any
order, gives the same conversations as the whole folder imported at once.

Each file is its own import (``importer.import_path``, the function `inbox import`
runs), so every conversation is built before the next mail comes: a reply that came
first is merged, a notice that came first waits. The workspace's addresses are declared,
as the one thing an order cannot give: which mail is ours is known only from them (or
from Delivered-To headers of mail imported before).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crdt.ingest import importer
from crdt.replica import Replica
from crdt.store.index import unpack_view
from tests.conftest import DATA

CORPUS = DATA / "threading-dev"
EML = sorted(p.name for p in CORPUS.glob("*.eml"))
OURS = ("support@acme.example.com", "billing@acme.example.com", "info@acme.example.com")
TRUTH = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))


def fresh(where: Path) -> Replica:
    replica = Replica.create(where, workspace="acme", agent="dana@acme.example.com", name=None)
    replica.put_items("mailboxes", {a: {"address": a} for a in OURS})
    return replica


def conversations(replica: Replica) -> set[frozenset[tuple[str, str, str]]]:
    """Each listed conversation as its messages: Message-ID, kind, delivery."""
    out = set()
    for (view,) in replica.store.conn.execute(
        "SELECT view FROM conversations WHERE merged_into IS NULL"
    ):
        conv: dict[str, Any] = unpack_view(view)
        out.add(
            frozenset(
                (str(m["message_id"]), m.get("kind") or "message", str(m["delivery"]))
                for m in conv["messages"]
            )
        )
    return out


def count(replica: Replica, table: str) -> int:
    return int(replica.store.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def whole_folder(where: Path) -> set[frozenset[tuple[str, str, str]]]:
    replica = fresh(where)
    try:
        importer.import_path(replica, CORPUS)
        return conversations(replica)
    finally:
        replica.close()


def test_the_folder_holds_every_conversation_of_the_truth(tmp_path: Path) -> None:
    found = whole_folder(tmp_path)
    real = {frozenset(m for m in c if m[1] not in ("auto-reply", "bounce")) for c in found}
    assert len(real) == len(TRUTH["conversations"]) + 1  # and the spam, in its own
    notices = {m[0] for c in found for m in c if m[1] in ("auto-reply", "bounce")}
    assert len(notices) == 3  # all but the vacation notice to the newsletter


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(order=st.permutations(EML))
def test_files_imported_one_by_one_in_any_order_give_the_folders_conversations(
    tmp_path_factory: Any, order: list[str]
) -> None:
    expected = whole_folder(tmp_path_factory.mktemp("folder"))
    replica = fresh(tmp_path_factory.mktemp("one-by-one"))
    try:
        for name in order:
            importer.import_path(replica, CORPUS / name)
        assert conversations(replica) == expected
        for table in ("import_queue", "import_merges", "waiting_notices", "waiting_for"):
            assert count(replica, table) == 0, table
    finally:
        replica.close()
