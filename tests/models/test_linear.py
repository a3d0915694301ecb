"""The linear vote (models/triage/linear.py) on hand-made vectors: it learns a direction
no single neighbour shows, weighs an agent's examples more, and is the same model from
the same examples."""

from __future__ import annotations

from models.triage import linear
from models.triage.scoring import Example, normalised

CHOICES = ("negative", "neutral", "positive")


def _examples(weight: float = 1.0) -> list[Example]:
    """Negative along the first axis, positive along the second, neutral along the
    third, each spread by noise on a fourth."""
    out = []
    for i in range(6):
        noise = (i - 2.5) / 10
        out.append(Example(normalised((1.0, 0.0, 0.0, noise)), {"sentiment": "negative"}))
        out.append(Example(normalised((0.0, 1.0, 0.0, noise)), {"sentiment": "positive"}))
        out.append(Example(normalised((0.0, 0.0, 1.0, noise)), {"sentiment": "neutral"}, weight))
    return out


def test_it_labels_along_what_the_examples_share() -> None:
    model = linear.fit("sentiment", CHOICES, _examples())
    assert model is not None
    p = model.distribution(normalised((0.9, 0.1, 0.2, 0.4)))
    assert max(p, key=lambda k: p[k]) == "negative"
    assert abs(sum(p.values()) - 1) < 1e-6
    assert set(p) == set(CHOICES)


def test_the_same_examples_give_the_same_model() -> None:
    query = normalised((0.3, 0.4, 0.5, 0.1))
    one = linear.fit("sentiment", CHOICES, _examples())
    two = linear.fit("sentiment", CHOICES, _examples())
    assert one is not None and two is not None
    assert one.distribution(query) == two.distribution(query)


def test_heavier_examples_pull_further() -> None:
    between = normalised((0.5, 0.0, 0.5, 0.0))
    light = linear.fit("sentiment", CHOICES, _examples(weight=1.0))
    heavy = linear.fit("sentiment", CHOICES, _examples(weight=3.0))
    assert light is not None and heavy is not None
    assert heavy.distribution(between)["neutral"] > light.distribution(between)["neutral"]


def test_a_field_no_example_labels_has_no_model() -> None:
    unlabelled = [Example(normalised((1.0, 0.0)), {"category": "bug"})]
    assert linear.fit("sentiment", CHOICES, unlabelled) is None
    assert linear.fit("sentiment", CHOICES, []) is None
