"""A linear vote beside the neighbours': softmax regression over the examples' vectors.

Neighbours (scoring.py) answer from the few examples nearest a message; a linear model
weighs every direction of the vector space by all examples at once, so a word the
nearest few happen not to share still counts. Averaged with the neighbours' vote it
raised category and sentiment on nearly every labelled set, each left out of the seeds in
turn, and lowered priority (docs/architecture.md, "Triage"), so it votes on those two.
Trained when a triager is built (~0.23 s on the seeds, 2 cores), from zero weights by
full-batch Adam: the same examples give the same model. Needs numpy (the embedding
engine brings it); without it the neighbours vote alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from models.triage.scoring import Example, Vector

FIELDS = ("category", "sentiment")
STEPS, RATE, L2 = 200, 0.5, 1e-4  # chosen with each labelled set left out in turn
BETAS, EPSILON = (0.9, 0.999), 1e-8


class Linear:
    def __init__(self, weights: Any, choices: tuple[str, ...]) -> None:
        self._weights, self.choices = weights, choices

    def distribution(self, query: Vector) -> dict[str, float]:
        import numpy

        z = numpy.append(numpy.asarray(query, dtype=numpy.float32), 1.0) @ self._weights
        p = numpy.exp(z - z.max())
        p /= p.sum()
        return {c: float(p[i]) for i, c in enumerate(self.choices)}


def fit(name: str, choices: Sequence[str], examples: Sequence[Example]) -> Linear | None:
    """The field's model, or ``None`` with no numpy or no labelled example."""
    try:
        import numpy
    except ImportError:
        return None
    index = {c: i for i, c in enumerate(choices)}
    labelled = [e for e in examples if e.labels.get(name) in index]
    if not labelled:
        return None
    x = numpy.array([(*e.vector, 1.0) for e in labelled], dtype=numpy.float32)
    y = numpy.zeros((len(labelled), len(index)), dtype=numpy.float32)
    y[numpy.arange(len(labelled)), [index[e.labels[name]] for e in labelled]] = 1.0
    weight = numpy.array([e.weight for e in labelled], dtype=numpy.float32)
    weight *= 1.0 / (weight.mean() * len(labelled))
    return Linear(_trained(numpy, x, y, weight), tuple(choices))


def _trained(numpy: Any, x: Any, y: Any, weight: Any) -> Any:
    w = numpy.zeros((x.shape[1], y.shape[1]), dtype=numpy.float32)
    m, v = numpy.zeros_like(w), numpy.zeros_like(w)
    b1, b2 = BETAS
    for step in range(1, STEPS + 1):
        z = x @ w
        p = numpy.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        grad = x.T @ ((p - y) * weight[:, None]) + L2 * w
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        w -= RATE * (m / (1 - b1**step)) / (numpy.sqrt(v / (1 - b2**step)) + EPSILON)
    return w
