"""Search snippets cut from the conversation text."""

from __future__ import annotations

from crdt.store.snippets import snippet, terms


def test_terms_keep_phrases_and_drop_prefix_stars() -> None:
    assert terms('double charge "card declined" refund*') == [
        "double",
        "charge",
        "card declined",
        "refund",
    ]


def test_snippet_brackets_the_first_match_with_context() -> None:
    text = "Hello team. I was charged twice on the November invoice, please refund it."
    found = snippet(["Subject line", text], "november", width=40)
    assert found is not None
    assert "[November]" in found
    assert found.startswith("…") and found.endswith("…")
    assert len(found.replace("…", "")) <= 42


def test_snippet_is_case_insensitive_and_flattens_lines() -> None:
    assert snippet(["first line\nDOUBLE\ncharge"], "double") == "first line [DOUBLE] charge"


def test_snippet_of_text_without_the_words_is_none() -> None:
    assert snippet(["nothing here"], "refund") is None
    assert snippet(["anything"], '""') is None


def test_every_word_of_the_query_is_bracketed() -> None:
    text = "I was charged twice, a double charge on INV-1"
    assert snippet([text], "double charge") == "I was charged twice, a [double] [charge] on INV-1"
    assert snippet([text], "charge double inv-1") == (
        "I was charged twice, a [double] [charge] on [INV-1]"
    )


def test_a_phrase_is_bracketed_whole_across_punctuation() -> None:
    assert snippet(["a Double-Charge again"], '"double charge"') == "a [Double-Charge] again"
    assert snippet(["the double\n  charge"], '"double charge"') == "the [double charge]"


def test_a_prefix_brackets_the_whole_word() -> None:
    assert snippet(["we refunded it"], "refund*") == "we [refunded] it"
