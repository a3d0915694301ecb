"""Building queued mail into documents, including a document changed meanwhile."""

from __future__ import annotations

from pathlib import Path

import pytest

from crdt import actions
from crdt.errors import StoreError, UnbuiltError
from crdt.ingest import importer, sources
from crdt.ingest.thread_index import StoredIds
from crdt.replica import Filters, Replica
from crdt.store import import_queue, queries
from tests.conftest import DATA

CORPUS = DATA / "threading-dev"


def _queue(replica: Replica, name: str) -> None:
    report = importer.ImportReport()
    ours = importer.our_addresses(replica) | {"support@acme.example.com"}
    for chunk in importer.parsed_chunks(sources.chunks(CORPUS / name, importer.BATCH)):
        importer._Batch(replica, ours, report, set(), StoredIds()).run(chunk)


def _queued(tmp_path: Path) -> Replica:
    replica = Replica.create(tmp_path, workspace="acme", agent="dana@acme.example.com", name=None)
    _queue(replica, "001.eml")
    return replica


def test_a_document_changed_between_read_and_write_is_built_again(tmp_path: Path) -> None:
    replica = _queued(tmp_path)
    import_queue.drain(replica.store)
    _queue(replica, "002.eml")  # our answer, appended to the conversation
    jobs = [import_queue.read_job(replica.store, i) for i in import_queue.queued(replica.store)]
    [job] = jobs
    results = [import_queue.build_conversation(j) for j in jobs]
    actions.tag(replica, [job.ident], ["vip"], [])  # another command, meanwhile
    import_queue._write(replica.store, jobs, results, import_queue.packing_of(replica.store))
    conv = queries.view(replica.store.conn, job.ident)
    assert conv["tags"] == ["vip"]
    assert [m["direction"] for m in conv["messages"]] == ["in", "out"]
    assert replica.store.conn.execute("SELECT count(*) FROM import_queue").fetchone()[0] == 0


def test_a_conversation_still_queued_is_built_by_the_command_that_changes_it(
    tmp_path: Path,
) -> None:
    """An import stopped after threading leaves mail queued: a tag builds it first."""
    replica = _queued(tmp_path)
    [job] = [import_queue.read_job(replica.store, i) for i in import_queue.queued(replica.store)]
    actions.tag(replica, [job.ident], ["vip"], [])
    conv = queries.view(replica.store.conn, job.ident)
    assert (conv["id"], conv["tags"], conv["message_count"]) == (job.ident, ["vip"], 1)
    assert import_queue.queued(replica.store) == []
    assert import_queue.drain(replica.store) == 0


def test_a_conversation_still_queued_is_built_by_the_command_that_shows_it(
    tmp_path: Path,
) -> None:
    replica = _queued(tmp_path)
    [ident] = import_queue.queued(replica.store)
    with pytest.raises(UnbuiltError):
        queries.view(replica.store.conn, ident)  # the index alone has only the stub row
    assert replica.conversation(ident)["id"] == ident
    assert import_queue.queued(replica.store) == []


def test_an_index_row_without_document_or_queue_is_named_for_what_it_is(
    tmp_path: Path,
) -> None:
    replica = _queued(tmp_path)
    [ident] = import_queue.queued(replica.store)
    with replica.store.write() as conn:  # as an older import could leave it
        conn.execute("DELETE FROM import_queue")
    with pytest.raises(StoreError, match=r"no document.*inbox reindex"):
        replica.conversation(ident)
    with pytest.raises(StoreError, match=r"no document.*inbox reindex"):
        actions.tag(replica, [ident], ["vip"], [])
    assert not replica.store.doc_exists(f"c:{ident}")


def test_drain_builds_everything_queued_once(tmp_path: Path) -> None:
    replica = _queued(tmp_path)
    assert import_queue.drain(replica.store) == 1
    assert import_queue.drain(replica.store) == 0
    [row] = replica.conversations(Filters(status="all")).rows
    assert row["message_count"] == 1
