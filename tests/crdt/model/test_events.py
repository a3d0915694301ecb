"""Events derived from a conversation: their kinds, fields and ids, the same on every
replica whatever order the changes reached it in."""

from __future__ import annotations

import pytest

from crdt.model import conversation, events, view, ydoc
from tests.crdt.model.test_conversation import ANA, BEN, inbound, new_conversation, t


def test_each_change_is_one_event_of_its_kind() -> None:
    doc = new_conversation()
    conversation.add_message(doc, inbound("m1"), "maria@example.org", t(1))
    conversation.assign(doc, BEN, ANA, t(2))
    conversation.add_note(doc, body="@ben look", mentions=[BEN], who=ANA, at=t(3))
    conversation.add_tag(doc, "vip", ANA, t(4))
    conversation.remove_tag(doc, "vip", BEN, t(5))
    conversation.set_status(doc, "closed", BEN, t(6))
    conversation.add_message(doc, inbound("n1", 7, kind="auto-reply"), "maria@example.org", t(7))
    found = events.of_view(view.build(doc))
    assert [e["event"] for e in found] == [
        "message.received",
        "assigned",
        "mention",
        "tag.added",
        "tag.removed",
        "status.changed",
    ]  # the auto-reply is a notice, not a message
    assigned, mention = found[1], found[2]
    assert (assigned["agent"], assigned["who"]) == (BEN, ANA)
    assert (mention["agent"], mention["who"], mention["body"]) == (BEN, ANA, "@ben look")
    assert found[5]["status"] == "closed" and found[0]["message"] == "m1"
    assert all(e["conversation"] == "c1" and e["subject"] == "About c1" for e in found)
    assert len({e["id"] for e in found}) == len(found)


def test_replicas_receiving_changes_in_other_orders_derive_the_same_ids() -> None:
    base = new_conversation()
    start = base.get_state()
    a = ydoc.load([base.get_update()])
    b = ydoc.load([base.get_update()])
    before = a.get_state()
    conversation.assign(a, BEN, ANA, t(2))
    change_a = a.get_update(before)
    before = b.get_state()
    conversation.add_note(b, body="hi @ana", mentions=[ANA], who=BEN, at=t(3))
    change_b = b.get_update(before)
    a.apply_update(change_b)
    b.apply_update(change_a)
    ids_a = [e["id"] for e in events.of_view(view.build(a))]
    ids_b = [e["id"] for e in events.of_view(view.build(b))]
    assert ids_a == ids_b and len(ids_a) == 2
    assert start != a.get_state()


def test_fresh_is_what_a_change_brought() -> None:
    doc = new_conversation()
    conversation.add_tag(doc, "vip", ANA, t(1))
    before = view.build(doc)
    conversation.set_status(doc, "pending", ANA, t(2))
    new = events.fresh(before, view.build(doc))
    assert [e["event"] for e in new] == ["status.changed"]
    assert [e["event"] for e in events.fresh(None, view.build(doc))] == [
        "tag.added",
        "status.changed",
    ]


def test_on_words_name_kinds_and_aliases() -> None:
    assert events.kinds_of(["mention", "assigned", "sla-warning", "sla-breached"]) == (
        "assigned",
        "mention",
        "sla.warning",
        "sla.breached",
    )
    assert events.kinds_of(["*"]) == events.KINDS
    assert events.kinds_of(["tag"]) == ("tag.added", "tag.removed")
    with pytest.raises(ValueError, match="mentoin"):
        events.kinds_of(["mentoin"])


def test_an_sla_breach_has_one_id_however_often_it_is_computed() -> None:
    v = view.build(new_conversation())
    one = events.sla_event(v, "sla.breached", "standard", "first_response", t(9), t(10))
    two = events.sla_event(v, "sla.breached", "standard", "first_response", t(9), t(11))
    assert one["id"] == two["id"] and one["event"] == "sla.breached"
    other = events.sla_event(v, "sla.warning", "standard", "first_response", t(9), t(8))
    assert other["id"] != one["id"]
    with pytest.raises(ValueError):
        events.sla_event(v, "sla.breached", "standard", "lunch", t(9), t(10))
