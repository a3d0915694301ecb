"""`inbox relay mailbox`: a mailbox's connection lives in the relay's store only, and
what is listed never includes how its secret is got."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from relay.store import SCHEMA_VERSION
from tests.conftest import run_inbox

ADD = [
    "relay", "mailbox", "add", "support@acme.example.com",
    "--imap", "imap.example.com:993", "--smtp", "smtp.example.com:587",
    "--password-command", "pass show acme/support",
]  # fmt: skip


def test_add_list_change_and_remove(tmp_path: Path) -> None:
    store = str(tmp_path / "relay.db")
    done = run_inbox(tmp_path, *ADD, "--store", store)
    assert done.returncode == 0, done.stderr
    assert "imap.example.com:993 (tls)" in done.stderr and "587 (starttls)" in done.stderr
    listed = run_inbox(tmp_path, "relay", "mailbox", "list", "--store", store, "--json")
    rows = json.loads(listed.stdout)
    assert [(r["address"], r["imap"], r["state"], r["last_uid"]) for r in rows] == [
        ("support@acme.example.com", "imap.example.com:993", "idle", 0)
    ]
    assert "pass show" not in listed.stdout and "pass show" not in listed.stderr
    again = run_inbox(tmp_path, *ADD, "--store", store, "--folder", "Archive")
    assert again.returncode == 0 and "changed mailbox" in again.stderr
    rows = json.loads(
        run_inbox(tmp_path, "relay", "mailbox", "list", "--store", store, "--json").stdout
    )
    assert rows[0]["folders"] == ["Archive"]  # INBOX is read always
    gone = run_inbox(
        tmp_path, "relay", "mailbox", "rm", "support@acme.example.com", "--store", store
    )
    assert gone.returncode == 0, gone.stderr
    missing = run_inbox(
        tmp_path, "relay", "mailbox", "rm", "support@acme.example.com", "--store", store
    )
    assert missing.returncode == 5


def test_a_password_is_never_an_argument_and_clear_text_only_on_loopback(tmp_path: Path) -> None:
    store = str(tmp_path / "relay.db")
    base = ["relay", "mailbox", "add", "support@acme.example.com", "--store", store]
    no_secret = run_inbox(tmp_path, *base, "--imap", "imap.example.com")
    assert no_secret.returncode == 2
    shown = run_inbox(tmp_path, "relay", "mailbox", "add", "--help").stdout
    flags = set(re.findall(r"--[\w-]+", shown))
    assert "--password-command" in flags and "--password" not in flags  # never the secret
    clear = run_inbox(
        tmp_path, *base, "--imap", "imap.example.com:143", "--security", "none",
        "--password-file", str(tmp_path / "pw"),
    )  # fmt: skip
    assert clear.returncode == 2 and "in clear" in clear.stderr
    assert not Path(store).exists()  # nothing was stored


def test_a_schema_3_store_gains_the_mailbox_tables(tmp_path: Path) -> None:
    store = tmp_path / "relay.db"
    assert run_inbox(tmp_path, "relay", "token", "create", "dana@acme.example.com",
                     "--store", str(store)).returncode == 0  # fmt: skip
    conn = sqlite3.connect(store)
    with conn:
        conn.execute("DROP TABLE mailboxes")
        conn.execute("DROP TABLE mail_folders")
        conn.execute("DROP TABLE sent")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema'")
    conn.close()
    done = run_inbox(tmp_path, *ADD, "--store", str(store))
    assert done.returncode == 0, done.stderr
    tokens = run_inbox(tmp_path, "relay", "token", "list", "--store", str(store), "--json")
    assert [t["agent"] for t in json.loads(tokens.stdout)] == ["dana@acme.example.com"]


def test_a_schema_4_ledger_gains_the_sent_copy(tmp_path: Path) -> None:
    store = tmp_path / "relay.db"
    assert run_inbox(tmp_path, *ADD, "--store", str(store)).returncode == 0
    conn = sqlite3.connect(store)
    with conn:  # the ledger as schema 4 had it, with a reply sent before the copy existed
        conn.execute("ALTER TABLE sent DROP COLUMN filed")
        conn.execute("ALTER TABLE sent DROP COLUMN copy")
        conn.execute(
            "INSERT INTO sent(reply, address, conversation, message_id, state, attempts, at) "
            "VALUES ('r1', 'support@acme.example.com', 'c1', 'r1@acme.example.com', 'sent', 1, "
            "'2026-12-05T10:00:00.000Z')"
        )
        conn.execute("UPDATE meta SET value = '4' WHERE key = 'schema'")
    conn.close()
    listed = run_inbox(tmp_path, "relay", "mailbox", "list", "--store", str(store), "--json")
    assert listed.returncode == 0, listed.stderr
    conn = sqlite3.connect(store)
    columns = {row[1] for row in conn.execute("PRAGMA table_info(sent)")}
    row = conn.execute("SELECT state, filed, copy FROM sent").fetchone()
    schema = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0]
    conn.close()
    assert {"filed", "copy"} <= columns and schema == str(SCHEMA_VERSION)
    assert row == ("sent", None, None)  # sent before: no copy is filed for it now
