"""The mail gateway's process: one thread per mailbox reading it over IMAP into the
gateway's replica, and the replica kept in step with the relay (``link.watch``).

A mailbox's thread reads every folder from where it stopped, then waits on INBOX with
IDLE (a poll where the server has none) and reads again as mail comes; other folders
are read again every ``FOLDERS_EVERY`` seconds. A failure (the server gone, a password
command that fails) is written into the mailbox's state with its reason, and the thread
tries again after a backoff with full jitter, up to ``BACKOFF_MAX``. Each thread has its
own connections to the replica and the store: SQLite orders their writes.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from crdt.errors import InboxError
from crdt.model import clock, items
from crdt.replica import Replica
from relay.client import link
from relay.client.address import Relay
from relay.client.tokens import kept_token
from relay.gateway import inbound, outbound, peer, sent
from relay.gateway.imap import Imap
from relay.gateway.secrets import read_secret
from relay.gateway.settings import Settings
from relay.store import RelayStore

IDLE_FOR = 30.0  # seconds of one IDLE before reading again anyway (and seeing a stop)
MAILBOXES_EVERY = 5.0  # seconds between looks at the store's mailboxes
FOLDERS_EVERY = 300.0
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 300.0
SEND_POLL, SEND_EVERY = 0.05, 5.0  # seconds between looks at the replica; at most between sends

Say = Callable[[str], None]


def run(
    store_path: Path,
    relay_url: str,
    say: Say,
    once: bool = False,
    arrived: inbound.Arrived | None = None,
) -> None:
    """Serve every mailbox of the store until interrupted; ``once``: read each mailbox
    once, sync, and return (`inbox relay gateway --once`, and tests). ``arrived``: what
    is done with each new conversation of a mailbox that has triage on."""
    home = peer.home_of(store_path)
    with peer.held(home):
        replica = peer.open_peer(store_path, relay_url)
        relay, token = Relay(relay_url), kept_token(home)
        try:
            link.sync_once(replica, relay, token)
            mailboxes = _mailboxes(store_path)
            _known(replica, mailboxes)
            if once:
                for settings in mailboxes:
                    _read_once(store_path, home, settings, say, arrived)
                _send(replica, store_path, mailboxes, say)
                link.sync_once(replica, relay, token)
                return
            threading.Thread(
                target=_supervise, args=(store_path, home, say, arrived), daemon=True
            ).start()
            threading.Thread(target=_send_loop, args=(store_path, home, say), daemon=True).start()
            link.watch(replica, relay, token, say)
        finally:
            replica.close()


def _mailboxes(store_path: Path) -> list[Settings]:
    with RelayStore.open(store_path) as store:
        return [Settings.of(m["settings"]) for m in store.mailboxes()]


def _known(replica: Replica, mailboxes: list[Settings]) -> None:
    """Each mailbox in the workspace's settings, so every replica tells mail to it (in)
    from mail it sent (out)."""
    known = replica.items("mailboxes")
    missing: dict[str, dict[str, Any] | None] = {
        m.address: items.mailbox(m.address) for m in mailboxes if m.address not in known
    }
    if missing:
        replica.put_items("mailboxes", missing)


def _supervise(store_path: Path, home: Path, say: Say, arrived: inbound.Arrived | None) -> None:
    """A thread for each mailbox of the store, as `relay mailbox add|rm` change them while
    the gateway runs: a new one started, a changed one started again, a removed one
    stopped (each looked at every ``MAILBOXES_EVERY`` seconds)."""
    running: dict[str, tuple[Settings, threading.Event]] = {}
    with Replica.open(home) as replica:
        while True:
            mailboxes = {m.address: m for m in _mailboxes(store_path)}
            _known(replica, list(mailboxes.values()))
            for address, (settings, stop) in list(running.items()):
                if mailboxes.get(address) != settings:
                    stop.set()
                    del running[address]
            for address, settings in mailboxes.items():
                if address not in running:
                    stop = threading.Event()
                    running[address] = (settings, stop)
                    worker = threading.Thread(
                        target=_serve,
                        args=(store_path, home, settings, say, stop, arrived),
                        daemon=True,
                    )
                    worker.start()
            time.sleep(MAILBOXES_EVERY)


class Mailbox(NamedTuple):
    """What a mailbox's thread works with: the gateway's store (one connection for the
    thread's life), its replica's home, the mailbox, where to tell people, and what is
    done with each new conversation (triage)."""

    store: RelayStore
    home: Path
    settings: Settings
    say: Say
    arrived: inbound.Arrived | None

    def state(self, state: str, error: str | None) -> None:
        self.store.mailbox_state(self.settings.address, state, error, clock.now_iso())


def _serve(
    store_path: Path,
    home: Path,
    settings: Settings,
    say: Say,
    stop: threading.Event,
    arrived: inbound.Arrived | None,
) -> None:
    delay = BACKOFF_FIRST
    with RelayStore.open(store_path) as store:
        mailbox = Mailbox(store, home, settings, say, arrived)
        while not stop.is_set():
            try:
                _read_and_wait(mailbox, stop)
            except InboxError as exc:
                if stop.is_set():
                    return
                mailbox.state("error", exc.message)
                say(f"{settings.address}: {exc.message}; trying again")
            stop.wait(random.uniform(0, delay))
            delay = min(delay * 2, BACKOFF_MAX)


def _read_once(
    store_path: Path, home: Path, settings: Settings, say: Say, arrived: inbound.Arrived | None
) -> None:
    with RelayStore.open(store_path) as store:
        mailbox = Mailbox(store, home, settings, say, arrived)
        try:
            with _connect(settings) as imap, Replica.open(home) as replica:
                _read_all(imap, replica, mailbox)
            mailbox.state("idle", None)
        except InboxError as exc:
            mailbox.state("error", exc.message)
            say(f"{settings.address}: {exc.message}")


def _read_and_wait(mailbox: Mailbox, stop: threading.Event) -> None:
    with _connect(mailbox.settings) as imap, Replica.open(mailbox.home) as replica:
        folders_at = 0.0
        while not stop.is_set():
            if time.monotonic() - folders_at >= FOLDERS_EVERY:
                _read_all(imap, replica, mailbox)
                folders_at = time.monotonic()
            else:
                _read(imap, replica, mailbox, "INBOX")
            mailbox.state("idle", None)
            if not _more_since(imap, mailbox):
                imap.wait(IDLE_FOR)


def _more_since(imap: Imap, mailbox: Mailbox) -> bool:
    """Whether INBOX got mail after it was last read, before the wait begins: IDLE tells
    only of what comes once it has started."""
    state = imap.select("INBOX")
    _, last_uid = mailbox.store.folder_read(mailbox.settings.address, "INBOX")
    return state.uidnext > last_uid + 1 and state.exists > 0


def _read_all(imap: Imap, replica: Replica, mailbox: Mailbox) -> None:
    for folder in dict.fromkeys(("INBOX", *mailbox.settings.folders)):
        _read(imap, replica, mailbox, folder)


def _read(imap: Imap, replica: Replica, mailbox: Mailbox, folder: str) -> None:
    settings, say = mailbox.settings, mailbox.say
    mailbox.state("syncing", None)
    done = inbound.read_folder(imap, replica, mailbox.store, settings, folder, mailbox.arrived)
    if done.again:
        say(f"{settings.address} {folder}: UIDVALIDITY changed; read again from the start")
    if done.fetched:
        say(f"{settings.address} {folder}: {done.fetched} read, {done.imported} new")
    if done.too_big:
        say(f"{settings.address} {folder}: {done.too_big} over the size cap, passed")


def _send_loop(store_path: Path, home: Path, say: Say) -> None:
    """Send what agents queue: looked for whenever the replica changed (a reply came in
    from the relay, a delivery state went out), and every ``SEND_EVERY`` seconds for
    retries that fell due."""
    with Replica.open(home) as replica:
        seen, looked = -1, 0.0
        while True:
            moved = replica.store.data_version()
            if moved != seen or time.monotonic() - looked >= SEND_EVERY:
                seen, looked = moved, time.monotonic()
                try:
                    _send(replica, store_path, _mailboxes(store_path), say)
                except InboxError as exc:
                    say(f"sending: {exc.message}; trying again")
                seen = replica.store.data_version()  # its own delivery states
            time.sleep(SEND_POLL)


def _send(replica: Replica, store_path: Path, mailboxes: list[Settings], say: Say) -> int:
    by_address = {m.address: m for m in mailboxes}
    with RelayStore.open(store_path) as store:
        return outbound.send_due(replica, store, by_address, _secret, _in_sent, _file, say)


def _secret(settings: Settings) -> tuple[str | None, str | None]:
    """(password, OAuth2 token) of a mailbox, read from its command or file now."""
    if settings.oauth_command:
        return None, read_secret(command=settings.oauth_command)
    return read_secret(command=settings.password_command, file=settings.password_file), None


def _in_sent(settings: Settings, message_id: str) -> bool:
    """Whether a reply that may have gone is in the mailbox's Sent folder already."""
    with _connect(settings) as imap:
        return sent.holds(imap, settings, message_id)


def _file(settings: Settings, message_id: str, raw: bytes) -> bool:
    """The gateway's copy of a sent reply, filed in the mailbox's Sent folder once."""
    with _connect(settings) as imap:
        return sent.file_copy(imap, settings, message_id, raw)


def _connect(settings: Settings) -> Imap:
    password, token = _secret(settings)
    return Imap.connect(
        settings.imap.host,
        settings.imap.port,
        settings.imap.security,
        settings.user,
        password=password,
        oauth_token=token,
        ca_file=None if settings.imap.security == "none" else settings.ca_file,
    )
