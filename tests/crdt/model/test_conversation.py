"""Operations on one conversation document, and what the view makes of them."""

from __future__ import annotations

from typing import Any

import pytest

from crdt.errors import UsageError
from crdt.model import conversation, view, ydoc
from crdt.model.ydoc import Doc

ANA, BEN, CY = "ana@example.com", "ben@example.com", "cy@example.com"
GATEWAY = "gateway"


def t(minute: int) -> str:
    return f"2026-03-04T09:{minute:02d}:00.000Z"


def new_conversation(ident: str = "c1", who: str = ANA) -> Doc:
    doc = Doc()
    conversation.create(
        doc,
        conversation_id=ident,
        subject=f"About {ident}",
        channel="email",
        mailbox="support@example.com",
        customer="maria@example.org",
        customer_name="Maria Lopez",
        who=who,
        at=t(0),
    )
    return doc


def inbound(ident: str, minute: int = 1, kind: str | None = None) -> dict[str, Any]:
    m: dict[str, Any] = {
        "id": ident,
        "direction": "in",
        "from": "maria@example.org",
        "body": f"text of {ident}",
        "created_at": t(minute),
    }
    if kind:
        m["kind"] = kind
    return m


def outbound(ident: str, minute: int = 2) -> dict[str, Any]:
    return {
        "id": ident,
        "direction": "out",
        "from": "support@example.com",
        "body": f"reply {ident}",
        "created_at": t(minute),
        "delivery": "queued",
    }


def last_activity(doc: Doc) -> dict[str, Any]:
    entries: list[dict[str, Any]] = doc.array("activity").to_py()
    return entries[-1]


def activity_count(doc: Doc) -> int:
    return len(doc.array("activity"))


# -- create ----------------------------------------------------------------------------------


def test_create_fills_meta_and_logs_create() -> None:
    v = view.build(new_conversation())
    assert (v["id"], v["subject"], v["channel"], v["customer"]) == (
        "c1",
        "About c1",
        "email",
        "maria@example.org",
    )
    assert (v["status"], v["priority"], v["assignee"], v["tags"]) == ("open", "normal", None, [])
    assert v["activity"] == [{"who": ANA, "action": "create", "at": t(0)}]
    assert v["created_at"] == v["updated_at"] == t(0)


def test_create_again_keeps_the_first_values() -> None:
    doc = new_conversation()
    conversation.create(
        doc,
        conversation_id="c1",
        subject="Other",
        channel="chat",
        mailbox=None,
        customer=None,
        customer_name=None,
        who=BEN,
        at=t(5),
    )
    v = view.build(doc)
    assert (v["subject"], v["channel"], v["created_at"]) == ("About c1", "email", t(0))


def test_create_rejects_an_unknown_channel() -> None:
    with pytest.raises(UsageError):
        conversation.create(
            Doc(),
            conversation_id="c1",
            subject="x",
            channel="fax",
            mailbox=None,
            customer=None,
            customer_name=None,
            who=ANA,
            at=t(0),
        )


# -- each operation logs who did what when -----------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "action", "detail"),
    [
        (lambda d: conversation.add_message(d, inbound("m1"), CY, t(7)), "message_in", None),
        (
            lambda d: conversation.add_message(d, inbound("m1", kind="bounce"), CY, t(7)),
            "message_in",
            "bounce",
        ),
        (lambda d: conversation.add_message(d, outbound("m2"), CY, t(7)), "message_out", None),
        (
            lambda d: conversation.add_note(d, body="@ben look", mentions=[BEN], who=CY, at=t(7)),
            "note",
            BEN,
        ),
        (
            lambda d: conversation.add_note(d, body="plain", mentions=[], who=CY, at=t(7)),
            "note",
            None,
        ),
        (lambda d: conversation.add_tag(d, "vip", CY, t(7)), "tag", "vip"),
        (lambda d: conversation.claim(d, CY, t(7)), "claim", None),
        (lambda d: conversation.assign(d, BEN, CY, t(7)), "assign", BEN),
        (lambda d: conversation.set_status(d, "closed", CY, t(7)), "status", "closed"),
        (
            lambda d: conversation.snooze(d, "2026-03-05T09:00:00.000Z", CY, t(7)),
            "snooze",
            "2026-03-05T09:00:00.000Z",
        ),
        (lambda d: conversation.set_priority(d, "urgent", CY, t(7)), "priority", "urgent"),
        (
            lambda d: conversation.set_delivery(d, "m9", "bounced", CY, t(7), "550 no such user"),
            "delivery_bounced",
            "550 no such user",
        ),
    ],
)
def test_each_operation_appends_its_activity_entry(
    operation: Any, action: str, detail: str | None
) -> None:
    doc = new_conversation()
    operation(doc)
    expected = {"who": CY, "action": action, "at": t(7)}
    if detail:
        expected["detail"] = detail
    assert last_activity(doc) == expected
    assert view.build(doc)["updated_at"] == t(7)


