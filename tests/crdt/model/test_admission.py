"""The relay's rules on real documents: each change made the way the model makes it,
by its author (taken) or signed by someone else (refused)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from crdt.errors import RefusedError
from crdt.model import admission, conversation, workspace
from crdt.model.admission import ADMIN, AGENT, VIEWER, Author
from crdt.model.ids import new_id
from crdt.model.ydoc import Doc
from tests.relay.fuzz_updates import IDENT, base

A, B, JO = "a@acme.example.com", "b@acme.example.com", "jo@example.com"
AT = "2026-12-03T10:00:00.000Z"
NAME = f"c:{IDENT}"


def imported() -> Doc:
    """A conversation as an import makes it: created in its customer's name (the one the
    fuzzer mutates updates of)."""
    return base()


def plain(name: str, doc: Doc) -> dict[str, Any]:
    maps, arrays = admission.roots(name)
    return doc.to_py(maps, arrays)


def check(
    change: Callable[[Doc], object],
    by: Author,
    start: Doc | None = None,
    name: str = NAME,
    lookup: admission.Lookup = lambda _: {},
) -> None:
    before = start if start is not None else imported()
    after = Doc()
    after.apply_update(before.get_update())
    change(after)
    extra = set(after.root_names()) - {*admission.roots(name)[0], *admission.roots(name)[1]}
    admission.check(name, plain(name, before), plain(name, after), extra, by, lookup)


def refused(change: Callable[[Doc], object], by: Author, **kw: Any) -> str:
    with pytest.raises(RefusedError) as caught:
        check(change, by, **kw)
    return caught.value.message


def test_an_import_in_the_customers_name_is_taken() -> None:
    fresh = imported()
    empty = Doc()
    extra = set(fresh.root_names()) - {*admission.roots(NAME)[0], *admission.roots(NAME)[1]}
    admission.check(
        NAME, plain(NAME, empty), plain(NAME, fresh), extra, Author(A, AGENT), lambda _: {}
    )


def test_what_an_agent_does_in_its_own_name_is_taken() -> None:
    me = Author(A, AGENT)
    check(lambda d: conversation.add_note(d, body="hi @b", mentions=["b"], who=A, at=AT), me)
    check(lambda d: conversation.claim(d, A, AT), me)
    check(lambda d: conversation.assign(d, B, A, AT), me)
    check(lambda d: conversation.add_tag(d, "vip", A, AT), me)
    check(lambda d: conversation.set_status(d, "closed", A, AT), me)
    check(lambda d: conversation.snooze(d, "2026-12-04T09:00:00Z", A, AT), me)
    check(lambda d: conversation.set_priority(d, "urgent", A, AT), me)


def test_a_change_signed_by_another_agent_is_refused() -> None:
    a = Author(A, AGENT)
    note = refused(lambda d: conversation.add_note(d, body="ok", mentions=[], who=B, at=AT), a)
    assert "b@acme.example.com" in note
    assert "claim" in refused(lambda d: conversation.claim(d, B, AT), a)
    refused(lambda d: conversation.add_tag(d, "forged", B, AT), a)
    refused(lambda d: conversation.set_status(d, "closed", B, AT), a)
    reply = {"id": "m2", "direction": "out", "author": B, "created_at": AT}
    refused(lambda d: conversation.add_message(d, reply, A, AT), a)


def test_activity_signed_by_another_agent_is_refused() -> None:
    def forged(doc: Doc) -> None:
        doc.array("activity").append({"who": B, "action": "note", "at": AT})

    assert "activity" in refused(forged, Author(A, AGENT))


def test_a_claim_stamped_by_a_replica_is_refused_and_written_once() -> None:
    def stamped(doc: Doc) -> None:
        doc.map("claims")[new_id()] = {"action": "claim", "by": A, "to": None, "at": AT, "seq": 0}

    assert "only the relay stamps" in refused(stamped, Author(A, AGENT))
    start = imported()
    conversation.claim(start, B, AT)
    key = next(iter(start.map("claims").keys()))

    def rewritten(doc: Doc) -> None:
        doc.map("claims")[key] = {"action": "claim", "by": A, "to": None, "at": AT}

    assert "written once" in refused(rewritten, Author(A, AGENT), start=start)


def test_history_is_append_only_and_a_conversation_keeps_its_id() -> None:
    a = Author(A, AGENT)

    def erase(doc: Doc) -> None:
        with doc.transaction():
            raw = doc.array("activity")
            raw._array.remove_range(doc._txn, 0, 1)  # type: ignore[attr-defined]

    assert "append-only" in refused(erase, a)
    assert "another" in refused(lambda d: d.map("meta").__setitem__("id", new_id()), a)
    assert "meta.subject" in refused(lambda d: d.map("meta").__setitem__("subject", "x"), a)
    not_a_message = refused(lambda d: d.array("messages").append("text"), a)
    assert "not an entry" in not_a_message
    assert "root" in refused(lambda d: d.map("shadow").__setitem__("x", 1), a)


def test_a_merge_copies_notes_with_their_authors_only_from_its_source() -> None:
    source = imported()
    conversation.add_note(source, body="b's note", mentions=[], who=B, at=AT)
    source_plain = plain(NAME, source)
    target_id = new_id()
    target = Doc()
    conversation.create(
        target,
        conversation_id=target_id,
        subject="Refund again",
        channel="email",
        mailbox=None,
        customer=JO,
        customer_name=None,
        who=JO,
        at=AT,
    )
    target.array("messages").append(
        {"id": "m9", "direction": "in", "from": JO, "body": "?", "created_at": AT}
    )
    name = f"c:{target_id}"
    a = Author(A, AGENT)

    def merge(doc: Doc) -> None:
        src = Doc()
        src.apply_update(source.get_update())
        conversation.merge_into(src, doc, A, AT)

    check(merge, a, start=target, name=name, lookup=lambda n: source_plain)
    # the same copy, with a source that lacks the note: a forged note in b's name
    message = refused(merge, a, start=target, name=name, lookup=lambda n: plain(NAME, imported()))
    assert "note" in message


def test_workspace_settings_are_an_admins_and_an_agent_adds_itself_once() -> None:
    name = "ws:mailboxes"

    def add_box(doc: Doc) -> None:
        workspace.put(doc, "sales@acme.example.com", {"address": "sales@acme.example.com"}, A, AT)

    check(add_box, Author(A, ADMIN), start=Doc(), name=name)
    assert "admin" in refused(add_box, Author(A, AGENT), start=Doc(), name=name)
    itself = Doc()
    check(lambda d: workspace.put(d, A, {"email": A}, A, AT), Author(A, AGENT), itself, "ws:agents")
    listed = Doc()
    workspace.put(listed, A, {"email": A, "name": "Dana"}, B, AT)
    renamed = refused(
        lambda d: workspace.put(d, A, {"email": A}, A, AT),
        Author(A, AGENT),
        start=listed,
        name="ws:agents",
    )
    assert "admin" in renamed
    assert "not by its author" in refused(
        lambda d: workspace.put(d, B, {"email": B}, B, AT),
        Author(A, ADMIN),
        start=Doc(),
        name="ws:agents",
    )


def test_a_viewer_writes_nothing() -> None:
    note = refused(
        lambda d: conversation.add_note(d, body="x", mentions=[], who=A, at=AT), Author(A, VIEWER)
    )
    assert "viewer" in note


SUGGESTION = {
    "category": "billing",
    "priority": "high",
    "sentiment": "negative",
    "confidence": {"category": 0.8, "priority": 0.6, "sentiment": 0.4},
    "method": "knn:test",
}


def test_triage_labels_are_taken_from_their_author_only() -> None:
    me = Author(A, AGENT)
    check(lambda d: conversation.suggest(d, SUGGESTION, A, AT), me)
    check(lambda d: conversation.set_label(d, "category", "refund", A, AT), me)
    check(lambda d: conversation.set_label(d, "sentiment", "positive", A, AT), me)
    assert B in refused(lambda d: conversation.suggest(d, SUGGESTION, B, AT), me)


def test_a_label_outside_the_vocabulary_or_half_a_suggestion_is_refused() -> None:
    me = Author(A, AGENT)

    def odd_category(doc: Doc) -> None:
        doc.map("category")[A] = {"v": "cheese", "at": AT}

    def half(doc: Doc) -> None:
        doc.map("triage")[A] = {"v": {"category": "billing"}, "at": AT}

    assert "not one of its labels" in refused(odd_category, me)
    assert "whole suggestion" in refused(half, me)


def test_a_ticket_made_in_ones_own_name_is_taken() -> None:
    check(lambda d: conversation.update_ticket(d, A, AT, "incident", "open"), Author(A, AGENT))


def test_a_ticket_number_or_stamp_from_a_replica_is_refused() -> None:
    def forged(doc: Doc, **extra: Any) -> None:
        entry = {"action": "make", "by": A, "at": AT, "value": "incident", **extra}
        doc.map("ticket")[new_id()] = entry

    why = refused(lambda d: forged(d, number=1), Author(A, AGENT))
    assert "only the relay" in why
    assert "only the relay" in refused(lambda d: forged(d, seq=3), Author(A, AGENT))
    assert "signed" in refused(
        lambda d: conversation.make_ticket(d, "task", B, AT), Author(A, AGENT)
    )


def test_a_ticket_entry_is_written_once_and_of_its_shape() -> None:
    start = imported()
    conversation.make_ticket(start, "task", A, AT)
    key = next(iter(start.map("ticket").keys()))

    def renumber(doc: Doc) -> None:
        doc.map("ticket")[key] = {"action": "make", "by": A, "at": AT, "value": "incident"}

    assert "written once" in refused(renumber, Author(A, AGENT), start=start)

    def removed(doc: Doc) -> None:
        del doc.map("ticket")[key]

    assert "written once" in refused(removed, Author(A, AGENT), start=start)
    bad = {"action": "status", "by": A, "at": AT, "value": "done"}
    assert "not a ticket change" in refused(
        lambda d: d.map("ticket").__setitem__(new_id(), bad), Author(A, AGENT)
    )


def test_the_workspaces_ticket_types_are_an_admins() -> None:
    def add_type(doc: Doc) -> None:
        workspace.put(doc, "refund-request", {"name": "refund-request"}, A, AT)

    check(add_type, Author(A, ADMIN), start=Doc(), name="ws:ticket_types")
    assert "admin" in refused(add_type, Author(A, AGENT), start=Doc(), name="ws:ticket_types")
