"""A conversation an agent starts (`inbox compose`): its addresses checked, and the view
it is about to be, so that its first message is made, rendered and sent as a reply is.

Pure: the replica's mailboxes and the time come in, values go out. Everything is
checked before anything is stored or an editor opens, so a mistyped address costs
nothing written and no text lost.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, NamedTuple

from crdt.errors import UsageError
from crdt.mail.compose import usable_address
from crdt.mail.headers import Address, parse_addresses

MAX_SUBJECT = 500  # characters: more is no subject a person wrote
MAX_RECIPIENTS = 50  # To and Cc together: past this it is a mailing, not a conversation


class NewConversation(NamedTuple):
    """What `inbox compose` was asked for, checked: from ``mailbox`` to ``to`` (the first
    is the customer), copying ``cc``."""

    id: str
    mailbox: str
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    subject: str

    @property
    def customer(self) -> Address:
        return self.to[0]

    def view(self, customer_name: str | None, at: str) -> dict[str, Any]:
        """The conversation as a view (view.py) before its first message: what the
        message is made from (``replies.outbound``) and a template is rendered over."""
        return {
            "id": self.id,
            "subject": self.subject,
            "channel": "email",
            "mailbox": self.mailbox,
            "customer": self.customer.email,
            "customer_name": self.customer.name or customer_name or None,
            "created_at": at,
            "messages": [],
            "notes": [],
        }


def plan(
    ident: str,
    sender: str,
    to: Iterable[str],
    cc: Iterable[str],
    subject: str,
    mailboxes: Mapping[str, Any],
) -> NewConversation:
    """The checked request: ``sender`` one of the workspace's ``mailboxes``, every
    address one mail can go to and none of ours, a subject of one line."""
    address = sender.strip().lower()
    if address not in mailboxes:
        known = ", ".join(sorted(mailboxes)) or "none yet: `inbox mailbox add ADDR`"
        raise UsageError(f"--from {sender!r} is no mailbox of this workspace (known: {known})")
    recipients = addresses("--to", to, mailboxes)
    if not recipients:
        raise UsageError("give at least one --to ADDR")
    copies = addresses("--cc", cc, mailboxes)
    seen = {a.email for a in recipients}
    copies = tuple(a for a in copies if a.email not in seen)
    if len(recipients) + len(copies) > MAX_RECIPIENTS:
        raise UsageError(f"at most {MAX_RECIPIENTS} addresses in --to and --cc together")
    return NewConversation(ident, address, recipients, copies, check_subject(subject))


def addresses(flag: str, values: Iterable[str], ours: Collection[str]) -> tuple[Address, ...]:
    """Each value's addresses (``Name <a@b>``, or several split by commas), once each;
    one that mail cannot reach as written, or a shared address of the workspace, is a
    usage error naming it."""
    found: dict[str, Address] = {}
    for value in values:
        parsed = parse_addresses(value)
        if not parsed:
            raise UsageError(f"{flag} {value!r} is not an email address")
        for address in parsed:
            if not usable_address(address.email):
                raise UsageError(f"{flag} {address.email!r}: no mail can be sent to it")
            if address.email in ours:
                raise UsageError(f"{flag} {address.email}: a mailbox of this workspace")
            found.setdefault(address.email, address)
    return tuple(found.values())


def check_subject(subject: str) -> str:
    text = subject.strip()
    if not text:
        raise UsageError("empty --subject")
    if any(c in text for c in "\r\n\0"):
        raise UsageError("--subject is one line")
    if len(text) > MAX_SUBJECT:
        raise UsageError(f"--subject is longer than {MAX_SUBJECT} characters")
    return text
