"""`inbox stats` and `inbox export` on a real replica: figures from the analytics file,
built once, then kept up to date incrementally; the HTML report stands alone."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb

from tests.conftest import ROOT, Run, as_json

MBOX = ROOT / "examples" / "mail" / "support.mbox"


def _workspace(run: Run) -> str:
    assert run("import", str(MBOX)).returncode == 0
    return str(run("list", "--limit", "1", "-0").stdout).strip("\0")


def test_stats_counts_responses_resolutions_and_agents(run: Run, home: Path) -> None:
    conv = _workspace(run)
    first = as_json(run("stats", "--since", "3650d", "--json"))
    assert first["built"]["how"] == "full" and first["totals"]["conversations"] == 7
    assert first["sla"] is None and "SLA" in first["notes"][0]
    assert sum(g["conversations"] for g in first["groups"]) == 7
    assert as_json(run("stats", "--since", "3650d", "--json"))["built"]["how"] == "current"
    assert run("reply", conv, "-m", "On it").returncode == 0
    assert run("close", conv).returncode == 0
    after = as_json(run("stats", "--since", "3650d", "--by", "agent", "--json"))
    assert after["built"] == {"how": "incremental", "conversations": 1}
    assert after["totals"]["closed"] == first["totals"]["closed"] + 1
    assert after["totals"]["resolution_p50"] is not None
    agent = as_json(run("show", conv, "--json"))["activity"][-1]["who"]  # this replica's
    mine = {a["agent"]: a for a in after["agents"]}[agent]
    assert mine["replies"] >= 1 and mine["closed"] == 1
    tagged = as_json(run("stats", "--since", "3650d", "--by", "tag", "--json"))
    assert {g["key"] for g in tagged["groups"]} >= {"(none)"}
    rebuilt = as_json(run("stats", "--since", "3650d", "--by", "agent", "--json", "--rebuild"))
    assert rebuilt["built"]["how"] == "full"
    assert {k: v for k, v in rebuilt.items() if k not in ("built", "since", "until")} == {
        k: v for k, v in after.items() if k not in ("built", "since", "until")
    }  # incremental gave what a whole build gives


def test_a_change_stamped_before_everything_the_file_holds_is_seen(run: Run, home: Path) -> None:
    conv = _workspace(run)
    first = as_json(run("stats", "--since", "3650d", "--by", "tag", "--json"))
    assert first["built"]["how"] == "full"
    # an agent whose clock (or offline time) puts the change before every row's stamps:
    # no count, row id, message total or newest time moves, only the row's view
    long_ago = {"INBOX_NOW": "2020-01-01T00:00:00Z"}
    assert run("tag", conv, "--add", "offline", env=long_ago).returncode == 0
    after = as_json(run("stats", "--since", "3650d", "--by", "tag", "--json"))
    assert after["built"] == {"how": "incremental", "conversations": 1}
    assert "offline" in {g["key"] for g in after["groups"]}
    # a policy saved retimes every row's SLA columns, which the file does not hold
    assert run("sla", "add", "std", "--first-response", "1h", "--default").returncode == 0
    again = as_json(run("stats", "--since", "3650d", "--by", "tag", "--json"))
    assert again["built"]["how"] == "current"
    rebuilt = as_json(run("stats", "--since", "3650d", "--by", "tag", "--json", "--rebuild"))
    assert rebuilt["groups"] == again["groups"] and rebuilt["totals"] == again["totals"]


def test_stats_html_is_one_file_with_charts_and_no_outside_asset(run: Run, home: Path) -> None:
    _workspace(run)
    report = home.parent / "report.html"
    done = run("stats", "--since", "3650d", "--by", "day", "--html", str(report))
    assert done.returncode == 0, done.stderr
    text = report.read_text()
    assert text.count("<svg") == 2 and "<rect" in text
    assert "<script" not in text and "<link" not in text and "src=" not in text
    assert "2026-11-27" in text


def test_export_writes_parquet_and_csv_of_every_table(run: Run, home: Path) -> None:
    _workspace(run)
    out = home.parent / "out"
    out.mkdir()
    assert run("export", "--format", "parquet", "-o", str(out)).returncode == 0
    con = duckdb.connect()
    counts = {
        t: con.execute(f"SELECT count(*) FROM '{out / (t + '.parquet')}'").fetchone()[0]
        for t in ("conversations", "messages", "events")
    }
    assert counts["conversations"] == 7 and counts["messages"] == 10 and counts["events"] >= 10
    events_csv = home.parent / "events.csv"
    assert (
        run("export", "--format", "csv", "--table", "events", "-o", str(events_csv)).returncode == 0
    )
    header = events_csv.read_text().splitlines()[0].split(",")
    assert header[:4] == ["id", "conversation", "event", "at"]


def test_no_process_keeps_the_analytics_file_open(run: Run, home: Path) -> None:
    _workspace(run)
    assert run("stats", "--json").returncode == 0
    # another process may open it at once: nothing holds it
    code = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"
    done = subprocess.run(
        [".venv/bin/python", "-c", code, str(home / "analytics.duckdb")], cwd=ROOT
    )
    assert done.returncode == 0
    assert json.loads(run("stats", "--json").stdout)["built"]["how"] == "current"


def test_stats_refuses_a_span_it_cannot_read(run: Run) -> None:
    done = run("stats", "--since", "last tuesday")
    assert done.returncode == 2 and "30d" in done.stderr
