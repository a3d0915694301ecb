"""Requests named outright, in four languages (models/triage/topics.py)."""

from __future__ import annotations

import pytest

from models.triage import topics


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Please cancel my subscription before it renews", "cancellation"),
        ("Ich möchte mein Abo kündigen", "cancellation"),
        ("je veux résilier mon abonnement", "cancellation"),
        ("quiero darme de baja", "cancellation"),
        ("Still waiting for my refund of 40 EUR", "refund"),
        ("Die Anzahlung wurde nicht zurückerstattet", "refund"),
        ("je n'ai pas reçu le remboursement", "refund"),
        ("¿cuándo recibiré el reembolso?", "refund"),
        ("How do I export all contacts?", "how_to"),
        ("Wie kann ich das Passwort ändern?", "how_to"),
        ("Comment puis-je ajouter un collègue ?", "how_to"),
        ("¿Cómo puedo crear un código de descuento?", "how_to"),
        ("¿Cómo lo conecto a la nueva red wifi?", "how_to"),
        ("Wie können wir ihn zu unserem Zuhause hinzufügen?", "how_to"),
        ("Una pregunta: ¿se puede programar un pedido?", "how_to"),
        ("hola, como recorto una foto en el editor?", "how_to"),
        ("Une question : est-il possible d'afficher le planning ?", "how_to"),
        ("bonjour, comment on résilie l'abonnement ??", "cancellation"),
        ("is there any plan to let riders schedule a pickup?", "feature_request"),
        ("I still got charged the fee. refund please", "refund"),
        ("Könnten Sie die Lieferadresse ändern? Bestellung 7714", "order_change"),
        ("how do i cancel?? there is no button", "cancellation"),
        ("It would be great if the calendar had a week view", "feature_request"),
        ("Es wäre toll, wenn es einen Dunkelmodus gäbe", "feature_request"),
        ("Une suggestion : ce serait génial de réserver en ligne", "feature_request"),
        ("Sería genial poder pagar con Bizum", "feature_request"),
    ],
)
def test_a_request_named_outright(text: str, category: str) -> None:
    assert category in topics.named(text)


@pytest.mark.parametrize(
    "text",
    [
        "The app crashes when I open the settings page",
        "My parcel has not arrived yet, order 4411",
        "Thanks so much, you saved my day!",
    ],
)
def test_a_message_that_names_no_request(text: str) -> None:
    assert topics.named(text) == set()


def test_asking_how_to_cancel_is_a_cancellation_not_a_how_to() -> None:
    assert topics.named("How do I cancel? There is no button.") == {"cancellation"}
    assert "cancellation" not in topics.named("How do I cancel my order 4411?")
