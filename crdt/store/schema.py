"""The replica file's tables, and the steps that bring an older replica up to them.

Source of truth
    meta            key/value: format marker, schema, workspace, agent, relay URL, cursor
    docs            per document: compacted snapshot (replayed, then encoded)
    updates         per-document update log since the snapshot
    outbox          documents with local changes a relay has not yet acknowledged
    synced          per document, the state vector the relay last acknowledged
    presence        teammates' presence as the sync process last heard it
    doing           what this agent is doing (viewing, typing), for the sync process to tell
    notices         news for the agent's next command (a tentative claim that lost)
    staged          unused since schema 4: a run of the relay's log an older sync kept
    dictionaries    zstd dictionaries trained on this replica's own views and snapshots
    import_queue    mail an import has threaded but not built into its document yet
    early_bounces   unused since 2026-12-06: a bounce marks its mail in the view (bounces.py)
    import_merges   merges an import decided and has still to make
    waiting_notices notices (auto-replies, bounces) that came before what they answer,
    waiting_for     ... and the Message-IDs each waits for

Derived (``DERIVED``: cleared and rebuilt by ``inbox reindex``)
    conversations   the materialised index, one row per conversation (+ its packed view)
    conversation_tags, participants, customers, mentions, drafts (replies begun and
    not sent, by agent: `inbox who`), deliveries (each outbound message's delivery
    state: what the mail gateway sends), tickets (a ticket's number, type, status and
    fields: `inbox ticket list`), mail_ids, thread_roots, workspace, search (FTS5)

Kept beside the index (not cleared by a reindex, whose writes it records)
    index_changes   per conversation id, the sequence number of the index's latest write
                    of its row (written, or removed), numbered by the index in the same
                    transaction as the write (``index.number_changes``): the newest number
                    says whether anything changed since a number was read (the analytics
                    file's freshness, crdt/analytics/table.py), the ids past it what did
"""

from __future__ import annotations

APPLICATION_ID = 0x696E6278  # "inbx"
SCHEMA_VERSION = 11
FORMAT = "inbox-replica"

