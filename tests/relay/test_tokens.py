"""`inbox relay token`: revoking an agent with no token is "not found", and `list` shows
each token's agent, role, times and when the relay last admitted a socket with it, never
its secret; the relay store's schema 2 gains that column on opening."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import run_inbox
from tests.relay.relays import RelayProcess, wait_for

DANA, BEN, AUDIT = "dana@acme.example.com", "ben@acme.example.com", "audit@acme.example.com"


def token_cli(where: Path, store: Path, *args: str) -> tuple[int, str, str]:
    done = run_inbox(where, "relay", "token", *args, "--store", str(store))
    return done.returncode, done.stdout, done.stderr


def test_revoking_an_agent_with_no_token_is_not_found(tmp_path: Path) -> None:
    store = tmp_path / "relay.db"
    assert token_cli(tmp_path, store, "create", BEN)[0] == 0
    code, out, err = token_cli(tmp_path, store, "revoke", "nobody@acme.example.com")
    assert code == 5 and out == ""
    assert err.startswith("error: ") and "nobody@acme.example.com" in err and "no token" in err
    assert token_cli(tmp_path, store, "revoke", BEN)[0] == 0
    code, _, err = token_cli(tmp_path, store, "revoke", BEN)  # already so: done
    assert code == 0 and "already revoked" in err, err


def test_token_list_shows_roles_times_and_last_use_never_the_secret(
    relay: RelayProcess, tmp_path: Path
) -> None:
    home = relay.join(tmp_path / "dana", DANA)
    secrets = [relay.token(BEN).read_text().strip(), relay.token(AUDIT, "--viewer").read_text()]
    assert run_inbox(home, "sync").returncode == 0
    token_cli(relay.where, relay.store, "revoke", BEN)

    def listed() -> list[dict[str, str]]:
        code, out, err = token_cli(relay.where, relay.store, "list", "--json")
        assert code == 0, err
        rows: list[dict[str, str]] = json.loads(out)
        return rows

    rows = wait_for(lambda: [r for r in listed() if r["agent"] == DANA and r["last_used_at"]])
    assert rows, listed()
    by_agent = {r["agent"]: r for r in listed()}
    assert set(by_agent) == {DANA, BEN, AUDIT}
    assert [by_agent[a]["role"] for a in (DANA, BEN, AUDIT)] == ["agent", "agent", "viewer"]
    assert by_agent[BEN]["revoked_at"] and not by_agent[DANA]["revoked_at"]
    assert by_agent[AUDIT]["last_used_at"] is None
    assert all(r["created_at"] and r["id"] for r in by_agent.values())
    code, tsv, _ = token_cli(relay.where, relay.store, "list")  # piped: tab-separated
    assert code == 0
    lines = [line.split("\t") for line in tsv.splitlines()]
    assert sorted(line[1] for line in lines) == sorted([DANA, BEN, AUDIT])
    assert all(len(line) == 6 for line in lines)
    for secret in secrets:
        assert secret.split("_")[-1] not in tsv + json.dumps(listed())


def test_a_schema_2_store_gains_last_use_on_opening(tmp_path: Path) -> None:
    store = tmp_path / "relay.db"
    assert token_cli(tmp_path, store, "create", BEN)[0] == 0
    conn = sqlite3.connect(store)
    conn.execute("ALTER TABLE tokens DROP COLUMN last_used_at")
    conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    code, out, err = token_cli(tmp_path, store, "list", "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert (row["agent"], row["last_used_at"]) == (BEN, None)
    conn = sqlite3.connect(store)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("3",)
    conn.close()
