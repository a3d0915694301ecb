"""The fallback when no embedding model loads: hashed words and character 4-grams.

Vectors of the same shape as the embeddings' (unit length, a dot product is the
cosine), so the same neighbours and centroids (scoring.py) label with them. Pure
Python, nothing to install; measured much weaker than the embeddings
(docs/architecture.md), and said so on every result (``method``).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

from models.triage.scoring import Vector, normalised

MODEL_ID = "lexical-hash-2048"
DIM = 2048
_WORD = re.compile(r"\w+", re.UNICODE)


def _features(text: str) -> list[str]:
    words = _WORD.findall(text.lower())
    grams = [w[i : i + 4] for w in words if len(w) > 4 for i in range(len(w) - 3)]
    return words + grams


class Lexical:
    id = MODEL_ID

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        out = []
        for text in texts:
            v = [0.0] * DIM
            for feature in _features(text):
                v[zlib.crc32(feature.encode("utf-8")) % DIM] += 1.0
            out.append(normalised(v))
        return out
