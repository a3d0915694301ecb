"""The relay's side of website chat: visitors' sockets, each bound to one conversation.

A visitor reaches the workspace only through here. Their token (tokens.py) names the one
conversation they may see; what they say is written into it by the relay on their behalf
(transcript.py, through ``Hub.write``, admission included), within the loop time all
visitors together may take (budget.py: over it a message waits its turn); the first
message of a chat is then routed by the workspace's rules (routing.py). What they are
sent is what ``transcript.shown`` keeps of that conversation, and "an agent is typing"
with the agent's handle. They never hold a document, a cursor, or anyone's presence.

The desk follows the hub (``Hub.listeners``): when a chat conversation with a visitor
online changes, the messages that visitor has not had are pushed to each of their
sockets (their own words come back the same way: that echo is the widget's receipt),
and an agent's reply that reached a socket is marked sent. When an agent starts or stops
typing in it, the visitor is told. The visitor's own typing goes to the agents as
presence, stated by the relay for them.

Outside the workspace's business hours a visitor's message is answered with the away
message (settings.py), once for each closed stretch. An agent's reply written while no
socket of its visitor is open waits (``RelayStore.chat_wait``, so a restart keeps it);
once the workspace's ``email_after`` has passed with the visitor still away, and they
gave an email, the desk hands it to the mail gateway (``transcript.handed_over``). The
desk is the one place that knows the sockets, and joining and handing over run in one
event loop: a reply is either marked sent by chat or handed to email, never both, and
never handed over while a socket of its visitor is open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from crdt.errors import RefusedError
from crdt.mail.compose import usable_address
from crdt.model import clock
from crdt.model.items import handle
from crdt.model.vocab import conversation_doc
from relay import protocol as p
from relay.chat import tokens, transcript, wire
from relay.chat.buckets import Buckets
from relay.chat.budget import Budget
from relay.chat.limits import ChatLimits
from relay.chat.routing import Router
from relay.chat.settings import ChatSettings, business_hours, sender
from relay.store import RelayStore

log = logging.getLogger("inbox.relay.chat")

WRITER = (transcript.WRITER_AGENT, transcript.WRITER_ROLE)  # the relay's own change
HEARTBEAT = 10.0  # seconds between restatements of a visitor's presence (it expires at 30)
PRESENCE_EVERY = 1.0  # seconds: a visitor's presence goes to the agents at most this often
SETTINGS_FOR = 2.0  # seconds the desk keeps the settings it read before reading them again

SendText = Callable[[str], Awaitable[None]]


class Closed(Exception):
    """Why a visitor's socket is closed: the reason goes to the widget, and to the log."""


class VisitorSocket:
    """One visitor's socket (one tab): its queue, what it has been sent, its presence."""

    def __init__(self, granted: tokens.Pass, address: str, queue: int) -> None:
        self.granted, self.address = granted, address
        self.who = transcript.Visitor(granted.visitor, granted.conversation)
        self.doc = conversation_doc(granted.conversation)
        self.sent: set[str] = set()  # ids of messages this socket was sent
        self.typing = False
        self.since = self.typing_since = clock.now_iso()
        self.client = int.from_bytes(os.urandom(6), "big")  # its presence's client id
        self.clock = 0
        self.stated = 0.0  # when its presence last went to the agents (monotonic)
        self.restate: asyncio.TimerHandle | None = None  # its next statement, when held back
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(queue)
        self.reason = ""

    @property
    def agent(self) -> str:  # as presence names the peer (awareness.Peer)
        return f"visitor:{self.granted.visitor[:8]}"

    @property
    def token_id(self) -> str:  # presence's budget is per visitor, all their tabs
        return f"visitor:{self.granted.visitor}"

    def push(self, text: str) -> None:
        try:
            self.queue.put_nowait(text)
        except asyncio.QueueFull:
            self.close("too far behind")

    def close(self, reason: str) -> None:
        if not self.reason:
            self.reason = reason
            with contextlib.suppress(asyncio.QueueFull):
                self.queue.put_nowait(None)