def test_remove_tag_unassign_and_unsnooze_log_their_entries() -> None:
    doc = new_conversation()
    conversation.add_tag(doc, "vip", ANA, t(1))
    conversation.claim(doc, ANA, t(1))
    conversation.snooze(doc, "2026-03-05T09:00:00.000Z", ANA, t(1))
    conversation.remove_tag(doc, "vip", CY, t(2))
    assert last_activity(doc) == {"who": CY, "action": "untag", "at": t(2), "detail": "vip"}
    conversation.unassign(doc, CY, t(3))
    assert last_activity(doc) == {"who": CY, "action": "unassign", "at": t(3)}
    conversation.snooze(doc, None, CY, t(4))
    assert last_activity(doc) == {"who": CY, "action": "unsnooze", "at": t(4)}


def test_operations_that_change_nothing_write_nothing() -> None:
    doc = new_conversation()
    conversation.claim(doc, ANA, t(1))
    conversation.add_message(doc, inbound("m1"), GATEWAY, t(1))
    before = doc.get_state()
    assert conversation.add_message(doc, inbound("m1"), GATEWAY, t(2)) is False
    assert conversation.remove_tag(doc, "absent", ANA, t(2)) is False
    assert conversation.assign(doc, ANA, BEN, t(2)) is False
    assert conversation.set_status(doc, "open", ANA, t(2)) is False
    assert conversation.snooze(doc, None, ANA, t(2)) is False
    assert conversation.set_priority(doc, "normal", ANA, t(2)) is False
    conversation.claim(doc, ANA, t(2))
    assert doc.get_state() == before


def test_activity_in_the_view_is_in_time_order() -> None:
    doc = new_conversation()
    conversation.set_priority(doc, "high", BEN, t(9))
    conversation.add_tag(doc, "vip", ANA, t(3))
    assert [a["at"] for a in view.build(doc)["activity"]] == [t(0), t(3), t(9)]


@pytest.mark.parametrize(
    "bad",
    [
        lambda d: conversation.set_status(d, "archived", ANA, t(1)),
        lambda d: conversation.set_priority(d, "asap", ANA, t(1)),
    ],
)
def test_unknown_status_or_priority_is_a_usage_error(bad: Any) -> None:
    doc = new_conversation()
    with pytest.raises(UsageError):
        bad(doc)
    assert activity_count(doc) == 1


# -- messages --------------------------------------------------------------------------------


def test_add_message_dedupes_by_id() -> None:
    doc = new_conversation()
    assert conversation.add_message(doc, inbound("m1"), GATEWAY, t(1)) is True
    assert conversation.add_message(doc, {**inbound("m1"), "body": "again"}, GATEWAY, t(2)) is False
    v = view.build(doc)
    assert [m["id"] for m in v["messages"]] == ["m1"]
    assert v["messages"][0]["body"] == "text of m1"
    assert v["message_count"] == 1


def test_same_message_added_on_two_replicas_shows_once() -> None:
    one = new_conversation()
    two = ydoc.load([one.get_update()])
    conversation.add_message(one, inbound("m1"), GATEWAY, t(1))
    conversation.add_message(two, inbound("m1"), GATEWAY, t(1))
    one.apply_update(two.get_update())
    v = view.build(one)
    assert [m["id"] for m in v["messages"]] == ["m1"]
    assert v["message_count"] == 1


