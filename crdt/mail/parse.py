"""One mail as plain values: what ``inbox import`` and the IMAP gateway store and thread.

``parse_mail`` never raises on the content of a message: mail in the wild breaks
every rule, and one odd message must not stop an import of thousands.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from crdt.mail.dates import sent_at
from crdt.mail.headers import Address as Address  # re-exported: MailRecord's fields use it
from crdt.mail.headers import (
    address_lists,
    delivered_to,
    header_text,
    message_ids,
    parse_addresses,
    received_at,
    sender,
    thread_root,
)
from crdt.mail.html_text import html_to_text
from crdt.mail.kinds import (
    MailKind,
    classify,
    delivery_diagnostic,
    delivery_status,
    returned_message_id,
)
from crdt.mail.mime import Part, parse_params, parse_part, split_head, unflow
from crdt.mail.subjects import normalize_subject

MAX_REFERENCES = 100  # the newest are the ones that thread; a runaway header is cut

_BODY_TYPES = ("text/plain", "text/html")
_SIGNATURES = (
    "application/pgp-signature",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
)
_MAIL_HEADERS = ("from", "sender", "message-id", "date")  # without any, an entry is not mail
Keep = Callable[[str, bytes], None]  # an attachment's SHA-256 and bytes
_RETURNED = ("message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers")


@dataclass(frozen=True, slots=True)
class Attachment:
    """What an agent needs to know about a file without opening it."""

    filename: str
    content_type: str
    size: int
    sha256: str
    inline: bool
    content_id: str | None


class MailRecord(NamedTuple):
    """One parsed mail: immutable, so importers can pass it between threads and caches.
    A named tuple rather than a dataclass: an import hands 2,000 a second from its parse
    workers to the process that threads them, and a tuple pickles in half the time."""

    message_id: str
    has_message_id: bool
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    normalized_subject: str
    from_name: str
    from_email: str
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    delivered_to: tuple[str, ...]
    date: datetime | None  # Date if plausible, else when received (dates.py); aware UTC
    body: str
    attachments: tuple[Attachment, ...]
    thread_index: str | None  # Outlook conversation root, base64
    thread_topic: str | None
    kind: MailKind
    kind_reason: str  # the evidence for any kind but "message"
    bounced_message_id: str | None
    bounce_status: str | None
    content_key: str
    raw_size: int
    warnings: tuple[str, ...] = ()  # what was not taken as written, and why
    bounce_reason: str | None = None  # what the refusing server said (Diagnostic-Code)

    @property
    def participants(self) -> frozenset[str]:
        """Everyone the message was between, as the threader compares senders to it."""
        emails = {a.email for a in (*self.to, *self.cc)}
        if self.from_email:
            emails.add(self.from_email)
        return frozenset(emails)


def parse_mail(
    raw: bytes,
    now: datetime | None = None,
    delivered: datetime | None = None,
    keep: Keep | None = None,
) -> MailRecord:
    """Everything the inbox keeps of one message, from its bytes (CRLF or LF, with or
    without an mbox ``From`` line). ``delivered``: the date of its mbox ``From`` line,
    when the mail was received if it has no Received stamp; ``now``: the import's time,
    the reference when it has neither (see dates.py). ``keep`` is given each
    attachment's bytes as they are decoded (a blob store), so they need not be held."""
    root = parse_part(raw)
    headers = root.headers
    content = _Content(keep)
    content.walk(root)
    body = content.body()
    subject = header_text(headers.get("subject"))
    from_name, from_email, from_token = sender(headers.get("from") or headers.get("sender"))
    ids = message_ids(headers.get("message-id"))
    kind, kind_reason = classify(
        headers, subject=subject, from_email=from_token, body=body, report_type=content.report
    )
    received = received_at(headers)
    if received is None and any(h in headers for h in _MAIL_HEADERS):  # junk gets no date
        received = delivered
    dated = sent_at(headers.get("date"), received, now)
    key = content_key(  # with the From as written: keys of mail stored before stay
        ids[0] if ids else "", headers.get("date"), from_token, subject, body, content.attachments
    )
    bounced = status = reason = None
    if kind == "bounce":
        bounced = content.returned[0] if content.returned else returned_message_id(body)
        status = delivery_status("\n".join(content.status), body)
        reason = delivery_diagnostic("\n".join(content.status))
    return MailRecord(
        message_id=ids[0] if ids else synthetic_message_id(key),
        has_message_id=bool(ids),
        in_reply_to=tuple(message_ids(headers.get("in-reply-to"))),
        references=tuple(message_ids(headers.get("references"))[-MAX_REFERENCES:]),
        subject=subject,
        normalized_subject=normalize_subject(subject),
        from_name=from_name,
        from_email=from_email,
        reply_to=parse_addresses(headers.get("reply-to")),
        to=address_lists(headers, "to"),
        cc=address_lists(headers, "cc"),
        delivered_to=delivered_to(headers),
        date=dated.at,
        body=body,
        attachments=tuple(content.attachments),
        thread_index=thread_root(headers.get("thread-index")),
        thread_topic=header_text(headers.get("thread-topic")) or None,
        kind=kind,
        kind_reason=kind_reason,
        bounced_message_id=bounced,
        bounce_status=status,
        content_key=key,
        raw_size=len(raw),
        warnings=tuple(w for w in (root.cut, dated.note) if w),
        bounce_reason=reason,
    )


