"""How conversations print, shared by list, search and customer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crdt.model.items import handle
from inbox_cli.context import Context
from inbox_cli.output import ago
from inbox_cli.parsing import TERMINAL_LIMIT
from inbox_cli.table import cut

if TYPE_CHECKING:
    from crdt.replica import Page

COLUMNS = [
    ("id", "id"),
    ("status", "status"),
    ("assignee", "assignee"),
    ("customer", "customer"),
    ("subject", "subject"),
    ("tags", "tags"),
    ("updated_at", "updated"),
    # triage's labels last: scripts that cut the columns before them keep their positions
    ("priority", "priority"),
    ("category", "category"),
    ("sentiment", "tone"),
]

# On a narrow terminal: free text gives way first, then who; ids, status and times keep.
SHRINK = ("category", "sentiment", "snippet", "subject", "presence", "tags", "customer", "assignee")
# A conversation with a reply not out yet (`list`): the most pressing such reply's state.
MARKERS = {"failed": "FAILED", "retrying": "retry", "sending": "sending", "queued": "queued"}
LABELS = ("priority", "category", "sentiment")


def _labelled(row: dict[str, Any]) -> bool:
    return bool(row.get("category") or row.get("sentiment") or row.get("priority") != "normal")


def _due(row: dict[str, Any]) -> str:
    """ "due in 12m", "overdue 1h", or the state when nothing runs (paused, met)."""
    from crdt.model import clock

    if row.get("sla_due_at"):
        return clock.due(row["sla_due_at"], clock.now())
    return str(row.get("sla_state") or "")


def limit(ctx: Context, given: int | None) -> int | None:
    """The rows to ask for: what --limit says (0 for all), else a screenful on a terminal
    and everything when piped."""
    if given is None:
        return TERMINAL_LIMIT if ctx.out.table else None
    return given or None


def print_page(
    ctx: Context, page: Page, columns: list[tuple[str, str]] | None = None, empty: str = ""
) -> None:
    """The rows, and on a terminal a line on stderr when the limit cut them, or ``empty``
    when there are none (stdout stays empty: a header over nothing says nothing)."""
    if not page.rows and ctx.out.table:
        if empty:
            ctx.out.say(empty)
        return
    print_conversations(ctx, page.rows, columns)
    if page.cut and ctx.out.table:
        total = f"{page.total:,}" + ("+" if page.capped else "")
        ctx.out.say(f"{len(page.rows):,} of {total} shown; --limit 0 for all")


def print_conversations(
    ctx: Context, rows: list[dict[str, Any]], columns: list[tuple[str, str]] | None = None
) -> None:
    shorts: dict[str, str] = {}
    if ctx.out.mode == "auto" and ctx.out.tty:
        shorts = ctx.replica.short_ids([r["id"] for r in rows])

    def cell(name: str, row: dict[str, Any]) -> str:
        value = row.get(name)
        if name == "id":
            return shorts.get(str(value), str(value))
        if name == "assignee":
            if not value:
                return "-"
            return handle(str(value)) + ("?" if row.get("assignee_tentative") else "")
        if name == "undelivered":
            return MARKERS.get(str(value), "")
        if name == "sla_due_at":
            return _due(row)
        if name == "ticket":
            return "" if not value else f"#{value['number']}" if value["number"] else "#?"
        if name == "presence":
            return ", ".join(f"{handle(h['agent'])} {h['doing']}" for h in value or [])
        if name == "subject":
            text = str(value or "(no subject)")
            return cut(text, 50)
        if name.endswith("_at"):
            return ago(value)
        if isinstance(value, list):
            return ",".join(value)
        if value is None:
            return "-" if name in ("category", "sentiment") else ""
        return str(value)

    chosen = list(columns or COLUMNS)
    if ctx.out.tty and not any(_labelled(r) for r in rows):  # nothing triaged: no columns
        chosen = [c for c in chosen if c[0] not in LABELS]
    if ctx.out.tty and ("status", "status") in chosen and any(r.get("undelivered") for r in rows):
        chosen.insert(chosen.index(("status", "status")) + 1, ("undelivered", "reply"))
    if ctx.out.tty and any(r.get("sla_policy") for r in rows):
        chosen.insert(chosen.index(("status", "status")) + 1, ("sla_due_at", "sla"))
    if ctx.out.tty and ("subject", "subject") in chosen and any(r.get("ticket") for r in rows):
        chosen.insert(chosen.index(("subject", "subject")), ("ticket", "ticket"))
    if ctx.out.tty and any(r.get("presence") for r in rows):  # a column for people only
        chosen.insert(chosen.index(("subject", "subject")), ("presence", "here"))
    ctx.out.items(rows, chosen, cell, SHRINK)
