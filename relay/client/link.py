"""The replica's side of the wire: join a relay, sync once, or stay in step.

A connection says HELLO with the replica's cursor, sends what the outbox holds,
and applies the relay's log as it arrives, each run up to a CURSOR in one
transaction (crdt/sync/). ``watch`` keeps going: it notices changes made
by other ``inbox`` commands on the replica (SQLite's ``data_version`` moves when
another connection commits; looking costs microseconds, so it looks every
``POLL`` seconds) and sends them, carries this agent's presence, and reconnects
with exponential backoff and full jitter when the network goes.

Blocking I/O on one socket (``websocket.py``): a replica has one connection and
its own database to look at, nothing that needs an event loop.
"""

from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from crdt.errors import InboxError, NotAuthorisedError, UsageError
from crdt.model import clock, items
from crdt.model.vocab import AGENT, VIEWER
from crdt.model.ydoc import covers
from crdt.replica import ATTACHMENT_LIMIT, ROLE, Replica
from crdt.sync import builder, outbox, presence, refused
from relay import protocol as p
from relay.client.address import Relay, tls_context, websocket_url
from relay.client.tokens import keep_token, kept_token
from relay.client.websocket import Closed, Refused, Untrusted, WebSocket, WebSocketError

POLL = 0.02  # seconds between looks for local changes while watching
HEARTBEAT = 10.0  # presence is resent this often (the relay forgets it after 30 s)
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 30.0
OPEN_TIMEOUT = 10.0
WINDOW = 64  # documents sent and not yet answered (STORED or REFUSED), at most

Progress = Callable[[int, int], None]
Say = Callable[[str], None]
OnRun = Callable[[builder.Run], None]  # told each run of the relay's log before it is stored
OnLocal = Callable[[list[str]], None]  # told the documents changed here before they are sent
OnTick = Callable[[], None]  # called every TICK seconds while in step (SLA clocks)
TICK = 1.0


def _quiet(note: str) -> None:
    """Where a link's notes go when nobody listens."""


class Unreachable(InboxError):
    """The relay cannot be reached; nothing local is lost (the outbox keeps it)."""


class CertificateError(Unreachable):
    """The relay's TLS certificate did not verify; the connection ended before any request."""

    code = "certificate"


def open_socket(relay: Relay, token: str, timeout: float = OPEN_TIMEOUT) -> WebSocket:
    """The relay's socket, once its URL passed the check (``address.websocket_url``): the
    token goes only into a verified TLS connection or over loopback (or where the user
    said --insecure)."""
    url = websocket_url(relay)
    try:
        return WebSocket.connect(
            url,
            {"Authorization": f"Bearer {token}"},
            timeout=timeout,
            max_size=p.MAX_FRAME + 1024,
            tls=tls_context(relay),
        )
    except Refused as exc:
        if exc.status in (401, 403):
            raise NotAuthorisedError(
                "the relay refused this token (unknown, revoked, or of another workspace)"
            ) from exc
        raise Unreachable(f"relay at {relay.url} answered {exc.status}") from exc
    except Untrusted as exc:
        raise CertificateError(
            f"the TLS certificate of {relay.url} is not trusted ({exc}); the token was not sent. "
            "For a relay with a private CA or a self-signed certificate, name that CA "
            "with --ca-file CA.pem (on join or sync) or SSL_CERT_FILE"
        ) from exc
    except Closed as exc:
        hint = "" if relay.secure else " (a relay that serves TLS wants https://)"
        raise Unreachable(f"relay unreachable at {relay.url}: {exc}{hint}") from exc
    except WebSocketError as exc:
        raise Unreachable(f"relay unreachable at {relay.url}: {exc}") from exc


