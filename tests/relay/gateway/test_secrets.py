"""Mailbox passwords from a command or a file (relay/gateway/secrets.py): the first line,
and refusals that say which command or file and why without ever holding the secret."""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

import pytest

from relay.gateway.errors import ConfigError, SecretError
from relay.gateway.secrets import LIMIT, read_secret


def python(code: str) -> str:
    """A password command that runs ``code`` in this Python."""
    return shlex.join([sys.executable, "-c", code])


def script(tmp_path: Path, body: str) -> str:
    """A password command that is a small shell script of its own."""
    path = tmp_path / "password.sh"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o700)
    return shlex.quote(str(path))


def test_a_command_gives_its_first_line(tmp_path: Path) -> None:
    assert read_secret(command=script(tmp_path, "printf 's3cret\\n'")) == "s3cret"
    assert read_secret(command=python("print('pass word'); print('second line')")) == "pass word"
    assert read_secret(command=python("import sys; sys.stdout.write('no newline')")) == (
        "no newline"
    )


def test_a_command_runs_with_stdin_closed_and_no_shell(tmp_path: Path) -> None:
    assert read_secret(command=python("import sys; print(repr(sys.stdin.read()))")) == "''"
    marker = tmp_path / "touched"
    assert read_secret(command=f"echo safe; touch {marker}") == "safe; touch " + str(marker)
    assert not marker.exists()  # ; is a word for echo, not a shell's


def test_a_failing_command_says_its_stderr_and_not_its_stdout() -> None:
    secret = "'s3' + 'cret'"  # the command does not hold it, only what it prints
    command = python(
        f"import sys; print({secret}); print('vault sealed:', {secret}, file=sys.stderr); "
        "sys.exit(1)"
    )
    with pytest.raises(SecretError) as failed:
        read_secret(command=command)
    message = str(failed.value)
    assert "exit status 1" in message and "vault sealed" in message
    assert command in message  # which command
    assert "s3cret" not in message


def test_a_command_that_does_not_finish_is_killed() -> None:
    started = time.monotonic()
    with pytest.raises(SecretError, match=r"did not finish in 0\.3 s"):
        read_secret(command=python("import time; time.sleep(30)"), timeout=0.3)
    assert time.monotonic() - started < 2


def test_a_command_whose_children_keep_its_pipes_is_killed_with_them(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(SecretError, match="did not finish"):
        read_secret(command=script(tmp_path, "echo s3cret; sleep 30 & wait"), timeout=0.3)
    assert time.monotonic() - started < 2


def test_a_command_printing_too_much_is_refused() -> None:
    with pytest.raises(SecretError, match="more than 64 KB"):
        read_secret(command=python(f"print('x' * {LIMIT + 1})"))
    with pytest.raises(SecretError, match="more than 64 KB"):
        read_secret(command="yes")  # never ends: refused at 64 KB, not at the timeout


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (python("pass"), "no password on its first line"),
        (python("print()"), "no password on its first line"),
        (python("import sys; sys.stdout.buffer.write(b'\\xff\\n')"), "not UTF-8"),
        ("no-such-password-program --show", "cannot run"),
        ("'unclosed", "cannot be split"),
        ("", "is empty"),
    ],
)
def test_a_command_that_gives_no_password_is_refused(command: str, said: str) -> None:
    with pytest.raises(SecretError, match=said):
        read_secret(command=command)


def test_a_file_of_its_owner_alone_gives_its_first_line(tmp_path: Path) -> None:
    path = tmp_path / "support.password"
    path.write_text("s3cret\r\nthe rest is not read\n")
    path.chmod(0o600)
    assert read_secret(file=str(path)) == "s3cret"
    path.chmod(0o400)
    assert read_secret(file=str(path)) == "s3cret"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_a_file_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "support.password"
    path.write_text("s3cret\n")
    path.chmod(mode)
    with pytest.raises(SecretError, match=f"mode 0{mode:o}") as refused:
        read_secret(file=str(path))
    assert f"chmod 600 {path}" in str(refused.value)
    assert "s3cret" not in str(refused.value)


def test_a_file_that_is_missing_empty_large_or_not_a_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SecretError, match=r"cannot read password file .*missing"):
        read_secret(file=str(tmp_path / "missing"))
    empty = tmp_path / "empty"
    empty.write_text("")
    empty.chmod(0o600)
    with pytest.raises(SecretError, match="no password"):
        read_secret(file=str(empty))
    large = tmp_path / "large"
    large.write_text("x" * (LIMIT + 1))
    large.chmod(0o600)
    with pytest.raises(SecretError, match="larger than 64 KB"):
        read_secret(file=str(large))
    folder = tmp_path / "folder"
    folder.mkdir(mode=0o700)
    with pytest.raises(SecretError, match="not a regular file"):
        read_secret(file=str(folder))


def test_exactly_one_source() -> None:
    with pytest.raises(ConfigError):
        read_secret()
    with pytest.raises(ConfigError):
        read_secret(command="true", file="password")
