from __future__ import annotations

import html

from hypothesis import given
from hypothesis import strategies as st

from crdt.mail.html_text import html_to_text


def test_script_style_and_head_are_dropped() -> None:
    page = (
        "<html><head><title>Invoice</title><style>p {color: red}</style></head>"
        "<body><script>alert('x')</script><p>Visible</p></body></html>"
    )
    assert html_to_text(page) == "Visible"


def test_head_left_open_does_not_swallow_the_body() -> None:
    assert html_to_text("<head><meta charset=utf-8><body><p>Still here</p>") == "Still here"


def test_hidden_preheader_is_dropped() -> None:
    text = html_to_text('<div style="display: none">preview text</div><p>Body</p>')
    assert text == "Body"


def test_br_and_blocks_break_lines_and_paragraphs_leave_one_blank_line() -> None:
    text = html_to_text(
        "<div>Hello,</div><div><br></div><div>line one<br>line two</div><p>Para</p>"
    )
    assert text == "Hello,\n\nline one\nline two\n\nPara"


def test_runs_of_blank_lines_collapse_to_one() -> None:
    assert html_to_text("a<br><br><br><br><br>b<p></p><p></p><p>c</p>") == "a\n\nb\n\nc"


def test_list_items_get_a_dash_and_nested_lists_indent() -> None:
    text = html_to_text("<p>Steps:</p><ul><li>one</li><li>two<ul><li>deeper</li></ul></li></ul>")
    assert text == "Steps:\n\n- one\n- two\n  - deeper"


def test_paragraphs_inside_list_items_keep_the_list_tight() -> None:
    text = html_to_text("<ol><li><p>first</p></li><li><p>second</p><p>more</p></li></ol><p>end</p>")
    assert text == "- first\n- second\nmore\n\nend"


def test_link_shows_its_target_when_the_text_differs() -> None:
    text = html_to_text('<a href="https://evil.example.net/login">Verify mailbox</a>')
    assert text == "Verify mailbox (https://evil.example.net/login)"


def test_link_whose_text_is_its_target_is_shown_once() -> None:
    text = html_to_text(
        '<a href="https://acme.example.com/">acme.example.com</a> '
        '<a href="mailto:help@acme.example.com">help@acme.example.com</a>'
    )
    assert text == "acme.example.com help@acme.example.com"


def test_mailto_and_anchor_links() -> None:
    text = html_to_text('<a href="mailto:a@b.example">write us</a> <a href="#top">top</a>')
    assert text == "write us (a@b.example) top"


def test_entities_are_decoded() -> None:
    assert html_to_text("<p>Caf&eacute; &amp; bar &lt;3 &#8364;5&nbsp;off</p>") == (
        "Café & bar <3 €5 off"
    )


def test_whitespace_inside_text_collapses_but_pre_keeps_it() -> None:
    text = html_to_text("<p>a\n   b\t c</p><pre>  x  = 1\n    y</pre>")
    assert text == "a b c\n\n  x  = 1\n    y"


def test_blockquote_lines_are_quoted() -> None:
    text = html_to_text("<p>Thanks</p><blockquote>On Monday:<br>It broke</blockquote>")
    assert text == "Thanks\n\n> On Monday:\n> It broke"


def test_blank_lines_inside_a_quote_stay_quoted() -> None:
    text = html_to_text("<p>Thanks</p><blockquote><p>a</p><br><br><p>b</p></blockquote><p>c</p>")
    assert text == "Thanks\n\n> a\n>\n> b\n\nc"
    nested = html_to_text("<blockquote>a<blockquote><p>b</p><p>c</p></blockquote></blockquote>")
    assert nested == "> a\n>\n> > b\n> >\n> > c"


def test_table_rows_become_lines_and_cells_stay_apart() -> None:
    text = html_to_text("<table><tr><td>Plan</td><td>Team</td></tr><tr><td>Seats</td><td>5</td>")
    assert text == "Plan Team\nSeats 5"


def test_broken_markup_does_not_raise() -> None:
    text = html_to_text("<div><p>open <b>bold <i>both</div></span></p></table> tail <a href=x>")
    assert "open bold both" in text
    assert text.endswith("tail")


_PLAIN = st.characters(whitelist_categories=("L", "N", "P", "S"), whitelist_characters=" \t\n")


@given(st.text(alphabet=_PLAIN))
def test_escaped_plain_text_comes_back_with_spaces_collapsed(text: str) -> None:
    assert html_to_text(html.escape(text)) == " ".join(text.split())


@given(st.text())
def test_any_input_gives_text(markup: str) -> None:
    assert isinstance(html_to_text(markup), str)
