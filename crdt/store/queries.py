"""Read-only questions answered from the index alone (no document is loaded)."""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from crdt.errors import AmbiguousIdError, NotFoundError, UnbuiltError, UsageError
from crdt.model import clock, ids
from crdt.store.index import unpack_view
from crdt.store.sqlite import Connection, Row

LIST_FIELDS = (
    "id",
    "subject",
    "status",
    "assignee",
    "tags",
    "channel",
    "mailbox",
    "customer",
    "priority",
    "sentiment",
    "category",
    "created_at",
    "updated_at",
    "message_count",
    "customer_name",
    "assignee_tentative",
    "snoozed_until",
    "last_inbound_at",
    "last_outbound_at",
    "delivery",
    "sla_policy",
    "sla_due_at",
    "sla_state",
    "ticket",
)
# each read from its index (store/schema.py), the tie-break too: a sort the index cannot
# give sorts every matching row before the first page
SORTS = {
    "updated": "updated_at DESC, id DESC",
    "created": "created_at DESC, id DESC",
    "priority": "priority_rank ASC, updated_at DESC, id DESC",
    # SLA due times first, soonest (most overdue) first; then when it was asked for
    "due": "sla_due IS NULL, coalesce(sla_due, snooze_until, last_inbound_at, created_at), id",
}
STATUS_FILTERS = ("open", "pending", "snoozed", "closed", "spam", "all")
# replies not (yet) out, most pressing first: what `list` marks a conversation with
UNDELIVERED = ("failed", "retrying", "sending", "queued")
WHOLE_INDEX = 2000  # rows of a page past which its replies are read from the whole index
_COLUMNS = (
    "id, subject, status, assignee, tentative, tags, channel, mailbox, customer, customer_name, "
    "priority, sentiment, category, snooze_until, created_at, updated_at, last_inbound_at, "
    "last_outbound_at, message_count, sla_policy, sla_due, sla_warn, sla_done"
)
# `list --sla`: against the index's next due instant (workflow/sla.py), so a filter is a
# comparison with now: through conversations_sla when few rows match, else along the
# sort's own index (``_sla_clause``)
SLA_FILTERS = {
    "breaching": ("sla_due <= ?", True),
    "due": ("sla_due > ?", True),
    "met": ("sla_done = 'met'", False),
}
DENSE = 500  # matches past which a page is found faster along the sort's index


class Filters:
    """What `inbox list` narrows by (a plain class: dataclasses cost ~5 ms to import)."""

    def __init__(
        self,
        status: str = "open",
        assignee: str | None = None,
        tags: list[str] | None = None,
        mailbox: str | None = None,
        channel: str | None = None,
        priority: str | None = None,
        query: str | None = None,
        customer: str | None = None,
        sort: str = "updated",
        limit: int | None = 50,
        sla: str | None = None,
        ticket: bool = False,
        ticket_type: str | None = None,
        ticket_status: str | None = None,
    ) -> None:
        self.status, self.assignee, self.tags = status, assignee, tags or []
        self.mailbox, self.channel, self.priority = mailbox, channel, priority
        self.query, self.customer, self.sort, self.limit = query, customer, sort, limit
        self.sla = sla
        # tickets only (`inbox ticket list`), of a type, in a ticket status
        self.ticket, self.ticket_type, self.ticket_status = ticket, ticket_type, ticket_status


COUNT_CAP = 10_000  # a cut listing counts its matches this far (~5 ms), not all 100k (~43 ms)


class Page(NamedTuple):
    """Rows as far as the limit, and how many matched: a listing that was cut can say so
    ("50 of 4,000 shown") instead of passing for the whole answer. ``total`` counts no
    further than ``COUNT_CAP`` (then ``capped``: "50 of 10,000+"), so that saying it
    never costs a scan of every row."""

    rows: list[dict[str, Any]]
    total: int
    capped: bool = False

    @property
    def cut(self) -> bool:
        return self.total > len(self.rows)


