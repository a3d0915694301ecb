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
    docs_bytes: int = 64 * 1024 * 1024  # ... and the bytes of their log entries
    compact_after: int = 64  # log entries of one document before they are folded into one
    catch_up_batch: int = 512  # log entries read and sent per step of a catch-up
    catch_up_ahead: int = 4 * 512  # entries sent beyond what the replica said it took
    queue_frames: int = 8192  # frames waiting for one socket; a socket further behind drops
    queue_bytes: int = 32 * 1024 * 1024  # ... and bytes: a whole document in pieces fits
    sockets_per_token: int = 3  # a replica has one or two (watch, a sync); more are refused
    presence_state: int = 4 * 1024  # bytes of one awareness state (a real one is ~200)
    presence_per_token: int = 16 * 1024  # bytes of a token's live states, all its sockets
    handshake_timeout: float = 10.0  # seconds for a TCP connection to become a websocket
    handshakes: int = 256  # connections not yet websockets; past it the oldest is closed
    close_timeout: float = 5.0  # seconds a closed socket's peer has to take its close frame
    refusals: int = 20  # changes a socket may have refused; a replica resets each, so
    # more come only from a broken or hostile one, and each costs a proof and a reply
    rate: float = 2000.0  # frames per second a socket may send, sustained
    burst: float = 10000.0  # ... and in a burst
    hello_timeout: float = 10.0  # seconds for a new socket to say HELLO
    revoke_poll: float = 0.25  # seconds between looks for tokens revoked by another process
    presence_expire: float = PRESENCE_EXPIRE  # seconds a presence lives without a heartbeat
    writer_grace: float = 5.0  # seconds a closing socket's queue may take to go out
    # website visitors (relay/chat/): everything they send is untrusted
    chat_frame: int = 16 * 1024  # bytes of one visitor frame (JSON text)
    chat_message: int = 4000  # characters of one visitor message
    chat_name: int = 80  # characters of a visitor's name
    chat_history: int = 200  # messages a visitor is sent when the widget (re)connects
    chat_sockets_per_visitor: int = 4  # tabs of one visitor open at once
    chat_sockets_per_ip: int = 32  # visitor sockets from one address at once
    chat_visitors: int = 5000  # visitor sockets on the relay at once
    chat_rate: float = 1.0  # messages per second a visitor may send, sustained ...
    chat_burst: float = 10.0  # ... and in a burst
    chat_all_share: float = 0.25  # of each second of the loop, what writing all visitors'
    chat_all_burst: float = 0.5  # messages may take (seconds of it at once); past it they
    chat_all_queue: int = 1000  # wait, in order, this many; then a visitor sends again
    chat_ip_rate: float = 5.0  # frames per second one address may send, all its sockets
    chat_ip_burst: float = 60.0
    chat_new_per_ip: float = 20.0  # new visitors (conversations) one address may start per
    chat_new_window: float = 3600.0  # ... this many seconds
    chat_queue: int = 256  # frames waiting for one visitor socket; past it, it is dropped
    chat_token_days: float = 30.0  # a visitor's session token lives this long unused
    chat_hello_timeout: float = 10.0  # seconds for a visitor socket to say hello


DEFAULTS = Limits()
