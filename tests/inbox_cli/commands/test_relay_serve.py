"""`inbox relay serve`: ports checked before anything starts, a busy port in one line,
and a banner that is true: printed once the socket listens, with the address it has."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import INBOX, ROOT, run_inbox
from tests.relay.relays import free_port


@pytest.mark.parametrize("port", ["99999", "65536", "0", "-1", "http", ""])
def test_a_port_out_of_range_is_a_usage_error(tmp_path: Path, port: str) -> None:
    store = tmp_path / "relay.db"
    done = run_inbox(tmp_path, "relay", "serve", "--port", port, "--store", str(store))
    assert done.returncode == 2, done.stderr
    assert "1-65535" in done.stderr and "relay for" not in done.stderr
    assert "Traceback" not in done.stderr
    assert not store.exists()  # refused before the store was made


def test_a_busy_port_is_one_line_and_exit_1(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        store = tmp_path / "relay.db"
        done = run_inbox(tmp_path, "relay", "serve", "--port", str(port), "--store", str(store))
    assert done.returncode == 1, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: ") and f"127.0.0.1:{port}" in line and "in use" in line
    assert "relay for" not in done.stderr and not store.exists()


def test_the_banner_comes_once_the_socket_listens_with_its_address(tmp_path: Path) -> None:
    port = free_port()
    argv = [*INBOX, "relay", "serve", "--host", "localhost", "--port", str(port)]
    proc = subprocess.Popen(
        [*argv, "--store", str(tmp_path / "relay.db")],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stderr is not None
        banner = proc.stderr.readline()
        # at once, no retry: what the banner says is already true
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        assert f"on http://127.0.0.1:{port} " in banner, banner
    finally:
        proc.terminate()
        proc.wait(10)
