"""Where the gateway's mailbox passwords come from: a command (a password manager, a
keyring, ``pass show support``) or a file of their own, never the gateway's settings.

The secret is the first line of what the command prints or the file holds. Whatever
goes wrong is a SecretError naming the command or file and why, and nothing the
command printed on stdout or the file held goes into it: either may be the secret.
A command runs without a shell (its words split as a shell would), with stdin closed,
for at most ``timeout`` seconds, and may print at most 64 KB; a file must be readable
by its owner alone, as ssh asks of a private key.
"""

from __future__ import annotations

import os
import selectors
import shlex
import signal
import stat
import subprocess
import time
from contextlib import suppress

from relay.gateway.errors import ConfigError, SecretError

LIMIT = 64 * 1024  # the most a command may print or a file hold: a password is a line
SHOWN = 300  # characters of a failing command's stderr kept for its message


class _TooMuch(Exception):
    """The command printed more than LIMIT on stdout."""


def read_secret(command: str | None = None, file: str | None = None, timeout: float = 10.0) -> str:
    """The secret from ``command``'s stdout or from ``file`` (exactly one): its first
    line, without the line break."""
    if (command is None) == (file is None):
        raise ConfigError("a secret comes from a password command or a password file: give one")
    if command is not None:
        return _from_command(command, timeout)
    assert file is not None
    return _from_file(file)


def _from_command(command: str, timeout: float) -> str:
    what = f"password command `{command}`"
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SecretError(f"{what} cannot be split into words: {exc}") from None
    if not argv:
        raise SecretError(f"{what} is empty")
    out, err, status = _run(argv, timeout, what)
    if status != 0:
        said = _scrubbed(err, out)
        raise SecretError(f"{what} failed (exit status {status}): {said}")
    return _first_line(out, f"{what} printed")


def _run(argv: list[str], timeout: float, what: str) -> tuple[bytes, bytes, int]:
    """stdout, stderr (both cut at LIMIT) and the exit status of ``argv``, which is
    killed (its whole process group) if it is still running after ``timeout``."""
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a group of its own: a timeout ends its children too
        )
    except OSError as exc:
        raise SecretError(f"cannot run {what}: {exc.strerror or exc}") from None
    with process:
        deadline = time.monotonic() + timeout
        try:
            out, err = _collect(process, deadline)
            status = process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _kill(process)
            raise SecretError(f"{what} did not finish in {timeout:g} s") from None
        except _TooMuch:
            _kill(process)
            raise SecretError(f"{what} printed more than {LIMIT // 1024} KB") from None
    return out, err, status


def _collect(process: subprocess.Popen[bytes], deadline: float) -> tuple[bytes, bytes]:
    """Both pipes read together until they close (one read alone could stall while the
    other fills); _TooMuch once stdout passes LIMIT, TimeoutExpired at the deadline.
    stderr beyond LIMIT is read and dropped, so the command is never blocked on it."""
    assert process.stdout is not None and process.stderr is not None
    out, err = process.stdout.fileno(), process.stderr.fileno()
    kept = {out: bytearray(), err: bytearray()}
    with selectors.DefaultSelector() as selector:
        for fd in kept:
            selector.register(fd, selectors.EVENT_READ)
        while selector.get_map():
            left = deadline - time.monotonic()
            if left <= 0:
                raise subprocess.TimeoutExpired(process.args, 0)
            for key, _ in selector.select(left):
                chunk = os.read(key.fd, 8192)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer = kept[key.fd]
                buffer += chunk[: LIMIT + 1 - len(buffer)]
                if key.fd == out and len(buffer) > LIMIT:
                    raise _TooMuch
    return bytes(kept[out]), bytes(kept[err])


def _kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the command's process group (the one it was started in), then reap it."""
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _scrubbed(err: bytes, out: bytes) -> str:
    """A failing command's stderr for its message: on one line, cut to SHOWN characters,
    and without its stdout's first line (a command may echo what it printed)."""
    text = " ".join(err.decode("utf-8", "replace").split())
    printed = out.split(b"\n", 1)[0].strip().decode("utf-8", "replace")
    if printed:
        text = text.replace(printed, "[hidden]")
    if len(text) > SHOWN:
        text = text[: SHOWN - 3] + "..."
    return "".join(c for c in text if c.isprintable()) or "nothing on stderr"


def _from_file(path: str) -> str:
    what = f"password file {path}"
    # O_NONBLOCK: a FIFO (or a device) in its place is refused below, not waited on
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(os.path.expanduser(path), flags)
    except OSError as exc:
        raise SecretError(f"cannot read {what}: {exc.strerror or exc}") from None
    try:
        _check_file(fd, what, path)
        data = _read(fd, what)
    finally:
        os.close(fd)
    return _first_line(data, f"{what} holds")


def _check_file(fd: int, what: str, path: str) -> None:
    """Refuse what is not a regular file its owner alone may read, by the file opened
    (not whatever the name is by now)."""
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        raise SecretError(f"{what} is not a regular file")
    if mode & 0o077:
        raise SecretError(
            f"{what} is open to others than its owner (mode {stat.S_IMODE(mode):04o}): "
            f"`chmod 600 {path}` makes it its owner's alone"
        )


def _read(fd: int, what: str) -> bytes:
    data = bytearray()
    try:
        while len(data) <= LIMIT and (chunk := os.read(fd, LIMIT + 1 - len(data))):
            data += chunk
    except OSError as exc:
        raise SecretError(f"cannot read {what}: {exc.strerror or exc}") from None
    if len(data) > LIMIT:
        raise SecretError(f"{what} is larger than {LIMIT // 1024} KB: a password is one line")
    return bytes(data)


def _first_line(data: bytes, what: str) -> str:
    """The secret: the first line of ``data``, without its line break."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SecretError(f"{what} something that is not UTF-8 text") from None
    line = text.split("\n", 1)[0].removesuffix("\r")
    if not line:
        raise SecretError(f"{what} no password on its first line")
    return line
