"""A workspace begun alone (`inbox init`) is put on a new relay with every id it has,
and its replica then syncs with it: real relay processes, real replicas."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import new_home, run_inbox
from tests.relay.relays import BEN, DANA, MBOX, RelayProcess, free_port, ok


def shown(home: Path, ident: str) -> dict[str, Any]:
    return dict(json.loads(ok(home, "show", ident, "--json")))


def listed(home: Path) -> list[dict[str, Any]]:
    return list(json.loads(ok(home, "list", "--status", "all", "--json")))


def alone(where: Path) -> tuple[Path, list[str]]:
    """Dana's workspace of her own: imported mail, a claim, a note, a tag, a saved reply
    and a teammate named by her, none of it ever on a relay."""
    home = new_home(where)
    ok(home, "import", str(MBOX))
    ids = [c["id"] for c in listed(home)]
    ok(home, "claim", ids[0])
    ok(home, "note", ids[1], "-m", "asked finance about this")
    ok(home, "tag", ids[2], "--add", "vip")
    ok(home, "template", "add", "thanks", "-m", "Thanks, {{customer.name}}!")
    ok(home, "agent", "add", BEN, "--name", "Ben Okoro")
    return home, ids


@pytest.fixture
def seeded(tmp_path: Path) -> Any:
    home, ids = alone(tmp_path / "dana")
    where = tmp_path / "relay"
    where.mkdir()
    relay = RelayProcess(where, from_replica=home).start()
    yield relay, home, ids
    relay.stop()


def test_a_workspace_begun_alone_is_shared_with_every_id(seeded: Any, tmp_path: Path) -> None:
    relay, dana, ids = seeded
    assert "made" in relay.logged() and "7 conversations" in relay.logged()
    before = {c["id"]: c for c in listed(dana)}
    done = run_inbox(dana, "join", relay.url, "--token-file", str(relay.token(DANA, "--admin")))
    assert done.returncode == 0, done.stderr
    assert f"now syncs workspace 'acme' with {relay.url}" in done.stderr
    assert {c["id"]: c["assignee"] for c in listed(dana)} == {
        i: c["assignee"] for i, c in before.items()
    }
    ben = relay.join(tmp_path / "ben", BEN)
    theirs = {c["id"]: c for c in listed(ben)}
    assert set(theirs) == set(ids)  # every conversation, under the id it had
    assert theirs[ids[0]]["assignee"] == DANA
    assert shown(ben, ids[0])["assignee_tentative"] is False  # the relay ordered it
    assert [n["body"] for n in shown(ben, ids[1])["notes"]] == ["asked finance about this"]
    assert "vip" in theirs[ids[2]]["tags"]
    assert "thanks" in ok(ben, "template", "list")
    assert "Ben Okoro" in ok(ben, "agent", "list")  # the name dana gave him
    lost = run_inbox(ben, "claim", ids[0])
    assert lost.returncode == 3 and "claimed by Dana" in lost.stderr, lost.stderr
    ok(dana, "tag", ids[3], "--add", "after")  # and it goes on syncing both ways
    ok(dana, "sync")
    ok(ben, "sync")
    assert "after" in shown(ben, ids[3])["tags"]
    ok(ben, "note", ids[3], "-m", "on it")
    ok(ben, "sync")
    ok(dana, "sync")
    assert [n["body"] for n in shown(dana, ids[3])["notes"]] == ["on it"]


def test_what_the_replica_did_after_the_seed_reaches_the_relay(seeded: Any, tmp_path: Path) -> None:
    relay, dana, ids = seeded
    ok(dana, "note", ids[4], "-m", "written after the relay was made")
    ok(dana, "join", relay.url, "--token-file", str(relay.token(DANA, "--admin")))
    ben = relay.join(tmp_path / "ben", BEN)
    assert [n["body"] for n in shown(ben, ids[4])["notes"]] == ["written after the relay was made"]


def test_a_relay_started_again_from_the_same_replica_keeps_its_store(
    seeded: Any, tmp_path: Path
) -> None:
    relay, dana, ids = seeded
    ok(dana, "join", relay.url, "--token-file", str(relay.token(DANA, "--admin")))
    ok(dana, "tag", ids[0], "--add", "kept")
    ok(dana, "sync")
    relay.stop()
    relay.start()  # the same command line, --from-replica and all
    assert relay.logged().count("made ") == 1
    ben = relay.join(tmp_path / "ben", BEN)
    assert "kept" in shown(ben, ids[0])["tags"]


def test_the_replica_joins_only_with_its_own_agents_token(seeded: Any) -> None:
    relay, dana, _ = seeded
    done = run_inbox(dana, "join", relay.url, "--token-file", str(relay.token(BEN)))
    assert done.returncode == 2, done.stderr
    assert "that token is ben@acme.example.com's" in done.stderr
    assert "no relay" in run_inbox(dana, "sync").stderr  # nothing was changed


def test_a_replica_of_its_own_joins_no_other_workspaces_relay(
    relay: RelayProcess, tmp_path: Path
) -> None:
    dana, _ = alone(tmp_path / "dana")
    done = run_inbox(dana, "join", relay.url, "--token-file", str(relay.token(DANA)))
    assert done.returncode == 2, done.stderr
    assert "--from-replica" in done.stderr and "empty home" in done.stderr
    assert "no relay" in run_inbox(dana, "sync").stderr


def test_seeding_refuses_another_workspaces_store_and_a_joined_replica(
    relay: RelayProcess, tmp_path: Path
) -> None:
    dana, _ = alone(tmp_path / "dana")
    ok(relay.where, "relay", "token", "create", DANA, "--store", str(relay.store))
    other = run_inbox(
        tmp_path, "relay", "serve", "--port", str(free_port()), "--store", str(relay.store),
        "--from-replica", str(dana),
    )  # fmt: skip
    assert other.returncode == 2 and "another workspace" in other.stderr, other.stderr
    joined = relay.join(tmp_path / "ben", BEN)
    again = run_inbox(
        tmp_path, "relay", "serve", "--port", str(free_port()), "--store", str(tmp_path / "new.db"),
        "--from-replica", str(joined),
    )  # fmt: skip
    assert again.returncode == 2 and "is a replica of the relay" in again.stderr, again.stderr
    assert not (tmp_path / "new.db").exists()
    named = run_inbox(
        tmp_path, "relay", "serve", "--store", str(tmp_path / "new.db"),
        "--from-replica", str(dana), "--workspace", "x",
    )  # fmt: skip
    assert named.returncode == 2 and "from the replica" in named.stderr


def test_a_stopped_seed_leaves_no_store_and_the_next_starts_afresh(tmp_path: Path) -> None:
    dana, ids = alone(tmp_path / "dana")
    where = tmp_path / "relay"
    where.mkdir()
    (where / ".relay.db.seeding").write_bytes(b"half a store")  # what a kill leaves
    relay = RelayProcess(where, from_replica=dana).start()
    try:
        assert not (where / ".relay.db.seeding").exists()
        ben = relay.join(tmp_path / "ben", BEN)
        assert {c["id"] for c in listed(ben)} == set(ids)
    finally:
        relay.stop()


def test_join_names_the_agent_unless_the_admin_did(relay: RelayProcess, tmp_path: Path) -> None:
    dana = tmp_path / "dana"
    ok(
        dana,
        "join",
        relay.url,
        "--token-file",
        str(relay.token(DANA, "--admin")),
        "--name",
        "Dana W",
    )
    assert "Dana W" in ok(dana, "agent", "list")
    ok(dana, "agent", "add", BEN, "--name", "Ben Okoro")
    ok(dana, "sync")
    ali = relay.join(tmp_path / "ali", "ali@acme.example.com", "--name", "Ali Rahman")
    assert "Ali Rahman" in ok(ali, "agent", "list")
    done = run_inbox(
        tmp_path / "ben", "join", relay.url, "--token-file", str(relay.token(BEN)),
        "--name", "Benny",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "names you 'Ben Okoro' already" in done.stderr
    ok(dana, "sync")
    agents = {a["email"]: a["name"] for a in json.loads(ok(dana, "agent", "list", "--json"))}
    assert agents[BEN] == "Ben Okoro" and agents["ali@acme.example.com"] == "Ali Rahman"
