from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crdt.ingest.thread_index import SqliteThreadIndex, StoredIds
from crdt.mail.headers import received_at
from crdt.mail.mime import split_head
from crdt.mail.parse import MailRecord, parse_mail
from crdt.mail.threads import Decision, MemoryThreadIndex, ThreadIndex, decide, direction_of
from crdt.model.ids import derived_id
from crdt.store.documents import Store
from tests.conftest import DATA

CORPUS = DATA / "threading-dev"
TRUTH = json.loads((CORPUS / "truth.json").read_text())
OURS = frozenset({"support@acme.example.com", "billing@acme.example.com", "info@acme.example.com"})
RECORDS = {p.name: parse_mail(p.read_bytes()) for p in sorted(CORPUS.glob("*.eml"))}
RECEIVED = {p.name: received_at(split_head(p.read_bytes())[0]) for p in CORPUS.glob("*.eml")}
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def arrival(name: str) -> datetime:
    """When the mail reached the shared mailbox: our MX's stamp, else (ours) its Date."""
    when = RECEIVED[name] or RECORDS[name].date
    assert when is not None
    return when


INDEXES: list[Callable[[], ThreadIndex]] = []


@pytest.fixture(autouse=True, params=["memory", "sqlite"])
def _index_kind(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[None]:
    """Every rule holds for the in-memory index and for the SQLite one the import uses."""
    stores: list[Store] = []

    def sqlite_index() -> ThreadIndex:
        store = Store.create(tmp_path / f"{len(stores)}.db", {})
        stores.append(store)
        stored = StoredIds()
        stored.refresh(store.conn)
        return SqliteThreadIndex(store.conn, stored)

    INDEXES.append(MemoryThreadIndex if request.param == "memory" else sqlite_index)
    yield
    INDEXES.pop()
    for store in stores:
        store.close()


def new_index() -> ThreadIndex:
    return INDEXES[-1]()


def replay(records: list[MailRecord], index: ThreadIndex | None = None) -> list[Decision]:
    """Feed mail to the threader the way the importer does, recording what it stores."""
    index = index if index is not None else new_index()
    decisions = []
    for rec in records:
        decision = decide(rec, index, OURS)
        if decision.conversation_id and decision.action in ("new", "append", "notice"):
            index.record(decision.conversation_id, rec, decision.direction, decision.customer_email)
        decisions.append(decision)
    return decisions


def grouping(names: list[str]) -> tuple[set[frozenset[str]], dict[str, Decision]]:
    decisions = dict(zip(names, replay([RECORDS[n] for n in names]), strict=True))
    groups: dict[str, set[str]] = defaultdict(set)
    for name, decision in decisions.items():
        if decision.action in ("new", "append", "duplicate"):
            assert decision.conversation_id is not None
            groups[decision.conversation_id].add(name)
    return {frozenset(g) for g in groups.values()}, decisions


def in_arrival_order(names: list[str]) -> list[str]:
    return sorted(names, key=arrival)


EXPECTED_GROUPS = {frozenset(c["messages"]) for c in TRUTH["conversations"]}
EXPECTED_KINDS = {n["file"]: n["expect"] for n in TRUTH["non_conversations"]}


# -- the corpus ------------------------------------------------------------------


def test_corpus_groups_into_the_expected_conversations_in_arrival_order() -> None:
    groups, _ = grouping(in_arrival_order(list(RECORDS)))
    assert groups == EXPECTED_GROUPS


def test_corpus_machine_mail_is_never_a_conversation_and_has_the_expected_kind() -> None:
    _, decisions = grouping(in_arrival_order(list(RECORDS)))
    for name, kind in EXPECTED_KINDS.items():
        assert RECORDS[name].kind == kind, name
        assert decisions[name].action == ("spam" if kind == "spam" else "notice"), name
    conversation_kinds = {RECORDS[n].kind for c in TRUTH["conversations"] for n in c["messages"]}
    assert conversation_kinds <= {"message", "bulk"}


def test_corpus_duplicate_delivery_is_one_message() -> None:
    _, decisions = grouping(in_arrival_order(list(RECORDS)))
    (pair,) = [
        c["duplicate_deliveries"][0] for c in TRUTH["conversations"] if "duplicate_deliveries" in c
    ]
    first, second = (decisions[n] for n in pair)
    assert (first.action, second.action) == ("new", "duplicate")
    assert first.conversation_id == second.conversation_id
    duplicates = [n for n, d in decisions.items() if d.action == "duplicate"]
    assert duplicates == [pair[1]]


def test_corpus_notices_attach_to_what_they_answer() -> None:
    _, decisions = grouping(in_arrival_order(list(RECORDS)))

    def conversation_of(name: str) -> str | None:
        return decisions[name].conversation_id

    assert conversation_of("031.eml") == conversation_of("030.eml")  # out of office in c09
    assert conversation_of("034.eml") == conversation_of("033.eml")  # auto-reply in c10
    assert conversation_of("044.eml") == conversation_of("043.eml")  # bounce of our reply in c13
    assert conversation_of("024.eml") is None  # vacation notice to the newsletter: not kept
    assert conversation_of("055.eml") is None


@pytest.mark.parametrize("seed", range(8))
def test_grouping_does_not_depend_on_file_names_or_listing_order(seed: int) -> None:
    names = list(RECORDS)
    random.Random(seed).shuffle(names)
    decisions = replay([RECORDS[n] for n in in_arrival_order(names)])
    reference = replay([RECORDS[n] for n in in_arrival_order(sorted(RECORDS))])
    assert [d.conversation_id for d in decisions] == [d.conversation_id for d in reference]


def conversation_streams() -> list[list[str]]:
    """Each conversation's mail in arrival order, machine mail with what it answers."""
    owner = {n: i for i, c in enumerate(TRUTH["conversations"]) for n in c["messages"]}
    _, decisions = grouping(in_arrival_order(list(RECORDS)))
    by_id = {decisions[n].conversation_id: i for n, i in owner.items()}
    streams: dict[object, list[str]] = defaultdict(list)
    for name in in_arrival_order(list(RECORDS)):
        key = owner.get(name, by_id.get(decisions[name].conversation_id, name))
        streams[key].append(name)
    return list(streams.values())


@pytest.mark.parametrize("seed", range(25))
def test_interleaving_conversations_differently_gives_the_same_conversations(seed: int) -> None:
    rng = random.Random(seed)
    streams = [list(s) for s in conversation_streams()]
    order: list[str] = []
    while streams:
        stream = rng.choice(streams)
        order.append(stream.pop(0))
        if not stream:
            streams.remove(stream)
    groups, decisions = grouping(order)
    assert groups == EXPECTED_GROUPS
    _, reference = grouping(in_arrival_order(list(RECORDS)))
    assert {n: d.conversation_id for n, d in decisions.items()} == {
        n: d.conversation_id for n, d in reference.items()
    }


# -- the rules, one at a time -----------------------------------------------------


def make(
    sender: str,
    to: str = "support@acme.example.com",
    *,
    mid: str,
    subject: str = "Printer offline",
    when: datetime = START,
    reply_to: str = "",
    references: str = "",
    cc: str = "",
    body: str = "Hello",
    extra: tuple[str, ...] = (),
) -> MailRecord:
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}",
        f"Message-ID: <{mid}>",
    ]
    headers += [f"Cc: {cc}"] if cc else []
    headers += [f"In-Reply-To: <{reply_to}>"] if reply_to else []
    headers += [f"References: {references}"] if references else []
    return parse_mail(("\r\n".join([*headers, *extra]) + "\r\n\r\n" + body).encode())


