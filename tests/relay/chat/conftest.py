"""A relay whose workspace lets a loopback site embed the widget, that site, and real
headless Chromium (Debian's, driven by Playwright; no browser is ever downloaded), with a
screenshot of the page kept when a test fails."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.relay.relays import RelayProcess, free_port, ok

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Acme</title>
<style>* {{ color: red !important; display: inline !important; font-size: 40px }}</style>
</head><body><h1>Acme support</h1>
<script src="{relay}/widget.js" data-workspace="{workspace}" defer></script>
</body></html>"""


class Site:
    """A company's page on loopback with the widget's script tag in it."""

    def __init__(self, relay_url: str, workspace: str = "inbox") -> None:
        page = PAGE.format(relay=relay_url, workspace=workspace).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.origin + "/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def chat_relay(relay: RelayProcess) -> RelayProcess:
    """The relay, with two sites of the company allowed to embed the widget."""
    from tests.relay.chat.visitors import OTHER_SITE, SITE

    for origin in (SITE, OTHER_SITE):
        ok(relay.where, "chat", "origins", "add", origin, "--store", str(relay.store))
    return relay


@pytest.fixture
def site(relay: RelayProcess) -> Iterator[Site]:
    """The page, allowed by the relay's workspace to embed the widget."""
    page = Site(relay.url)
    ok(relay.where, "chat", "origins", "add", page.origin, "--store", str(relay.store))
    yield page
    page.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Playwright's sync API runs an event loop in this thread while it is open, and no
    other test can ``asyncio.run`` meanwhile: one browser a module, closed after it."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), (
        "make test installs Debian's chromium (apt-get install chromium)"
    )
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[FAILED] = report.failed
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def pages(browser: Any, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[Any]]:
    """Browser pages, each in a context of its own (a visitor's own localStorage); the
    tests append the pages they open. A failed test leaves a screenshot of each."""
    opened: list[Any] = []
    yield opened
    failed = request.node.stash.get(FAILED, True)
    for n, page in enumerate(opened):
        if failed:
            shot = tmp_path / f"failure-{n}.png"
            try:
                page.screenshot(path=str(shot))
                print(f"screenshot of the page: {shot}")
            except Exception as exc:  # a closed page: nothing to show
                print(f"no screenshot of page {n}: {exc}")
        page.context.close()
