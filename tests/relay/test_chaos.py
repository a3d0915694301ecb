"""Chaos through a real relay: random changes by three agents while the relay is SIGKILLed
and restarted and agents go offline and come back; then claim races, online and offline.

The oracle for "nothing acknowledged is lost" is what cannot be merged away: notes (each
with a body made unique here) and adds of tags whose names are used once. Everything else
(claims, statuses, priorities, snoozes, shared tags that are also removed) is checked by
convergence: every replica ends with the same `list` and `show` output.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.conftest import INBOX, ROOT, run_inbox
from tests.relay.relays import RelayProcess, Watcher, free_port, wait_for

MBOX = ROOT / "examples" / "mail" / "support.mbox"
DANA, BEN, ALI = "dana@acme.example.com", "ben@acme.example.com", "ali@acme.example.com"
AGENTS = (DANA, BEN, ALI)
SHARED_TAGS = ("vip", "refund", "billing")  # added and removed at random: not in the oracle
STEPS = 36
# Real processes make a run cost ~15 s, so a few seeds; CHAOS_SEEDS=1,2,3 tries others.
SEEDS = [int(x) for x in os.environ.get("CHAOS_SEEDS", "11,5,8").split(",")]
VERBS: tuple[str, ...] = ("note", "tag-once") * 2  # the oracle's: a third of the commands
VERBS += ("tag", "untag", "claim", "assign", "unassign")
VERBS += ("close", "reopen", "priority", "snooze", "unsnooze")


def ok(home: Path, *args: str) -> str:
    done = run_inbox(home, *args)
    assert done.returncode == 0, (args, done.stderr)
    return str(done.stdout)


def show(home: Path, ident: str) -> dict[str, Any]:
    view: dict[str, Any] = json.loads(ok(home, "show", ident, "--json"))
    view.pop("presence", None)  # who is looking at it: differs between replicas by design
    return view


def listed(home: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads(ok(home, "list", "--status", "all", "--json"))
    return rows


def views(home: Path, only: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """`show --json` of every conversation `list` has (or of those in ``only``)."""
    return {r["id"]: show(home, r["id"]) for r in listed(home) if not only or r["id"] in only}


def spawn(home: Path, *args: str, stdin: int | None = None) -> subprocess.Popen[str]:
    """`inbox ARGS` in the background, with the environment `run_inbox` gives."""
    env = {k: v for k, v in os.environ.items() if k not in ("INBOX_AGENT", "INBOX_NOW")}
    return subprocess.Popen(
        [*INBOX, *args],
        cwd=ROOT,
        env={**env, "NO_COLOR": "1", "INBOX_HOME": str(home)},
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    assert proc.stdout is not None and proc.stderr is not None
    stdout, stderr = proc.stdout.read(), proc.stderr.read()  # a few lines each
    code = proc.wait(60)
    proc.stdout.close()
    proc.stderr.close()
    return subprocess.CompletedProcess(proc.args, code, stdout, stderr)


def outbox(home: Path) -> set[str]:
    """Documents with local changes the relay has not acknowledged."""
    conn = sqlite3.connect(home / "replica.db")
    try:
        return {str(r[0]) for r in conn.execute("SELECT doc FROM outbox")}
    finally:
        conn.close()


def relay_log(relay: RelayProcess) -> list[tuple[str, bytes]]:
    conn = sqlite3.connect(relay.store)
    try:
        return [(str(d), bytes(b)) for d, b in conn.execute("SELECT doc, data FROM log")]
    finally:
        conn.close()


def joined(relay: RelayProcess, tmp_path: Path) -> tuple[dict[str, Path], list[str]]:
    """Three replicas of one relay, all in step, with the example mailbox imported by dana."""
    homes = {DANA: relay.join(tmp_path / "dana", DANA)}
    ok(homes[DANA], "import", str(MBOX))
    ok(homes[DANA], "sync")
    homes[BEN] = relay.join(tmp_path / "ben", BEN)
    homes[ALI] = relay.join(tmp_path / "ali", ALI)
    for agent in (DANA, BEN):  # so that each knows the agents who joined after it
        ok(homes[agent], "sync")
    ids = sorted(row["id"] for row in listed(homes[DANA]))
    assert len(ids) == 7
    return homes, ids


class Watching(NamedTuple):
    watcher: Watcher
    logged_before: int  # bytes of watch.log (appended to by every watcher of the replica)


def watch(home: Path) -> Watching:
    log = home / "watch.log"
    return Watching(Watcher(home), log.stat().st_size if log.exists() else 0)


def stop(w: Watching) -> int:
    """SIGINT once the watcher has said something (connected, or offline): a SIGINT
    before Python installs its handler kills it (-2) rather than stopping it (130)."""
    log = w.watcher.home / "watch.log"
    wait_for(lambda: log.stat().st_size > w.logged_before)
    return w.watcher.stop()


@contextmanager
def watching(*homes: Path) -> Iterator[None]:
    watchers = [watch(home) for home in homes]
    try:
        yield
    finally:
        codes = [stop(w) for w in watchers]
        assert codes == [130] * len(watchers), [w.watcher.logged() for w in watchers]


# -- random operations -------------------------------------------------------------------


class Made(NamedTuple):
    """A change the oracle follows: a note body or a once-used tag on one conversation."""

    agent: str
    conversation: str
    kind: str  # "note" | "tag"
    value: str


class Chaos:
    def __init__(
        self, seed: int, relay: RelayProcess, homes: dict[str, Path], ids: list[str]
    ) -> None:
        self.seed, self.relay, self.homes, self.ids = seed, relay, homes, ids
        self.rng = random.Random(seed)
        self.up = True
        self.watcher: tuple[str, Watching] | None = None
        self.unsent: dict[str, list[Made]] = {a: [] for a in AGENTS}  # not known acknowledged
        self.acknowledged: list[Made] = []
        self.since_kill: dict[str, set[str]] = {a: set() for a in AGENTS}  # docs changed
        self.trace: list[str] = []
        self.counter = 0

    def step(self) -> None:
        if self.rng.random() < (0.08 if self.up else 0.3):  # outages of a few steps
            self.kill_or_start()
        else:
            roll = self.rng.random()
            if roll < 0.64:
                self.command(self.rng.choice(AGENTS))
            elif roll < 0.91:
                self.sync(self.rng.choice(AGENTS))
            else:
                self.watch_or_stop()
        for agent in AGENTS:
            # An empty outbox means the relay acknowledged every change made there (a
            # watcher's work included); a row goes only with the acknowledgement.
            if self.unsent[agent] and not outbox(self.homes[agent]):
                self.acknowledged += self.unsent[agent]
                self.unsent[agent] = []

    def command(self, agent: str) -> None:
        rng, home = self.rng, self.homes[agent]
        ident = rng.choice(self.ids)
        self.counter += 1
        mark = f"{self.seed}-{self.counter}"
        made: Made | None = None
        verb = rng.choice(VERBS)
        args: list[str]
        if verb == "note":
            made = Made(agent, ident, "note", f"note {mark} by {agent.split('@')[0]}")
            args = ["note", ident, "-m", made.value]
        elif verb == "tag-once":
            made = Made(agent, ident, "tag", f"once-{mark}")
            args = ["tag", ident, "--add", made.value]
        elif verb in ("tag", "untag"):
            args = ["tag", ident, "--add" if verb == "tag" else "--remove"]
            args.append(rng.choice(SHARED_TAGS))
        elif verb == "assign":
            args = ["assign", ident, "--to", rng.choice(AGENTS).split("@")[0], "--force"]
        elif verb == "priority":
            args = ["priority", rng.choice(["urgent", "high", "normal", "low"]), ident]
        elif verb == "snooze":
            args = ["snooze", ident, "--until", rng.choice(["2h", "3d"])]
        else:
            args = [verb, ident]
        done = run_inbox(home, *args)
        self.trace.append(f"{agent.split('@')[0]}: inbox {' '.join(args)} -> {done.returncode}")
        allowed = (0, 3) if verb == "claim" else (0,)  # 3: someone else holds it
        assert done.returncode in allowed, self.failure(done.stderr)
        if made is not None:
            self.unsent[agent].append(made)
            if not self.up:
                self.since_kill[agent].add(f"c:{ident}")

    def sync(self, agent: str) -> None:
        home = self.homes[agent]
        done = run_inbox(home, "sync")
        self.trace.append(f"{agent.split('@')[0]}: inbox sync -> {done.returncode}")
        if self.up:
            assert done.returncode == 0, self.failure(done.stderr)
            self.acknowledged += self.unsent[agent]
            self.unsent[agent] = []
            assert outbox(home) == set(), self.failure("outbox not empty after a sync")
        else:
            assert done.returncode == 1, self.failure(done.stderr)
            assert "unreachable" in done.stderr
            kept = outbox(home)
            assert self.since_kill[agent] <= kept, self.failure(f"outbox lost changes: {kept}")

    def kill_or_start(self) -> None:
        if self.up and self.rng.random() < 0.5:
            self.kill_during_sync(self.rng.choice(AGENTS))
        elif self.up:
            self.kill()
            self.trace.append("relay: SIGKILL")
        else:
            self.relay.start()
            self.up = True
            self.trace.append("relay: started")

    def kill(self) -> None:
        self.relay.kill()
        self.up, self.since_kill = False, {a: set() for a in AGENTS}

    def kill_during_sync(self, agent: str) -> None:
        """SIGKILL the relay while `inbox sync` may be half way through its exchange."""
        home = self.homes[agent]
        syncing = spawn(home, "sync")
        time.sleep(self.rng.uniform(0.05, 0.35))
        self.kill()
        done = finish(syncing)
        name = agent.split("@")[0]
        self.trace.append(f"{name}: inbox sync & relay: SIGKILL; sync -> {done.returncode}")
        if done.returncode == 0:  # it finished before the kill: all acknowledged
            self.acknowledged += self.unsent[agent]
            self.unsent[agent] = []
            assert outbox(home) == set(), self.failure("outbox not empty after a sync")
        else:  # a clean error, the outbox kept; what was acknowledged is not known
            assert done.returncode == 1, self.failure(done.stderr)
            assert "error:" in done.stderr, self.failure(done.stderr)
            assert "Traceback" not in done.stderr, self.failure(done.stderr)

    def watch_or_stop(self) -> None:
        if self.watcher is None:
            agent = self.rng.choice(AGENTS)
            self.watcher = (agent, watch(self.homes[agent]))
            self.trace.append(f"{agent.split('@')[0]}: inbox sync --watch &")
        else:
            self.stop_watcher()

    def stop_watcher(self) -> None:
        if self.watcher is not None:
            agent, watcher = self.watcher
            self.watcher = None
            code = stop(watcher)
            self.trace.append(f"{agent.split('@')[0]}: watcher stopped -> {code}")
            assert code == 130, self.failure(watcher.watcher.logged())

    def failure(self, detail: str) -> str:
        return f"seed {self.seed}: {detail}\n" + "\n".join(self.trace[-30:])


def holds(view_by_id: dict[str, dict[str, Any]], made: Made) -> bool:
    view = view_by_id.get(made.conversation)
    if view is None:
        return False
    if made.kind == "tag":
        return made.value in view["tags"]
    return [n["body"] for n in view["notes"]].count(made.value) == 1


@pytest.mark.parametrize("seed", SEEDS)
def test_random_changes_through_kills_and_outages_converge_and_lose_nothing(
    relay: RelayProcess, tmp_path: Path, seed: int
) -> None:
    homes, ids = joined(relay, tmp_path)
    chaos = Chaos(seed, relay, homes, ids)
    try:
        for _ in range(STEPS):
            chaos.step()
    finally:
        chaos.stop_watcher()
    if not chaos.up:
        chaos.kill_or_start()

    # What the relay acknowledged is on the relay: a fresh replica gets all of it.
    acked = {m.conversation for m in chaos.acknowledged}
    audit = views(relay.join(tmp_path / "audit", DANA), acked)
    missing = [m for m in chaos.acknowledged if not holds(audit, m)]
    assert not missing, chaos.failure(f"acknowledged but not on the relay: {missing}")

    for _ in range(2):  # round robin: the second round brings everyone the last ones' changes
        for agent in AGENTS:
            chaos.sync(agent)
    first = listed(homes[DANA])
    final = views(homes[DANA])
    for agent in (BEN, ALI):
        assert listed(homes[agent]) == first, chaos.failure(f"{agent}: list differs")
        assert views(homes[agent]) == final, chaos.failure(f"{agent}: show differs")
    made = chaos.acknowledged + [m for agent in AGENTS for m in chaos.unsent[agent]]
    missing = [m for m in made if not holds(final, m)]
    assert not missing, chaos.failure(f"lost: {missing}")

    log = relay_log(relay)
    assert len(set(log)) == len(log), "an update was logged twice"
    for agent in AGENTS:  # nothing new: nothing is sent, nothing logged
        again = run_inbox(homes[agent], "sync")
        assert again.returncode == 0 and "sent 0 changed" in again.stderr, again.stderr
    assert len(relay_log(relay)) == len(log)


# -- claim races -------------------------------------------------------------------------


@contextmanager
def offline(home: Path) -> Iterator[None]:
    """This replica's network is down (its relay's address answers nothing) while the
    relay stays up for everyone else."""
    conn = sqlite3.connect(home / "replica.db")
    (url,) = conn.execute("SELECT value FROM meta WHERE key = 'relay_url'").fetchone()
    with conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'relay_url'",
            (f"http://127.0.0.1:{free_port()}",),
        )
    try:
        yield
    finally:
        with conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'relay_url'", (url,))
        conn.close()


def claim_at_once(homes: list[Path], ident: str) -> list[subprocess.CompletedProcess[str]]:
    """`inbox claim` on each replica at the same moment: each process is started and left
    to load, then all are given the id on stdin together, so the claims are written
    within a few milliseconds of each other, before any watcher can pass one on."""
    procs = [spawn(home, "claim", stdin=subprocess.PIPE) for home in homes]
    time.sleep(0.5)  # started and waiting on stdin (a head start only: not needed for truth)
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(ident + "\n")
        proc.stdin.close()
    return [finish(proc) for proc in procs]


def settled(homes: list[Path], ident: str) -> list[dict[str, Any]] | None:
    """The views of one conversation when every replica agrees on a confirmed owner."""
    seen = [show(home, ident) for home in homes]
    if all(v == seen[0] for v in seen) and not seen[0]["assignee_tentative"]:
        return seen
    return None


def assert_one_owner(
    homes: dict[str, Path],
    ident: str,
    owner: str,
    lost: list[str],
    ordered: bool = True,
    refused: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One confirmed owner, alike everywhere; the claims that lost are listed (in the
    relay's order), and the losers' and ``refused``'s next claim is refused (exit 3)."""
    seen = [show(home, ident) for home in homes.values()]
    assert all(v == seen[0] for v in seen), "replicas disagree"
    view = seen[0]
    assert view["assignee"] == owner
    assert view["assignee_tentative"] is False
    names = [c["agent"] for c in view["lost_claims"]]
    assert (names if ordered else sorted(names)) == (lost if ordered else sorted(lost))
    for agent in sorted({*lost, *refused}):
        again = run_inbox(homes[agent], "claim", ident)
        assert again.returncode == 3, again.stderr
        assert owner.split("@")[0] in again.stderr
    return view