def test_messages_are_shown_in_time_order_with_delivery_state() -> None:
    doc = new_conversation()
    conversation.add_message(doc, outbound("m2", minute=5), ANA, t(5))
    conversation.add_message(doc, inbound("m1", minute=1), GATEWAY, t(6))
    v = view.build(doc)
    assert [m["id"] for m in v["messages"]] == ["m1", "m2"]
    assert v["messages"][1]["delivery"] == "queued"
    conversation.set_delivery(doc, "m2", "sent", GATEWAY, t(7))
    assert view.build(doc)["messages"][1]["delivery"] == "sent"
    assert (v["last_inbound_at"], v["last_outbound_at"]) == (t(1), t(5))


def test_auto_replies_and_bounces_are_not_counted_as_messages() -> None:
    doc = new_conversation()
    conversation.add_message(doc, inbound("m1"), GATEWAY, t(1))
    conversation.add_message(doc, inbound("m2", minute=3, kind="auto-reply"), GATEWAY, t(3))
    conversation.add_message(doc, inbound("m3", minute=4, kind="bounce"), GATEWAY, t(4))
    v = view.build(doc)
    assert v["message_count"] == 1
    assert v["last_inbound_at"] == t(1)
    assert len(v["messages"]) == 3


def test_inbound_message_reopens_a_closed_conversation() -> None:
    doc = new_conversation()
    conversation.set_status(doc, "closed", ANA, t(1))
    conversation.add_message(doc, inbound("m1", minute=2), GATEWAY, t(2))
    assert view.build(doc)["status"] == "open"


def test_inbound_message_reopens_a_pending_conversation() -> None:
    doc = new_conversation()
    conversation.set_status(doc, "pending", ANA, t(1))
    conversation.add_message(doc, inbound("m1", minute=2), GATEWAY, t(2))
    assert view.build(doc)["status"] == "open"


@pytest.mark.parametrize("kind", ["auto-reply", "bounce", "bulk", "spam"])
def test_inbound_auto_reply_or_bounce_does_not_reopen(kind: str) -> None:
    doc = new_conversation()
    conversation.set_status(doc, "closed", ANA, t(1))
    conversation.add_message(doc, inbound("m1", minute=2, kind=kind), GATEWAY, t(2))
    assert view.build(doc)["status"] == "closed"


def test_outbound_message_does_not_reopen() -> None:
    doc = new_conversation()
    conversation.set_status(doc, "closed", ANA, t(1))
    conversation.add_message(doc, outbound("m1"), ANA, t(2))
    assert view.build(doc)["status"] == "closed"


def test_inbound_message_with_reopen_off_leaves_the_status() -> None:
    doc = new_conversation()
    conversation.set_status(doc, "closed", ANA, t(1))
    conversation.add_message(doc, inbound("m1"), GATEWAY, t(2), reopen=False)
    assert view.build(doc)["status"] == "closed"


def test_inbound_message_does_not_take_a_conversation_out_of_spam() -> None:
    doc = new_conversation()
    conversation.set_status(doc, "spam", ANA, t(1))
    conversation.add_message(doc, inbound("m1"), GATEWAY, t(2))
    assert view.build(doc)["status"] == "spam"


def test_inbound_message_wakes_a_snoozed_conversation() -> None:
    doc = new_conversation()
    conversation.snooze(doc, "2026-03-09T09:00:00.000Z", ANA, t(1))
    conversation.add_message(doc, inbound("m1"), GATEWAY, t(2))
    v = view.build(doc)
    assert v["snoozed_until"] is None
    assert v["status"] == "open"


# -- status and snooze -------------------------------------------------------------------------


def test_snooze_sets_the_wake_time_and_leaves_the_status() -> None:
    doc = new_conversation()
    assert conversation.snooze(doc, "2026-03-05T09:00:00.000Z", ANA, t(1)) is True
    v = view.build(doc)
    assert v["snoozed_until"] == "2026-03-05T09:00:00.000Z"
    assert v["status"] == "open"
    assert conversation.snooze(doc, "2026-03-05T09:00:00.000Z", ANA, t(2)) is False


