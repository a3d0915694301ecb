"""Characters that steer a terminal or a reader instead of printing, in one place.

Mail, notes and names come from people outside the team: a body may carry
``ESC [2J`` (clear the screen), ``ESC ] 0;title BEL`` (retitle the window) or an
OSC 52 sequence (write the clipboard), a file name a right-to-left override that
shows ``invoice<U+202E>fdp.exe`` as ``invoiceexe.pdf``. Stored text keeps what
was sent; what reaches a terminal goes through ``for_terminal`` (the printer,
``inbox_cli/output.py``, does it for every line), and a header becomes one line
with ``one_line`` when it is parsed.
"""

from __future__ import annotations

import re

# DEL and the C1 controls (U+0080-U+009F: a terminal may read U+009B as CSI, as ESC [).
DEL_AND_C1 = "\x7f-\x9f"
# ... and the C0 controls but tab and newline.
CONTROLS = "\x00-\x08\x0b-\x1f" + DEL_AND_C1
# Bidi embeddings, overrides and isolates reorder what follows them on the line, so what
# is shown is not what is written. The marks U+200E/U+200F (and U+061C) reorder nothing
# but neutral characters next to them and stay: right-to-left text needs them.
BIDI = "\u202a-\u202e\u2066-\u2069"

_UNSAFE = re.compile(f"[{CONTROLS}{BIDI}]+")
_CARRIAGE_RETURN = re.compile(r"\r\n?")
_HEADER_CONTROLS = re.compile(r"[\x00-\x1f\x7f]+")  # what a header value may not hold


def for_terminal(text: str) -> str:
    """``text`` as a terminal should receive it: every line break a newline (a carriage
    return alone would let the rest of a line overwrite its start), tabs kept, and no
    control, escape or bidi override character, so nothing in it is an instruction."""
    if text.isprintable():  # nearly all text: nothing to look for
        return text
    return _UNSAFE.sub("", _CARRIAGE_RETURN.sub("\n", text))


def one_line(text: str) -> str:
    """A header value on one line: each run of C0 controls (line breaks, tabs) or DEL is
    one space. Kept as it always was, since subjects are part of a mail's content key;
    C1 and bidi characters stay in the stored text and are dropped where it is shown."""
    return _HEADER_CONTROLS.sub(" ", text).strip()
