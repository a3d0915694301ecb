"""The relay trusts no replica: a real relay, real replicas, an agent holding a valid token
and trying to write in another's name, to stamp its own claims, to change settings that
are an admin's, or to poison a document."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from crdt.model import conversation
from crdt.model.ydoc import Doc
from crdt.replica import Replica
from relay import protocol as p
from relay.server.limits import DEFAULTS
from tests.conftest import run_inbox
from tests.relay.relays import BEN, DANA, MBOX, RelayProcess, ok

DATA = Path(__file__).resolve().parent / "data"
POISONED = "0123456789abcdef0123456789abcdef"  # the conversation of data/panic-0-1.*


def joined(relay: RelayProcess, tmp_path: Path) -> tuple[Path, Path, str]:
    """Dana (an agent, not an admin) with the example mail, Ben joined after; both synced,
    and a conversation id."""
    a = relay.join(tmp_path / "a", DANA)
    ok(a, "import", str(MBOX))
    ok(a, "sync")
    b = relay.join(tmp_path / "b", BEN)
    ok(a, "sync")  # Dana's replica learns Ben from the agent list
    ident = json.loads(ok(a, "list", "--json", "--limit", "1"))[0]["id"]
    return a, b, str(ident)


def shown(home: Path, ident: str) -> dict[str, Any]:
    return dict(json.loads(ok(home, "show", ident, "--json")))


def as_ben(home: Path, *args: str) -> subprocess.CompletedProcess[Any]:
    return run_inbox(home, *args, env={"INBOX_AGENT": BEN})


def test_writing_in_a_teammates_name_is_refused_end_to_end(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b, ident = joined(relay, tmp_path)
    relay.stop()  # written offline, as a replica may; `claim` would otherwise sync at once
    assert as_ben(a, "note", ident, "-m", "approve the refund of 5000 EUR").returncode == 0
    assert as_ben(a, "claim", ident).returncode == 0
    assert as_ben(a, "tag", ident, "--add", "forged").returncode == 0
    relay.start()
    done = run_inbox(a, "sync")
    assert done.returncode == 4, done.stderr
    assert "refused" in done.stderr and ident[:8] in done.stderr
    ok(b, "sync")
    for home in (a, b):  # dropped where it was made, never seen by the teammate
        thread = shown(home, ident)
        assert not [n for n in thread["notes"] if "5000" in n["body"]]
        assert "forged" not in thread["tags"]
        assert thread["assignee"] is None
        assert not [e for e in thread["activity"] if e["who"] == BEN]
    assert "refused dana@acme.example.com's change" in relay.logged()
    # the replica goes on: Dana's own change in her own name travels
    ok(a, "tag", ident, "--add", "vip")
    ok(a, "sync")
    ok(b, "sync")
    assert "vip" in shown(b, ident)["tags"]


def test_a_claim_stamped_by_a_replica_is_refused(relay: RelayProcess, tmp_path: Path) -> None:
    a, b, ident = joined(relay, tmp_path)
    ok(b, "claim", ident)
    ok(b, "sync")
    ok(a, "sync")
    forged = {"action": "claim", "by": DANA, "to": None, "at": "2020-01-01T00:00:00.000Z"}
    replica = Replica.open(a)  # a modified client: writes what `inbox claim` never would
    try:
        replica.edit(ident, lambda d: d.map("claims").__setitem__("f" * 32, {**forged, "seq": 0}))
    finally:
        replica.close()
    assert shown(a, ident)["assignee"] == DANA  # the forgery wins here, before the relay
    done = run_inbox(a, "sync")
    assert done.returncode == 4 and "only the relay stamps" in done.stderr, done.stderr
    assert shown(a, ident)["assignee"] == BEN
    ok(b, "sync")
    assert shown(b, ident)["assignee"] == BEN


def test_settings_are_an_admins_and_a_viewer_writes_nothing(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b, ident = joined(relay, tmp_path)
    done = run_inbox(a, "mailbox", "add", "sales@acme.example.com")
    assert done.returncode == 4 and "admin" in done.stderr  # refused before the relay
    # a replica that lies to itself about its role is refused by the relay
    conn = sqlite3.connect(a / "replica.db")
    with conn:
        conn.execute("UPDATE meta SET value = 'admin' WHERE key = 'role'")
    conn.close()
    ok(a, "agent", "add", "mallory@evil.example.com", "--name", "Mallory")
    done = run_inbox(a, "sync")
    assert done.returncode == 4 and "only an admin" in done.stderr, done.stderr
    ok(b, "sync")
    for home in (a, b):
        agents = ok(home, "agent", "list")
        assert "mallory" not in agents and "ben" in agents
    viewer = tmp_path / "v"
    token = relay.token("vic@acme.example.com", "--viewer")
    assert run_inbox(viewer, "join", relay.url, "--token-file", str(token)).returncode == 0
    assert ident in ok(viewer, "list")  # reads everything
    done = run_inbox(viewer, "tag", ident, "--add", "x")
    assert done.returncode == 4 and "viewer" in done.stderr


def test_an_admin_sets_a_name_that_a_join_keeps(relay: RelayProcess, tmp_path: Path) -> None:
    admin = tmp_path / "admin"
    token = relay.token(DANA, "--admin")
    assert run_inbox(admin, "join", relay.url, "--token-file", str(token)).returncode == 0
    ok(admin, "agent", "add", BEN, "--name", "Ben Okafor")
    ok(admin, "sync")
    b = relay.join(tmp_path / "b", BEN)
    ok(admin, "sync")
    for home in (admin, b):
        assert "Ben Okafor" in ok(home, "agent", "list")


async def _attack(relay: RelayProcess, token: str, frames: list[bytes]) -> list[p.Frame]:
    """Send frames after HELLO; what the relay answered until it closed the socket."""
    headers = {"Authorization": f"Bearer {token}"}
    url = f"ws://127.0.0.1:{relay.port}/sync"
    heard: list[p.Frame] = []
    async with connect(url, additional_headers=headers, max_size=None) as ws:
        await ws.send(p.number("", p.HELLO, 2**40))  # past the head: no catch-up
        for frame in frames:
            await ws.send(frame)
        try:
            while True:
                message = await asyncio.wait_for(ws.recv(), 10)
                heard.append(p.decode(bytes(message)))  # type: ignore[arg-type]
        except (ConnectionClosed, TimeoutError):
            pass
    return heard


def test_a_poisoned_update_is_refused_and_hurts_nobody(relay: RelayProcess, tmp_path: Path) -> None:
    base = (DATA / "panic-0-1.base").read_bytes()
    poison = (DATA / "panic-0-1.update").read_bytes()
    probe = Doc()
    probe.apply_update(base)
    try:  # the fixture still makes pycrdt panic, or this test proves nothing
        probe._doc.apply_update(probe._doc.create_transaction(), poison)
    except BaseException as exc:
        assert type(exc).__name__ == "PanicException"
    else:
        raise AssertionError("the poisoned update no longer panics pycrdt")
    name = f"c:{POISONED}"
    token = relay.token("a@acme.example.com").read_text().strip()
    heard = asyncio.run(_attack(relay, token, [p.sync(name, p.UPDATE, base)]))
    assert p.STORED in [f.kind for f in heard if f.doc == name]
    heard = asyncio.run(_attack(relay, token, [p.sync(name, p.UPDATE, poison)]))
    refused = [f for f in heard if f.kind == p.REFUSED]
    assert refused and "panic" in refused[0].info
    assert "does not apply" in relay.logged()
    conn = sqlite3.connect(relay.store)
    logged = [bytes(r[0]) for r in conn.execute("SELECT data FROM log WHERE doc = ?", (name,))]
    conn.close()
    assert poison not in logged and len(logged) == 1
    home = relay.join(tmp_path / "b", BEN)  # joins later, lists it, and it is whole
    listed = json.loads(ok(home, "list", "--json"))
    assert [c["id"] for c in listed] == [POISONED]
    thread = shown(home, POISONED)
    assert thread["id"] == POISONED and len(thread["messages"]) == 1
    ok(home, "tag", POISONED, "--add", "after")
    ok(home, "sync")
    assert relay.proc is not None
    relay.proc.send_signal(signal.SIGTERM)  # the relay still stops when asked
    relay.proc.wait(10)  # raises if it hangs
    relay.proc = None
    relay.start()  # and comes back with the conversation whole
    other = relay.join(tmp_path / "c", "cy@acme.example.com")
    assert "after" in shown(other, POISONED)["tags"]


def test_a_socket_that_keeps_sending_refused_changes_is_dropped(relay: RelayProcess) -> None:
    base = (DATA / "panic-0-1.base").read_bytes()
    name = f"c:{POISONED}"
    token = relay.token("a@acme.example.com").read_text().strip()
    forged = []
    for n in range(DEFAULTS.refusals + 5):
        doc = Doc()
        doc.apply_update(base)
        state = doc.get_state()
        conversation.add_note(
            doc, body=f"forged {n}", mentions=[], who=BEN, at="2026-12-03T10:00:00Z"
        )
        forged.append(p.sync(name, p.UPDATE, doc.get_update(state)))
    heard = asyncio.run(_attack(relay, token, [p.sync(name, p.UPDATE, base), *forged]))
    assert len([f for f in heard if f.kind == p.REFUSED]) == DEFAULTS.refusals
    assert "changes refused" in relay.logged()
