"""Two replicas of one conversation for merge-rule tests: made on one, loaded on the
other, then changed apart and brought together with ``exchange``."""

from __future__ import annotations

from typing import Any

from crdt.model import conversation, ydoc
from crdt.model.ydoc import Doc


def shared_pair(who: str, at: str, **fields: Any) -> tuple[Doc, Doc]:
    first: Doc = Doc()
    values: dict[str, Any] = {
        "conversation_id": "c1",
        "subject": "Hi",
        "channel": "email",
        "mailbox": None,
        "customer": None,
        "customer_name": None,
    }
    conversation.create(first, **{**values, **fields}, who=who, at=at)
    return first, ydoc.load([first.get_update()])


def exchange(a: Doc, b: Doc) -> None:
    """Each replica receives what the other has and it lacks."""
    a_state, b_state = a.get_state(), b.get_state()
    a.apply_update(b.get_update(a_state))
    b.apply_update(a.get_update(b_state))
