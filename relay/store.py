"""The relay's store: one SQLite file holding a workspace's ordered log and its tokens.

Tables
    meta    key/value: format marker, schema, workspace name and id, and the last ticket
            number given (``ticket_number``: model/tickets.py; numbers start at 1)
    log     every accepted change, in the order the relay accepted it (``seq``): the
            cursor a replica keeps is a position in this log
    writes  which token sent each change (``seq`` of the log; kept when compaction folds
            the log): every change is tied to its token
    tokens  per-agent access: an id, the SHA-256 of the secret, the agent, its role
            (admin, agent or viewer: model/admission.py), when it was made and revoked,
            and when the relay last admitted a socket with it (``last_used_at``)
    mailboxes      the shared addresses the mail gateway reads and sends from: their IMAP
            and SMTP servers, the login, and how to get its secret (a command or a file:
            never the secret itself), with the gateway's state of each (idle, syncing,
            error and why). Only here: no replica ever holds any of it.
    mail_folders   per mailbox and folder, how far the gateway has read (UIDVALIDITY,
            the last UID taken, CONDSTORE's HIGHESTMODSEQ)
    sent    the outbound ledger: each reply the gateway handed to SMTP, by the reply's id:
            its Message-ID, state (sending, sent, retrying, failed), attempts, when to try
            again, the server's last answer. "sending" is written before the SMTP
            transaction begins, so a crash leaves a reply that may have gone marked so.
            ``copy``: the bytes sent, kept from "sending" until the gateway has filed
            them in the mailbox's Sent folder (``filed``: when), for a mailbox whose
            server files nothing itself (settings ``sent_copy`` append).
    notifiers      where events are told (``inbox notify add``): Slack incoming webhooks
            (the file holding the webhook's URL, itself a secret) and signed webhooks
            (the URL, the file holding the signing secret), and which kinds of event
    notifications  the delivery ledger: one row per event and notifier, with the body
            to send, its state (pending, retrying, sent, failed), attempts, when to try
            again and the receiver's last answer (relay/notify/ledger.py)
    chat_origins   the sites allowed to embed the website chat widget (``inbox chat
            origins add``): a visitor's socket from any other Origin is refused. The key
            that signs visitors' session tokens is in ``meta`` (``chat_key``), made on
            first use; it never leaves the relay's host. The chat's settings (away
            message, business hours, when to email an answer) are ``chat_settings`` in
            ``meta``, as JSON (relay/chat/settings.py).
    chat_waiting   agents' chat replies written while their visitor was away, with when
            they were written: the relay emails each once the workspace's delay has
            passed (``inbox chat settings --email-after``), across a restart.

Attachments are blobs named by their SHA-256 (``blob_writer``, ``put_blob``,
``blob_size``, ``open_blob``), kept as files beside the store.

Compaction appends a document's replayed state as a new entry and then deletes
the entries it replaces, so a cursor stays valid across it: a replica behind
the snapshot receives the snapshot (a superset), one ahead of it nothing.
Secrets are 32 random bytes, so a plain SHA-256 is enough to store them; the
secret itself is printed once and never stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from crdt.errors import StoreError
from crdt.model.vocab import ADMIN, ROLES
from crdt.store import sqlite
from crdt.store.blobs import DEFAULT_LIMIT, Blobs, Writer

APPLICATION_ID = 0x696E6272  # "inbr"
FORMAT = "inbox-relay"
SCHEMA_VERSION = 9
TOKEN_PREFIX = "inbox_"
BUSY_TIMEOUT_MS = 30_000
ATTACHMENT_LIMIT = "attachment_limit"  # meta: bytes of the largest blob kept
CHAT_SETTINGS = "chat_settings"  # meta: the chat's settings, JSON
TICKET_NUMBER = "ticket_number"  # meta: the last ticket number given, 0 before the first

NOTIFY_TABLES = """
CREATE TABLE IF NOT EXISTS notifiers(id TEXT PRIMARY KEY, kind TEXT NOT NULL, url TEXT,
    url_file TEXT, secret_file TEXT, events TEXT NOT NULL, created_at TEXT NOT NULL)
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notifications(event TEXT NOT NULL, notifier TEXT NOT NULL,
    kind TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0, next_at TEXT NOT NULL, answer TEXT,
    at TEXT NOT NULL, sent_at TEXT, PRIMARY KEY(event, notifier)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS notifications_due ON notifications(state, next_at)"""

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE log(seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX log_by_doc ON log(doc, seq);
CREATE TABLE tokens(id TEXT PRIMARY KEY, hash TEXT NOT NULL, agent TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'agent', created_at TEXT NOT NULL, revoked_at TEXT,
    last_used_at TEXT);
CREATE INDEX tokens_by_agent ON tokens(agent);
CREATE TABLE writes(seq INTEGER PRIMARY KEY, token TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE mailboxes(address TEXT PRIMARY KEY, settings TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'idle', error TEXT, state_at TEXT, created_at TEXT NOT NULL);
CREATE TABLE mail_folders(address TEXT NOT NULL, folder TEXT NOT NULL, uidvalidity INTEGER,
    last_uid INTEGER NOT NULL DEFAULT 0, highestmodseq INTEGER,
    PRIMARY KEY(address, folder)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sent(reply TEXT PRIMARY KEY, address TEXT NOT NULL,
    conversation TEXT NOT NULL, message_id TEXT NOT NULL, state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_at TEXT, answer TEXT, at TEXT NOT NULL,
    filed TEXT, copy BLOB) WITHOUT ROWID;
CREATE TABLE chat_origins(origin TEXT PRIMARY KEY, created_at TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE chat_waiting(reply TEXT PRIMARY KEY, conversation TEXT NOT NULL,
    written_at TEXT NOT NULL) WITHOUT ROWID;
"""
SCHEMA += NOTIFY_TABLES + ";\n"  # schema 8

# schema 1 -> 2: roles for the admin flag, and the writes table
MIGRATE_1 = """
ALTER TABLE tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'agent';
UPDATE tokens SET role = 'admin' WHERE admin = 1;
ALTER TABLE tokens DROP COLUMN admin;
CREATE TABLE writes(seq INTEGER PRIMARY KEY, token TEXT NOT NULL, at TEXT NOT NULL);
UPDATE meta SET value = '2' WHERE key = 'schema';
"""

# schema 2 -> 3: when each token was last used
MIGRATE_2 = """
ALTER TABLE tokens ADD COLUMN last_used_at TEXT;
UPDATE meta SET value = '3' WHERE key = 'schema';
"""

# schema 3 -> 4: the mail gateway's mailboxes and how far it has read each folder
MIGRATE_3 = """
CREATE TABLE IF NOT EXISTS mailboxes(address TEXT PRIMARY KEY, settings TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'idle', error TEXT, state_at TEXT, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mail_folders(address TEXT NOT NULL, folder TEXT NOT NULL,
    uidvalidity INTEGER, last_uid INTEGER NOT NULL DEFAULT 0, highestmodseq INTEGER,
    PRIMARY KEY(address, folder)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sent(reply TEXT PRIMARY KEY, address TEXT NOT NULL,
    conversation TEXT NOT NULL, message_id TEXT NOT NULL, state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_at TEXT, answer TEXT, at TEXT NOT NULL)
    WITHOUT ROWID;
UPDATE meta SET value = '4' WHERE key = 'schema';
"""

# schema 4 -> 5: the copy of a sent reply the gateway files in Sent, until it has
MIGRATE_4 = """
ALTER TABLE sent ADD COLUMN filed TEXT;
ALTER TABLE sent ADD COLUMN copy BLOB;
UPDATE meta SET value = '5' WHERE key = 'schema';
"""
# schema 5 -> 6: the sites allowed to embed the chat widget
MIGRATE_5 = """
CREATE TABLE IF NOT EXISTS chat_origins(origin TEXT PRIMARY KEY, created_at TEXT NOT NULL)
    WITHOUT ROWID;
UPDATE meta SET value = '6' WHERE key = 'schema';
"""
# schema 6 -> 7: chat replies waiting for a visitor who left
MIGRATE_6 = """
CREATE TABLE IF NOT EXISTS chat_waiting(reply TEXT PRIMARY KEY, conversation TEXT NOT NULL,
    written_at TEXT NOT NULL) WITHOUT ROWID;
UPDATE meta SET value = '7' WHERE key = 'schema';
"""
# schema 7 -> 8: where events are told, and the ledger of their deliveries
MIGRATE_7 = (
    NOTIFY_TABLES
    + """;
UPDATE meta SET value = '8' WHERE key = 'schema';
"""
)
# schema 8 -> 9: the counter of ticket numbers (model/tickets.py)
MIGRATE_8 = f"""
INSERT OR IGNORE INTO meta VALUES ('{TICKET_NUMBER}', '0');
UPDATE meta SET value = '9' WHERE key = 'schema';
"""
MIGRATIONS = {
    "1": MIGRATE_1,
    "2": MIGRATE_2,
    "3": MIGRATE_3,
    "4": MIGRATE_4,
    "5": MIGRATE_5,
    "6": MIGRATE_6,
    "7": MIGRATE_7,
    "8": MIGRATE_8,
}  # from a schema, the next


class LogEntry(NamedTuple):
    """One accepted change, at its place in the log."""

    seq: int
    doc: str
    data: bytes


class Grant(NamedTuple):
    """Who a valid token speaks for, and as what."""

    token_id: str
    agent: str
    role: str

    @property
    def admin(self) -> bool:
        return self.role == ADMIN


class RelayStore(sqlite.Closing):
    """An open relay store; a context manager that closes it."""

    def __init__(self, conn: sqlite.Connection, path: Path) -> None:
        self.conn, self.path = conn, path

    @classmethod
    def open(
        cls,
        path: Path,
        create: bool = False,
        workspace: str = "default",
        workspace_id: str | None = None,
    ) -> RelayStore:
        """Open the store at ``path``; with ``create``, make it when it does not exist (of a
        new workspace, or of the one ``workspace_id`` names: seed.py)."""
        if create and not path.exists():
            meta = {
                "format": FORMAT,
                "schema": str(SCHEMA_VERSION),
                "workspace": workspace,
                "workspace_id": workspace_id or os.urandom(16).hex(),
                TICKET_NUMBER: "0",
            }
            conn = sqlite.create_new(path, APPLICATION_ID, SCHEMA, meta, BUSY_TIMEOUT_MS)
            return cls(conn, path)
        conn = sqlite.open_existing(path, APPLICATION_ID, "relay store", BUSY_TIMEOUT_MS)
        found = sqlite.meta_value(conn, "schema")
        while found in MIGRATIONS:  # one step at a time, each in its own transaction
            with sqlite.transaction(conn):
                for statement in MIGRATIONS[found].strip().split(";\n"):
                    if not _has_column(conn, statement):
                        conn.execute(statement)
            found = sqlite.meta_value(conn, "schema")
        if found != str(SCHEMA_VERSION):
            conn.close()
            raise StoreError(f"{path} has relay schema {found}; this inbox reads {SCHEMA_VERSION}")
        return cls(conn, path)

    def close(self) -> None:
        self.conn.close()

    def meta(self, key: str) -> str | None:
        return sqlite.meta_value(self.conn, key)

    def write(self) -> sqlite.Transaction:
        return sqlite.transaction(self.conn)

    # -- the log -------------------------------------------------------------------------

    def append(self, doc: str, data: bytes, token: str | None = None, at: str = "") -> int:
        """Add an entry (inside ``write()`` when it must commit with others); ``token``:
        the id of the token that sent it (None: the relay's own, a stamp or a fold)."""
        cur = self.conn.execute("INSERT INTO log(doc, data) VALUES (?, ?)", (doc, data))
        seq = int(cur.lastrowid or 0)
        if token is not None:
            self.conn.execute("INSERT INTO writes VALUES (?, ?, ?)", (seq, token, at))
        return seq

    def next_ticket_number(self) -> int:
        """The next ticket number, taken for good (inside ``write()``, with the log entry
        that makes the ticket: a change rolled back gives its number back)."""
        row = self.conn.execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = ? RETURNING value",
            (TICKET_NUMBER,),
        ).fetchone()
        if row is None:
            raise StoreError(f"{self.path} has no ticket counter: a store of an older schema")
        return int(row[0])

    def writer(self, seq: int) -> str | None:
        """The id of the token that sent log entry ``seq``."""
        row = self.conn.execute("SELECT token FROM writes WHERE seq = ?", (seq,)).fetchone()
        return str(row[0]) if row else None

    def head(self) -> int:
        row = self.conn.execute("SELECT max(seq) FROM log").fetchone()
        return int(row[0] or 0)

    def since(self, cursor: int, limit: int) -> list[LogEntry]:
        rows = self.conn.execute(
            "SELECT seq, doc, data FROM log WHERE seq > ? ORDER BY seq LIMIT ?", (cursor, limit)
        ).fetchall()
        return [LogEntry(int(r[0]), str(r[1]), bytes(r[2])) for r in rows]

    def doc_entries(self, doc: str) -> list[bytes]:
        rows = self.conn.execute("SELECT data FROM log WHERE doc = ? ORDER BY seq", (doc,))
        return [bytes(r[0]) for r in rows]

    def compact(self, doc: str, snapshot: bytes) -> int:
        """Replace a document's entries by its replayed state, appended as the newest."""
        with self.write():
            seq = self.append(doc, snapshot)
            self.conn.execute("DELETE FROM log WHERE doc = ? AND seq < ?", (doc, seq))
        return seq

    # -- tokens --------------------------------------------------------------------------

    def create_token(self, agent: str, role: str, at: str) -> str:
        """A new token for ``agent``; the only time its secret exists outside the agent."""
        if role not in ROLES:
            raise StoreError(f"no role {role!r}: one of {', '.join(ROLES)}")
        token_id = os.urandom(6).hex()
        secret = base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
        with self.write():
            self.conn.execute(
                "INSERT INTO tokens(id, hash, agent, role, created_at) VALUES (?, ?, ?, ?, ?)",
                (token_id, _digest(secret), agent, role, at),
            )
        return f"{TOKEN_PREFIX}{token_id}_{secret}"

    def check_token(self, token: str) -> Grant | None:
        token_id, secret = _split(token)
        if not token_id:
            return None
        row = self.conn.execute(
            "SELECT hash, agent, role FROM tokens WHERE id = ? AND revoked_at IS NULL",
            (token_id,),
        ).fetchone()
        if row is None or not hmac.compare_digest(str(row[0]), _digest(secret)):
            return None
        return Grant(token_id, str(row[1]), str(row[2]))

    def token_used(self, token_id: str, at: str) -> None:
        """Record that a socket was admitted with the token (``relay token list``)."""
        with self.write():
            self.conn.execute("UPDATE tokens SET last_used_at = ? WHERE id = ?", (at, token_id))

    def tokens(self, agent: str | None = None) -> list[dict[str, str | None]]:
        """Every token (of ``agent``), oldest first: all but its secret's hash."""
        rows = self.conn.execute(
            "SELECT id, agent, role, created_at, revoked_at, last_used_at FROM tokens"
            " WHERE ? IS NULL OR agent = ? ORDER BY created_at, id",
            (agent, agent),
        ).fetchall()
        return [dict(row) for row in rows]

    def revoke(self, agent: str, at: str) -> int:
        """Revoke every live token of ``agent``; returns how many."""
        with self.write():
            cur = self.conn.execute(
                "UPDATE tokens SET revoked_at = ? WHERE agent = ? AND revoked_at IS NULL",
                (at, agent),
            )
        return int(cur.rowcount)

    def live_tokens(self) -> set[str]:
        return {
            str(r[0]) for r in self.conn.execute("SELECT id FROM tokens WHERE revoked_at IS NULL")
        }

    # -- the mail gateway's mailboxes --------------------------------------------------

    def put_mailbox(self, address: str, settings: dict[str, Any], at: str) -> bool:
        """Add a mailbox or replace its settings (its reading position is kept); True
        when it was new."""
        with self.write():
            known = self.conn.execute(
                "SELECT 1 FROM mailboxes WHERE address = ?", (address,)
            ).fetchone()
            self.conn.execute(
                "INSERT INTO mailboxes(address, settings, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT(address) DO UPDATE SET settings = excluded.settings",
                (address, json.dumps(settings, sort_keys=True), at),
            )
        return known is None

    def mailboxes(self) -> list[dict[str, Any]]:
        """Every mailbox: its address, settings, state, and the last UID read of each of its
        folders, in address order."""
        rows = self.conn.execute(
            "SELECT address, settings, state, error, state_at, created_at FROM mailboxes "
            "ORDER BY address"
        ).fetchall()
        read = self.conn.execute(
            "SELECT address, folder, uidvalidity, last_uid FROM mail_folders ORDER BY folder"
        ).fetchall()
        out = []
        for row in rows:
            folders = {
                str(r[1]): {"uidvalidity": r[2], "last_uid": int(r[3])}
                for r in read
                if r[0] == row[0]
            }
            out.append(
                {
                    "address": str(row[0]),
                    "settings": json.loads(row[1]),
                    "state": str(row[2]),
                    "error": row[3],
                    "state_at": row[4],
                    "created_at": str(row[5]),
                    "folders": folders,
                }
            )
        return out

    def folder_read(self, address: str, folder: str) -> tuple[int | None, int]:
        """How far the gateway has read a folder: its UIDVALIDITY then, and the last UID."""
        row = self.conn.execute(
            "SELECT uidvalidity, last_uid FROM mail_folders WHERE address = ? AND folder = ?",
            (address, folder),
        ).fetchone()
        return (None, 0) if row is None else (row[0], int(row[1]))

    def folder_moved(
        self, address: str, folder: str, uidvalidity: int, last_uid: int, modseq: int | None
    ) -> None:
        """The folder read up to ``last_uid``: written once its mail is at the relay."""
        with self.write():
            self.conn.execute(
                "INSERT INTO mail_folders VALUES (?, ?, ?, ?, ?) ON CONFLICT(address, folder) "
                "DO UPDATE SET uidvalidity = excluded.uidvalidity, "
                "last_uid = excluded.last_uid, highestmodseq = excluded.highestmodseq",
                (address, folder, uidvalidity, last_uid, modseq),
            )

    def mailbox_state(self, address: str, state: str, error: str | None, at: str) -> None:
        """What the gateway is doing with a mailbox (idle, syncing, error), and why."""
        with self.write():
            self.conn.execute(
                "UPDATE mailboxes SET state = ?, error = ?, state_at = ? WHERE address = ?",
                (state, error, at, address),
            )

    def ledger(self, reply: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            "SELECT reply, address, conversation, message_id, state, attempts, next_at, "
            "answer, at, filed FROM sent WHERE reply = ?",
            (reply,),
        ).fetchone()
        return dict(row) if row else None

    def ledger_put(self, entry: dict[str, Any]) -> None:
        """Record where a reply's sending stands, committed before the caller goes on;
        the columns ``entry`` leaves out keep what they held."""
        columns = ", ".join(entry)
        changed = ", ".join(f"{c} = excluded.{c}" for c in entry if c != "reply")
        with self.write():
            self.conn.execute(
                f"INSERT INTO sent({columns}) VALUES ({', '.join('?' * len(entry))}) "
                f"ON CONFLICT(reply) DO UPDATE SET {changed}",
                list(entry.values()),
            )

    def unfiled(self) -> list[dict[str, Any]]:
        """Replies sent whose copy the gateway is still to file in Sent, oldest first:
        ``reply``, ``address``, ``message_id`` and ``copy`` (the bytes sent)."""
        rows = self.conn.execute(
            "SELECT reply, address, message_id, copy FROM sent "
            "WHERE state = 'sent' AND filed IS NULL AND copy IS NOT NULL ORDER BY at, reply"
        ).fetchall()
        return [dict(row) for row in rows]

    def ledger_filed(self, reply: str, at: str) -> None:
        """The reply's copy is in Sent: its bytes are no longer kept."""
        with self.write():
            self.conn.execute("UPDATE sent SET filed = ?, copy = NULL WHERE reply = ?", (at, reply))

    def remove_mailbox(self, address: str) -> bool:
        with self.write():
            cur = self.conn.execute("DELETE FROM mailboxes WHERE address = ?", (address,))
            self.conn.execute("DELETE FROM mail_folders WHERE address = ?", (address,))
        return bool(cur.rowcount)

    # -- blobs: attachments, by their SHA-256 ----------------------------------------------
    # Files beside the store (``relay.db`` -> ``relay.blobs/``), behind these methods only:
    # a store on object storage would keep them there with the same calls.

    @property
    def _blobs(self) -> Blobs:
        return Blobs(self.path.with_name(self.path.stem + ".blobs"))

    def attachment_limit(self) -> int:
        """Bytes of the largest blob the relay keeps (``relay serve --attachment-limit``)."""
        return int(self.meta(ATTACHMENT_LIMIT) or DEFAULT_LIMIT)

    def set_attachment_limit(self, limit: int) -> None:
        with self.write():
            self.conn.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)", (ATTACHMENT_LIMIT, str(limit))
            )

    def blob_writer(self, sha256: str, limit: int) -> Writer:
        """A blob streamed in: ``write`` its chunks, then ``commit`` (checked against
        ``sha256``: MismatchError) or ``abort``; TooBigError past ``limit`` bytes."""
        return self._blobs.writer(sha256, limit)

    def put_blob(self, sha256: str, data: bytes, durable: bool = True) -> None:
        """A blob the gateway decoded from mail (checked against its name); ``durable``
        False: on disk once ``settle_blobs`` returns (many parts of one batch of mail)."""
        if not self._blobs.has(sha256):
            with self._blobs.writer(sha256, durable=durable) as w:
                w.write(data)

    def settle_blobs(self) -> None:
        self._blobs.settle()

    def blob_size(self, sha256: str) -> int | None:
        """The size of a blob the store holds; None when it holds none by that name."""
        return self._blobs.size(sha256)

    def open_blob(self, sha256: str) -> BinaryIO:
        """A held blob, to read (NotFoundError when there is none)."""
        return self._blobs.open(sha256)

    def sweep_blobs(self) -> int:
        """Remove what writers that died (a relay killed mid-upload) left; returns how many."""
        return self._blobs.sweep()

    # -- the chat widget -----------------------------------------------------------------

    def add_origin(self, origin: str, at: str) -> bool:
        """Allow a site to embed the widget; True when it was not allowed before."""
        with self.write():
            cur = self.conn.execute(
                "INSERT OR IGNORE INTO chat_origins VALUES (?, ?)", (origin, at)
            )
        return bool(cur.rowcount)

    def remove_origin(self, origin: str) -> bool:
        with self.write():
            cur = self.conn.execute("DELETE FROM chat_origins WHERE origin = ?", (origin,))
        return bool(cur.rowcount)

    def origins(self) -> list[dict[str, str]]:
        rows = self.conn.execute("SELECT origin, created_at FROM chat_origins ORDER BY origin")
        return [{"origin": str(r[0]), "created_at": str(r[1])} for r in rows]

    def chat_key(self) -> bytes:
        """The key that signs visitors' session tokens, made on first use: 32 random bytes."""
        found = self.meta("chat_key")
        if found is None:
            with self.write():
                self.conn.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('chat_key', ?)", (os.urandom(32).hex(),)
                )
            found = self.meta("chat_key")
        return bytes.fromhex(str(found))

    def chat_settings(self) -> dict[str, Any]:
        """The chat's settings as stored (relay/chat/settings.py reads them)."""
        found = self.meta(CHAT_SETTINGS)
        value = json.loads(found) if found else {}
        return value if isinstance(value, dict) else {}

    def set_chat_settings(self, values: dict[str, Any]) -> None:
        with self.write():
            self.conn.execute(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                (CHAT_SETTINGS, json.dumps(values, ensure_ascii=False, sort_keys=True)),
            )

    def chat_wait(self, replies: list[tuple[str, str, str]]) -> None:
        """(reply, conversation, written_at) of chat replies written while their visitor
        was away; one already waiting keeps its row."""
        with self.write():
            self.conn.executemany("INSERT OR IGNORE INTO chat_waiting VALUES (?, ?, ?)", replies)

    def chat_unwait(self, replies: list[str]) -> None:
        with self.write():
            self.conn.executemany(
                "DELETE FROM chat_waiting WHERE reply = ?", [(r,) for r in replies]
            )

    def chat_waiting(self) -> list[tuple[str, str, str]]:
        """Every waiting reply: (reply, conversation, written_at), oldest first."""
        rows = self.conn.execute(
            "SELECT reply, conversation, written_at FROM chat_waiting ORDER BY written_at"
        )
        return [(str(r[0]), str(r[1]), str(r[2])) for r in rows]

    def data_version(self) -> int:
        """Moves when another connection (``inbox relay token revoke``) commits."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])


_ADD_COLUMN = re.compile(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", re.IGNORECASE)


def _has_column(conn: sqlite.Connection, statement: str) -> bool:
    """True for an ``ADD COLUMN`` of a column the table has: a step of a migration that a
    store already took (one restored from a copy, or a later one's file with an earlier
    schema number) is passed over rather than failing the whole opening."""
    found = _ADD_COLUMN.match(statement.strip())
    if found is None:
        return False
    table, column = found.groups()
    return any(row[1] == column for row in conn.execute(f"PRAGMA table_info({table})"))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(token: str) -> tuple[str, str]:
    token = token.strip()
    if not token.startswith(TOKEN_PREFIX):
        return "", ""
    token_id, _, secret = token[len(TOKEN_PREFIX) :].partition("_")
    return (token_id, secret) if token_id and secret else ("", "")
