"""`inbox notify add|list|rm`: the notifiers of a relay's store, changed where it runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crdt.errors import NotFoundError, UsageError
from crdt.model import clock
from relay.notify import ledger
from relay.notify.targets import Notifier, absolute, check_url, on
from relay.store import RelayStore


def add(
    store_path: Path,
    kind: str,
    url: str | None,
    webhook_file: str | None,
    secret_file: str | None,
    events: str,
) -> tuple[Notifier, bool]:
    """The notifier made (or changed: the same Slack file or webhook URL again), and
    whether it is new. Every file is read once now, so one that cannot serve is refused."""
    if kind == "slack":
        if url or not webhook_file:
            raise UsageError(
                "a Slack webhook's URL is a secret: give it in a file, --webhook-file FILE"
            )
        url_file = absolute(webhook_file)
        from relay.gateway.secrets import read_secret

        check_url(read_secret(file=url_file), secret=True)
        where, kept_url, url_file_, secret = url_file, None, url_file, None
    else:
        if not url or webhook_file:
            raise UsageError(
                "a webhook takes its URL: inbox notify add webhook URL --secret-file F"
            )
        if not secret_file:
            raise UsageError("a webhook's calls are signed: give the secret in --secret-file FILE")
        kept_url = check_url(url)
        where, url_file_, secret = kept_url, None, absolute(secret_file)
    n = Notifier(
        ledger.notifier_id(kind, where),
        kind,
        kept_url,
        url_file_,
        secret,
        on(events),
        clock.now_iso(),
    )
    with RelayStore.open(store_path, create=True) as store:
        return n, ledger.put(store, n)


def listing(store_path: Path) -> list[dict[str, Any]]:
    """Every notifier with how its deliveries stand (never a secret)."""
    with RelayStore.open(store_path) as store:
        counts = ledger.counts(store)
        return [{**n.shown(), "deliveries": counts.get(n.id, {})} for n in ledger.notifiers(store)]


def remove(store_path: Path, what: str, url: str | None) -> list[str]:
    """Remove by id (a prefix), every Slack notifier (``slack``), or the webhook of
    ``url``; returns the ids removed."""
    with RelayStore.open(store_path) as store:
        found = ledger.notifiers(store)
        if what == "slack":
            ids = [n.id for n in found if n.kind == "slack"]
        elif what == "webhook":
            if not url:
                raise UsageError("which webhook? inbox notify rm webhook URL")
            ids = [n.id for n in found if n.kind == "webhook" and n.url == url.strip()]
        else:
            ids = [n.id for n in found if n.id.startswith(what.lower())]
            if len(ids) > 1:
                raise UsageError(f"{what} names {len(ids)} notifiers: give more of the id")
        if not ids:
            raise NotFoundError(f"no notifier {what} {url or ''}".strip())
        ledger.remove(store, ids)
    return ids
