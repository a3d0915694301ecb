"""The labelled seed set triage starts from, and its vectors shipped beside it.

``models/seed/<category>.jsonl``: support messages written for this project (not taken
from any evaluation set), in English, German, French and Spanish, one row each:
``{"category", "priority", "sentiment", "language", "channel", "subject", "body"}``; a
label that is ``null`` is not voted on (models/seed/README.md says which and why).
Embedding all of them takes ~70 s on 2 cores, so their vectors ship too
(``vectors-<model>.bin``, float32, in seed order) with the SHA-256 of the texts they
were made from; a seed set edited since is embedded afresh (and ``python -m
models.triage.seed`` writes the file again).
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from models.cache import Vector
from models.embed import Embedder

FOLDER = Path(__file__).resolve().parent.parent / "seed"


def rows() -> list[dict[str, Any]]:
    found = []
    for path in sorted(FOLDER.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                found.append(json.loads(line))
    return found


def text_of(row: Mapping[str, Any]) -> str:
    """What triage reads of a message: its subject, then its body."""
    return "\n".join(p for p in (row.get("subject"), row.get("body")) if p).strip()


def _digest(texts: list[str], model: str) -> str:
    h = hashlib.sha256(model.encode())
    for t in texts:
        h.update(b"\x1f" + t.encode("utf-8"))
    return h.hexdigest()


def _file(model: str) -> Path:
    return FOLDER / f"vectors-{model.split(':')[0]}.bin"


def vectors(embedder: Embedder, texts: list[str]) -> list[Vector]:
    """The seed texts' vectors: the shipped file when it was made from these texts by
    this model, else computed now."""
    path, digest = _file(embedder.id), _digest(texts, embedder.id)
    if path.is_file():
        data = path.read_bytes()
        head, _, body = data.partition(b"\n")
        if head.decode() == digest and texts:
            flat = array("f", body)
            dim = len(flat) // len(texts)
            return [tuple(flat[i * dim : (i + 1) * dim]) for i in range(len(texts))]
    return embedder.embed(texts)


def write(embedder: Embedder) -> Path:
    texts = [text_of(r) for r in rows()]
    flat = array("f", [x for v in embedder.embed(texts) for x in v])
    path = _file(embedder.id)
    path.write_bytes(_digest(texts, embedder.id).encode() + b"\n" + flat.tobytes())
    return path


if __name__ == "__main__":
    from models.embed import embedder

    print(write(embedder()))
