"""A line of context around the first match of a search, every match in it bracketed,
for people to recognise it.

The search index keeps no copy of the text (it is contentless, to keep the
replica small), so SQLite's snippet() has nothing to cut from; the text comes
from the conversation's view instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r'"([^"]*)"|(\S+)')


def terms(query: str) -> list[str]:
    """The words and "phrases" of a query, without quotes or a trailing prefix *."""
    out = []
    for phrase, word in _WORD.findall(query):
        term = (phrase or word).rstrip("*").strip()
        if term:
            out.append(term)
    return out


def pattern(query: str) -> re.Pattern[str] | None:
    """What a query matches in text, as the search index matched it: whole words, a
    "phrase" with any punctuation or spaces between its words, word* as a prefix."""
    parts = []
    for phrase, word in _WORD.findall(query):
        words = _TOKEN.findall(phrase or word)
        if not words:
            continue
        prefix = not phrase and word.endswith("*")
        body = r"[\W_]+".join(re.escape(w) for w in words)
        parts.append(rf"\b{body}" + (r"\w*" if prefix else r"\b"))
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


_TOKEN = re.compile(r"[^\W_]+")  # what the index's tokenizer keeps of a word


def snippet(texts: Iterable[str], query: str, width: int = 70) -> str | None:
    """``width`` characters around the first match, every match in it in [brackets]."""
    found_in = pattern(query)
    if found_in is None:
        return None
    for text in texts:
        first = found_in.search(text)
        if first is None:
            continue
        # flatten only a window around the match: bodies run to kilobytes
        lo, hi = max(0, first.start() - width), min(len(text), first.end() + width)
        flat = " ".join(text[lo:hi].split())
        found = found_in.search(flat)
        if found is None:  # the match spanned lines that flattening joined differently
            continue
        start = max(0, found.start() - (width - len(found.group())) // 2)
        end = max(found.end(), min(len(flat), start + width))
        cut = found_in.sub(lambda m: f"[{m.group()}]", flat[start:end])
        more_before, more_after = start > 0 or lo > 0, end < len(flat) or hi < len(text)
        return ("…" if more_before else "") + cut + ("…" if more_after else "")
    return None
