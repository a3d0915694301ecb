"""@mentions in internal notes, matched against the workspace's agents."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

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


def unknown(text: str, agents: Mapping[str, str | None]) -> dict[str, list[str]]:
    """Handles in ``text`` that name no agent, each with the agents (emails) it could mean:
    by the start of a handle or a word of a name, else by a near spelling. ``agents``
    maps each agent's email to its display name. A note is kept either way; this is for
    telling its author that nobody will be notified."""
    known = resolve(text, agents)
    named = {a.lower() for a in known} | {handle(a).lower() for a in known}
    out: dict[str, list[str]] = {}
    for wanted in handles(text):
        if wanted not in named and wanted not in out:
            out[wanted] = could_mean(wanted, agents)
    return out


def could_mean(wanted: str, agents: Mapping[str, str | None]) -> list[str]:
    """The agents a mistyped handle is closest to, best first (none when nothing is near)."""
    words: dict[str, str] = {}  # a handle or name word -> its agent
    for email, name in agents.items():
        for word in [handle(email), *(name or "").split()]:
            words.setdefault(word.lower(), email)
    bare = wanted.split("@")[0]
    starts = [w for w in words if w.startswith(bare) or bare.startswith(w)]
    near = difflib.get_close_matches(bare, list(words), n=3, cutoff=0.6)
    found: list[str] = []
    for word in starts + near:
        if words[word] not in found:
            found.append(words[word])
    return found
