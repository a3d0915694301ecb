"""A bounce marks the mail it returns: what became of a reply once it had gone.

A bounce (``kind`` bounce) keeps the Message-ID it returns and the refusing server's
status and words (``bounce``: ``message_id``, ``status``, ``reason``; importer.message_of).
The view derives from them, on every replica alike, the delivery of the outbound message
of that Message-ID (its stored ``message_id``; a reply written here has none, and its
mail's is its id at its mailbox's domain, ``compose.message_id_for``): ``failed``,
"bounced: 550 5.1.1 ...", at the bounce's time.

Precedence: a failing bounce wins over whatever the ``delivery`` map says (queued,
sending, sent, retrying). The map holds what the sending side knew when it wrote;
a bounce tells what became of the mail after, so a "sent" the gateway writes later
(a gateway that stopped between the server's yes and its record) does not undo it. And
since it is derived rather than written, the order things arrive in does not matter: a
bounce that came before its reply was known marks it once both are in the conversation.
A delay notice (status 4.x.x) or a success notice (2.x.x) marks nothing.
"""

from __future__ import annotations

from typing import Any


def failing(bounce: dict[str, Any]) -> bool:
    """Whether a bounce says the mail will not arrive (not a delay or a success notice)."""
    status = str(bounce.get("status") or "")
    return not status.startswith(("2.", "4."))


def detail(bounce: dict[str, Any]) -> str:
    """What `show` says of the failure: "bounced: 550 5.1.1 <maria@...>: no such user"."""
    status, reason = str(bounce.get("status") or ""), str(bounce.get("reason") or "")
    said = reason if status in reason else f"{status} {reason}".strip()
    return f"bounced: {said}" if said else "bounced"


def mark(messages: list[dict[str, Any]]) -> None:
    """The outbound messages a failing bounce among ``messages`` returns, marked failed
    (in place; ``messages`` as the view has them, in time order)."""
    returned: dict[str, dict[str, Any]] = {}
    for m in messages:
        bounce = m.get("bounce") if m.get("kind") == "bounce" else None
        if isinstance(bounce, dict) and bounce.get("message_id") and failing(bounce):
            returned.setdefault(str(bounce["message_id"]), m)  # the first to come
    if not returned:
        return
    for m in messages:
        bounced = returned.get(_mail_id(m)) if m.get("direction") == "out" else None
        if bounced is not None:
            m["delivery"] = "failed"
            m["delivery_at"] = bounced.get("created_at")
            m["delivery_detail"] = detail(bounced["bounce"])


def _mail_id(message: dict[str, Any]) -> str:
    """The Message-ID an outbound message's mail has: imported mail keeps its own; a
    reply's is made by ``compose.message_id_for`` (crdt/mail, which the model may not
    import): its id at its mailbox's domain, the domain in lower case."""
    if message.get("message_id"):
        return str(message["message_id"])
    domain = str(message.get("from") or "").rpartition("@")[2].lower()
    return f"{message.get('id')}@{domain}"
