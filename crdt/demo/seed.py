"""Seed a workspace from a folder like examples/: workspace.json, mail/, chats.jsonl.

The embedded demo uses it; a team can use it to start from its own settings.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from crdt import actions
from crdt.ingest.importer import ImportReport, import_path
from crdt.model import clock
from crdt.model.ids import derived_id
from crdt.replica import Replica


def read_settings(examples: Path) -> dict[str, Any]:
    """``workspace.json``: the workspace's name, ``me``, agents, mailboxes, templates, macros."""
    text = (examples / "workspace.json").read_text(encoding="utf-8")
    settings: dict[str, Any] = json.loads(text)
    return settings


def fill(replica: Replica, examples: Path) -> ImportReport:
    """Settings, mail and chats into a replica that exists already: the demo's is made by
    joining a relay, which gives it its workspace and agent."""
    apply_settings(replica, read_settings(examples))
    return import_examples(replica, examples)


def apply_settings(replica: Replica, settings: dict[str, Any]) -> None:
    for agent in settings.get("agents", []):
        actions.agent_add(replica, agent["email"], agent.get("name"))
    for box in settings.get("mailboxes", []):
        actions.mailbox_add(replica, box["address"], box.get("name"), box.get("signature"))
    for t in settings.get("templates", []):
        actions.template_add(replica, t["name"], t["body"], t.get("subject"))
    for m in settings.get("macros", []):
        actions.macro_add(replica, m["name"], m["actions"])


def import_examples(replica: Replica, examples: Path) -> ImportReport:
    report = ImportReport()
    for source in sorted((examples / "mail").iterdir()):
        part = import_path(replica, source)
        for key in ("read", "imported", "conversations", "duplicates", "notices"):
            setattr(report, key, getattr(report, key) + getattr(part, key))
    chats = examples / "chats.jsonl"
    if chats.exists():
        for line in chats.read_text(encoding="utf-8").splitlines():
            if line.strip():
                add_chat(replica, json.loads(line))
    return report


def add_chat(replica: Replica, chat: dict[str, Any]) -> str:
    """A website chat as a conversation: visitor lines in, agent lines out."""
    from crdt.model import conversation as conv

    ident = derived_id("chat", chat["visitor"], chat["at"])
    start = clock.parse_iso(chat["at"])

    def change(doc: Any) -> None:
        conv.create(
            doc,
            conversation_id=ident,
            subject=chat["messages"][0][1][:60],
            channel="chat",
            mailbox=None,
            customer=chat["visitor"],
            customer_name=chat.get("name"),
            who=chat["visitor"],
            at=chat["at"],
        )
        for n, (direction, body) in enumerate(chat["messages"]):
            at = clock.to_iso(start + timedelta(seconds=40 * n))
            who = chat["visitor"] if direction == "in" else replica.agent
            conv.add_message(
                doc,
                {
                    "id": derived_id("chatmsg", ident, str(n)),
                    "direction": direction,
                    "channel": "chat",
                    "from": who,
                    "body": body,
                    "created_at": at,
                },
                who,
                at,
            )

    replica.edit(ident, change)
    return ident
