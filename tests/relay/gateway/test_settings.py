"""How a mailbox's servers are named and checked before anything is stored."""

from __future__ import annotations

import pytest

from crdt.errors import UsageError
from relay.gateway.settings import Server, Settings, server, settings


@pytest.mark.parametrize(
    ("text", "kind", "security", "expected"),
    [
        ("imap.example.com:993", "imap", None, Server("imap.example.com", 993, "tls")),
        ("imap.example.com:143", "imap", None, Server("imap.example.com", 143, "starttls")),
        ("imap.example.com", "imap", None, Server("imap.example.com", 993, "tls")),
        ("imap.example.com", "imap", "starttls", Server("imap.example.com", 143, "starttls")),
        ("smtp.example.com:587", "smtp", None, Server("smtp.example.com", 587, "starttls")),
        ("smtp.example.com:465", "smtp", None, Server("smtp.example.com", 465, "tls")),
        ("127.0.0.1:10143", "imap", "none", Server("127.0.0.1", 10143, "none")),
        ("[::1]:2525", "smtp", "none", Server("[::1]", 2525, "none")),
    ],
)
def test_a_server_and_its_security(
    text: str, kind: str, security: str | None, expected: Server
) -> None:
    assert server(text, kind, security) == expected


@pytest.mark.parametrize(
    ("text", "security", "says"),
    [
        ("imap.example.com:143", "none", "in clear"),
        ("10.0.0.5:143", "none", "in clear"),
        ("imap.example.com:x", None, "is not HOST"),
        ("imap.example.com:0", None, "1-65535"),
        (":993", None, "no host"),
        ("imap.example.com", "ssl", "unknown security"),
    ],
)
def test_a_bad_server_is_refused(text: str, security: str | None, says: str) -> None:
    with pytest.raises(UsageError, match=says):
        server(text, "imap", security)


def test_the_secret_comes_one_way_and_settings_round_trip() -> None:
    imap = server("imap.example.com", "imap", None)
    with pytest.raises(UsageError, match="one way"):
        settings("support@acme.example.com", imap, None, None, {"password_command": None})
    with pytest.raises(UsageError, match="one way"):
        both = {"password_command": "pass x", "password_file": "/run/pw"}
        settings("support@acme.example.com", imap, None, None, both)
    made = settings(
        "Support@Acme.Example.com", imap, None, None, {"password_command": "pass show x"}
    )
    assert made.address == made.user == "support@acme.example.com"
    assert made.folders == ("INBOX",) and made.password_command == "pass show x"
    assert Settings.of(made.as_dict()) == made
