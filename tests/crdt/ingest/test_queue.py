"""Building queued mail into documents, including a document changed meanwhile."""

from __future__ import annotations

from pathlib import Path

import pytest

from crdt import actions
from crdt.errors import StoreError
from crdt.ingest import importer, queue, sources
from crdt.ingest.thread_index import StoredIds
from crdt.replica import Filters, Replica
from tests.conftest import DATA

CORPUS = DATA / "threading-dev"


def _queue(replica: Replica, name: str) -> None:
    report = importer.ImportReport()
    ours = importer.our_addresses(replica) | {"support@acme.example.com"}
    for chunk in importer.parsed_chunks(sources.chunks(CORPUS / name, importer.BATCH)):
        importer._Batch(replica, ours, report, [], StoredIds()).run(chunk)


def _queued(tmp_path: Path) -> Replica:
    replica = Replica.create(tmp_path, workspace="acme", agent="dana@acme.example.com", name=None)
    _queue(replica, "001.eml")
    return replica


def test_a_document_changed_between_read_and_write_is_built_again(tmp_path: Path) -> None:
    replica = _queued(tmp_path)
    queue.drain(replica.store)
    _queue(replica, "002.eml")  # our answer, appended to the conversation
    jobs = [queue.read_job(replica.store, i) for i in queue.queued(replica.store)]
    [job] = jobs
    results = [queue.build(j) for j in jobs]
    actions.tag(replica, [job.ident], ["vip"], [])  # another command, meanwhile
    queue._write(replica.store, jobs, results)
    conv = replica.conversation(job.ident)
    assert conv["tags"] == ["vip"]
    assert [m["direction"] for m in conv["messages"]] == ["in", "out"]
    assert replica.store.conn.execute("SELECT count(*) FROM import_queue").fetchone()[0] == 0


def test_a_conversation_still_queued_cannot_be_changed(tmp_path: Path) -> None:
    replica = _queued(tmp_path)
    [job] = [queue.read_job(replica.store, i) for i in queue.queued(replica.store)]
    with pytest.raises(StoreError, match="still being imported"):
        actions.tag(replica, [job.ident], ["vip"], [])
    assert not replica.store.doc_exists(f"c:{job.ident}")


def test_drain_builds_everything_queued_once(tmp_path: Path) -> None:
    replica = _queued(tmp_path)
    assert queue.drain(replica.store) == 1
    assert queue.drain(replica.store) == 0
    [row] = replica.conversations(Filters(status="all"))
    assert row["message_count"] == 1
