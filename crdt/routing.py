"""Rules run where mail arrives: after `inbox import` and the mail gateway's import.

Each arriving inbound message (not a notice, not spam, not ours) is judged by every rule
in name order (workflow/rules.py), against its conversation as the index holds it once
the import has built it; a rule that holds fires once for that message
(``conversation.fire``), recorded in the conversation so that a second evaluator (another
replica importing the same mail, the gateway) does not fire it again, and two that fire
at once keep one outcome (model/firings.py). A rule that fails is logged and skipped: the
mail is already stored, and the next rule still runs.

Presence decides who is online (sync/presence.py) on a replica joined to a relay; alone,
every member of a team counts as available.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from crdt.errors import InboxError, NotFoundError
from crdt.model import clock
from crdt.model.ydoc import Doc
from crdt.replica import Replica
from crdt.store import queries
from crdt.workflow import conditions, hours, rules

log = logging.getLogger("inbox.rules")
CURSOR = "rule_cursor:"  # meta: the agent a round-robin rule last assigned here


class Arrival(NamedTuple):
    conversation: str
    message: str  # the message entry's id


class Verdict(NamedTuple):
    """One rule against one message: whether it holds, each term's value, what it would do."""

    rule: str
    holds: bool
    terms: list[tuple[str, object, bool]]  # term text, the conversation's value, held
    actions: list[tuple[str, str]]
    fired_before: bool


