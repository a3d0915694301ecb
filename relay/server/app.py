"""The relay as an ASGI application: lifespan, the agents' websockets, a health page.

It turns ASGI messages into what the hub (``hub.py``) understands: a token to admit,
a session to read frames from, a close. A socket without a valid token is refused
before it is accepted (HTTP 403) and gets nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from relay.server.hub import CLOSED_BY_AGENT, Hub
from relay.server.limits import DEFAULTS, Limits
from relay.server.session import Disconnected, Dropped, Send, Session
from relay.server.tls import ServerTLS

log = logging.getLogger("inbox.relay")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]


class RelayApp:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
        elif scope["type"] == "http":
            await _plain(send, 200 if scope.get("path") == "/health" else 404)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.hub.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
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
        self.hub.join(session)
        writer = asyncio.create_task(session.writer())
        reader = asyncio.create_task(self.hub.read(session, lambda: _next_frame(receive)))
        await session.closed.wait()
        reader.cancel()
        self.hub.leave(session)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer, self.hub.limits.writer_grace)
        if session.reason != CLOSED_BY_AGENT:
            log.info("closed %s's socket: %s", session.agent, session.reason)
        with contextlib.suppress(Exception):
            await send({"type": "websocket.close", "code": 1000})


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


def serve(
    store_path: Path,
    host: str,
    port: int,
    workspace_name: str = "default",
    limits: Limits = DEFAULTS,
    tls: ServerTLS | None = None,
) -> None:
    """Run the relay until interrupted (uvicorn, on uvloop where it is installed); with
    ``tls``, https and wss only (``tls.checked`` loaded the files once already)."""
    import uvicorn

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = RelayApp(Hub(store_path, workspace_name, limits))
    uvicorn.run(
        app,
        host=host,
        port=port,
        ws="websockets-sansio",  # the loop is "auto": uvloop, a dependency where it exists
        ws_max_size=limits.max_frame + 1024,
        lifespan="on",
        log_level="warning",
        ssl_certfile=tls.cert if tls else None,
        ssl_keyfile=tls.key if tls else None,
    )
