"""Which conversation a mail belongs to: the threading decision, over plain values.

A support inbox threads by *request*, not by reply chain alone: two customers
answering one newsletter are two requests, and a colleague forwarding an old
thread brings a new one. So reply headers find the candidate, and who is
writing decides whether it is the same conversation.

The decision reads what is already stored through ``ThreadIndex`` (the store
implements it over SQLite; ``MemoryThreadIndex`` serves tests and small
imports) and is pure otherwise, so replaying the same mail in the same order
gives the same conversations on every replica.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal, Protocol

from crdt.mail.kinds import MailKind, strip_auto_prefix
from crdt.mail.parse import MailRecord
from crdt.mail.subjects import normalize_subject
from crdt.model.ids import derived_id
from crdt.model.vocab import NOTICES

Direction = Literal["in", "out"]
Action = Literal["new", "append", "duplicate", "notice", "spam"]

SUBJECT_WINDOW = timedelta(days=14)  # a same-subject mail older than this is a new request
_FORWARD = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)*(?:fwd?|fwrd|wg|tr|vb|enc|rv|pd|vl|doorst|转发|轉寄|転送|전달)\s*[:：]",
    re.IGNORECASE,
)


SENT_HERE = "sent-here"  # the content key of a reply written here (no mail's key is a word)


@dataclass(frozen=True, slots=True)
class Known:
    """What the threader needs to know about one stored mail."""

    conversation_id: str
    content_key: str
    direction: Direction
    from_email: str
    participants: frozenset[str]  # From, To and Cc
    kind: MailKind


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    conversation_id: str | None  # None: spam, or a notice with nothing to attach to
    customer_email: str | None
    direction: Direction
    reason: str
    # A conversation that a reply imported before this mail opened, to fold into this
    # one: the mail links the two (our reply to a customer, then their colleague's answer).
    absorb: str | None = None
    # A notice with nothing stored to attach to: the Message-IDs it answers, most
    # telling first (the returned mail, In-Reply-To, References newest first). It is
    # kept until one of them is imported, and joins that mail's conversation then.
    waits_for: tuple[str, ...] = ()
    to_broadcast: bool = False  # a notice answering a bulk mail: not kept


class ThreadIndex(Protocol):
    """Look-ups over stored mail, each one indexed query in the store."""

    def find_message(self, message_id: str) -> list[Known]:
        """Stored mail with this Message-ID, oldest first (several when a client reuses ids)."""
        ...

    def find_thread_index(self, root: str) -> str | None:
        """The conversation of the first stored mail whose Outlook Thread-Index has this root."""
        ...

    def find_replies(self, message_id: str) -> list[Known]:
        """Stored mail whose In-Reply-To is this Message-ID, oldest first (a reply that
        was imported before what it answers)."""
        ...

    def find_by_subject(
        self, normalized_subject: str, customer_email: str
    ) -> list[tuple[str, datetime]]:
        """Conversations of this customer with this subject, each with its last activity."""
        ...

    def conversation_customer(self, conversation_id: str) -> str | None:
        """The customer a conversation was opened for (its first message decides)."""
        ...

    def record(
        self,
        conversation_id: str,
        rec: MailRecord,
        direction: Direction,
        customer_email: str | None,
    ) -> None:
        """Remember a mail just stored in a conversation (appended, new, or a notice)."""
        ...


class MemoryThreadIndex:
    """``ThreadIndex`` in dictionaries, for tests and imports that fit in memory."""

    def __init__(self) -> None:
        self._messages: dict[str, list[Known]] = {}
        self._roots: dict[str, str] = {}
        self._replies: dict[str, list[Known]] = {}
        self._subjects: dict[tuple[str, str], dict[str, None]] = {}
        self._customers: dict[str, str | None] = {}
        self._last_at: dict[str, datetime] = {}

    def find_message(self, message_id: str) -> list[Known]:
        return list(self._messages.get(message_id, ()))

    def find_thread_index(self, root: str) -> str | None:
        return self._roots.get(root)

    def find_replies(self, message_id: str) -> list[Known]:
        return list(self._replies.get(message_id, ()))

    def find_by_subject(
        self, normalized_subject: str, customer_email: str
    ) -> list[tuple[str, datetime]]:
        found = self._subjects.get((normalized_subject, customer_email), {})
        return [(cid, self._last_at[cid]) for cid in found if cid in self._last_at]

    def conversation_customer(self, conversation_id: str) -> str | None:
        return self._customers.get(conversation_id)

    def record(
        self,
        conversation_id: str,
        rec: MailRecord,
        direction: Direction,
        customer_email: str | None,
    ) -> None:
        known = Known(
            conversation_id, rec.content_key, direction, rec.from_email, rec.participants, rec.kind
        )
        self._messages.setdefault(rec.message_id, []).append(known)
        for parent in rec.in_reply_to[:1]:
            self._replies.setdefault(parent, []).append(known)
        owner = self._customers.setdefault(conversation_id, customer_email)
        if rec.kind in NOTICES:  # an out-of-office is no activity and names no thread
            return
        if rec.thread_index:
            self._roots.setdefault(rec.thread_index, conversation_id)
        if rec.normalized_subject and owner:
            self._subjects.setdefault((rec.normalized_subject, owner), {})[conversation_id] = None
        last = self._last_at.get(conversation_id)
        if rec.date is not None and (last is None or rec.date > last):
            self._last_at[conversation_id] = rec.date


def direction_of(rec: MailRecord, our_addresses: frozenset[str]) -> Direction:
    """Sent by us when From is one of our shared mailboxes (lower-case addresses)."""
    return "out" if rec.from_email in our_addresses else "in"


def customer_of(rec: MailRecord, direction: Direction, our_addresses: frozenset[str]) -> str | None:
    """Whom the mail is with: the sender of inbound mail, the first outside recipient of ours."""
    if direction == "in":
        return rec.from_email or None
    for address in (*rec.to, *rec.cc):
        if address.email not in our_addresses:
            return address.email
    return None


def decide(rec: MailRecord, index: ThreadIndex, our_addresses: frozenset[str]) -> Decision:
    """Where ``rec`` goes. Evidence is taken strongest first: a stored copy, the kind,
    reply headers (checked against who is writing), Outlook's Thread-Index, and last
    the customer's recent subject; the first that applies decides."""
    direction = direction_of(rec, our_addresses)
    customer = customer_of(rec, direction, our_addresses)

    def made(action: Action, conversation_id: str | None, reason: str) -> Decision:
        return Decision(action, conversation_id, customer, direction, reason)

    for known in index.find_message(rec.message_id):
        if known.content_key == rec.content_key:
            return made("duplicate", known.conversation_id, "the same message is stored already")
        if known.content_key == SENT_HERE:
            return made("duplicate", known.conversation_id, "the copy of a reply sent from here")
    if rec.kind == "spam":
        return made("spam", None, f"spam ({rec.kind_reason})")
    if rec.kind in NOTICES:
        return _notice(rec, index, direction)
    reply = _stored_reply(rec, index, direction)

    def fresh(reason: str) -> Decision:
        """Not joined to what it replies to: a conversation of its own, or the one a
        stored reply opened (mail imported out of order: its answer came first)."""
        if reply is not None:
            return made("append", reply.conversation_id, reason)
        return made("new", derived_id("mail", rec.message_id, rec.content_key), reason)

    found = _parent(rec, index)
    if found is not None:
        parent, parent_id = found
        if parent.kind == "bulk" and parent.from_email != rec.from_email:
            return fresh(f"replies to the broadcast <{parent_id}>: a request of its own")
        if direction == "in" and not _may_join(rec, parent, index):
            return fresh(f"{rec.from_email} was not on <{parent_id}> it replies to")
        joined = made("append", parent.conversation_id, f"replies to <{parent_id}>")
        if reply is not None and reply.conversation_id != parent.conversation_id:
            return replace(joined, absorb=reply.conversation_id)
        return joined
    if reply is not None:
        return fresh("a stored reply answers it")
    if rec.thread_index and customer:
        cid = index.find_thread_index(rec.thread_index)
        if cid is not None and index.conversation_customer(cid) == customer:
            return made("append", cid, "same Outlook conversation (Thread-Index) and customer")
    cid = _by_subject(rec, index, customer)
    if cid is not None:
        return made("append", cid, "same customer and subject within 14 days")
    if rec.in_reply_to or rec.references:
        return fresh("replies to nothing stored")
    return fresh("a first message")


