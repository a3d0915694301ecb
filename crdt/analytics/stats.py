"""`inbox stats`: volume, first response and resolution percentiles, per-agent workload,
computed in DuckDB over the analytics store (``table.py``).

Times are seconds. First response: from the first inbound message (or the
conversation's start) to the first reply after it; resolution: from the start to the
close that stands (a conversation closed now). Percentiles are continuous (p50, p90)
over the conversations that have one. SLA compliance needs SLA policies, which no
workspace has yet: ``sla`` is null and ``notes`` says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

BYS = ("day", "channel", "mailbox", "tag", "agent")
KEYS = {
    "day": "strftime(created_at, '%Y-%m-%d')",
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
    groups = _rows(
        duck,
        f"SELECT {KEYS[by]} AS key, {_figures()} FROM {source} GROUP BY key ORDER BY key",
        params,
    )
    totals = _rows(duck, f"SELECT {_figures()} FROM conversations WHERE {window}", params)[0]
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
    return (
        "count(*) AS conversations, "
        "count(*) FILTER (WHERE status IN ('open', 'pending')) AS open, "
        "count(*) FILTER (WHERE status = 'closed') AS closed, "
        "coalesce(sum(message_count), 0) AS messages, "
        f"quantile_cont({RESPONSE}, 0.5) AS first_response_p50, "
        f"quantile_cont({RESPONSE}, 0.9) AS first_response_p90, "
        f"quantile_cont({RESOLUTION}, 0.5) AS resolution_p50, "
        f"quantile_cont({RESOLUTION}, 0.9) AS resolution_p90"
    )


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
    return [{n: _plain(v) for n, v in zip(names, row, strict=True)} for row in cur.fetchall()]


def _plain(value: Any) -> Any:
    """JSON's values: seconds rounded to whole ones, counts as ints."""
    if isinstance(value, float):
        return round(value)
    return value


def _iso(moment: datetime) -> str:
    from crdt.model.clock import to_iso

    return to_iso(moment)
