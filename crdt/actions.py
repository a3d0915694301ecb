"""What agents do to conversations, over a replica: one function per command.

Each takes conversation ids (already resolved) and changes each conversation in
its own transaction, so a failure on one leaves the others done; conflicts are
collected and raised after the rest is stored.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from crdt.errors import ConflictError, NotFoundError, UsageError
from crdt.model import clock, items
from crdt.model.ids import new_id
from crdt.model.vocab import SETTABLE_STATUSES
from crdt.replica import Replica
from crdt.workflow import macros as macro_rules
from crdt.workflow import mentions, templates

if TYPE_CHECKING:
    from crdt.model.ydoc import Doc
    from crdt.workflow.drafts import Draft


class Outcome:
    """Per conversation: whether it changed, and lines for people.

    (A plain class: dataclasses costs ~5 ms to import, on every command that writes.)
    """

    def __init__(self) -> None:
        self.changed: list[str] = []
        self.unchanged: list[str] = []
        self.messages: list[str] = []
        self.held: list[str] = []  # not done: a teammate holds it (ids, with why in messages)

    def record(self, conversation_id: str, changed: bool) -> None:
        (self.changed if changed else self.unchanged).append(conversation_id)


def claim(replica: Replica, ids: Iterable[str]) -> Outcome:
    """Take each conversation unless someone else holds it (exit 3 names who)."""
    from crdt.model import conversation as conv
    from crdt.model.claims import Ownership

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
                f"{ident[:8]}: claimed by {replica.agent_name(after.owner)} at {after.since}"
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


def assign(replica: Replica, ids: Iterable[str], to: str, force: bool = False) -> Outcome:
    """Hand each conversation to ``to``; one a teammate holds only with ``force``."""
    from crdt.model import conversation as conv

    agent = replica.find_agent(to)
    return _taking(
        replica, ids, force, agent, lambda d, at: conv.assign(d, agent, replica.agent, at)
    )


def unassign(replica: Replica, ids: Iterable[str], force: bool = False) -> Outcome:
    from crdt.model import conversation as conv

    return _taking(replica, ids, force, None, lambda d, at: conv.unassign(d, replica.agent, at))


def _taking(
    replica: Replica, ids: Iterable[str], force: bool, to: str | None, change: Change
) -> Outcome:
    """``change`` each conversation, unless it would take one from a teammate who holds it
    and ``force`` was not given (``Outcome.held``): reassigning someone's work is said,
    not done by a pipe."""
    from crdt.model import conversation as conv

    out = Outcome()
    for ident in ids:

        def guarded(doc: Doc, at: str = clock.now_iso(), ident: str = ident) -> bool:
            owner = conv.ownership(doc).owner
            if not force and owner not in (None, replica.agent, to):
                out.held.append(ident)
                out.messages.append(f"{ident[:8]} is {replica.agent_name(owner)}'s")
                return False
            return change(doc, at)

        changed = replica.edit(ident, guarded)
        if ident not in out.held:
            out.record(ident, changed)
    return out


def tag(replica: Replica, ids: Iterable[str], add: list[str], remove: list[str]) -> Outcome:
    from crdt.model import conversation as conv
    from crdt.model import tags

    adding, removing = [tags.normalise(t) for t in add], [tags.normalise(t) for t in remove]
    if not adding and not removing:
        raise UsageError("nothing to do: give --add TAG and/or --remove TAG")

    def change(doc: Doc, at: str) -> bool:
        changed = [conv.add_tag(doc, t, replica.agent, at) for t in adding]
        changed += [conv.remove_tag(doc, t, replica.agent, at) for t in removing]
        return any(changed)

    return each(replica, ids, change)


def note(replica: Replica, ident: str, body: str) -> dict[str, Any]:
    from crdt.model import conversation as conv

    text = body.strip()
    if not text:
        raise UsageError("empty note: give -m TEXT or --body-file FILE")
    agents = {email: a.get("name") for email, a in replica.items("agents").items()}
    mentioned = mentions.resolve(text, agents)
    at = clock.now_iso()
    note_id = replica.edit(
        ident, lambda d: conv.add_note(d, body=text, mentions=mentioned, who=replica.agent, at=at)
    )
    unknown = [
        {"handle": h, "could_mean": could} for h, could in mentions.unknown(text, agents).items()
    ]
    return {
        "id": note_id,
        "conversation": ident,
        "mentions": mentioned,
        "unknown_mentions": unknown,
    }


def set_status(replica: Replica, ids: Iterable[str], status: str) -> Outcome:
    from crdt.model import conversation as conv

    if status not in SETTABLE_STATUSES:
        raise UsageError(f"unknown status {status!r}: use {', '.join(SETTABLE_STATUSES)}")
    return each(replica, ids, lambda doc, at: conv.set_status(doc, status, replica.agent, at))


def snooze_until(when_text: str) -> str:
    """The ISO time a WHEN ("2h", "tomorrow 9:00", an ISO time) names; it must be ahead."""
    from crdt.workflow import when

    until = clock.to_iso(when.parse(when_text, clock.now().astimezone()))
    if until <= clock.now_iso():
        raise UsageError(f"{when_text!r} is in the past")
    return until


def snooze(replica: Replica, ids: Iterable[str], until: str | None) -> Outcome:
    """Snooze until an ISO time (``snooze_until``), or wake (``until`` None)."""
    from crdt.model import conversation as conv

    return each(replica, ids, lambda doc, at: conv.snooze(doc, until, replica.agent, at))


def set_priority(replica: Replica, ids: Iterable[str], priority: str) -> Outcome:
    from crdt.model import conversation as conv

    return each(replica, ids, lambda doc, at: conv.set_priority(doc, priority, replica.agent, at))


def set_label(replica: Replica, ids: Iterable[str], field: str, value: str) -> Outcome:
    """An agent's category or sentiment: it wins over what triage suggests, and stays."""
    from crdt.model import conversation as conv

    return each(replica, ids, lambda doc, at: conv.set_label(doc, field, value, replica.agent, at))


