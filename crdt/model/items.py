"""The named items of the workspace documents, made one way wherever they are written.

Agents are keyed by email, mailboxes by address, saved replies and macros by name
(workspace.py stores them; the index keeps them resolved for reads). Pure values:
no pycrdt, so a read or a check costs nothing.
"""

from __future__ import annotations

from typing import Any

from crdt.errors import UsageError


def check_email(address: str) -> str:
    """An address as inbox keeps it (trimmed, lower case), or a usage error."""
    cleaned = address.strip().lower()
    local, at, domain = cleaned.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in cleaned):
        raise UsageError(f"not an email address: {address!r}")
    return cleaned


def handle(email: str) -> str:
    """What people call an agent: the local part of the address."""
    return email.split("@")[0]


def agent(email: str, name: str | None) -> dict[str, Any]:
    return {"email": email, "name": name or handle(email)}


def mailbox(
    address: str, name: str | None = None, signature: str | None = None, triage: bool = False
) -> dict[str, Any]:
    """``triage``: the mail gateway triages each conversation that arrives at it, once."""
    item: dict[str, Any] = {"address": address, "name": name}
    if signature is not None:
        item["signature"] = signature
    if triage:
        item["triage"] = True
    return item


def template(name: str, body: str, subject: str | None, by: str) -> dict[str, Any]:
    return {"name": name, "body": body, "subject": subject, "by": by}


def macro(name: str, actions: list[dict[str, Any]], by: str) -> dict[str, Any]:
    return {"name": name, "actions": actions, "by": by}
