"""Workspace items are made one way: addresses checked, agents named by handle."""

from __future__ import annotations

import pytest

from crdt.errors import UsageError
from crdt.model import items


def test_check_email_keeps_addresses_trimmed_and_lower_case() -> None:
    assert items.check_email("  Ben.Ng@Example.COM ") == "ben.ng@example.com"


@pytest.mark.parametrize("bad", ["ben", "ben@", "@example.com", "ben@localhost", "b en@x.com"])
def test_check_email_refuses_what_is_not_an_address(bad: str) -> None:
    with pytest.raises(UsageError, match="not an email address"):
        items.check_email(bad)


def test_an_agent_without_a_name_is_called_by_handle() -> None:
    assert items.agent("ben.ng@example.com", None) == {
        "email": "ben.ng@example.com",
        "name": "ben.ng",
    }
    assert items.agent("ben@example.com", "Ben Okoro")["name"] == "Ben Okoro"


def test_a_mailbox_keeps_a_signature_only_when_given() -> None:
    assert "signature" not in items.mailbox("support@acme.example.com", "Acme")
    assert items.mailbox("support@acme.example.com", None, "-- Acme")["signature"] == "-- Acme"
