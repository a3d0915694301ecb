"""The materialised index: everything derived from documents, kept in the same
transaction as each document change, and rebuilt by ``inbox reindex``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from crdt.model.vocab import DEFAULT_PRIORITY, NOTICES, PRIORITY_RANK, SENTIMENT_RANK
from crdt.store import schema
from crdt.store.compression import Dictionary, compress, decompress
from crdt.store.sqlite import Connection

if TYPE_CHECKING:
    from crdt.workflow import sla


def pack_view(
    view: dict[str, Any], bulk: bool = False, dictionary: Dictionary | None = None
) -> bytes:
    """A view as the index stores it: JSON with sorted keys, compressed (with the
    replica's view dictionary when it has one, ``compression.newest_dictionary``)."""
    return compress(view_json(view, bulk), dictionary)


def view_json(view: dict[str, Any], bulk: bool = False) -> bytes:
    """``bulk`` (a worker building thousands) encodes with orjson: the same bytes (views
    hold no floats) in a fifth of the time; a command that changes one conversation
    keeps the standard library, since loading orjson (~40 ms) costs more than it would
    save there."""
    if bulk:
        import orjson

        return orjson.dumps(view, option=orjson.OPT_SORT_KEYS)
    return json.dumps(view, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def unpack_view(blob: bytes, conn: Connection | None = None) -> dict[str, Any]:
    """``conn``: the replica the view was read from, whose dictionary it may need."""
    value: dict[str, Any] = json.loads(decompress(blob, conn))
    return value


def train_dictionaries(conn: Connection) -> None:
    """Train the replica's dictionaries for views and snapshots from the records it holds,
    once: at its first import big enough, or a reindex (``compression.train_dictionary``), inside
    the caller's transaction. A replica with too few records keeps LZ4 for now."""
    from crdt.store.compression import (
        TRAIN_SAMPLES,
        newest_dictionary,
        train_dictionary,
        unpack_snapshot,
    )

    if newest_dictionary(conn, "view") or newest_dictionary(conn, "snapshot"):
        return
    views = conn.execute(
        "SELECT view FROM conversations WHERE view IS NOT NULL ORDER BY rid LIMIT ?",
        (TRAIN_SAMPLES,),
    ).fetchall()
    snapshots = conn.execute(
        "SELECT snapshot FROM docs WHERE name >= 'c:' AND name < 'c;' "
        "AND snapshot IS NOT NULL ORDER BY rowid LIMIT ?",
        (TRAIN_SAMPLES,),
    ).fetchall()
    train_dictionary(conn, "view", [decompress(r[0], conn) for r in views])
    train_dictionary(conn, "snapshot", [unpack_snapshot(r[0], conn) for r in snapshots])


def _fts_text(view: dict[str, Any]) -> tuple[str, str, str]:
    """What search indexes: subject, message bodies without their quoted history (each
    earlier message is indexed as itself), and notes."""
    body = "\n".join(_unquoted(str(m.get("body") or "")) for m in view["messages"])
    notes = "\n".join(str(n.get("body") or "") for n in view["notes"])
    return str(view.get("subject") or ""), body, notes


def _unquoted(body: str) -> str:
    """Without lines that start with ">". Most mail has none, so it is taken as it is:
    the same words in the same order as split lines joined again, so the full-text
    index (which deletes by the words it was given) cannot tell the two apart."""
    if ">" not in body:
        return body
    return "\n".join([line for line in body.splitlines() if line[:1] != ">"])


def participants_json(emails: Iterable[str]) -> str:
    """A look-up row's ``participants``: everyone a mail was between, as the threader
    reads them back (a sorted JSON list)."""
    return json.dumps(sorted(set(emails)))


def subject_key(subject: str) -> str:
    from crdt.mail.subjects import normalize_subject

    return normalize_subject(subject)


class Rows(NamedTuple):
    """Everything the index holds of one conversation, made outside the write lock (in a
    worker, for a bulk import or sync) so that the part under the lock is SQL only."""

    id: str
    values: dict[str, Any]  # its row of ``conversations``, without the rid
    text: tuple[str, str, str]  # what search indexes
    tags: list[str]
    people: set[str]
    customer: tuple[str, str | None] | None
    mentions: list[tuple[str, str, str | None]]  # agent, note id, when
    drafts: list[tuple[str, str]]  # agent, when their reply was begun
    deliveries: list[tuple[str, str, str | None]]  # outbound message id, state, since
    # per message: id, content key, direction, from, everyone it was between (JSON once
    # written: most of an import's rows are written while threading), kind, parent
    mail: list[tuple[str, str | None, str | None, str | None, tuple[str, ...], str, str | None]]
    roots: list[tuple[str, str | None]]  # thread index roots and who sent them
    ticket: tuple[int | None, str, str, str, str] | None = None  # number, type, status,
    # fields (JSON), when it was made


def rows(view: dict[str, Any], packed: bytes | None = None) -> Rows:
    """``packed`` is ``pack_view(view)`` when it was made already."""
    mail = [
        (
            m["message_id"],
            m.get("content_key"),
            m.get("direction"),
            m.get("from"),
            (m.get("from") or "", *m.get("to", []), *m.get("cc", [])),
            m.get("kind") or "message",
            (m.get("in_reply_to") or [None])[0],
        )
        for m in view["messages"]
        if m.get("message_id")
    ]
    mail += _sent_here(view["messages"], view["customer"])
    roots = [
        (m["thread_index"], m.get("from"))
        for m in view["messages"]
        if m.get("thread_index") and m.get("kind") not in NOTICES
    ]
    return Rows(
        view["id"],
        _row_values(view, packed),
        _fts_text(view),
        list(view["tags"]),
        _participants(view),
        (view["customer"], view["customer_name"]) if view["customer"] else None,
        [(a, n["id"], n["created_at"]) for n in view["notes"] for a in n.get("mentions", [])],
        [(d["agent"], d["started_at"]) for d in view.get("drafts", [])],
        [
            (str(m["id"]), str(m["delivery"]), m.get("delivery_at") or m.get("created_at"))
            for m in view["messages"]
            if m.get("direction") == "out" and m.get("delivery") and m.get("id")
        ],
        mail,
        roots,
        _ticket(view.get("ticket")),
    )


def _ticket(ticket: dict[str, Any] | None) -> tuple[int | None, str, str, str, str] | None:
    if not ticket:
        return None
    fields = json.dumps(ticket["fields"], ensure_ascii=False, sort_keys=True)
    return (ticket["number"], ticket["type"], ticket["status"], fields, ticket["made_at"])


MailRow = tuple[str, str | None, str | None, str | None, tuple[str, ...], str, str | None]


def _sent_here(messages: list[dict[str, Any]], customer: str | None = None) -> list[MailRow]:
    """Look-up rows of the replies written here, under the Message-ID their email has
    (``compose.message_id_for``): a customer's answer to one threads by it, and the copy
    a mail server files in Sent is known for the reply it is (``threads.SENT_HERE``).
    A chat reply has one once the relay handed it to email (``compose.as_emailed``)."""
    replies = [m for m in messages if m.get("author") and m.get("direction") == "out"]
    if not replies:
        return []
    from crdt.mail.compose import as_emailed, message_id_for
    from crdt.mail.threads import SENT_HERE

    rows: list[MailRow] = []
    for m in replies:
        if m.get("channel") == "chat":
            if not m.get("delivery_via"):
                continue
            m = dict(as_emailed(m, {"customer": customer}))
        if m.get("message_id") or not m.get("from"):
            continue
        try:
            ident = message_id_for(str(m["id"]), str(m["from"]))
        except ValueError:  # no address to make one at
            continue
        people = (str(m["from"]), *m.get("to", []), *(m.get("cc") or []))
        rows.append((ident, SENT_HERE, "out", m.get("from"), people, "message", _first(m)))
    return rows


def _first(message: dict[str, Any]) -> str | None:
    parents = message.get("in_reply_to") or []
    return str(parents[0]) if parents else None


def write_conversation(conn: Connection, view: dict[str, Any], packed: bytes | None = None) -> int:
    """Replace everything derived from one conversation; returns its row id."""
    if packed is None:
        from crdt.store.compression import newest_dictionary

        packed = pack_view(view, dictionary=newest_dictionary(conn, "view"))
    return write_conversations(conn, [rows(view, packed)])[0]


def write_conversations(conn: Connection, items: list[Rows]) -> list[int]:
    """Replace everything derived from these conversations (each once); returns their
    row ids. A few statements for all of them: one each costs ~10 us of Python."""
    if not items:
        return []
    if len({r.id for r in items}) < len(items):
        return [rid for r in items for rid in write_conversations(conn, [r])]
    _timed(conn, items)
    found = _existing(conn, [r.id for r in items])
    top = int(conn.execute("SELECT coalesce(max(rid), 0) FROM conversations").fetchone()[0])
    rids, fresh, changed, stale = [], [], [], []
    for r in items:
        if r.id in found:
            rid, old = found[r.id]
            changed.append([*r.values.values(), rid])
            if old is not None:
                stale.append((rid, *_fts_text(unpack_view(old, conn))))
        else:
            top += 1
            rid = top
            fresh.append([rid, *r.values.values()])
        rids.append(rid)
    columns = list(items[0].values)
    if stale:
        conn.executemany(
            "INSERT INTO search(search, rowid, subject, body, notes) VALUES ('delete', ?, ?, ?, ?)",
            stale,
        )
    if changed:
        conn.executemany(
            f"UPDATE conversations SET {', '.join(f'{k} = ?' for k in columns)} WHERE rid = ?",
            changed,
        )
        children = ("conversation_tags", "participants", "mentions", "drafts", "deliveries")
        for table in (*children, "tickets"):
            conn.executemany(f"DELETE FROM {table} WHERE rid = ?", [(c[-1],) for c in changed])
    if fresh:
        conn.executemany(
            f"INSERT INTO conversations(rid, {', '.join(columns)}) "
            f"VALUES ({', '.join('?' * (len(columns) + 1))})",
            fresh,
        )
    conn.executemany(
        "INSERT INTO search(rowid, subject, body, notes) VALUES (?, ?, ?, ?)",
        [(rid, *r.text) for rid, r in zip(rids, items, strict=True)],
    )
    _write_children(conn, list(zip(rids, items, strict=True)), [c[-1] for c in changed])
    number_changes(conn, [r.id for r in items])
    return rids


def number_changes(conn: Connection, ids: list[str]) -> None:
    """The next change numbers (``index_changes``) for these conversations, whose rows
    were just written or are about to be removed, in the caller's transaction: what is
    derived from the index (the analytics file) compares the newest number with its own.
    One statement for a batch: a trigger per row cost an import a third of its time."""
    top = int(conn.execute("SELECT coalesce(max(seq), 0) FROM index_changes").fetchone()[0])
    conn.executemany(
        "INSERT OR REPLACE INTO index_changes VALUES (?, ?)",
        [(ident, top + n) for n, ident in enumerate(ids, 1)],
    )


def _existing(conn: Connection, ids: list[str]) -> dict[str, tuple[int, bytes | None]]:
    found: dict[str, tuple[int, bytes | None]] = {}
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        for row in conn.execute(
            f"SELECT id, rid, view FROM conversations WHERE id IN ({', '.join('?' * len(part))})",
            part,
        ):
            found[str(row[0])] = (int(row[1]), row[2])
    return found


def stub_conversation(conn: Connection, fields: dict[str, Any]) -> int | None:
    """A row for a conversation whose full index row comes later (when a bulk import
    builds it from its queue), enough for threading and `list`; its row id, or None
    when the conversation has a row already."""
    values = {
        "status": "open",
        "channel": "email",
        **fields,
        "subject_key": subject_key(fields.get("subject") or ""),
    }
    cur = conn.execute(
        f"INSERT OR IGNORE INTO conversations({', '.join(values)}) "
        f"VALUES ({', '.join('?' * len(values))})",
        list(values.values()),
    )
    return int(cur.lastrowid or 0) if cur.rowcount == 1 else None


def priority_rank(priority: str, sentiment: str | None) -> int:
    """The priority sort's key: urgent before high ..., and within one priority the angry
    first (negative, then neutral or unknown, then positive)."""
    rank = PRIORITY_RANK.get(priority, PRIORITY_RANK[DEFAULT_PRIORITY])
    return rank * 3 + SENTIMENT_RANK.get(sentiment or "neutral", 1)


def _row_values(view: dict[str, Any], packed: bytes | None = None) -> dict[str, Any]:
    from crdt.workflow import sla

    return {
        "id": view["id"],
        "status": view["status"],
        "assignee": view["assignee"],
        "tentative": int(bool(view["assignee_tentative"] and view["assignee"])),
        "mailbox": view["mailbox"],
        "channel": view["channel"],
        "customer": view["customer"],
        "customer_name": view["customer_name"],
        "subject": view["subject"],
        "subject_key": subject_key(view["subject"] or ""),
        "priority": view["priority"],
        "priority_rank": priority_rank(view["priority"], view["sentiment"]),
        "sentiment": view["sentiment"],
        "category": view["category"],
        "labelled": int("agent" in view["labels_set_by"].values()),
        "snooze_until": view["snoozed_until"],
        "merged_into": view["merged_into"],
        "created_at": view["created_at"],
        "updated_at": view["updated_at"],
        "last_inbound_at": view["last_inbound_at"],
        "last_outbound_at": view["last_outbound_at"],
        "message_count": view["message_count"],
        "tags": json.dumps(view["tags"]),
        "view": packed if packed is not None else pack_view(view),
        "sla_facts": json.dumps(sla.facts_json(sla.facts(view)), separators=(",", ":")),
        **dict.fromkeys(SLA_COLUMNS),  # when written: they need the workspace's policies
    }


SLA_COLUMNS = ("sla_policy", "sla_due", "sla_warn", "sla_done")


def _policies(conn: Connection) -> tuple[dict[str, sla.Policy], str | None]:
    from crdt.workflow import sla

    found = conn.execute("SELECT items FROM workspace WHERE kind = 'slas'").fetchone()
    return sla.policies(json.loads(found[0]) if found else {})


def _clocks(facts_text: str, policies: tuple[dict[str, sla.Policy], str | None]) -> sla.Summary:
    from crdt.workflow import sla

    f = sla.facts_from_json(json.loads(facts_text))
    return sla.summary(f, sla.chosen(f, *policies))


def _timed(conn: Connection, items: list[Rows]) -> None:
    """Each row's SLA columns from its facts and the workspace's policies (none: no cost
    beyond one look at the workspace table)."""
    policies = _policies(conn)
    if not policies[0]:
        return
    for r in items:
        r.values.update(zip(SLA_COLUMNS, _clocks(r.values["sla_facts"], policies), strict=True))


def retime(conn: Connection) -> int:
    """Every conversation's SLA columns again, after a policy changed; a row indexed
    before the clocks were (schema 9) gets its facts from its view. Returns how many rows
    changed."""
    from crdt.workflow import sla

    policies = _policies(conn)
    changed = []
    for rid, text, blob, *old in conn.execute(
        "SELECT rid, sla_facts, view, sla_policy, sla_due, sla_warn, sla_done "
        "FROM conversations WHERE view IS NOT NULL"
    ).fetchall():
        missing = text is None
        if missing:
            facts = sla.facts_json(sla.facts(unpack_view(blob, conn)))
            text = json.dumps(facts, separators=(",", ":"))
        new = _clocks(text, policies) if policies[0] else sla.Summary(None, None, None, None)
        if list(new) != old or missing:
            changed.append((*new, text, rid))
    conn.executemany(
        f"UPDATE conversations SET {', '.join(f'{c} = ?' for c in SLA_COLUMNS)}, sla_facts = ? "
        "WHERE rid = ?",
        changed,
    )
    return len(changed)


def _write_children(conn: Connection, written: list[tuple[int, Rows]], old: list[int]) -> None:
    """The rows that hang off each conversation; ``old``: the rids that existed before."""
    conn.executemany(
        "INSERT OR IGNORE INTO conversation_tags VALUES (?, ?)",
        [(rid, t) for rid, r in written for t in r.tags],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO participants VALUES (?, ?)",
        [(rid, e) for rid, r in written for e in r.people],
    )
    conn.executemany(
        "INSERT INTO customers VALUES (?, ?) ON CONFLICT(email) DO UPDATE SET "
        "name = coalesce(excluded.name, name)",
        [r.customer for _, r in written if r.customer],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO mentions VALUES (?, ?, ?, ?)",
        [(a, note, rid, at) for rid, r in written for a, note, at in r.mentions],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO drafts VALUES (?, ?, ?)",
        [(rid, agent, at) for rid, r in written for agent, at in r.drafts],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?)",
        [(rid, *d) for rid, r in written for d in r.deliveries],
    )
    conn.executemany(
        "INSERT OR REPLACE INTO tickets VALUES (?, ?, ?, ?, ?, ?)",
        [(rid, *r.ticket) for rid, r in written if r.ticket],
    )
    have = _mail_ids(conn, old)
    conn.executemany(
        "INSERT INTO mail_ids VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (m[0], rid, m[1], m[2], m[3], participants_json(m[4]), m[5], m[6])
            for rid, r in written
            for m in r.mail
            if (rid, m[0], m[1]) not in have
        ],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO thread_roots VALUES (?, ?, ?)",
        [(root, rid, who) for rid, r in written for root, who in r.roots],
    )


