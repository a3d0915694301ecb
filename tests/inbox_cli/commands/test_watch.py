"""`inbox watch --jsonl`: a live stream of events from a replica, with a real relay and
two replicas: what Dana does reaches Ben's stream once, with the ids her own stream
gives (every replica derives the same ids)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from tests import processes
from tests.conftest import INBOX, ROOT
from tests.relay.relays import BEN, DANA, RelayProcess, join_admin, mail_now, ok, pair, wait_for


class Watch:
    """`inbox watch --jsonl` on one replica, its stdout in a file."""

    def __init__(self, home: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("INBOX_AGENT", "INBOX_NOW")}
        env.update({"INBOX_HOME": str(home), "NO_COLOR": "1"})
        self.out_path = home / "events.jsonl"
        self.out = open(self.out_path, "wb")  # noqa: SIM115  (closed in stop)
        self.err = open(home / "watch-events.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [*INBOX, "watch", "--jsonl"], cwd=ROOT, env=env, stdout=self.out, stderr=self.err
        )

    def events(self) -> list[dict[str, Any]]:
        text = self.out_path.read_text()
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def connected(self) -> bool:
        return "connected as" in (self.out_path.parent / "watch-events.log").read_text()

    def stop(self) -> None:
        processes.stop(self.proc, signal.SIGINT)
        self.out.close()
        self.err.close()


def test_watch_streams_a_teammates_changes_once_with_ids_every_replica_shares(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a, b = pair(relay, tmp_path)
    conv = ok(a, "list", "--limit", "1", "-0").strip("\0")
    theirs, mine = Watch(b), Watch(a)
    try:
        assert wait_for(theirs.connected) and wait_for(mine.connected)
        ok(a, "assign", conv, "--to", BEN)
        ok(a, "note", conv, "-m", "@ben can you take this one?")
        ok(a, "tag", conv, "--add", "vip")
        ok(a, "close", conv)

        def kinds(w: Watch) -> list[str]:
            return [e["event"] for e in w.events()]

        wanted = ["assigned", "mention", "tag.added", "status.changed"]
        assert wait_for(lambda: all(k in kinds(theirs) for k in wanted), 20), theirs.events()
        assert wait_for(lambda: all(k in kinds(mine) for k in wanted), 20), mine.events()
    finally:
        theirs.stop()
        mine.stop()
    got = theirs.events()
    assert sorted(kinds(theirs)) == sorted(wanted)  # each once; nothing from before it began
    by_kind = {e["event"]: e for e in got}
    assert by_kind["assigned"]["agent"] == BEN
    assert by_kind["mention"]["agent"] == BEN and by_kind["mention"]["note"]
    assert by_kind["tag.added"]["tag"] == "vip"
    assert by_kind["status.changed"]["status"] == "closed"
    assert {e["conversation"] for e in got} == {conv}
    assert sorted(e["id"] for e in got) == sorted(e["id"] for e in mine.events())


def test_watch_tells_an_sla_warning_and_breach_as_their_time_passes_with_nothing_changed(
    relay: RelayProcess, tmp_path: Path
) -> None:
    a = join_admin(relay, tmp_path / "a", DANA)
    ok(a, "sla", "add", "fast", "--first-response", "10s", "--warn-before", "5s", "--default")
    ok(a, "sync")
    b = relay.join(tmp_path / "b", BEN)
    watching = Watch(b)
    try:
        assert wait_for(watching.connected, 20)
        ok(a, "import", str(mail_now(tmp_path / "now.mbox", "Export broken")))
        ok(a, "sync")  # the last change: from here on only time passes

        def sla() -> list[dict[str, Any]]:
            return [e for e in watching.events() if e["event"].startswith("sla.")]

        assert wait_for(lambda: len(sla()) >= 2, 30), watching.events()
    finally:
        watching.stop()
    told = sla()
    assert [e["event"] for e in told] == ["sla.warning", "sla.breached"]  # each once
    warning, breach = told
    conv = json.loads(ok(b, "list", "--json"))[0]
    assert {e["conversation"] for e in told} == {conv["id"]}
    assert warning["due_at"] == breach["due_at"] == breach["at"] == conv["sla_due_at"]
    assert warning["at"] < breach["at"] and warning["policy"] == "fast"
    assert breach["target"] == "first_response" and breach["subject"] == "Export broken"
