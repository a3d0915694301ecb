"""Two replicas of one conversation for merge-rule tests: made on one, loaded on the
other, then changed apart and brought together with ``exchange``."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc

from crdt import conversation, ydoc


def shared_pair(who: str, at: str, **fields: Any) -> tuple[Doc[Any], Doc[Any]]:
    first: Doc[Any] = Doc()
    values: dict[str, Any] = {
        "conversation_id": "c1",
        "subject": "Hi",
        "channel": "email",
        "mailbox": None,
        "customer": None,
        "customer_name": None,
    }
    conversation.create(first, **{**values, **fields}, who=who, at=at)
    return first, ydoc.load([ydoc.encode(first)])


def exchange(a: Doc[Any], b: Doc[Any]) -> None:
    """Each replica receives what the other has and it lacks."""
    a_state, b_state = ydoc.state(a), ydoc.state(b)
    a.apply_update(ydoc.encode(b, a_state))
    b.apply_update(ydoc.encode(a, b_state))
