"""A vector of every conversation, kept in models.db, and the nearest ones to a text.

A conversation's vector is that of what triage reads of it (its subject and first
inbound messages: what it is about), so a conversation triage saw costs nothing more.
The table is derived and checked against the index at each use: only conversations
changed since (their ``updated_at``) are embedded again, and the cache by text hash
makes one whose first messages did not change cost a look-up. Ranking is one matrix
product (numpy, which the embedding engine brings) over float32 rows; the lexical
fallback, with no numpy, ranks in plain Python.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import Any

from crdt.replica import Replica
from models.cache import Cache, Vector
from models.embed import Embedder
from models.errors import ModelUnavailableError
from models.triage import conversation_text


def embedder(replica: Replica) -> tuple[Embedder, str | None]:
    """The embedding model through the replica's cache, and None; or, when it cannot be
    loaded, the lexical vectors triage falls back to, and why."""
    from models import embed

    try:
        return embed.cached(replica.home), None
    except ModelUnavailableError as exc:
        from models.triage.lexical import Lexical

        return Lexical(), f"{exc.message} ({exc.why}): using hashed words"


class Table:
    """The vectors of the replica's live conversations, by id, as of now."""

    def __init__(self, ids: list[str], rows: list[bytes], model: Embedder) -> None:
        self.ids, self.rows, self.model = ids, rows, model

    def nearest(self, query: Vector, limit: int, but: str = "") -> list[tuple[str, float]]:
        """The ``limit`` conversations nearest ``query`` (cosine), ``but`` left out."""
        scores = _scores(query, self.rows)
        ranked = sorted(zip(self.ids, scores, strict=True), key=lambda p: -p[1])
        return [(i, s) for i, s in ranked if i != but][:limit]

    def vector(self, ident: str) -> Vector | None:
        if ident not in self.ids:
            return None
        return tuple(array("f", self.rows[self.ids.index(ident)]))


def table(replica: Replica, model: Embedder) -> Table:
    """Brought up to date with the index first: new and changed conversations embedded,
    removed and merged ones dropped, in one write."""
    cache = Cache(replica.home)
    try:
        stamps = replica.stamps()
        known = cache.conversations(model.id)
        stale = [i for i, at in stamps.items() if known.get(i, ("",))[0] != at]
        if stale:
            texts = [conversation_text(replica.conversation(i)) for i in stale]
            vectors = model.embed(texts)
            fresh = {i: (stamps[i], v) for i, v in zip(stale, vectors, strict=True)}
        else:
            fresh = {}
        gone = [i for i in known if i not in stamps]
        if fresh or gone:
            cache.put_conversations(model.id, fresh, gone)
            known = cache.conversations(model.id)
    finally:
        cache.close()
    ids = sorted(known)
    return Table(ids, [known[i][1] for i in ids], model)


def _scores(query: Vector, rows: Sequence[bytes]) -> list[float]:
    if not rows:
        return []
    try:
        import numpy
    except ImportError:
        return [sum(x * y for x, y in zip(query, array("f", r), strict=True)) for r in rows]
    matrix: Any = numpy.frombuffer(b"".join(rows), dtype=numpy.float32).reshape(len(rows), -1)
    return [float(s) for s in matrix @ numpy.asarray(query, dtype=numpy.float32)]
