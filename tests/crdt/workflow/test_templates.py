"""Saved replies: variables filled from a conversation view, the sending agent and the
mailbox it goes from."""

from __future__ import annotations

from typing import Any

import pytest

from crdt.errors import UsageError
from crdt.workflow import templates

CONVERSATION: dict[str, Any] = {
    "id": "3f2a9c",
    "subject": "Refund for order 1042",
    "customer": "maria@example.org",
    "customer_name": "Maria Lopez",
}
AGENT = {"email": "dana@example.com", "name": "Dana Kim"}
MAILBOX = {"address": "support@acme.example.com", "name": "Acme Support"}


def values(conversation: dict[str, Any] | None = None) -> dict[str, Any]:
    return templates.context(conversation or CONVERSATION, AGENT, MAILBOX)


def test_render_fills_variables_from_the_conversation_and_agent() -> None:
    text = "Hi {{customer.first_name}}, about {{ conversation.subject }}. {{agent.first_name}}"
    assert templates.render(text, values()) == ("Hi Maria, about Refund for order 1042. Dana")


def test_context_offers_names_emails_and_ids() -> None:
    v = values()
    assert v["customer"] == {
        "name": "Maria Lopez",
        "first_name": "Maria",
        "email": "maria@example.org",
    }
    assert v["conversation"] == {"id": "3f2a9c", "subject": "Refund for order 1042"}
    assert v["agent"] == {"name": "Dana Kim", "first_name": "Dana", "email": "dana@example.com"}


def test_the_mailbox_gives_its_name_and_address() -> None:
    text = "{{agent.first_name}}, {{mailbox.name}} <{{mailbox.address}}>"
    assert templates.render(text, values()) == "Dana, Acme Support <support@acme.example.com>"


def test_a_mailbox_without_a_name_is_called_by_address() -> None:
    v = templates.context(CONVERSATION, AGENT, {"address": "billing@acme.example.com"})
    assert v["mailbox"] == {
        "name": "billing@acme.example.com",
        "address": "billing@acme.example.com",
    }
    assert templates.render("{{ mailbox.name | Acme }}", v) == "billing@acme.example.com"


def test_a_conversation_with_no_mailbox_item_leaves_the_fallback() -> None:
    chat = {**CONVERSATION, "channel": "chat", "mailbox": None}
    v = templates.context(chat, AGENT, {})
    assert templates.render("The {{mailbox.name | Acme}} team", v) == "The Acme team"


def test_customer_without_a_name_is_called_by_address_and_has_no_first_name() -> None:
    v = values({**CONVERSATION, "customer_name": None})
    assert v["customer"]["name"] == "maria@example.org"
    assert v["customer"]["first_name"] == ""


def test_agent_without_a_name_is_called_by_address() -> None:
    v = templates.context(CONVERSATION, {"email": "dana@example.com"}, MAILBOX)
    assert v["agent"]["name"] == "dana@example.com"
    assert v["agent"]["first_name"] == ""


def test_fallback_is_used_when_the_value_is_empty() -> None:
    v = values({**CONVERSATION, "customer_name": ""})
    assert templates.render("Hi {{customer.first_name | there}},", v) == "Hi there,"


def test_fallback_is_not_used_when_the_value_is_present() -> None:
    assert templates.render("Hi {{customer.first_name|there}},", values()) == "Hi Maria,"


def test_fallback_may_contain_spaces_and_be_empty() -> None:
    v = values({**CONVERSATION, "customer_name": ""})
    assert templates.render("Hi {{ customer.first_name | dear customer }}!", v) == (
        "Hi dear customer!"
    )
    assert templates.render("Hi{{customer.first_name|}}!", v) == "Hi!"


def test_text_without_variables_is_unchanged() -> None:
    assert templates.render("Thanks, we are on it.", values()) == "Thanks, we are on it."


def test_unknown_variable_raises_and_names_it() -> None:
    with pytest.raises(UsageError, match=r"customer\.phone"):
        templates.render("Call {{customer.phone}} or {{ order.id | x }}", values())


def test_variable_naming_a_group_rather_than_a_value_raises() -> None:
    with pytest.raises(UsageError, match="customer"):
        templates.render("Dear {{customer}}", values())


def test_misspelt_placeholder_raises_rather_than_going_out_verbatim() -> None:
    for text in ("Hi {{Customer.Name}}", "Hi {{customer.first-name}}", "Hi {{ }}"):
        with pytest.raises(UsageError):
            templates.render(text, values())


def test_variables_lists_names_in_order() -> None:
    text = "{{a.b}} {{ c | d }} {{a.b}}"
    assert templates.variables(text) == ["a.b", "c", "a.b"]


@pytest.mark.parametrize("name", ["thanks", "refund-v2", "A.b_c", "x" * 64])
def test_check_name_accepts_simple_names(name: str) -> None:
    assert templates.check_name(name) == name


@pytest.mark.parametrize("name", ["", "-lead", "two words", "x" * 65, "a/b", "é"])
def test_check_name_rejects_other_names(name: str) -> None:
    with pytest.raises(UsageError):
        templates.check_name(name)


def test_check_refuses_what_cannot_be_filled_and_lists_what_can() -> None:
    with pytest.raises(UsageError) as refused:
        templates.check("Hi {{customer.nope}}, {{ agent.name }} {{oops!}}")
    message = refused.value.message
    assert "customer.nope" in message and "{{oops!}}" in message
    assert "agent.name" not in message.split("known:")[0]
    assert "known: agent.email, agent.first_name, agent.name, conversation.id" in message


def test_check_knows_the_mailbox_variables_and_still_refuses_others() -> None:
    assert templates.check("{{mailbox.name}} {{mailbox.address}}")
    with pytest.raises(UsageError, match=r"mailbox\.signature"):
        templates.check("{{mailbox.signature}}")


def test_every_known_variable_renders() -> None:
    text = " ".join(f"{{{{{name}}}}}" for name in templates.known())
    assert templates.check(text) == text
    assert "{{" not in templates.render(text, values())
