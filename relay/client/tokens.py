"""The replica's relay token: read from a file or stdin, kept beside the replica, never
on the command line or in a log."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from crdt.errors import StoreError, UsageError

TOKEN_FILE = "relay-token"  # in the replica's home, readable by its owner only


def read_token(path: str) -> str:
    """A token from a file (``-`` for stdin): never from argv, never logged."""
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text()
    except OSError as exc:
        raise UsageError(f"cannot read token file {path}: {exc.strerror}") from exc
    token = text.strip()
    if not token:
        raise UsageError(f"token file {path} is empty")
    return token


def keep_token(home: Path, token: str) -> None:
    path = home / TOKEN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(token + "\n")


def kept_token(home: Path) -> str:
    try:
        return (home / TOKEN_FILE).read_text().strip()
    except OSError as exc:
        raise StoreError("this replica has no relay token: run `inbox join` first") from exc