def suggest_labels(replica: Replica, ident: str, suggestion: dict[str, Any]) -> bool:
    """Store triage's labels on the conversation under this agent's own entry."""
    from crdt.model import conversation as conv

    at = clock.now_iso()
    return replica.edit(ident, lambda doc: conv.suggest(doc, suggestion, replica.agent, at))


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
    from crdt.model import conversation as conv

    conv.merge_into(docs[source], docs[target], who, at)


# -- replies -----------------------------------------------------------------------------------


def reply(replica: Replica, ident: str, text: str | None, force: bool = False) -> dict[str, Any]:
    """Record a reply as an outbound message queued for delivery; ``text`` None sends the
    saved draft. Returns ``{"conversation", "message", "claimed"}``.

    The checks of replies.py run inside the transaction that writes the message, so what
    they saw is what is there. A held send raises and leaves the draft as it was; a sent
    one removes it.
    """
    from crdt.workflow import drafts, replies

    home = replica.home
    saved = _own_draft(replica, ident)
    body = (saved.text if saved else "") if text is None else text
    if text is None and saved is None:
        raise UsageError("give the reply with -m TEXT, --body-file FILE or --template NAME")
    if not body.strip():
        if saved is not None and not saved.text.strip():
            drop_draft(replica, ident)  # an editor left it empty: there is nothing to keep
        raise UsageError("empty reply; nothing was sent")
    seen = saved.seen if saved else replies.seen_ids(replica.conversation(ident))
    agents = replica.items("agents")
    me = agents.get(replica.agent) or {"email": replica.agent}
    confirmable = replica.relay_url is not None
    at, message_id = clock.now_iso(), new_id()

    def change(doc: Doc) -> bool:
        from crdt.model import conversation as conv
        from crdt.model import view as views

        current, now = views.build(doc), clock.parse_iso(at)
        claim = replies.must_claim(
            conv.ownership(doc), replica.agent, confirmable=confirmable, force=force, now=now
        )
        arrived = replies.new_items(current, seen, replica.agent)
        if arrived and not force:
            raise replies.held(ident, arrived, agents, now)
        drafting = [d for d in current["drafts"] if d["agent"] != replica.agent]
        if drafting and not force:
            raise replies.drafting(ident, drafting, now)
        message = replies.outbound(current, body.strip(), me, at, message_id)
        with doc.transaction():
            if claim:
                conv.claim(doc, replica.agent, at)
            conv.add_message(doc, message, replica.agent, at)
            conv.set_draft(doc, replica.agent, None, at)
        return claim

    claimed = replica.edit(ident, change)
    drafts.remove(home, ident)
    sent = next(m for m in replica.conversation(ident)["messages"] if m["id"] == message_id)
    return {"conversation": ident, "message": sent, "claimed": claimed}


