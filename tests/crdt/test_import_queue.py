"""Building queued mail into documents, including a document changed meanwhile."""

from __future__ import annotations

from pathlib import Path

import pytest

from crdt import actions, import_queue, importer, mailsource, queries
from crdt.errors import StoreError
from crdt.mail_index import StoredIds
from crdt.replica import Replica
from tests.conftest import DATA

CORPUS = DATA / "threading-dev"


def _queue(replica: Replica, name: str) -> None:
    report = importer.ImportReport()
    ours = importer.our_addresses(replica) | {"support@acme.example.com"}
    for chunk in importer.parsed_chunks(mailsource.chunks(CORPUS / name, importer.BATCH)):
        importer._Batch(replica, ours, report, [], StoredIds()).run(chunk)


def _queued(tmp_path: Path) -> Replica:
    replica = Replica.create(tmp_path, workspace="acme", agent="dana@acme.example.com", name=None)
    _queue(replica, "001.eml")
    return replica


def test_a_document_changed_between_read_and_write_is_built_again(tmp_path: Path) -> None:
    replica = _queued(tmp_path)
    import_queue.drain(replica)
    _queue(replica, "002.eml")  # our answer, appended to the conversation
    jobs = [import_queue.read_job(replica, i) for i in import_queue.queued(replica)]
    [job] = jobs
    results = [import_queue.build(j) for j in jobs]
    actions.tag(replica, [job.ident], ["vip"], [])  # another command, meanwhile
    import_queue._write(replica, jobs, results)
    conv = queries.view(replica.conn, job.ident)
    assert conv["tags"] == ["vip"]
    assert [m["direction"] for m in conv["messages"]] == ["in", "out"]
    assert replica.conn.execute("SELECT count(*) FROM import_queue").fetchone()[0] == 0


def test_a_conversation_still_queued_cannot_be_changed(tmp_path: Path) -> None:
    replica = _queued(tmp_path)
    [job] = [import_queue.read_job(replica, i) for i in import_queue.queued(replica)]
    with pytest.raises(StoreError, match="still being imported"):
        actions.tag(replica, [job.ident], ["vip"], [])
    assert not replica.store.doc_exists(f"c:{job.ident}")


def test_drain_builds_everything_queued_once(tmp_path: Path) -> None:
    replica = _queued(tmp_path)
    assert import_queue.drain(replica) == 1
    assert import_queue.drain(replica) == 0
    [row] = queries.list_conversations(replica.conn, queries.Filters(status="all"), "2099")
    assert row["message_count"] == 1
