"""The relay's connections below ASGI: bounded before they are websockets, and after.

uvicorn bounds a request's size but not how long a TCP connection may sit without
sending one: 1,100 connections that never said a word held 1,100 descriptors until
none was left for a real replica. Here every connection that is not a websocket yet
is one of at most ``Limits.handshakes``, for at most ``Limits.handshake_timeout``
seconds; past the count the *oldest* is closed (a real replica sends its upgrade
within a round trip of connecting, so it is never the oldest), and the closes are
logged once a second with how many there were.

A connection that carries an attachment (``PUT`` or ``GET /blobs/...``) is no handshake
that takes long: each time a request under way moves (body bytes arrive, or the bytes
sent drain from the buffer) its time starts again and it becomes the newest, so an
upload of 25 MB over a slow link is never cut while it moves, and one that stops moving
is closed ``handshake_timeout`` seconds later like any idle connection. Bytes of an
unfinished request head count for nothing: a head sent a byte at a time is still closed.

After the app is done with a websocket, its transport is aborted if the peer has not
taken the close frame within ``Limits.close_timeout`` seconds: a peer that reads
nothing would otherwise keep its socket and its unsent buffer for as long as it likes.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import OrderedDict

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request

from relay.server.limits import Limits

log = logging.getLogger("inbox.relay")


class Handshakes:
    """The connections that are not websockets yet, oldest first."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._pending: OrderedDict[int, asyncio.Protocol] = OrderedDict()
        self.closed = 0  # connections closed for taking too long, or for being too many
        self._untold = 0

    def __len__(self) -> int:
        return len(self._pending)

    def arrived(self, http: GuardedHTTP) -> None:
        self._pending[id(http)] = http
        http.loop.call_later(self.limits.handshake_timeout, self._expire, http)
        while len(self._pending) > self.limits.handshakes:
            _, oldest = self._pending.popitem(last=False)
            if isinstance(oldest, GuardedHTTP) and oldest.waiting:
                self._close(oldest)

    def moved(self, http: GuardedHTTP) -> None:
        """A request under way made progress: the newest now, its time started again."""
        if id(http) in self._pending:
            self._pending.move_to_end(id(http))

    def gone(self, http: GuardedHTTP) -> None:
        self._pending.pop(id(http), None)

    def _expire(self, http: GuardedHTTP) -> None:
        if id(http) not in self._pending:
            return
        idle = http.loop.time() - http.moved_at
        if http.waiting and idle < self.limits.handshake_timeout:
            http.loop.call_later(self.limits.handshake_timeout - idle, self._expire, http)
            return
        self._pending.pop(id(http), None)
        if http.waiting:
            self._close(http)

    def _close(self, http: GuardedHTTP) -> None:
        http.transport.abort()
        self.closed += 1
        if not self._untold:
            http.loop.call_later(1.0, self._tell)
        self._untold += 1

    def _tell(self) -> None:
        log.warning(
            "closed %d connection(s) that were not websockets within %g s "
            "(or past %d such at once)",
            self._untold,
            self.limits.handshake_timeout,
            self.limits.handshakes,
        )
        self._untold = 0


class GuardedHTTP(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, counted among the handshakes until it upgrades."""

    handshakes: Handshakes
    moved_at: float = float("-inf")  # when a request under way last moved

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.handshakes.arrived(self)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._moving()

    def resume_writing(self) -> None:
        super().resume_writing()
        self._moving()

    def _moving(self) -> None:
        if self.cycle is not None and not self.cycle.response_complete:
            self.moved_at = self.loop.time()
            self.handshakes.moved(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.handshakes.gone(self)
        super().connection_lost(exc)

    @property
    def waiting(self) -> bool:
        """Still this protocol's: not a websocket, not closed."""
        return self.transport.get_protocol() is self and not self.transport.is_closing()


class GuardedWebSocket(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol, its transport aborted once the app is done with it
    and the peer has had ``close_timeout`` seconds to take the close frame."""

    close_grace: float
    visitor_frame: int  # bytes of a message on a website visitor's socket (``/chat``)

    def handle_connect(self, event: Request) -> None:
        """A visitor's socket takes far smaller messages than an agent's: bounded here,
        as they arrive, not after 8 MB of one is read."""
        super().handle_connect(event)
        if event.path.partition("?")[0] == "/chat":
            self.conn.max_message_size = self.visitor_frame

    async def run_asgi(self) -> None:
        await super().run_asgi()
        self.loop.call_later(self.close_grace, self.transport.abort)


def guarded(limits: Limits) -> tuple[type[GuardedHTTP], type[GuardedWebSocket]]:
    """The two protocol classes for uvicorn, bound to one relay's limits."""
    handshakes = Handshakes(limits)
    http = type("RelayHTTP", (GuardedHTTP,), {"handshakes": handshakes})
    grace, frame = limits.close_timeout, 4 * limits.chat_frame  # UTF-8: up to 4 bytes a character
    ws = type("RelayWebSocket", (GuardedWebSocket,), {"close_grace": grace, "visitor_frame": frame})
    return http, ws


def raise_descriptor_limit() -> int:
    """The soft limit on open files raised to the hard one (sockets are files); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        return hard
    return soft
