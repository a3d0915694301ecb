"""The guardrails on hand-made bad drafts: invented facts and loops are caught, and a
draft built from its sources passes."""

from __future__ import annotations

from models.assist import guardrails

THREAD = [
    "Card declined and now locked out",
    "Hi, our card was declined for invoice INV-20417 and now we are locked out. "
    "Please help, Wen Li, wen.li@harbourview-dental.example.com",
]
SOURCE = "I have lifted the suspension for 72 hours. See https://status.acme.example.com."


def test_a_draft_from_its_sources_passes() -> None:
    draft = "Hi Wen,\n\nI have lifted the suspension for 72 hours (INV-20417).\n\nBest regards,"
    assert guardrails.check(draft, [*THREAD, SOURCE, "Wen Li"]) == []


def test_an_invented_order_number_is_flagged() -> None:
    draft = "Hi Wen,\n\nYour refund for order 88412 is on its way."
    [flag] = guardrails.check(draft, [*THREAD, SOURCE])
    assert (flag.rule, flag.items) == ("invented", ("88412",))


def test_an_invented_email_url_and_name_are_each_flagged() -> None:
    draft = (
        "Hi Wen, John from billing will write from john@acme-billing.example.com; "
        "see https://acme.example.com/refunds for details."
    )
    made_up = guardrails.invented(draft, [*THREAD, SOURCE])
    assert "john@acme-billing.example.com" in made_up
    assert "https://acme.example.com/refunds" in made_up
    assert "John" in made_up
    assert "Wen" not in made_up


def test_a_date_not_in_the_thread_is_flagged() -> None:
    assert guardrails.invented("It will be fixed by 14 March.", THREAD) == ["14"]


def test_a_repeated_line_is_a_loop() -> None:
    draft = "Hi Wen,\nWe are looking into it now.\nWe are looking into it now.\nBest,"
    [flag] = guardrails.check(draft, [*THREAD, "We are looking into it now."])
    assert flag.rule == "repeated"
    assert flag.items == ("we are looking into it now",)


def test_a_phrase_said_over_and_over_is_a_loop() -> None:
    draft = "Thank you for your patience, thank you for your patience, thank you for your patience."
    assert guardrails.repeated(draft)
    assert not guardrails.repeated("Thank you for your patience. We will call you.")


def test_the_common_words_of_four_languages_are_not_names() -> None:
    draft = "Hallo Wen,\n\nVielen Dank! Bonjour. Gracias. Please see Monday.\n\nViele Grüße"
    assert guardrails.invented(draft, THREAD) == []