def _stored_reply(rec: MailRecord, index: ThreadIndex, direction: Direction) -> Known | None:
    """A stored reply to ``rec`` whose conversation ``rec`` belongs to: our answer to this
    sender, or this sender's own follow-up; never for a broadcast, whose replies are
    requests of their own."""
    if rec.kind == "bulk":
        return None
    for reply in index.find_replies(rec.message_id):
        if direction == "out" or rec.from_email in (reply.from_email, *reply.participants):
            return reply
    return None


def _parent(
    rec: MailRecord, index: ThreadIndex, first: tuple[str, ...] = ()
) -> tuple[Known, str] | None:
    """The stored mail this one answers: ``first``, In-Reply-To, then References newest
    first; of several copies under one id, the newest."""
    seen = {rec.message_id}
    for message_id in (*first, *rec.in_reply_to, *reversed(rec.references)):
        if message_id in seen:
            continue
        seen.add(message_id)
        known = index.find_message(message_id)
        if known:
            return known[-1], message_id
    return None


def _may_join(rec: MailRecord, parent: Known, index: ThreadIndex) -> bool:
    """A reply joins when its sender was part of what it answers: the customer, the
    parent's author, or someone the parent went to (a colleague we copied)."""
    sender = rec.from_email
    return (
        sender == parent.from_email
        or sender in parent.participants
        or sender == index.conversation_customer(parent.conversation_id)
    )