def begin_draft(replica: Replica, ident: str) -> Draft:
    """The agent's draft of a reply, started now (empty) unless one is saved."""
    from crdt.workflow import drafts, replies

    saved = _own_draft(replica, ident)
    if saved is not None:
        return saved
    started = clock.now_iso()
    draft = drafts.save(
        replica.home,
        ident,
        "",
        seen=replies.seen_ids(replica.conversation(ident)),
        agent=replica.agent,
        started_at=started,
    )
    _announce_draft(replica, ident, started)
    return draft


def _announce_draft(replica: Replica, ident: str, started_at: str | None) -> None:
    """Teammates see that this agent has begun a reply (or no longer has one), on every
    replica and offline too: the text stays here."""
    from crdt.model import conversation as conv

    at = clock.now_iso()
    replica.edit(ident, lambda doc: conv.set_draft(doc, replica.agent, started_at, at))


def drop_draft(replica: Replica, ident: str) -> None:
    """Remove this agent's saved draft of a reply, and say so to teammates."""
    from crdt.workflow import drafts

    drafts.remove(replica.home, ident)
    _announce_draft(replica, ident, None)


def save_draft(replica: Replica, ident: str, text: str | None) -> Draft:
    """Save the text of a reply as its draft, sending nothing; ``text`` None keeps what an
    editor wrote to the draft file. A draft keeps the time it began and what was seen then."""
    from crdt.workflow import drafts

    if text is not None and not text.strip():
        raise UsageError("empty reply; nothing was saved")
    draft = begin_draft(replica, ident) if text is not None else _own_draft(replica, ident)
    if draft is None:
        raise UsageError("give the draft with -m TEXT, --body-file FILE or --template NAME")
    if text is None:
        if not draft.text.strip():
            drop_draft(replica, ident)
            raise UsageError("empty draft; nothing was saved")
        return draft
    saved = drafts.save(
        replica.home,
        ident,
        text,
        seen=draft.seen,
        agent=draft.agent,
        started_at=draft.started_at,
    )
    _announce_draft(replica, ident, draft.started_at)
    return saved


def _own_draft(replica: Replica, ident: str) -> Draft | None:
    """The saved draft of this reply, if any; one by another agent of a shared machine is
    theirs to send, so it is a conflict rather than something to overwrite."""
    from crdt.workflow import drafts

    saved = drafts.load(replica.home, ident)
    if saved is not None and saved.agent != replica.agent:
        raise ConflictError(
            f"{saved.path} is a draft of this reply by {saved.agent}; "
            "they can send it, or remove it to start over"
        )
    return saved


# -- the workspace: agents, mailboxes, saved replies, macros --------------------------------


def agent_add(replica: Replica, email: str, name: str | None) -> str:
    """Add (or rename) an agent of the workspace; returns the address as kept."""
    address = items.check_email(email)
    replica.put_item("agents", address, items.agent(address, name))
    return address