BASE = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE docs(name TEXT PRIMARY KEY, snapshot BLOB, pending INTEGER NOT NULL DEFAULT 0);
CREATE TABLE updates(seq INTEGER PRIMARY KEY, doc TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX updates_by_doc ON updates(doc, seq);
CREATE TABLE outbox(doc TEXT PRIMARY KEY, changes INTEGER NOT NULL DEFAULT 1) WITHOUT ROWID;
CREATE TABLE synced(doc TEXT PRIMARY KEY, state BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE presence(client INTEGER PRIMARY KEY, agent TEXT NOT NULL, state TEXT NOT NULL,
    seen_at TEXT NOT NULL);
CREATE TABLE doing(what TEXT PRIMARY KEY, conversation TEXT, since TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE notices(seq INTEGER PRIMARY KEY, text TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE staged(seq INTEGER PRIMARY KEY, doc TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX staged_by_doc ON staged(doc, seq);
CREATE TABLE dictionaries(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, data BLOB NOT NULL);
"""


CHANGES = (
    "CREATE TABLE IF NOT EXISTS index_changes(id TEXT PRIMARY KEY, seq INTEGER NOT NULL) "
    "WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS index_changes_by_seq ON index_changes(seq)",
)

INDEX = """
CREATE TABLE conversations(
    rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, status TEXT NOT NULL,
    assignee TEXT, tentative INTEGER NOT NULL DEFAULT 0, mailbox TEXT, channel TEXT,
    customer TEXT, customer_name TEXT, subject TEXT, subject_key TEXT, priority TEXT,
    priority_rank INTEGER, sentiment TEXT, category TEXT, labelled INTEGER NOT NULL DEFAULT 0,
    snooze_until TEXT, merged_into TEXT,
    created_at TEXT, updated_at TEXT, last_inbound_at TEXT, last_outbound_at TEXT,
    message_count INTEGER NOT NULL DEFAULT 0, tags TEXT NOT NULL DEFAULT '[]',
    sla_policy TEXT, sla_due TEXT, sla_warn TEXT, sla_done TEXT, sla_facts TEXT, view BLOB);
CREATE INDEX conversations_updated ON conversations(updated_at, id);
CREATE INDEX conversations_created ON conversations(created_at, id);
CREATE INDEX conversations_assignee ON conversations(assignee, updated_at, id);
CREATE INDEX conversations_priority ON conversations(priority_rank, updated_at DESC, id DESC);
CREATE INDEX conversations_labelled ON conversations(labelled, updated_at) WHERE labelled = 1;
CREATE INDEX conversations_due ON conversations(sla_due IS NULL, coalesce(sla_due,
    snooze_until, last_inbound_at, created_at), id);
CREATE INDEX conversations_sla ON conversations(sla_due) WHERE sla_due IS NOT NULL;
CREATE INDEX conversations_customer ON conversations(customer, subject_key);
CREATE TABLE conversation_tags(rid INTEGER NOT NULL, tag TEXT NOT NULL,
    PRIMARY KEY(rid, tag)) WITHOUT ROWID;
CREATE INDEX conversation_tags_by_tag ON conversation_tags(tag, rid);
CREATE TABLE participants(rid INTEGER NOT NULL, email TEXT NOT NULL,
    PRIMARY KEY(rid, email)) WITHOUT ROWID;
CREATE INDEX participants_by_email ON participants(email, rid);
CREATE TABLE customers(email TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID;
CREATE TABLE mentions(agent TEXT NOT NULL, note_id TEXT NOT NULL, rid INTEGER NOT NULL,
    created_at TEXT, PRIMARY KEY(agent, note_id)) WITHOUT ROWID;
CREATE INDEX mentions_by_rid ON mentions(rid);
CREATE TABLE drafts(rid INTEGER NOT NULL, agent TEXT NOT NULL, started_at TEXT NOT NULL,
    PRIMARY KEY(rid, agent)) WITHOUT ROWID;
CREATE TABLE deliveries(rid INTEGER NOT NULL, message_id TEXT NOT NULL, state TEXT NOT NULL,
    at TEXT, PRIMARY KEY(rid, message_id)) WITHOUT ROWID;
CREATE INDEX deliveries_by_state ON deliveries(state, at);
CREATE TABLE tickets(rid INTEGER PRIMARY KEY, number INTEGER, type TEXT NOT NULL,
    status TEXT NOT NULL, fields TEXT NOT NULL DEFAULT '{}', made_at TEXT NOT NULL);
CREATE INDEX tickets_by_type ON tickets(type, status);
CREATE TABLE mail_ids(message_id TEXT NOT NULL, rid INTEGER NOT NULL, content_key TEXT,
    direction TEXT, from_email TEXT, participants TEXT, kind TEXT, in_reply_to TEXT);
CREATE INDEX mail_ids_by_id ON mail_ids(message_id);
CREATE INDEX mail_ids_by_parent ON mail_ids(in_reply_to) WHERE in_reply_to IS NOT NULL;
CREATE INDEX mail_ids_by_rid ON mail_ids(rid);
CREATE TABLE thread_roots(root TEXT NOT NULL, rid INTEGER NOT NULL, from_email TEXT,
    PRIMARY KEY(root, rid)) WITHOUT ROWID;
CREATE INDEX thread_roots_by_rid ON thread_roots(rid);
CREATE TABLE workspace(kind TEXT PRIMARY KEY, items TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE import_queue(seq INTEGER PRIMARY KEY, conversation TEXT NOT NULL,
    action TEXT NOT NULL, direction TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL,
    message TEXT NOT NULL, extra TEXT);
CREATE INDEX import_queue_by_conversation ON import_queue(conversation, seq);
CREATE TABLE early_bounces(message_id TEXT PRIMARY KEY, status TEXT, at TEXT) WITHOUT ROWID;
CREATE TABLE import_merges(source TEXT NOT NULL, target TEXT NOT NULL,
    PRIMARY KEY(source, target)) WITHOUT ROWID;
CREATE TABLE waiting_notices(seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL,
    content_key TEXT NOT NULL, direction TEXT NOT NULL, from_email TEXT,
    participants TEXT NOT NULL, kind TEXT NOT NULL, in_reply_to TEXT, who TEXT NOT NULL,
    at TEXT NOT NULL, message TEXT NOT NULL);
CREATE UNIQUE INDEX waiting_notices_by_mail ON waiting_notices(message_id, content_key);
CREATE TABLE waiting_for(message_id TEXT NOT NULL, notice INTEGER NOT NULL,
    rank INTEGER NOT NULL, PRIMARY KEY(message_id, notice)) WITHOUT ROWID;
CREATE INDEX waiting_for_by_notice ON waiting_for(notice);
CREATE VIRTUAL TABLE search USING fts5(subject, body, notes, content='',
    tokenize='unicode61 remove_diacritics 2');
"""

SCHEMA = BASE + INDEX + "".join(f"{c};\n" for c in CHANGES)

DERIVED = (
    "conversations",
    "conversation_tags",
    "participants",
    "customers",
    "mentions",
    "drafts",
    "deliveries",
    "tickets",
    "mail_ids",
    "thread_roots",
    "workspace",
    "search",
)

# the columns of conversations before schema 9, in their order there
_COLUMNS_8 = (
    "rid, id, status, assignee, tentative, mailbox, channel, customer, customer_name, subject, "
    "subject_key, priority, priority_rank, sentiment, category, labelled, snooze_until, "
    "merged_into, created_at, updated_at, last_inbound_at, last_outbound_at, message_count, "
    "tags, view"
)


def _rebuilt_conversations() -> tuple[str, ...]:
    """The conversations table made again in this schema's column order, its rows (and
    row ids, which the search index and the tables beside it name) kept: ALTER TABLE
    would add the new columns after the view, and a `list` reading them would then walk
    each row's overflow pages past the view."""
    statements = [" ".join(s.split()) for s in INDEX.split(";") if s.strip()]
    table = next(s for s in statements if s.startswith("CREATE TABLE conversations("))
    indexes = [s for s in statements if s.startswith("CREATE INDEX conversations_")]
    return (
        table.replace("CREATE TABLE conversations(", "CREATE TABLE conversations_9(", 1),
        f"INSERT INTO conversations_9({_COLUMNS_8}) SELECT {_COLUMNS_8} FROM conversations",
        "DROP TABLE conversations",
        "ALTER TABLE conversations_9 RENAME TO conversations",
        *indexes,
    )


# Each step brings a replica of the schema before it up to the next. A (table, column,
# type) adds that column where it is missing (SQLite has no ADD COLUMN IF NOT EXISTS).
Step = str | tuple[str, str, str]
MIGRATIONS: dict[int, tuple[Step, ...]] = {
    1: (
        "ALTER TABLE outbox ADD COLUMN changes INTEGER NOT NULL DEFAULT 1",
        "CREATE TABLE synced(doc TEXT PRIMARY KEY, state BLOB NOT NULL) WITHOUT ROWID",
        "CREATE TABLE presence(client INTEGER PRIMARY KEY, agent TEXT NOT NULL, "
        "state TEXT NOT NULL, seen_at TEXT NOT NULL)",
        "CREATE TABLE doing(what TEXT PRIMARY KEY, conversation TEXT, since TEXT NOT NULL) "
        "WITHOUT ROWID",
    ),
    2: ("CREATE TABLE notices(seq INTEGER PRIMARY KEY, text TEXT NOT NULL, at TEXT NOT NULL)",),
    3: (
        "CREATE TABLE staged(seq INTEGER PRIMARY KEY, doc TEXT NOT NULL, data BLOB NOT NULL)",
        "CREATE INDEX staged_by_doc ON staged(doc, seq)",
    ),
    4: (
        "CREATE TABLE IF NOT EXISTS import_merges(source TEXT NOT NULL, target TEXT NOT NULL, "
        "PRIMARY KEY(source, target)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS waiting_notices(seq INTEGER PRIMARY KEY, "
        "message_id TEXT NOT NULL, content_key TEXT NOT NULL, direction TEXT NOT NULL, "
        "from_email TEXT, participants TEXT NOT NULL, kind TEXT NOT NULL, in_reply_to TEXT, "
        "who TEXT NOT NULL, at TEXT NOT NULL, message TEXT NOT NULL)",
        "CREATE UNIQUE INDEX IF NOT EXISTS waiting_notices_by_mail "
        "ON waiting_notices(message_id, content_key)",
        "CREATE TABLE IF NOT EXISTS waiting_for(message_id TEXT NOT NULL, "
        "notice INTEGER NOT NULL, rank INTEGER NOT NULL, PRIMARY KEY(message_id, notice)) "
        "WITHOUT ROWID",
        "CREATE INDEX IF NOT EXISTS waiting_for_by_notice ON waiting_for(notice)",
    ),
    5: (
        "CREATE TABLE dictionaries(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, data BLOB NOT NULL)",
    ),
    # a draft shared before this step is listed by `who` once its conversation changes
    # again, or after `inbox reindex`; `show` has it in the view already. Replies queued
    # before it are indexed for sending likewise.
    6: (
        "CREATE TABLE IF NOT EXISTS drafts(rid INTEGER NOT NULL, agent TEXT NOT NULL, "
        "started_at TEXT NOT NULL, PRIMARY KEY(rid, agent)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS deliveries(rid INTEGER NOT NULL, message_id TEXT NOT NULL, "
        "state TEXT NOT NULL, at TEXT, PRIMARY KEY(rid, message_id)) WITHOUT ROWID",
        "CREATE INDEX IF NOT EXISTS deliveries_by_state ON deliveries(state, at)",
        # every sort of `list` read from an index, its tie-break included (queries.SORTS):
        # a 50-row page of 100k took ~0.3 s sorting the whole table (~1 s to build them)
        "DROP INDEX IF EXISTS conversations_updated",
        "DROP INDEX IF EXISTS conversations_created",
        "DROP INDEX IF EXISTS conversations_assignee",
        "CREATE INDEX IF NOT EXISTS conversations_updated ON conversations(updated_at, id)",
        "CREATE INDEX IF NOT EXISTS conversations_created ON conversations(created_at, id)",
        "CREATE INDEX IF NOT EXISTS conversations_assignee ON conversations(assignee, "
        "updated_at, id)",
        "CREATE INDEX IF NOT EXISTS conversations_priority ON conversations(priority_rank, "
        "updated_at DESC, id DESC)",
        "CREATE INDEX IF NOT EXISTS conversations_due ON conversations(coalesce(snooze_until, "
        "last_inbound_at, created_at), id)",
    ),
    # triage's labels: a category column, whether an agent set any label (triage learns
    # from those), and the priority sort ranks the angry first within a priority
    # (index.priority_rank); the rows already there are ranked the same way here
    7: (
        ("conversations", "category", "TEXT"),
        ("conversations", "labelled", "INTEGER NOT NULL DEFAULT 0"),
        "CREATE INDEX IF NOT EXISTS conversations_labelled ON conversations(labelled, "
        "updated_at) WHERE labelled = 1",
        "UPDATE conversations SET priority_rank = priority_rank * 3 + CASE sentiment "
        "WHEN 'negative' THEN 0 WHEN 'positive' THEN 2 ELSE 1 END",
    ),
    # SLA clocks (workflow/sla.py): the policy that applies, the next due instant and its
    # warning, whether every target was met, and what the clocks read of the conversation
    # (so a policy's change recomputes rows without their views); `--sort due` puts the
    # SLA due first. Rows there already get them when a policy is saved (or a reindex).
    8: _rebuilt_conversations(),
    # tickets (model/tickets.py): none was made before this step, so there is nothing to fill
    9: (
        "CREATE TABLE IF NOT EXISTS tickets(rid INTEGER PRIMARY KEY, number INTEGER, "
        "type TEXT NOT NULL, status TEXT NOT NULL, fields TEXT NOT NULL DEFAULT '{}', "
        "made_at TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS tickets_by_type ON tickets(type, status)",
    ),
    # the index's change sequence (index_changes): the rows there now are numbered by row
    # id; the analytics file built before it (layout 1) is built once again, then in steps
    10: (*CHANGES, "INSERT OR IGNORE INTO index_changes SELECT id, rid FROM conversations"),
}
