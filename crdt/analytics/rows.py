"""A conversation's view as the analytics store's rows: pure, no database.

One row of ``conversations`` (with its first response and resolution times), one row
per message (no bodies) and one per event (``model/events.py``, the same ids the
watch and the notifier give). Times stay ISO-8601 text here; the store reads them as
timestamps.
"""

from __future__ import annotations

from typing import Any

from crdt.model import events
from crdt.model.vocab import NOTICES

CONVERSATION_COLUMNS = (
    "id",
    "created_at",
    "channel",
    "mailbox",
    "customer",
    "status",
    "assignee",
    "priority",
    "tags",
    "message_count",
    "first_inbound_at",
    "first_response_at",
    "first_responder",
    "resolved_at",
    "updated_at",
)
MESSAGE_COLUMNS = ("id", "conversation", "direction", "channel", "sender", "author", "at")
EVENT_COLUMNS = (
    "id",
    "conversation",
    "event",
    "at",
    "who",
    "agent",
    "status",
    "tag",
    "channel",
    "mailbox",
)


def of_view(
    view: dict[str, Any],
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(conversation row, message rows, event rows) of one view."""
    cid = str(view.get("id"))
    messages = [m for m in view.get("messages") or [] if m.get("kind") not in NOTICES]
    message_rows = [
        (
            str(m.get("id")),
            cid,
            m.get("direction"),
            m.get("channel") or view.get("channel"),
            m.get("from"),
            m.get("author"),
            m.get("created_at"),
        )
        for m in messages
    ]
    first_in = min(
        (str(m["created_at"]) for m in messages if m.get("direction") == "in"), default=None
    )
    start = first_in or view.get("created_at")
    replies = sorted(
        (str(m.get("created_at")), str(m.get("author") or m.get("from") or ""))
        for m in messages
        if m.get("direction") == "out" and start and str(m.get("created_at")) >= str(start)
    )
    found = events.of_view(view, bodies=False)
    closes = [
        e["at"]
        for e in found
        if e["event"] == events.STATUS_CHANGED and e.get("status") == "closed"
    ]
    resolved = max(closes) if closes and view.get("status") == "closed" else None
    conversation = (
        cid,
        view.get("created_at"),
        view.get("channel"),
        view.get("mailbox"),
        view.get("customer"),
        view.get("status"),
        view.get("assignee"),
        view.get("priority"),
        "\x1f".join(view.get("tags") or []),
        len(messages),
        first_in,
        replies[0][0] if replies else None,
        replies[0][1] if replies else None,
        resolved,
        view.get("updated_at"),
    )
    event_rows = [
        (
            e["id"],
            cid,
            e["event"],
            e["at"],
            e.get("who"),
            e.get("agent"),
            e.get("status"),
            e.get("tag"),
            e.get("channel"),
            e.get("mailbox"),
        )
        for e in found
    ]
    return conversation, message_rows, event_rows
