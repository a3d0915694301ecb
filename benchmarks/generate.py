"""Write a synthetic support mailbox: N conversations of M messages, as one mbox file.

Two styles. ``full`` (the default) follows real support mail as a mail server keeps
it: a customer message of 300-2,500 characters, agent replies that quote the previous
message, 1-1.5 KB of headers (Received, DKIM, Authentication-Results). ``short`` is
the other end: short plain-text mails with only the headers a client writes (From,
To, Subject, Date, Message-ID, In-Reply-To and References, MIME-Version,
Content-Type), a few lines each, replies that may quote the message before. In both,
threads are spread over weeks and interleaved in time.

    python benchmarks/generate.py --conversations 100000 --messages 5 -o work/mail.mbox
    python benchmarks/generate.py --style short --conversations 100000 -o work/short.mbox
"""

from __future__ import annotations

import argparse
import heapq
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

WORDS = [
    "account",
    "invoice",
    "charge",
    "refund",
    "payment",
    "card",
    "plan",
    "upgrade",
    "login",
    "password",
    "reset",
    "team",
    "workspace",
    "export",
    "report",
    "calendar",
    "sync",
    "error",
    "page",
    "browser",
    "app",
    "mobile",
    "android",
    "iphone",
    "settings",
    "admin",
    "user",
    "access",
    "billing",
    "subscription",
    "renewal",
    "trial",
    "feature",
    "request",
    "bug",
    "crash",
    "slow",
    "loading",
    "dashboard",
    "email",
    "notification",
    "delivery",
    "attachment",
    "file",
    "upload",
    "download",
    "pdf",
    "csv",
    "import",
    "integration",
    "api",
    "token",
    "webhook",
    "order",
    "shipping",
    "address",
    "tax",
    "receipt",
    "discount",
    "coupon",
    "cancel",
    "downgrade",
    "seats",
    "license",
    "support",
    "ticket",
    "urgent",
    "please",
    "thanks",
    "hello",
    "could",
    "would",
    "should",
    "when",
    "after",
    "before",
    "since",
    "today",
    "yesterday",
    "tomorrow",
    "again",
    "still",
    "never",
    "always",
    "sometimes",
    "everyone",
    "colleague",
    "customer",
    "client",
    "manager",
    "office",
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "if",
    "is",
    "are",
    "was",
    "were",
    "it",
    "this",
    "that",
    "these",
    "those",
    "we",
    "you",
    "they",
    "our",
    "your",
    "with",
    "from",
    "for",
    "on",
    "in",
    "at",
    "to",
    "of",
    "by",
    "not",
    "no",
    "yes",
    "can",
    "cannot",
    "help",
    "need",
    "want",
    "see",
    "try",
    "work",
]
DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
FIRST = (
    "Maria",
    "John",
    "Aiko",
    "Liam",
    "Sofia",
    "Noah",
    "Emma",
    "Raj",
    "Chen",
    "Fatima",
    "Lucas",
    "Olga",
    "Ahmed",
    "Grace",
    "Mateo",
    "Ingrid",
    "Kwame",
    "Yuki",
    "Elena",
    "Omar",
)
LAST = (
    "Santos",
    "Smith",
    "Tanaka",
    "Murphy",
    "Rossi",
    "Keller",
    "Novak",
    "Patel",
    "Wong",
    "Haddad",
    "Silva",
    "Ivanova",
    "Mensah",
    "Kim",
    "Garcia",
    "Berg",
    "Osei",
    "Sato",
)
AGENTS = ("Dana Whitfield", "Ali Haddad", "Ben Okoro", "Ines Carvalho")
MAILBOXES = ("support@acme.example.com", "billing@acme.example.com", "info@acme.example.com")


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 18))
    return " ".join(words).capitalize() + rng.choice(".?.!.")


def paragraph(rng: random.Random, chars: int) -> str:
    out: list[str] = []
    while sum(len(s) + 1 for s in out) < chars:
        out.append(sentence(rng))
    return "\n".join(_wrap(" ".join(out)))


def _wrap(text: str, width: int = 72) -> Iterator[str]:
    line = ""
    for word in text.split():
        if len(line) + len(word) + 1 > width:
            yield line
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        yield line


def headers(
    rng: random.Random,
    sender: str,
    to: str,
    subject: str,
    when: datetime,
    mid: str,
    parents: list[str],
) -> str:
    relay = f"mx{rng.randint(1, 9)}.{rng.choice(DOMAINS)}"
    lines = [
        f"Return-Path: <{sender.split('<')[-1].rstrip('>')}>",
        f"Received: from {relay} ({relay} [192.0.2.{rng.randint(1, 254)}])\n"
        f"\tby mx.acme.example.com with ESMTPS id {rng.getrandbits(48):x}\n"
        f"\tfor <{to}>; {format_datetime(when)}",
        f"Received: by {relay} with SMTP id {rng.getrandbits(64):x};\n\t{format_datetime(when)}",
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=s1;\n\t"
        f"h=from:to:subject:date:message-id; bh={rng.getrandbits(256):064x};\n\t"
        f"b={rng.getrandbits(512):0128x}",
        "Authentication-Results: mx.acme.example.com; spf=pass; dkim=pass; dmarc=pass",
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <{mid}>",
    ]
    if to.endswith("@acme.example.com"):  # delivered to our mailbox; our own copies were sent
        lines.insert(1, f"Delivered-To: {to}")
    if parents:
        lines.append(f"In-Reply-To: <{parents[-1]}>")
        lines.append("References: " + " ".join(f"<{p}>" for p in parents[-8:]))
    lines += [
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    return "\n".join(lines)


def short_headers(
    sender: str, to: str, subject: str, when: datetime, mid: str, parents: list[str]
) -> str:
    """What a mail client writes, and nothing a server adds."""
    lines = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <{mid}>",
    ]
    if parents:
        lines.append(f"In-Reply-To: <{parents[-1]}>")
        lines.append("References: " + " ".join(f"<{p}>" for p in parents[-8:]))
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    return "\n".join(lines)


