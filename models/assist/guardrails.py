"""Checks a suggested text must pass before an agent sees it: it invents nothing and it
does not repeat itself.

*Invented*: a number, email address, URL or name in the text that is in neither the
conversation nor the sources it was made from (templates, past answers). A small model
asked to write freely fills gaps with plausible facts (an order number, a date, "John
from billing"); a reply carrying one is worse than none. Names are the capitalised words
that are not common words of the four languages (a list, ``phrases.COMMON``).
*Repeated*: a line of three words or more said twice, or a run of four words said three
times: the loops a small model falls into.

Pure functions over strings, so each is tested with hand-made bad drafts.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from models.assist.phrases import COMMON

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,:/-]\d+)*")
_WORDISH = re.compile(r"[^\W\d_][\w'’-]*", re.UNICODE)
_TOKEN = re.compile(r"[\w'’]+", re.UNICODE)
LINE_WORDS = 3  # a repeated line shorter than this ("Thanks,") is not a loop
NGRAM, NGRAM_TIMES = 4, 3

INVENTED = "invented"
REPEATED = "repeated"


@dataclass(frozen=True)
class Flag:
    """One guardrail that fired: which (``rule``), on what (``items``), and whether the text
    it fired on was thrown away for a safer one (``rejected``: what was rejected)."""

    rule: str
    items: tuple[str, ...]
    rejected: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "items": list(self.items), "rejected": self.rejected}


def _strip_url(url: str) -> str:
    return url.rstrip(".,;:!?")


def entities(text: str) -> dict[str, set[str]]:
    """The checkable facts of ``text``: emails, URLs, numbers, names (capitalised words)."""
    emails = {e.lower() for e in _EMAIL.findall(text)}
    urls = {_strip_url(u).lower() for u in _URL.findall(text)}
    rest = _URL.sub(" ", _EMAIL.sub(" ", text))
    numbers = set(_NUMBER.findall(rest))
    names = {w.strip("'’-") for w in _WORDISH.findall(rest) if w[:1].isupper()}
    return {"email": emails, "url": urls, "number": numbers, "name": {n for n in names if n}}


def _grounds(texts: Iterable[str]) -> tuple[dict[str, set[str]], set[str]]:
    joined = "\n".join(texts)
    found = entities(joined)
    words = {w.lower().strip("'’-") for w in [*_TOKEN.findall(joined), *_WORDISH.findall(joined)]}
    numbers = found["number"] | {
        n for e in found["email"] | found["url"] for n in _NUMBER.findall(e)
    }
    found["number"] = numbers
    return found, words


def invented(text: str, grounds: Sequence[str]) -> list[str]:
    """What ``text`` states that no text in ``grounds`` holds, in the order found."""
    known, words = _grounds(grounds)
    got = entities(text)
    out = [e for e in sorted(got["email"]) if e not in known["email"]]
    out += [u for u in sorted(got["url"]) if u not in known["url"]]
    out += [n for n in sorted(got["number"]) if n not in known["number"]]
    allowed = words | COMMON
    out += [n for n in sorted(got["name"]) if n.lower() not in allowed]
    return list(dict.fromkeys(out))


def repeated(text: str) -> list[str]:
    """The lines said twice and the runs of words said three times in ``text``."""
    lines = [" ".join(_TOKEN.findall(line.lower())) for line in text.splitlines()]
    counted = Counter(line for line in lines if len(line.split()) >= LINE_WORDS)
    out = [line for line, n in counted.items() if n > 1]
    tokens = [t.lower() for t in _TOKEN.findall(text)]
    grams = Counter(tuple(tokens[i : i + NGRAM]) for i in range(len(tokens) - NGRAM + 1))
    looped = [" ".join(g) for g, n in grams.items() if n >= NGRAM_TIMES]
    out += [g for g in looped if not any(g in line for line in out)]
    return out


def check(text: str, grounds: Sequence[str]) -> list[Flag]:
    """Every guardrail that fires on ``text``; none when it is safe to show."""
    flags = []
    made_up = invented(text, grounds)
    if made_up:
        flags.append(Flag(INVENTED, tuple(made_up)))
    loops = repeated(text)
    if loops:
        flags.append(Flag(REPEATED, tuple(loops)))
    return flags