class Link:
    """One connection's conversation with the relay."""

    def __init__(
        self,
        replica: Replica,
        ws: WebSocket,
        progress: Progress | None = None,
        say: Say = _quiet,
        on_run: OnRun | None = None,
        on_local: OnLocal | None = None,
        on_tick: OnTick | None = None,
    ) -> None:
        self.replica, self.ws, self.progress, self.say = replica, ws, progress, say
        self.on_run, self.on_local, self.on_tick = on_run, on_local, on_tick
        self.skipped = 0  # presence frames that could not be read, skipped
        self.unsent: dict[str, int] = {}  # documents too big to send: their outbox counter
        self.pieces = p.Assembly()  # the one frame the relay is sending in pieces
        self.welcome: dict[str, Any] = {}
        self.in_step = False
        self.sent = 0  # documents sent over this connection
        self.refused: list[str] = []  # what the relay refused, as told to the agent
        self._buffer: list[tuple[str, bytes]] = []
        self._in_flight: dict[str, list[tuple[int, bytes]]] = {}  # doc -> (changes, state)
        self._flying = 0  # sends not yet answered, of every document
        self._round: deque[tuple[str, int]] = deque()  # changed documents still to send
        self.builder = builder.Builder(replica)  # builds a long catch-up as it arrives

    def hello(self) -> dict[str, Any]:
        self.welcome = greet(self.ws, outbox.cursor(self.replica.store))
        return self.welcome

    @property
    def head(self) -> int:
        """The relay's log position when it welcomed this connection."""
        return int(self.welcome.get("head") or 0)

    @property
    def waiting(self) -> bool:
        return bool(self._round) or any(self._in_flight.values())

    def flush(self) -> int:
        """Send the documents changed here since they were last sent, as many as the
        window holds (the rest as answers come: ``handle``); returns how many went now."""
        self._round = deque(outbox.pending(self.replica.store).items())
        if self.on_local is not None and self._round:
            self.on_local([name for name, _ in self._round])
        return self._send_more()

    def _send_more(self) -> int:
        """At most ``WINDOW`` documents unanswered: a replica with a long outbox (days
        offline, a workspace begun alone) keeps reading while it sends, so the relay's
        answers and its catch-up never pile up past what it queues for a socket."""
        sent = 0
        while self._round and self._flying < WINDOW:
            name, changes = self._round.popleft()
            flying = self._in_flight.get(name)
            if flying and flying[-1][0] == changes:
                continue  # sent already, not yet acknowledged
            out = outbox.outgoing(self.replica, name)
            if out is None or self._too_big(out):
                continue
            for piece in p.pieces(p.sync(name, p.UPDATE, out.update)):
                self.ws.send(piece)
            self._in_flight.setdefault(name, []).append((out.changes, out.state))
            self._flying += 1
            sent += 1
        self.sent += sent
        return sent

    def _too_big(self, out: outbox.Outgoing) -> bool:
        """An update the relay would not take, even in pieces: said once, kept here, and
        every other document goes on syncing."""
        if len(out.update) <= p.MAX_UPDATE:
            return False
        if self.unsent.get(out.doc) != out.changes:
            mb, limit = len(out.update) / 2**20, p.MAX_UPDATE // 2**20
            self.say(
                f"{out.doc} is too big to send ({mb:.1f} MB, limit {limit} MB): "
                "it stays on this replica only"
            )
            self.unsent[out.doc] = out.changes
        return True

    def handle(self, frame: p.Frame) -> None:
        if frame.kind == p.PART:
            whole = self.pieces.add(frame)
            if whole is not None:
                self.handle(whole)
        elif frame.kind == p.ENTRY:
            self._buffer.append((frame.doc, frame.data))
            if self.in_step:  # a change as it happens: into the replica at once
                self._apply(frame.number)
        elif frame.kind == p.SYNC and frame.step in (p.UPDATE, p.STEP2):
            self._buffer.append((frame.doc, frame.data))
        elif frame.kind == p.CURSOR:  # the end of a run of the catch-up
            self._apply(frame.number)
            self.ws.send(p.number("", p.READ, frame.number))  # taken: the relay may go on
        elif frame.kind == p.STORED:
            self._acknowledged(frame.doc, frame.number, frame.data)
            self._send_more()
        elif frame.kind == p.REFUSED:
            queue = self._in_flight.get(frame.doc)
            if queue:
                queue.pop(0)  # answered: the relay took none of it
                self._flying -= 1
            note = refused.start_again(self.replica, frame.doc, frame.data, str(frame.info))
            self.refused.append(note)
            self._send_more()
        elif frame.kind == p.IN_STEP:
            self._apply(frame.number)
            self.in_step = True
        elif frame.kind == p.AWARENESS:
            self._heard(frame.data)

    def _heard(self, data: bytes) -> None:
        """Presence from the relay; a frame that cannot be read is skipped (said once per
        connection): who is online is not worth the connection that carries the log."""
        try:
            heard = [(a.client, a.state) for a in p.read_awareness(data)]
        except p.ProtocolError as exc:
            if not self.skipped:
                self.say(f"skipped presence from the relay that could not be read ({exc})")
            self.skipped += 1
            return
        presence.heard(self.replica, heard)

    def _apply(self, new_cursor: int) -> None:
        """A run of the log into the replica: a short one at once, a long one (or any
        while the workers have some) built by the workers, at most IN_FLIGHT runs ahead
        of what is stored."""
        by_doc = builder.group(self._buffer)
        self._buffer = []
        if self.on_run is not None and by_doc:
            self.on_run(by_doc)  # before it is stored: told again if this process dies
        if len(by_doc) > builder.BUILD_ABOVE or self.builder.busy:
            self.builder.add(by_doc, new_cursor)
            self.builder.reap(keep=builder.IN_FLIGHT)
        else:
            builder.receive(self.replica, by_doc, new_cursor)
        if self.progress:
            self.progress(min(outbox.cursor(self.replica.store), self.head), self.head)

    def _acknowledged(self, name: str, seq: int, relay_state: bytes) -> None:
        queue = self._in_flight.get(name)
        if not queue:
            return
        changes, state = queue.pop(0)
        self._flying -= 1
        if not covers(relay_state, state):  # the relay could not take all of it: the next
            changes = -1  # send starts from its state, and the outbox entry stays
        # once in step, every entry up to seq has reached this socket (the relay's order)
        settled = self.in_step and not self.builder.busy
        outbox.acknowledge(self.replica.store, name, changes, relay_state, seq if settled else None)


