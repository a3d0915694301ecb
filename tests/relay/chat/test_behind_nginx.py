"""The relay behind the README's nginx, over TLS: an agent's replica joins and keeps in
step through it, and a visitor in real Chromium chats through it, both ways. The server
block is the README's own text, with only its ports, name and certificate paths put in,
so the README cannot show a proxy that does not pass the sockets on."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import processes
from tests.conftest import run_inbox
from tests.relay import certificates
from tests.relay.chat.conftest import Site
from tests.relay.chat.test_widget import MESSAGE, SEEN, chats, say, shown, taken
from tests.relay.relays import DANA, RelayProcess, Watcher, free_port, ok, wait_for
from tests.test_readme import README, section

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CONF = """daemon off;
worker_processes 1;
pid {where}/nginx.pid;
error_log {where}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {where}/access.log;
    client_body_temp_path {where}/body;
    proxy_temp_path {where}/proxy;
    fastcgi_temp_path {where}/fastcgi;
    uwsgi_temp_path {where}/uwsgi;
    scgi_temp_path {where}/scgi;
{server}
}}
"""


def readme_server_block() -> str:
    """The nginx server block of the README's "A relay on the internet"."""
    text = section(README.read_text(encoding="utf-8"), "A relay on the internet")
    after = text.split("nginx, which needs the upgrade asked for:", 1)[1]
    match = re.search(r"```\n(server \{.*?\n\})\n```", after, re.S)
    assert match, "the README shows no nginx server block"
    return match.group(1)


class Nginx:
    """nginx from the README's block, on a loopback port, in front of ``relay``."""

    def __init__(self, where: Path, relay: RelayProcess) -> None:
        self.where, self.port = where, free_port()
        where.mkdir()
        self.tls = certificates.make(where / "tls", ("localhost",))
        server = readme_server_block()
        for old, new in (
            ("listen 443 ssl;", f"listen 127.0.0.1:{self.port} ssl;"),
            ("relay.acme.example.com;", "localhost;"),
            ("/etc/letsencrypt/live/relay.acme.example.com/fullchain.pem", str(self.tls.cert)),
            ("/etc/letsencrypt/live/relay.acme.example.com/privkey.pem", str(self.tls.key)),
            ("127.0.0.1:8787", f"127.0.0.1:{relay.port}"),
        ):
            assert old in server, f"the README's nginx block no longer has {old!r}"
            server = server.replace(old, new)
        (where / "nginx.conf").write_text(CONF.format(where=where, server=server))
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(where), "-c", str(where / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        if not processes.listening(self.proc, self.port, 10):
            raise AssertionError("nginx did not start: " + self.logged())

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    def logged(self) -> str:
        log = self.where / "error.log"
        return log.read_text(errors="replace") if log.exists() else ""

    def stop(self) -> None:
        processes.stop(self.proc)


@pytest.fixture
def proxy(relay: RelayProcess, tmp_path: Path) -> Iterator[Nginx]:
    assert Path(NGINX).exists(), "make test installs Debian's nginx (apt-get install nginx)"
    front = Nginx(tmp_path / "nginx", relay)
    yield front
    front.stop()


def test_an_agent_and_a_visitor_through_the_readmes_nginx(
    relay: RelayProcess, proxy: Nginx, browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    home = tmp_path / "dana"
    token = relay.token(DANA)
    done = run_inbox(
        home, "join", proxy.url, "--token-file", str(token), "--ca-file", str(proxy.tls.ca)
    )
    assert done.returncode == 0, done.stderr + proxy.logged()
    site = Site(proxy.url)  # the page loads /widget.js and opens /chat through nginx
    ok(relay.where, "chat", "origins", "add", site.origin, "--store", str(relay.store))
    watcher = Watcher(home)  # `inbox sync --watch`: the agents' socket through nginx
    try:
        context = browser.new_context(ignore_https_errors=True)  # the test's own CA
        page = context.new_page()
        pages.append(page)
        page.goto(site.url)
        page.click("[data-inbox-chat=launcher]")
        say(page, "hello through the proxy")
        taken(page, 1)
        found = wait_for(lambda: chats(home), timeout=20)
        assert found, watcher.logged() + proxy.logged()
        ident = found[0]["id"]
        ok(home, "reply", ident, "-m", "Hi, I'm on it")
        page.locator(MESSAGE + "[data-author=agent]").wait_for(timeout=SEEN)
        assert shown(page, "agent") == ["dana" + "Hi, I'm on it"]
        assert shown(page, "visitor") == ["hello through the proxy"]
        context.close()  # nginx logs a socket when it closes
    finally:
        watcher.stop()
        site.stop()
    log = proxy.where / "access.log"
    passed = [
        r"/widget\.js HTTP/1\.1\" 200 ",
        r"/chat\?\S* HTTP/1\.1\" 101 ",
        r"/sync HTTP/1\.1\" 101 ",
    ]
    assert wait_for(lambda: all(re.search("GET " + p, log.read_text()) for p in passed)), (
        log.read_text()
    )
