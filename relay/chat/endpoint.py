"""The visitors' websocket (``/chat``) and the widget's script (``/widget.js``), in ASGI.

A socket is refused before it is accepted (HTTP 403) when its Origin is not one the
workspace allows, when it names another workspace, or when its address has all the
sockets it may hold; then it has ``Limits.chat_hello_timeout`` seconds to say hello.
Every frame after that is read by ``wire.read`` (bounded, typed) and handled by the desk;
anything else closes the socket with the reason, which the widget shows nowhere but the
console and answers by reconnecting later.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import logging
from collections.abc import Awaitable, Callable
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from relay.chat import wire
from relay.chat.desk import Closed, Desk, VisitorSocket

log = logging.getLogger("inbox.relay.chat")

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
POLICY, GOING_AWAY = 1008, 1001


async def visitor(desk: Desk, scope: Scope, receive: Receive, send: Send) -> None:
    if (await receive())["type"] != "websocket.connect":
        return
    origin = _header(scope, b"origin")
    address = (scope.get("client") or ("?", 0))[0]
    workspace = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("workspace", [""])
    why = None
    if not desk.allowed(origin):
        why = f"origin {origin[:80]!r} is not allowed"
    elif workspace[0] != desk.workspace():
        why = f"no workspace {workspace[0][:40]!r} here"
    else:
        why = desk.room_for(address)
    if why is not None:
        log.info("refused a visitor socket from %s: %s", address, why)
        await send({"type": "websocket.close", "code": POLICY})
        return
    await send({"type": "websocket.accept"})
    sock: VisitorSocket | None = None
    try:
        first = await asyncio.wait_for(_text(receive), desk.limits.chat_hello_timeout)
        hello = wire.read(first, desk.limits)
        if hello.kind != "hello":
            raise Closed("did not start with hello")
        sock, token = desk.enter(hello.token, origin, address)
        desk.join(sock, token)
        await _serve(desk, sock, receive, send)
    except (Closed, wire.WireError) as exc:
        await _close(send, str(exc), POLICY)
    except (TimeoutError, _Gone):
        await _close(send, "no hello in time", POLICY)
    finally:
        if sock is not None:
            desk.leave(sock)


class _Gone(Exception):
    """The visitor's socket closed."""


async def _serve(desk: Desk, sock: VisitorSocket, receive: Receive, send: Send) -> None:
    writer = asyncio.create_task(_write(sock, send))
    reader = asyncio.create_task(_read(desk, sock, receive))
    try:
        await asyncio.wait({writer, reader}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        reader.cancel()
        if not writer.done():
            sock.close(sock.reason or "closed")
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer, desk.limits.writer_grace)
    code = GOING_AWAY if sock.reason == "relay stopping" else POLICY
    if sock.reason and sock.reason != "gone":
        log.info("closed a visitor socket from %s: %s", sock.address, sock.reason)
        await _close(send, sock.reason, code)


async def _read(desk: Desk, sock: VisitorSocket, receive: Receive) -> None:
    try:
        while not sock.reason:
            desk.handle(sock, wire.read(await _text(receive), desk.limits))
    except (Closed, wire.WireError) as exc:
        sock.close(str(exc))
    except _Gone:
        sock.close("gone")


async def _write(sock: VisitorSocket, send: Send) -> None:
    while True:
        text = await sock.queue.get()
        if text is None:
            return
        await send({"type": "websocket.send", "text": text})


async def _text(receive: Receive) -> str | None:
    message = await receive()
    if message["type"] == "websocket.disconnect":
        raise _Gone()
    text = message.get("text")
    return str(text) if text is not None else None


async def _close(send: Send, reason: str, code: int) -> None:
    close = {
        "type": "websocket.close",
        "code": code,
        "reason": reason.encode()[:123].decode(errors="ignore"),
    }
    with contextlib.suppress(Exception):  # a peer that reads nothing is let go
        await asyncio.wait_for(send(close), 5.0)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


# -- the widget's script -----------------------------------------------------------------


@cache
def _widget() -> tuple[bytes, bytes]:
    """The script, plain and gzipped, read once from the package."""
    plain = resources.files("relay.chat").joinpath("widget.js").read_bytes()
    return plain, gzip.compress(plain, 9, mtime=0)


async def widget(scope: Scope, send: Send) -> None:
    """``/widget.js``: any site may load it (the socket's Origin is what is checked)."""
    plain, packed = _widget()
    zipped = "gzip" in _header(scope, b"accept-encoding")
    body = packed if zipped else plain
    headers = [
        (b"content-type", b"text/javascript; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"public, max-age=300"),
        (b"x-content-type-options", b"nosniff"),
        (b"vary", b"accept-encoding"),
    ]
    if zipped:
        headers.append((b"content-encoding", b"gzip"))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def page(body: bytes, send: Send) -> None:
    """A page to try the widget on (``relay serve --page``): a static file, as it is."""
    headers = [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-cache"),
        (b"x-content-type-options", b"nosniff"),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