def short_body(
    rng: random.Random, greeting: str, text: str, sign: str, previous: tuple[str, str] | None
) -> str:
    """A few lines; a reply quotes the message before it most of the time."""
    body = f"{greeting}\n\n{text}\n\n{sign}\n"
    if previous and rng.random() < 0.85:
        who, before = previous
        quoted = "\n".join("> " + line for line in before.splitlines())
        body += f"\nOn an earlier day, {who} wrote:\n{quoted}\n"
    return body


def short_conversation(
    rng: random.Random, n: int, messages: int, start: datetime
) -> Iterator[tuple[datetime, str]]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    customer = f"{first.lower()}.{last.lower()}{n}@{rng.choice(DOMAINS)}"
    mailbox = rng.choice(MAILBOXES)
    subject = " ".join(rng.choices(WORDS, k=rng.randint(3, 8))).capitalize()
    when, parents, previous = start, [], None
    for i in range(messages):
        inbound = i % 2 == 0
        mid = f"{n:06d}.{i}.{rng.getrandbits(40):x}@" + (
            "acme.example.com" if not inbound else customer.split("@")[1]
        )
        text = paragraph(rng, rng.randint(90, 540))
        greeting = f"Hi {first}," if not inbound else "Hello,"
        sign = rng.choice(AGENTS) if not inbound else f"{first} {last}"
        body = short_body(rng, greeting, text, sign, previous)
        sender = f"{first} {last} <{customer}>" if inbound else f"{sign} <{mailbox}>"
        to = mailbox if inbound else customer
        subj = subject if i == 0 else "Re: " + subject
        yield when, short_headers(sender, to, subj, when, mid, parents) + "\n\n" + body
        parents.append(mid)
        previous = (sign, text)
        when = when + timedelta(minutes=rng.randint(5, 3 * 24 * 60))


def conversation(
    rng: random.Random, n: int, messages: int, start: datetime
) -> Iterator[tuple[datetime, str]]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    customer = f"{first.lower()}.{last.lower()}{n}@{rng.choice(DOMAINS)}"
    mailbox = rng.choice(MAILBOXES)
    subject = " ".join(rng.choices(WORDS, k=rng.randint(3, 8))).capitalize()
    when, parents, previous = start, [], ""
    for i in range(messages):
        inbound = i % 2 == 0
        mid = f"{n:06d}.{i}.{rng.getrandbits(40):x}@" + (
            "acme.example.com" if not inbound else customer.split("@")[1]
        )
        text = paragraph(rng, int(rng.lognormvariate(6.6, 0.6)))
        greeting = f"Hi {first}," if not inbound else "Hello,"
        sign = rng.choice(AGENTS) if not inbound else f"{first} {last}"
        quoted = "\n".join("> " + line for line in previous.splitlines()[:40])
        body = f"{greeting}\n\n{text}\n\n{sign}\n" + (
            f"\nOn earlier, wrote:\n{quoted}\n" if quoted else ""
        )
        sender = f"{first} {last} <{customer}>" if inbound else f"{sign} <{mailbox}>"
        to = mailbox if inbound else customer
        subj = subject if i == 0 else "Re: " + subject
        raw = headers(rng, sender, to, subj, when, mid, parents) + "\n\n" + body
        yield when, raw
        parents.append(mid)
        previous = text
        when = when + timedelta(minutes=rng.randint(5, 3 * 24 * 60))


STYLES = {"full": conversation, "short": short_conversation}


def generate(
    out: Path, conversations: int, messages: int, seed: int = 7, style: str = "full"
) -> int:
    rng = random.Random(seed)
    make = STYLES[style]
    origin = datetime(2025, 1, 1, tzinfo=UTC)
    span = 365 * 24 * 3600
    streams = (
        make(
            random.Random(rng.getrandbits(64)),
            n,
            messages,
            origin + timedelta(seconds=rng.randrange(span)),
        )
        for n in range(conversations)
    )
    written = 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as f:
        for when, raw in heapq.merge(*streams, key=lambda item: item[0]):
            f.write(f"From generator {when.strftime('%a %b %d %H:%M:%S %Y')}\n")
            f.write(raw.replace("\nFrom ", "\n>From ") + "\n")
            written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--style", choices=sorted(STYLES), default="full")
    parser.add_argument("-o", "--out", type=Path, required=True)
    args = parser.parse_args()
    n = generate(args.out, args.conversations, args.messages, args.seed, args.style)
    print(f"{n} messages in {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
