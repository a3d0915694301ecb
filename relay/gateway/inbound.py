"""Mail in: a mailbox's folders read over IMAP into the gateway's replica, and from there
to the relay, under the rules `inbox import` has (threading, duplicates, notices).

Each folder is read by UID from where the gateway stopped. The position moves only once
what was read is stored in the gateway's replica, whose outbox takes it to the relay
across any crash; a gateway stopped between the two reads that batch again, and the
import takes nothing twice (Message-ID, then content). When a folder's
UIDVALIDITY changes (the server renumbered it), the folder is read again from its first
UID: the same rule keeps every message once, and loses none. The workspace's rules run
over each batch's arrivals before the position moves (crdt/routing.py); a firing the
gateway records goes to the relay with the mail. Attachments go into the
relay's blobs (``IntoStore``) before the position moves, so no replica finds one missing.

When the workspace has triage on for the mailbox (its ``triage`` setting, an admin's),
each conversation a batch opened is handed to ``arrived`` once, here where it arrives,
so every replica gets the same suggestion through the relay. The gateway knows nothing
of models: ``inbox relay gateway`` gives it the hook (models/triage/arrival.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from crdt import routing
from crdt.ingest.importer import import_messages
from crdt.replica import Replica
from relay.gateway.imap import Fetched, Imap
from relay.gateway.settings import Settings
from relay.store import RelayStore

Arrived = Callable[[Replica, list[str]], None]  # the conversations an import opened


class Read(NamedTuple):
    folder: str
    fetched: int
    imported: int
    too_big: int  # messages over the size cap: passed, their UIDs noted in the state
    again: bool  # UIDVALIDITY changed: the folder was read from its start


def read_folder(
    imap: Imap,
    peer: Replica,
    store: RelayStore,
    settings: Settings,
    folder: str,
    arrived: Arrived | None = None,
) -> Read:
    """Everything new in ``folder``, into ``peer``, the position moved after each batch
    is stored there."""
    state = imap.select(folder)
    validity, last_uid = store.folder_read(settings.address, folder)
    again = validity is not None and validity != state.uidvalidity
    if again:
        last_uid = 0
    fetched = imported = too_big = 0
    for batch in imap.fetch_since(last_uid):
        mails = [m for m in batch if isinstance(m, Fetched)]
        if mails:
            names = _names(settings.address, folder, [m.uid for m in mails])
            raws = [m.raw for m in mails]
            report = import_messages(peer, raws, names, blobs=IntoStore(store))
            imported += report.imported
            if arrived is not None and report.created and triage_on(peer, settings.address):
                arrived(peer, report.created)  # before the rules: they may ask for its labels
            routing.route(peer, [routing.Arrival(*a) for a in report.arrived])
        store.folder_moved(
            settings.address, folder, state.uidvalidity, batch[-1].uid, state.highestmodseq
        )
        fetched += len(mails)
        too_big += len(batch) - len(mails)
    # every UID below the SELECT's UIDNEXT is read (or was expunged): the position passes
    # gaps, so "is there more" is UIDNEXT against it (runner._more_since)
    _, moved = store.folder_read(settings.address, folder)
    if again or state.uidnext - 1 > moved:
        top = max(moved if not again or fetched else 0, state.uidnext - 1)
        store.folder_moved(settings.address, folder, state.uidvalidity, top, state.highestmodseq)
    return Read(folder, fetched, imported, too_big, again)


def triage_on(peer: Replica, address: str) -> bool:
    """Whether the workspace asks the gateway to triage this mailbox's new conversations."""
    return bool(peer.items("mailboxes").get(address, {}).get("triage"))


class IntoStore:
    """Mail's attachments kept in the relay's store, where every replica fetches them
    (`inbox attachment get`); one over the store's limit is listed only."""

    def __init__(self, store: RelayStore) -> None:
        self.store, self.limit = store, store.attachment_limit()

    def keep(self, sha256: str, data: bytes) -> None:
        if len(data) <= self.limit:
            self.store.put_blob(sha256, data, durable=False)

    def settle(self) -> None:
        self.store.settle_blobs()


def _names(address: str, folder: str, uids: list[int]) -> Callable[[int], str]:
    """How a message that is not mail is named in a report: where it is on the server."""
    return lambda n: f"{address} {folder} UID {uids[n]}"
