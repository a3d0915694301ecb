"""The replica's side of attachments: blobs fetched from the relay on first use, and the
blobs this replica made (imports, files attached to replies) sent to it.

Plain HTTP/1.1 (``http.client``) to ``/blobs/<sha256>`` on the relay's URL, with the
replica's token, after the same checks as its websocket (``address``: https verified
against the replica's CA, plain http on loopback only). Bytes are streamed both ways,
into the blob store's writer, which checks them against their name: a relay that sent
other bytes than asked for leaves nothing behind.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from crdt.errors import InboxError, NotAuthorisedError, NotFoundError
from crdt.replica import Replica
from crdt.store.blobs import CHUNK, Blobs, MismatchError
from relay.client import link
from relay.client.address import Relay, tls_context, websocket_url
from relay.client.link import CertificateError, Progress, Unreachable
from relay.client.tokens import kept_token

TIMEOUT = 30.0  # seconds one read or write may wait on the relay
UPLOAD_EVERY = 1.0  # seconds between looks for blobs to send while watching
Say = Callable[[str], None]


class Connection:
    """One keep-alive HTTP connection to a relay's blobs."""

    def __init__(self, relay: Relay, token: str, timeout: float = TIMEOUT) -> None:
        websocket_url(relay)  # the URL may carry a token, or it is a UsageError
        parts = urlsplit(relay.url.strip())
        self.relay, self.token = relay, token
        self.base = parts.path.rstrip("/") + "/blobs/"
        host, port = parts.hostname or "", parts.port
        tls = tls_context(relay)
        self.http: http.client.HTTPConnection
        if tls is None:
            self.http = http.client.HTTPConnection(host, port, timeout, blocksize=CHUNK)
        else:
            self.http = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=tls, blocksize=CHUNK
            )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _ask(
        self, method: str, sha256: str, body: BinaryIO | None = None, size: int = 0
    ) -> http.client.HTTPResponse:
        headers = {"Authorization": f"Bearer {self.token}"}
        if body is not None:
            headers["Content-Length"] = str(size)
            headers["Content-Type"] = "application/octet-stream"
        try:
            self.http.request(method, self.base + sha256, body=body, headers=headers)
            return self.http.getresponse()
        except OSError as exc:
            self.http.close()
            import ssl

            if isinstance(exc, ssl.SSLCertVerificationError):
                raise CertificateError(
                    f"the TLS certificate of {self.relay.url} is not trusted "
                    f"({exc.verify_message}); the token was not sent"
                ) from exc
            raise Unreachable(f"relay unreachable at {self.relay.url}: {exc}") from exc
        except http.client.HTTPException as exc:
            self.http.close()
            raise Unreachable(f"the relay at {self.relay.url} broke off: {exc!r}") from exc

    def fetch(self, blobs: Blobs, sha256: str, limit: int | None = None) -> int:
        """The blob from the relay into ``blobs``; returns its size."""
        answer = self._ask("GET", sha256)
        if answer.status != 200:
            _refused(answer, self.relay, sha256)
        with blobs.writer(sha256, limit) as writer:
            try:
                while chunk := answer.read(CHUNK):
                    writer.write(chunk)
            except (OSError, http.client.HTTPException) as exc:
                self.http.close()
                raise Unreachable(f"the relay broke off sending {sha256[:12]}: {exc}") from exc
        return writer.size

    def has(self, sha256: str) -> bool:
        answer = self._ask("HEAD", sha256)
        answer.read()
        if answer.status == 404:
            return False
        if answer.status != 200:
            _refused(answer, self.relay, sha256)
        return True

    def send(self, blobs: Blobs, sha256: str) -> None:
        """The blob to the relay, unless it has it; a TooBig or mismatch answer raises."""
        size = blobs.size(sha256)
        if size is None or self.has(sha256):
            return
        with blobs.open(sha256) as body:
            answer = self._ask("PUT", sha256, body, size)
        if answer.status not in (200, 201):
            _refused(answer, self.relay, sha256)
        answer.read()


class Refused(InboxError):
    """The relay will not take this blob (too big for it, or not what its name says)."""


def _refused(answer: http.client.HTTPResponse, relay: Relay, sha256: str) -> None:
    text = answer.read(500).decode("utf-8", "replace").strip()
    status = answer.status
    if status in (401, 403):
        raise NotAuthorisedError(f"the relay refused this token for attachments ({text})")
    if status == 404:
        raise NotFoundError(f"the relay at {relay.url} does not hold attachment {sha256[:12]}")
    if status in (400, 413):
        raise Refused(f"the relay refused attachment {sha256[:12]}: {text}")
    raise Unreachable(f"relay at {relay.url} answered {status} for an attachment: {text}")


def upload_pending(blobs: Blobs, relay: Relay, token: str, say: Say) -> int:
    """Send every blob marked for the relay, and unmark each once it has it; returns how
    many were sent or found there. One the relay refuses for good (over its limit) is
    unmarked and said: it stays on this replica only."""
    blobs.sweep()  # what writers killed long ago left
    pending = blobs.uploads()
    if not pending:
        return 0
    done = 0
    with Connection(relay, token) as relay_blobs:
        for sha256 in pending:
            try:
                relay_blobs.send(blobs, sha256)
            except Refused as exc:
                say(f"{exc.message}: it stays on this replica only")
            except MismatchError:
                say(f"attachment {sha256[:12]} is damaged here: not sent")
            else:
                done += 1
            blobs.uploaded(sha256)
    return done


def keep_uploading(home: Path, relay: Relay, token: str, say: Say) -> threading.Thread:
    """A thread that sends what is marked as it comes (``inbox sync --watch``): a reply's
    attachment reaches the relay within about ``UPLOAD_EVERY`` seconds of the reply."""
    blobs = Blobs(home / "blobs")

    def loop() -> None:
        import time

        while True:
            time.sleep(UPLOAD_EVERY)
            try:
                upload_pending(blobs, relay, token, say)
            except InboxError as exc:  # offline: the marks wait for the next look
                say(f"attachments not sent yet: {exc.message}")
                time.sleep(UPLOAD_EVERY * 10)

    worker = threading.Thread(target=loop, name="blob-uploads", daemon=True)
    worker.start()
    return worker


def fetched(replica: Replica, item: dict[str, Any]) -> dict[str, Any]:
    """An attachment of ``actions.attachments`` made ``here``: fetched from the relay and
    kept when it is there (first use), else as it was; no more bytes than its listed size
    are taken, and only the bytes its name says."""
    if item["kept"] != "relay":
        return item
    with Connection(Relay.of(replica), kept_token(replica.home)) as relay:
        relay.fetch(replica.blobs, item["sha256"], limit=item["size"])
    return {**item, "kept": "here", "path": str(replica.blobs.path(item["sha256"])), "note": None}


def sync_once(
    replica: Replica, relay: Relay, token: str, progress: Progress | None, say: Say
) -> tuple[link.Link, int]:
    """`inbox sync`: the attachments this replica made first, then its documents, so a
    reply reaches the gateway with its files there already; returns the link and how many
    attachments went."""
    sent = upload_pending(replica.blobs, relay, token, say)
    return link.sync_once(replica, relay, token, progress, say), sent


def watch(replica: Replica, relay: Relay, token: str, say: Say) -> None:
    """`inbox sync --watch`: documents as they change, attachments beside them."""
    keep_uploading(replica.home, relay, token, say)
    link.watch(replica, relay, token, say)
