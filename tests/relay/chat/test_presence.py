"""A visitor's presence reaches the agents at most once a second, the latest state last:
a real relay, an agent's socket (the project's client) reading what it is sent, and a
visitor switching "typing" as fast as their address may send frames."""

from __future__ import annotations

import itertools
import threading
import time

from relay import protocol as p
from relay.chat.desk import PRESENCE_EVERY
from relay.client.websocket import WebSocket
from tests.relay.chat.visitors import Visitor
from tests.relay.relays import DANA, RelayProcess


def _agent_socket(relay: RelayProcess) -> WebSocket:
    token = relay.token(DANA).read_text().strip()
    ws = WebSocket.connect(
        f"ws://127.0.0.1:{relay.port}/sync", {"Authorization": f"Bearer {token}"}, 10, 1 << 24
    )
    ws.send(p.number("", p.HELLO, 10**12))  # up to date: no catch-up
    while (frame := ws.recv(10)) is None or p.decode(frame).kind != p.IN_STEP:
        pass
    return ws


def _visitor_states(ws: WebSocket, seconds: float) -> list[tuple[float, dict[str, object]]]:
    """Each statement of a visitor's presence the agent is sent meanwhile, with when."""
    seen, until = [], time.monotonic() + seconds
    while (left := until - time.monotonic()) > 0:
        frame = ws.recv(left)
        if frame is None:
            break
        decoded = p.decode(frame)
        if decoded.kind == p.AWARENESS:
            for entry in p.read_awareness(decoded.data):
                if entry.state and entry.state.get("visitor"):
                    seen.append((time.monotonic(), entry.state))
    return seen


def test_a_visitors_typing_reaches_agents_at_most_once_a_second_ending_as_it_is(
    chat_relay: RelayProcess,
) -> None:
    agent = _agent_socket(chat_relay)
    visitor = Visitor(chat_relay)
    assert _visitor_states(agent, 0.5)  # the visitor's arrival, at once
    states: list[tuple[float, dict[str, object]]] = []
    reader = threading.Thread(
        target=lambda: states.extend(_visitor_states(agent, 1.2 + 2 * PRESENCE_EVERY + 1.0))
    )
    reader.start()
    began = time.monotonic()
    for n in range(12):  # on, off, on, ... ending off, within the address's burst
        visitor.send({"t": "typing", "on": n % 2 == 0})
        time.sleep(0.1)
    reader.join()
    assert 1 <= len(states) <= 3, states  # 12 changes over 1.2 s, not 12 frames to each agent
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(states)]
    assert all(gap >= PRESENCE_EVERY - 0.1 for gap in gaps), gaps
    assert states[-1][1]["typing"] is None  # the last state: not typing any more
    assert states[-1][0] - began < 1.2 + PRESENCE_EVERY + 0.5  # and soon after it
    visitor.close()
    agent.close()
