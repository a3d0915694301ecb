"""`inbox stats --html FILE`: the figures as one self-contained page.

Charts are inline SVG drawn here (no script, no stylesheet or font fetched, nothing
outside the file), so the report opens offline and can be mailed as it is. Every text
from the workspace (tags, mailboxes, agents) is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

BAR_W, CHART_H, GAP = 18, 160, 4
STYLE = (
    "body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{padding:2px 10px;text-align:right}"
    "th{border-bottom:1px solid #999}td:first-child,th:first-child{text-align:left}"
    "svg text{font-size:10px;fill:#444}.note{color:#666}"
)


def duration(seconds: Any) -> str:
    """'42s', '17m', '3.5h', '2.1d'; '-' for none."""
    if seconds is None:
        return "-"
    s = float(seconds)
    if s < 60:
        return f"{s:.0f}s"
    if s < 3600:
        return f"{s / 60:.0f}m"
    if s < 86400:
        return f"{s / 3600:.1f}h"
    return f"{s / 86400:.1f}d"


def bars(title: str, points: list[tuple[str, float]], unit: str = "") -> str:
    """A bar chart as SVG: one bar per (label, value)."""
    top = max((v for _, v in points), default=0) or 1
    width = max(len(points), 1) * (BAR_W + GAP) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{CHART_H + 70}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for i, (label, value) in enumerate(points):
        h = CHART_H * value / top
        x = 30 + i * (BAR_W + GAP)
        y = CHART_H - h + 10
        parts.append(
            f'<rect x="{x}" y="{y:.1f}" width="{BAR_W}" height="{h:.1f}" fill="#4a78c2">'
            f"<title>{escape(label)}: {escape(_shown(value, unit))}</title></rect>"
        )
        parts.append(
            f'<text x="{x + BAR_W / 2}" y="{CHART_H + 22}" text-anchor="end" '
            f'transform="rotate(-60 {x + BAR_W / 2} {CHART_H + 22})">{escape(label[:16])}</text>'
        )
    parts.append(f'<text x="0" y="10">{escape(_shown(top, unit))}</text></svg>')
    return "".join(parts)


def _shown(value: float, unit: str) -> str:
    return duration(value) if unit == "s" else f"{value:g}"


def html(figures: dict[str, Any], workspace: str) -> str:
    groups = figures["groups"]
    by = figures["by"]
    head = ["conversations", "open", "closed", "first response p50", "p90", "resolution p50", "p90"]
    rows = "".join(
        "<tr>"
        + f"<td>{escape(str(g['key']))}</td><td>{g['conversations']}</td><td>{g['open']}</td>"
        + f"<td>{g['closed']}</td>"
        + "".join(
            f"<td>{duration(g[k])}</td>"
            for k in (
                "first_response_p50",
                "first_response_p90",
                "resolution_p50",
                "resolution_p90",
            )
        )
        + "</tr>"
        for g in groups
    )
    agents = "".join(
        f"<tr><td>{escape(str(a['agent']))}</td><td>{a['assigned_open']}</td>"
        f"<td>{a['replies']}</td><td>{a['closed']}</td>"
        f"<td>{duration(a['first_response_p50'])}</td></tr>"
        for a in figures["agents"]
    )
    volume = bars(
        f"conversations by {by}", [(str(g["key"]), float(g["conversations"])) for g in groups]
    )
    response = bars(
        f"first response p50 by {by}",
        [(str(g["key"]), float(g["first_response_p50"] or 0)) for g in groups],
        "s",
    )
    t = figures["totals"]
    notes = "".join(f'<p class="note">{escape(n)}</p>' for n in figures.get("notes") or [])
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<title>{escape(workspace)}: inbox stats</title><style>{STYLE}</style></head><body>"
        f"<h1>{escape(workspace)}</h1>"
        f"<p>{escape(figures['since'][:10])} to {escape(figures['until'][:10])}: "
        f"{t['conversations']} conversations, {t['messages']} messages; first response "
        f"p50 {duration(t['first_response_p50'])}, p90 {duration(t['first_response_p90'])}; "
        f"resolution p50 {duration(t['resolution_p50'])}, p90 {duration(t['resolution_p90'])}</p>"
        f"{notes}<h2>Volume by {escape(by)}</h2>{volume}<h2>First response by {escape(by)}</h2>"
        f"{response}<table><tr><th>{escape(by)}</th>"
        + "".join(f"<th>{h}</th>" for h in head)
        + f"</tr>{rows}</table><h2>Agents</h2><table><tr><th>agent</th><th>open now</th>"
        f"<th>replies</th><th>closed</th><th>first response p50</th></tr>{agents}</table>"
        "</body></html>\n"
    )
