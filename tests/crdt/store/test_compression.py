"""Views and snapshots packed with the replica's own zstd dictionaries: trained at its first
big import (or a reindex), read back as they were, and old data reads beside them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crdt import actions
from crdt.errors import StoreError
from crdt.ingest import importer
from crdt.model import view, ydoc
from crdt.replica import Replica
from crdt.store import index, queries, schema
from crdt.store.compression import (
    DICTIONARY,
    LZ4,
    TRAIN_SAMPLES,
    Dictionary,
    compress,
    decompress,
    newest_dictionary,
    train_dictionary,
)
from crdt.store.import_queue import DRAIN_BATCH

AGENT = "dana@acme.example.com"
WORDS = [
    "refund",
    "invoice",
    "charge",
    "login",
    "export",
    "webhook",
    "crash",
    "seats",
    "renewal",
    "please",
]


def _mail(n: int, i: int) -> str:
    """Mail of conversation ``n``: the customer's, then our answer to it."""
    customer = f"customer{n}@example.com"
    sender, to = (
        (customer, "support@acme.example.com") if i == 0 else ("support@acme.example.com", customer)
    )
    words = " ".join(WORDS[(n * 7 + k * 3 + i) % len(WORDS)] for k in range(12 + n % 9))
    parent = f"In-Reply-To: <{n}.0@example.com>\n" if i else ""
    return (
        f"From sender Mon Jan  5 10:00:00 2026\nFrom: {sender}\nTo: {to}\n"
        f"Subject: {'Re: ' if i else ''}About my {WORDS[n % len(WORDS)]} {n}\n"
        f"Date: Mon, 5 Jan 2026 {10 + i}:{n % 60:02d}:00 +0000\nMessage-ID: <{n}.{i}@example.com>\n"
        f"{parent}MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n"
        f"Hello,\n\n{words}.\n\nThanks\n\n"
    )


def _imported(tmp_path: Path, conversations: int) -> Replica:
    mbox = tmp_path / "mail.mbox"
    mbox.write_text("".join(_mail(n, i) for n in range(conversations) for i in (0, 1)))
    replica = Replica.create(tmp_path / "home", workspace="acme", agent=AGENT, name=None)
    replica.put_item(
        "mailboxes", "support@acme.example.com", {"address": "support@acme.example.com"}
    )
    importer.import_path(replica, mbox)
    return replica


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Replica:
    """An import of more than one run of conversations: it trains the dictionaries."""
    return _imported(tmp_path_factory.mktemp("big"), DRAIN_BATCH + 100)


def _built(replica: Replica, ident: str) -> dict[str, object]:
    """The conversation's view made afresh from its document."""
    return view.build(ydoc.load(replica.store.doc_updates(f"c:{ident}")))


def _ids(replica: Replica) -> list[str]:
    return [
        str(r[0]) for r in replica.store.conn.execute("SELECT id FROM conversations ORDER BY id")
    ]


def test_a_first_big_import_trains_a_dictionary_of_each_kind_and_packs_with_them(
    big: Replica,
) -> None:
    kinds = big.store.conn.execute(
        "SELECT kind, length(data) FROM dictionaries ORDER BY id"
    ).fetchall()
    assert [k for k, _ in kinds] == ["view", "snapshot"]
    tags = dict(
        big.store.conn.execute("SELECT substr(view, 1, 1), count(*) FROM conversations GROUP BY 1")
    )
    # the first run is built before there is anything to train on; the rest use them
    assert tags == {LZ4: DRAIN_BATCH, DICTIONARY: 100}
    snapshots = dict(
        big.store.conn.execute(
            "SELECT substr(snapshot, 2, 1), count(*) FROM docs WHERE name LIKE 'c:%' GROUP BY 1"
        )
    )
    assert snapshots == {LZ4: DRAIN_BATCH, DICTIONARY: 100}


def test_views_packed_with_the_dictionary_read_back_as_built_from_the_document(
    big: Replica,
) -> None:
    for ident in _ids(big):
        stored = queries.view(big.store.conn, ident, "2026-01-01")
        assert stored == queries.effective(_built(big, ident), "2026-01-01")


def test_the_dictionary_packs_smaller_than_lz4(big: Replica) -> None:
    rows = big.store.conn.execute("SELECT view FROM conversations").fetchall()
    packed = [r[0] for r in rows if r[0][:1] == DICTIONARY]
    plain = [decompress(p, big.store.conn) for p in packed]
    assert sum(map(len, packed)) < 0.8 * sum(len(compress(p)) for p in plain)


def test_a_change_after_training_packs_with_the_dictionary_and_search_keeps_up(
    big: Replica,
) -> None:
    """A one-conversation command packs its view and snapshot with the dictionaries too,
    and the full-text index drops the old text it reads back from the packed view."""
    ident = _ids(big)[-1]
    actions.note(big, ident, "the flamingo escalation")
    assert [c["id"] for c in queries.search(big.store.conn, "flamingo", "2099").rows] == [ident]
    for _ in range(70):  # past the compaction threshold: the snapshot is written again
        actions.tag(big, [ident], ["vip"], [])
        actions.tag(big, [ident], [], ["vip"])
    row = big.store.conn.execute("SELECT view FROM conversations WHERE id = ?", (ident,)).fetchone()
    assert row[0][:1] == DICTIONARY
    snapshot = big.store.conn.execute("SELECT snapshot FROM docs WHERE name = ?", (f"c:{ident}",))
    assert snapshot.fetchone()[0][1:2] == DICTIONARY
    assert queries.view(big.store.conn, ident)["notes"][0]["body"] == "the flamingo escalation"
    assert [c["id"] for c in queries.search(big.store.conn, "flamingo", "2099").rows] == [ident]
    assert queries.search(big.store.conn, "escalation flamingo", "2099").rows[0]["snippet"]


