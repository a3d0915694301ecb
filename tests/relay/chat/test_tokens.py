"""A visitor's token: what it grants, and every way a changed one grants nothing."""

from __future__ import annotations

from relay.chat import tokens

KEY, WORKSPACE, SITE = b"\x01" * 32, "a" * 32, "https://www.acme.example.com"


def test_a_token_grants_its_visitor_conversation_and_site_until_it_expires() -> None:
    granted = tokens.fresh(SITE, now=1000.0, days=30)
    token = tokens.issue(KEY, WORKSPACE, granted)
    assert tokens.check(KEY, WORKSPACE, token, SITE, now=1001.0) == granted
    assert granted.expires == 1000 + 30 * 86400
    assert tokens.check(KEY, WORKSPACE, token, SITE, now=granted.expires) is None


def test_a_token_is_nothing_elsewhere_or_changed() -> None:
    token = tokens.issue(KEY, WORKSPACE, tokens.fresh(SITE, 0.0, 1))
    assert tokens.check(b"\x02" * 32, WORKSPACE, token, SITE, 1.0) is None  # another relay
    assert tokens.check(KEY, "b" * 32, token, SITE, 1.0) is None  # another workspace
    assert tokens.check(KEY, WORKSPACE, token, "https://evil.example.net", 1.0) is None
    head, body, signature = token.split(".")
    for changed in (
        f"v2.{body}.{signature}",
        f"{head}.{body}x.{signature}",
        f"{head}.{body}.{signature[:-1]}",
        f"{head}.{body}",
        "",
        "v1..",
        "v1.!!.!!",
        token + "." * 2000,
    ):
        assert tokens.check(KEY, WORKSPACE, changed, SITE, 1.0) is None, changed


def test_renewing_keeps_the_visitor_and_conversation() -> None:
    granted = tokens.fresh(SITE, 0.0, 1)
    later = tokens.renewed(granted, 5000.0, 1)
    assert (later.visitor, later.conversation) == (granted.visitor, granted.conversation)
    assert later.expires == 5000 + 86400
    assert tokens.fresh(SITE, 0.0, 1).conversation != granted.conversation
