"""What a suggested reply is made from: the team's saved replies and its past answers,
best first.

A past answer is the first reply an agent wrote in another conversation; it is found by
the conversation it answered, since two customers asking the same thing write alike
while an answer and a question share fewer words. Candidates come from the vectors of
every conversation (vectors.py) and from the full-text index (exact words the vectors
blur: an error code, a product name), and are ranked by cosine to this conversation,
with a small bonus for a full-text hit. A template is compared as it is written: it is
the team's own answer, so it wins a near tie (``TEMPLATE_BONUS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crdt import actions
from crdt.replica import Replica
from models.assist import text
from models.assist.vectors import Table
from models.embed import Embedder
from models.triage.scoring import dot

NEAREST = 8  # conversations the vectors propose
FULL_TEXT = 8  # and the full-text index
SALIENT = 12  # words of this conversation the full-text index is asked for
FTS_BONUS = 0.03
TEMPLATE_BONUS = 0.02
KEPT = 3  # sources a draft is grounded in and names


@dataclass(frozen=True)
class Source:
    kind: str  # "template" or "conversation"
    id: str  # the template's name or the conversation's id
    text: str  # the template rendered for this conversation, or the answer's own text
    score: float
    grounds: tuple[str, ...]  # what it was written from: its raw text, its thread
    customer_name: str = ""  # whom a past answer answered

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "score": round(self.score, 3)}


def query_text(view: dict[str, Any]) -> str:
    """What this conversation asks: its subject, first and latest customer messages."""
    asked = [text.fresh(str(m.get("body") or "")) for m in text.customer_messages(view)]
    picked = asked[:1] + asked[-1:] if len(asked) > 1 else asked
    return "\n".join([str(view.get("subject") or ""), *picked]).strip()


def salient(query: str) -> list[str]:
    """The longest distinct words of ``query``: rare words are long, on the whole."""
    found = dict.fromkeys(w for w in text.words(query) if len(w) > 3)
    return sorted(found, key=len, reverse=True)[:SALIENT]


def sources(replica: Replica, view: dict[str, Any], model: Embedder, table: Table) -> list[Source]:
    """The best few templates and past answers for ``view``, the best first."""
    ident = str(view["id"])
    query = query_text(view)
    [q] = model.embed([query])
    found = _templates(replica, ident, model, q)
    near = dict(table.nearest(q, NEAREST, but=ident))
    by_words = replica.related(salient(query), ident, FULL_TEXT)
    for rank, other in enumerate(by_words):
        if other not in near:
            vector = table.vector(other)
            near[other] = dot(q, vector) if vector is not None else 0.0
        near[other] += FTS_BONUS / (1 + rank)
    for other, score in near.items():
        answer = _answer(replica.conversation(other), score)
        if answer is not None:
            found.append(answer)
    return sorted(found, key=lambda s: -s.score)[:KEPT]


def _templates(replica: Replica, ident: str, model: Embedder, q: tuple[float, ...]) -> list[Source]:
    saved = replica.items("templates")
    if not saved:
        return []
    names = sorted(saved)
    raw = [str(saved[n].get("body") or "") for n in names]
    described = [
        f"{n.replace('-', ' ').replace('_', ' ')}\n{saved[n].get('subject') or ''}\n{body}"
        for n, body in zip(names, raw, strict=True)
    ]
    vectors = model.embed(described)
    return [
        Source(
            "template",
            name,
            actions.template_render(replica, name, ident),
            dot(q, vector) + TEMPLATE_BONUS,
            (body,),
        )
        for name, body, vector in zip(names, raw, vectors, strict=True)
    ]


def _answer(view: dict[str, Any], score: float) -> Source | None:
    replies = text.agent_replies(view)
    if not replies:
        return None
    answer = text.fresh(str(replies[0].get("body") or ""))
    if not answer:
        return None
    thread = [str(view.get("subject") or "")]
    thread += [text.fresh(str(m.get("body") or "")) for m in view["messages"]]
    return Source(
        "conversation",
        str(view["id"]),
        answer,
        score,
        tuple(thread),
        str(view.get("customer_name") or ""),
    )
