"""Neighbours and centroids over labelled vectors (models/triage/scoring.py)."""

from __future__ import annotations

import pytest

from models.triage.scoring import (
    Example,
    Field,
    best,
    blend,
    conditional,
    mix,
    normalised,
    reweigh,
)


def _field(weight_b: float = 1.0) -> Field:
    examples = [
        Example(normalised((1.0, 0.1)), {"c": "a"}),
        Example(normalised((0.9, 0.2)), {"c": "a"}),
        Example(normalised((0.1, 1.0)), {"c": "b"}, weight_b),
        Example(normalised((0.2, 0.9)), {"c": "b"}, weight_b),
        Example(normalised((0.5, 0.5)), {}),  # unlabelled for this field: not counted
    ]
    return Field("c", ("a", "b"), examples)


def test_the_nearest_label_wins_and_probabilities_sum_to_one() -> None:
    p = _field().distribution(normalised((1.0, 0.0)))
    assert best(p)[0] == "a"
    assert sum(p.values()) == pytest.approx(1.0)
    assert len(_field().examples) == 4


def test_a_heavier_example_pulls_a_message_half_way() -> None:
    between = normalised((0.7, 0.71))
    assert _field(1.0).distribution(between)["b"] < _field(5.0).distribution(between)["b"]


def test_mix_and_reweigh_keep_a_distribution() -> None:
    p = {"urgent": 0.1, "normal": 0.9}
    moved = mix(p, "urgent", 0.5)
    assert moved["urgent"] == pytest.approx(0.55) and sum(moved.values()) == pytest.approx(1)
    tilted = reweigh({"negative": 0.3, "neutral": 0.7}, {"negative": 5.0})
    assert best(tilted)[0] == "negative" and sum(tilted.values()) == pytest.approx(1)


def test_a_field_with_no_examples_is_uniform() -> None:
    p = Field("c", ("a", "b"), []).distribution((1.0, 0.0))
    assert p == {"a": 0.5, "b": 0.5}


def test_what_goes_with_a_category_is_counted_by_weight_and_never_zero() -> None:
    v = normalised((1.0, 0.0))
    examples = [
        Example(v, {"category": "praise", "priority": "low"}),
        Example(v, {"category": "praise", "priority": "low"}, 2.0),
        Example(v, {"category": "praise", "priority": "normal"}),
        Example(v, {"category": "outage"}),  # no priority: not counted
        Example(v, {"priority": "urgent"}),  # no category: not counted
    ]
    usual = conditional(examples, "category", "priority", ("urgent", "high", "normal", "low"))
    assert set(usual) == {"praise"}
    assert usual["praise"]["low"] == pytest.approx(3.5 / 6)
    assert usual["praise"]["urgent"] == pytest.approx(0.5 / 6)
    assert sum(usual["praise"].values()) == pytest.approx(1)


def test_blend_moves_a_share_of_the_way() -> None:
    moved = blend({"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 1.0}, 0.3)
    assert moved == pytest.approx({"a": 0.7, "b": 0.3})
