"""The relay as an ASGI application: lifespan, the agents' websockets, attachments over
HTTP (``blobs.py``), a health page, and the website visitors' socket and widget
(``/chat``, ``/widget.js``: relay/chat/).

It turns ASGI messages into what the hub (``hub.py``) understands: a token to admit,
a session to read frames from, a close. A socket without a valid token is refused
before it is accepted (HTTP 403) and gets nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from relay.chat import endpoint as chat
from relay.chat.desk import Desk
from relay.server import blobs
from relay.server.hub import CLOSED_BY_AGENT, Hub
from relay.server.limits import DEFAULTS, Limits
from relay.server.session import MAX_REASON, Disconnected, Dropped, Send, Session
from relay.server.tls import ServerTLS

log = logging.getLogger("inbox.relay")

Scope = dict[str, Any]
BACKLOG = 2048  # connections queued before they are accepted, as uvicorn's default
Receive = Callable[[], Awaitable[dict[str, Any]]]


class RelayApp:
    def __init__(self, hub: Hub, page: Path | None = None) -> None:
        self.hub = hub
        self.desk = Desk(hub)  # website visitors: /chat and /widget.js (relay/chat/)
        hub.listeners.append(self.desk)
        # a page to try the widget on (the demo's), at /its-name, read once
        self.page = ("/" + page.name, page.read_bytes()) if page is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "websocket" and scope.get("path") == "/chat":
            await chat.visitor(self.desk, scope, receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "http" and scope.get("path") == "/widget.js":
            await chat.widget(scope, send)
        elif scope["type"] == "http" and self.page and scope.get("path") == self.page[0]:
            await chat.page(self.page[1], send)
        elif scope["type"] == "http":
            if blobs.is_blob_path(scope.get("path", "")):
                await blobs.handle(self.hub, scope, receive, send, _bearer(scope))
            else:
                await _plain(send, 200 if scope.get("path") == "/health" else 404)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.hub.start()
                self.desk.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.desk.stop()
                self.hub.stop()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        grant = self.hub.admit(_bearer(scope))
        if grant is None:
            log.info("refused a socket from %s: bad or revoked token", _peer(scope))
            await send({"type": "websocket.close", "code": 4401})
            return
        await send({"type": "websocket.accept"})
        session = Session(grant, send, self.hub.limits)
        self.hub.join(session)  # a token over its sockets is dropped at once
        if not session.closed.is_set():
            await self._serve(session, receive)
        if session.reason != CLOSED_BY_AGENT:
            log.info("closed %s's socket (%d): %s", session.agent, session.code, session.reason)
        close = {"type": "websocket.close", "code": session.code, "reason": _reason(session)}
        with contextlib.suppress(Exception):  # a peer that reads nothing is let go
            await asyncio.wait_for(send(close), self.hub.limits.close_timeout)

    async def _serve(self, session: Session, receive: Receive) -> None:
        writer = asyncio.create_task(session.writer())
        reader = asyncio.create_task(self.hub.read(session, lambda: _next_frame(receive)))
        await session.closed.wait()
        reader.cancel()
        self.hub.leave(session)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer, self.hub.limits.writer_grace)


def _reason(session: Session) -> str:
    """The close frame's reason: the drop's, cut to what a close frame holds."""
    raw = session.reason.encode()[:MAX_REASON]
    return raw.decode(errors="ignore")


async def _next_frame(receive: Receive) -> bytes:
    message = await receive()
    if message["type"] == "websocket.disconnect":
        raise Disconnected()
    data = message.get("bytes")
    if data is None:
        raise Dropped("text frame: the protocol is binary")
    return bytes(data)


def _bearer(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key == b"authorization":
            text = bytes(value).decode("latin-1")
            if text.lower().startswith("bearer "):
                return text[7:].strip()
    return ""


def _peer(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "?"


async def _plain(send: Send, status: int) -> None:
    body = b"inbox relay\n" if status == 200 else b"not found\n"
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` before the server starts: a busy port or an
    address not on this machine is one clear error. Connections are refused until it
    ``listen``s, and queue from then until the server takes them: listen when what is
    said about the relay is true."""
    from crdt.errors import InboxError, UsageError

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise UsageError(f"cannot serve on {host}: {exc.strerror}") from exc
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # restarts at once
        sock.bind(address)
    except OSError as exc:
        sock.close()
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        if exc.errno == errno.EADDRINUSE:
            raise InboxError(f"{where} is in use (another relay?); choose another --port") from exc
        raise InboxError(f"cannot listen on {where}: {exc.strerror}") from exc
    return sock


def address_of(sock: socket.socket) -> str:
    """``host:port`` of a listening socket, as a URL writes it."""
    host, port = sock.getsockname()[:2]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def serve(
    store_path: Path,
    host: str,
    port: int,
    workspace_name: str = "default",
    limits: Limits = DEFAULTS,
    tls: ServerTLS | None = None,
    sock: socket.socket | None = None,
    page: Path | None = None,
) -> None:
    """Run the relay until interrupted (uvicorn, on uvloop where it is installed); with
    ``tls``, https and wss only (``tls.checked`` loaded the files once already). ``sock``:
    one ``bind`` made, else ``host`` and ``port`` are bound here. ``page``: an HTML file
    served at ``/`` followed by its name (``relay serve --page``: the demo's widget page)."""
    import uvicorn

    from relay.server.connections import guarded, raise_descriptor_limit

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    log.info("up to %d open files (sockets)", raise_descriptor_limit())
    sock = sock if sock is not None else bind(host, port)
    sock.listen(BACKLOG)
    app = RelayApp(Hub(store_path, workspace_name, limits), page)
    http, ws = guarded(limits)  # uvicorn's h11 and websockets-sansio, bounded
    config = uvicorn.Config(
        app,
        http=http,
        ws=ws,
        backlog=BACKLOG,  # the loop is "auto": uvloop, a dependency where it exists
        ws_max_size=limits.max_frame + 1024,
        lifespan="on",
        log_level="warning",
        ssl_certfile=tls.cert if tls else None,
        ssl_keyfile=tls.key if tls else None,
    )
    with sock:
        uvicorn.Server(config).run(sockets=[sock])
