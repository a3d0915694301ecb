"""Rules: a condition (conditions.py) and what to do when a message arrives that meets it.

A rule is a workspace item (``ws:rules``) of plain JSON::

    {"name", "when": condition text, "assign": "agent:EMAIL" | "team:NAME" | None,
     "strategy": "round-robin" | "least-busy", "max_open": N | None,
     "tag": T | None, "priority": P | None, "status": S | None, "sla": NAME | None,
     "notify": CHANNEL | None, "by"}

Rules run in name order, each at most once per arriving message (the firing is recorded
in the conversation, model/firings.py). An assignment goes only to a conversation nobody
owns: a customer's follow-up does not hand it round the team again. Pure: the caller gives
who is online and how much each agent owns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crdt.errors import UsageError
from crdt.model.vocab import PRIORITIES, SETTABLE_STATUSES
from crdt.workflow import conditions
from crdt.workflow.templates import check_name

STRATEGIES = ("round-robin", "least-busy")
ACTION_KEYS = ("assign", "tag", "priority", "status", "sla", "notify")


@dataclass(frozen=True)
class Rule:
    name: str
    when: conditions.Node
    item: Mapping[str, Any]


def make(
    name: str,
    when: str,
    *,
    assign: str | None = None,
    strategy: str | None = None,
    max_open: int | None = None,
    tag: str | None = None,
    priority: str | None = None,
    status: str | None = None,
    sla: str | None = None,
    notify: str | None = None,
    by: str,
) -> dict[str, Any]:
    """A rule's item, checked whole: a rule that cannot run is refused when it is saved."""
    from crdt.model import tags

    check_name(name)
    node = conditions.parse(when)
    if not any((assign, tag, priority, status, sla, notify)):
        raise UsageError("a rule needs an action: --assign, --tag, --priority, --status, --sla")
    if assign is not None:
        kind, colon, who = assign.partition(":")
        if not colon or kind not in ("agent", "team") or not who.strip():
            raise UsageError(f"--assign takes agent:EMAIL or team:NAME, not {assign!r}")
    if (strategy or max_open is not None) and not (assign or "").startswith("team:"):
        raise UsageError("--strategy and --max-open choose within a team: --assign team:NAME")
    if strategy is not None and strategy not in STRATEGIES:
        raise UsageError(f"unknown strategy {strategy!r}: use {' or '.join(STRATEGIES)}")
    if max_open is not None and max_open < 1:
        raise UsageError("--max-open is at least 1")
    if priority is not None and priority not in PRIORITIES:
        raise UsageError(f"unknown priority {priority!r}: use one of {', '.join(PRIORITIES)}")
    if status is not None and status not in SETTABLE_STATUSES:
        raise UsageError(f"unknown status {status!r}: use one of {', '.join(SETTABLE_STATUSES)}")
    return {
        "name": name,
        "when": conditions.text(node),
        "assign": assign,
        "strategy": (strategy or "round-robin") if (assign or "").startswith("team:") else None,
        "max_open": max_open,
        "tag": tags.normalise(tag) if tag else None,
        "priority": priority,
        "status": status,
        "sla": sla,
        "notify": notify,
        "by": by,
    }


def compiled(items: Mapping[str, Mapping[str, Any]]) -> list[Rule]:
    """The workspace's rules in the order they run; one whose condition no longer parses
    (written by a newer inbox) is left out, never guessed at."""
    out = []
    for name in sorted(items):
        try:
            out.append(Rule(name, conditions.parse(str(items[name]["when"])), items[name]))
        except (UsageError, KeyError, TypeError):
            continue
    return out


def describe(item: Mapping[str, Any]) -> str:
    """What a rule does, in a line: "assign team:finance (least-busy, max 15); tag vip"."""
    parts = []
    if item.get("assign"):
        how = str(item["assign"])
        if item.get("strategy"):
            cap = f", max {item['max_open']} open" if item.get("max_open") else ""
            how += f" ({item['strategy']}{cap})"
        parts.append(f"assign {how}")
    for key in ACTION_KEYS[1:]:
        if item.get(key):
            parts.append(f"{key} {item[key]}")
    return "; ".join(parts)


def facts(view: Mapping[str, Any], message: Mapping[str, Any], in_hours: bool) -> conditions.Facts:
    """What a condition may ask, of a conversation's view as the message arrives."""
    text = f"{message.get('subject') or ''}\n{message.get('body') or ''}"
    return conditions.Facts(
        mailbox=view.get("mailbox"),
        channel=str(view.get("channel") or "email"),
        tags=frozenset(str(t).lower() for t in view.get("tags") or ()),
        category=view.get("category"),
        priority=view.get("priority"),
        sentiment=view.get("sentiment"),
        customer=(view.get("customer") or None),
        words=conditions.words_of(text),
        in_hours=in_hours,
    )


@dataclass
class Load:
    """What assignment weighs, kept up to date across one import's messages."""

    online: frozenset[str] | None  # None: presence is not heard here, everyone counts
    open_owned: dict[str, int]  # agent -> open (or pending) conversations they own
    last: dict[str, str]  # rule -> the agent it last assigned (round-robin's place)


def pick(rule: Mapping[str, Any], members: Sequence[str], load: Load) -> tuple[str | None, str]:
    """The member a team rule assigns, and why (for `rule test` and the activity);
    None when nobody may take it (nobody online, everyone at the cap)."""
    if not members:
        return None, "the team has no members"
    here = [m for m in members if load.online is None or m in load.online]
    if not here:
        return None, "nobody of the team is online"
    cap = rule.get("max_open")
    free = [m for m in here if cap is None or load.open_owned.get(m, 0) < int(cap)]
    if not free:
        return None, f"everyone online has {cap} open"
    if rule.get("strategy") == "least-busy":
        chosen = min(free, key=lambda m: (load.open_owned.get(m, 0), m))
        return chosen, f"least busy ({load.open_owned.get(chosen, 0)} open)"
    ordered = sorted(members)
    last = load.last.get(str(rule["name"]))
    start = ordered.index(last) + 1 if last in ordered else 0
    for step in range(len(ordered)):
        candidate = ordered[(start + step) % len(ordered)]
        if candidate in free:
            return candidate, "next in turn"
    return None, "nobody free"
