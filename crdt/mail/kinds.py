"""What sort of mail a message is: a person writing, or a machine answering.

Auto-replies and bounces must never open or reopen a conversation and must
never be answered (mail loops), so they are told apart on the evidence a
careful human would use, strongest first: the headers RFC 3834 and RFC 3464
define, then vendor headers, then the wording of subject and opening lines.
"""

from __future__ import annotations

import re
from typing import Literal

from crdt.mail.mime import Headers

MailKind = Literal["message", "auto-reply", "bounce", "spam", "bulk"]

_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoreply-from", "x-mail-autoreply")
_NO = frozenset({"", "no", "false", "0"})
_BULK_PRECEDENCE = frozenset({"bulk", "list", "junk"})
_DAEMONS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})

# Phrases only machines put at the start of a subject; enough on their own.
_AUTO_PHRASES = (
    r"out of (?:the )?office|automatic reply|auto[- ]?reply|autoreply|auto[- ]?response|"
    r"automatische antwort|abwesenheitsnotiz|abwesenheit|autosvar|automatisk svar|"
    r"automaattinen vastaus|réponse automatique|respuesta automática|resposta automática|"
    r"risposta automatica|automatisch antwoord|odpowiedź automatyczna|fuori sede|"
    r"absence du bureau|fuera de la oficina|afwezig|frånvaro|"
    r"自动回复|自動回覆|自動返信|自動応答|자동 회신"
)
# As a prefix ("Out of Office: ..."), a bracket tag or the whole subject, never as the
# start of a sentence: "Out of office replies flood our queue" is a customer writing.
_AUTO_SUBJECT = re.compile(
    rf"^\s*(?:\[[^\]]*\]\s*)?(?:\[(?:{_AUTO_PHRASES})\]"
    rf"|(?:{_AUTO_PHRASES})(?:\s+auto[- ]?reply)?\s*(?:[:：]|$))",
    re.IGNORECASE,
)
_AUTO_PREFIX = re.compile(rf"^\s*(?:{_AUTO_PHRASES}|auto)[^:：]{{0,30}}[:：]\s*", re.IGNORECASE)
# Weaker subject evidence, trusted only from a sender that marks itself automatic.
_AUTO_SUBJECT_WEAK = re.compile(
    r"^\s*(?:auto|vacation|away|absent|abwesend|absence|urlaub|vacances|ferie)\b",
    re.IGNORECASE,
)
# A message saying of itself that it is an automatic answer: nobody writes that by hand.
_AUTO_BODY = re.compile(
    r"\b(?:this is an? (?:automatic|automated|auto-generated)(?:ally generated)? "
    r"(?:reply|response)|dies ist eine automatische antwort|ceci est une réponse automatique"
    r"|esta es una respuesta automática|questa è una risposta automatica"
    r"|dit is een automatisch (?:antwoord|gegenereerd antwoord)|detta är ett automatiskt svar)\b",
    re.IGNORECASE,
)
# Vacation wording: customers write this too, so only with an automatic sender.
_VACATION_BODY = re.compile(
    r"\b(?:i am|i'm|i will be|we are)\s+(?:currently\s+|now\s+)?"
    r"(?:out of (?:the )?office|away from (?:the|my) (?:office|desk)|on (?:annual |parental )?"
    r"(?:leave|vacation|holiday)|closed)"
    r"|\bich bin (?:bis|vom|ab|derzeit|zurzeit|momentan)\b[^.\n]{0,60}"
    r"(?:abwesend|nicht im büro|im urlaub)"
    r"|\bje suis (?:absente?|en congés?)\b|\bestoy fuera de la oficina\b"
    r"|\bsono fuori (?:ufficio|sede)\b|\bik ben (?:afwezig|niet aanwezig)\b",
    re.IGNORECASE,
)
_SHORT_BODY = 1200

_BOUNCE_SUBJECT = re.compile(
    r"^\s*(?:undeliver(?:able|ed)|delivery (?:status notification|failure|has failed)|"
    r"returned mail|mail delivery (?:failed|failure|subsystem)|failure notice|"
    r"non[- ]?delivery|nicht zustellbar|unzustellbar)",
    re.IGNORECASE,
)
_AUTH_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)
_STATUS = re.compile(r"^\s*status\s*:\s*([245]\.\d{1,3}\.\d{1,3})", re.IGNORECASE | re.MULTILINE)
_ENHANCED_CODE = re.compile(r"(?<![\d.])([45]\.\d{1,3}\.\d{1,3})(?![\d.])")
_DIAGNOSTIC = re.compile(
    r"^\s*diagnostic-code\s*:\s*(?:[a-z0-9-]+\s*;)?\s*(.+(?:\n[ \t]+.+)*)", re.I | re.M
)
MAX_REASON = 300  # characters of a bounce's diagnostic kept
_RETURNED_ID = re.compile(r"^\s*message-id\s*:\s*<?([^\s<>]+@[^\s<>]+)>?", re.I | re.M)


