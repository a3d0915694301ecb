"""A replica of a workspace: the library that every `inbox` command calls.

Reads come from the index (no document is loaded, pycrdt is not imported);
writes load the document, apply one operation from ``conversation.py`` or
``workspace.py``, and store the update with everything derived from it in one
transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from crdt import clock, home, index, queries
from crdt.errors import NotFoundError, StoreError, UsageError
from crdt.ids import new_id
from crdt.store import COMPACT_AFTER, Store

if TYPE_CHECKING:
    from crdt.ydoc import Doc

T = TypeVar("T")


def conversation_doc(conversation_id: str) -> str:
    return f"c:{conversation_id}"


class Replica:
    def __init__(self, store: Store, agent: str) -> None:
        self.store = store
        self.agent = agent

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        where: Path,
        *,
        workspace: str,
        agent: str,
        name: str | None,
        workspace_id: str | None = None,
        meta: dict[str, str] | None = None,
    ) -> Replica:
        """A new replica: of a new workspace, or (``workspace_id``) of a relay's."""
        email = check_email(agent)
        store = Store.create(
            home.replica_path(where),
            index.SCHEMA,
            {
                "workspace": workspace,
                "workspace_id": workspace_id or new_id(),
                "agent": email,
                **(meta or {}),
            },
        )
        replica = cls(store, email)
        replica.put_item("agents", email, {"email": email, "name": name or email.split("@")[0]})
        return replica

    @classmethod
    def open(cls, where: Path, agent: str | None = None) -> Replica:
        store = Store.open(home.replica_path(where))
        replica = cls(store, store.meta("agent") or "")
        chosen = agent or os.environ.get("INBOX_AGENT")
        if chosen:
            replica.agent = replica.find_agent(chosen)
        return replica

    def close(self) -> None:
        self.store.close()

    @property
    def workspace(self) -> str:
        return self.store.meta("workspace") or ""

    # -- reads -------------------------------------------------------------------------------

    @property
    def conn(self) -> Any:
        return self.store.conn

    def resolve(self, prefix: str) -> str:
        return queries.resolve_id(self.conn, prefix)

    def items(self, kind: str) -> dict[str, Any]:
        return queries.workspace_items(self.conn, kind)

    def find_agent(self, who: str) -> str:
        """An agent's email from their email, handle (local part) or 'me'."""
        if who == "me":
            return self.agent
        agents = self.items("agents")
        wanted = who.strip().lower()
        for email in agents:
            if wanted in (email, email.split("@")[0]):
                return email
        raise NotFoundError(f"no agent {who!r} in this workspace (known: {', '.join(agents)})")

    # -- writes ------------------------------------------------------------------------------

    def edit(self, conversation_id: str, change: Callable[[Doc], T]) -> T:
        """Apply ``change`` to one conversation and store the update and its index row."""
        return self.edit_many([conversation_id], lambda docs: change(docs[conversation_id]))

    def edit_many(self, ids: list[str], change: Callable[[dict[str, Doc]], T]) -> T:
        """Change several conversations in one transaction (a merge touches two)."""
        from crdt import view

        with self.store.write() as conn:
            loaded = {i: self.load_doc(conversation_doc(i)) for i in ids}
            result = change({i: doc for i, (doc, _) in loaded.items()})
            for ident, (doc, before) in loaded.items():
                built = view.build(doc)
                if built["id"] is None:  # only queued by an import so far: nothing to change
                    raise StoreError(f"conversation {ident} is still being imported; try again")
                if self.save_doc(conversation_doc(ident), doc, before):
                    index.write_conversation(conn, built)
        return result

    def edit_item(self, kind: str, change: Callable[[Doc], None]) -> None:
        from crdt import workspace

        name = workspace.doc_name(kind)
        with self.store.write() as conn:
            doc, before = self.load_doc(name)
            change(doc)
            if self.save_doc(name, doc, before):
                index.write_workspace(conn, kind, workspace.items(doc))

    def put_item(self, kind: str, name: str, value: dict[str, Any] | None) -> None:
        self.put_items(kind, {name: value})

    def put_items(self, kind: str, values: dict[str, dict[str, Any] | None]) -> None:
        """Set (or with None remove) named items of a workspace document, in one change."""
        from crdt import workspace

        at, who = clock.now_iso(), self.agent

        def change(doc: Doc) -> None:
            with doc.transaction():
                for name, value in values.items():
                    workspace.put(doc, name, value, who, at)

        self.edit_item(kind, change)

    def load_doc(self, name: str) -> tuple[Doc, bytes]:
        from crdt import ydoc

        doc = ydoc.load(self.store.doc_updates(name))
        return doc, doc.get_state()

    def save_doc(
        self,
        name: str,
        doc: Doc,
        before: bytes,
        snapshot: bool | None = None,
        local: bool = True,
    ) -> bool:
        """Log what changed since ``before``: as an update, folded into a snapshot when the
        log grew long (``snapshot`` None), or straight into a snapshot (True). ``local``
        changes were made here and wait in the outbox for the relay."""

        if doc.get_state() == before:
            return False
        if snapshot:
            self.store.put_snapshot(name, doc.get_update(), local=local)
            return True
        waiting = self.store.append(name, doc.get_update(before), local=local)
        if snapshot is None and waiting >= COMPACT_AFTER:
            self.store.put_snapshot(name, doc.get_update())
        return True

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild everything derived from the documents; returns how many were read."""
        from crdt import remote, view, workspace, ydoc
        from crdt.import_queue import drain

        drain(self)  # mail an interrupted import queued but did not build
        remote.drain(self)  # and the relay's log an interrupted sync staged
        with self.store.write() as conn:
            index.train_dictionaries(conn)  # a replica made before it had them, or small
            self.store.repack_snapshots()
            names = list(self.store.doc_names(""))
            index.clear(conn)
            for n, name in enumerate(names, 1):
                doc = ydoc.load(self.store.doc_updates(name))
                if name.startswith("c:"):
                    index.write_conversation(conn, view.build(doc))
                elif name.startswith("ws:"):
                    index.write_workspace(conn, name[3:], workspace.items(doc))
                if progress:
                    progress(n, len(names))
        return len(names)


def check_email(address: str) -> str:
    cleaned = address.strip().lower()
    local, at, domain = cleaned.partition("@")
    if not (local and at and "." in domain) or any(c.isspace() for c in cleaned):
        raise UsageError(f"not an email address: {address!r}")
    return cleaned