def _mail_ids(conn: Connection, rids: list[int]) -> set[tuple[int, str, str | None]]:
    """Look-up rows of mail that exist: messages are immutable and never leave a
    conversation, and a bulk import wrote most of them while threading."""
    have: set[tuple[int, str, str | None]] = set()
    for i in range(0, len(rids), 500):
        part = rids[i : i + 500]
        have.update(
            (int(r[0]), str(r[1]), r[2])
            for r in conn.execute(
                "SELECT rid, message_id, content_key FROM mail_ids "
                f"WHERE rid IN ({', '.join('?' * len(part))})",
                part,
            )
        )
    return have


def _participants(view: dict[str, Any]) -> set[str]:
    people = {view["customer"]} if view["customer"] else set()
    for m in view["messages"]:
        if m.get("kind") in NOTICES:
            continue
        if m.get("direction") == "in" and m.get("from"):
            people.add(str(m["from"]))
    return people


def write_workspace(conn: Connection, kind: str, items: dict[str, Any]) -> None:
    """A workspace document's items; the SLA policies' change retimes every conversation."""
    text = json.dumps(items, ensure_ascii=False)
    before = conn.execute("SELECT items FROM workspace WHERE kind = ?", (kind,)).fetchone()
    conn.execute("INSERT OR REPLACE INTO workspace VALUES (?, ?)", (kind, text))
    if kind == "slas" and (before[0] if before else "{}") != text:
        retime(conn)


def clear(conn: Connection) -> None:
    """Every derived table emptied (a reindex writes them again); each conversation's
    removal numbered first, as a change, so a row that does not come back is seen gone."""
    conn.execute(
        "INSERT OR REPLACE INTO index_changes SELECT id, rid + "
        "(SELECT coalesce(max(seq), 0) FROM index_changes) FROM conversations"
    )
    for table in schema.DERIVED:
        if table == "search":
            conn.execute("INSERT INTO search(search) VALUES ('delete-all')")
        else:
            conn.execute(f"DELETE FROM {table}")