def test_unsnooze_clears_the_wake_time() -> None:
    doc = new_conversation()
    conversation.snooze(doc, "2026-03-05T09:00:00.000Z", ANA, t(1))
    assert conversation.snooze(doc, None, BEN, t(2)) is True
    assert view.build(doc)["snoozed_until"] is None


def test_changing_status_wakes_a_snoozed_conversation() -> None:
    doc = new_conversation()
    conversation.snooze(doc, "2026-03-05T09:00:00.000Z", ANA, t(1))
    assert conversation.set_status(doc, "closed", BEN, t(2)) is True
    v = view.build(doc)
    assert (v["status"], v["snoozed_until"]) == ("closed", None)


def test_setting_the_current_status_on_a_snoozed_conversation_wakes_it() -> None:
    doc = new_conversation()
    conversation.snooze(doc, "2026-03-05T09:00:00.000Z", ANA, t(1))
    assert conversation.set_status(doc, "open", ANA, t(2)) is True
    assert view.build(doc)["snoozed_until"] is None
    assert last_activity(doc)["action"] == "status"


def test_later_status_from_another_agent_wins() -> None:
    doc = new_conversation()
    conversation.set_status(doc, "pending", ANA, t(1))
    conversation.set_status(doc, "closed", BEN, t(2))
    conversation.set_status(doc, "open", ANA, t(3))
    assert view.build(doc)["status"] == "open"


# -- notes -------------------------------------------------------------------------------------


def test_add_note_returns_its_id_and_keeps_mentions() -> None:
    doc = new_conversation()
    note_id = conversation.add_note(doc, body="@ben see", mentions=[BEN], who=ANA, at=t(1))
    (note,) = view.build(doc)["notes"]
    assert note == {
        "id": note_id,
        "author": ANA,
        "body": "@ben see",
        "mentions": [BEN],
        "created_at": t(1),
    }
    assert note_id != conversation.add_note(doc, body="x", mentions=[], who=ANA, at=t(2))


# -- merge -------------------------------------------------------------------------------------


def merge_pair() -> tuple[Doc, Doc]:
    source, target = new_conversation("src"), new_conversation("dst")
    conversation.add_message(source, inbound("m1", minute=1), GATEWAY, t(1))
    conversation.add_message(source, outbound("m2", minute=2), ANA, t(2))
    conversation.add_note(source, body="vip customer", mentions=[], who=ANA, at=t(3))
    conversation.add_tag(source, "vip", ANA, t(3))
    conversation.add_message(target, inbound("m3", minute=4), GATEWAY, t(4))
    conversation.add_tag(target, "refund", BEN, t(4))
    return source, target


def test_merge_copies_messages_notes_and_tags_into_the_target() -> None:
    source, target = merge_pair()
    conversation.merge_into(source, target, CY, t(10))
    v = view.build(target)
    assert [m["id"] for m in v["messages"]] == ["m1", "m2", "m3"]
    assert [n["body"] for n in v["notes"]] == ["vip customer"]
    assert v["tags"] == ["refund", "vip"]
    assert v["message_count"] == 3
    assert {"who": CY, "action": "merge_from", "at": t(10), "detail": "src"} in v["activity"]


def test_merge_marks_the_source_merged_and_closed() -> None:
    source, target = merge_pair()
    conversation.merge_into(source, target, CY, t(10))
    v = view.build(source)
    assert v["merged_into"] == "dst"
    assert v["status"] == "closed"
    assert last_activity(source) == {
        "who": CY,
        "action": "merge_into",
        "at": t(10),
        "detail": "dst",
    }


def test_merging_twice_copies_everything_once() -> None:
    source, target = merge_pair()
    conversation.merge_into(source, target, CY, t(10))
    sizes = {name: len(target.array(name)) for name in ("messages", "notes")}
    tag_entries = len(target.map("tags"))
    first = view.build(target)
    conversation.merge_into(source, target, CY, t(11))
    second = view.build(target)
    assert {name: len(target.array(name)) for name in sizes} == sizes
    assert len(target.map("tags")) == tag_entries
    assert second["messages"] == first["messages"]
    assert second["notes"] == first["notes"]
    assert second["tags"] == first["tags"]