def classify(
    headers: Headers, *, subject: str, from_email: str, body: str, report_type: str
) -> tuple[MailKind, str]:
    """The kind of a message and, for anything but a message, the evidence."""
    if reason := _spam(headers):
        return "spam", reason
    if reason := _bounce(headers, subject, from_email, report_type):
        return "bounce", reason
    if reason := _auto_reply(headers, subject, body, report_type):
        return "auto-reply", reason
    precedence = headers.get("precedence").lower()
    if precedence in _BULK_PRECEDENCE:
        return "bulk", f"Precedence: {precedence}"
    if "list-unsubscribe" in headers:
        return "bulk", "List-Unsubscribe"
    return "message", ""


def _spam(headers: Headers) -> str:
    for name in ("x-spam-flag", "x-spam-status"):
        if headers.get(name).lower().startswith("yes"):
            return f"{name}: yes"
    results = headers.get_all("authentication-results")
    if not any("fail" in value.lower() for value in results):
        return ""  # no DMARC failure, so not all three fail: most mail stops here
    verdicts: dict[str, set[str]] = {}
    for value in results:
        for method, result in _AUTH_RESULT.findall(value):
            verdicts.setdefault(method.lower(), set()).add(result.lower())
    if not verdicts.get("spf"):
        for value in headers.get_all("received-spf"):
            verdicts.setdefault("spf", set()).add(value.split(None, 1)[0].lower() if value else "")
    spf = verdicts.get("spf", set())
    dkim = verdicts.get("dkim", set())
    dmarc = verdicts.get("dmarc", set())
    failing = (
        bool(spf) and spf <= {"fail", "softfail"},
        bool(dkim) and "pass" not in dkim,
        "fail" in dmarc,
    )
    return "spf, dkim and dmarc fail" if all(failing) else ""


def _bounce(headers: Headers, subject: str, from_email: str, report_type: str) -> str:
    if report_type == "delivery-status":
        return "delivery status report"
    local = from_email.partition("@")[0]
    if local in _DAEMONS:
        return f"sent by {local}"
    if headers.get("return-path").strip() == "<>" and _BOUNCE_SUBJECT.match(subject):
        return "null sender and a delivery failure subject"
    return ""


def _auto_reply(headers: Headers, subject: str, body: str, report_type: str) -> str:
    if report_type == "disposition-notification":
        return "read receipt"
    auto_submitted = headers.get("auto-submitted").lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    for name in _AUTO_HEADERS:
        if name in headers and headers.get(name).lower() not in _NO:
            return name
    if headers.get("precedence").lower() == "auto_reply":
        return "Precedence: auto_reply"
    if headers.get("x-autogenerated").lower() == "reply":
        return "X-Autogenerated: reply"
    if _AUTO_SUBJECT.match(subject):
        return "automatic reply subject"
    opening = body[:400].lower() if len(body) <= _SHORT_BODY else ""
    if "auto" in opening and _AUTO_BODY.search(opening):
        return "automatic reply wording"
    if "x-auto-response-suppress" in headers or headers.get("return-path") == "<>":
        if _AUTO_SUBJECT_WEAK.match(subject):
            return "automatic reply subject from an automatic sender"
        if _VACATION_BODY.search(opening):
            return "vacation wording from an automatic sender"
    return ""


def strip_auto_prefix(subject: str) -> str:
    """The subject an auto-reply answers: ``Out of Office: Re: X`` -> ``Re: X``."""
    return _AUTO_PREFIX.sub("", subject, count=1)


def delivery_status(report: str, body: str) -> str | None:
    """The RFC 3463 status of a bounce: from its report, else the first code in its text."""
    m = _STATUS.search(report) or _STATUS.search(body) or _ENHANCED_CODE.search(body)
    return m[1] if m else None


def delivery_diagnostic(report: str) -> str | None:
    """What the refusing server said, from a bounce's report (``Diagnostic-Code: smtp;
    550 5.1.1 ...``) on one line, or None where it says nothing."""
    m = _DIAGNOSTIC.search(report)
    if m is None:
        return None
    said = " ".join(m[1].split())
    return said[: MAX_REASON - 3] + "..." if len(said) > MAX_REASON else said or None


def returned_message_id(text: str) -> str | None:
    """A Message-ID quoted in the text of a bounce that carries no returned headers."""
    m = _RETURNED_ID.search(text)
    return m[1] if m else None
