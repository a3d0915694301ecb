"""Mail in, end to end with real servers: a Dovecot mailbox read by the gateway into the
workspace, through a real relay, to an agent's replica; again without duplicates, after a
renumbering, and with the server gone."""

from __future__ import annotations

import json
import mailbox
import os
from pathlib import Path
from typing import Any

from tests.conftest import run_inbox
from tests.mailservers import MAILBOXES, SUPPORT, Dovecot
from tests.relay.relays import DANA, MBOX, RelayProcess, ok, wait_for

RAW = [m.as_bytes() for m in mailbox.mbox(str(MBOX))]


def connect(relay: RelayProcess, dovecot: Dovecot, tmp_path: Path) -> None:
    secret = tmp_path / "support.password"
    secret.write_text(MAILBOXES[SUPPORT] + "\n")
    os.chmod(secret, 0o600)
    done = run_inbox(
        tmp_path, "relay", "mailbox", "add", SUPPORT, "--store", str(relay.store),
        "--imap", f"127.0.0.1:{dovecot.port}", "--security", "none",
        "--password-file", str(secret),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def gateway_once(relay: RelayProcess) -> str:
    done = run_inbox(
        relay.where, "relay", "gateway", "--store", str(relay.store), "--url", relay.url, "--once"
    )
    assert done.returncode == 0, done.stderr
    return str(done.stderr)


def mailboxes(relay: RelayProcess) -> dict[str, Any]:
    listed = run_inbox(
        relay.where, "relay", "mailbox", "list", "--store", str(relay.store), "--json"
    )
    return {m["address"]: m for m in json.loads(listed.stdout)}


def messages(home: Path) -> list[str]:
    ok(home, "sync")
    rows = json.loads(ok(home, "list", "--status", "all", "--json"))
    ids = []
    for row in rows:
        view = json.loads(ok(home, "show", row["id"], "--json"))
        ids += [m["message_id"] for m in view["messages"]]
    return sorted(ids)


def test_a_mailbox_is_read_into_the_workspace_once(
    relay: RelayProcess, dovecot: Dovecot, tmp_path: Path
) -> None:
    dana = relay.join(tmp_path / "dana", DANA)
    connect(relay, dovecot, tmp_path)
    for raw in RAW[:4]:
        dovecot.append(SUPPORT, "INBOX", raw)
    said = gateway_once(relay)
    assert "4 read, 4 new" in said
    first = messages(dana)
    assert len(first) == 4
    state = mailboxes(relay)[SUPPORT]
    assert (state["state"], state["last_uid"], state["error"]) == ("idle", 4, None)
    gateway_once(relay)  # nothing new: nothing read, nothing doubled
    assert messages(dana) == first
    for raw in RAW[4:]:
        dovecot.append(SUPPORT, "INBOX", raw)
    assert f"{len(RAW) - 4} read" in gateway_once(relay)
    assert len(messages(dana)) == len(RAW)
    assert SUPPORT in ok(dana, "mailbox", "list")  # the workspace knows its mailbox


def test_a_renumbered_folder_is_read_again_without_duplicates(
    relay: RelayProcess, dovecot: Dovecot, tmp_path: Path
) -> None:
    dana = relay.join(tmp_path / "dana", DANA)
    connect(relay, dovecot, tmp_path)
    for raw in RAW[:3]:
        dovecot.append(SUPPORT, "INBOX", raw)
    gateway_once(relay)
    before = messages(dana)
    dovecot.change_uidvalidity(SUPPORT, "INBOX")
    dovecot.append(SUPPORT, "INBOX", RAW[3])
    said = gateway_once(relay)
    assert "UIDVALIDITY changed" in said
    after = messages(dana)
    assert len(after) == len(before) + 1 and set(before) < set(after)


def test_a_server_that_is_gone_is_an_error_in_the_mailboxs_state(
    relay: RelayProcess, dovecot: Dovecot, tmp_path: Path
) -> None:
    connect(relay, dovecot, tmp_path)
    dovecot.stop()
    gateway_once(relay)
    state = mailboxes(relay)[SUPPORT]
    assert state["state"] == "error" and state["error"], state
    assert MAILBOXES[SUPPORT] not in json.dumps(state)


def test_one_gateway_at_a_time(relay: RelayProcess, tmp_path: Path) -> None:
    from relay.gateway import peer

    with peer.held(peer.home_of(relay.store)):
        done = run_inbox(
            relay.where, "relay", "gateway", "--store", str(relay.store), "--url", relay.url,
            "--once",
        )  # fmt: skip
    assert done.returncode == 3 and "another mail gateway" in done.stderr


def test_relay_serve_runs_the_gateway_and_new_mail_arrives_as_it_comes(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    where = tmp_path / "relay"
    where.mkdir()
    relay = RelayProcess(where)
    connect(relay, dovecot, tmp_path)  # a mailbox in the store before the relay starts
    relay.start()
    try:
        dana = relay.join(tmp_path / "dana", DANA)
        assert wait_for(lambda: "mail gateway started" in relay.logged(), timeout=10)
        for raw in RAW[:2]:
            dovecot.append(SUPPORT, "INBOX", raw)
        assert wait_for(lambda: len(messages(dana)) == 2, timeout=20), relay.logged()
        dovecot.append(SUPPORT, "INBOX", RAW[2])  # while the gateway waits in IDLE
        assert wait_for(lambda: len(messages(dana)) == 3, timeout=20), relay.logged()
    finally:
        relay.kill()  # SIGKILL: the relay's shutdown never runs, and the gateway ends too
        relay.stop()
    assert wait_for(lambda: not gateways(relay.store), timeout=10), gateways(relay.store)
    assert "Traceback" not in relay.logged()


def gateways(store: Path) -> list[int]:
    """Processes running the gateway of this store."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"gateway" in argv and str(store).encode() in argv:
            found.append(int(proc.name))
    return found


def test_a_mailbox_added_while_the_gateway_runs_is_read(dovecot: Dovecot, tmp_path: Path) -> None:
    from tests.mailservers import BILLING

    where = tmp_path / "relay"
    where.mkdir()
    relay = RelayProcess(where)
    connect(relay, dovecot, tmp_path)
    relay.start()
    try:
        dana = relay.join(tmp_path / "dana", DANA)
        secret = tmp_path / "billing.password"
        secret.write_text(MAILBOXES[BILLING] + "\n")
        os.chmod(secret, 0o600)
        ok(tmp_path, "relay", "mailbox", "add", BILLING, "--store", str(relay.store),
           "--imap", f"127.0.0.1:{dovecot.port}", "--security", "none",
           "--password-file", str(secret))  # fmt: skip
        dovecot.append(BILLING, "INBOX", RAW[0])
        assert wait_for(lambda: len(messages(dana)) == 1, timeout=30), relay.logged()
        assert BILLING in ok(dana, "mailbox", "list")
    finally:
        relay.stop()