def _total(
    conn: Connection, rows: list[Row], limit: int | None, matching: str, args: list[Any]
) -> int:
    """How many matched, counted only when the limit cut the rows (one more row than the
    limit was asked for, so an uncut listing costs nothing extra), and only up to one
    past ``COUNT_CAP``."""
    if limit is None or len(rows) <= limit:
        return len(rows)
    sql = f"SELECT count(*) FROM (SELECT 1 {matching} LIMIT {COUNT_CAP + 1})"
    return int(conn.execute(sql, args).fetchone()[0])


def _paged(items: list[dict[str, Any]], total: int) -> Page:
    return Page(items, min(total, COUNT_CAP), total > COUNT_CAP)


def row_to_item(row: Row, now: str) -> dict[str, Any]:
    snoozed = row["snooze_until"] if row["snooze_until"] and row["snooze_until"] > now else None
    status = "snoozed" if snoozed and row["status"] in ("open", "pending") else row["status"]
    return {
        "id": row["id"],
        "subject": row["subject"],
        "status": status,
        "assignee": row["assignee"],
        "tags": json.loads(row["tags"]),
        "channel": row["channel"],
        "mailbox": row["mailbox"],
        "customer": row["customer"],
        "priority": row["priority"],
        "sentiment": row["sentiment"],
        "category": row["category"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "message_count": row["message_count"],
        "customer_name": row["customer_name"],
        "assignee_tentative": bool(row["tentative"]),
        "snoozed_until": snoozed,
        "last_inbound_at": row["last_inbound_at"],
        "last_outbound_at": row["last_outbound_at"],
        "sla_policy": row["sla_policy"],
        "sla_due_at": row["sla_due"],
        "sla_state": _sla_state(row, now),
    }


def _sla_state(row: Row, now: str) -> str | None:
    if not row["sla_policy"]:
        return None
    if row["sla_due"]:
        due, warn = row["sla_due"], row["sla_warn"] or row["sla_due"]
        return "breaching" if due <= now else "warning" if warn <= now else "due"
    return row["sla_done"] or "paused"


def _status_clause(status: str, now: str) -> tuple[str, list[Any]]:
    awake = "(snooze_until IS NULL OR snooze_until <= ?)"
    if status == "all":
        return "1", []
    if status == "snoozed":
        return "status IN ('open', 'pending') AND snooze_until > ?", [now]
    if status in ("open", "pending"):
        return f"status = ? AND {awake}", [status, now]
    if status in ("closed", "spam"):
        return "status = ?", [status]
    raise UsageError(f"unknown status {status!r}: use one of {', '.join(STATUS_FILTERS)}")


def list_conversations(conn: Connection, f: Filters, now: str) -> Page:
    where, args = ["merged_into IS NULL"], []
    clause, extra = _status_clause(f.status, now)
    where.append(clause)
    args += extra
    for column, value in (
        ("mailbox", f.mailbox),
        ("channel", f.channel),
        ("priority", f.priority),
        ("customer", f.customer),
    ):
        if value:
            where.append(f"{column} = ?")
            args.append(value.lower() if column in ("mailbox", "customer") else value)
    if f.assignee == "none":
        where.append("assignee IS NULL")
    elif f.assignee:
        where.append("assignee = ?")
        args.append(f.assignee)
    for tag in f.tags:
        where.append("rid IN (SELECT rid FROM conversation_tags WHERE tag = ?)")
        args.append(tag.lower())
    if f.query:
        where.append("rid IN (SELECT rowid FROM search WHERE search MATCH ?)")
        args.append(fts_query(f.query))
    if f.sla:
        if f.sla not in SLA_FILTERS:
            raise UsageError(f"unknown SLA state {f.sla!r}: use one of {', '.join(SLA_FILTERS)}")
        where.append(_sla_clause(conn, f.sla, now))
        args += [now] if SLA_FILTERS[f.sla][1] else []
    if f.ticket or f.ticket_type or f.ticket_status:
        where.append(_ticket_clause(f, args))
    if f.sort not in SORTS:
        raise UsageError(f"unknown sort {f.sort!r}: use one of {', '.join(SORTS)}")
    matching = f"FROM conversations WHERE {' AND '.join(where)}"
    sql = f"SELECT rid, {_COLUMNS} {matching} ORDER BY {SORTS[f.sort]}"
    if f.limit is not None:
        sql += f" LIMIT {int(f.limit) + 1}"
    rows = conn.execute(sql, args).fetchall()
    total = _total(conn, rows, f.limit, matching, args)
    rows = rows[: f.limit]
    states = _reply_states(conn, [r[0] for r in rows])  # rid, the first column
    made = tickets(conn, [r[0] for r in rows])
    items = []
    for r in rows:
        item = row_to_item(r, now)
        item["delivery"], item["undelivered"] = states.get(r[0], (None, None))
        item["ticket"] = made.get(r[0])
        items.append(item)
    return _paged(items, total)


def _ticket_clause(f: Filters, args: list[Any]) -> str:
    """Tickets only; of a type and in a ticket status when given (``tickets_by_type``);
    ``unsolved``: neither solved nor closed, what is still to do."""
    where = ["1"]
    if f.ticket_type:
        where.append("type = ?")
        args.append(f.ticket_type)
    if f.ticket_status == "unsolved":
        where.append("status NOT IN ('solved', 'closed')")
    elif f.ticket_status:
        where.append("status = ?")
        args.append(f.ticket_status)
    return f"rid IN (SELECT rid FROM tickets WHERE {' AND '.join(where)})"


def tickets(conn: Connection, rids: list[int]) -> dict[int, dict[str, Any]]:
    """The tickets among these conversations, by rid: what ``list --json`` shows of each
    (``number`` null while it is tentative, model/tickets.py)."""
    found: dict[int, dict[str, Any]] = {}
    for i in range(0, len(rids), 500):
        part = rids[i : i + 500]
        sql = (
            "SELECT rid, number, type, status, fields, made_at FROM tickets "
            f"WHERE rid IN ({', '.join('?' * len(part))})"
        )
        for row in conn.execute(sql, part):
            found[int(row[0])] = {
                "number": row[1],
                "tentative": row[1] is None,
                "type": row[2],
                "status": row[3],
                "fields": json.loads(row[4]),
                "made_at": row[5],
            }
    return found


def _sla_clause(conn: Connection, state: str, now: str) -> str:
    """The filter as SQLite should use it: a few matching rows are read from
    conversations_sla and sorted (20k matching rows sorted cost ~70 ms); many are met
    soon enough walking the sort's index, so the column is hidden from the planner
    (``+``). Counting as far as ``DENSE`` in the partial index costs well under 1 ms."""
    clause, timed = SLA_FILTERS[state]
    if not timed:
        return clause
    sql = f"SELECT count(*) FROM (SELECT 1 FROM conversations WHERE {clause} LIMIT {DENSE})"
    dense = int(conn.execute(sql, (now,)).fetchone()[0]) >= DENSE
    return "+" + clause if dense else clause


def _reply_states(conn: Connection, rids: list[int]) -> dict[int, tuple[str, str | None]]:
    """Per conversation with replies: the newest reply's delivery state, and the most
    pressing of its replies not out (``UNDELIVERED``), if any. Two looks at the
    ``deliveries`` index for the whole page: the newest state of each conversation (the
    row of the greatest ``at``, which SQLite gives with ``max``), and the few replies not
    out (by state). A page of thousands reads the whole index rather than look up each."""
    if not rids:
        return {}
    plain = conn.cursor()
    plain.row_factory = None  # tuples: unpacking 100k Rows costs several times more
    page, args = "", []
    if len(rids) <= WHOLE_INDEX:
        page, args = " AND rid IN (SELECT value FROM json_each(?))", [json.dumps(rids)]
    newest: dict[int, str] = {
        rid: state
        for rid, state, _ in plain.execute(
            f"SELECT rid, state, max(at) FROM deliveries WHERE 1{page} GROUP BY rid", args
        )
    }
    rank = {state: n for n, state in enumerate(UNDELIVERED)}
    pressing: dict[int, str] = {}
    states = ", ".join(f"'{state}'" for state in UNDELIVERED)
    for rid, state in plain.execute(
        f"SELECT rid, state FROM deliveries WHERE state IN ({states}){page}", args
    ):
        if rid not in pressing or rank[state] < rank[pressing[rid]]:
            pressing[rid] = state
    return {rid: (state, pressing.get(rid)) for rid, state in newest.items()}


_TERM = re.compile(r'"[^"]*"|\S+')


def fts_query(text: str) -> str:
    """User words to an FTS5 query: every word must match; "quoted phrases" kept; word* is a prefix.

    Each word is quoted, so punctuation and FTS operators in it are literal.
    """
    parts = []
    for term in _TERM.findall(text):
        prefix = term.endswith("*") and not term.startswith('"')
        word = term.strip('"').rstrip("*").replace('"', '""').strip()
        if word:
            parts.append(f'"{word}"' + ("*" if prefix else ""))
    if not parts:
        raise UsageError("empty search query")
    return " AND ".join(parts)


def search(conn: Connection, text: str, now: str, limit: int | None = 50) -> Page:
    """Conversations matching every word, the most recently started first.

    Not by relevance: ranking scores every match (0.4 s for a word in 100k
    conversations), while FTS5 walks matches in row order and stops at the limit.
    """
    columns = ", ".join(f"conversations.{c.strip()}" for c in _COLUMNS.split(","))
    matching = (
        "FROM search JOIN conversations ON conversations.rid = search.rowid "
        "WHERE search MATCH ? AND conversations.merged_into IS NULL"
    )
    sql = f"SELECT {columns}, conversations.view AS view {matching} ORDER BY search.rowid DESC"
    args: list[Any] = [fts_query(text)]
    if limit is not None:
        sql += f" LIMIT {int(limit) + 1}"
    rows = conn.execute(sql, args).fetchall()
    total = _total(conn, rows, limit, matching, args)
    out = []
    for row in rows[:limit]:
        item = row_to_item(row, now)
        item["snippet"] = _snippet(conn, row["view"], text)
        out.append(item)
    return _paged(out, total)


def related(conn: Connection, words: list[str], but: str, limit: int) -> list[str]:
    """Conversations holding any of ``words``, the best match first (bm25, subject
    weighted twice): what a suggested reply retrieves past answers from. Ranked, unlike
    `search`, since here the best few matter, not the newest; the caller bounds the words."""
    terms = [w.replace('"', '""') for w in words if w.strip()]
    if not terms:
        return []
    rows = conn.execute(
        "SELECT conversations.id FROM search JOIN conversations "
        "ON conversations.rid = search.rowid WHERE search MATCH ? "
        "AND conversations.merged_into IS NULL AND conversations.id != ? "
        "ORDER BY bm25(search, 2.0, 1.0, 0.5) LIMIT ?",
        (" OR ".join(f'"{t}"' for t in terms), but, int(limit)),
    ).fetchall()
    return [str(r[0]) for r in rows]


def stamps(conn: Connection) -> dict[str, str]:
    """Every conversation's id and when it last changed (merged ones and spam left out):
    what a derived table of conversations checks itself against."""
    rows = conn.execute(
        "SELECT id, updated_at FROM conversations WHERE merged_into IS NULL "
        "AND status != 'spam' AND view IS NOT NULL"
    ).fetchall()
    return {str(r[0]): str(r[1] or "") for r in rows}


def _snippet(conn: Connection, blob: bytes | None, query: str) -> str | None:
    from crdt.store.snippets import snippet

    if blob is None:
        return None
    conv = unpack_view(blob, conn)
    texts = [str(conv.get("subject") or "")]
    texts += [str(m.get("body") or "") for m in conv["messages"]]
    texts += [str(n.get("body") or "") for n in conv["notes"]]
    return snippet(texts, query)


def resolve_id(conn: Connection, prefix: str) -> str:
    text = prefix.strip().lower()
    if not ids.is_prefix(text):
        raise NotFoundError(f"no conversation {prefix!r}: ids are hexadecimal")
    rows = conn.execute(
        "SELECT id FROM conversations WHERE id >= ? AND id < ? ORDER BY id LIMIT 11",
        (text, text + "g"),
    ).fetchall()
    if not rows:
        raise NotFoundError(f"no conversation matches {prefix!r}")
    if len(rows) > 1:
        shown = [r[0][: max(len(text) + 2, ids.MIN_PREFIX)] for r in rows]
        raise AmbiguousIdError(prefix, shown)
    return str(rows[0][0])


def short_ids(conn: Connection, full: list[str]) -> dict[str, str]:
    out = {}
    for ident in full:
        before = conn.execute("SELECT max(id) FROM conversations WHERE id < ?", (ident,))
        after = conn.execute("SELECT min(id) FROM conversations WHERE id > ?", (ident,))
        n = ids.short_length(ident, (before.fetchone()[0], after.fetchone()[0]))
        out[ident] = ident[:n]
    return out


def view(conn: Connection, ident: str, now: str | None = None) -> dict[str, Any]:
    row = conn.execute("SELECT view FROM conversations WHERE id = ?", (ident,)).fetchone()
    if row is None:
        raise NotFoundError(f"no conversation {ident}")
    if row["view"] is None:
        raise UnbuiltError(ident)  # Replica.conversation builds what an import queued for it
    found = unpack_view(row["view"], conn)
    found.setdefault("drafts", [])  # a view built before drafts were shared
    return effective(found, now or clock.now_iso())


def labelled(conn: Connection, limit: int) -> list[dict[str, Any]]:
    """The views of the conversations whose labels an agent set, newest first: what triage
    learns from as the workspace grows."""
    rows = conn.execute(
        "SELECT view FROM conversations WHERE labelled = 1 AND view IS NOT NULL "
        "ORDER BY updated_at DESC LIMIT ?",
        (limit,),
    ).fetchall()
    return [unpack_view(row["view"], conn) for row in rows]


def effective(conv: dict[str, Any], now: str) -> dict[str, Any]:
    """Status as of ``now``: a snooze that has ended is gone, one that lasts shows."""
    until = conv.get("snoozed_until")
    if until and until <= now:
        conv["snoozed_until"] = None
    elif until and conv["status"] in ("open", "pending"):
        conv["status"] = "snoozed"
    return conv


def mentions(conn: Connection, agent: str, limit: int | None = None) -> list[dict[str, Any]]:
    sql = (
        "SELECT m.note_id, m.created_at, c.id, c.view FROM mentions m JOIN conversations c "
        "ON c.rid = m.rid WHERE m.agent = ? ORDER BY m.created_at DESC"
    )
    out = []
    for row in conn.execute(sql + (f" LIMIT {int(limit)}" if limit else ""), (agent,)):
        conv = unpack_view(row["view"], conn)
        note = next((n for n in conv["notes"] if n["id"] == row["note_id"]), None)
        if note is not None:
            out.append({"conversation": row["id"], "subject": conv["subject"], **note})
    return out


def drafts(conn: Connection, but: str) -> list[dict[str, Any]]:
    """Replies begun and not sent, by every agent but ``but``, oldest first."""
    rows = conn.execute(
        "SELECT d.agent, d.started_at, c.id, c.subject FROM drafts d "
        "JOIN conversations c ON c.rid = d.rid WHERE d.agent != ? ORDER BY d.started_at, c.id",
        (but,),
    )
    return [
        {"agent": r[0], "started_at": r[1], "conversation": r[2], "subject": r[3]} for r in rows
    ]


def deliveries(conn: Connection, states: tuple[str, ...]) -> list[dict[str, Any]]:
    """Outbound messages in any of these delivery states, the longest waiting first."""
    rows = conn.execute(
        "SELECT c.id, d.message_id, d.state, d.at FROM deliveries d JOIN conversations c "
        f"ON c.rid = d.rid WHERE d.state IN ({', '.join('?' * len(states))}) "
        "ORDER BY d.at, d.message_id",
        states,
    )
    return [{"conversation": r[0], "message": r[1], "state": r[2], "at": r[3]} for r in rows]


def customer_name(conn: Connection, email: str) -> str | None:
    """The name a customer's mail gave them, if any mail did."""
    found = conn.execute("SELECT name FROM customers WHERE email = ?", (email.lower(),)).fetchone()
    return str(found["name"]) if found and found["name"] else None


def customer(conn: Connection, email: str, now: str) -> dict[str, Any]:
    address = email.strip().lower()
    found = conn.execute("SELECT email, name FROM customers WHERE email = ?", (address,)).fetchone()
    rows = conn.execute(
        f"SELECT {_COLUMNS}, view FROM conversations WHERE merged_into IS NULL AND rid IN "
        "(SELECT rid FROM participants WHERE email = ?) ORDER BY created_at",
        (address,),
    ).fetchall()
    if found is None and not rows:
        raise NotFoundError(f"no customer {email!r}")
    timeline = []
    for row in rows:
        if row["view"] is None:  # still being imported
            continue
        conv = unpack_view(row["view"], conn)
        for m in conv["messages"]:
            timeline.append({"conversation": conv["id"], "subject": conv["subject"], **m})
    timeline.sort(key=lambda m: (str(m.get("created_at") or ""), str(m.get("id"))))
    return {
        "email": address,
        "name": found["name"] if found else None,
        "conversations": [row_to_item(r, now) for r in rows],
        "messages": timeline,
    }


def workspace_items(conn: Connection, kind: str) -> dict[str, Any]:
    row = conn.execute("SELECT items FROM workspace WHERE kind = ?", (kind,)).fetchone()
    items: dict[str, Any] = json.loads(row["items"]) if row else {}
    return items


def open_owned(conn: Connection) -> dict[str, int]:
    """Per agent, the open or pending conversations they own: what least-busy weighs."""
    rows = conn.execute(
        "SELECT assignee, count(*) FROM conversations WHERE assignee IS NOT NULL "
        "AND status IN ('open', 'pending') AND merged_into IS NULL GROUP BY assignee"
    )
    return {str(r[0]): int(r[1]) for r in rows}


def sla_items(conn: Connection) -> str:
    """The workspace's SLA policies as the index holds them (JSON text; "{}" for none):
    what a change of them is told by."""
    found = conn.execute("SELECT items FROM workspace WHERE kind = 'slas'").fetchone()
    return str(found[0]) if found else "{}"


def change_number(conn: Connection) -> int:
    """The index's newest change number (``index_changes``, schema.py; 0 when never
    written): one look at the end of its index, whatever the replica's size."""
    return int(conn.execute("SELECT coalesce(max(seq), 0) FROM index_changes").fetchone()[0])


SlaRow = tuple[str, str | None, str | None]  # id, clock facts, next due instant


def sla_running(conn: Connection, until: str) -> list[SlaRow]:
    """Each conversation with a running SLA clock due by ``until`` (along
    conversations_sla): the ones whose warnings and breaches may fall by then."""
    return _sla_rows(
        conn,
        "SELECT id, sla_facts, sla_due FROM conversations WHERE sla_due IS NOT NULL "
        "AND sla_due <= ? AND sla_facts IS NOT NULL",
        (until,),
    )


def sla_since(conn: Connection, seq: int, after: str, until: str) -> list[SlaRow]:
    """The conversations written since change ``seq`` (whatever their clocks now say),
    and those whose next due instant is in (``after``, ``until``]: what a stream that
    looked up to ``after`` at change ``seq`` has not seen."""
    return _sla_rows(
        conn,
        "SELECT c.id, c.sla_facts, c.sla_due FROM index_changes x "
        "JOIN conversations c ON c.id = x.id WHERE x.seq > ? "
        "UNION SELECT id, sla_facts, sla_due FROM conversations "
        "WHERE sla_due > ? AND sla_due <= ? AND sla_facts IS NOT NULL",
        (seq, after, until),
    )


def sla_of(conn: Connection, ids: list[str]) -> list[SlaRow]:
    """The clock columns of these conversations."""
    return _sla_rows(
        conn,
        "SELECT id, sla_facts, sla_due FROM conversations WHERE id IN "
        "(SELECT value FROM json_each(?))",
        (json.dumps(ids),),
    )


def _sla_rows(conn: Connection, sql: str, args: tuple[Any, ...]) -> list[SlaRow]:
    plain = conn.cursor()
    plain.row_factory = None
    return [(str(r[0]), r[1], r[2]) for r in plain.execute(sql, args)]
