"""The relay's hub: it orders, stores and passes on every change, between sessions.

One socket per agent carries all documents (relay/protocol.py). The hub applies
each incoming update to the document (``documents.py``), logs what it changed
(relay/store.py), stamps new ownership and ticket entries with their log position
(model/claims.py) and numbers new tickets (model/tickets.py), and passes the change on
to every other agent. A replica that reconnects sends its cursor and receives the log
after it. The ASGI side (``app.py``) hands it sockets; the hub knows nothing of ASGI.

It runs in one event loop: SQLite calls are short and made in the loop, so the
order in which the loop handles frames is the order of the log.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from crdt.errors import BadUpdateError, RefusedError
from crdt.model import admission, clock, conversation
from crdt.model.ydoc import Doc
from relay import protocol as p
from relay.server.awareness import AwarenessStates, Budget, Peer
from relay.server.documents import Documents
from relay.server.limits import DEFAULTS, Limits
from relay.server.session import (
    GOING_AWAY,
    INTERNAL,
    NORMAL,
    POLICY,
    REVOKED,
    TOO_BIG,
    Disconnected,
    Dropped,
    Session,
)
from relay.store import Grant, LogEntry, RelayStore

log = logging.getLogger("inbox.relay")

CLOSED_BY_AGENT = "closed by the agent"
NextFrame = Callable[[], Awaitable[bytes]]


class Writer(NamedTuple):
    """Who a change is from: an agent's token, or the relay itself (``token_id`` None)."""

    agent: str
    role: str
    token_id: str | None


class Listener(Protocol):
    """Work beside the sockets that follows the log and presence (the chat desk)."""

    def changed(self, name: str) -> None: ...

    def presence(self, changed: list[p.Awareness]) -> None: ...