def sync_once(
    replica: Replica,
    relay: Relay,
    token: str,
    progress: Progress | None = None,
    say: Say = _quiet,
    within: float | None = None,
) -> Link:
    """Connect, exchange everything, and return once in step with nothing unacknowledged;
    ``within``: seconds to give up after (``Unreachable``), whatever is stored by then kept."""
    deadline = None if within is None else time.monotonic() + within
    ws = open_socket(relay, token, OPEN_TIMEOUT if within is None else within)
    try:
        link = Link(replica, ws, progress, say)
        check_workspace(replica, link.hello())
        _exchange(link, deadline)
        return link
    finally:
        ws.close()


def settle(replica: Replica, within: float) -> bool:
    """A short sync, so a change made just now is ordered by the relay (a claim, which it
    stamps); False when the replica has no relay, or it could not be in step in time."""
    if not replica.relay_url:
        return False
    try:
        sync_once(replica, Relay.of(replica), kept_token(replica.home), within=within)
    except InboxError:  # offline, or slow: the watcher or the next sync will do it
        return False
    return True


def join(
    where: Path,
    relay: Relay,
    token: str,
    progress: Progress | None = None,
    name: str | None = None,
) -> Replica:
    """A new replica of the relay's workspace in ``where``, with everything it holds; it
    keeps the relay's URL and how to trust it (CA file, --insecure) for later syncs.
    ``name``: the agent's display name, unless the admin gave one already."""
    from crdt.store import home

    if home.replica_path(where).exists():
        raise UsageError(f"{where} holds a replica already: `inbox sync` keeps it in step")
    ws = open_socket(relay, token)
    try:
        info = greet(ws, 0)
        replica = Replica.create(
            where,
            workspace=str(info.get("workspace") or "inbox"),
            agent=str(info["agent"]),
            name=None,
            workspace_id=str(info["workspace_id"]),
            relay_url=relay.url,
            relay_ca_file=relay.ca_file,
            relay_insecure=relay.insecure,
        )
        keep_token(where, token)
        remember_role(replica, info)
        link = Link(replica, ws, progress)
        link.welcome = info
        _exchange(link)
        if replica.agent not in replica.items("agents") and replica.role != VIEWER:
            replica.put_item("agents", replica.agent, items.agent(replica.agent, name))
            _exchange(link)  # in the list at once, as the admin named it or by its handle
        return replica
    finally:
        ws.close()


class Rejoined(NamedTuple):
    replica: Replica
    attached: bool  # True: a replica of its own workspace now syncs with the relay