def test_reply_from_uncopied_sender_starts_new_conversation() -> None:
    ask = make("ann@a.example", mid="1@a")
    answer = make("support@acme.example.com", "ann@a.example", mid="2@acme", reply_to="1@a")
    stranger = make("eve@e.example", mid="3@e", reply_to="2@acme", subject="Re: Printer offline")
    first, ours, theirs = replay([ask, answer, stranger])
    assert (ours.action, ours.conversation_id) == ("append", first.conversation_id)
    assert theirs.action == "new" and theirs.conversation_id != first.conversation_id
    assert theirs.customer_email == "eve@e.example"


def test_colleague_copied_on_our_reply_joins_the_conversation() -> None:
    ask = make("ann@a.example", mid="1@a")
    answer = make(
        "support@acme.example.com",
        "ann@a.example",
        cc="Bo <bo@a.example>",
        mid="2@acme",
        reply_to="1@a",
    )
    colleague = make("bo@a.example", mid="3@a", reply_to="2@acme", when=START + timedelta(days=3))
    first, _, joined = replay([ask, answer, colleague])
    assert (joined.action, joined.conversation_id) == ("append", first.conversation_id)


def test_customer_replying_to_their_own_message_joins() -> None:
    ask = make("ann@a.example", mid="1@a")
    chase = make("ann@a.example", mid="2@a", reply_to="1@a", when=START + timedelta(days=2))
    first, second = replay([ask, chase])
    assert (second.action, second.conversation_id) == ("append", first.conversation_id)


