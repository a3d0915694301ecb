"""Every limit of the relay in one place, each finite by default.

A socket that breaks one is dropped with a logged reason (``session.Dropped``); the
relay goes on for everyone else. Tests and benchmarks make a relay with other limits
by passing their own ``Limits``.
"""

from __future__ import annotations

from typing import NamedTuple

from crdt.model.vocab import PRESENCE_EXPIRE
from relay.protocol import MAX_FRAME


class Limits(NamedTuple):
    max_frame: int = MAX_FRAME  # bytes of one websocket frame (an update's bodies are text)
    docs_kept: int = 256  # loaded documents; memory does not grow with how many exist
    compact_after: int = 64  # log entries of one document before they are folded into one
    catch_up_batch: int = 512  # log entries read and sent per step of a catch-up
    catch_up_ahead: int = 4 * 512  # entries sent beyond what the replica said it took
    queue_frames: int = 8192  # frames waiting for one socket; a socket further behind drops
    rate: float = 2000.0  # frames per second a socket may send, sustained
    burst: float = 10000.0  # ... and in a burst
    hello_timeout: float = 10.0  # seconds for a new socket to say HELLO
    revoke_poll: float = 0.25  # seconds between looks for tokens revoked by another process
    presence_expire: float = PRESENCE_EXPIRE  # seconds a presence lives without a heartbeat
    writer_grace: float = 5.0  # seconds a closing socket's queue may take to go out


DEFAULTS = Limits()
