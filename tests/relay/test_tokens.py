"""`inbox relay token`: revoking an agent with no token is "not found", and `list` shows
each token's agent, role, times and when the relay last admitted a socket with it, never
its secret; the relay store's schema 2 gains that column on opening."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from relay.store import SCHEMA_VERSION
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
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    conn.close()


def test_join_again_with_a_new_token_replaces_the_revoked_one(
    relay: RelayProcess, tmp_path: Path
) -> None:
    home = relay.join(tmp_path / "dana", DANA)
    assert run_inbox(home, "sync").returncode == 0
    token_cli(relay.where, relay.store, "revoke", DANA)
    assert run_inbox(home, "sync").returncode == 4  # the revoked token
    fresh = relay.token(DANA)
    done = run_inbox(home, "join", relay.url, "--token-file", str(fresh))
    assert done.returncode == 0, done.stderr
    assert "token" in done.stderr and "replaced" in done.stderr
    assert (home / "relay-token").read_text().strip() == fresh.read_text().strip()
    assert run_inbox(home, "sync").returncode == 0, "the new token works"


def test_join_again_is_refused_for_another_relay_workspace_or_agent(
    relay: RelayProcess, tmp_path: Path
) -> None:
    home = relay.join(tmp_path / "dana", DANA)
    kept = (home / "relay-token").read_text()
    for place in ("elsewhere", "here"):  # another relay by its address, or at this one's
        where = tmp_path / place
        where.mkdir()
        other = RelayProcess(where)  # another store: another workspace
        if place == "here":
            relay.stop()
            other.port = relay.port
        other.start()
        try:
            theirs = other.token(DANA)
            done = run_inbox(home, "join", other.url, "--token-file", str(theirs))
            assert done.returncode == 2, (place, done.stderr)
            assert done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1
        finally:
            other.stop()
    relay.start()
    ben = relay.token(BEN)
    done = run_inbox(home, "join", relay.url, "--token-file", str(ben))
    assert done.returncode == 2 and BEN in done.stderr, done.stderr
    assert (home / "relay-token").read_text() == kept