def test_another_connection_reads_what_one_packed(big: Replica) -> None:
    other = Replica.open(big.store.path.parent)
    try:
        for ident in _ids(big)[-5:]:
            assert queries.view(other.store.conn, ident) == queries.view(big.store.conn, ident)
    finally:
        other.close()


def test_a_small_import_trains_nothing_and_keeps_lz4(tmp_path: Path) -> None:
    replica = _imported(tmp_path, 20)
    assert replica.store.conn.execute("SELECT count(*) FROM dictionaries").fetchone()[0] == 0
    tags = {
        r[0] for r in replica.store.conn.execute("SELECT substr(view, 1, 1) FROM conversations")
    }
    assert tags == {LZ4}


def test_reindex_trains_a_replica_that_has_none_and_gives_the_same_views(
    tmp_path: Path,
) -> None:
    replica = _imported(tmp_path, DRAIN_BATCH)  # one run: built without dictionaries
    assert newest_dictionary(replica.store.conn, "view") is None
    before = {i: queries.view(replica.store.conn, i, "2026-01-01") for i in _ids(replica)}
    actions.reindex(replica)
    assert newest_dictionary(replica.store.conn, "view") is not None
    assert newest_dictionary(replica.store.conn, "snapshot") is not None
    after = {i: queries.view(replica.store.conn, i, "2026-01-01") for i in _ids(replica)}
    assert after == before
    assert {i: queries.effective(_built(replica, i), "2026-01-01") for i in after} == before
    tags = {
        r[0] for r in replica.store.conn.execute("SELECT substr(view, 1, 1) FROM conversations")
    }
    assert tags == {DICTIONARY}
    snapshots = replica.store.conn.execute(
        "SELECT DISTINCT substr(snapshot, 2, 1) FROM docs WHERE snapshot IS NOT NULL"
    )
    assert {r[0] for r in snapshots} == {DICTIONARY}
    assert replica.store.repack_snapshots() == 0  # nothing is packed twice


def _trained() -> bytes:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE dictionaries(id INTEGER PRIMARY KEY, kind TEXT, data BLOB)")
    assert train_dictionary(conn, "view", [_mail(n, 1).encode() for n in range(TRAIN_SAMPLES)])
    return bytes(conn.execute("SELECT data FROM dictionaries").fetchone()[0])


TRAINED_DATA = _trained()
TRAINED = Dictionary(1, TRAINED_DATA)


@settings(max_examples=200)
@given(st.binary(max_size=20_000) | st.text(max_size=5_000).map(str.encode))
def test_anything_packed_with_a_dictionary_unpacks_as_it_was(data: bytes) -> None:
    packed = TRAINED.compress(data)
    assert packed[:1] == DICTIONARY
    assert TRAINED.decompress(packed[3:]) == data


def test_too_few_records_train_nothing() -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE dictionaries(id INTEGER PRIMARY KEY, kind TEXT, data BLOB)")
    assert not train_dictionary(conn, "view", [b"x" * 100] * 10)
    assert conn.execute("SELECT count(*) FROM dictionaries").fetchone()[0] == 0


def test_a_record_whose_dictionary_is_gone_says_so(tmp_path: Path) -> None:
    replica = Replica.create(tmp_path, workspace="w", agent=AGENT, name=None)
    packed = Dictionary(7, TRAINED_DATA).compress(b"a view")
    with pytest.raises(StoreError, match="lacks compression dictionary 7"):
        decompress(packed, replica.store.conn)
    with pytest.raises(StoreError, match="needs its replica"):
        decompress(packed)


def test_a_replica_of_schema_4_gains_the_table_and_its_old_records_read(tmp_path: Path) -> None:
    replica = _imported(tmp_path, 3)
    ident = _ids(replica)[0]
    expected = queries.view(replica.store.conn, ident, "2026-01-01")
    replica.store.conn.execute("DROP TABLE dictionaries")
    replica.store.conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema'")
    replica.close()
    reopened = Replica.open(tmp_path / "home")
    assert reopened.store.meta("schema") == str(schema.SCHEMA_VERSION)
    assert reopened.store.conn.execute("SELECT count(*) FROM dictionaries").fetchone()[0] == 0
    assert queries.view(reopened.store.conn, ident, "2026-01-01") == expected
    assert index.unpack_view(compress(b'{"a":1}')) == {"a": 1}


def test_customer_and_mentions_read_views_packed_with_the_dictionary(big: Replica) -> None:
    ident = _ids(big)[-2]
    row = big.store.conn.execute("SELECT customer, view FROM conversations WHERE id = ?", (ident,))
    customer, packed = row.fetchone()
    assert packed[:1] == DICTIONARY
    history = queries.customer(big.store.conn, customer, "2099")
    assert [m["id"] for m in history["messages"]] == [
        m["id"] for m in _built(big, ident)["messages"]
    ]
    actions.note(big, ident, f"@{AGENT.split('@')[0]} look at this one")
    [mention] = queries.mentions(big.store.conn, AGENT)
    assert (mention["conversation"], mention["subject"]) == (ident, _built(big, ident)["subject"])
