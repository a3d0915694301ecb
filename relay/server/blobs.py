"""Attachments over HTTP: ``GET``, ``HEAD`` and ``PUT /blobs/<sha256>``.

The same bearer tokens as the websockets (``Authorization: Bearer ...``): none or one the
relay does not know is 401, a viewer's PUT 403 (viewers read, never write). A PUT is
streamed to disk as it arrives, never held: past the store's attachment limit it is 413
(at once when its Content-Length says so), and bytes that do not hash to the name in
the path are 400 and kept nowhere. A blob is immutable, so a GET may be cached forever.
Disk work that can take long (the sync of a finished upload) runs off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from crdt.errors import NotFoundError
from crdt.model.vocab import VIEWER
from crdt.store.blobs import CHUNK, MismatchError, TooBigError, Writer, is_name, megabytes
from relay.server.hub import Hub

log = logging.getLogger("inbox.relay")

PREFIX = "/blobs/"
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]


def is_blob_path(path: str) -> bool:
    return path.startswith(PREFIX)


async def handle(hub: Hub, scope: Scope, receive: Receive, send: Send, token: str) -> None:
    sha256 = scope["path"][len(PREFIX) :]
    method = scope["method"]
    if not is_name(sha256):
        await _answer(send, 404, "not a blob name: 64 lower-case hex digits")
        return
    if method not in ("GET", "HEAD", "PUT"):
        await _answer(send, 405, "GET, HEAD or PUT", [(b"allow", b"GET, HEAD, PUT")])
        return
    grant = hub.admit(token) if token else None
    if grant is None:
        await _answer(send, 401, "a valid token, please", [(b"www-authenticate", b"Bearer")])
        return
    if method == "PUT":
        if grant.role == VIEWER:
            await _answer(send, 403, "a viewer's token reads blobs and writes none")
            return
        await _put(hub, scope, receive, send, sha256, grant.agent)
    else:
        await _get(hub, send, sha256, body=method == "GET")


async def _get(hub: Hub, send: Send, sha256: str, body: bool) -> None:
    try:
        blob = hub.store.open_blob(sha256)
    except NotFoundError:
        await _answer(send, 404, "no such blob here")
        return
    with blob:
        size = blob.seek(0, 2)
        blob.seek(0)
        headers = [
            (b"content-type", b"application/octet-stream"),
            (b"content-length", str(size).encode()),
            (b"etag", f'"{sha256}"'.encode()),
            (b"cache-control", b"private, max-age=31536000, immutable"),
            (b"x-content-type-options", b"nosniff"),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if not body:
            await send({"type": "http.response.body", "body": b""})
            return
        while True:
            chunk = blob.read(CHUNK)
            await send({"type": "http.response.body", "body": chunk, "more_body": bool(chunk)})
            if not chunk:
                return


async def _put(
    hub: Hub, scope: Scope, receive: Receive, send: Send, sha256: str, agent: str
) -> None:
    limit = hub.store.attachment_limit()
    declared = _content_length(scope)
    if declared is not None and declared > limit:
        await _too_big(send, limit)
        return
    writer = hub.store.blob_writer(sha256, limit)
    try:
        if not await _stream(receive, writer):
            return  # the peer went away: nothing kept
        await asyncio.to_thread(writer.commit)
    except TooBigError:
        await _too_big(send, limit)
        return
    except MismatchError as exc:
        await _answer(send, 400, exc.message)
        return
    finally:
        writer.abort()  # a no-op once committed
    log.info("%s put blob %s (%d bytes)", agent, sha256[:12], writer.size)
    await _answer(send, 201, "kept")


async def _stream(receive: Receive, writer: Writer) -> bool:
    """The request's body into ``writer``; False when the peer disconnected first."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return False
        writer.write(message.get("body", b""))
        if not message.get("more_body"):
            return True


async def _too_big(send: Send, limit: int) -> None:
    await _answer(send, 413, f"over the {megabytes(limit)} MB limit for attachments")


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            text = bytes(value).decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _answer(send: Send, status: int, text: str, extra: Headers | None = None) -> None:
    body = (text + "\n").encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
