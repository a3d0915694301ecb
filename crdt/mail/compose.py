"""The email a queued reply becomes: the exact message the gateway hands to SMTP.

Pure: the gateway gives the reply (``replies.outbound``), the conversation's view
(``view.py``), the mailbox it goes from and the time, and gets an ``EmailMessage``
back; nothing here reads a clock, a file or the network. So a queued reply makes the
same mail however often it is tried: above all the same Message-ID, which is how a
gateway that stopped between sending and recording finds the mail in Sent.

Everything but the agent's own text came from mail: names, subjects, addresses and
Message-IDs are untrusted. Each reaches a header as one line (``one_line``), through
the ``email`` package's own header classes, or not at all, so a line break in a
subject or a name can never start a header of its own.

Two headers are left out on purpose:

- ``Auto-Submitted``: a reply is a person's answer, and a customer's auto-responder
  must still tell them it is away (RFC 3834).
- ``X-Inbox-Conversation``: replies thread by ``In-Reply-To`` and ``References``
  already, and a copy that comes back from Sent carries its reply's id in its
  Message-ID; an id of our own in every customer's mail would tell nothing more.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import SMTP, Policy
from email.utils import format_datetime
from typing import Any, NamedTuple, get_args

from crdt.mail.kinds import MailKind
from crdt.mail.mime import parse_params
from crdt.mail.subjects import reply_subject
from crdt.model.clock import parse_iso
from crdt.model.printable import BIDI, CONTROLS, one_line

MAX_REFERENCES = 20  # as common clients keep them: the thread's first id and the newest
MAX_ID = 250  # characters: a longer "Message-ID" is junk no header should carry
MAX_FILENAME = 200  # characters; file systems take 255 bytes a name

# Every kind the import gives but a person's message: a machine or a list wrote them.
NEVER_ANSWERED = frozenset(get_args(MailKind)) - {"message"}

_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})+")
_ID = re.compile(r"[!-;=?-~]+")  # printable ASCII but the angle brackets
_TOKEN = re.compile(r"[A-Za-z0-9!#$&^_.+-]+")  # a media type's names (RFC 6838)
_NOT_IN_FILENAME = re.compile(f"[{CONTROLS}{BIDI}\t\n]+")


class AttachedFile(NamedTuple):
    """A file to send with a reply: its bytes, and the name and type to give them."""

    filename: str
    content_type: str
    data: bytes


class _MessageIds(UnstructuredHeader, BaseHeader):
    """``In-Reply-To`` and ``References``: folded between ids, never inside one.

    The ``email`` package reads them as free text, and free text folds a word too long
    for a line into encoded words: an Outlook Message-ID (80 characters) came out as
    ``=?utf-8?q?=3CDB9PR08MB...?=``, which no client reads as an id, so the answer
    would not thread. This fold runs whichever policy the message is written with.
    """

    max_count = 1  # a second of either is refused, never written

    @classmethod
    def parse(cls, value: str, kwds: dict[str, Any]) -> None:
        super().parse(value, kwds)
        kwds["decoded"] = value  # the ids as given: "=?" inside one is no encoded word

    def fold(self, *, policy: Policy) -> str:
        limit = policy.max_line_length or 998
        head = f"{self.name}:"
        lines = [head]
        for ident in str(self).split():
            if lines[-1] != head and len(lines[-1]) + 1 + len(ident) > limit:
                lines.append("")  # a continuation line: the id goes after its space
            lines[-1] += f" {ident}"
        return policy.linesep.join(lines) + policy.linesep


def _registry() -> HeaderRegistry:
    registry = HeaderRegistry()
    for name in ("in-reply-to", "references"):
        registry.map_to_type(name, _MessageIds)
    return registry


# CRLF, and 7-bit clean: the body is quoted-printable or base64 whenever it is not short
# ASCII lines, so any server takes it, with or without 8BITMIME, and IMAP can file it.
POLICY = SMTP.clone(cte_type="7bit", header_factory=_registry())


def outgoing(
    reply: Mapping[str, Any],
    conversation: Mapping[str, Any],
    mailbox: Mapping[str, Any],
    at: datetime,
    *,
    own: Collection[str] = (),
    quote: bool = False,
    attachments: Sequence[AttachedFile] = (),
) -> EmailMessage:
    """The mail of a queued reply, as it is to be sent at ``at`` (an aware time).

    ``mailbox``: the workspace item the reply goes from (``address``, ``name``,
    ``signature``); ``own``: every address of the workspace, kept out of Cc.
    ``quote`` adds the message answered under the reply, "> " before each line. The
    first message of a conversation an agent composed answers nothing: no In-Reply-To
    or References, its own subject and its own To and Cc.
    Raises ValueError when the reply is not to be emailed (``why_not_emailed``).
    """
    if reason := why_not_emailed(conversation, reply):
        raise ValueError(reason)
    address = str(mailbox.get("address") or "").lower()
    if address != str(reply["from"]).lower():
        raise ValueError(f"the reply goes from {reply['from']!r}, not {address!r}")
    parent = parent_of(reply, conversation)
    to = [str(a).lower() for a in reply["to"]]
    msg = EmailMessage(policy=POLICY)
    msg["From"] = _address(mailbox.get("name"), address)
    msg["To"] = [_address(_name_of(a, conversation), a) for a in to]
    copies = [*(reply.get("cc") or ()), *((parent or {}).get("cc") or ())]
    if cc := carbon_copies(copies, {address, *to, *(a.lower() for a in own)}):
        msg["Cc"] = [_address(None, a) for a in cc]
    subject = reply.get("subject") or reply_subject(str(conversation.get("subject") or ""))
    msg["Subject"] = one_line(str(subject))
    msg["Date"] = format_datetime(_utc(at))
    msg["Message-ID"] = f"<{message_id_for(str(reply['id']), address)}>"
    _thread(msg, reply, conversation)
    msg.set_content(body_text(reply, mailbox, parent if quote else None))
    _attach(msg, attachments)
    return msg


def message_id_for(reply_id: str, mailbox_address: str) -> str:
    """The Message-ID of the mail a reply becomes, without brackets as mail ids are
    stored: the reply's id at its mailbox's domain. Derived rather than made at send
    time, so the gateway knows what to look for in Sent before it sends again, and a
    copy that comes back is known for the reply it is."""
    domain = mailbox_address.rpartition("@")[2].lower()
    if not _DOT_ATOM.fullmatch(reply_id) or not _DOMAIN.fullmatch(domain):
        raise ValueError(f"no Message-ID from {reply_id!r} at {mailbox_address!r}")
    return f"{reply_id}@{domain}"


def why_not_emailed(
    conversation: Mapping[str, Any], reply: Mapping[str, Any] | None = None
) -> str | None:
    """Why a reply in this conversation does not go out as email, or None when it does.
    Without ``reply``: whether one would (its recipient is the customer)."""
    if "chat" in (conversation.get("channel"), (reply or {}).get("channel")):
        via = str((reply or {}).get("delivery_via") or "")
        if not via or str((reply or {}).get("from") or "").lower() != via.lower():
            return "a chat conversation: its replies go by chat"
        mailbox = via  # handed to email by the relay: the visitor left (as_emailed)
    else:
        mailbox = str(conversation.get("mailbox") or "")
    if not usable_address(mailbox):
        return "the conversation has no mailbox to send from"
    if reply is not None and str(reply.get("from") or "").lower() != mailbox.lower():
        return f"the reply is from {reply.get('from')!r}, not the mailbox {mailbox!r}"
    customer = conversation.get("customer")
    to = reply.get("to") if reply is not None else [customer] if customer else []
    if not to:
        return "no one to send it to"
    for recipient in [*to, *((reply or {}).get("cc") or ())]:
        if not usable_address(str(recipient)):
            return f"no mail can reach {recipient!r}"
    return None


def as_emailed(reply: Mapping[str, Any], conversation: Mapping[str, Any]) -> Mapping[str, Any]:
    """A chat reply the relay handed to email (its visitor left before reading it) as the
    email it becomes: from the mailbox the relay chose (``delivery_via``), to the
    address the visitor gave. Any other reply as it is."""
    via = reply.get("delivery_via")
    if reply.get("channel") != "chat" or not via:
        return reply
    customer = conversation.get("customer")
    return {**reply, "from": str(via).lower(), "to": [customer] if customer else [], "cc": None}


def emailable(conversation: Mapping[str, Any], reply: Mapping[str, Any] | None = None) -> bool:
    """Whether the reply goes out as email (``why_not_emailed`` says why not)."""
    return why_not_emailed(conversation, reply) is None


def never_answer(message: Mapping[str, Any]) -> bool:
    """Whether nothing automatic may answer this message: not an auto-reply, a bounce,
    spam or a list's mail (the kinds the import gave it; answering a machine starts a
    mail loop), not our own mail, and not a sender without an address."""
    return (
        message.get("kind") in NEVER_ANSWERED
        or message.get("direction") != "in"
        or not usable_address(str(message.get("from") or ""))
    )


def usable_address(address: str) -> bool:
    """An address a mail can be sent to as it stands: a plain ASCII local part and a
    domain name with a dot, not reserved as ``.invalid``. Quoted local parts, address
    literals and international addresses (SMTPUTF8) are refused, not sent half-right."""
    local, at, domain = address.rpartition("@")
    return bool(
        at
        and _DOT_ATOM.fullmatch(local)
        and _DOMAIN.fullmatch(domain)
        and not domain.lower().endswith(".invalid")
    )


# -- threading ------------------------------------------------------------------------------


def parent_of(
    reply: Mapping[str, Any], conversation: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    """The message the reply answers (its first In-Reply-To), if the conversation has it."""
    parent = _first(reply.get("in_reply_to"))
    return _by_message_id(conversation).get(parent) if parent else None


def references(reply: Mapping[str, Any], conversation: Mapping[str, Any]) -> list[str]:
    """The References of a reply, oldest first and ending with its parent: In-Reply-To
    walked back through the conversation (a message's own ``references``, where known,
    end the walk). Each id once; past ``MAX_REFERENCES`` the first and the newest, as
    common clients cut them. Ids that name no real mail are left out."""
    by_id = _by_message_id(conversation)
    chain: list[str] = []
    current = _first(reply.get("in_reply_to"))
    while current and current not in chain:
        chain.append(current)
        message = by_id.get(current)
        if message is None:
            break
        if known := message.get("references"):
            chain.extend(str(i) for i in reversed(known))
            break
        current = _first(message.get("in_reply_to"))
    ids = [i for i in dict.fromkeys(reversed(chain)) if real_message_id(i)]
    return ids if len(ids) <= MAX_REFERENCES else [ids[0], *ids[1 - MAX_REFERENCES :]]


def real_message_id(ident: str) -> bool:
    """An id another client may have: one token of printable ASCII, not at a
    ``.invalid`` domain (the ids made up for mail that had none, parse.py)."""
    return (
        len(ident) <= MAX_ID
        and bool(_ID.fullmatch(ident))
        and not ident.lower().endswith(".invalid")
    )


def _thread(msg: EmailMessage, reply: Mapping[str, Any], conversation: Mapping[str, Any]) -> None:
    parent = _first(reply.get("in_reply_to"))
    if parent and real_message_id(parent):
        msg["In-Reply-To"] = f"<{parent}>"
    if chain := references(reply, conversation):
        msg["References"] = " ".join(f"<{i}>" for i in chain)


def _by_message_id(conversation: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The conversation's messages by Message-ID; a reply without one (not imported from
    Sent) under the id its mail has (``message_id_for``), so a chain runs through it."""
    found: dict[str, Mapping[str, Any]] = {}
    for message in conversation.get("messages") or ():
        ident = message.get("message_id") or _reply_message_id(message)
        if ident:
            found.setdefault(str(ident), message)
    return found


