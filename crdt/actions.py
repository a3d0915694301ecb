"""What agents do to conversations, over a replica: one function per command.

Each takes conversation ids (already resolved) and changes each conversation in
its own transaction, so a failure on one leaves the others done; conflicts are
collected and raised after the rest is stored.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from crdt.errors import ConflictError, NotFoundError, UsageError
from crdt.model import clock, items
from crdt.model.ids import new_id
from crdt.model.vocab import SETTABLE_STATUSES
from crdt.replica import Replica
from crdt.workflow import macros as macro_rules
from crdt.workflow import mentions, templates

if TYPE_CHECKING:
    from crdt.model.ydoc import Doc
    from crdt.workflow.composed import NewConversation
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


def reply(
    replica: Replica,
    ident: str,
    text: str | None,
    force: bool = False,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Record a reply as an outbound message queued for delivery; ``text`` None sends the
    saved draft; ``attachments``: files kept by ``attach``, listed on the message and
    sent with it. Returns ``{"conversation", "message", "claimed"}``.

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
        to, cc = (saved.to, saved.cc) if saved else ((), ())
        message = replies.outbound(current, body.strip(), me, at, message_id, to, cc)
        if attachments:
            message["attachments"] = attachments
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


# -- a new conversation ------------------------------------------------------------------------


def new_conversation(
    replica: Replica, sender: str, to: list[str], cc: list[str], subject: str
) -> NewConversation:
    """What `inbox compose` asks for, checked against the workspace's mailboxes before
    anything is written or an editor opens (whose text a replica that cannot be written
    could not keep); the conversation's id is made here."""
    from crdt.workflow import composed

    replica.check_writable()
    return composed.plan(new_id(), sender, to, cc, subject, replica.items("mailboxes"))


