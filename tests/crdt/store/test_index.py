"""A view packs to the same bytes in a bulk worker (orjson) as in a one-document command."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from crdt.model import view
from crdt.store import index
from tests.crdt.replicas import shared_pair

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(), json_values, max_size=8))
def test_both_encoders_give_the_same_bytes(value: dict[str, Any]) -> None:
    assert index.pack_view(value, bulk=True) == index.pack_view(value)


def test_a_conversation_view_packs_the_same_either_way() -> None:
    doc, _ = shared_pair(
        "ana@example.com", "2026-11-28T10:00:00.000Z", subject='Ünïcode \u2028 \x1f "q" / 😀'
    )
    built = view.build(doc)
    assert index.pack_view(built, bulk=True) == index.pack_view(built)
    assert index.unpack_view(index.pack_view(built, bulk=True)) == built


@given(st.lists(json_values, max_size=4), st.text())
def test_a_document_reads_the_same_either_way(values: list[Any], subject: str) -> None:
    """A bulk worker decodes documents with orjson; the view is the one json gives."""
    doc, _ = shared_pair("ana@example.com", "2026-11-28T10:00:00.000Z", subject=subject)
    for value in values:
        doc.array("notes").append({"id": str(len(doc.array("notes"))), "body": value})
    assert view.build(doc, bulk=True) == view.build(doc)