def _reply_message_id(message: Mapping[str, Any]) -> str | None:
    if message.get("direction") != "out" or message.get("channel", "email") != "email":
        return None
    try:
        return message_id_for(str(message.get("id") or ""), str(message.get("from") or ""))
    except ValueError:
        return None


def _first(ids: Any) -> str | None:
    return str(ids[0]) if isinstance(ids, list | tuple) and ids else None


# -- addresses ------------------------------------------------------------------------------


def carbon_copies(copies: Sequence[str], leave_out: Collection[str]) -> list[str]:
    """Who the reply copies: those its agent gave (``compose --cc``), then the Cc of the
    message answered, but for ``leave_out`` (the workspace's addresses, the recipients)
    and what no mail can reach; each once."""
    cc = (str(a).lower() for a in copies)
    return [a for a in dict.fromkeys(cc) if a not in leave_out and usable_address(a)]


def _address(name: Any, address: str) -> Address:
    """A header's mailbox; the name on one line, quoted or encoded by the email package."""
    return Address(display_name=one_line(str(name or "")), addr_spec=address)


def _name_of(address: str, conversation: Mapping[str, Any]) -> str | None:
    customer = str(conversation.get("customer") or "").lower()
    return conversation.get("customer_name") if address == customer else None


def _utc(at: datetime) -> datetime:
    if at.utcoffset() is None:
        raise ValueError("the time a mail is sent needs its zone")
    return at.astimezone(UTC)