def rejoin(
    where: Path, relay: Relay, token: str, progress: Progress | None = None
) -> Rejoined | None:
    """The replica in ``where`` with ``token`` as its relay token from now on: a joined
    one's own was revoked or is being rotated, or one made by `inbox init` joins the relay
    made from it (``attach``). None when there is no replica there (``join``)."""
    from crdt.store import home

    if not home.replica_path(where).exists():
        return None
    replica = Replica.open(where)
    try:
        if replica.relay_url is None:
            attach(replica, relay, token, progress)
            return Rejoined(replica, attached=True)
        replace_token(replica, relay, token)
    except BaseException:
        replica.close()
        raise
    return Rejoined(replica, attached=False)


def attach(replica: Replica, relay: Relay, token: str, progress: Progress | None = None) -> None:
    """A replica of its own workspace joins the relay seeded from it (relay/seed.py): it
    keeps every id and all it holds; the first sync sends what it has (the relay holds
    most of it already and takes only what is new) and takes the relay's claim stamps."""
    ws = open_socket(relay, token)
    try:
        info = greet(ws, outbox.cursor(replica.store))
        _same_agent(replica, info)
        if info.get("workspace_id") != replica.store.meta("workspace_id"):
            raise UsageError(
                f"{replica.home} holds a workspace of its own, and the relay at {relay.url} "
                f"serves another ({info.get('workspace')!r}); share this one with "
                f"`inbox relay serve --from-replica {replica.home}`, or join that relay "
                "into an empty home"
            )
        keep_token(replica.home, token)
        replica.attach_relay(relay.url, relay.ca_file, relay.insecure)
        remember_role(replica, info)
        link = Link(replica, ws, progress)
        link.welcome = info
        try:
            _exchange(link)
        except Unreachable as exc:  # joined all the same: what it has waits in its outbox
            raise Unreachable(
                f"{exc.message}; {replica.home} is joined to the relay now, and "
                "`inbox sync` finishes its first sync"
            ) from exc
    finally:
        ws.close()


def _same_agent(replica: Replica, welcome: dict[str, Any]) -> None:
    if str(welcome.get("agent")) != replica.agent:
        raise UsageError(
            f"that token is {welcome.get('agent')}'s; this replica is {replica.agent}'s: "
            "nothing was changed"
        )


def replace_token(replica: Replica, relay: Relay, token: str) -> None:
    """Keep a new token for a joined replica: only for the relay and workspace it was
    joined to, and the same agent, checked with the relay before the token is kept."""
    if relay.url != replica.relay_url:
        raise UsageError(
            f"{replica.home} is joined to {replica.relay_url}, not {relay.url}; "
            "join another relay into an empty home instead"
        )
    ws = open_socket(relay, token)
    try:
        info = greet(ws, outbox.cursor(replica.store))
    finally:
        ws.close()
    _same_agent(replica, info)
    check_workspace(replica, info)
    keep_token(replica.home, token)


def greet(ws: WebSocket, cursor: int) -> dict[str, Any]:
    """HELLO with the replica's cursor; the relay's WELCOME (workspace, agent, log head)."""
    try:
        ws.send(p.number("", p.HELLO, cursor))
    except WebSocketError as exc:
        raise Unreachable(f"the relay went away ({exc})") from exc
    frame = p.decode(_recv(ws))
    if frame.kind != p.WELCOME or not isinstance(frame.info, dict):
        raise Unreachable("the relay did not welcome this replica")
    return frame.info


def _recv(ws: WebSocket, deadline: float | None = None) -> bytes:
    timeout = OPEN_TIMEOUT * 6
    if deadline is not None:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            raise Unreachable("not in step with the relay in time")
    try:
        message = ws.recv(timeout)
    except WebSocketError as exc:
        raise Unreachable(f"the relay went away ({exc})") from exc
    if message is None:
        raise Unreachable("the relay stopped answering")
    return message


def _exchange(link: Link, deadline: float | None = None) -> None:
    try:
        link.flush()
        while not (link.in_step and not link.waiting):
            link.handle(p.decode(_recv(link.ws, deadline)))
        link.builder.finish()  # every run with the workers stored, the cursor past them
    except WebSocketError as exc:  # a send to a relay that went away (a receive says so)
        raise Unreachable(f"the relay went away ({exc})") from exc
    finally:
        link.builder.close()
    if link.progress:
        link.progress(link.head, link.head)


