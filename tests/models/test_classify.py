"""Triage with the real embedding model (loaded once per session)."""

from __future__ import annotations

from models.triage import Triager
from models.triage.lexical import Lexical


def test_an_outage_in_german_is_urgent_and_negative(triager: Triager) -> None:
    result = triager.triage(
        "Alles down!\nSeit heute früh ist Ihre Plattform nicht erreichbar, keiner kann "
        "arbeiten. Das ist inakzeptabel!"
    )
    assert result.labels["category"].value == "outage"
    assert result.labels["priority"].value == "urgent"
    assert result.labels["sentiment"].value == "negative"
    assert "outage" in result.signals


def test_thanks_in_spanish_is_praise(triager: Triager) -> None:
    result = triager.triage("¡Gracias!\nEl pedido llegó perfecto, sois geniales.")
    assert (result.labels["category"].value, result.labels["sentiment"].value) == (
        "praise",
        "positive",
    )


def test_a_sales_pitch_in_capitals_is_spam_not_anger(triager: Triager) -> None:
    result = triager.triage(
        "BOOST your shop!!! Get 10k REAL followers for only $19, fast delivery, 100% safe. "
        "Visit example.net/boost"
    )
    assert result.labels["category"].value == "spam"
    assert result.labels["sentiment"].value != "negative"


def test_a_feature_idea_waits_and_a_deadline_presses(triager: Triager) -> None:
    idea = triager.triage(
        "Suggestion: dark mode\nLoving the app. Could you add a dark mode some day? No rush."
    )
    assert idea.labels["priority"].value == "low"
    due = triager.triage(
        "Corrected invoice\nOur auditors need the corrected invoice by Friday, the one you "
        "sent still has the old address."
    )
    assert "deadline" in due.signals
    assert due.labels["priority"].value == "high"


def test_a_team_label_joins_the_neighbours(triager: Triager) -> None:
    text = "Requesting the W-9 form of your company for our vendor onboarding"
    taught = Triager(triager.embedder, [(text, {"category": "other"})] * 3)
    assert taught.triage(text).labels["category"].value == "other"
    assert taught.triage(text).labels["category"].confidence > 0.5


def test_category_and_sentiment_have_a_linear_vote_too(triager: Triager) -> None:
    assert set(triager.linear) == {"category", "sentiment"}
    assert "+linear" in triager.method
    alone = Triager(triager.embedder, learnt=False)
    assert not alone.linear and "+linear" not in alone.method


def test_the_suggestion_is_what_the_relay_admits(triager: Triager) -> None:
    from crdt.model.triage import is_suggestion

    assert is_suggestion(triager.triage("Where is my parcel? Order 1234").suggestion())


def test_the_lexical_fallback_labels_without_a_model() -> None:
    result = Triager(Lexical()).triage("Please cancel my subscription at the end of the month")
    assert result.labels["category"].value == "cancellation"
    assert result.method.startswith("knn:lexical")