# -- body and files -------------------------------------------------------------------------


def body_text(
    reply: Mapping[str, Any], mailbox: Mapping[str, Any], parent: Mapping[str, Any] | None
) -> str:
    """The text of the mail: the reply as written, the mailbox's signature after a
    "-- " line, then the message answered, quoted, when ``parent`` is given."""
    parts = [_lines(str(reply.get("body") or "")).rstrip("\n")]
    if signature := _lines(str(mailbox.get("signature") or "")).strip("\n"):
        first, _, rest = signature.partition("\n")
        parts.append("-- \n" + (rest if first.rstrip() == "--" else signature))
    if parent is not None and (history := quoted(parent)):
        parts.append(history)
    return "\n\n".join(p for p in parts if p) + "\n"


def quoted(message: Mapping[str, Any]) -> str:
    """A message as a reply quotes it: "On <date>, <name> wrote:" and each line after
    "> " (an empty one ">", no trailing space); empty when it has no text."""
    text = _lines(str(message.get("body") or "")).strip("\n")
    if not text:
        return ""
    who = one_line(str(message.get("from_name") or message.get("from") or "")) or "someone"
    try:
        when = f"On {format_datetime(parse_iso(str(message['created_at'])))}, "
    except (KeyError, ValueError):
        when = ""
    lines = (f"> {line}" if line else ">" for line in text.split("\n"))
    return f"{when}{who} wrote:\n" + "\n".join(lines)


