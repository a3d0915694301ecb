"""`inbox summarize`: a few lines on a thread of any length, taken from it, not written.

Who asked what: the customer's questions (sentences ending in "?", and requests: "could
you", "please", "können Sie", "pourriez-vous", "¿podrían"). What was promised: agents'
sentences that commit to something or say what was done ("I will", "we'll refund", "by
Friday", "I have lifted", "ich werde", "wir melden uns", "je vais", "nous allons",
"d'ici vendredi", "vamos a", "le enviaré", "antes del viernes"). What is open: the
customer wrote last and no agent answered, and the questions no agent message followed
(a last "thanks, it works" waits for nothing). Each sentence is the thread's own
(quotes and signatures left out), so a summary cannot invent; the guardrails check it
all the same. No model is used: the shipped one's summaries loop and invent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from models.assist import guardrails, text
from models.assist.guardrails import Flag

MAX_ASKED, MAX_PROMISED, MAX_OPEN = 3, 3, 2
MAX_CHARS = 160  # a line, at most

_REQUEST = re.compile(
    r"^(?:could you|can you|would you|please|pls|kindly|i need|we need|i'd like|we'd like|"
    r"könnten sie|können sie|kannst du|bitte|wir brauchen|ich brauche|"
    r"pourriez-vous|pouvez-vous|merci de|je voudrais|nous voudrions|"
    r"¿?podrían|¿?pueden|¿?podría|por favor|necesitamos|necesito)\b",
    re.IGNORECASE,
)
_PROMISE = re.compile(
    r"\b(?:i will|i'll|we will|we'll|i am going to|i'm going to|we are going to|"
    r"(?:i|we)(?: have|'ve) (?:\w+ed|sent|set|made|given|put)\b|"
    r"by (?:monday|tuesday|wednesday|thursday|friday|tomorrow|the end of|end of|next week|tonight)|"
    r"within \d+|"
    r"ich werde|wir werden|ich melde mich|wir melden uns|ich kümmere mich|wir erstatten|"
    r"bis (?:montag|dienstag|mittwoch|donnerstag|freitag|morgen|ende)|"
    r"je vais|nous allons|je reviens vers vous|nous revenons vers vous|je vous (?:envoie|tiens)|"
    r"d'ici (?:lundi|mardi|mercredi|jeudi|vendredi|demain|la fin)|nous (?:rembourserons|enverrons)|"
    r"voy a|vamos a|le (?:enviaré|escribiré|confirmaré)|les? (?:enviaremos|confirmaremos)|"
    r"reembolsaremos|antes del? (?:lunes|martes|miércoles|jueves|viernes|mañana|final))",
    re.IGNORECASE,
)

# A last word that needs no answer: thanks, it works now.
_THANKS = re.compile(
    r"\b(?:thanks|thank you|cheers|all sorted|works (?:now|again)|danke|funktioniert|"
    r"merci|fonctionne|gracias|funciona)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Item:
    message: str  # its id
    who: str
    at: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"message": self.message, "from": self.who, "at": self.at, "text": self.text}


@dataclass
class Summary:
    conversation: str
    messages: int
    asked: list[Item]
    promised: list[Item]
    open: list[Item]
    waiting: bool  # the customer wrote last
    flags: list[Flag] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"{self.messages} messages" + ("; the customer is waiting" if self.waiting else "")]
        out += [f"asked ({i.who}): {i.text}" for i in self.asked]
        out += [f"promised ({i.who}): {i.text}" for i in self.promised]
        out += [f"open: {i.text}" for i in self.open]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversation": self.conversation,
            "messages": self.messages,
            "asked": [i.as_dict() for i in self.asked],
            "promised": [i.as_dict() for i in self.promised],
            "open": [i.as_dict() for i in self.open],
            "waiting": self.waiting,
            "lines": self.lines(),
            "flags": [f.as_dict() for f in self.flags],
            "method": "extractive",
        }


def _short(sentence: str) -> str:
    one = " ".join(sentence.split())
    return one if len(one) <= MAX_CHARS else one[: MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _asks(sentence: str) -> bool:
    return sentence.rstrip().endswith("?") or bool(_REQUEST.match(sentence.lstrip("¿ ")))


def _item(message: dict[str, Any], sentence: str) -> Item:
    who, at = str(message.get("from") or ""), str(message.get("created_at") or "")
    return Item(str(message["id"]), who, at, _short(sentence))


def _latest(items: list[Item], n: int) -> list[Item]:
    """The last ``n`` distinct texts (a question asked twice is one question)."""
    seen: dict[str, Item] = {}
    for i in items:
        seen.pop(i.text.lower(), None)
        seen[i.text.lower()] = i
    return list(seen.values())[-n:]


def summarize(view: dict[str, Any]) -> Summary:
    """What ``view`` asked, promised and left open; the first question and the latest of
    each kept."""
    messages = [m for m in view["messages"] if m.get("kind") is None]
    asked: list[tuple[int, Item]] = []
    promised: list[Item] = []
    last_out = -1
    for n, m in enumerate(messages):
        said = text.sentences(text.fresh(str(m.get("body") or "")))
        if m.get("direction") == "in":
            asked += [(n, _item(m, s)) for s in said if _asks(s)]
        else:
            last_out = n
            promised += [_item(m, s) for s in said if _PROMISE.search(s)]
    waiting = bool(messages) and messages[-1].get("direction") == "in"
    if waiting and not any(n == len(messages) - 1 for n, _ in asked):
        waiting = not _THANKS.search(text.fresh(str(messages[-1].get("body") or "")))
    unanswered = [i for n, i in asked if n > last_out]
    if waiting and not unanswered:
        first = text.sentences(text.fresh(str(messages[-1].get("body") or "")))[:1]
        unanswered = [_item(messages[-1], first[0])] if first else []
    questions = _latest([i for _, i in asked], len(asked))
    if len(questions) > MAX_ASKED:
        questions = questions[:1] + questions[-(MAX_ASKED - 1) :]
    summary = Summary(
        str(view["id"]),
        len(messages),
        questions,
        _latest(promised, MAX_PROMISED),
        _latest(unanswered, MAX_OPEN),
        waiting,
    )
    thread = [str(view.get("subject") or "")] + [str(m.get("body") or "") for m in messages]
    body = "\n".join(i.text for i in [*summary.asked, *summary.promised, *summary.open])
    summary.flags = guardrails.check(body, thread)
    return summary
