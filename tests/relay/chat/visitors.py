"""A visitor's side of the chat as a script speaks it: the widget's frames over a real
websocket, from any Origin, with any token."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.relay.relays import RelayProcess

SITE, OTHER_SITE = "https://www.acme.example.com", "https://shop.acme.example.com"


class Visitor:
    """The widget's side of one socket, as a script that is not a browser speaks it."""

    def __init__(
        self, relay: RelayProcess, token: str | None = None, origin: str = SITE, **kw: Any
    ) -> None:
        url = f"ws://127.0.0.1:{relay.port}/chat?workspace={kw.get('workspace', 'inbox')}"
        self.ws: ClientConnection = open_socket(url, origin)
        self.send({"t": "hello", "token": token})
        self.welcome = self.next()
        assert self.welcome["t"] == "welcome", self.welcome
        self.token = str(self.welcome["token"])

    def send(self, frame: dict[str, Any]) -> None:
        self.ws.send(json.dumps(frame))

    def next(self, timeout: float = 10.0) -> dict[str, Any]:
        return dict(json.loads(self.ws.recv(timeout)))

    def say(self, body: str, ident: str | None = None) -> dict[str, Any]:
        self.send({"t": "say", "id": ident or f"m{time.monotonic_ns()}", "body": body})
        return self.next()

    @property
    def conversation(self) -> str:
        return token_payload(self.token)["c"]

    def close(self) -> None:
        self.ws.close()


def open_socket(url: str, origin: str | None = None) -> ClientConnection:
    """A socket open until the test closes it (``connect`` as a context manager, entered)."""
    return connect(url, origin=origin).__enter__()  # type: ignore[arg-type]


def token_payload(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))
