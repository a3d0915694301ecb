"""A real HTTP server in the test's process that takes notifications: it records each
call and answers what each path is told to (a path may fail its first calls)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    def __init__(self, fail_first: dict[str, int] | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.fail_first = dict(fail_first or {})
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.calls.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    failing = receiver.fail_first.get(self.path, 0)
                    if failing:
                        receiver.fail_first[self.path] = failing - 1
                self.send_response(503 if failing else 200)
                self.end_headers()
                self.wfile.write(b"busy" if failing else b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def at(self, path: str) -> list[dict[str, Any]]:
        with self._lock:
            return [c for c in self.calls if c["path"] == path]

    def events(self, path: str) -> list[dict[str, Any]]:
        return [json.loads(c["body"]) for c in self.at(path)]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def verified(call: dict[str, Any], secret: bytes) -> bool:
    """What a receiver does with a webhook call (docs/architecture.md: notifications)."""
    head = {k.lower(): v for k, v in call["headers"].items()}
    stamp, given = head["x-inbox-timestamp"], head["x-inbox-signature"]
    mac = hmac.new(secret, stamp.encode() + b"." + call["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(given, "v1=" + mac)
