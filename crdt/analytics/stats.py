"""`inbox stats`: volume, first response and resolution percentiles, per-agent workload,
computed in DuckDB over the analytics store (``table.py``).

Times are seconds. First response: from the first inbound message (or the
conversation's start) to the first reply after it; resolution: from the start to the
close that stands (a conversation closed now). Percentiles are continuous (p50, p90)
over the conversations that have one. SLA compliance needs SLA policies, which no
workspace has yet: ``sla`` is null and ``notes`` says so.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

BYS = ("day", "channel", "mailbox", "tag", "agent")
KEYS = {
    "day": "created_at::DATE",  # a date, not a formatted string: a third of the query's time
    "channel": "coalesce(channel, '')",
    "mailbox": "coalesce(mailbox, '(none)')",
    "agent": "coalesce(assignee, '(nobody)')",
    "tag": "tag",
}
RESPONSE = "epoch(first_response_at) - epoch(coalesce(first_inbound_at, created_at))"
RESOLUTION = "epoch(resolved_at) - epoch(created_at)"
NO_SLA = "no SLA policies in this workspace: compliance is left out (inbox sla add)"


def compute(duck: Any, since: datetime, until: datetime, by: str) -> dict[str, Any]:
    """The figures of conversations begun from ``since`` to ``until``, grouped ``by``."""
    if by not in BYS:
        raise ValueError(by)
    window = "created_at >= $since AND created_at <= $until"
    source = (
        f"(SELECT *, unnest(CASE WHEN len(tags) = 0 THEN ['(none)'] ELSE tags END) AS tag "
        f"FROM conversations WHERE {window})"
        if by == "tag"
        else f"(SELECT * FROM conversations WHERE {window})"
    )
    params = {"since": since.replace(tzinfo=None), "until": until.replace(tzinfo=None)}
    if by == "tag":  # a conversation is in each of its tags' groups, and once in the totals
        groups = _rows(
            duck,
            f"SELECT {KEYS[by]} AS key, {_figures()} FROM {source} GROUP BY key ORDER BY key",
            params,
        )
        totals = _rows(duck, f"SELECT {_figures()} FROM conversations WHERE {window}", params)[0]
    else:  # the groups and the totals in one pass
        found = _rows(
            duck,
            f"SELECT grouping(key) AS whole, {KEYS[by]} AS key, {_figures()} FROM {source} "
            "GROUP BY GROUPING SETS ((key), ()) ORDER BY whole, key",
            params,
        )
        totals = {k: v for k, v in found.pop().items() if k not in ("whole", "key")}
        groups = [{k: v for k, v in g.items() if k != "whole"} for g in found]
    return {
        "since": _iso(since),
        "until": _iso(until),
        "by": by,
        "totals": totals,
        "groups": groups,
        "agents": _agents(duck, params),
        "sla": None,
        "notes": [NO_SLA],
    }


def _figures() -> str:
    """Each group's figures; both percentiles of a measure from one sort (a list, which
    ``_rows`` spreads into ``..._p50`` and ``..._p90``)."""
    return (
        "count(*) AS conversations, "
        "count(*) FILTER (WHERE status IN ('open', 'pending')) AS open, "
        "count(*) FILTER (WHERE status = 'closed') AS closed, "
        "coalesce(sum(message_count), 0) AS messages, "
        f"quantile_cont({RESPONSE}, [0.5, 0.9]) AS first_response, "
        f"quantile_cont({RESOLUTION}, [0.5, 0.9]) AS resolution"
    )


PERCENTILES = ("first_response", "resolution")


def _agents(duck: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Per agent: what they hold open now, replies and closes in the window, and the
    first responses they gave."""
    sql = """
    WITH held AS (
        SELECT assignee AS agent, count(*) AS assigned_open FROM conversations
        WHERE assignee IS NOT NULL AND status IN ('open', 'pending') GROUP BY 1),
    replied AS (
        SELECT author AS agent, count(*) AS replies FROM messages
        WHERE direction = 'out' AND author IS NOT NULL AND "at" >= $since AND "at" <= $until
        GROUP BY 1),
    closed AS (
        SELECT who AS agent, count(*) AS closed FROM events
        WHERE event = 'status.changed' AND status = 'closed' AND "at" >= $since
            AND "at" <= $until AND who IS NOT NULL GROUP BY 1),
    answered AS (
        SELECT first_responder AS agent, quantile_cont({response}, 0.5) AS first_response_p50
        FROM conversations WHERE first_responder IS NOT NULL AND created_at >= $since
            AND created_at <= $until GROUP BY 1),
    agents AS (
        SELECT agent FROM held UNION SELECT agent FROM replied UNION
        SELECT agent FROM closed UNION SELECT agent FROM answered)
    SELECT agents.agent, coalesce(assigned_open, 0) AS assigned_open,
        coalesce(replies, 0) AS replies, coalesce(closed, 0) AS closed, first_response_p50
    FROM agents LEFT JOIN held USING (agent) LEFT JOIN replied USING (agent)
        LEFT JOIN closed USING (agent) LEFT JOIN answered USING (agent)
    ORDER BY assigned_open DESC, replies DESC, agent
    """.replace("{response}", RESPONSE)
    return _rows(duck, sql, params)


def _rows(duck: Any, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cur = duck.execute(sql, params)
    names = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        found: dict[str, Any] = {}
        for name, value in zip(names, row, strict=True):
            if name in PERCENTILES:
                p50, p90 = value if value else (None, None)
                found[f"{name}_p50"], found[f"{name}_p90"] = _plain(p50), _plain(p90)
            else:
                found[name] = _plain(value)
        out.append(found)
    return out


def _plain(value: Any) -> Any:
    """JSON's values: seconds rounded to whole ones, counts as ints, days as YYYY-MM-DD."""
    if isinstance(value, float):
        return round(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _iso(moment: datetime) -> str:
    from crdt.model.clock import to_iso

    return to_iso(moment)
