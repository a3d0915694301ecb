"""What agents do, over a real replica file: the workspace's items and a reindex that
repairs what an older import left."""

from __future__ import annotations

from pathlib import Path

import pytest

from crdt import actions
from crdt.errors import NotFoundError, UsageError
from crdt.ingest.importer import import_path
from crdt.model import ydoc
from crdt.model.vocab import conversation_doc
from crdt.replica import Filters, Replica
from tests.conftest import DATA


def _replica(tmp_path: Path) -> Replica:
    return Replica.create(tmp_path, workspace="acme", agent="dana@acme.example.com", name="Dana")


def test_adding_a_mailbox_again_changes_what_is_given_and_keeps_the_rest(tmp_path: Path) -> None:
    with _replica(tmp_path) as replica:
        actions.mailbox_add(replica, "Support@Acme.example.com", "Acme", "-- Acme Support")
        actions.mailbox_add(replica, "support@acme.example.com", "Acme Support")
        box = replica.items("mailboxes")["support@acme.example.com"]
        assert (box["name"], box["signature"]) == ("Acme Support", "-- Acme Support")
        actions.mailbox_remove(replica, "support@acme.example.com")
        assert "support@acme.example.com" not in replica.items("mailboxes")
        with pytest.raises(NotFoundError):
            actions.mailbox_remove(replica, "support@acme.example.com")
        with pytest.raises(UsageError):
            actions.mailbox_add(replica, "not an address")


def test_an_agent_is_added_once_under_its_address(tmp_path: Path) -> None:
    with _replica(tmp_path) as replica:
        assert actions.agent_add(replica, " Ben@Acme.example.com", None) == "ben@acme.example.com"
        actions.agent_add(replica, "ben@acme.example.com", "Ben Okoro")
        assert replica.items("agents")["ben@acme.example.com"]["name"] == "Ben Okoro"
        assert replica.find_agent("ben") == "ben@acme.example.com"


def test_reindex_gives_a_document_named_for_another_conversation_its_own_id(
    tmp_path: Path,
) -> None:
    """The state an import before schema 5 could leave: document ``c:A`` says it is R."""
    with _replica(tmp_path) as replica:
        import_path(replica, DATA / "threading-dev" / "001.eml")
        [row] = replica.conversations(Filters(status="all")).rows
        ident, other = row["id"], "f" * 32
        name = conversation_doc(ident)
        with replica.store.write():
            doc = ydoc.load(replica.store.doc_updates(name))
            before = doc.get_state()
            doc.map("meta")["id"] = other
            replica.store.append(name, doc.get_update(before))
        actions.reindex(replica)
        assert [r["id"] for r in replica.conversations(Filters(status="all")).rows] == [ident]
        assert replica.conversation(ident)["id"] == ident
        actions.tag(replica, [ident], ["repaired"], [])
        assert replica.conversation(ident)["tags"] == ["repaired"]