def test_merging_on_two_replicas_copies_everything_once() -> None:
    source, target = merge_pair()
    source_two = ydoc.load([source.get_update()])
    target_two = ydoc.load([target.get_update()])
    conversation.merge_into(source, target, CY, t(10))
    conversation.merge_into(source_two, target_two, BEN, t(11))
    target.apply_update(target_two.get_update())
    target_two.apply_update(target.get_update())
    source.apply_update(source_two.get_update())
    v = view.build(target)
    assert v == view.build(target_two)
    assert [m["id"] for m in v["messages"]] == ["m1", "m2", "m3"]
    assert len(v["notes"]) == 1
    assert v["message_count"] == 3
    assert view.build(source)["merged_into"] == "dst"


def test_merge_keeps_the_delivery_state_of_copied_messages() -> None:
    source, target = merge_pair()
    conversation.set_delivery(source, "m2", "bounced", GATEWAY, t(5), "550 no such user")
    conversation.merge_into(source, target, CY, t(10))
    copied = {m["id"]: m for m in view.build(target)["messages"]}["m2"]
    assert copied["delivery"] == "bounced"
    assert copied["delivery_detail"] == "550 no such user"


def test_merge_does_not_reopen_a_closed_target() -> None:
    source, target = merge_pair()
    conversation.set_status(target, "closed", BEN, t(5))
    conversation.merge_into(source, target, CY, t(10))
    assert view.build(target)["status"] == "closed"


def test_merging_a_conversation_into_itself_is_refused() -> None:
    source, _ = merge_pair()
    copy = ydoc.load([source.get_update()])
    with pytest.raises(UsageError):
        conversation.merge_into(source, copy, CY, t(10))
    assert view.build(source)["merged_into"] is None


def test_note_present_twice_in_the_source_is_copied_once() -> None:
    """A source that was itself merged into on two replicas holds such a note twice."""
    source, target = merge_pair()
    (note,) = source.array("notes").to_py()
    source.array("notes").append(note)
    conversation.merge_into(source, target, CY, t(10))
    assert len(target.array("notes")) == 1


def test_an_agents_label_wins_over_any_later_suggestion() -> None:
    from crdt.model import view

    doc = Doc()
    conversation.create(
        doc,
        conversation_id="c1",
        subject="s",
        channel="email",
        mailbox=None,
        customer=None,
        customer_name=None,
        who="a",
        at="2026-12-06T10:00:00.000Z",
    )
    suggestion = {
        "category": "billing",
        "priority": "urgent",
        "sentiment": "negative",
        "confidence": {"category": 0.9, "priority": 0.9, "sentiment": 0.9},
        "method": "knn:test",
    }
    conversation.set_label(doc, "category", "refund", "a", "2026-12-06T10:01:00.000Z")
    conversation.suggest(doc, suggestion, "b", "2026-12-06T10:02:00.000Z")
    seen = view.build(doc)
    assert (seen["category"], seen["priority"], seen["sentiment"]) == (
        "refund",
        "urgent",
        "negative",
    )
    assert seen["labels_set_by"] == {"category": "agent", "priority": "model", "sentiment": "model"}
    assert seen["triage"]["by"] == "b"


def test_an_agent_can_set_a_suggested_urgent_back_to_normal() -> None:
    doc = new_conversation()
    suggestion = {
        "category": "outage",
        "priority": "urgent",
        "sentiment": "negative",
        "confidence": {"category": 0.9, "priority": 0.9, "sentiment": 0.9},
        "method": "knn:test",
    }
    assert not conversation.set_priority(doc, "normal", ANA, t(1))  # nothing to change yet
    conversation.suggest(doc, suggestion, "b", t(2))
    assert view.build(doc)["priority"] == "urgent"
    assert conversation.set_priority(doc, "normal", ANA, t(3))
    seen = view.build(doc)
    assert (seen["priority"], seen["labels_set_by"]["priority"]) == ("normal", "agent")