class Relay(Protocol):
    """What the desk needs of the relay's hub (relay/server/hub.py), which calls the
    desk's ``changed`` and ``presence`` as the log and presence move."""

    @property
    def limits(self) -> ChatLimits: ...

    @property
    def store(self) -> RelayStore: ...

    def write(self, name: str, change: Callable[[Any], None], agent: str, role: str) -> Any: ...

    def document(self, name: str) -> dict[str, Any]: ...

    def announce(self, peer: Any, entries: list[p.Awareness]) -> None: ...

    def forget(self, peer: Any) -> None: ...

    def states(self) -> list[p.Awareness]: ...


class Desk:
    """Every visitor socket of one relay, by conversation."""

    def __init__(self, hub: Relay) -> None:
        self.hub, self.limits = hub, hub.limits
        self.sockets: dict[str, set[VisitorSocket]] = {}  # document name -> its visitors'
        self.by_address: dict[str, int] = {}
        self.count = 0
        self._frames = Buckets(self.limits.chat_ip_rate, self.limits.chat_ip_burst)
        self._says = Buckets(self.limits.chat_rate, self.limits.chat_burst)
        limits = self.limits
        self._router = Router(hub, WRITER)
        self._budget = Budget(limits.chat_all_share, limits.chat_all_burst, limits.chat_all_queue)
        new = self.limits.chat_new_per_ip
        self._new = Buckets(new / self.limits.chat_new_window, new)
        self._typing: dict[int, str] = {}  # an agent's presence client -> document typed in
        self._tasks: list[asyncio.Task[None]] = []
        self._settings: tuple[float, ChatSettings] | None = None
        self._waiting: set[str] = set()  # replies in the store's chat_waiting
        self._timers: dict[str, asyncio.TimerHandle] = {}  # document -> its hand-over check

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._heartbeat())]
        by_doc: dict[str, str] = {}
        for reply, ident, at in self.hub.store.chat_waiting():  # what waited across a restart
            self._waiting.add(reply)
            by_doc.setdefault(conversation_doc(ident), at)
        for name, at in by_doc.items():
            self._schedule(name, at)

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        self._budget.stop()
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for held in list(self.sockets.values()):
            for sock in held:
                sock.close("relay stopping")

    # -- admission -----------------------------------------------------------------------

    def allowed(self, origin: str) -> bool:
        return bool(origin) and any(o["origin"] == origin for o in self.hub.store.origins())

    def workspace(self) -> str:
        return str(self.hub.store.meta("workspace") or "")

    def room_for(self, address: str) -> str | None:
        """Why another socket from ``address`` is refused now, or None."""
        if self.count >= self.limits.chat_visitors:
            return "the relay has all the visitors it takes"
        if self.by_address.get(address, 0) >= self.limits.chat_sockets_per_ip:
            return "too many chat sockets from this address"
        return None

    def enter(self, token: str | None, origin: str, address: str) -> tuple[VisitorSocket, str]:
        """The socket of whoever holds ``token`` (a new visitor when it is none, or not
        valid here), with the token to keep: renewed, or new."""
        store, now = self.hub.store, time.time()
        key, workspace_id = store.chat_key(), str(store.meta("workspace_id") or "")
        days = self.limits.chat_token_days
        granted = tokens.check(key, workspace_id, token, origin, now) if token else None
        granted = tokens.fresh(origin, now, days) if granted is None else granted
        granted = tokens.renewed(granted, now, days)
        sock = VisitorSocket(granted, address, self.limits.chat_queue)
        tabs = self.sockets.get(sock.doc, set())
        if sum(1 for s in tabs if s.granted.visitor == granted.visitor) >= (
            self.limits.chat_sockets_per_visitor
        ):
            raise Closed("too many chat windows open")
        return sock, tokens.issue(key, workspace_id, granted)

    def join(self, sock: VisitorSocket, token: str) -> None:
        self.sockets.setdefault(sock.doc, set()).add(sock)
        self.by_address[sock.address] = self.by_address.get(sock.address, 0) + 1
        self.count += 1
        plain = self._plain(sock.doc)
        history = transcript.shown(plain, self.limits.chat_history)
        sock.sent.update(m["id"] for m in history)
        sock.push(wire.welcome(token, history, transcript.answering(plain)))
        if self._typing_in(sock.doc):
            sock.push(wire.typing(True, self._typist(sock.doc)))
        self._announce(sock)
        self._mark_delivered(sock.doc)

    def leave(self, sock: VisitorSocket) -> None:
        if sock.restate is not None:
            sock.restate.cancel()
            sock.restate = None
        held = self.sockets.get(sock.doc)
        if held is None or sock not in held:
            return
        held.discard(sock)
        if not held:
            del self.sockets[sock.doc]
            self._note_waiting(sock.doc)
        left = self.by_address.get(sock.address, 1) - 1
        if left > 0:
            self.by_address[sock.address] = left
        else:
            self.by_address.pop(sock.address, None)
        self.count -= 1
        self.hub.forget(sock)

    # -- what a visitor says -------------------------------------------------------------

    def handle(self, sock: VisitorSocket, event: wire.Event) -> None:
        if not self._frames.allow(sock.address):
            raise Closed("flooding: too many frames from this address")
        if event.kind == "say":
            self._say(sock, event)
        elif event.kind == "typing":
            if event.on != sock.typing:
                sock.typing, sock.typing_since = event.on, clock.now_iso()
                self._announce(sock)
        elif event.kind == "profile":
            sock.who = sock.who._replace(
                name=event.name or sock.who.name, email=event.email or sock.who.email
            )
            self._write(sock, lambda doc: transcript.introduce(doc, sock.who))
            self._announce(sock)
        else:
            raise Closed(f"unexpected {event.kind}")

    def _say(self, sock: VisitorSocket, event: wire.Event) -> None:
        if not self._says.allow(sock.granted.visitor):
            raise Closed("flooding: too many messages; wait a moment")
        ident = transcript.message_id(sock.granted.conversation, event.client_id)
        key = f"{sock.doc} {event.client_id}"
        plain = self._plain(sock.doc)
        opening = not plain.get("meta", {}).get("id") and not self._opening(sock.doc)
        if opening and not self._new.allow(sock.address):
            raise Closed("too many new chats from this address; try again later")
        if any(m.get("id") == ident for m in plain.get("messages", [])):
            # a resend of one taken already (the receipt was lost with the connection)
            shown = transcript.shown(plain, len(plain.get("messages", [])))
            for m in shown:
                if m["id"] == event.client_id and m["author"] == "visitor":
                    sock.sent.add(m["id"])
                    sock.push(wire.message(m))
        elif not self._budget.holds(key) and not self._budget.take(
            key, lambda: self._take(sock, event)
        ):
            raise Closed("the relay is busy: the message is sent again in a moment")
        sock.typing = False
        self._announce(sock)

    def _opening(self, name: str) -> bool:
        """Whether a first message of this conversation waits for the budget already."""
        return any(key.startswith(f"{name} ") for key in self._budget.waiting())

    def _take(self, sock: VisitorSocket, event: wire.Event) -> None:
        """A visitor's message written, now or once the relay-wide budget allowed it (the
        socket may have closed meanwhile: what they said is kept all the same)."""
        at, plain = clock.now_iso(), self._plain(sock.doc)
        opening = not plain.get("meta", {}).get("id")
        known = {str(m.get("id")) for m in plain.get("messages", []) if isinstance(m, dict)}
        try:
            self._write(
                sock,
                lambda doc: transcript.say(
                    doc, sock.who, event.client_id, event.body, at, known=known
                ),
            )
            self._away(sock)
        except Closed as exc:
            sock.close(str(exc))
            return
        if opening:  # after the echo: the rules never hold up the visitor's first words
            ident = transcript.message_id(sock.granted.conversation, event.client_id)
            asyncio.get_running_loop().call_soon(self._router.opened, sock.doc, ident)

    def _away(self, sock: VisitorSocket) -> None:
        """The away message after a visitor's message outside business hours."""
        settings, now = self.settings(), clock.now()
        body = settings.away_now(now)
        if body is None or settings.hours is None:
            return
        if transcript.away_due(self._plain(sock.doc), business_hours(settings.hours), now):
            at, ident = clock.to_iso(now), sock.granted.conversation
            self._write(sock, lambda doc: transcript.away(doc, ident, body, at))

    def settings(self) -> ChatSettings:
        """The workspace's chat settings, read again when older than ``SETTINGS_FOR``."""
        now = time.monotonic()
        if self._settings is None or now - self._settings[0] > SETTINGS_FOR:
            self._settings = (now, ChatSettings.of(self.hub.store.chat_settings()))
        return self._settings[1]

    def _write(self, sock: VisitorSocket, change: Callable[[Any], None]) -> None:
        try:
            self.hub.write(sock.doc, change, *WRITER)
        except RefusedError as exc:  # a bug or a poisoned document: the visitor is told
            log.warning("refused a visitor's change to %s: %s", sock.doc, exc.message)
            raise Closed("the message could not be taken") from exc

    # -- following the hub ---------------------------------------------------------------

    def changed(self, name: str) -> None:
        held = self.sockets.get(name)
        if not held:
            self._note_waiting(name)
            return
        shown = transcript.shown(self._plain(name), self.limits.chat_history)
        for sock in list(held):
            for m in shown:
                if m["id"] not in sock.sent:
                    sock.sent.add(m["id"])
                    sock.push(wire.message(m))
        if transcript.undelivered(self._plain(name)):
            asyncio.get_running_loop().call_soon(self._mark_delivered, name)

    def presence(self, changed: list[p.Awareness]) -> None:
        """Agents' typing, as their replicas state it, to the visitors of what they type in."""
        touched: set[str] = set()
        for entry in changed:
            state = entry.state or {}
            if state.get("visitor"):
                continue
            typing = state.get("typing")
            now = conversation_doc(typing) if isinstance(typing, str) and typing else None
            was = self._typing.pop(entry.client, None)
            if now is not None:
                self._typing[entry.client] = now
            if was != now:
                touched.update(d for d in (was, now) if d is not None)
        for name in touched:
            on = self._typing_in(name)
            for sock in self.sockets.get(name, ()):
                sock.push(wire.typing(on, self._typist(name) if on else None))

    def _typing_in(self, name: str) -> bool:
        return name in self._typing.values()

    def _typist(self, name: str) -> str | None:
        for client, typed in self._typing.items():
            if typed == name:
                for held in self.hub.states():
                    if held.client == client and held.state:
                        return handle(str(held.state.get("agent", "")))
        return None

    def _mark_delivered(self, name: str) -> None:
        if not self.sockets.get(name):
            self._note_waiting(name)  # the visitor left meanwhile: it waits for their return
            return
        waiting = transcript.undelivered(self._plain(name))
        if waiting:
            at = clock.now_iso()
            try:
                self.hub.write(name, lambda doc: transcript.delivered(doc, waiting, at), *WRITER)
            except RefusedError as exc:
                log.warning("could not mark replies in %s sent: %s", name, exc.message)
                return
        self._unwait(name, waiting)

    # -- replies the visitor left before reading ---------------------------------------

    def _note_waiting(self, name: str) -> None:
        """Agents' replies to a visitor who is away: kept, with a check when they fall due."""
        if not name.startswith("c:") or self.settings().email_after is None:
            return
        plain = self._plain(name)
        if plain.get("meta", {}).get("channel") != "chat":
            return
        fresh = [(i, at) for i, at in transcript.waiting(plain) if i not in self._waiting]
        if not fresh:
            return
        ident = str(plain["meta"].get("id"))
        self.hub.store.chat_wait([(i, ident, at) for i, at in fresh])
        self._waiting.update(i for i, _ in fresh)
        self._schedule(name, min(at for _, at in fresh))

    def _schedule(self, name: str, written_at: str) -> None:
        delay = self.settings().email_after
        if delay is None or name in self._timers:
            return
        wait = max(0.0, _written(written_at).timestamp() + delay - time.time())
        self._timers[name] = asyncio.get_running_loop().call_later(wait, self._hand_over, name)

    def _hand_over(self, name: str) -> None:
        """The replies of ``name`` that have waited ``email_after``, to the mail gateway;
        or, with the visitor back, nothing (joining marked them sent)."""
        self._timers.pop(name, None)
        if self.sockets.get(name):
            return
        plain, settings = self._plain(name), self.settings()
        waiting = transcript.waiting(plain)
        known = {i for i, _ in waiting}
        gone = [r for r, c, _ in self.hub.store.chat_waiting() if conversation_doc(c) == name]
        self._unwait(name, [r for r in gone if r not in known])  # sent by chat meanwhile
        if settings.email_after is None or not waiting:
            self._unwait(name, list(known))
            return
        cutoff = clock.now() - timedelta(seconds=settings.email_after)
        due = [i for i, at in waiting if _written(at) <= cutoff]
        later = [at for _, at in waiting if _written(at) > cutoff]
        customer = str(plain.get("meta", {}).get("customer") or "")
        mailbox = sender(settings, self.hub.store.mailboxes())
        if due and usable_address(customer) and mailbox is not None:
            at = clock.now_iso()
            try:
                self.hub.write(
                    name, lambda doc: transcript.handed_over(doc, due, mailbox, at), *WRITER
                )
            except RefusedError as exc:
                log.warning("could not hand replies in %s to email: %s", name, exc.message)
                return
        self._unwait(name, due)  # no address, or no mailbox: they wait for the visitor
        if later:
            self._schedule(name, min(later))

    def _unwait(self, name: str, replies: list[str]) -> None:
        mine = [r for r in replies if r in self._waiting]
        if mine:
            self.hub.store.chat_unwait(mine)
            self._waiting.difference_update(mine)
        if not any(r in self._waiting for r, _ in transcript.waiting(self._plain(name))):
            timer = self._timers.pop(name, None)
            if timer is not None:
                timer.cancel()

    # -- the visitor's presence, for the agents -------------------------------------------

    def _announce(self, sock: VisitorSocket) -> None:
        """A visitor's presence to the agents, at most once a ``PRESENCE_EVERY``, the
        latest state last: every statement is a frame to every agent's socket, and a
        visitor's typing frames alone (up to their address's frame limit) were enough to
        hold up the agents' own sync (benchmarks/chat_load.py)."""
        if sock.restate is not None:
            return  # the statement held back will say the state as it is then
        wait = sock.stated + PRESENCE_EVERY - time.monotonic()
        if wait > 0:
            sock.restate = asyncio.get_running_loop().call_later(wait, self._state, sock)
        else:
            self._state(sock)

    def _state(self, sock: VisitorSocket) -> None:
        sock.restate, sock.stated = None, time.monotonic()
        sock.clock += 1
        ident = sock.granted.conversation
        state = {
            "visitor": True,
            "name": sock.who.name,
            "status": "online",
            "viewing": ident,
            "viewing_since": sock.since,
            "typing": ident if sock.typing else None,
            "typing_since": sock.typing_since if sock.typing else None,
            "at": clock.now_iso(),
        }
        self.hub.announce(sock, [p.Awareness(sock.client, sock.clock, state)])

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            for held in list(self.sockets.values()):
                for sock in list(held):
                    self._announce(sock)

    def _plain(self, name: str) -> dict[str, Any]:
        return self.hub.document(name)


def _written(at: str) -> datetime:
    """When a reply was written; one whose time does not read is taken as long ago."""
    try:
        return clock.parse_iso(at)
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