def test_replies_to_a_broadcast_start_their_own_conversations() -> None:
    # Recipients visible on the broadcast: only its being bulk keeps the replies apart.
    news = make(
        "info@acme.example.com",
        "ann@a.example, bob@b.example",
        mid="news@acme",
        extra=("Precedence: bulk",),
    )
    ann = make("ann@a.example", mid="1@a", reply_to="news@acme")
    bob = make("bob@b.example", mid="1@b", reply_to="news@acme")
    broadcast, first, second = replay([news, ann, bob])
    assert broadcast.action == "new" and news.kind == "bulk"
    assert first.action == second.action == "new"
    assert len({broadcast.conversation_id, first.conversation_id, second.conversation_id}) == 3
    assert "broadcast" in first.reason


def test_outlook_thread_index_joins_only_the_same_customer() -> None:
    index = "AdylbUh23h11ZkMv8n+zOVhM+9Dxtw=="
    child = "AdylbUh23h11ZkMv8n+zOVhM+9DxtwAFcr/M"
    ask = make("ann@a.example", mid="1@a", extra=(f"Thread-Index: {index}",))
    again = make(
        "ann@a.example", mid="2@a", subject="RE: other words", extra=(f"Thread-Index: {child}",)
    )
    other = make("cy@a.example", mid="3@a", subject="RE: other", extra=(f"Thread-Index: {child}",))
    first, joined, apart = replay([ask, again, other])
    assert (joined.action, joined.conversation_id) == ("append", first.conversation_id)
    assert "Thread-Index" in joined.reason
    assert apart.action == "new"


def test_same_subject_same_customer_within_14_days_joins() -> None:
    ask = make("ann@a.example", mid="1@a")
    later = make(
        "ann@a.example", mid="2@a", subject="Re: printer  OFFLINE", when=START + timedelta(days=13)
    )
    first, second = replay([ask, later])
    assert (second.action, second.conversation_id) == ("append", first.conversation_id)


def test_same_subject_after_14_days_starts_new_conversation() -> None:
    ask = make("ann@a.example", mid="1@a")
    later = make(
        "ann@a.example", mid="2@a", subject="Re: Printer offline", when=START + timedelta(days=15)
    )
    assert [d.action for d in replay([ask, later])] == ["new", "new"]