def synthetic_message_id(key: str) -> str:
    """A stable id for a message that has none, so re-imports agree on it."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()[:32] + "@inbox.invalid"


def content_key(
    message_id: str,
    date_header: str,
    from_email: str,
    subject: str,
    body: str,
    attachments: list[Attachment],
) -> str:
    """What makes two copies one message: not the envelope (Received, Delivered-To),
    which differs per delivery, but everything the sender wrote."""
    pieces = (message_id, " ".join(date_header.split()), from_email, subject, body)
    h = hashlib.sha256("\x1f".join(pieces).encode("utf-8", "surrogatepass"))
    for attachment in attachments:
        h.update(attachment.sha256.encode("ascii"))
    return h.hexdigest()


# -- body and attachments -----------------------------------------------------

_LINE_END = re.compile(rb"\r?\n|\r")


def _canonical(part: Part) -> bytes:
    """A file's bytes as the sender's client made them. Where the transfer encoding
    carries lines rather than bytes (7bit, 8bit, quoted-printable), their ends are the
    transport's (CRLF over IMAP and SMTP, LF in an mbox on disk): MIME's canonical CRLF
    here, so the same mail read from a file or a server is the same file and one message."""
    data = part.decoded()
    if part.headers.get("content-transfer-encoding").strip().lower() in ("base64", "binary"):
        return data
    return _LINE_END.sub(b"\r\n", data)


class _Content:
    """Walks the MIME tree once, sorting leaves into body text, attachments and
    the machine-readable parts of a delivery report."""

    __slots__ = ("attachments", "html", "keep", "plain", "report", "returned", "status")

    def __init__(self, keep: Keep | None = None) -> None:
        self.keep = keep
        self.plain: list[str] = []
        self.html: list[str] = []
        self.attachments: list[Attachment] = []
        self.report = ""  # report-type of a multipart/report
        self.status: list[str] = []  # delivery-status texts
        self.returned: list[str] = []  # Message-IDs of returned or enclosed messages

    def body(self) -> str:
        text = "\n\n".join(t for t in (self.plain or self.html) if t)
        if " \n" in text or "\t\n" in text:  # a regex here backtracks on every space
            text = "\n".join(line.rstrip() for line in text.split("\n"))
        return text.rstrip().lstrip("\n")

    def walk(self, root: Part) -> None:
        """Every part in document order, each leaf marked wanted (for the body) or not;
        a stack rather than recursion, since parts nest as deep as a message likes."""
        stack = [(root, True)]
        while stack:
            part, wanted = stack.pop()
            if not part.ctype.startswith("multipart/"):
                self._leaf(part, wanted)
                continue
            kids = part.children  # none: only a close delimiter, or not read (too deep)
            stack.extend(reversed(self._marked(part, kids, wanted)))

    def _marked(self, part: Part, kids: list[Part], wanted: bool) -> list[tuple[Part, bool]]:
        """A multipart's children to walk, each with whether its text is the body."""
        sub = part.ctype[10:]
        if not kids:
            return []
        if sub == "alternative":
            best = max(range(len(kids)), key=lambda i: (_body_rank(kids[i]), i))
            return [(kid, wanted and i == best) for i, kid in enumerate(kids)]
        if sub == "related":
            root = _related_root(part)
            return [(kid, wanted and kid is root) for kid in kids]
        if sub == "report":
            self.report = self.report or part.params.get("report-type", "").lower()
            marked = []
            for i, kid in enumerate(kids):
                if kid.ctype in _RETURNED:
                    self._returned(kid)
                else:
                    marked.append((kid, wanted and i == 0))
            return marked
        # a signature part is proof, not content
        return [(k, wanted) for k in kids if not (sub == "signed" and k.ctype in _SIGNATURES)]

    def _leaf(self, part: Part, wanted: bool) -> None:
        disposition, dparams = parse_params(part.headers.get("content-disposition"))
        filename = dparams.get("filename") or part.params.get("name") or ""
        if part.ctype in _BODY_TYPES and disposition != "attachment" and not filename:
            if wanted:
                (self.plain if part.ctype == "text/plain" else self.html).append(_text_of(part))
            return
        if part.ctype == "message/delivery-status":
            self.status.append(part.text())
            return
        if part.children:  # an enclosed message: its id may be what a bounce returns
            self._returned(part)
        data = _canonical(part)
        cid = part.headers.get("content-id").strip().strip("<>") or None
        sha256 = hashlib.sha256(data).hexdigest()
        if self.keep is not None:
            self.keep(sha256, data)
        attachment = Attachment(
            filename=_safe_filename(filename),
            content_type=part.ctype,
            size=len(data),
            sha256=sha256,
            inline=disposition == "inline" or (not disposition and cid is not None),
            content_id=cid,
        )
        self.attachments.append(attachment)

    def _returned(self, part: Part) -> None:
        if part.ctype.endswith("-headers"):
            headers = split_head(part.decoded())[0]
        elif part.children:
            headers = part.children[0].headers
        else:
            return
        self.returned.extend(message_ids(headers.get("message-id"))[:1])


def _body_rank(part: Part) -> int:
    """Which alternative to read: plain text is what was written, HTML a rendering
    (the best text anywhere below a multipart; looked for without recursion)."""
    best, stack = 0, [part]
    while stack and best < 2:
        part = stack.pop()
        if part.children and part.ctype.startswith("multipart/"):
            stack.extend(part.children)
        elif part.ctype in _BODY_TYPES and "attachment" not in part.headers.get(
            "content-disposition"
        ):
            best = max(best, 2 if part.ctype == "text/plain" else 1)
    return best


def _related_root(part: Part) -> Part:
    start = part.params.get("start", "").strip().strip("<>")
    if start:
        for kid in part.children:
            if kid.headers.get("content-id").strip().strip("<>") == start:
                return kid
    return part.children[0]


def _text_of(part: Part) -> str:
    text = part.text()
    if part.ctype == "text/html":
        return html_to_text(text)
    if part.params.get("format", "").lower() == "flowed":
        return unflow(text, delsp=part.params.get("delsp", "").lower() == "yes")
    return text


def _safe_filename(name: str) -> str:
    """A file name that is only a name: no folders, no control characters."""
    name = header_text(name)
    return name.replace("\\", "/").rsplit("/", 1)[-1].strip()