class Hub:
    """The sessions of one workspace around its store."""

    def __init__(
        self, store_path: Path, workspace_name: str = "default", limits: Limits = DEFAULTS
    ) -> None:
        self.store_path, self.workspace_name, self.limits = store_path, workspace_name, limits
        self.sessions: set[Session] = set()
        self._store: RelayStore | None = None
        self._docs: Documents | None = None
        budget = Budget(limits.presence_state, limits.presence_per_token)
        self.presence = AwarenessStates(limits.presence_expire, budget)
        self._tasks: list[asyncio.Task[None]] = []
        self.listeners: list[Listener] = []

    @property
    def store(self) -> RelayStore:
        if self._store is None:
            self._store = RelayStore.open(
                self.store_path, create=True, workspace=self.workspace_name
            )
        return self._store

    @property
    def docs(self) -> Documents:
        if self._docs is None:
            self._docs = Documents(self.store, self.limits)
        return self._docs

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Open the store (a bad path fails at start, not at the first socket) and start
        the background work."""
        self.store.sweep_blobs()  # and what an upload cut by a crash left
        self._tasks = [
            asyncio.create_task(self._watch_tokens()),
            asyncio.create_task(self._expire_presence()),
        ]

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for session in list(self.sessions):
            session.drop("relay stopping", GOING_AWAY)

    def admit(self, token: str) -> Grant | None:
        """Who a socket's token speaks for; None: refused, before it is accepted."""
        return self.store.check_token(token)

    def join(self, session: Session) -> None:
        """Take a new socket in, or drop it at once when its token has all it may have."""
        mine = sum(1 for other in self.sessions if other.token_id == session.token_id)
        if mine >= self.limits.sockets_per_token:
            cap = self.limits.sockets_per_token
            session.drop(f"too many sockets for this token (limit {cap})")
            return
        self.sessions.add(session)  # from now on, a revocation closes it
        self.store.token_used(session.token_id, clock.now_iso())

    async def read(self, session: Session, next_frame: NextFrame) -> None:
        """Handle a session's frames until it closes or is dropped (its reason is kept)."""
        catch_up: asyncio.Task[None] | None = None
        try:
            first = await asyncio.wait_for(next_frame(), self.limits.hello_timeout)
            hello = p.decode(first)
            if hello.kind != p.HELLO:
                raise Dropped("did not start with HELLO")
            self._welcome(session, hello.number)
            catch_up = asyncio.create_task(self._catch_up(session))  # reading goes on meanwhile
            while True:
                frame = p.decode(await next_frame())
                if not session.allow():
                    raise Dropped("flooding: over the frame rate limit")
                whole = session.pieces.add(frame) if frame.kind == p.PART else frame
                if whole is not None:
                    self._handle(session, whole)
        except Dropped as exc:
            session.drop(str(exc), exc.code)
        except p.ProtocolError as exc:
            session.drop(f"protocol error: {exc}", TOO_BIG if isinstance(exc, p.TooBig) else POLICY)
        except Disconnected:
            session.drop(CLOSED_BY_AGENT, NORMAL)
        except TimeoutError:
            session.drop("no HELLO in time")
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug shows in the log; the relay goes on
            log.exception("socket of %s failed", session.agent)
            session.drop(f"internal error: {type(exc).__name__}", INTERNAL)
        finally:
            if catch_up is not None:
                catch_up.cancel()

    def _welcome(self, session: Session, cursor: int) -> None:
        store = self.store
        session.cursor = min(cursor, store.head())
        info = {
            "workspace": store.meta("workspace"),
            "workspace_id": store.meta("workspace_id"),
            "agent": session.agent,
            "admin": session.grant.admin,
            "role": session.grant.role,
            "head": store.head(),
            "attachment_limit": store.attachment_limit(),
        }
        session.push(p.welcome(info))
        for frame in p.awareness_frames(self.presence.snapshot(), self.limits.max_frame):
            session.push(frame)

    async def _catch_up(self, session: Session) -> None:
        """The log after the replica's cursor, in order; then it gets changes as they come.

        Paced by the replica's READ: a few runs ahead of what it took, never the whole
        log into buffers, so a slow replica still answers pings and memory stays flat."""
        try:
            await self._send_log(session)
        except Exception as exc:  # a bug shows in the log; the relay goes on
            log.exception("catch-up of %s failed", session.agent)
            session.drop(f"internal error: {type(exc).__name__}", INTERNAL)

    async def _send_log(self, session: Session) -> None:
        session.read = session.cursor
        while True:
            while (
                session.cursor - session.read > self.limits.catch_up_ahead
                and not session.closed.is_set()
            ):
                session.read_moved.clear()
                await session.read_moved.wait()
            entries = self.store.since(session.cursor, self.limits.catch_up_batch)
            if not entries:
                break
            for entry in entries:
                await session.put(p.entry(entry.doc, entry.seq, entry.data))
            session.cursor = entries[-1].seq
            await session.put(p.number("", p.CURSOR, session.cursor))
        session.live = True  # no await since the last read: nothing was logged in between
        session.push(p.number("", p.IN_STEP, session.cursor))

    # -- frames --------------------------------------------------------------------------

    def _handle(self, session: Session, frame: p.Frame) -> None:
        if frame.kind == p.SYNC:
            self._sync(session, frame)
        elif frame.kind == p.READ:
            session.read = max(session.read, frame.number)
            session.read_moved.set()
        elif frame.kind == p.AWARENESS:
            changed = self.presence.update(session, p.read_awareness(frame.data))
            self._presence_changed(changed, but=session)
        else:
            raise Dropped(f"unexpected message kind {frame.kind} from a replica")

    def _sync(self, session: Session, frame: p.Frame) -> None:
        name = frame.doc
        if not p.DOC_NAME.fullmatch(name):
            raise Dropped(f"document name {name[:40]!r} is not in the workspace")
        if frame.step == p.STEP1:  # a repair: what the relay has that the replica lacks
            doc, _ = self.docs.get(name)
            answer = p.sync(name, p.STEP2, doc.get_update(frame.data or None))
            if len(answer) > p.MAX_WHOLE:
                raise Dropped(f"{name} is too big to send whole ({len(answer)} bytes)", TOO_BIG)
            session.push(answer)
            return
        if len(frame.data) > p.MAX_UPDATE:
            raise Dropped(f"an update of {len(frame.data)} bytes (limit {p.MAX_UPDATE})", TOO_BIG)
        try:
            writer = Writer(session.agent, session.grant.role, session.grant.token_id)
            entries = self._accept(writer, name, frame.data)
        except (RefusedError, BadUpdateError) as exc:
            self._refuse(session, name, exc)
            return
        self._pass_on(entries, session)
        doc, _ = self.docs.get(name)
        head = entries[-1].seq if entries else self.store.head()
        session.push(p.stored(name, head, doc.get_state()))

    def _pass_on(self, entries: list[LogEntry], source: Session | None = None) -> None:
        """Logged entries to every live socket (``source`` has the first: it sent it), then
        to whoever listens beside the sockets (the chat desk)."""
        for entry in entries:
            data = p.entry(entry.doc, entry.seq, entry.data)
            for other in self.sessions:
                if other.live and entry.seq > other.cursor:
                    if other is not source or entry is not entries[0]:
                        other.push(data)
                    other.cursor = entry.seq
        if entries:
            for listener in self.listeners:
                listener.changed(entries[0].doc)

    def write(
        self, name: str, change: Callable[[Doc], None], agent: str, role: str
    ) -> list[LogEntry]:
        """A change the relay makes itself as ``agent`` (a visitor's chat message, written
        on their behalf), proved, logged and passed on as an agent's would be. Raises
        ``RefusedError`` when admission would refuse it.

        Made on the loaded document itself, not a copy of it: a copy per message was most
        of what a visitor flood cost the relay (BENCHMARKS.md). The proof is the agents'
        (``_prove``); a change it refuses, or one that fails half made, is let go with the
        loaded document, which the log (that never had it) loads again."""
        doc, _ = self.docs.get(name)
        maps, arrays = admission.roots(name)
        plain = self.docs.plain(name, partial(self._plain, name))  # before the change
        before = doc.get_state()
        try:
            touched = doc.changed_by(change, maps, arrays)
            if doc.get_state() == before:
                return []
            after = self._prove(Writer(agent, role, None), name, plain, doc, touched)
        except BaseException:
            self.docs.forget(name)
            raise
        entries = self._log(Writer(agent, role, None), name, doc, doc.get_update(before), after)
        self._pass_on(entries)
        return entries

    def states(self) -> list[p.Awareness]:
        """Everyone's presence as the relay holds it."""
        return self.presence.snapshot()

    def document(self, name: str) -> dict[str, Any]:
        """A document's plain values as the relay holds them (read, never changed)."""
        return self.docs.plain(name, partial(self._plain, name))

    def _accept(self, writer: Writer, name: str, update: bytes) -> list[LogEntry]:
        """Prove an update harmless on a copy of the document, then log and stamp what it
        changed; nothing is stored or kept in memory unless all of it is."""
        doc, _ = self.docs.get(name)
        maps, arrays = admission.roots(name)
        before = doc.get_state()
        trial, touched = doc.trial(update, maps, arrays)  # a panic or bad bytes stop here
        if trial.get_state() == before:
            return []
        plain = self.docs.plain(name, partial(self._plain, name))
        after = self._prove(writer, name, plain, trial, touched)
        diff = trial.get_update(before)
        try:
            doc.apply_update(diff)
        except Exception:
            self.docs.forget(name)
            raise
        return self._log(writer, name, doc, diff, after)

    def _prove(
        self, writer: Writer, name: str, plain: dict[str, Any], changed: Doc, touched: set[str]
    ) -> dict[str, Any]:
        """Admission's check of ``changed`` (the document with the change in it) against
        ``plain`` (its values before): raises ``RefusedError``, else returns the values
        after. Only the roots the change touched are read again."""
        maps, arrays = admission.roots(name)
        reread = changed.to_py(
            [r for r in maps if r in touched], [r for r in arrays if r in touched]
        )
        after = {**plain, **reread}  # an untouched root is the same object: nothing to check
        extra = set(changed.root_names()) - {*maps, *arrays}
        author = admission.Author(writer.agent, writer.role)
        admission.check(name, plain, after, extra, author, self._plain_of)
        return after

    def _log(
        self, writer: Writer, name: str, doc: Doc, diff: bytes, after: dict[str, Any]
    ) -> list[LogEntry]:
        """A proved change, already in the loaded ``doc``, into the log, with the stamp of
        any ownership entry it made; a failure lets the loaded document go."""
        at = clock.now_iso()
        try:
            with self.store.write():
                seq = self.store.append(name, diff, writer.token_id, at)
                entries = [LogEntry(seq, name, diff)]
                if name.startswith("c:"):
                    stamped_from = doc.get_state()
                    if conversation.stamp(doc, entries[0].seq, self.store.next_ticket_number):
                        stamp = doc.get_update(stamped_from)
                        entries.append(LogEntry(self.store.append(name, stamp), name, stamp))
                        stamped = {r: doc.map(r).to_py() for r in ("claims", "ticket")}
                        after = {**after, **stamped}
        except Exception:
            self.docs.forget(name)  # the loaded copy may hold what was not stored
            raise
        self.docs.logged(name, doc, len(entries), sum(len(e.data) for e in entries))
        self.docs.keep_plain(name, after)
        return entries

    @staticmethod
    def _plain(name: str, doc: Doc) -> dict[str, Any]:
        maps, arrays = admission.roots(name)
        return doc.to_py(maps, arrays)

    def _plain_of(self, name: str) -> dict[str, Any]:
        """Another document as the relay holds it (a merge's source), or nothing."""
        if not p.DOC_NAME.fullmatch(name):
            return {}
        return self.docs.plain(name, partial(self._plain, name))

    def _refuse(self, session: Session, name: str, exc: RefusedError | BadUpdateError) -> None:
        """Answer a refused update with the relay's document, which the replica starts
        again from; bytes that do not even apply also cost the socket."""
        log.warning(
            "refused %s's change to %s (token %s): %s",
            session.agent,
            name,
            session.grant.token_id,
            exc.message,
        )
        doc, _ = self.docs.get(name)
        session.push(p.refused(name, exc.message, doc.get_update()))
        session.refused += 1
        if isinstance(exc, BadUpdateError):
            raise Dropped(f"update to {name} does not apply: {exc.message}")
        if session.refused >= self.limits.refusals:
            raise Dropped(f"{session.refused} changes refused: the replica keeps sending them")

    def _broadcast(self, frame: bytes, but: Session | None = None) -> None:
        for other in self.sessions:
            if other is not but and other.live:
                other.push(frame)

    def _broadcast_presence(self, changed: list[p.Awareness], but: Session | None = None) -> None:
        for frame in p.awareness_frames(changed, self.limits.max_frame):
            self._broadcast(frame, but)

    def _presence_changed(self, changed: list[p.Awareness], but: Session | None = None) -> None:
        self._broadcast_presence(changed, but)
        if changed:
            for listener in self.listeners:
                listener.presence(changed)

    def announce(self, peer: Peer, entries: list[p.Awareness]) -> None:
        """Presence the relay states for someone without a replica (a website visitor),
        bounded and passed on as a replica's is."""
        self._broadcast_presence(self.presence.update(peer, entries))

    def forget(self, peer: Peer) -> None:
        self._broadcast_presence(self.presence.leave(peer))

    def leave(self, session: Session) -> None:
        self.sessions.discard(session)
        self._presence_changed(self.presence.leave(session))

    # -- background ----------------------------------------------------------------------

    async def _watch_tokens(self) -> None:
        """Close the sockets of revoked tokens at once (revocation runs in another process)."""
        seen = self.store.data_version()
        while True:
            await asyncio.sleep(self.limits.revoke_poll)
            version = self.store.data_version()
            if version == seen:
                continue
            seen = version
            live = self.store.live_tokens()
            for session in list(self.sessions):
                if session.grant.token_id not in live:
                    session.drop("token revoked", REVOKED)

    async def _expire_presence(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self._presence_changed(self.presence.expire())