def test_window_counts_from_the_last_activity_not_the_first_message() -> None:
    ask = make("ann@a.example", mid="1@a")
    answer = make(
        "support@acme.example.com",
        "ann@a.example",
        mid="2@acme",
        reply_to="1@a",
        when=START + timedelta(days=10),
    )
    later = make(
        "ann@a.example", mid="3@a", subject="Re: Printer offline", when=START + timedelta(days=20)
    )
    first, _, third = replay([ask, answer, later])
    assert third.conversation_id == first.conversation_id


def test_same_subject_from_another_customer_starts_new_conversation() -> None:
    ann = make("ann@a.example", mid="1@a", subject="Invoice")
    bob = make("bob@b.example", mid="1@b", subject="Invoice", when=START + timedelta(hours=1))
    assert [d.action for d in replay([ann, bob])] == ["new", "new"]


def test_forward_without_reply_headers_starts_new_conversation() -> None:
    ask = make("ann@a.example", mid="1@a")
    forward = make(
        "ann@a.example", mid="2@a", subject="Fwd: Printer offline", when=START + timedelta(days=1)
    )
    colleague = make("bo@a.example", mid="3@a", subject="Fwd: Printer offline")
    assert [d.action for d in replay([ask, forward, colleague])] == ["new", "new", "new"]


def test_empty_subject_never_joins_by_subject() -> None:
    ask = make("ann@a.example", mid="1@a", subject="")
    again = make(
        "ann@a.example", mid="2@a", subject="Re: (no subject)", when=START + timedelta(hours=2)
    )
    assert [d.action for d in replay([ask, again])] == ["new", "new"]


def test_second_delivery_of_a_message_is_a_duplicate() -> None:
    ask = make("ann@a.example", mid="1@a")
    copy = parse_mail(b"Delivered-To: billing@acme.example.com\r\n" + raw_of(ask))
    first, second = replay([ask, copy])
    assert second.action == "duplicate" and second.conversation_id == first.conversation_id


def raw_of(rec: MailRecord) -> bytes:
    return (
        f"From: {rec.from_email}\r\nTo: support@acme.example.com\r\nSubject: {rec.subject}\r\n"
        f"Date: {START.strftime('%a, %d %b %Y %H:%M:%S +0000')}\r\n"
        f"Message-ID: <{rec.message_id}>\r\n\r\n{rec.body}"
    ).encode()


def test_reused_message_id_is_a_new_message_threaded_by_its_own_reply_headers() -> None:
    ask = make("ann@a.example", mid="same@a", body="API key stopped working")
    answer = make("support@acme.example.com", "ann@a.example", mid="2@acme", reply_to="same@a")
    again = make(
        "ann@a.example",
        mid="same@a",
        reply_to="2@acme",
        body="Still broken",
        when=START + timedelta(days=1),
    )
    first, _, third = replay([ask, answer, again])
    assert (third.action, third.conversation_id) == ("append", first.conversation_id)


def test_reply_to_a_reused_message_id_follows_the_newest_copy() -> None:
    index = new_index()
    one = make("ann@a.example", mid="same@a", subject="One")
    two = make("ann@a.example", mid="same@a", subject="Two", when=START + timedelta(days=30))
    first, second = replay([one, two], index)
    assert first.conversation_id != second.conversation_id
    answer = make("support@acme.example.com", "ann@a.example", mid="3@acme", reply_to="same@a")
    (third,) = replay([answer], index)
    assert third.conversation_id == second.conversation_id


def test_in_reply_to_wins_over_references_and_references_are_searched_newest_first() -> None:
    index = new_index()
    one = make("ann@a.example", mid="1@a", subject="One")
    two = make("ann@a.example", mid="2@a", subject="Two")
    first, second = replay([one, two], index)
    by_reply = make("ann@a.example", mid="3@a", reply_to="1@a", references="<2@a>")
    by_refs = make("ann@a.example", mid="4@a", references="<1@a> <2@a> <unknown@x>")
    third, fourth = replay([by_reply, by_refs], index)
    assert third.conversation_id == first.conversation_id
    assert fourth.conversation_id == second.conversation_id


