"""Triage as a conversation arrives: the mail gateway's hook (relay/gateway/inbound.py),
given to it by `inbox relay gateway`, for the mailboxes whose triage setting is on.

One triager for the gateway's process, built when the first conversation arrives (~0.5 s:
the seed vectors, and the labels this team's agents had set by then), shared by the
threads of all mailboxes. With no embedding model it is the lexical fallback, said once.
A conversation that cannot be triaged is said and passed: mail keeps coming in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from crdt.errors import InboxError
from crdt.replica import Replica
from models.triage import team_examples, triager
from models.triage.apply import suggest
from models.triage.classify import Triager


class OnArrival:
    def __init__(self, say: Callable[[str], None]) -> None:
        self._say = say
        self._model: Triager | None = None
        self._lock = threading.Lock()

    def __call__(self, replica: Replica, ids: list[str]) -> None:
        with self._lock:
            model = self._loaded(replica)
            for ident in ids:
                try:
                    suggest(replica, model, ident)
                except InboxError as exc:
                    self._say(f"triage of {ident}: {exc.message}; passed")
            self._say(f"triaged {len(ids)} new conversation(s) ({model.method})")

    def _loaded(self, replica: Replica) -> Triager:
        if self._model is None:
            self._model, fallback = triager(replica.home, team_examples(replica.labelled()))
            if fallback:
                self._say(f"triage on arrival: {fallback}")
        return self._model