class Engine:
    """The workspace's rules and what assignment weighs, read once for a whole import (or,
    at the relay, for a chat a visitor opens: relay/chat/routing.py)."""

    def __init__(
        self,
        compiled: list[rules.Rule],
        teams: Mapping[str, Any],
        calendar: hours.Hours,
        load: rules.Load,
        keep: Callable[[str, str], None] | None = None,
    ) -> None:
        """``keep(rule, agent)``: where a round-robin's place is kept, once it assigned."""
        self.rules, self.teams, self.calendar, self.load = compiled, teams, calendar, load
        self.keep = keep

    @classmethod
    def of(cls, replica: Replica, compiled: list[rules.Rule]) -> Engine:
        """The engine of a replica: its teams, hours, presence and open counts."""
        load = rules.Load(_online(replica), queries.open_owned(replica.store.conn), {})
        for rule in compiled:
            last = replica.store.meta(CURSOR + rule.name)
            if last:
                load.last[rule.name] = last
        keep = lambda rule, agent: replica.store.set_meta(CURSOR + rule, agent)  # noqa: E731
        return cls(compiled, replica.items("teams"), business_hours(replica), load, keep)

    def facts(self, view: Mapping[str, Any], message: Mapping[str, Any]) -> conditions.Facts:
        at = clock.parse_iso(str(message.get("created_at") or clock.now_iso()))
        return rules.facts(view, message, self.calendar.is_open(at))

    def judge(
        self,
        rule: rules.Rule,
        view: Mapping[str, Any],
        message: Mapping[str, Any],
        facts: conditions.Facts,
    ) -> Verdict:
        holds = conditions.holds(rule.when, facts)
        shown = [
            (conditions.text(t), conditions.fact(t, facts), conditions.term_holds(t, facts))
            for t in conditions.terms(rule.when)
        ]
        fired = view.get("rules_fired") or []
        before = any(f.get("rule") == rule.name and f.get("message") == message.get("id")
                     for f in fired)  # fmt: skip
        actions = self._actions(rule.item, view) if holds and not before else []
        return Verdict(rule.name, holds, shown, actions, before)

    def _actions(self, item: Mapping[str, Any], view: Mapping[str, Any]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        target = str(item.get("assign") or "")
        if target and view.get("assignee"):
            pass  # a follow-up of a conversation someone owns stays theirs
        elif target.startswith("agent:"):
            out.append(("assign", target[len("agent:") :]))
        elif target.startswith("team:"):
            team = self.teams.get(target[len("team:") :])
            members = [str(m) for m in (team or {}).get("members", [])]
            chosen, why = rules.pick(item, members, self.load)
            out.append(("assign", chosen) if chosen else ("note", f"not assigned: {why}"))
        for key in ("tag", "priority", "status", "sla"):
            if item.get(key):
                out.append((key, str(item[key])))
        if item.get("notify"):
            out.append(
                ("note", f"notify {item['notify']}: not sent (notifications are not built yet)")
            )
        return out

    def took(self, rule: str, actions: list[tuple[str, str]]) -> None:
        """An assignment done: the next message of this import weighs it."""
        for kind, agent in actions:
            if kind == "assign":
                self.load.open_owned[agent] = self.load.open_owned.get(agent, 0) + 1
                self.load.last[rule] = agent
                if self.keep is not None:
                    self.keep(rule, agent)


def route(replica: Replica, arrivals: Iterable[Arrival]) -> int:
    """Run the rules over messages that arrived; returns how many firings were recorded."""
    pending = list(arrivals)
    if not pending:
        return 0
    compiled = rules.compiled(replica.items("rules"))
    if not compiled:  # no rules: nothing of what assignment weighs is read
        return 0
    engine = Engine.of(replica, compiled)
    fired = 0
    for arrival in pending:
        try:
            fired += _run(replica, engine, arrival)
        except (InboxError, KeyError, TypeError, ValueError) as exc:
            log.warning("rules skipped for %s: %s", arrival.conversation, exc)
    return fired


Planned = list[tuple[str, list[tuple[str, str]]]]  # (rule, its actions) of those that hold


def _run(replica: Replica, engine: Engine, arrival: Arrival) -> int:
    """Every rule over one message, then what held written in one change."""
    view: dict[str, Any] = dict(replica.conversation(arrival.conversation))
    planned = plan(engine, view, arrival.message)
    if not planned:
        return 0
    done = replica.edit(arrival.conversation, fire(planned, arrival.message, replica.agent))
    took(engine, planned, done)
    return len(done)


def plan(engine: Engine, view: dict[str, Any], message_id: str) -> Planned:
    """What each rule that holds for one message would do (pure: nothing is written):
    each later rule is judged with what the earlier ones did (a tag added, an owner
    given); a rule that fails is logged and skipped, and the next one still runs."""
    from dataclasses import replace

    view = dict(view)
    message = next((m for m in view["messages"] if m.get("id") == message_id), None)
    if message is None:
        return []
    facts = engine.facts(view, message)
    planned: Planned = []
    for rule in engine.rules:
        try:
            verdict = engine.judge(rule, view, message, facts)
        except (InboxError, KeyError, TypeError, ValueError) as exc:  # the next rule runs
            log.warning("rule %s skipped for %s: %s", rule.name, view.get("id"), exc)
            continue
        if not verdict.holds or verdict.fired_before or not verdict.actions:
            continue
        planned.append((rule.name, verdict.actions))
        for kind, value in verdict.actions:
            if kind == "assign":
                view["assignee"] = value
            elif kind == "tag":
                facts = replace(facts, tags=facts.tags | {value})
            elif kind in ("priority",):
                facts = replace(facts, priority=value)
    return planned


def fire(planned: Planned, message_id: str, who: str) -> Callable[[Doc], list[str]]:
    """The change that records each planned firing (``conversation.fire``) as ``who``: it
    returns the rules that fired (not those another evaluator fired first)."""
    from crdt.model import conversation as conv

    def change(doc: Doc) -> list[str]:
        at = clock.now_iso()
        return [
            name for name, actions in planned if conv.fire(doc, name, message_id, actions, who, at)
        ]

    return change


def took(engine: Engine, planned: Planned, done: list[str]) -> None:
    """The assignments that were done, into what the next message weighs."""
    for name, actions in planned:
        if name in done:
            engine.took(name, actions)


def test(replica: Replica, name: str, ident: str) -> dict[str, Any]:
    """Would rule ``name`` fire on conversation ``ident``'s latest inbound message, and
    why: each term with the conversation's value. Nothing is written."""
    engine = Engine.of(replica, rules.compiled(replica.items("rules")))
    rule = next((r for r in engine.rules if r.name == name), None)
    if rule is None:
        raise NotFoundError(f"no rule {name!r} (see `inbox rule list`)")
    view = replica.conversation(ident)
    inbound = [m for m in view["messages"] if m.get("direction") == "in"]
    message = inbound[-1] if inbound else (view["messages"] or [{}])[-1]
    verdict = engine.judge(rule, view, message, engine.facts(view, message))
    return {
        "rule": name,
        "conversation": view["id"],
        "message": message.get("id"),
        "when": conditions.text(rule.when),
        "fires": verdict.holds and not verdict.fired_before,
        "holds": verdict.holds,
        "fired_before": verdict.fired_before,
        "terms": [{"term": t, "value": v, "holds": h} for t, v, h in verdict.terms],
        "actions": [f"{k} {v}" for k, v in verdict.actions],
    }


def business_hours(replica: Replica) -> hours.Hours:
    """The workspace's business hours: the default SLA policy's, else every hour."""
    return hours_of(replica.items("slas"))


def hours_of(slas: Mapping[str, Any]) -> hours.Hours:
    """The business hours of the default policy among ``slas``, else every hour."""
    for policy in slas.values():
        if policy.get("default") and policy.get("hours"):
            return hours.parse(str(policy["hours"])).with_holidays(
                datetime.fromisoformat(d).date() for d in policy.get("holidays") or []
            )
    return hours.ALWAYS


def _online(replica: Replica) -> frozenset[str] | None:
    from crdt.sync import presence

    if not presence.shared(replica):
        return None
    here = {str(s["agent"]) for s in presence.others(replica) if not s.get("visitor")}
    return frozenset(here | {replica.agent})


# -- the settings rules read: teams and rules ---------------------------------------------------


def team_add(replica: Replica, name: str, agents: list[str]) -> dict[str, Any]:
    """A team of agents of the workspace (by email, handle or 'me'); adding one that
    exists replaces its members."""
    from crdt.errors import UsageError
    from crdt.workflow.templates import check_name

    check_name(name)
    if not agents:
        raise UsageError("a team needs at least one agent: inbox team add NAME AGENT...")
    members = sorted({replica.find_agent(a) for a in agents})
    item = {"name": name, "members": members, "by": replica.agent}
    replica.put_item("teams", name, item)
    return item


def rule_add(replica: Replica, name: str, when: str, **actions: Any) -> dict[str, Any]:
    """Save a rule, checked whole: its condition, its agent or team, its SLA policy."""
    item = rules.make(name, when, by=replica.agent, **actions)
    target = str(item.get("assign") or "")
    if target.startswith("agent:"):
        item["assign"] = "agent:" + replica.find_agent(target[len("agent:") :])
    elif target.startswith("team:") and target[len("team:") :] not in replica.items("teams"):
        raise NotFoundError(f"no team {target[len('team:') :]!r} (see `inbox team list`)")
    if item.get("sla") and item["sla"] not in replica.items("slas"):
        raise NotFoundError(f"no SLA policy {item['sla']!r} (see `inbox sla list`)")
    replica.put_item("rules", name, item)
    return item


def sla_add(
    replica: Replica, name: str, holidays_text: str | None = None, **given: Any
) -> dict[str, Any]:
    """Save an SLA policy (``sla.make_policy`` checks it whole); ``holidays_text`` is a
    holidays file's text. A policy saved as the default takes the mark from any other, in
    the same change, so one policy is the default."""
    from crdt.workflow import sla

    days = hours.parse_holidays(holidays_text) if holidays_text else frozenset()
    item = sla.make_policy(name, holidays=[d.isoformat() for d in days], by=replica.agent, **given)
    changes: dict[str, dict[str, Any] | None] = {name: item}
    if item["default"]:
        for other, old in replica.items("slas").items():
            if other != name and old and old.get("default"):
                changes[other] = {**dict(old), "default": False}
    replica.put_items("slas", changes)
    return item


def remove(replica: Replica, kind: str, name: str) -> None:
    """Remove a team, rule or SLA policy by name (exit 5 when there is none)."""
    what = {"teams": "team", "rules": "rule", "slas": "SLA policy"}[kind]
    if name not in replica.items(kind):
        raise NotFoundError(f"no {what} {name!r} (see `inbox {what.split()[0].lower()} list`)")
    replica.put_item(kind, name, None)
