"""The embedded demo's workspace: a directory of its own, seeded from examples/, with a
little history.

What runs beside it (a relay, a watcher per replica) is started by inbox_cli/demo/;
this module only prepares the directory and fills a replica, and opens no socket.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from crdt import actions
from crdt.demo import seed
from crdt.errors import StoreError
from crdt.replica import Replica

MARKER = ".inbox-demo"
YOU, TEAMMATE = "dana@acme.example.com", "ben@acme.example.com"  # one replica each


def default_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(xdg) / "inbox-demo"


def examples_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "examples"


def workspace_name() -> str:
    return str(seed.read_settings(examples_dir())["workspace"])


def is_demo(where: Path) -> bool:
    """Made by `inbox demo`: only such a directory is emptied, or has its processes ended."""
    return (where / MARKER).is_file()


def prepare(where: Path) -> None:
    """Make ``where`` an empty demo directory: a demo made before is emptied, an empty or
    a new directory is taken; anything else is refused and left as it is."""
    if is_demo(where):
        _empty(where)
    elif where.exists() and not (where.is_dir() and not any(where.iterdir())):
        raise StoreError(f"{where} exists and is not a demo directory; it was left as it is")
    where.mkdir(parents=True, exist_ok=True)
    (where / MARKER).write_text("made by `inbox demo`; safe to delete\n")


def fill(replica: Replica) -> str:
    """Seed ``replica`` (the demo's own, as YOU) and give it some history; returns the id
    of the conversation to try."""
    seed.fill(replica, examples_dir())
    return _history(replica)


def _empty(where: Path) -> None:
    """Remove what a demo directory holds, keeping the directory (it may be a link, or
    a shell's working directory)."""
    for item in where.iterdir():
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item)
        else:
            item.unlink()


def _by_subject(replica: Replica) -> dict[str, str]:
    from crdt.replica import Filters

    rows = replica.conversations(Filters(status="all", limit=None)).rows
    return {r["subject"]: r["id"] for r in rows}


def _history(replica: Replica) -> str:
    """YOU's part of the history, so the demo has something closed and something to try."""
    by_subject = _by_subject(replica)
    maria = by_subject.get("Double charge on my November invoice", next(iter(by_subject.values())))
    payout = by_subject.get("Payout report for week 47")
    if payout:
        actions.set_status(replica, [payout], "closed")
    return str(maria)


def teammate_acts(replica: Replica) -> None:
    """TEAMMATE's part, on TEAMMATE's own replica (the relay takes each agent's changes
    only from that agent's token): an owner, a note with a mention, a priority."""
    login = _by_subject(replica).get("Can't log in after password reset")
    if login:
        actions.claim(replica, [login])
        actions.note(replica, login, "Looks like the session cookie bug again. @dana seen this?")
        actions.set_priority(replica, [login], "urgent")
