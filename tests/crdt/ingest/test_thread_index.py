"""The look-up rows an import threads against, and the set of stored ids that spares it
the look-ups that would find nothing."""

from __future__ import annotations

from pathlib import Path

from crdt.ingest import importer, sources
from crdt.ingest.thread_index import SqliteThreadIndex, StoredIds
from crdt.replica import Replica
from crdt.store.documents import Store
from tests.conftest import DATA

CORPUS = DATA / "threading-dev"
AGENT = "dana@acme.example.com"


def _batch(replica: Replica, stored: StoredIds, names: list[str]) -> importer.ImportReport:
    report = importer.ImportReport()
    ours = importer.our_addresses(replica) | {"support@acme.example.com"}
    raws = [raw for name in names for raw in sources.read(CORPUS / name)]
    importer._Batch(replica, ours, report, set(), stored).run(importer.parse_all(raws))
    return report


def test_mail_stored_by_another_process_between_batches_is_seen(tmp_path: Path) -> None:
    first = Replica.create(tmp_path, workspace="acme", agent=AGENT, name=None)
    other = Replica(Store.open(first.store.path), AGENT)  # a second connection: another process
    ours, theirs = StoredIds(), StoredIds()
    _batch(first, ours, ["003.eml"])  # both start: each has read the rows there are
    _batch(other, theirs, ["004.eml"])
    names = ["001.eml", "002.eml"]
    assert _batch(first, ours, names).imported == 2
    again = _batch(other, theirs, names)  # its set was read before these were stored
    assert (again.imported, again.duplicates) == (0, 2)


def test_a_reply_stored_first_is_found_through_the_set(tmp_path: Path) -> None:
    replica = Replica.create(tmp_path, workspace="acme", agent=AGENT, name=None)
    stored = StoredIds()
    _batch(replica, stored, ["002.eml"])  # our answer, before the mail it answers
    [parent] = [r for r in sources.read(CORPUS / "001.eml")]
    message_id = importer.parse_all([parent])[0].rec.message_id  # type: ignore[union-attr]
    with replica.store.write() as conn:
        stored.refresh(conn)
        assert SqliteThreadIndex(conn, stored).find_replies(message_id)
        assert SqliteThreadIndex(conn, stored).find_message(message_id) == []


def test_rows_written_again_from_the_start_are_read_again(tmp_path: Path) -> None:
    replica = Replica.create(tmp_path, workspace="acme", agent=AGENT, name=None)
    stored = StoredIds()
    _batch(replica, stored, ["001.eml", "002.eml", "003.eml"])
    with replica.store.write() as conn:
        stored.refresh(conn)
        kept = conn.execute("SELECT * FROM mail_ids ORDER BY rowid LIMIT 1").fetchone()
        conn.execute("DELETE FROM mail_ids")  # as a reindex does, then writes them again
        insert = "INSERT INTO mail_ids VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        conn.execute(insert, kept)
        conn.execute(insert, ("new@x", 1, "", "in", "", "[]", "message", None))
    with replica.store.write() as conn:
        stored.refresh(conn)
    assert kept[0] in stored.ids and "new@x" in stored.ids
    assert stored.seen == 2 and stored.ids.count == 2  # read afresh: only the rows there are
