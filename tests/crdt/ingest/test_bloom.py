"""The filter that spares an import its look-ups: never a false "surely not"."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from crdt.ingest.bloom import Bloom


@given(st.lists(st.text(), max_size=300), st.integers(0, 5000))
def test_everything_added_is_in(items: list[str], capacity: int) -> None:
    bloom = Bloom(capacity)
    for item in items:
        bloom.add(item)
    assert all(item in bloom for item in items)
    assert bloom.count == len(items)


def test_few_strings_never_added_look_added_at_capacity() -> None:
    bloom = Bloom(20_000)
    for n in range(bloom.capacity):
        bloom.add(f"{n}.mail@example.com")
    others = [f"{n}.other@example.org" for n in range(20_000)]
    false = sum(other in bloom for other in others)
    assert false / len(others) < 0.03  # two probes at 16 bits an entry: ~1.4%


def test_an_empty_filter_has_nothing() -> None:
    assert "a@b" not in Bloom(0)
