"""A small blocking websocket client (RFC 6455): binary messages over one TCP or TLS socket.

The replica keeps one socket to the relay and has nothing else to wait on but its
own database, so the client needs no event loop: ``recv(timeout)`` waits on the
socket with ``select``. Without asyncio and the websockets package, `inbox sync`
starts in a third of the time (both cost ~110 ms to import; this module ~10 ms),
which is most of what an up-to-date reconnect costs. The server side keeps the
websockets library (through uvicorn).

Only what the relay speaks: binary data, pings answered, close. Frames from the
server must be unmasked; anything else ends the connection with ``WebSocketError``.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import select
import socket
import struct
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import ssl

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEADER = 16 * 1024
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class WebSocketError(OSError):
    """The connection failed or broke; the caller reconnects."""


class Refused(WebSocketError):
    """The server answered the handshake with an HTTP status other than 101."""

    def __init__(self, status: int) -> None:
        super().__init__(f"the server answered {status}")
        self.status = status


class Closed(WebSocketError):
    """The server closed the connection; ``code`` and ``reason`` from its close frame
    (1005 and "" when it gave none, 1006 when the connection just ended)."""

    def __init__(self, message: str, code: int = 1006, reason: str = "") -> None:
        super().__init__(f"{message} with {code}: {reason}" if reason else message)
        self.code, self.reason = code, reason


def close_payload(payload: bytes) -> tuple[int, str]:
    """The code and reason of a close frame (RFC 6455 5.5.1)."""
    if len(payload) < 2:
        return 1005, ""
    code = struct.unpack_from("!H", payload)[0]
    return code, payload[2:125].decode("utf-8", errors="replace")


class Untrusted(WebSocketError):
    """The server's TLS certificate did not verify (unknown CA, wrong host, expired)."""


class WebSocket:
    def __init__(self, sock: socket.socket, max_size: int) -> None:
        self.sock, self.max_size = sock, max_size
        self._buf = bytearray()
        self._parts: list[bytes] = []

    @classmethod
    def connect(
        cls,
        url: str,
        headers: dict[str, str],
        timeout: float,
        max_size: int,
        tls: ssl.SSLContext | None = None,
    ) -> WebSocket:
        """Open ``ws://`` or ``wss://`` (TLS with ``tls``, else the system's defaults:
        certificate and hostname verified). Errors never carry ``headers``."""
        parts = urlsplit(url)
        secure = parts.scheme == "wss"
        host = parts.hostname or ""
        port = parts.port or (443 if secure else 80)
        try:
            sock = socket.create_connection((host, port), timeout=timeout)
            if secure:
                sock = _wrap(sock, host, tls)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            ws = cls(sock, max_size)
            ws._handshake(parts.netloc, parts.path or "/", headers)
        except OSError as exc:
            if isinstance(exc, WebSocketError):
                raise
            raise WebSocketError(str(exc)) from exc
        sock.settimeout(None)
        return ws

    def _handshake(self, netloc: str, path: str, headers: dict[str, str]) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        while b"\r\n\r\n" not in self._buf:
            if len(self._buf) > MAX_HEADER:
                raise WebSocketError("handshake answer too long")
            self._read_some()
        head, _, rest = bytes(self._buf).partition(b"\r\n\r\n")
        self._buf = bytearray(rest)
        status_line, *fields = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1]) if len(status_line.split()) > 1 else 0
        if status != 101:
            raise Refused(status)
        answer = {k.strip().lower(): v.strip() for k, _, v in (f.partition(":") for f in fields)}
        expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if answer.get("sec-websocket-accept") != expected:
            raise WebSocketError("the server did not accept the websocket handshake")

    # -- sending -----------------------------------------------------------------------------

    def send(self, data: bytes, opcode: int = BINARY) -> None:
        """One message, one frame; masked, as a client must."""
        size = len(data)
        if size < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
        elif size < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
        key = os.urandom(4)
        try:
            self.sock.sendall(head + key + _mask(data, key))
        except OSError as exc:
            raise WebSocketError(str(exc)) from exc

    def close(self) -> None:
        with contextlib.suppress(WebSocketError):
            self.send(struct.pack("!H", 1000), CLOSE)
        self.sock.close()

    # -- receiving -----------------------------------------------------------------------------

    def recv(self, timeout: float | None = None) -> bytes | None:
        """The next binary message; None when ``timeout`` passes first."""
        while True:
            frame = self._frame()
            if frame is None:
                if not self._wait(timeout):
                    return None
                self._read_some()
                continue
            message = self._handle(*frame)
            if message is not None:
                return message

    def _wait(self, timeout: float | None) -> bool:
        pending = getattr(self.sock, "pending", None)  # TLS may hold decrypted bytes
        if pending is not None and pending():
            return True
        ready, _, _ = select.select([self.sock], [], [], timeout)
        return bool(ready)

    def _read_some(self) -> None:
        try:
            data = self.sock.recv(65536)
        except OSError as exc:
            raise WebSocketError(str(exc)) from exc
        if not data:
            raise Closed("the connection was closed")
        self._buf += data

    def _frame(self) -> tuple[int, bool, bytes] | None:
        """(opcode, fin, payload) of a whole frame in the buffer, or None."""
        buf = self._buf
        if len(buf) < 2:
            return None
        fin, opcode = bool(buf[0] & 0x80), buf[0] & 0x0F
        if buf[1] & 0x80:
            raise WebSocketError("a masked frame from the server")
        size, at = buf[1] & 0x7F, 2
        if size == 126:
            if len(buf) < 4:
                return None
            size, at = struct.unpack_from("!H", buf, 2)[0], 4
        elif size == 127:
            if len(buf) < 10:
                return None
            size, at = struct.unpack_from("!Q", buf, 2)[0], 10
        if size > self.max_size:
            raise WebSocketError(f"a frame of {size} bytes")
        if len(buf) < at + size:
            return None
        payload = bytes(buf[at : at + size])
        del buf[: at + size]
        return opcode, fin, payload

    def _handle(self, opcode: int, fin: bool, payload: bytes) -> bytes | None:
        if opcode == PING:
            self.send(payload, PONG)
        elif opcode == CLOSE:
            code, reason = close_payload(payload)
            self.close()
            raise Closed("closed by the server", code, reason)
        elif opcode in (BINARY, CONTINUATION):
            self._parts.append(payload)
            if sum(len(p) for p in self._parts) > self.max_size:
                raise WebSocketError("a message too large")
            if fin:
                message, self._parts = b"".join(self._parts), []
                return message
        elif opcode != PONG:
            raise WebSocketError(f"unexpected frame (opcode {opcode})")
        return None


def _wrap(sock: socket.socket, host: str, tls: ssl.SSLContext | None) -> socket.socket:
    """TLS over ``sock``; a certificate that does not verify is ``Untrusted``, with
    OpenSSL's reason (ssl is imported only for wss: plain loopback syncs skip its cost)."""
    import ssl

    context = tls or ssl.create_default_context()
    try:
        return context.wrap_socket(sock, server_hostname=host)
    except ssl.SSLCertVerificationError as exc:
        sock.close()
        raise Untrusted(exc.verify_message or exc.reason or "certificate verify failed") from exc
    except OSError:
        sock.close()
        raise


def _mask(data: bytes, key: bytes) -> bytes:
    """XOR with the repeated key, as one big-integer operation (fast for large frames)."""
    if not data:
        return data
    n = len(data)
    stream = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(n, "big")
