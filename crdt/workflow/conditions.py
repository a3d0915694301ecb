"""The condition language of rules: ``mailbox:billing@acme.example.com or category:billing``.

A condition is terms joined by ``and``, ``or``, ``not`` and parentheses (``not`` binds
tightest, then ``and``, then ``or``). A term is ``key:value``; a value with spaces is
quoted (``words:'refund please'``):

    mailbox:ADDR        the conversation's mailbox
    channel:email|chat
    tag:T               a tag on the conversation
    category:C priority:P sentiment:S   its labels (an agent's, else triage's)
    customer:GLOB       the customer's address, shell-style: *@bigco.example.com
    domain:D            the customer's domain, or one under it
    words:'...'         every word in the arriving message's subject or body
    hours:in|out        the message arrived within (or outside) business hours

Parsing gives a typed tree (``Term``, ``Not``, ``All``, ``Any``); ``text`` writes it back.
A bad condition is a ``UsageError`` naming the position (1-based) and what was expected.
Pure: evaluation takes the facts of a conversation as a value (``Facts``).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

from crdt.errors import UsageError
from crdt.model.vocab import CATEGORIES, CHANNELS, PRIORITIES, SENTIMENTS

KEYS = (
    "mailbox",
    "channel",
    "tag",
    "category",
    "priority",
    "sentiment",
    "customer",
    "domain",
    "words",
    "hours",
)
CHOICES: dict[str, tuple[str, ...]] = {
    "channel": CHANNELS,
    "category": CATEGORIES,
    "priority": PRIORITIES,
    "sentiment": SENTIMENTS,
    "hours": ("in", "out"),
}
OPERATORS = ("and", "or", "not")
MAX_LENGTH = 4000  # a condition longer than this is refused: it is stored in the workspace
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Term:
    key: str
    value: str
    at: int = field(default=0, compare=False)  # where it stood, 1-based, for messages


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    children: tuple[Node, ...]


Node = Term | Not | All | Any_


@dataclass(frozen=True)
class Facts:
    """What a condition can ask of a conversation as a message arrives."""

    mailbox: str | None = None
    channel: str = "email"
    tags: frozenset[str] = frozenset()
    category: str | None = None
    priority: str | None = None
    sentiment: str | None = None
    customer: str | None = None
    words: frozenset[str] = frozenset()  # lower-case words of the arriving message
    in_hours: bool = True


def words_of(text: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _WORD.findall(text))


# -- parsing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "op", "term"
    text: str
    at: int
    value: str = ""


def parse(text: str) -> Node:
    if len(text) > MAX_LENGTH:
        raise UsageError(f"a condition is at most {MAX_LENGTH} characters")
    tokens = _tokens(text)
    if not tokens:
        raise _error(text, 1, "an empty condition: e.g. 'mailbox:billing@acme.example.com'")
    parser = _Parser(text, tokens)
    node = parser.either()
    if parser.n < len(tokens):
        token = tokens[parser.n]
        raise _error(text, token.at, f"expected 'and', 'or' or the end, not {_shown(token)!r}")
    return node


def _error(text: str, at: int, what: str) -> UsageError:
    return UsageError(f"bad condition at position {at}: {what}\n  {text}\n  {' ' * (at - 1)}^")


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
        elif c in "()":
            out.append(_Token(c, c, i + 1))
            i += 1
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in "()'\"":
                i += 1
            word = text[start:i]
            if not word:
                raise _error(text, i + 1, f"a quote {c} only follows key: (words:'...')")
            if word.lower() in OPERATORS:
                out.append(_Token("op", word.lower(), start + 1))
                continue
            key, colon, value = word.partition(":")
            if not colon:
                raise _error(text, start + 1, f"{word!r} is not a term (key:value) or and/or/not")
            if not value and i < len(text) and text[i] in "'\"":
                quote = text[i]
                end = text.find(quote, i + 1)
                if end < 0:
                    raise _error(text, i + 1, f"the quote {quote} is not closed")
                value, i = text[i + 1 : end], end + 1
            _check_term(text, key.lower(), value, start + 1)
            out.append(_Token("term", key.lower(), start + 1, value))
    return out


def _check_term(text: str, key: str, value: str, at: int) -> None:
    if key not in KEYS:
        raise _error(text, at, f"unknown key {key!r}; known: {', '.join(KEYS)}")
    if not value.strip():
        raise _error(text, at, f"{key}: needs a value")
    if key in CHOICES and value.lower() not in CHOICES[key]:
        raise _error(text, at, f"{key} is one of {', '.join(CHOICES[key])}, not {value!r}")
    if key == "words" and not words_of(value):
        raise _error(text, at, "words: needs at least one word")


class _Parser:
    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text, self.tokens, self.n = text, tokens, 0

    def _peek(self) -> _Token | None:
        return self.tokens[self.n] if self.n < len(self.tokens) else None

    def _is(self, kind: str, text: str | None = None) -> bool:
        token = self._peek()
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def either(self) -> Node:
        nodes = [self.both()]
        while self._is("op", "or"):
            self.n += 1
            nodes.append(self.both())
        return nodes[0] if len(nodes) == 1 else Any_(tuple(nodes))

    def both(self) -> Node:
        nodes = [self.unary()]
        while self._is("op", "and"):
            self.n += 1
            nodes.append(self.unary())
        return nodes[0] if len(nodes) == 1 else All(tuple(nodes))

    def unary(self) -> Node:
        token = self._peek()
        if token is None:
            end = len(self.text) + 1
            raise _error(self.text, end, "the condition ends where a term was expected")
        self.n += 1
        if token.kind == "op" and token.text == "not":
            return Not(self.unary())
        if token.kind == "(":
            node = self.either()
            if not self._is(")"):
                at = self._peek().at if self._peek() else len(self.text) + 1  # type: ignore[union-attr]
                raise _error(self.text, at, f"expected ')' to close the '(' at {token.at}")
            self.n += 1
            return node
        if token.kind == "term":
            key, value = token.text, token.value
            return Term(key, value.lower() if key in CHOICES else value, token.at)
        raise _error(self.text, token.at, f"expected a term, 'not' or '(', not {_shown(token)!r}")


def _shown(token: _Token) -> str:
    return f"{token.text}:{token.value}" if token.kind == "term" else token.text


# -- writing back ----------------------------------------------------------------------------


def text(node: Node) -> str:
    """The condition in its one spelling: what ``parse`` reads back to the same tree."""
    if isinstance(node, Term):
        plain = node.value and not any(c.isspace() or c in "()'\"" for c in node.value)
        value = node.value if plain else ("'" + node.value + "'")
        return f"{node.key}:{value}"
    if isinstance(node, Not):
        inner = text(node.child)
        return f"not {inner}" if isinstance(node.child, Term | Not) else f"not ({inner})"
    joiner = " and " if isinstance(node, All) else " or "
    parts = []
    for child in node.children:
        part = text(child)
        wrap = isinstance(child, Any_) or (isinstance(node, All) and isinstance(child, All))
        wrap = wrap or (isinstance(node, Any_) and isinstance(child, Any_))
        parts.append(f"({part})" if wrap else part)
    return joiner.join(parts)


# -- evaluation ------------------------------------------------------------------------------


def holds(node: Node, facts: Facts) -> bool:
    if isinstance(node, Term):
        return term_holds(node, facts)
    if isinstance(node, Not):
        return not holds(node.child, facts)
    if isinstance(node, All):
        return all(holds(c, facts) for c in node.children)
    return any(holds(c, facts) for c in node.children)


def term_holds(term: Term, facts: Facts) -> bool:
    key, value = term.key, term.value
    if key == "tag":
        return value.lower() in facts.tags
    if key == "words":
        return words_of(value) <= facts.words
    if key == "hours":
        return facts.in_hours == (value == "in")
    if key == "customer":
        return bool(facts.customer) and fnmatch.fnmatchcase(str(facts.customer), value.lower())
    if key == "domain":
        domain = (facts.customer or "").rpartition("@")[2]
        want = value.lower().lstrip("@")
        return bool(domain) and (domain == want or domain.endswith("." + want))
    actual = fact(term, facts)
    return actual is not None and str(actual).lower() == value.lower()


def fact(term: Term, facts: Facts) -> object:
    """What the conversation says for this term's key, as `rule test` shows it."""
    if term.key == "tag":
        return sorted(facts.tags)
    if term.key == "words":
        return sorted(words_of(term.value) & facts.words)
    if term.key == "hours":
        return "in" if facts.in_hours else "out"
    if term.key == "domain":
        return (facts.customer or "").rpartition("@")[2] or None
    value: object = getattr(facts, term.key)
    return value


def terms(node: Node) -> list[Term]:
    """Every term, left to right."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return terms(node.child)
    return [t for c in node.children for t in terms(c)]