def _by_subject(rec: MailRecord, index: ThreadIndex, customer: str | None) -> str | None:
    """The customer's latest conversation under this subject, if recent; a forward
    is a new request even from the same person."""
    if not (rec.normalized_subject and customer and rec.date) or _FORWARD.match(rec.subject):
        return None
    return _latest(index.find_by_subject(rec.normalized_subject, customer), rec.date)


def _latest(candidates: list[tuple[str, datetime]], when: datetime) -> str | None:
    """The most recently active of the conversations active within the window of ``when``."""
    best: tuple[datetime, str] | None = None
    for cid, last_at in candidates:
        if abs(when - last_at) <= SUBJECT_WINDOW and (best is None or last_at > best[0]):
            best = (last_at, cid)
    return best[1] if best else None


def _notice(rec: MailRecord, index: ThreadIndex, direction: Direction) -> Decision:
    """An auto-reply or bounce: shown as an event on what it answers, never as a message.

    It attaches to the first stored of the mail it names (the returned one, In-Reply-To,
    References newest first). Nothing stored, or only a broadcast while a more telling
    id is not: it waits for those ids, so that the order mail is imported in does not
    decide where it goes. A notice whose most telling id is a broadcast is not kept."""
    what = rec.kind

    def notice(conversation_id: str | None, reason: str) -> Decision:
        customer = index.conversation_customer(conversation_id) if conversation_id else None
        return Decision("notice", conversation_id, customer, direction, reason)

    returned = (rec.bounced_message_id,) if rec.bounced_message_id else ()
    answers = [
        i
        for i in dict.fromkeys((*returned, *rec.in_reply_to, *reversed(rec.references)))
        if i != rec.message_id
    ]
    found = _parent(rec, index, returned)
    if found is not None:
        parent, parent_id = found
        if parent.kind != "bulk":
            return notice(parent.conversation_id, f"{what} to <{parent_id}>")
        earlier = tuple(answers[: answers.index(parent_id)])
        if not earlier:  # thousands of these follow a newsletter
            broadcast = notice(None, f"{what} to the broadcast <{parent_id}>: not kept")
            return replace(broadcast, to_broadcast=True)
        waits = notice(None, f"{what} to <{earlier[0]}>, not stored yet: kept until it comes")
        return replace(waits, waits_for=earlier)
    subject = normalize_subject(strip_auto_prefix(rec.subject))
    if rec.kind == "auto-reply" and subject and rec.from_email and rec.date:
        cid = _latest(index.find_by_subject(subject, rec.from_email), rec.date)
        if cid is not None:
            return notice(cid, f"{what} from the customer under the conversation's subject")
    waiting = notice(None, f"{what} with no stored mail to attach to: kept until it comes")
    return replace(waiting, waits_for=tuple(answers))