def test_concurrent_claims_of_agents_online_end_with_one_owner_everywhere(
    relay: RelayProcess, tmp_path: Path
) -> None:
    homes, ids = joined(relay, tmp_path)
    races = {ids[1]: (DANA, BEN), ids[2]: (ALI, BEN), ids[3]: (DANA, BEN, ALI)}
    written: dict[str, list[str]] = {}  # conversation -> racers whose claim was written
    with watching(*homes.values()):
        ok(homes[DANA], "tag", ids[0], "--add", "probe")  # the watchers are live ...
        for home in homes.values():  # ... and in step
            assert wait_for(lambda h=home: "probe" in show(h, ids[0])["tags"])
        for ident, racers in races.items():
            done = claim_at_once([homes[a] for a in racers], ident)
            assert all(d.returncode in (0, 3) for d in done), [d.stderr for d in done]
            written[ident] = [a for a, d in zip(racers, done, strict=True) if d.returncode == 0]
            assert written[ident]  # somebody got it
        for ident in races:
            agreed = wait_for(lambda i=ident: settled(list(homes.values()), i))
            assert agreed, [show(h, ident) for h in homes.values()]
    for ident, racers in races.items():
        view = show(homes[ALI], ident)
        owner = view["assignee"]
        assert owner in written[ident]  # the winner's claim said so (exit 0)
        lost = [c["agent"] for c in view["lost_claims"]]  # written, and ordered after it
        assert set(lost) <= set(racers) - {owner}
        others = tuple(a for a in racers if a != owner)
        assert_one_owner(homes, ident, owner, lost, ordered=False, refused=others)


