"""Building queued mail into documents, including a document changed meanwhile."""

from __future__ import annotations

from pathlib import Path

import pytest

from crdt import actions, import_queue, importer, mailsource, queries
from crdt.errors import StoreError, UnbuiltError
from crdt.mail_index import StoredIds
from crdt.replica import Replica
from tests.conftest import DATA

CORPUS = DATA / "threading-dev"


def _queue(replica: Replica, name: str) -> None:
    report = importer.ImportReport()
    ours = importer.our_addresses(replica) | {"support@acme.example.com"}
    for chunk in importer.parsed_chunks(mailsource.chunks(CORPUS / name, importer.BATCH)):
        importer._Batch(replica, ours, report, set(), StoredIds()).run(chunk)


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


def test_a_conversation_still_queued_is_built_by_the_command_that_changes_it(
    tmp_path: Path,
) -> None:
    """An import stopped after threading leaves mail queued: a tag builds it first."""
    replica = _queued(tmp_path)
    [job] = [import_queue.read_job(replica, i) for i in import_queue.queued(replica)]
    actions.tag(replica, [job.ident], ["vip"], [])
    conv = queries.view(replica.conn, job.ident)
    assert (conv["id"], conv["tags"], conv["message_count"]) == (job.ident, ["vip"], 1)
    assert import_queue.queued(replica) == []
    assert import_queue.drain(replica) == 0


def test_a_conversation_still_queued_is_built_by_the_command_that_shows_it(
    tmp_path: Path,
) -> None:
    replica = _queued(tmp_path)
    [ident] = import_queue.queued(replica)
    with pytest.raises(UnbuiltError):
        queries.view(replica.conn, ident)  # the index alone has only the stub row
    assert replica.view(ident)["id"] == ident
    assert import_queue.queued(replica) == []


def test_an_index_row_without_document_or_queue_is_named_for_what_it_is(
    tmp_path: Path,
) -> None:
    replica = _queued(tmp_path)
    [ident] = import_queue.queued(replica)
    with replica.store.write() as conn:  # as an older import could leave it
        conn.execute("DELETE FROM import_queue")
    with pytest.raises(StoreError, match=r"no document.*inbox reindex"):
        replica.view(ident)
    with pytest.raises(StoreError, match=r"no document.*inbox reindex"):
        actions.tag(replica, [ident], ["vip"], [])
    assert not replica.store.doc_exists(f"c:{ident}")


def test_drain_builds_everything_queued_once(tmp_path: Path) -> None:
    replica = _queued(tmp_path)
    assert import_queue.drain(replica) == 1
    assert import_queue.drain(replica) == 0
    [row] = queries.list_conversations(replica.conn, queries.Filters(status="all"), "2099")
    assert row["message_count"] == 1