def mailbox_add(
    replica: Replica, address: str, name: str | None = None, signature: str | None = None
) -> str:
    """A shared address of the workspace: mail from it counts as ours (outbound). Adding
    one that exists changes what is given and keeps the rest."""
    cleaned = items.check_email(address)
    known = replica.items("mailboxes").get(cleaned, {})
    name = name if name is not None else known.get("name")
    signature = signature if signature is not None else known.get("signature")
    replica.put_item("mailboxes", cleaned, items.mailbox(cleaned, name, signature))
    return cleaned


def mailbox_remove(replica: Replica, address: str) -> str:
    cleaned = items.check_email(address)
    _remove_item(replica, "mailboxes", cleaned, "mailbox")
    return cleaned


def template_add(replica: Replica, name: str, body: str, subject: str | None = None) -> None:
    templates.check_name(name)
    if not body.strip():
        raise UsageError("empty template body")
    templates.check(body)
    replica.put_item("templates", name, items.template(name, body, subject, replica.agent))


def template_get(replica: Replica, name: str) -> dict[str, Any]:
    found = replica.items("templates").get(name)
    if found is None:
        raise NotFoundError(f"no template {name!r} (see `inbox template list`)")
    return dict(found)


def template_render(replica: Replica, name: str, ident: str) -> str:
    conversation = replica.conversation(ident)
    agent = replica.items("agents").get(replica.agent, {"email": replica.agent})
    return templates.render(
        template_get(replica, name)["body"], templates.context(conversation, agent)
    )


def template_remove(replica: Replica, name: str) -> None:
    _remove_item(replica, "templates", name, "template")


def macro_add(replica: Replica, name: str, actions: list[dict[str, Any]]) -> None:
    templates.check_name(name)
    for action in macro_rules.check(actions):
        if "assign" in action:
            action["assign"] = replica.find_agent(str(action["assign"]))
    replica.put_item("macros", name, items.macro(name, actions, replica.agent))


def macro_get(replica: Replica, name: str) -> dict[str, Any]:
    found = replica.items("macros").get(name)
    if found is None:
        raise NotFoundError(f"no macro {name!r} (see `inbox macro list`)")
    return dict(found)


def macro_remove(replica: Replica, name: str) -> None:
    _remove_item(replica, "macros", name, "macro")


def _remove_item(replica: Replica, kind: str, name: str, what: str) -> None:
    if name not in replica.items(kind):
        raise NotFoundError(f"no {what} {name!r}")
    replica.put_item(kind, name, None)


def macro_run(replica: Replica, name: str, ids: list[str]) -> Outcome:
    """Apply each action of the macro, in order, to each conversation."""
    out = Outcome()
    for action in macro_get(replica, name)["actions"]:
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
            snooze(replica, ids, snooze_until(value))
        out.messages.append(macro_rules.describe(action))
    out.changed = list(ids)
    return out


# -- the replica as a whole ------------------------------------------------------------------


def reindex(replica: Replica, progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild everything derived from the documents; returns how many were read. What an
    interrupted import queued or left to merge (and an older sync staged) is done first."""
    from crdt.ingest import merges
    from crdt.model import conversation, view, workspace, ydoc
    from crdt.model.vocab import CONVERSATION_PREFIX, WORKSPACE_PREFIX
    from crdt.store import index
    from crdt.sync import builder

    store = replica.store
    merges.finish(replica)
    builder.build_staged(store, replica.agent)
    with store.write() as conn:
        index.train_dictionaries(conn)  # a replica made before it had them, or small
        store.repack_snapshots()
        names = list(store.doc_names(""))
        index.clear(conn)
        for n, name in enumerate(names, 1):
            doc = ydoc.load(store.doc_updates(name))
            if name.startswith(CONVERSATION_PREFIX):
                before = doc.get_state()
                if conversation.repair_id(doc, name[len(CONVERSATION_PREFIX) :]):
                    store.append(name, doc.get_update(before))
                index.write_conversation(conn, view.build(doc))
            elif name.startswith(WORKSPACE_PREFIX):
                index.write_workspace(conn, name[len(WORKSPACE_PREFIX) :], workspace.items(doc))
            if progress:
                progress(n, len(names))
    return len(names)
