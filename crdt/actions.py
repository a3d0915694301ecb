"""What agents do to conversations, over a replica: one function per command.

Each takes conversation ids (already resolved) and changes each conversation in
its own transaction, so a failure on one leaves the others done; conflicts are
collected and raised after the rest is stored.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from crdt import clock, mentions, templates
from crdt import macros as macro_rules
from crdt.errors import ConflictError, NotFoundError, UsageError
from crdt.replica import Replica

if TYPE_CHECKING:
    from crdt.ydoc import Doc


class Outcome:
    """Per conversation: whether it changed, and lines for people.

    (A plain class: dataclasses costs ~5 ms to import, on every command that writes.)
    """

    def __init__(self) -> None:
        self.changed: list[str] = []
        self.unchanged: list[str] = []
        self.messages: list[str] = []

    def record(self, conversation_id: str, changed: bool) -> None:
        (self.changed if changed else self.unchanged).append(conversation_id)


def _agent_name(replica: Replica, email: str | None) -> str:
    if not email:
        return "nobody"
    return str(replica.items("agents").get(email, {}).get("name") or email)


def claim(replica: Replica, ids: Iterable[str]) -> Outcome:
    """Take each conversation unless someone else holds it (exit 3 names who)."""
    from crdt import conversation as conv
    from crdt.claims import Ownership

    out, conflicts = Outcome(), []
    for ident in ids:
        at = clock.now_iso()

        def change(doc: Any, at: str = at) -> tuple[Ownership, Ownership]:
            before = conv.ownership(doc)
            if before.owner not in (None, replica.agent):
                return before, before
            return before, conv.claim(doc, replica.agent, at)

        before, after = replica.edit(ident, change)
        if after.owner != replica.agent:
            conflicts.append(
                f"{ident[:8]}: claimed by {_agent_name(replica, after.owner)} at {after.since}"
            )
            continue
        out.record(ident, before.owner != replica.agent)
    if conflicts:
        raise ConflictError("; ".join(conflicts))
    return out


Change = Callable[["Doc", str], bool]


def each(replica: Replica, ids: Iterable[str], change: Change) -> Outcome:
    """Apply ``change(doc, now)`` to each conversation, each in its own transaction."""
    out = Outcome()
    for ident in ids:
        at = clock.now_iso()
        out.record(ident, replica.edit(ident, functools.partial(_at, change, at)))
    return out


def _at(change: Change, at: str, doc: Doc) -> bool:
    return change(doc, at)


def assign(replica: Replica, ids: Iterable[str], to: str) -> Outcome:
    from crdt import conversation as conv

    agent = replica.find_agent(to)
    return each(replica, ids, lambda doc, at: conv.assign(doc, agent, replica.agent, at))


def unassign(replica: Replica, ids: Iterable[str]) -> Outcome:
    from crdt import conversation as conv

    return each(replica, ids, lambda doc, at: conv.unassign(doc, replica.agent, at))


def tag(replica: Replica, ids: Iterable[str], add: list[str], remove: list[str]) -> Outcome:
    from crdt import conversation as conv
    from crdt import tags

    adding, removing = [tags.normalise(t) for t in add], [tags.normalise(t) for t in remove]
    if not adding and not removing:
        raise UsageError("nothing to do: give --add TAG and/or --remove TAG")

    def change(doc: Doc, at: str) -> bool:
        changed = [conv.add_tag(doc, t, replica.agent, at) for t in adding]
        changed += [conv.remove_tag(doc, t, replica.agent, at) for t in removing]
        return any(changed)

    return each(replica, ids, change)


def note(replica: Replica, ident: str, body: str) -> dict[str, Any]:
    from crdt import conversation as conv

    text = body.strip()
    if not text:
        raise UsageError("empty note: give -m TEXT or --body-file FILE")
    mentioned = mentions.resolve(text, replica.items("agents"))
    at = clock.now_iso()
    note_id = replica.edit(
        ident, lambda d: conv.add_note(d, body=text, mentions=mentioned, who=replica.agent, at=at)
    )
    return {"id": note_id, "conversation": ident, "mentions": mentioned}


def set_status(replica: Replica, ids: Iterable[str], status: str) -> Outcome:
    from crdt import conversation as conv

    if status not in ("open", "pending", "closed"):
        raise UsageError(f"unknown status {status!r}: use open, pending or closed")
    return each(replica, ids, lambda doc, at: conv.set_status(doc, status, replica.agent, at))


def snooze(replica: Replica, ids: Iterable[str], until: str | None) -> Outcome:
    """Snooze until an ISO time, or wake (``until`` None)."""
    from crdt import conversation as conv

    return each(replica, ids, lambda doc, at: conv.snooze(doc, until, replica.agent, at))


def set_priority(replica: Replica, ids: Iterable[str], priority: str) -> Outcome:
    from crdt import conversation as conv

    return each(replica, ids, lambda doc, at: conv.set_priority(doc, priority, replica.agent, at))


def merge(replica: Replica, sources: Iterable[str], target: str) -> Outcome:
    """Fold each source conversation into the target; the source closes and points there."""

    out = Outcome()
    for source in sources:
        if source == target:
            raise UsageError("cannot merge a conversation into itself")
        at = clock.now_iso()
        replica.edit_many(
            [source, target],
            functools.partial(_merge_docs, source, target, replica.agent, at),
        )
        out.record(source, True)
    return out


def _merge_docs(source: str, target: str, who: str, at: str, docs: dict[str, Doc]) -> None:
    from crdt import conversation as conv

    conv.merge_into(docs[source], docs[target], who, at)


# -- saved replies and macros ------------------------------------------------------------------


def template_add(replica: Replica, name: str, body: str, subject: str | None = None) -> None:
    templates.check_name(name)
    if not body.strip():
        raise UsageError("empty template body")
    replica.put_item(
        "templates", name, {"name": name, "body": body, "subject": subject, "by": replica.agent}
    )


def template_get(replica: Replica, name: str) -> dict[str, Any]:
    found = replica.items("templates").get(name)
    if found is None:
        raise NotFoundError(f"no template {name!r} (see `inbox template list`)")
    return dict(found)


def template_render(replica: Replica, name: str, ident: str) -> str:
    from crdt.queries import view

    conversation = view(replica.conn, ident)
    agent = replica.items("agents").get(replica.agent, {"email": replica.agent})
    return templates.render(
        template_get(replica, name)["body"], templates.context(conversation, agent)
    )


def item_remove(replica: Replica, kind: str, name: str) -> None:
    if name not in replica.items(kind):
        raise NotFoundError(f"no {kind[:-1]} {name!r}")
    replica.put_item(kind, name, None)


def macro_add(replica: Replica, name: str, actions: list[dict[str, Any]]) -> None:
    templates.check_name(name)
    for action in macro_rules.check(actions):
        if "assign" in action:
            action["assign"] = replica.find_agent(str(action["assign"]))
    replica.put_item("macros", name, {"name": name, "actions": actions, "by": replica.agent})


def macro_run(replica: Replica, name: str, ids: list[str]) -> Outcome:
    """Apply each action of the macro, in order, to each conversation."""
    from crdt import when

    found = replica.items("macros").get(name)
    if found is None:
        raise NotFoundError(f"no macro {name!r} (see `inbox macro list`)")
    out = Outcome()
    for action in found["actions"]:
        kind, value = next(iter(action.items()))
        if kind == "tag":
            tag(replica, ids, [value], [])
        elif kind == "untag":
            tag(replica, ids, [], [value])
        elif kind == "status":
            set_status(replica, ids, value)
        elif kind == "priority":
            set_priority(replica, ids, value)
        elif kind == "assign":
            assign(replica, ids, value)
        elif kind == "unassign":
            unassign(replica, ids)
        elif kind == "note":
            for ident in ids:
                note(replica, ident, value)
        elif kind == "snooze":
            until = clock.to_iso(when.parse(value, clock.now().astimezone()))
            snooze(replica, ids, until)
        out.messages.append(macro_rules.describe(action))
    out.changed = list(ids)
    return out
