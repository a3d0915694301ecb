"""The receiving agents of relay_bench's fan-out, in a process of their own.

    python benchmarks/ws_receivers.py < job.json     # {"port", "tokens", "doc", "changes"}

Each token gets a websocket (the project's blocking client) and says HELLO as an
up-to-date agent; then all are read in one epoll loop, and it prints "ready". Every
frame of ``doc`` that carries a ``bench<n>x`` tag is recorded with two times: when
the kernel put its bytes in that socket (SO_TIMESTAMPNS) and when this process read
it. The first is when the change reached the agent; the second adds this one
process's turn at each of its sockets, which a real agent, one socket on a machine
of its own, does not wait for. At the end it prints JSON:
``[[marker, kernel_ns, read_ns], ...]`` in CLOCK_REALTIME, as the sender stamps.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from relay import protocol as p
from relay.client.websocket import WebSocket

SO_TIMESTAMPNS = 35  # Linux; the socket module does not name it
ANCILLARY = socket.CMSG_SPACE(16)  # one struct timespec


def connect(port: int, token: str) -> tuple[socket.socket, bytearray]:
    """An agent's socket, up to date (HELLO with a cursor past everything, and the relay's
    catch-up step read), with what came after that step; the project's own client."""
    ws = WebSocket.connect(
        f"ws://127.0.0.1:{port}/sync", {"Authorization": f"Bearer {token}"}, 10, 1 << 24
    )
    ws.send(p.number("", p.HELLO, 10**12))
    while (message := ws.recv(10)) is None or p.decode(message).kind != p.IN_STEP:
        pass
    ws.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    return ws.sock, bytearray(ws._buf)  # bytes it read past that step: frames parse on


def frames(buffer: bytearray) -> list[tuple[int, bytes]]:
    """Whole server frames (unmasked) taken off the front of ``buffer``."""
    out = []
    while len(buffer) >= 2:
        opcode, size, at = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
        if size == 126:
            if len(buffer) < 4:
                break
            size, at = struct.unpack_from("!H", buffer, 2)[0], 4
        elif size == 127:
            if len(buffer) < 10:
                break
            size, at = struct.unpack_from("!Q", buffer, 2)[0], 10
        if len(buffer) < at + size:
            break
        out.append((opcode, bytes(buffer[at : at + size])))
        del buffer[: at + size]
    return out


def marker(frame: bytes) -> int | None:
    at = frame.find(b"bench")
    if at < 0:
        return None
    digits = frame[at + 5 :].split(b"x", 1)[0]
    return int(digits) if digits.isdigit() else None


def main() -> None:
    job = json.load(sys.stdin)
    prefix = p.var_bytes(job["doc"].encode()) + p.var_uint(p.ENTRY)
    changes = int(job["changes"])
    agents = [connect(int(job["port"]), t) for t in job["tokens"]]
    sockets = [sock for sock, _ in agents]
    buffers = {sock.fileno(): rest for sock, rest in agents}
    by_fd = {sock.fileno(): sock for sock in sockets}
    reads = receive(by_fd, changes)
    for s in sockets:
        s.close()
    records: list[tuple[int, int, int]] = []
    for fd, data, stamp, read_ns in reads:  # frames parsed after the run, off the clock
        buffers[fd] += data
        for opcode, payload in frames(buffers[fd]):
            n = marker(payload) if opcode == 2 and payload.startswith(prefix) else None
            if n is not None:
                records.append((n, stamp, read_ns))
    print(json.dumps(records))


def receive(by_fd: dict[int, socket.socket], changes: int) -> list[tuple[int, bytes, int, int]]:
    """Every read, stamped, until each socket has seen ``changes`` tags (or two quiet
    seconds): as little work per read as can be, so that this process, which shares the
    machine with the relay, takes least from it."""
    poll = select.epoll()
    for fd in by_fd:
        poll.register(fd, select.EPOLLIN)
    print("ready", flush=True)
    seen = dict.fromkeys(by_fd, 0)
    reads: list[tuple[int, bytes, int, int]] = []
    waiting, quiet_since = len(by_fd), time.monotonic()
    while waiting and time.monotonic() - quiet_since < 2:
        for fd, _ in poll.poll(0.05):
            data, ancillary, _, _ = by_fd[fd].recvmsg(65536, ANCILLARY)
            read_ns = time.time_ns()
            if not data:
                raise ConnectionError("relay closed a socket")
            stamp = read_ns
            if ancillary and ancillary[0][1] == SO_TIMESTAMPNS:
                seconds, nanos = struct.unpack("qq", ancillary[0][2][:16])
                stamp = seconds * 1_000_000_000 + nanos
            reads.append((fd, data, stamp, read_ns))
            before = seen[fd]
            seen[fd] += data.count(b"bench")
            waiting -= before < changes <= seen[fd]
            quiet_since = time.monotonic()
    return reads


if __name__ == "__main__":
    main()
