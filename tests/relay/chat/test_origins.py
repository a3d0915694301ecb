"""Sites as a browser's Origin header names them."""

from __future__ import annotations

import pytest

from crdt.errors import UsageError
from relay.chat.origins import normal


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://www.Acme.example.com", "https://www.acme.example.com"),
        ("https://www.acme.example.com:443/", "https://www.acme.example.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://[::1]:80", "http://[::1]"),
    ],
)
def test_an_origin_is_kept_as_a_browser_sends_it(given: str, kept: str) -> None:
    assert normal(given) == kept


@pytest.mark.parametrize(
    "given",
    [
        "www.acme.example.com",
        "ftp://acme.example.com",
        "https://acme.example.com/shop",
        "https://acme.example.com?x=1",
        "https://user@acme.example.com",
        "https://:80",
        "http://x:99999",
    ],
)
def test_anything_but_a_site_is_a_usage_error(given: str) -> None:
    with pytest.raises(UsageError):
        normal(given)
