"""Urgency cues in the four languages (models/triage/rules.py)."""

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
        ("Our auditors need the corrected invoice by Friday", "deadline"),
        ("Die Kündigung muss bis morgen durch sein", "deadline"),
        ("il me faut la facture avant jeudi", "deadline"),
        ("lo necesito antes del viernes", "deadline"),
        ("the renewal is tomorrow and I can't cancel", "deadline"),
        ("I need it for the wedding, which is on Saturday", "deadline"),
        ("the confirmation says it will be dispatched today", "deadline"),
        ("je dois la porter samedi, donc dans deux jours", "deadline"),
        ("Mañana se renueva mi suscripción y no quiero seguir", "deadline"),
        ("Unser Vertrag endet morgen", "deadline"),
        ("three colleagues have lost the notes they wrote yesterday", "data_loss"),
        ("entries written by other people disappear when I open it", "data_loss"),
        ("seit dem Update verschwinden Einträge aus dem Kalender", "data_loss"),
        ("des données perdues après la synchronisation", "data_loss"),
        ("This is the second time I'm asking about my refund", "again"),
        ("Ich schreibe Ihnen jetzt zum dritten Mal", "again"),
        ("Je vous ai déjà écrit il y a dix jours", "again"),
        ("He llamado dos veces y nadie me contesta", "again"),
        ("I need to order these before your sale ends tonight", "deadline"),
        ("I present it to the board tomorrow morning", "deadline"),
        ("someone got into our account and is sending mail", "security"),
        ("Drei Überweisungen, die ich NICHT war!", "security"),
        ("Since 8:15 none of our 43 users can log in", "outage"),
        ("this is the 4th time im asking", "again"),
        ("nobody on our team can open the boards, down again", "outage"),
        ("une de nos clés API a été publiée par erreur", "security"),
        ("El cobro mensual falló porque la tarjeta había caducado", "payment"),
        ("It wasn't me. I've reset my password and turned on 2FA", "secured"),
        ("Das war nicht ich. Ich habe mein Passwort sofort geändert", "secured"),
        ("the link looks odd, I haven't clicked anything", "contained"),
        ("Tout fonctionne à nouveau ce matin", "contained"),
        ("Verdächtige E-Mail in Ihrem Namen erhalten", "contained"),
        ("Es un regalo para el sábado, pasado mañana", "deadline"),
        ("Ich muss heute noch die Abrechnung freigeben", "deadline"),
        ("¡Alguien está haciendo pedidos con mi cuenta!", "security"),
    ],
)
def test_urgency_signals_in_four_languages(text: str, signal: str) -> None:
    assert signal in rules.urgency(text)


def test_a_plain_question_has_no_urgency_signal() -> None:
    assert rules.urgency("How do I invite a colleague to our workspace?") == set()


@pytest.mark.parametrize(
    "text",
    [
        "the jar cracked and had leaked into the tissue paper",  # no data leaked
        "our reports show us breaching on tickets that are fine",  # an SLA, not a breach
        "he was the only owner, so nobody can add people now",  # one missing right
        "Thanks for the birthday box, it arrived on Monday",  # a date gone by
        "I ordered it on Tuesday with express shipping",  # a day gone by
        "esta mañana no me llegó el código",  # this morning, not tomorrow
        "can I change the email address on my account?",  # no second time
        "how do I delete old files from the archive?",  # no data lost
        "the driver cancelled, it wasn't me who cancelled",  # no intruder
    ],
)
def test_words_near_a_signal_are_not_one(text: str) -> None:
    assert rules.urgency(text) == set()