def compose(
    replica: Replica,
    new: NewConversation,
    text: str | None,
    template: str | None = None,
    draft: bool = False,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Start an email conversation with the customer (``new.to``'s first), owned by this
    agent, whose first message is queued for delivery as a reply is: the gateway sends it
    from ``new.mailbox`` under a Message-ID derived from its id, so the customer's answer
    threads back here. ``template`` renders the text for the conversation it is about to
    be. One transaction: the conversation is made with its message or not at all. With
    ``draft`` the text is saved as this agent's draft of it instead (`inbox reply ID`
    sends it). Returns ``{"conversation", "message"}`` (``"draft"`` with ``draft``)."""
    from crdt.model import conversation as conv
    from crdt.workflow import replies

    at, message_id, ident = clock.now_iso(), new_id(), new.id
    known = replica.customer_name(new.customer.email)
    view = new.view(known, at)
    body = _render(replica, template, view) if template else (text or "")
    if not body.strip():
        raise UsageError("empty message; nothing was sent")
    me = replica.items("agents").get(replica.agent) or {"email": replica.agent}
    to, cc = [a.email for a in new.to], [a.email for a in new.cc]
    message = replies.outbound(view, body.strip(), me, at, message_id, to, cc)
    if attachments:
        message["attachments"] = attachments

    saved = None
    if draft:  # the text first: a draft the conversation announces is always there
        from crdt.workflow import drafts

        more = len(to) > 1 or bool(cc)  # the customer alone is what a reply goes to
        saved = drafts.save(
            replica.home,
            ident,
            body,
            seen=(),
            agent=replica.agent,
            started_at=at,
            to=to if more else (),
            cc=cc if more else (),
        )

    def change(doc: Doc) -> None:
        with doc.transaction():
            conv.create(
                doc,
                conversation_id=ident,
                subject=new.subject,
                channel="email",
                mailbox=new.mailbox,
                customer=new.customer.email,
                customer_name=view["customer_name"],
                who=replica.agent,
                at=at,
            )
            conv.claim(doc, replica.agent, at)
            if saved is None:
                conv.add_message(doc, message, replica.agent, at)
            else:
                conv.set_draft(doc, replica.agent, at, at)

    replica.edit(ident, change)
    if saved is not None:
        return {"conversation": ident, "draft": saved}
    sent = next(m for m in replica.conversation(ident)["messages"] if m["id"] == message_id)
    return {"conversation": ident, "message": sent}


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
        to=draft.to,
        cc=draft.cc,
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


# -- attachments -------------------------------------------------------------------------------


def attach(replica: Replica, paths: Iterable[str]) -> list[dict[str, Any]]:
    """Files for an outgoing message (`reply --attach`; `compose` too): each streamed into
    the blob store and marked for the relay (``inbox sync`` sends it), its entry returned
    for the message. Done before the message is written: a crash in between leaves an
    unused blob, never a message whose file is not here."""
    import mimetypes

    from crdt.mail.compose import safe_filename
    from crdt.store.blobs import TooBigError, megabytes

    replica.check_writable()
    limit = replica.attachment_limit
    out: list[dict[str, Any]] = []
    for given in paths:
        path = Path(given).expanduser()
        try:
            with path.open("rb") as source:
                kept = replica.blobs.put_file(source, limit)
        except TooBigError:
            raise UsageError(
                f"{given} is over the {megabytes(limit)} MB limit for attachments"
            ) from None
        except OSError as exc:
            raise UsageError(f"cannot attach {given}: {exc.strerror or exc}") from exc
        replica.blobs.mark_upload(kept.sha256)
        ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        out.append(
            {
                "filename": safe_filename(path.name),
                "content_type": ctype,
                "size": kept.size,
                "sha256": kept.sha256,
                "inline": False,
            }
        )
    return out


def attachments(replica: Replica, ident: str) -> list[dict[str, Any]]:
    """Every attachment of a conversation, numbered 1..n in the order of its messages, with
    where it is: ``here`` (its ``path``), at the ``relay`` (`attachment get` fetches it),
    ``over_limit`` (only listed) or ``missing`` (no relay to fetch it from)."""
    from crdt.store.blobs import megabytes

    blobs = replica.blobs
    out: list[dict[str, Any]] = []
    for message in replica.conversation(ident)["messages"]:
        for entry in message.get("attachments") or []:
            sha256 = str(entry.get("sha256") or "")
            item: dict[str, Any] = {
                "n": len(out) + 1,
                "message": message.get("id"),
                "filename": str(entry.get("filename") or ""),
                "content_type": str(entry.get("content_type") or "application/octet-stream"),
                "size": int(entry.get("size") or 0),
                "sha256": sha256,
                "inline": bool(entry.get("inline")),
                "kept": "missing",
                "path": None,
                "note": "not here, and no relay to fetch it from",
            }
            if entry.get("over_limit"):
                item["kept"] = "over_limit"
                item["note"] = f"not kept: over the {megabytes(int(entry['over_limit']))} MB limit"
            elif blobs.has(sha256):
                item.update(kept="here", path=str(blobs.path(sha256)), note=None)
            elif replica.relay_url:
                item.update(kept="relay", note="at the relay: `inbox attachment get` fetches it")
            out.append(item)
    return out


def attachment(replica: Replica, ident: str, n: int) -> dict[str, Any]:
    """The n-th attachment of a conversation (``attachments``)."""
    found = attachments(replica, ident)
    if not 1 <= n <= len(found):
        have = f"1-{len(found)}" if found else "none"
        raise NotFoundError(f"{ident[:8]} has no attachment {n} (it has {have})")
    return found[n - 1]


def copy_attachment(replica: Replica, item: dict[str, Any], out: BinaryIO) -> None:
    """An attachment that is here, streamed to ``out`` (`attachment get -o -`)."""
    import shutil

    with replica.blobs.open(item["sha256"]) as blob:
        shutil.copyfileobj(blob, out, 1024 * 1024)


def save_attachment(
    replica: Replica, item: dict[str, Any], dest: Path | None, force: bool = False
) -> Path:
    """An attachment that is here, copied to ``dest`` (default: its file name, made safe,
    in the current directory): whole or not at all, and an existing file only with
    ``force`` (ConflictError otherwise)."""
    import os
    import shutil

    from crdt.mail.compose import safe_filename

    target = dest if dest is not None else Path(safe_filename(item["filename"]))
    if target.is_dir():
        target = target / safe_filename(item["filename"])
    temp = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        with replica.blobs.open(item["sha256"]) as blob, temp.open("xb") as out:
            shutil.copyfileobj(blob, out, 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
        if force:
            os.replace(temp, target)
        else:
            os.link(temp, target)  # fails, rather than replaces, when the file exists
    except FileExistsError:
        raise ConflictError(f"{target} exists; --force replaces it") from None
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        temp.unlink(missing_ok=True)
    return target


# -- the workspace: agents, mailboxes, saved replies, macros --------------------------------


def agent_add(replica: Replica, email: str, name: str | None) -> str:
    """Add (or rename) an agent of the workspace; returns the address as kept."""
    address = items.check_email(email)
    replica.put_item("agents", address, items.agent(address, name))
    return address


def mailbox_add(
    replica: Replica,
    address: str,
    name: str | None = None,
    signature: str | None = None,
    triage: bool | None = None,
) -> str:
    """A shared address of the workspace: mail from it counts as ours (outbound). Adding
    one that exists changes what is given and keeps the rest. ``triage``: the mail
    gateway triages each new conversation of it as it arrives (a workspace setting: the
    relay takes it from an admin only)."""
    cleaned = items.check_email(address)
    known = replica.items("mailboxes").get(cleaned, {})
    name = name if name is not None else known.get("name")
    signature = signature if signature is not None else known.get("signature")
    triage = triage if triage is not None else bool(known.get("triage"))
    replica.put_item("mailboxes", cleaned, items.mailbox(cleaned, name, signature, triage))
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
    return _render(replica, name, replica.conversation(ident))


def _render(replica: Replica, name: str, conversation: dict[str, Any]) -> str:
    """A saved reply for a conversation view, sent by this agent from its mailbox."""
    agent = replica.items("agents").get(replica.agent, {"email": replica.agent})
    address = str(conversation.get("mailbox") or "")
    mailbox = replica.items("mailboxes").get(address, {"address": address}) if address else {}
    values = templates.context(conversation, agent, mailbox)
    return templates.render(template_get(replica, name)["body"], values)


def saved_reply(
    replica: Replica, template: str | None, macro: str | None, text_given: bool
) -> str | None:
    """The template a reply (or a composed message) is rendered from: ``template``, or
    the reply ``macro`` carries; None when the text is given or written. Two sources of
    the text are a usage error, not one silently winning."""
    carried = macro_rules.reply_of(macro_get(replica, macro)["actions"]) if macro else None
    if carried and (template or text_given):
        given = "--template" if template else "the text given"
        raise UsageError(f"macro {macro} replies with template {carried}; drop {given}")
    return template or carried


def template_remove(replica: Replica, name: str) -> None:
    _remove_item(replica, "templates", name, "template")


def macro_add(replica: Replica, name: str, actions: list[dict[str, Any]]) -> None:
    templates.check_name(name)
    for action in macro_rules.check(actions):
        if "assign" in action:
            action["assign"] = replica.find_agent(str(action["assign"]))
        if "reply" in action:
            template_get(replica, str(action["reply"]))  # a reply it could not send: exit 5
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
    """Apply each action of the macro, in order, to each conversation. One that replies
    is run by `inbox reply ID --macro NAME`: a list of ids mails nobody (macros.py)."""
    actions = macro_get(replica, name)["actions"]
    if template := macro_rules.reply_of(actions):
        raise UsageError(
            f"macro {name} replies with template {template}: send it with "
            f"`inbox reply ID --macro {name}`"
        )
    return _apply_macro(replica, actions, ids)


def macro_with_reply(replica: Replica, name: str, ident: str) -> Outcome:
    """The actions a macro applies beside its reply, once the reply is recorded."""
    actions = macro_rules.without_reply(macro_get(replica, name)["actions"])
    return _apply_macro(replica, actions, [ident])


def _apply_macro(replica: Replica, actions: list[dict[str, Any]], ids: list[str]) -> Outcome:
    out = Outcome()
    for action in actions:
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
