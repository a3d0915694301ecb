"""Logging in to real servers: IMAP STARTTLS against Dovecot (verified, and required
before a password goes), and XOAUTH2 to both sides: Dovecot's oauth2 passdb asking a
token introspection endpoint served here (RFC 7662), and the SMTP server's AUTH XOAUTH2.
A refused token leaves the mailbox in state error, saying why."""

from __future__ import annotations

import json
import os
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from relay.gateway.errors import MailServerError
from relay.gateway.imap import Imap
from tests.conftest import run_inbox
from tests.mailservers import SUPPORT, Dovecot, Smtp
from tests.relay.certificates import make
from tests.relay.gateway.test_imap import mail
from tests.relay.gateway.test_outbound import CUSTOMER, delivery, gateway, reply
from tests.relay.relays import DANA, RelayProcess, ok

TOKEN = "ya29.a0-live-token-of-support"


class Introspection:
    """An OAuth2 token introspection endpoint on loopback: POST ``token=...``, answered
    active with the user it belongs to for a token in ``tokens``, inactive otherwise."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens, self.asked = tokens, []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                token = (form.get("token") or [""])[0]
                owner.asked.append(token)
                user = owner.tokens.get(token)
                answer = {"active": "true", "email": user} if user else {"active": "false"}
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/introspect"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def introspection() -> Iterator[Introspection]:
    endpoint = Introspection({TOKEN: SUPPORT})
    yield endpoint
    endpoint.close()


@pytest.fixture
def dovecot_oauth2(introspection: Introspection) -> Iterator[Dovecot]:
    """Dovecot whose XOAUTH2 logins are checked by ``introspection``."""
    server = Dovecot(introspection_url=introspection.url).start()
    yield server
    server.close()


@pytest.fixture
def dovecot_starttls(tmp_path: Path) -> Iterator[Dovecot]:
    """Dovecot on a plain IMAP port that offers STARTTLS (required, but loopback counts as
    secure to it, so the test reads its log to see each login came over TLS)."""
    server = Dovecot(tls=make(tmp_path / "imap-starttls", label="imap"), starttls=True).start()
    yield server
    server.close()


def test_imap_starttls_is_verified_and_required_before_the_password(
    dovecot_starttls: Dovecot, tmp_path: Path
) -> None:
    server = dovecot_starttls
    assert server.tls is not None
    password = server.users[SUPPORT]
    server.append(SUPPORT, "INBOX", mail("over starttls"))
    with Imap.connect(
        server.host, server.port, "starttls", SUPPORT, password=password, ca_file=str(server.tls.ca)
    ) as imap:
        assert imap.select("INBOX").exists == 1
        ((fetched,),) = list(imap.fetch_since(0))
        assert b"Subject: over starttls" in getattr(fetched, "raw", b"")
    other = make(tmp_path / "other-ca", label="other")  # a CA that did not sign it
    with pytest.raises(MailServerError, match="certificate is refused"):
        Imap.connect(
            server.host, server.port, "starttls", SUPPORT, password=password, ca_file=str(other.ca)
        )
    logins = [line for line in server.logged().splitlines() if "Login: user=<support@" in line]
    assert len(logins) == 2 and all(", TLS" in line for line in logins)  # the fixture's and ours


def test_imap_xoauth2_is_checked_by_the_servers_introspection(
    dovecot_oauth2: Dovecot, introspection: Introspection
) -> None:
    server = dovecot_oauth2
    with Imap.connect(server.host, server.port, "none", SUPPORT, oauth_token=TOKEN) as imap:
        assert imap.select("INBOX").exists == 0
    assert introspection.asked == [TOKEN]
    with pytest.raises(MailServerError, match="refused") as refused:
        Imap.connect(server.host, server.port, "none", SUPPORT, oauth_token="ya29.stale")
    assert not refused.value.temporary
    assert introspection.asked[-1] == "ya29.stale" and "ya29.stale" not in refused.value.message


def test_a_mailbox_on_xoauth2_reads_and_sends_and_a_refused_token_is_its_error(
    relay: RelayProcess,
    dovecot_oauth2: Dovecot,
    smtp_tls: Smtp,
    introspection: Introspection,
    tmp_path: Path,
) -> None:
    dovecot = dovecot_oauth2
    assert smtp_tls.tls is not None
    smtp_tls.route(dovecot, logins={}, tokens={SUPPORT: TOKEN})  # no password is taken
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    os.chmod(token, 0o600)
    done = run_inbox(
        tmp_path, "relay", "mailbox", "add", SUPPORT, "--store", str(relay.store),
        "--imap", f"127.0.0.1:{dovecot.port}", "--security", "none",
        "--smtp", f"127.0.0.1:{smtp_tls.port}", "--smtp-security", "starttls",
        "--ca-file", str(smtp_tls.tls.ca), "--oauth-token-command", f"cat {token}",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    dana = tmp_path / "dana"
    ok(dana, "join", relay.url, "--token-file", str(relay.token(DANA, "--admin")))
    dovecot.append(SUPPORT, "INBOX", CUSTOMER.replace(b"\n", b"\r\n"))
    gateway(relay)
    ok(dana, "sync")
    (conv,) = json.loads(ok(dana, "list", "--json"))
    ok(dana, "claim", conv["id"])
    sent = reply(dana, conv["id"], "Hi Maria, sent with a token.")
    gateway(relay)
    (mail_sent,) = smtp_tls.captured()
    assert mail_sent.login == SUPPORT and mail_sent.tls
    assert delivery(dana, conv["id"], sent["id"])["delivery"] == "sent"
    assert TOKEN in introspection.asked
    token.write_text("ya29.revoked\n")  # the token command now gives one the server refuses
    said = gateway(relay)
    listed = json.loads(
        ok(relay.where, "relay", "mailbox", "list", "--store", str(relay.store), "--json")
    )
    (state,) = [m for m in listed if m["address"] == SUPPORT]
    assert state["state"] == "error", state
    assert "login as support@acme.example.com: refused" in state["error"]
    assert "AUTHENTICATIONFAILED" in state["error"] or "failed" in state["error"].lower()
    assert "ya29.revoked" not in state["error"] + said
    table = ok(relay.where, "relay", "mailbox", "list", "--store", str(relay.store))
    assert "error" in table and "refused" in table
