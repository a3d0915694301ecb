"""Where a token may go: https anywhere, plain http on loopback only unless --insecure; the
rule checked before anything connects, for join, sync and watch alike."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crdt.errors import UsageError
from crdt.replica import Replica
from relay.client.address import Relay, is_loopback, websocket_url
from tests.conftest import INBOX, ROOT, run_inbox
from tests.relay.relays import DANA, RelayProcess, ok

UNROUTABLE = "192.0.2.1"  # TEST-NET-1: never a real host


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost", "LocalHost.", "[0:0::1]"]
)
def test_loopback_addresses_are_this_machine(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    ["10.0.0.5", "192.168.1.2", "0.0.0.0", "::", "relay.acme.example.com", "localhost.evil.net",
     "127.0.0.1.nip.io", "fe80::1", ""],
)  # fmt: skip
def test_other_hosts_are_a_network_away(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://relay.acme.example.com", "wss://relay.acme.example.com/sync"),
        ("https://relay.example:8443/inbox/", "wss://relay.example:8443/inbox/sync"),
        ("HTTPS://10.0.0.5", "wss://10.0.0.5/sync"),
        ("http://127.0.0.1:8787", "ws://127.0.0.1:8787/sync"),
        ("http://localhost:8787/", "ws://localhost:8787/sync"),
        ("http://[::1]:8787", "ws://[::1]:8787/sync"),
        ("ws://127.0.0.1:8787", "ws://127.0.0.1:8787/sync"),
    ],
)  # fmt: skip
def test_relay_urls_become_their_socket(url: str, expected: str) -> None:
    assert websocket_url(Relay(url)) == expected


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:8787", "ws://relay.acme.example.com", "http://0.0.0.0:8787"]
)
def test_plain_http_off_loopback_needs_insecure(url: str) -> None:
    with pytest.raises(UsageError, match="--insecure"):
        websocket_url(Relay(url))
    assert websocket_url(Relay(url, insecure=True)).startswith("ws://")


@pytest.mark.parametrize(
    "url", ["relay.acme.example.com", "ftp://relay", "https://", "https://h:99999", "https://h:x"]
)
def test_what_is_not_a_relay_url(url: str) -> None:
    with pytest.raises(UsageError, match="not a relay URL"):
        websocket_url(Relay(url, insecure=True))


def test_a_ca_file_is_for_https_only() -> None:
    with pytest.raises(UsageError, match="https"):
        websocket_url(Relay("http://127.0.0.1:8787", ca_file="ca.pem"))


# Off loopback by the rule (address.is_loopback), yet it reaches this machine: Linux
# connects 0.0.0.0 to the local host, so a listener on every interface sees what would
# cross a network, on any machine, with no interface but loopback.
OFF_LOOPBACK = "0.0.0.0"


@pytest.fixture
def listener() -> Iterator[tuple[socket.socket, str]]:
    """A TCP socket listening on every interface: whoever connects to it is seen."""
    sock = socket.create_server(("0.0.0.0", 0))
    sock.settimeout(5)
    yield sock, f"{OFF_LOOPBACK}:{sock.getsockname()[1]}"
    sock.close()


def token_file(where: Path) -> Path:
    path = where / "dana.token"
    path.write_text("inbox_0123abcd_s3cr3t-never-in-clear-text\n")
    return path


def nobody_connected(sock: socket.socket) -> bool:
    sock.settimeout(0.3)
    try:
        sock.accept()[0].close()
    except TimeoutError:
        return True
    return False


def test_join_refuses_plain_http_off_loopback_before_connecting(
    listener: tuple[socket.socket, str], tmp_path: Path
) -> None:
    sock, where = listener
    done = run_inbox(tmp_path / "a", "join", f"http://{where}", "--token-file", "-", stdin="x")
    assert done.returncode == 2
    assert "clear text" in done.stderr and "--insecure" in done.stderr and "https" in done.stderr
    assert nobody_connected(sock)
    assert not (tmp_path / "a").exists() or not any((tmp_path / "a").iterdir())


def test_with_insecure_the_token_goes_out_in_clear_text(
    listener: tuple[socket.socket, str], tmp_path: Path
) -> None:
    """What the refusal above keeps from happening: the bearer token readable on the wire."""
    sock, where = listener
    tokens = token_file(tmp_path)
    argv = [*INBOX, "--home", str(tmp_path / "a"), "join", f"http://{where}", "--insecure"]
    proc = subprocess.Popen([*argv, "--token-file", str(tokens)], cwd=ROOT, stderr=subprocess.PIPE)
    try:
        conn, _ = sock.accept()
        with conn:
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
    finally:
        _, err = proc.communicate(timeout=30)
    assert tokens.read_text().strip().encode() in request
    assert proc.returncode == 1 and b"unreachable" in err  # the listener is no relay
    assert tokens.read_text().strip().encode() not in err


def test_sync_and_watch_refuse_a_plain_relay_off_loopback(tmp_path: Path) -> None:
    """A replica joined to a plain relay elsewhere (before the rule, or its URL edited):
    every connection refuses it, and the watcher ends rather than retrying."""
    home = tmp_path / "a"
    home.mkdir()
    Replica.create(
        home, workspace="acme", agent=DANA, name=None, relay_url=f"http://{UNROUTABLE}:8787"
    ).close()
    token_file(tmp_path).rename(home / "relay-token")
    for argv in (["sync"], ["sync", "--watch"]):
        started = time.monotonic()
        done = run_inbox(home, *argv)
        assert done.returncode == 2 and "--insecure" in done.stderr, done.stderr
        assert time.monotonic() - started < 8  # refused, not a 10 s connect timeout
    done = run_inbox(home, "sync", "--insecure")  # now it tries, and cannot reach it
    assert done.returncode == 1 and "unreachable" in done.stderr


def test_a_replica_joined_with_insecure_keeps_syncing(tmp_path: Path) -> None:
    where = tmp_path / "relay"
    where.mkdir()
    relay = RelayProcess(where, host="0.0.0.0").start()
    try:
        url = relay.url.replace("127.0.0.1", OFF_LOOPBACK)
        token = relay.token(DANA)
        refused = run_inbox(tmp_path / "a", "join", url, "--token-file", str(token))
        assert refused.returncode == 2
        ok(tmp_path / "a", "join", url, "--token-file", str(token), "--insecure")
        ok(tmp_path / "a", "note", "--help")  # any command: the replica is there
        ok(tmp_path / "a", "sync")  # --insecure was kept with the relay URL
    finally:
        relay.stop()
    assert "clear text" in relay.logged()  # the relay warned when it started
