"""A line of context around the first match of a search, for people to recognise it.

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


def snippet(texts: Iterable[str], query: str, width: int = 70) -> str | None:
    """``width`` characters around the first term found, the match in [brackets]."""
    wanted = terms(query)
    if not wanted:
        return None
    pattern = re.compile("|".join(re.escape(t) for t in wanted), re.IGNORECASE)
    for text in texts:
        first = pattern.search(text)
        if first is None:
            continue
        # flatten only a window around the match: bodies run to kilobytes
        lo, hi = max(0, first.start() - width), min(len(text), first.end() + width)
        flat = " ".join(text[lo:hi].split())
        found = pattern.search(flat)
        if found is None:  # the match spanned lines that flattening joined differently
            continue
        start = max(0, found.start() - (width - len(found.group())) // 2)
        end = min(len(flat), start + width)
        cut = flat[start : found.start()] + f"[{found.group()}]" + flat[found.end() : end]
        more_before, more_after = start > 0 or lo > 0, end < len(flat) or hi < len(text)
        return ("…" if more_before else "") + cut + ("…" if more_after else "")
    return None
