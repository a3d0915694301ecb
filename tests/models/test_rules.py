"""Urgency and tone cues in the four languages (models/triage/rules.py)."""

from __future__ import annotations

import pytest

from models.triage import rules


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("The whole app is down, 502 bad gateway on every page", "outage"),
        ("Seit 8 Uhr ist die Plattform nicht erreichbar", "outage"),
        ("Le service est en panne depuis ce matin", "outage"),
        ("la web está caída desde hace una hora", "outage"),
        ("I think my account was hacked, that wasn't me", "security"),
        ("Jemand hat mein Konto gehackt", "security"),
        ("J'ai reçu une alerte de connexion suspecte", "security"),
        ("alguien entró en mi cuenta y no fui yo", "security"),
        ("my card was declined at renewal", "payment"),
        ("von meinem Konto wurde doppelt abgebucht", "payment"),
        ("mon prélèvement refusé alors que le compte est approvisionné", "payment"),
        ("me habéis cobrado dos veces", "payment"),
    ],
)
def test_urgency_signals_in_four_languages(text: str, signal: str) -> None:
    assert signal in rules.urgency(text)


def test_a_plain_question_has_no_urgency_signal() -> None:
    assert rules.urgency("How do I invite a colleague to our workspace?") == set()


@pytest.mark.parametrize(
    ("text", "negative", "positive"),
    [
        ("This is the third time I write. Unacceptable!!", True, False),
        ("Das ist wirklich ärgerlich und inakzeptabel", True, False),
        ("C'est inadmissible, toujours pas de réponse", True, False),
        ("Estoy harto, otra vez lo mismo", True, False),
        ("Thank you so much, fantastic service", False, True),
        ("Vielen Dank für die tolle Hilfe, weiter so", False, True),
        ("Merci beaucoup, service génial", False, True),
        ("¡Muchas gracias, sois geniales!", False, True),
        ("Please send the invoice for March.", False, False),
    ],
)
def test_tone_cues(text: str, negative: bool, positive: bool) -> None:
    neg, pos = rules.tone(text)
    assert (neg > 0, pos > 0) == (negative, positive)
