"""What one token holder can throw at the relay, over real sockets (tests and benchmarks).

Each attacker speaks through the replica's own blocking websocket client, so a socket
that "never reads" is simply one nobody calls ``recv`` on.
"""

from __future__ import annotations

import socket
from pathlib import Path

from crdt.model import conversation
from crdt.model.ids import new_id
from crdt.model.ydoc import Doc
from relay import protocol as p
from relay.client.address import Relay
from relay.client.link import open_socket
from relay.client.websocket import WebSocket

EVIL = "mallory@acme.example.com"


def hello(url: str, token: str, cursor: int = 10**12) -> WebSocket:
    """A socket that said HELLO (up to date by default: no catch-up) and reads nothing."""
    ws = open_socket(Relay(url), token)
    ws.send(p.number("", p.HELLO, cursor))
    return ws


def read_token(path: Path) -> str:
    return path.read_text().strip()


def presence_flood(ws: WebSocket, clients: int = 1200, per_frame: int = 400) -> None:
    """Many awareness client ids from one socket, as a script would announce them."""
    for start in range(0, clients, per_frame):
        run = [
            p.Awareness(1_000_000 + i, 1, {"status": "online", "viewing": None})
            for i in range(start, min(clients, start + per_frame))
        ]
        ws.send(p.awareness(p.awareness_update(run)))


def big_presence(ws: WebSocket, frames: int = 10, peers: int = 130, size: int = 60_000) -> None:
    """Awareness states as large as a state may be, many to a frame."""
    for f in range(frames):
        run = [
            p.Awareness(2_000_000 + f * peers + i, 1, {"status": "online", "pad": "x" * size})
            for i in range(peers)
        ]
        ws.send(p.awareness(p.awareness_update(run)))


def big_conversation(body_bytes: int, agent: str = EVIL) -> tuple[str, bytes]:
    """A new conversation whose one message has a body of ``body_bytes`` (a pasted log):
    its document name and its whole state as one update."""
    ident, at = new_id(), "2026-12-01T10:00:00.000Z"
    doc = Doc()
    conversation.create(
        doc,
        conversation_id=ident,
        subject="Logs attached",
        channel="email",
        mailbox="support@acme.example.com",
        customer="noisy@example.com",
        customer_name="Noisy",
        who="noisy@example.com",
        at=at,
    )
    line = "2026-12-01 10:00:00 ERROR something failed again, see the trace below\n"
    message = {
        "id": new_id(),
        "direction": "in",
        "channel": "email",
        "from": "noisy@example.com",
        "body": (line * (body_bytes // len(line) + 1))[:body_bytes],
        "created_at": at,
    }
    conversation.add_message(doc, message, "noisy@example.com", at)
    return f"c:{ident}", doc.get_update()


def idle_tcp(port: int, count: int) -> list[socket.socket]:
    """TCP connections to the relay that never say a word."""
    return [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]


def closed_by_peer(sock: socket.socket, timeout: float) -> bool:
    """Whether the other end closed ``sock`` within ``timeout`` seconds."""
    sock.settimeout(timeout)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def held_by_relay(relay_port: int, sock: socket.socket) -> bool:
    """Whether a process still holds the relay's end of ``sock`` (from /proc/net/tcp: an
    end no process holds has inode 0, left to the kernel, or is gone)."""
    client = sock.getsockname()[1]
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == relay_port and int(remote.split(":")[1], 16) == client:
            return inode != "0"
    return False
