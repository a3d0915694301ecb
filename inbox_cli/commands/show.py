"""inbox show"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import Any

from crdt.model.items import handle
from inbox_cli.context import Context
from inbox_cli.output import Line, ago
from inbox_cli.parsing import add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("id", metavar="ID", help="any unique id prefix")
    add_output_flags(p)
    example(p, "inbox show 3f2a", "inbox show 3f2a --json | jq '.messages[].body'")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.model import clock
    from crdt.sync import presence
    from crdt.workflow import sla

    replica = ctx.replica
    ident = replica.resolve(args.id)
    conv = replica.conversation(ident)
    conv["presence"] = presence.on(replica, ident)
    conv.update(sla.shown(conv, replica.items("slas"), clock.now()))
    if presence.shared(replica):
        presence.note(replica, presence.VIEWING, ident)
    from inbox_cli import pager

    with pager.paged(ctx.out, pager.command(ctx.settings.get("pager")) if ctx.paging else []):
        ctx.out.obj(conv, lambda: render(conv, replica.agent, ctx.out.style))


def _sla_line(s: dict[str, Any]) -> str:
    """ "sla standard: first response due in 12m, resolution due in 2d" """
    from crdt.model import clock
    from crdt.workflow.sla import span

    now = clock.now()
    parts = []
    for t in s["targets"]:
        name = t["target"].replace("_", " ")
        if t["met_at"]:
            parts.append(f"{name} met{' late' if t['breached'] else ''}")
        elif t["due_at"]:
            parts.append(f"{name} {clock.due(t['due_at'], now)}")
        else:
            parts.append(f"{name} paused ({span(t['left'] or 0)} left)")
    return f"sla {s['policy']}: " + (", ".join(parts) or "nothing due yet")


def _who(email: str | None) -> str:
    return handle(email) if email else "nobody"


def render(c: dict[str, Any], me: str, style: Callable[[str, str], Line]) -> Iterator[Line]:
    yield style(c["subject"] or "(no subject)", "1")
    owner = _who(c["assignee"]) + (
        " (tentative)" if c.get("assignee_tentative") and c["assignee"] else ""
    )
    status = c["status"] + (f" until {c['snoozed_until']}" if c.get("snoozed_until") else "")
    yield (
        f"{c['id']}  {status}  {c['priority']}  assignee: {owner}  "
        f"{c['channel']} {c.get('mailbox') or ''}"
    )
    customer = c.get("customer_name") or ""
    yield (
        f"customer: {customer} <{c.get('customer') or ''}>"
        if customer
        else (f"customer: {c.get('customer') or '-'}")
    )
    if c.get("ticket"):
        from inbox_cli.commands.ticket import describe

        yield style("ticket " + describe(c["ticket"]), "1")
    if c["tags"]:
        yield "tags: " + ", ".join(c["tags"])
    if c.get("sla", {}).get("policy"):
        yield style(_sla_line(c["sla"]), "31" if c["sla"]["state"] == "breaching" else "0")
    if c.get("merged_into"):
        yield style(f"merged into {c['merged_into']}", "33")
    for here in c.get("presence", []):
        yield style(_here(here), "36")
    for draft in c.get("drafts", []):
        if draft["agent"] != me:
            yield style(
                f"{_who(draft['agent'])} has a draft reply (started {ago(draft['started_at'])})",
                "36",
            )
    for lost in c.get("lost_claims", []):
        if lost["agent"] == me:
            yield style(f"your claim at {lost['at']} lost to {_who(c['assignee'])}", "33")
    for item in _timeline(c):
        yield ""
        yield from item
    yield ""
    yield style("activity", "2")
    for a in c["activity"][-10:]:
        rule = f" (rule {a['rule']})" if a.get("rule") else ""
        yield style(f"  {ago(a['at'])}  {_who(a['who'])} {_did(a, c)}{rule}", "2")


TICKET_ACTIVITY = {
    "ticket_type": "changed the ticket's type to",
    "ticket_status": "moved the ticket to",
    "ticket_field": "set the ticket's field",
}


def _did(a: dict[str, Any], c: dict[str, Any]) -> str:
    """An activity entry's words: 'made this ticket #1042 (incident)', 'tag refund'."""
    detail = a.get("detail")
    if a["action"] == "ticket" and c.get("ticket"):
        number = c["ticket"]["number"]
        return f"made this ticket #{number if number is not None else '? (tentative)'} ({detail})"
    if a["action"] in TICKET_ACTIVITY:
        return f"{TICKET_ACTIVITY[a['action']]} {detail}"
    return str(a["action"]) + (f" {detail}" if detail else "")


def _delivery(m: dict[str, Any]) -> str:
    """ " (sent 3m ago via support@...)", " (failed: 550 5.1.1 ...)", " (queued)" ..."""
    state = m.get("delivery")
    if not state:
        return ""
    when = f" {ago(m['delivery_at'])}" if m.get("delivery_at") and state == "sent" else ""
    detail = m.get("delivery_detail")
    if detail and state == "sent":
        return f" (sent{when} {detail})"
    return f" ({state}: {detail})" if detail else f" ({state}{when})"


def _timeline(c: dict[str, Any]) -> list[list[str]]:
    entries: list[tuple[str, list[str]]] = []
    # (the printer cleans each line: a body may hold escapes, see inbox_cli/output.py)
    for m in c["messages"]:
        arrow = "→" if m.get("direction") == "out" else "←"
        kind = f" [{m['kind']}]" if m.get("kind") not in (None, "message") else ""
        delivery = _delivery(m)
        head = f"{arrow} {m.get('from_name') or m.get('from') or ''} · {ago(m.get('created_at'))}"
        lines = [head + kind + delivery]
        lines += [f"  (imported with a warning: {w})" for w in m.get("warnings") or []]
        for att in m.get("attachments") or []:
            lines.append(f"  📎 {att.get('filename') or 'attachment'} ({_size(att)})")
        lines += ["  " + line for line in str(m.get("body") or "").rstrip().splitlines()]
        entries.append((str(m.get("created_at") or ""), lines))
    for n in c["notes"]:
        lines = [f"✎ note by {_who(n['author'])} · {ago(n['created_at'])}"]
        lines += ["  " + line for line in str(n["body"]).splitlines()]
        entries.append((str(n["created_at"]), lines))
    return [lines for _, lines in sorted(entries, key=lambda e: e[0])]


def _size(attachment: dict[str, Any]) -> str:
    """'12 KB', or '31 MB, not kept: over the 25 MB limit'."""
    size = int(attachment.get("size") or 0)
    text = f"{size} B" if size < 1024 else f"{size / 1024:.0f} KB"
    text = f"{size / 1024**2:.1f} MB" if size >= 1024**2 else text
    limit = attachment.get("over_limit")
    if isinstance(limit, int):
        text += f", not kept: over the {round(limit / 1024**2, 2):g} MB limit"
    return text


def _here(p: dict[str, Any]) -> str:
    """'ali is viewing (12s)', 'ben is typing a reply (started 40s ago)'."""
    who = _who(p["agent"])
    if p.get("visitor"):  # the website visitor of a chat
        return "visitor is typing..." if p["doing"] == "typing" else "visitor is on the chat"
    if p["doing"] == "typing":
        return f"{who} is typing a reply (started {ago(p['since'])})"
    return f"{who} is viewing ({ago(p['since']).replace(' ago', '')})"
