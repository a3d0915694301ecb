"""Rules' conditions: parsed into a tree, written back, judged against a conversation."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crdt.errors import UsageError
from crdt.workflow import conditions as c
from crdt.workflow.conditions import All, Any_, Facts, Not, Term

FACTS = Facts(
    mailbox="billing@acme.example.com",
    channel="email",
    tags=frozenset({"vip"}),
    category="billing",
    priority="high",
    sentiment="negative",
    customer="ann@eu.bigco.example.com",
    words=c.words_of("Re: refund please\nI was charged twice for my order"),
    in_hours=False,
)


def test_precedence_is_not_then_and_then_or() -> None:
    got = c.parse("tag:a or not tag:b and tag:c")
    assert got == Any_((Term("tag", "a"), All((Not(Term("tag", "b")), Term("tag", "c")))))


def test_parentheses_group() -> None:
    got = c.parse("(tag:a or tag:b) and channel:EMAIL")
    assert got == All((Any_((Term("tag", "a"), Term("tag", "b"))), Term("channel", "email")))


def test_quoted_values_keep_their_spaces() -> None:
    assert c.parse("words:'charged twice'") == Term("words", "charged twice")
    assert c.parse('words:"charged twice"') == Term("words", "charged twice")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("mailbox:billing@acme.example.com", True),
        ("mailbox:sales@acme.example.com", False),
        ("channel:chat", False),
        ("tag:VIP", True),
        ("category:billing and priority:high and sentiment:negative", True),
        ("customer:*@bigco.example.com", False),
        ("customer:*@*bigco.example.com", True),
        ("domain:bigco.example.com", True),
        ("domain:co.example.com", False),
        ("words:'charged twice'", True),
        ("words:'charged thrice'", False),
        ("hours:out", True),
        ("hours:in", False),
        ("not (tag:vip or channel:chat)", False),
        ("mailbox:billing@acme.example.com or category:billing", True),
    ],
)
def test_terms_hold_as_the_conversation_says(expr: str, expected: bool) -> None:
    assert c.holds(c.parse(expr), FACTS) is expected


def test_a_conversation_without_a_customer_matches_no_customer_or_domain() -> None:
    facts = Facts()
    assert not c.holds(c.parse("customer:*"), facts)
    assert not c.holds(c.parse("domain:example.com"), facts)


@pytest.mark.parametrize(
    ("expr", "position", "says"),
    [
        ("", 1, "empty"),
        ("tag:a and", 10, "ends where a term"),
        ("tag:a tag:b", 7, "expected 'and', 'or' or the end"),
        ("(tag:a or tag:b", 16, "expected ')'"),
        ("colour:red", 1, "unknown key 'colour'"),
        ("tag:a and priority:huge", 11, "priority is one of"),
        ("hours:lunch", 1, "hours is one of"),
        ("words:'unclosed", 7, "not closed"),
        ("refund", 1, "not a term"),
        ("tag:", 1, "needs a value"),
        ("tag:a and )", 11, "expected a term"),
        ("tag:x'y'", 6, "a quote"),
    ],
)
def test_bad_conditions_say_where(expr: str, position: int, says: str) -> None:
    with pytest.raises(UsageError, match=re.escape(says)) as raised:
        c.parse(expr)
    assert f"at position {position}:" in str(raised.value)
    assert raised.value.exit_code == 2


def test_rule_test_shows_each_terms_value() -> None:
    node = c.parse("customer:*@bigco.example.com or words:'twice refund' or tag:x")
    shown = [(t.key, c.fact(t, FACTS), c.term_holds(t, FACTS)) for t in c.terms(node)]
    assert shown == [
        ("customer", "ann@eu.bigco.example.com", False),
        ("words", ["refund", "twice"], True),
        ("tag", ["vip"], False),
    ]


# -- properties -----------------------------------------------------------------------------

values = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters="@.*-_ "),
    min_size=1,
    max_size=12,
).filter(lambda v: v.strip() != "" and bool(c.words_of(v)))


def terms_() -> st.SearchStrategy[Term]:
    free = st.builds(Term, st.sampled_from(["mailbox", "tag", "customer", "domain", "words"]),
                     values)  # fmt: skip
    chosen = st.sampled_from(sorted(c.CHOICES)).flatmap(
        lambda k: st.builds(Term, st.just(k), st.sampled_from(c.CHOICES[k]))
    )
    return st.one_of(free, chosen)


trees = st.recursive(
    terms_(),
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(All, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(Any_, st.lists(inner, min_size=2, max_size=3).map(tuple)),
    ),
    max_leaves=8,
)


def _flat(node: c.Node) -> c.Node:
    """A tree as parsing gives it: an and inside an and is one and (likewise or)."""
    if isinstance(node, Not):
        return Not(_flat(node.child))
    if isinstance(node, All | Any_):
        out: list[c.Node] = []
        for child in node.children:
            child = _flat(child)
            out.extend(child.children if type(child) is type(node) else [child])  # type: ignore[union-attr]
        return type(node)(tuple(out))
    return node


@given(trees)
def test_text_reads_back_to_the_same_judgement(node: c.Node) -> None:
    again = c.parse(c.text(node))
    assert c.text(again) == c.text(node)
    assert c.holds(again, FACTS) == c.holds(node, FACTS)
    assert c.holds(again, c.Facts()) == c.holds(node, c.Facts())


@given(st.text(max_size=40))
def test_any_text_parses_or_is_a_usage_error(text: str) -> None:
    try:
        c.parse(text)
    except UsageError as e:
        assert "position" in str(e)