def test_auto_reply_to_our_reply_is_a_notice_on_that_conversation() -> None:
    ask = make("ann@a.example", mid="1@a")
    answer = make("support@acme.example.com", "ann@a.example", mid="2@acme", reply_to="1@a")
    away = make(
        "ann@a.example",
        mid="3@a",
        subject="Automatic reply: Re: Printer offline",
        reply_to="2@acme",
        extra=("Auto-Submitted: auto-replied",),
    )
    first, _, notice = replay([ask, answer, away])
    assert (notice.action, notice.conversation_id) == ("notice", first.conversation_id)


def test_auto_reply_without_anything_to_attach_to_is_an_orphan_notice() -> None:
    away = make("ann@a.example", mid="3@a", subject="Out of Office: hello")
    (notice,) = replay([away])
    assert (notice.action, notice.conversation_id) == ("notice", None)
    assert "auto-reply" in notice.reason


def test_auto_reply_without_headers_attaches_by_the_subject_it_answers() -> None:
    ask = make("ann@a.example", mid="1@a")
    away = make("ann@a.example", mid="3@a", subject="Out of Office: Re: Printer offline")
    first, notice = replay([ask, away])
    assert (notice.action, notice.conversation_id) == ("notice", first.conversation_id)


def test_notices_do_not_extend_the_subject_window() -> None:
    ask = make("ann@a.example", mid="1@a")
    away = make(
        "ann@a.example",
        mid="2@a",
        subject="Out of Office: Re: Printer offline",
        when=START + timedelta(days=10),
    )
    later = make(
        "ann@a.example", mid="3@a", subject="Printer offline", when=START + timedelta(days=20)
    )
    assert [d.action for d in replay([ask, away, later])] == ["new", "notice", "new"]


def test_bounce_attaches_through_the_returned_message_id() -> None:
    ask = make("ann@a.example", mid="1@a")
    answer = make("support@acme.example.com", "ann@a.example", mid="2@acme", reply_to="1@a")
    bounce = make(
        "MAILER-DAEMON@mx.acme.example.com",
        mid="3@mx",
        subject="Undelivered Mail Returned to Sender",
        body="Your message could not be delivered.\r\n\r\nMessage-ID: <2@acme>\r\n",
    )
    first, _, notice = replay([ask, answer, bounce])
    assert bounce.kind == "bounce" and bounce.bounced_message_id == "2@acme"
    assert (notice.action, notice.conversation_id) == ("notice", first.conversation_id)
    assert notice.customer_email == "ann@a.example"


def test_spam_is_never_threaded() -> None:
    ask = make("ann@a.example", mid="1@a")
    spam = make("ann@a.example", mid="2@x", reply_to="1@a", extra=("X-Spam-Flag: YES",))
    _, decision = replay([ask, spam])
    assert (decision.action, decision.conversation_id) == ("spam", None)


def test_our_mail_names_the_first_outside_recipient_as_customer() -> None:
    ours = make(
        "support@acme.example.com",
        "billing@acme.example.com, Ann <ann@a.example>",
        mid="1@acme",
    )
    assert direction_of(ours, OURS) == "out"
    (decision,) = replay([ours])
    assert (decision.direction, decision.customer_email) == ("out", "ann@a.example")


def test_new_conversation_id_is_derived_from_message_id_and_content() -> None:
    ask = make("ann@a.example", mid="1@a")
    (decision,) = replay([ask])
    assert decision.conversation_id == derived_id("mail", "1@a", ask.content_key)
    assert replay([ask])[0].conversation_id == decision.conversation_id


def test_reply_to_unknown_mail_without_subject_match_is_new() -> None:
    lost = make("ann@a.example", mid="2@a", reply_to="never-stored@acme", subject="Re: Something")
    (decision,) = replay([lost])
    assert decision.action == "new" and "nothing stored" in decision.reason
