"""Triage: labels for a message or a conversation, with their confidence (classify.py),
and their accuracy on a labelled file (evaluate.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from models.errors import ModelUnavailableError
from models.triage.classify import Label, Result, Triager
from models.triage.evaluate import evaluate, read
from models.triage.own_words import own_words

__all__ = [
    "Label",
    "Result",
    "Triager",
    "conversation_text",
    "evaluate",
    "read",
    "team_examples",
    "triager",
]

MESSAGES_READ = 3  # the first inbound messages say what a conversation is about


def conversation_text(view: dict[str, Any]) -> str:
    """What triage reads of a conversation: its subject and first inbound messages, each
    without the history it quotes and its signature."""
    bodies = [
        own_words(str(m.get("body") or "")) or str(m.get("body") or "")
        for m in view.get("messages", [])
        if m.get("direction") == "in" and m.get("kind") is None
    ][:MESSAGES_READ]
    return "\n".join([str(view.get("subject") or ""), *bodies]).strip()


def team_examples(views: Sequence[dict[str, Any]]) -> list[tuple[str, dict[str, str]]]:
    """The labels this team's agents set, as examples: the fields an agent set only."""
    out = []
    for view in views:
        by = view.get("labels_set_by") or {}
        labels = {f: str(view[f]) for f, source in by.items() if source == "agent" and view.get(f)}
        if labels:
            out.append((conversation_text(view), labels))
    return out


def triager(
    home: Path | None, team: Sequence[tuple[str, dict[str, str]]] = ()
) -> tuple[Triager, str | None]:
    """The embeddings' triager, and ``None``; or, when no embedding model loads, the
    lexical fallback and why."""
    from models import embed

    try:
        return Triager(embed.cached(home), team), None
    except ModelUnavailableError as exc:
        from models.triage.lexical import Lexical

        return Triager(Lexical(), team), f"{exc.message} ({exc.why}): using hashed words"
