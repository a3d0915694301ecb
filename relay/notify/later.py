"""The notifier started by a running relay once its store has a notifier.

`inbox relay serve` starts the notifier beside it when the store has notifiers. One
added while the relay runs (`inbox notify add`, another process on the same store) is
seen by a look at the store every ``POLL`` seconds, and the notifier is started then:
no restart of the relay is needed. The notifier itself reads the store's notifiers at
each event, so later ones are picked up by the one running.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from relay.gateway import child
from relay.notify import ledger
from relay.store import RelayStore

POLL = 2.0  # seconds between looks at the store for a first notifier


def start_when_added(
    store_path: Path,
    relay_url: str,
    started: list[subprocess.Popen[bytes]],
    say: Callable[[str], None],
) -> threading.Thread:
    """A daemon thread that waits for the store's first notifier, then starts the
    notifier as the relay's child (appended to ``started``, which the relay ends)."""

    def wait_then_start() -> None:
        with RelayStore.open(store_path) as store:
            while not ledger.notifiers(store):
                time.sleep(POLL)
        notifier = child.start(store_path, relay_url, "notifier")
        started.append(notifier)
        say(f"notifier started for the notifiers of {store_path}")
        # the kernel ends the child when the thread that started it ends (its
        # parent-death signal follows the thread), so this thread stays with it
        notifier.wait()

    thread = threading.Thread(target=wait_then_start, name="notifier-later", daemon=True)
    thread.start()
    return thread
