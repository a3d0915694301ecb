"""Attachments over HTTP on a real relay: who may read and write, what a PUT must be, and
an upload that outlives the connection guard's timeout while an idle connection does not."""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_inbox
from tests.relay.relays import DANA, RelayProcess

DATA = os.urandom(200_000)
SHA = hashlib.sha256(DATA).hexdigest()


def ask(
    relay: RelayProcess, method: str, sha: str, token: str | None, body: bytes | None = None
) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    conn.request(method, f"/blobs/{sha}", body=body, headers=headers)
    answer = conn.getresponse()
    got = answer.status, answer.read(), {k.lower(): v for k, v in answer.getheaders()}
    conn.close()
    return got


def token(relay: RelayProcess, *role: str) -> str:
    return relay.token(DANA, *role).read_text().strip()


def kept_files(relay: RelayProcess) -> list[Path]:
    root = relay.store.with_name("relay.blobs")
    return [p for p in root.rglob("*") if p.is_file() and p.parent.name not in ("tmp",)]


def test_a_put_blob_comes_back_byte_for_byte(relay: RelayProcess) -> None:
    mine = token(relay)
    assert ask(relay, "HEAD", SHA, mine)[0] == 404
    assert ask(relay, "PUT", SHA, mine, DATA)[0] == 201
    status, _, headers = ask(relay, "HEAD", SHA, mine)
    assert status == 200 and headers["content-length"] == str(len(DATA))
    status, body, headers = ask(relay, "GET", SHA, mine)
    assert status == 200 and body == DATA
    assert headers["content-type"] == "application/octet-stream"
    assert ask(relay, "PUT", SHA, mine, DATA)[0] == 201  # again: the same, nothing changes
    assert len(kept_files(relay)) == 1
    assert ask(relay, "GET", "0" * 64, mine)[0] == 404
    assert ask(relay, "GET", "not-a-name", mine)[0] == 404
    assert ask(relay, "DELETE", SHA, mine)[0] == 405


def test_no_token_or_an_unknown_one_gets_401(relay: RelayProcess) -> None:
    mine = token(relay)
    assert ask(relay, "PUT", SHA, mine, DATA)[0] == 201
    for method in ("GET", "HEAD", "PUT"):
        for wrong in (None, "inbox_000000000000_forged", mine[:-2] + "xx"):
            status, _, headers = ask(relay, method, SHA, wrong, DATA if method == "PUT" else None)
            assert status == 401, (method, wrong)
            assert headers["www-authenticate"] == "Bearer"
    done = run_inbox(relay.where, "relay", "token", "revoke", DANA, "--store", str(relay.store))
    assert done.returncode == 0, done.stderr
    assert ask(relay, "GET", SHA, mine)[0] == 401


def test_a_viewer_reads_blobs_and_writes_none(relay: RelayProcess) -> None:
    viewer, agent = token(relay, "--viewer"), token(relay)
    status, body, _ = ask(relay, "PUT", SHA, viewer, DATA)
    assert status == 403 and b"viewer" in body
    assert ask(relay, "HEAD", SHA, viewer)[0] == 404  # nothing was kept
    assert ask(relay, "PUT", SHA, agent, DATA)[0] == 201
    assert ask(relay, "GET", SHA, viewer)[1] == DATA


def test_bytes_that_do_not_hash_to_their_name_are_kept_nowhere(relay: RelayProcess) -> None:
    mine = token(relay)
    other = hashlib.sha256(b"something else").hexdigest()
    status, body, _ = ask(relay, "PUT", other, mine, DATA)
    assert status == 400 and b"hash" in body
    assert ask(relay, "HEAD", other, mine)[0] == 404
    assert ask(relay, "HEAD", SHA, mine)[0] == 404
    assert kept_files(relay) == []
    tmp = relay.store.with_name("relay.blobs") / "tmp"
    assert not tmp.exists() or list(tmp.iterdir()) == []


@pytest.fixture
def small_relay(tmp_path: Path) -> Iterator[RelayProcess]:
    """A relay that keeps attachments of 0.1 MB at most (`relay serve --attachment-limit`)."""
    where = tmp_path / "small"
    where.mkdir()
    process = RelayProcess(where, args=("--attachment-limit", "0.1")).start()
    yield process
    process.stop()


def raw_put(port: int, sha: str, secret: str, head: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(
        f"PUT /blobs/{sha} HTTP/1.1\r\nHost: relay\r\nAuthorization: Bearer {secret}\r\n"
        f"{head}\r\n".encode()
    )
    return sock


def status_of(sock: socket.socket) -> int:
    answer = b""
    while b"\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    return int(answer.split()[1]) if answer else 0


def test_an_upload_over_the_limit_is_413_declared_or_streamed(small_relay: RelayProcess) -> None:
    relay, mine = small_relay, token(small_relay)
    assert len(DATA) > 0.1 * 1024 * 1024
    declared = raw_put(relay.port, SHA, mine, f"Content-Length: {len(DATA)}\r\n")
    assert status_of(declared) == 413  # answered before a byte of the body was sent
    declared.close()
    streamed = raw_put(relay.port, SHA, mine, "Transfer-Encoding: chunked\r\n")
    try:
        for at in range(0, len(DATA), 16_384):
            piece = DATA[at : at + 16_384]
            streamed.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
        streamed.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the relay may close once it has answered
    assert status_of(streamed) == 413
    streamed.close()
    assert ask(relay, "HEAD", SHA, mine)[0] == 404
    small = os.urandom(50_000)
    assert ask(relay, "PUT", hashlib.sha256(small).hexdigest(), mine, small)[0] == 201


TIMEOUT = 1.0


@pytest.fixture
def strict_relay(tmp_path: Path) -> Iterator[RelayProcess]:
    where = tmp_path / "strict"
    where.mkdir()
    process = RelayProcess(where, limits={"handshake_timeout": TIMEOUT}).start()
    yield process
    process.stop()


def closed(sock: socket.socket, within: float) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def test_a_slow_upload_is_not_cut_but_a_stalled_or_idle_one_is(strict_relay: RelayProcess) -> None:
    relay, mine = strict_relay, token(strict_relay)
    idle = socket.create_connection(("127.0.0.1", relay.port))
    stalled = raw_put(relay.port, SHA, mine, f"Content-Length: {len(DATA)}\r\n")
    stalled.sendall(DATA[:1000])  # and then nothing
    slow = raw_put(relay.port, SHA, mine, f"Content-Length: {len(DATA)}\r\n")
    pieces = [DATA[i : i + len(DATA) // 10] for i in range(0, len(DATA), len(DATA) // 10)]
    started = time.monotonic()
    for piece in pieces:  # 10 pieces, 0.4 s apart: 4 s in all, four times the timeout
        slow.sendall(piece)
        time.sleep(0.4)
    assert time.monotonic() - started > 3 * TIMEOUT
    assert status_of(slow) == 201
    slow.close()
    assert closed(idle, 0.1) and closed(stalled, 0.1)
    idle.close()
    stalled.close()
    status, body, _ = ask(relay, "GET", SHA, mine)
    assert status == 200 and body == DATA
