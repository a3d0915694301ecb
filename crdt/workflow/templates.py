"""Saved replies with ``{{customer.name}}``-style variables, rendered over plain values.

The variables come from the conversation (its customer and subject), the agent who
sends, and the shared mailbox it goes from; a new conversation (`inbox compose`) is
given as the view it is about to be, so a template says the same in a reply and a
first message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from crdt.errors import UsageError

_VAR = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*(?:\|\s*([^}]*?)\s*)?\}\}")
# Anything in double braces that is not a well-formed variable: it would go out verbatim.
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise UsageError(f"invalid name {name!r}: letters, digits, '.', '_', '-'; at most 64")
    return name


def variables(text: str) -> list[str]:
    return [m.group(1) for m in _VAR.finditer(text)]


def known() -> list[str]:
    """Every variable a template can use, dotted (``customer.first_name``)."""
    return sorted(_leaves(context({}, {}, {})))


def _leaves(values: Mapping[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key, value in values.items():
        if isinstance(value, Mapping):
            out += _leaves(value, f"{prefix}{key}.")
        else:
            out.append(prefix + key)
    return out


def check(text: str) -> str:
    """``text`` when every variable in it can be filled; else a usage error naming what
    cannot and listing what can, so a template fails when saved, not when a reply needs it."""
    names = set(known())
    unknown = [v for v in variables(text) if v not in names]
    unknown += [f"{{{{{p}}}}}" for p in _PLACEHOLDER.findall(_VAR.sub("", text))]
    if unknown:
        raise UsageError(
            f"unknown template variable(s): {', '.join(sorted(set(unknown)))}; "
            f"known: {', '.join(sorted(names))}"
        )
    return text


def context(
    conversation: Mapping[str, Any], agent: Mapping[str, Any], mailbox: Mapping[str, Any]
) -> dict[str, Any]:
    """The variables a template can use, from a conversation view, the sending agent and
    the workspace's item of the mailbox it goes from (empty when it has none: a chat). A
    name falls back to the address, as a customer's and an agent's do."""
    name = conversation.get("customer_name") or ""
    address = mailbox.get("address") or conversation.get("mailbox") or ""
    return {
        "customer": {
            "name": name or conversation.get("customer") or "",
            "first_name": name.split()[0] if name.split() else "",
            "email": conversation.get("customer") or "",
        },
        "conversation": {
            "id": conversation.get("id", ""),
            "subject": conversation.get("subject", ""),
        },
        "agent": {
            "name": agent.get("name") or agent.get("email", ""),
            "first_name": (agent.get("name") or "").split(" ")[0],
            "email": agent.get("email", ""),
        },
        "mailbox": {"name": mailbox.get("name") or address, "address": address},
    }


def _lookup(values: Mapping[str, Any], dotted: str) -> Any:
    current: Any = values
    for part in dotted.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return None
        current = current[part]
    return current


def _is_value(found: Any) -> bool:
    """A variable names a value, not nothing and not a group such as ``customer``."""
    return found is not None and not isinstance(found, Mapping)


def render(text: str, values: Mapping[str, Any]) -> str:
    """Fill every variable; ``{{x | fallback}}`` is used when x is empty. Unknown names fail."""
    unknown = [v for v in variables(text) if not _is_value(_lookup(values, v))]
    unknown += [f"{{{{{p}}}}}" for p in _PLACEHOLDER.findall(_VAR.sub("", text))]
    if unknown:
        raise UsageError(f"unknown template variable(s): {', '.join(sorted(set(unknown)))}")

    def fill(m: re.Match[str]) -> str:
        value = _lookup(values, m.group(1))
        return str(value) if value not in ("", None) else (m.group(2) or "")

    return _VAR.sub(fill, text)
