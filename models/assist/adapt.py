"""A source made into this conversation's reply, without a model: the customer's name
in the greeting, this agent's name under the closing, the other customer's name and
reference numbers swapped for this thread's, and what cannot be swapped pointed out.

A template is the team's own wording, rendered with its variables (crdt/workflow/
templates.py): it only gets a greeting when it has none. A past answer was written to
someone else: its greeting and signature are replaced, and a reference of the same
shape (INV-20417, #4411, a five-digit number) is taken from this thread when the thread
has exactly one; any other number, address or link it carries from its own case is kept
but flagged ``from_source``, for the agent to check before sending.
"""

from __future__ import annotations

import re
from typing import Any

from models.assist import guardrails, phrases
from models.assist.guardrails import Flag
from models.assist.retrieve import Source

FROM_SOURCE = "from_source"
SIGNATURE_LINES, SIGNATURE_WORDS = 3, 5
_REFERENCE = re.compile(r"#\d{3,}|\b[A-Z]{2,6}-?\d{3,}\b|\b\d{5,}\b")


def greeting(view: dict[str, Any], language: str) -> str:
    name = str(view.get("customer_name") or "").split()
    if not name:
        return phrases.GREETING_NO_NAME[language]
    return phrases.GREETING[language].format(name=name[0])


def closing(language: str, agent_name: str) -> str:
    return f"{phrases.CLOSING[language]}\n{agent_name}".strip()


def holding(view: dict[str, Any], language: str, agent_name: str) -> str:
    """What a draft says when the team has nothing like it yet: never nothing."""
    return "\n\n".join(
        [greeting(view, language), phrases.HOLDING[language], closing(language, agent_name)]
    )


def adapt(
    source: Source, view: dict[str, Any], thread: list[str], language: str, agent_name: str
) -> tuple[str, list[Flag]]:
    """``source`` as a reply in ``view`` (whose texts are ``thread``), with what to check."""
    if source.kind == "template":
        body = source.text.strip()
        first = body.splitlines()[0] if body else ""
        if not phrases.GREETING_LINE.match(first.strip()):
            body = f"{greeting(view, language)}\n\n{body}"
        return body, []
    lines = _without_signature(source.text.strip().splitlines())
    while lines and not lines[0].strip():
        lines.pop(0)
    if lines:
        lines[0] = _after_greeting(lines[0].strip())
    body = "\n".join(lines).strip()
    if not body:  # all greeting and signature: nothing of its own to adapt
        body = source.text.strip()
    body = _swap_names(body, source.customer_name, str(view.get("customer_name") or ""))
    body = _swap_references(body, "\n".join(thread))
    body = "\n\n".join([greeting(view, language), body, closing(language, agent_name)])
    found = guardrails.entities(body)
    known = guardrails.entities("\n".join(thread))
    specific = [e for kind in ("email", "url", "number") for e in sorted(found[kind] - known[kind])]
    return body, [Flag(FROM_SOURCE, tuple(specific))] if specific else []


def _after_greeting(line: str) -> str:
    """The line without the greeting it opens with: all of it when it is only a greeting
    ("Hi Maria,"), the rest when it goes on ("Hi Maria, I see your email." -> "I see ...")."""
    head = phrases.GREETING_HEAD.match(line)
    if head is not None and line[head.end() :].strip():
        rest = line[head.end() :]
        return rest[:1].upper() + rest[1:]
    return "" if phrases.GREETING_LINE.match(line) else line


def _without_signature(lines: list[str]) -> list[str]:
    """Up to the closing line ("Best regards,"), or without a short last block of names."""
    for i in range(len(lines) - 1, max(-1, len(lines) - 8), -1):
        if phrases.CLOSING_LINE.match(lines[i].strip()):
            return lines[:i]
    blocks = "\n".join(lines).rstrip().rsplit("\n\n", 1)
    if len(blocks) == 2:
        last = [x for x in blocks[1].splitlines() if x.strip()]
        short = all(
            len(x.split()) <= SIGNATURE_WORDS and not x.rstrip().endswith((".", "?", "!", ":"))
            for x in last
        )
        if 0 < len(last) <= SIGNATURE_LINES and short:
            return blocks[0].splitlines()
    return lines


def _swap_names(body: str, theirs: str, ours: str) -> str:
    """The other customer's full and first name, as this customer's."""
    if not theirs.strip() or not ours.strip():
        return body
    body = body.replace(theirs, ours)
    first_theirs, first_ours = theirs.split()[0], ours.split()[0]
    return re.sub(rf"\b{re.escape(first_theirs)}\b", first_ours, body)


def _shape(token: str) -> tuple[str, int]:
    letters = re.sub(r"\d", "", token)
    return letters, sum(c.isdigit() for c in token)


def _swap_references(body: str, thread: str) -> str:
    ours = set(_REFERENCE.findall(thread))

    def swap(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in ours:
            return token
        letters, digits = _shape(token)
        same = [
            o
            for o in ours
            if _shape(o) == (letters, digits) or (bool(letters) and _shape(o)[0] == letters)
        ]
        return same[0] if len(same) == 1 else token

    return _REFERENCE.sub(swap, body)
