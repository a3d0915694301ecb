"""What a message says itself: its text without the quoted history and the signature,
cut into sentences, and the language it is in (en, de, fr, es).

Mail carries every earlier message again below the new one ("On ... wrote:", "Am ...
schrieb", "Le ... a écrit", "El ... escribió", an Outlook "From:/Von:" block, "> "
lines): a summary or a retrieved answer that kept it would say everything twice.
Pure: text in, text out.
"""

from __future__ import annotations

import re

_HISTORY = re.compile(
    r"^(?:>"
    r"|(?:On|Am|Le|El)\s[^\n]{0,200}(?:\n[^\n]{0,200})?"
    r"(?:wrote|schrieb|a écrit|escribió)\s?:?[ \t]*$"
    r"|-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original)"
    r"|(?:From|Von|De|Sent|Gesendet|Envoyé|Enviado)\s?:[^\n]*\n(?:[^\n]*\n)?"
    r"(?:Sent|Gesendet|Envoyé|Enviado|To|An|À|Para|Date|Datum|Fecha)\s?:"
    r"|-- ?$"
    r"|(?:Sent from my|Von meinem|Envoyé de mon|Enviado desde mi)\s)",
    re.MULTILINE,
)
_SENTENCE = re.compile(r"(?:[^.!?\n]|[.](?=\w))+(?:[.!?]+|$)", re.MULTILINE)  # 4.12.2 is a word
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

STOPWORDS = {
    "en": {
        "the",
        "and",
        "you",
        "is",
        "are",
        "to",
        "of",
        "we",
        "our",
        "my",
        "it",
        "for",
        "can",
        "with",
        "this",
        "that",
        "not",
        "have",
        "please",
        "thanks",
        "could",
        "would",
    },
    "de": {
        "der",
        "die",
        "das",
        "und",
        "ist",
        "nicht",
        "wir",
        "sie",
        "ich",
        "mit",
        "für",
        "auf",
        "ein",
        "eine",
        "bitte",
        "danke",
        "unsere",
        "haben",
        "können",
        "zu",
        "bei",
    },
    "fr": {
        "le",
        "la",
        "les",
        "et",
        "est",
        "nous",
        "vous",
        "je",
        "pour",
        "pas",
        "une",
        "des",
        "du",
        "dans",
        "merci",
        "avec",
        "sur",
        "que",
        "qui",
        "mon",
        "notre",
    },
    "es": {
        "el",
        "la",
        "los",
        "las",
        "y",
        "es",
        "que",
        "de",
        "no",
        "por",
        "para",
        "una",
        "con",
        "nuestro",
        "gracias",
        "mi",
        "del",
        "se",
        "lo",
        "su",
        "hemos",
    },
}


def fresh(body: str) -> str:
    """A message without the history it quotes and without its signature block."""
    found = _HISTORY.search(body)
    kept = body[: found.start()] if found else body
    return kept.strip()


def sentences(text: str) -> list[str]:
    """Sentences and lines of ``text``, trimmed; a line break ends one too (mail wraps
    lists and short lines without full stops)."""
    joined = re.sub(r"(?<![.!?:\n])\n(?=[a-zà-ÿ])", " ", text)  # re-join wrapped lines
    return [s.strip() for s in _SENTENCE.findall(joined) if s.strip()]


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def language(text: str) -> str:
    """en, de, fr or es: whose common words ``text`` uses most (en when none)."""
    counts = dict.fromkeys(STOPWORDS, 0)
    for word in words(text):
        for lang, common in STOPWORDS.items():
            if word in common:
                counts[lang] += 1
    best = max(counts, key=lambda lang: counts[lang])
    return best if counts[best] else "en"


def opening(body: str) -> str:
    """The first line of a reply that says something: past its greeting, at most a
    sentence (how a past conversation was answered, at a glance)."""
    from models.assist.phrases import GREETING_LINE

    for line in fresh(body).splitlines():
        line = line.strip()
        if line and not GREETING_LINE.match(line):
            found = sentences(line)
            return found[0] if found else line
    return ""


def agent_replies(view: dict[str, object]) -> list[dict[str, object]]:
    """The messages agents wrote in a conversation (not bounces or notices), in order."""
    messages = view.get("messages") or []
    assert isinstance(messages, list)
    return [
        m
        for m in messages
        if m.get("direction") == "out"
        and m.get("kind") is None
        and str(m.get("body") or "").strip()
    ]


def customer_messages(view: dict[str, object]) -> list[dict[str, object]]:
    messages = view.get("messages") or []
    assert isinstance(messages, list)
    return [m for m in messages if m.get("direction") == "in" and m.get("kind") is None]
