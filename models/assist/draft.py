"""`inbox draft`: a suggested reply, saved as this agent's draft of the conversation.

The path: retrieve the team's best saved replies and past answers (retrieve.py), make
the best one this conversation's reply without a model (adapt.py), check it (the
guardrails), and with a model that can write, let it reword that draft (rewrite.py),
checked again. Whatever a guardrail rejects falls back one step: the model's text to the
adapted draft, the adapted draft to the best source as it is; with no source at all, a
short holding reply. So a draft is never nothing, and never more than its sources say.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crdt import actions
from crdt.errors import ConflictError
from crdt.replica import Replica
from crdt.workflow import drafts
from models import catalogue
from models.assist import adapt, guardrails, phrases, retrieve, text, vectors
from models.assist.guardrails import Flag
from models.cache import Cache
from models.embed import Embedder


@dataclass
class Suggestion:
    conversation: str
    body: str
    sources: list[retrieve.Source]
    flags: list[Flag]
    method: str
    path: str = ""
    notes: list[str] = field(default_factory=list)  # for people: why a fallback ran

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversation": self.conversation,
            "body": self.body,
            "sources": [s.id for s in self.sources],
            "flags": [f.as_dict() for f in self.flags],
            "method": self.method,
            "retrieved": [s.as_dict() for s in self.sources],
            "path": self.path,
        }


def suggest(
    replica: Replica, ident: str, rewrite: bool | None = None, model: Embedder | None = None
) -> Suggestion:
    """The draft for ``ident``, checked, not saved. ``rewrite``: let the model reword it
    (None: only when this replica uses a model of its own choosing, not the shipped one).
    ``model``: the vectors to retrieve by (default: the embedding model, else lexical)."""
    view = replica.conversation(ident)
    model, why = (model, None) if model is not None else vectors.embedder(replica)
    found = retrieve.sources(replica, view, model, vectors.table(replica, model))
    thread = _thread(view)
    agent = _agent(replica)
    grounds = [
        *thread,
        agent["name"],
        agent["email"],
        *(t for s in found for t in (s.text, *s.grounds)),
    ]
    grounds += list(phrases.HOLDING.values())
    language = text.language("\n".join(thread[1:]) or thread[0])
    method = f"retrieval:{model.id}"
    notes = [f"no embedding model: {why}"] if why else []
    if not found:
        body = adapt.holding(view, language, agent["name"])
        return Suggestion(
            ident, body, [], guardrails.check(body, grounds), f"{method}:holding", notes=notes
        )
    best = found[0]
    body, flags = adapt.adapt(best, view, thread, language, agent["name"])
    fired = guardrails.check(body, grounds)
    if fired:
        flags += [Flag(f.rule, f.items, "adapted") for f in fired]
        body = best.text
        flags += guardrails.check(body, grounds)
    if _rewriting(replica, rewrite):
        reworded, more = _reworded(replica, view, body, grounds, notes)
        if reworded is not None:
            body, method = reworded, f"{method}+{more}"
        elif more:  # the model's text, rejected
            flags += [Flag(f.rule, f.items, "model") for f in guardrails.check(more, grounds)]
    return Suggestion(ident, body, found, flags, method, notes=notes)


def _rewriting(replica: Replica, rewrite: bool | None) -> bool:
    if rewrite is not None:
        return rewrite
    chosen = catalogue.current(replica.home)
    return chosen is not None and chosen != catalogue.shipped()


def _reworded(
    replica: Replica, view: dict[str, Any], body: str, grounds: list[str], notes: list[str]
) -> tuple[str | None, str]:
    """The model's wording and its model id; or None and the text it wrote, rejected
    (empty when no model ran). The same question asked again is answered from the cache
    without loading the model."""
    from models import llm
    from models.assist import rewrite

    path = catalogue.current(replica.home)
    if path is None:
        notes.append("no model to reword the draft: the draft is the adapted source")
        return None, ""
    asked = text.customer_messages(view)
    last = text.fresh(str(asked[-1].get("body") or "")) if asked else str(view.get("subject"))
    chat = rewrite.prompt(last, body)
    model_id, key = llm.model_id(path), json.dumps(chat, sort_keys=True)
    with Cache(replica.home) as cache:
        out = cache.answer(model_id, key)
        if out is None:
            out = _ask(path, chat, notes)
            if out is None:
                return None, ""
            cache.put_answer(model_id, key, out)
    if not out or guardrails.check(out, grounds):
        return None, out
    return out, model_id


def _ask(path: Path, chat: list[dict[str, str]], notes: list[str]) -> str | None:
    from models import llm
    from models.assist import rewrite
    from models.errors import INSTALL, ModelUnavailableError

    try:
        model = llm.load(path, context=rewrite.CONTEXT)
    except ModelUnavailableError as exc:
        notes.append(
            f"{exc.message} ({exc.why}): the draft is the adapted source; install: {INSTALL}"
        )
        return None
    return rewrite.rewrite(model, chat)


def _thread(view: dict[str, Any]) -> list[str]:
    """This conversation's own texts: subject, customer, messages without quotes."""
    out = [str(view.get("subject") or "")]
    out += [str(view.get("customer_name") or ""), str(view.get("customer") or "")]
    out += [text.fresh(str(m.get("body") or "")) for m in view["messages"]]
    return out


def _agent(replica: Replica) -> dict[str, str]:
    found = replica.items("agents").get(replica.agent) or {}
    return {"name": str(found.get("name") or replica.agent), "email": replica.agent}


def save(replica: Replica, suggestion: Suggestion, force: bool = False) -> Suggestion:
    """Saved as this agent's draft (`inbox reply ID` sends it); a draft the agent already
    wrote is kept unless ``force``: a suggestion never overwrites a person's words."""
    saved = drafts.load(replica.home, suggestion.conversation)
    if saved is not None and saved.text.strip() and not force:
        raise ConflictError(
            f"{suggestion.conversation[:8]} has a draft already ({saved.path}); "
            "`inbox reply` sends it, --force replaces it"
        )
    draft = actions.save_draft(replica, suggestion.conversation, suggestion.body)
    suggestion.path = str(draft.path)
    return suggestion
