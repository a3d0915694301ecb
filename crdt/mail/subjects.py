"""The subject two messages of one thread share, whatever their mail clients prefixed.

Its own module: the index computes it on every write, and importing the mail
parser for it would cost every command that changes a conversation ~20 ms.
"""

from __future__ import annotations

import re

_REPLY_PREFIX = re.compile(
    r"^(?:\s*(?:\[[^\]]{0,40}\]|(?:re|aw|antw|antwort|sv|vs|odp|ynt|res|rif|réf|rép|fwd?|"
    r"fwrd|wg|tr|enc|rv|vb|doorst|pd|vl|atb|ats|απ|σχετ|πρθ|השב|回复|答复|回覆|转发|轉寄|"
    r"転送|返信|회신|전달)\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]))+\s*"
)
_NO_SUBJECT = frozenset(
    {"(no subject)", "no subject", "(kein betreff)", "(sans objet)", "(sin asunto)"}
    | {"(senza oggetto)", "(geen onderwerp)", "(без темы)", "(无主题)", "(件名なし)"}
)


def normalize_subject(subject: str) -> str:
    """The subject two messages of one thread share, whatever their clients prefixed."""
    text = _REPLY_PREFIX.sub("", subject.casefold(), count=1)
    text = " ".join(text.split())
    return "" if text in _NO_SUBJECT else text


# Only reply prefixes: a reply to "Fwd: Invoice" is "Re: Fwd: Invoice", as mail clients do.
_RE_PREFIX = re.compile(
    r"^(?:\s*(?:re|aw|antw|antwort|sv|vs|odp|ynt|res|rif|réf|rép|απ|σχετ|השב|回复|答复|回覆|"
    r"返信|회신)\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：])+\s*",
    re.IGNORECASE,
)


def reply_subject(subject: str) -> str:
    """``Re: <subject>`` with the reply prefixes already there folded into one, so a long
    thread never reads "Re: Re: AW: ..."; the rest keeps the sender's case."""
    rest = " ".join(_RE_PREFIX.sub("", subject, count=1).split())
    return f"Re: {rest}" if rest else "Re:"
