"""A past answer adapted to this conversation: its greeting replaced, never its content."""

from __future__ import annotations

import pytest

from models.assist.adapt import adapt
from models.assist.retrieve import Source

VIEW = {"id": "c1", "customer_name": "Sam Lee", "customer": "sam@example.com"}


def answer(text: str) -> Source:
    return Source("conversation", "c0", text, 0.9, (text,), customer_name="Maria Santos")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Hi Maria, I see your email. Finance is looking at it today.", "I see your email."),
        ("Hi Maria,\n\nFinance is looking at it today.\n\nBest,\nBen", "Finance is looking"),
        ("Hola Maria, ya está reembolsado.", "Ya está reembolsado."),
    ],
)
def test_the_greeting_goes_and_what_follows_it_stays(text: str, kept: str) -> None:
    body, _ = adapt(answer(text), VIEW, ["Any news?"], "en", "Dana Whitfield")
    assert body.startswith("Hi Sam,") and kept in body
    assert "Maria" not in body


def test_an_answer_that_is_only_a_greeting_is_not_an_empty_draft() -> None:
    body, _ = adapt(answer("Hi Maria,"), VIEW, ["Any news?"], "en", "Dana Whitfield")
    middle = body.split("\n\n")[1:-1]
    assert any(part.strip() for part in middle), body
