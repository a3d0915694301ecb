"""A replica of a workspace: the handle every `inbox` command works through.

Reads come from the index (no document is loaded, pycrdt is not imported);
writes load the document, apply one operation from ``model/conversation.py`` or
``model/workspace.py``, and store the update with everything derived from it in
one transaction. What agents do with it is in ``actions.py``; the import
(``ingest/``) and the relay's side of sync (``sync/``) work on it too.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from crdt.errors import NotAuthorisedError, NotFoundError, StoreError, UnbuiltError
from crdt.model import clock, items
from crdt.model.ids import new_id
from crdt.model.vocab import ADMIN, VIEWER, conversation_doc, workspace_doc
from crdt.store import completions, home, import_queue, index, queries
from crdt.store.blobs import DEFAULT_LIMIT, Blobs, Keeper
from crdt.store.documents import COMPACT_AFTER, Store
from crdt.store.home import data_home
from crdt.store.queries import Filters, Page
from crdt.store.sqlite import Closing, Connection

if TYPE_CHECKING:
    from crdt.model.ydoc import Doc

__all__ = ["Filters", "Page", "Replica", "data_home"]

T = TypeVar("T")
RELAY_URL = "relay_url"  # meta: the relay this replica was joined to
ROLE = "role"  # meta: what the relay said this replica's token may do
RELAY_CA_FILE = "relay_ca_file"  # meta: the CA bundle its TLS certificate is checked against
RELAY_INSECURE = "relay_insecure"  # meta: "1" when plain http off loopback was allowed
ATTACHMENT_LIMIT = "attachment_limit"  # meta: the relay's limit on a blob, in bytes


class Replica(Closing):
    """An open replica and the agent acting on it; a context manager that closes it."""

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
        relay_url: str | None = None,
        relay_ca_file: str | None = None,
        relay_insecure: bool = False,
    ) -> Replica:
        """A new replica: of a new workspace, or (``workspace_id``) of a relay's."""
        email = items.check_email(agent)
        meta = {"workspace": workspace, "workspace_id": workspace_id or new_id(), "agent": email}
        if relay_url is not None:
            meta[RELAY_URL] = relay_url
        if relay_ca_file is not None:
            meta[RELAY_CA_FILE] = relay_ca_file
        if relay_insecure:
            meta[RELAY_INSECURE] = "1"
        replica = cls(Store.create(home.replica_path(where), meta), email)
        if relay_url is None:  # a replica that joins adds itself once it has the agent list
            replica.put_item("agents", email, items.agent(email, name))
        return replica

    @classmethod
    def open(cls, where: Path, agent: str | None = None) -> Replica:
        """The replica in ``where``, acting as ``agent`` (else $INBOX_AGENT, else its own)."""
        store = Store.open(home.replica_path(where))
        replica = cls(store, store.meta("agent") or "")
        chosen = agent or os.environ.get("INBOX_AGENT")
        if chosen:
            try:
                replica.agent = replica.find_agent(chosen)
            except BaseException:
                store.close()
                raise
        return replica

    def close(self) -> None:
        self.store.close()

    @property
    def workspace(self) -> str:
        return self.store.meta("workspace") or ""

    @property
    def home(self) -> Path:
        """The replica's directory: drafts and the relay token live beside its file."""
        return self.store.path.parent

    @property
    def relay_url(self) -> str | None:
        """The relay it syncs with; None for a replica never joined to one."""
        return self.store.meta(RELAY_URL)

    @property
    def role(self) -> str:
        """What the relay lets this replica's token do (admin, agent, viewer), as it said
        when last connected; a replica of its own workspace is its admin."""
        return self.store.meta(ROLE) or ADMIN

    def check_writable(self) -> None:
        """Refuse a change before any work when it could not be saved: a viewer's replica,
        or a replica file this process may not write (it still reads)."""
        if self.role == VIEWER:
            raise NotAuthorisedError("this replica's token is a viewer's: it writes nothing")
        if not os.access(self.store.path, os.W_OK):
            raise StoreError(f"{self.store.path} is read-only: reading works, changes cannot")

    @property
    def blobs(self) -> Blobs:
        """Attachments this replica holds (``HOME/blobs``): imported, attached to a reply,
        or fetched from the relay."""
        return Blobs(self.home / "blobs")

    @property
    def attachment_limit(self) -> int:
        """Bytes over which an attachment is listed and not kept: the relay's, as it said
        when last connected (``relay serve --attachment-limit``), else the default."""
        return int(self.store.meta(ATTACHMENT_LIMIT) or DEFAULT_LIMIT)

    def keeper(self) -> Keeper:
        """What an import keeps attachments with (its parse workers write the blobs)."""
        return Keeper(str(self.blobs.root), self.attachment_limit)

    @property
    def relay_ca_file(self) -> str | None:
        """The CA bundle named at the join (`--ca-file`); None: the system's CA store."""
        return self.store.meta(RELAY_CA_FILE)

    def trust_relay_ca(self, ca_file: str) -> None:
        """Check the relay's certificate against ``ca_file`` from now on (a CA renewed,
        a bundle moved), as if the replica had been joined with it."""
        self.store.set_meta(RELAY_CA_FILE, ca_file)

    def attach_relay(self, url: str, ca_file: str | None, insecure: bool) -> None:
        """Sync with the relay at ``url`` from now on: a replica of its own workspace joins
        the relay made from it (relay/seed.py); its outbox holds all it has."""
        with self.store.write():
            self.store.set_meta(RELAY_URL, url)
            if ca_file is not None:
                self.store.set_meta(RELAY_CA_FILE, ca_file)
            if insecure:
                self.store.set_meta(RELAY_INSECURE, "1")

    @property
    def relay_insecure(self) -> bool:
        """Whether the join allowed plain http to a relay off loopback (`--insecure`)."""
        return self.store.meta(RELAY_INSECURE) == "1"

    # -- reads (the index alone) -------------------------------------------------------------

    def resolve(self, prefix: str) -> str:
        """The conversation id a unique prefix names (exit 5 when none or several)."""
        return queries.resolve_id(self.store.conn, prefix)

    def short_ids(self, full: list[str]) -> dict[str, str]:
        """Each id's shortest prefix that no neighbouring id shares (at least 4 digits)."""
        return queries.short_ids(self.store.conn, full)

    def conversations(self, filters: Filters) -> Page:
        """What `inbox list` shows: rows of the index, filtered and sorted, and how many
        matched when the limit cut them."""
        return queries.list_conversations(self.store.conn, filters, clock.now_iso())

    def search(self, text: str, limit: int | None) -> Page:
        """Conversations matching every word, and how many did when the limit cut them."""
        return queries.search(self.store.conn, text, clock.now_iso(), limit)

    def related(self, words: list[str], but: str, limit: int = 10) -> list[str]:
        """Conversations other than ``but`` holding any of ``words``, the best match first."""
        return queries.related(self.store.conn, words, but, limit)

    def stamps(self) -> dict[str, str]:
        """Each live conversation's id and when it last changed."""
        return queries.stamps(self.store.conn)

    def conversation(self, ident: str) -> dict[str, Any]:
        """One conversation's whole view, as `show --json` prints it. One whose mail an
        import queued but did not build yet (it was stopped, or is still threading) is
        built first, by this command."""
        try:
            return queries.view(self.store.conn, ident)
        except UnbuiltError:
            self.build_queued([ident])
            return queries.view(self.store.conn, ident)

    def labelled(self, limit: int = 2000) -> list[dict[str, Any]]:
        """Conversations whose category, priority or sentiment an agent set, newest first."""
        return queries.labelled(self.store.conn, limit)

    def customer(self, email: str) -> dict[str, Any]:
        return queries.customer(self.store.conn, email, clock.now_iso())

    def customer_name(self, email: str) -> str | None:
        """What the customer is called, as their mail said; None for one never heard from."""
        return queries.customer_name(self.store.conn, email)

    def mentions(self, limit: int | None) -> list[dict[str, Any]]:
        """Notes that mention this replica's agent, newest first."""
        return queries.mentions(self.store.conn, self.agent, limit)

    def drafts(self) -> list[dict[str, Any]]:
        """Teammates' replies begun and not sent (``agent``, ``conversation``, ``subject``,
        ``started_at``), oldest first: the text stays on their replicas."""
        return queries.drafts(self.store.conn, self.agent)

    def deliveries(self, *states: str) -> list[dict[str, Any]]:
        """Outbound messages by delivery state (``conversation``, ``message``, ``state``,
        ``at``), the longest waiting first: what the mail gateway has to send."""
        return queries.deliveries(self.store.conn, states)

    def items(self, kind: str) -> dict[str, Any]:
        """The live items of a workspace document (agents, mailboxes, templates ...)."""
        return queries.workspace_items(self.store.conn, kind)

    def find_agent(self, who: str) -> str:
        """An agent's email from their email, handle (local part) or 'me'."""
        if who == "me":
            return self.agent
        agents = self.items("agents")
        wanted = who.strip().lower()
        for email in agents:
            if wanted in (email, items.handle(email)):
                return email
        raise NotFoundError(f"no agent {who!r} in this workspace (known: {', '.join(agents)})")

    def agent_name(self, email: str | None) -> str:
        """An agent's display name, for lines people read."""
        if not email:
            return "nobody"
        return str(self.items("agents").get(email, {}).get("name") or email)

    def id_candidates(self, prefix: str, limit: int = 100) -> list[tuple[str, str]]:
        """(id, subject) of conversations whose id starts with ``prefix``: what a shell
        offers to complete an id (the most recently updated first)."""
        return completions.ids(self.store.conn, prefix, limit)

    def tag_candidates(self, prefix: str, limit: int = 200) -> list[str]:
        """Tags in use that start with ``prefix``, for a shell's completion."""
        return completions.tags(self.store.conn, prefix, limit)

    def take_notices(self) -> list[str]:
        """News the sync process left for the agent (a claim that lost), each told once."""
        return self.store.take_notices()

    # -- writes ------------------------------------------------------------------------------

    def edit(self, conversation_id: str, change: Callable[[Doc], T]) -> T:
        """Apply ``change`` to one conversation and store the update and its index row."""
        return self.edit_many([conversation_id], lambda docs: change(docs[conversation_id]))

    def edit_many(self, ids: list[str], change: Callable[[dict[str, Doc]], T]) -> T:
        """Change several conversations in one transaction (a merge touches two)."""
        from crdt.model import view

        self.check_writable()
        with self.store.write() as conn:
            self._build_queued(conn, ids)
            loaded = {i: self.load_doc(conversation_doc(i)) for i in ids}
            result = change({i: doc for i, (doc, _) in loaded.items()})
            for ident, (doc, before) in loaded.items():
                built = view.build(doc)
                if built["id"] is None:
                    raise UnbuiltError(ident)
                if self.save_doc(conversation_doc(ident), doc, before):
                    index.write_conversation(conn, built)
        return result

    def build_queued(self, ids: list[str]) -> None:
        """Build what an import queued for these conversations, in one transaction."""
        with self.store.write() as conn:
            self._build_queued(conn, ids)

    def _build_queued(self, conn: Connection, ids: list[str]) -> None:
        """Inside a write: the mail an import queued for these conversations goes into
        their documents first (one indexed look each)."""
        for ident in ids:
            if import_queue.has_queued(conn, ident):
                import_queue.build_now(self.store, conn, ident)

    def edit_item(self, kind: str, change: Callable[[Doc], None]) -> None:
        from crdt.model import workspace

        name = workspace_doc(kind)
        self.check_writable()
        if self.role != ADMIN and not (kind == "agents" and self.agent not in self.items(kind)):
            raise NotAuthorisedError(f"only an admin changes the workspace's {kind}")
        with self.store.write() as conn:
            doc, before = self.load_doc(name)
            change(doc)
            if self.save_doc(name, doc, before):
                index.write_workspace(conn, kind, workspace.items(doc))

    def put_item(self, kind: str, name: str, value: dict[str, Any] | None) -> None:
        self.put_items(kind, {name: value})

    def put_items(self, kind: str, values: dict[str, dict[str, Any] | None]) -> None:
        """Set (or with None remove) named items of a workspace document, in one change."""
        from crdt.model import workspace

        at, who = clock.now_iso(), self.agent

        def change(doc: Doc) -> None:
            with doc.transaction():
                for name, value in values.items():
                    workspace.put(doc, name, value, who, at)

        self.edit_item(kind, change)

    def load_doc(self, name: str) -> tuple[Doc, bytes]:
        from crdt.model import ydoc

        doc = ydoc.load(self.store.doc_updates(name))
        return doc, doc.get_state()

    def save_doc(self, name: str, doc: Doc, before: bytes) -> bool:
        """Log what changed here since ``before`` (it waits in the outbox for the relay),
        folded into a snapshot when the document's log grew long; False: nothing did."""
        if doc.get_state() == before:
            return False
        waiting = self.store.append(name, doc.get_update(before))
        if waiting >= COMPACT_AFTER:
            self.store.put_snapshot(name, doc.get_update())
        return True
