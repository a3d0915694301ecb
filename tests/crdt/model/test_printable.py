"""What may reach a terminal: text as written, minus what would steer it."""

from __future__ import annotations

import pytest

from crdt.model.printable import for_terminal, one_line


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("clear\x1b[2Jscreen", "clear[2Jscreen"),
        ("title\x1b]0;pwned\x07", "title]0;pwned"),
        ("clip\x1b]52;c;cHduZWQ=\x07board", "clip]52;c;cHduZWQ=board"),
        ("c1 csi \x9b31m red", "c1 csi 31m red"),
        ("del\x7f and nul\x00", "del and nul"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("isolate \u2066x\u2069 \u202ay\u202c", "isolate x y"),
    ],
)
def test_escapes_controls_and_bidi_overrides_are_dropped(raw: str, shown: str) -> None:
    assert for_terminal(raw) == shown


def test_a_carriage_return_cannot_overwrite_the_line_it_is_on() -> None:
    assert for_terminal("paid: no\rpaid: yes") == "paid: no\npaid: yes"
    assert for_terminal("one\r\ntwo\r\n") == "one\ntwo\n"


def test_tabs_newlines_and_right_to_left_text_are_kept() -> None:
    text = "a\tb\nשלום \u200fעולם\u200e مرحبا 😀 Zoë"
    assert for_terminal(text) == text


def test_headers_become_one_line_as_before() -> None:
    assert one_line(" Re:\tthe\r\nrefund\x1b\x7f ") == "Re: the refund"
    assert one_line("keeps \x9b and \u202e") == "keeps \x9b and \u202e"  # dropped when shown