def safe_filename(name: str) -> str:
    """A file name that is only a name: no folders (either slash), no control or bidi
    characters (``invoice<U+202E>fdp.exe`` shows as ``invoiceexe.pdf``), no leading or
    trailing dots and spaces, at most ``MAX_FILENAME`` characters, its extension kept."""
    base = _NOT_IN_FILENAME.sub("", name.replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    if len(base) > MAX_FILENAME:
        stem, dot, ext = base.rpartition(".")
        ext = f".{ext}" if stem and dot and len(ext) < 16 else ""
        base = base[: MAX_FILENAME - len(ext)].rstrip(" .") + ext
    return base or "attachment"


def _attach(msg: EmailMessage, files: Sequence[AttachedFile]) -> None:
    """Each file as a part of a multipart/mixed (the email package writes a non-ASCII
    name the RFC 2231 way, ``filename*=utf-8''...``)."""
    for file in files:
        ctype, params = parse_params(file.content_type)
        maintype, _, subtype = ctype.partition("/")
        if maintype in ("multipart", "message") or not (
            _TOKEN.fullmatch(maintype) and _TOKEN.fullmatch(subtype)
        ):  # a container's bytes are no container: sent as plain bytes
            maintype, subtype = "application", "octet-stream"
        charset = params.get("charset", "")
        extra = {"charset": charset} if maintype == "text" and _TOKEN.fullmatch(charset) else {}
        msg.add_attachment(
            file.data,
            maintype=maintype,
            subtype=subtype,
            filename=safe_filename(file.filename),
            params=extra,
        )
    for part in msg.iter_attachments():
        del part["MIME-Version"]  # the email package gives each part one; only the top needs it


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")
