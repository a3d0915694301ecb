"""@mentions in internal notes, matched against the workspace's agents."""

from __future__ import annotations

import re
from collections.abc import Iterable

from crdt.model.items import handle

_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9._+-]+(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")


def handles(text: str) -> list[str]:
    return [m.group(1).rstrip("._-").lower() for m in _MENTION.finditer(text)]


def resolve(text: str, agents: Iterable[str]) -> list[str]:
    """Agent emails mentioned in ``text`` by handle (local part) or full address."""
    by_handle = {handle(a).lower(): a for a in agents}
    by_email = {a.lower(): a for a in agents}
    found: list[str] = []
    for h in handles(text):
        agent = by_email.get(h) or by_handle.get(h)
        if agent and agent not in found:
            found.append(agent)
    return found
