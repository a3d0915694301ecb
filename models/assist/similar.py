"""`inbox similar`: past conversations like this one, nearest first, each with how it was
answered (the opening line of its first agent reply)."""

from __future__ import annotations

from typing import Any

from crdt.replica import Replica
from models.assist import text, vectors
from models.embed import Embedder
from models.triage import conversation_text


def similar(
    replica: Replica, ident: str, limit: int, model: Embedder | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """The ``limit`` nearest conversations, and why the lexical fallback ran, if it did.
    ``model``: the vectors to compare (default: the embedding model, else lexical)."""
    model, why = (model, None) if model is not None else vectors.embedder(replica)
    table = vectors.table(replica, model)
    query = table.vector(ident)
    if query is None:  # spam, or merged: still asked about
        [query] = model.embed([conversation_text(replica.conversation(ident))])
    out = []
    for other, score in table.nearest(query, limit, but=ident):
        view = replica.conversation(other)
        replies = text.agent_replies(view)
        out.append(
            {
                "conversation": other,
                "subject": view.get("subject"),
                "customer": view.get("customer"),
                "status": view.get("status"),
                "score": round(score, 3),
                "answered": text.opening(str(replies[0]["body"])) if replies else None,
                "method": model.id,
            }
        )
    return out, why
