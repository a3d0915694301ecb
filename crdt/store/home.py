"""Where a replica lives: --home, else $INBOX_HOME, else $XDG_DATA_HOME/inbox."""

from __future__ import annotations

import os
from pathlib import Path

REPLICA_FILE = "replica.db"


def data_home(explicit: str | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    if os.environ.get("INBOX_HOME"):
        return Path(os.environ["INBOX_HOME"]).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "inbox"


def replica_path(home: Path) -> Path:
    return home / REPLICA_FILE
