"""A long `show` on a terminal goes through the pager, as git's output does; piped,
--json, --no-pager, PAGER=cat and a short thread never do."""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import termios
import threading
from pathlib import Path

import pytest

from tests.conftest import INBOX, ROOT, add_chats


@pytest.fixture
def long_thread(home: Path) -> str:
    messages = [["in" if i % 2 else "out", f"line number {i} of a long thread"] for i in range(60)]
    chat = {"visitor": "maria@example.com", "at": "2026-11-20T10:00:00Z", "messages": messages}
    return add_chats(home, [chat])[0]


@pytest.fixture
def short_thread(home: Path) -> str:
    chat = {"visitor": "leo@example.net", "at": "2026-11-21T10:00:00Z", "messages": [["in", "hi"]]}
    return add_chats(home, [chat])[0]


def _on_terminal(
    home: Path, *args: str, env: dict[str, str], stdout_tty: bool = True
) -> tuple[int, str]:
    """`inbox ARGS` with stdout on a 24-row pseudo-terminal (or a pipe); what reached it."""
    import pty

    full = {k: v for k, v in os.environ.items() if k not in ("PAGER", "INBOX_PAGER")}
    full.update({"INBOX_HOME": str(home), "NO_COLOR": "1", **env})
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    seen: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run(
            INBOX + list(args),
            env=full,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=secondary if stdout_tty else subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=60,
        )
    finally:
        os.close(secondary)
        reader.join(timeout=5)
        os.close(primary)
    shown = b"".join(seen).decode("utf-8", "replace") + (done.stdout or b"").decode()
    return done.returncode, shown


def _pager(tmp_path: Path) -> tuple[str, Path]:
    got = tmp_path / "paged.txt"
    return f"sh -c 'cat > {got}'", got


def test_a_long_show_on_a_terminal_goes_through_the_pager(
    home: Path, long_thread: str, short_thread: str, tmp_path: Path
) -> None:
    pager, got = _pager(tmp_path)
    code, shown = _on_terminal(home, "show", short_thread[:8], env={"PAGER": pager})
    assert code == 0 and "hi" in shown and not got.exists()  # it fits the screen
    code, shown = _on_terminal(home, "show", long_thread[:8], env={"PAGER": pager})
    assert code == 0
    assert "line number 59" in got.read_text()
    assert "line number 59" not in shown  # the pager had it, not the screen
    code, shown = _on_terminal(home, "show", long_thread[:8], env={"PAGER": "/no/such/pager"})
    assert code == 0 and "line number 59" in shown  # no pager: the screen


def test_inbox_pager_wins_over_pager(home: Path, long_thread: str, tmp_path: Path) -> None:
    pager, got = _pager(tmp_path)
    env = {"INBOX_PAGER": pager, "PAGER": "false"}
    assert _on_terminal(home, "show", long_thread[:8], env=env)[0] == 0
    assert "line number 59" in got.read_text()


@pytest.mark.parametrize(
    ("extra", "env", "stdout_tty"),
    [
        ([], {}, False),  # piped
        (["--json"], {}, True),
        (["--no-pager"], {}, True),
        ([], {"INBOX_PAGER": "cat"}, True),
        ([], {"INBOX_PAGER": ""}, True),
    ],
)
def test_no_pager_when_piped_json_or_turned_off(
    home: Path,
    long_thread: str,
    tmp_path: Path,
    extra: list[str],
    env: dict[str, str],
    stdout_tty: bool,
) -> None:
    pager, got = _pager(tmp_path)
    assert _on_terminal(home, "show", long_thread[:8], env={"PAGER": pager})[0] == 0
    assert got.exists()  # the same thread without the switch is paged
    got.unlink()
    code, shown = _on_terminal(
        home, "show", long_thread[:8], *extra, env={"PAGER": pager, **env}, stdout_tty=stdout_tty
    )
    assert code == 0
    assert not got.exists()
    assert "line number 59" in shown


def test_the_config_files_pager_is_used_and_pager_wins(
    home: Path, long_thread: str, tmp_path: Path
) -> None:
    pager, got = _pager(tmp_path)
    (tmp_path / "xdg" / "inbox").mkdir(parents=True)
    (tmp_path / "xdg" / "inbox" / "config.toml").write_text(f"pager = {pager!r}\n")
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert _on_terminal(home, "show", long_thread[:8], env=env)[0] == 0
    assert "line number 59" in got.read_text()
    got.unlink()
    code, shown = _on_terminal(home, "show", long_thread[:8], env={**env, "PAGER": "cat"})
    assert code == 0 and not got.exists() and "line number 59" in shown