def test_offline_claims_are_won_by_the_first_to_reach_the_relay_not_the_clock(
    relay: RelayProcess, tmp_path: Path
) -> None:
    homes, ids = joined(relay, tmp_path)
    three, mixed = ids[0], ids[1]

    # Three agents offline: by the clock dana claims first and ben last ...
    relay.stop()
    for agent in (DANA, ALI, BEN):
        ok(homes[agent], "claim", three)
        mine = show(homes[agent], three)
        assert (mine["assignee"], mine["assignee_tentative"]) == (agent, True)
    relay.start()
    for agent in (BEN, ALI, DANA):  # ... but the relay gets ben's first, then ali's
        ok(homes[agent], "sync")
    ok(homes[BEN], "sync")
    ok(homes[ALI], "sync")
    assert_one_owner(homes, three, BEN, [ALI, DANA])

    # An offline claim against an online one made after it.
    with offline(homes[DANA]):
        ok(homes[DANA], "claim", mixed)  # offline, and earlier by the clock
    with watching(homes[BEN]):
        ok(homes[BEN], "claim", mixed)  # online: the watcher sends it at once
        assert wait_for(lambda: settled([homes[BEN]], mixed))
        ok(homes[DANA], "sync")  # dana comes back
        assert wait_for(lambda: DANA in str(show(homes[BEN], mixed)["lost_claims"]))
    ok(homes[ALI], "sync")
    view = assert_one_owner(homes, mixed, BEN, [DANA])
    assert view["lost_claims"][0]["at"] < view["assigned_at"]  # the earlier claim lost
