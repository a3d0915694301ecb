"""The mail gateway's own replica of the workspace: a headless peer that ingests mail
through crdt/ and syncs with the relay as any replica does, so that the relay stays the
one place that orders changes.

It lives beside the relay's store (``relay.db`` -> ``relay.gateway/``) with a token the
relay's store made for it, an admin's: the gateway runs where the store is, trusted as
whoever holds the store, and it writes the mailboxes it serves into the workspace's
settings, so every replica tells their mail in from out. It joins the relay over
loopback without adding itself to the agent list: nobody assigns work to the gateway.
One gateway at a time holds its home (an exclusive lock), so a second one refuses to
start rather than fetching and sending the same mail twice.

The relay's notifier (relay/notify/runner.py) is a peer made the same way, in its own
home, with a viewer's token: it reads and never writes.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crdt.errors import ConflictError
from crdt.model import clock
from crdt.model.vocab import ADMIN
from crdt.replica import Replica
from crdt.store import home as homes
from relay.client.tokens import keep_token
from relay.store import RelayStore

AGENT = "mail-gateway@inbox.invalid"  # .invalid: an address no mail can reach
LOCK = "gateway.lock"


def home_of(store_path: Path, suffix: str = ".gateway") -> Path:
    return store_path.with_name(store_path.stem + suffix)


@contextmanager
def held(home: Path, what: str = "mail gateway") -> Iterator[None]:
    """The gateway's home for this process alone, until it ends (the lock goes with the
    process, however it ends)."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        os.close(fd)
        raise ConflictError(f"another {what} runs for {home.parent}: one per relay store") from exc
    try:
        yield
    finally:
        os.close(fd)


def open_peer(
    store_path: Path,
    relay_url: str,
    home: Path | None = None,
    agent: str = AGENT,
    role: str = ADMIN,
    name: str = "Mail gateway",
) -> Replica:
    """A peer's replica (the gateway's by default), made on its first start: of the
    store's workspace, joined to ``relay_url`` with a token of ``role`` made for it now
    (its secret kept in the home, mode 600)."""
    home = home or home_of(store_path)
    if homes.replica_path(home).exists():
        replica = Replica.open(home)
        if replica.relay_url != relay_url:  # the relay moved to another port
            replica.attach_relay(relay_url, None, False)
        return replica
    with RelayStore.open(store_path) as store:
        workspace = store.meta("workspace") or "inbox"
        workspace_id = store.meta("workspace_id") or ""
        token = store.create_token(agent, role, clock.now_iso())
    keep_token(home, token)
    return Replica.create(
        home,
        workspace=workspace,
        agent=agent,
        name=name,
        workspace_id=workspace_id,
        relay_url=relay_url,
    )
