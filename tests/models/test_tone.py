"""The tone lexicon (models/triage/tone.py) and the customer's own words it reads
(models/triage/own_words.py)."""

from __future__ import annotations

import json

import pytest

from models.triage import seed
from models.triage.own_words import own_words
from models.triage.tone import tone

TONE_SEEDS = seed.FOLDER / "tone"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This is the third time I write. Unacceptable!!", "negative"),
        ("Das ist wirklich ärgerlich und inakzeptabel", "negative"),
        ("C'est inadmissible, toujours pas de réponse", "negative"),
        ("Estoy harto, otra vez lo mismo", "negative"),
        ("Thank you so much, fantastic service", "positive"),
        ("Vielen Dank für die tolle Hilfe, weiter so", "positive"),
        ("Merci beaucoup, service génial", "positive"),
        ("¡Muchas gracias, sois geniales!", "positive"),
        ("Please send the invoice for March. Thanks in advance!", "neutral"),
        ("The export fails with error 500 and the refund is missing.", "neutral"),
        ("I am not happy with how this was handled.", "negative"),
        ("Ich bin nicht zufrieden, nicht begeistert.", "negative"),
        ("Great, another update that moves every button.", "negative"),
        ("Thanks for nothing.", "negative"),
        ("I'm rather disappointed. Kind regards, Anna", "negative"),
        ("Following up again. Two releases later it is still not fixed.", "negative"),
        ("The login link fails every single time. I can't get in at all.", "negative"),
        ("Too many problems lately, so we are cancelling. I'm done.", "negative"),
        ("Jedes Mal dasselbe, mir reicht es.", "negative"),
        ("À chaque fois le même bug, ras le bol.", "negative"),
        ("Ya basta, cada vez que abro la app se cierra.", "negative"),
        (
            "Love losing an hour of work to a crash. Really appreciate that none of it saved.",
            "negative",
        ),
        ("Great, the third time this week it logged me out 🙃", "negative"),
        ("Big fan of your teas. Could you add a tin to my order?", "positive"),
        ("The new dashboard is great, thank you. One question about exports:", "positive"),
        ("The box has been a highlight of every month.", "positive"),
        ("How do I connect a second email address as its own inbox?", "neutral"),
        ("POST /v2/orders returns HTTP 500 since 14:00. Is this known?", "neutral"),
        ("Will it arrive by Saturday?\n\nThank you so much,\nBernie", "neutral"),
        ("C'est ma troisième demande. Sinon je ferai opposition.", "negative"),
        ("Wenn das wieder passiert, gibt es eine Rückbuchung.", "negative"),
        ("Si vuelve a pasar, pediré un contracargo al banco.", "negative"),
        ("Echt nervig, und ziemlich dreist finde ich das.", "negative"),
        ("Pour un appareil à 229 €, je m'attendais à mieux.", "negative"),
        ("He solicitado tres veces el reembolso. No me parece normal.", "negative"),
        ("I won't pretend we're happy with how this ended.", "negative"),
        ("Die App ist mega, wir bestellen jeden Freitag!", "positive"),
        ("Mon fils et moi, on adore. Merci pour ce super jeu", "positive"),
        ("Solo quería daros las gracias por la ayuda.", "positive"),
        ("Well, here we go again. Wonderful way to start the week, thank you.", "negative"),
        ("das ist jetzt meine dritte E-Mail zu diesem Thema", "negative"),
        ("sinceramente, poquísimo intuitivo", "negative"),
        ("Je constate avec une certaine déception que ce n'est pas très sérieux", "negative"),
        ("Honestly couldn't be happier with it. Can you switch us to annual?", "positive"),
        ("The watch arrived early and I'm already obsessed with the sleep tracking", "positive"),
        ("Merci mille fois, les séances vont vraiment me manquer", "positive"),
        ("La nueva versión es una maravilla", "positive"),
        ("Can you get the courier to try again?", "neutral"),
        ("Disculpen las molestias, ¿podrían enviarme la factura?", "neutral"),
        ("Any update on this would be appreciated.", "neutral"),
    ],
)
def test_tone_of_a_text(text: str, expected: str) -> None:
    found = tone(text)
    got = (
        "negative"
        if found.negative > found.positive
        else "positive"
        if found.positive > found.negative
        else "neutral"
    )
    assert got == expected, found


def test_an_intensifier_strengthens_a_cue() -> None:
    assert tone("I am very disappointed").negative > tone("I am disappointed").negative


def test_a_negated_complaint_is_no_complaint() -> None:
    assert tone("No problem at all, not annoyed").negative == 0


def test_the_lexicon_reads_the_tone_contrasts_it_was_weighed_on() -> None:
    """Every tone contrast of the seed set (one topic angry, neutral, pleased), by the
    lexicon alone: most of each kind right, in each language."""
    for path in sorted(TONE_SEEDS.glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        right = 0
        for row in rows:
            found = tone(seed.text_of(row))
            got = "neutral"
            if found.negative > found.positive:
                got = "negative"
            elif found.positive > found.negative:
                got = "positive"
            right += got == row["sentiment"]
        assert right / len(rows) >= 0.8, path.name


def test_own_words_leave_the_quote_and_the_signature_out() -> None:
    body = (
        "This is the third time I ask.\n\n-- \nAnna Berg | Finance\n"
        "On Mon, 3 Nov 2026, Support <help@acme.example.com> wrote:\n> We love helping!"
    )
    assert own_words(body) == "This is the third time I ask."
    reply = "Danke, das hilft.\nAm 3.11.2026 um 10:00 schrieb Support <s@x.example>:\n> Gern!"
    assert own_words(reply) == "Danke, das hilft."
    assert own_words("Top.\n> quoted\nMore.") == "Top.\nMore."


def test_a_closing_formula_is_courtesy_but_a_sentence_of_thanks_is_not() -> None:
    assert tone("Where is my parcel?\n\nMany thanks,\nAnna").positive == 0
    assert tone("The parcel came today. Thank you so much!\nAnna").positive > 0


def test_spam_shouting_is_counted_apart() -> None:
    found = tone("Get 10k REAL followers NOW!!!")
    assert found.shouting > 0
    assert found.negative == found.shouting
