"""Workspace documents: named items, one entry per agent per item, the latest wins."""

from __future__ import annotations

from crdt.model import vocab, workspace, ydoc
from crdt.model.ydoc import Doc

ANA, BEN = "ana@example.com", "ben@example.com"


def t(minute: int) -> str:
    return f"2026-03-04T09:{minute:02d}:00.000Z"


def exchange(a: Doc, b: Doc) -> None:
    a_state, b_state = a.get_state(), b.get_state()
    a.apply_update(b.get_update(a_state))
    b.apply_update(a.get_update(b_state))


def test_doc_name_is_per_kind() -> None:
    assert vocab.workspace_doc("macros") == "ws:macros"
    assert all(vocab.workspace_doc(k).startswith("ws:") for k in vocab.WORKSPACE_KINDS)


def test_put_item_is_listed_by_name() -> None:
    doc = Doc()
    workspace.put(doc, "thanks", {"body": "Thank you!"}, ANA, t(1))
    workspace.put(doc, "apology", {"body": "Sorry."}, ANA, t(1))
    assert workspace.items(doc) == {"apology": {"body": "Sorry."}, "thanks": {"body": "Thank you!"}}
    assert list(workspace.items(doc)) == ["apology", "thanks"]


def test_latest_change_by_anyone_wins() -> None:
    doc = Doc()
    workspace.put(doc, "thanks", {"body": "v1"}, ANA, t(1))
    workspace.put(doc, "thanks", {"body": "v2"}, BEN, t(2))
    assert workspace.items(doc)["thanks"] == {"body": "v2"}
    workspace.put(doc, "thanks", {"body": "v3"}, ANA, t(3))
    assert workspace.items(doc)["thanks"] == {"body": "v3"}


def test_an_older_change_does_not_replace_a_newer_one() -> None:
    doc = Doc()
    workspace.put(doc, "thanks", {"body": "new"}, BEN, t(5))
    workspace.put(doc, "thanks", {"body": "old"}, ANA, t(2))
    assert workspace.items(doc)["thanks"] == {"body": "new"}


def test_removed_item_is_not_listed_and_can_come_back() -> None:
    doc = Doc()
    workspace.put(doc, "thanks", {"body": "v1"}, ANA, t(1))
    workspace.remove(doc, "thanks", BEN, t(2))
    assert "thanks" not in workspace.items(doc)
    workspace.put(doc, "thanks", {"body": "v2"}, ANA, t(3))
    assert workspace.items(doc) == {"thanks": {"body": "v2"}}


def test_concurrent_edit_and_remove_converge_on_the_later() -> None:
    one = Doc()
    workspace.put(one, "thanks", {"body": "v1"}, ANA, t(1))
    two = ydoc.load([one.get_update()])
    workspace.put(one, "thanks", {"body": "edited"}, ANA, t(3))
    workspace.remove(two, "thanks", BEN, t(2))
    exchange(one, two)
    assert workspace.items(one) == workspace.items(two) == {"thanks": {"body": "edited"}}

    workspace.remove(two, "thanks", BEN, t(4))
    workspace.put(one, "other", {"body": "x"}, ANA, t(4))
    exchange(one, two)
    assert workspace.items(one) == workspace.items(two) == {"other": {"body": "x"}}


def test_concurrent_edits_of_one_item_converge_on_the_later() -> None:
    one = Doc()
    two = ydoc.load([one.get_update()])
    workspace.put(one, "dana@example.com", {"name": "Dana"}, ANA, t(2))
    workspace.put(two, "dana@example.com", {"name": "Dana K."}, BEN, t(3))
    exchange(one, two)
    assert workspace.items(one) == workspace.items(two)
    assert workspace.items(one)["dana@example.com"] == {"name": "Dana K."}