def check_workspace(replica: Replica, welcome: dict[str, Any]) -> None:
    if welcome.get("workspace_id") != replica.store.meta("workspace_id"):
        raise UsageError(
            f"this replica belongs to another workspace than the relay's "
            f"({welcome.get('workspace')!r}); join it into an empty home instead"
        )
    remember_role(replica, welcome)


def remember_role(replica: Replica, welcome: dict[str, Any]) -> None:
    """What the relay lets this token do, so the replica refuses early what the relay
    would refuse (a viewer's change, a non-admin's setting), and the largest attachment
    it keeps."""
    role = str(welcome.get("role") or AGENT)
    limit = welcome.get("attachment_limit")
    limit = str(limit) if isinstance(limit, int) and limit > 0 else None
    if replica.store.meta(ROLE) != role or (
        limit and replica.store.meta(ATTACHMENT_LIMIT) != limit
    ):
        with replica.store.write():
            replica.store.set_meta(ROLE, role)
            if limit:  # what the relay keeps: the import keeps no more
                replica.store.set_meta(ATTACHMENT_LIMIT, limit)


def watch(
    replica: Replica,
    relay: Relay,
    token: str,
    say: Callable[[str], None],
    on_run: OnRun | None = None,
    on_local: OnLocal | None = None,
    on_tick: OnTick | None = None,
) -> None:
    """Stay in step until interrupted; a revoked token ends it (exit 4), and so does a
    relay URL the token may not go to (exit 2). ``on_run``, ``on_local`` and ``on_tick``:
    see ``Link`` (``inbox watch`` and the relay's notifier derive events there)."""
    delay = BACKOFF_FIRST
    me = random.getrandbits(31)  # this process's awareness client id
    beat = 0
    while True:
        try:
            ws = open_socket(relay, token)
        except Unreachable as exc:
            say(f"offline ({exc}); retrying")
        else:
            delay = BACKOFF_FIRST
            try:
                link = Link(replica, ws, say=say, on_run=on_run, on_local=on_local, on_tick=on_tick)
                beat = _stay(link, me, beat, say)
            except (WebSocketError, Unreachable, p.ProtocolError) as exc:
                say(f"connection lost ({exc}); reconnecting")
            finally:
                presence.heard(replica, None)  # presence heard over a dead link is stale
                ws.close()
        time.sleep(random.uniform(0, delay))
        delay = min(delay * 2, BACKOFF_MAX)


def _stay(link: Link, me: int, beat: int, say: Callable[[str], None]) -> int:
    try:
        return _watching(link, link.replica, link.ws, me, beat, say)
    finally:
        link.builder.close()


def _watching(
    link: Link, replica: Replica, ws: WebSocket, me: int, beat: int, say: Callable[[str], None]
) -> int:
    check_workspace(replica, link.hello())
    say(f"connected as {link.welcome.get('agent')}")
    version = replica.store.data_version()  # before the flush: a change made during it is seen
    link.flush()
    doing = presence.doing(replica)
    beat += 1
    ws.send(p.awareness(p.awareness_update([p.Awareness(me, beat, _state(doing))])))
    last_beat = last_tick = time.monotonic()
    while True:
        message = ws.recv(POLL)
        if message is not None:
            link.handle(p.decode(message))
            while link.refused:
                say(link.refused.pop(0))
        link.builder.settle()
        moved = replica.store.data_version()
        if moved != version:
            version = moved
            link.flush()
            fresh = presence.doing(replica)
            if fresh != doing:
                doing, last_beat = fresh, 0.0
        if time.monotonic() - last_beat >= HEARTBEAT:
            doing = presence.doing(replica)  # a view of long ago has ended meanwhile
            beat += 1
            ws.send(p.awareness(p.awareness_update([p.Awareness(me, beat, _state(doing))])))
            last_beat = time.monotonic()
        if link.on_tick is not None and time.monotonic() - last_tick >= TICK:
            link.on_tick()
            last_tick = time.monotonic()


def _state(doing: dict[str, Any]) -> dict[str, Any]:
    return {"status": "online", **doing, "at": clock.now_iso()}
