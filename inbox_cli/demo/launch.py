"""The live demo: a relay on loopback, two replicas joined to it (dana's and ben's), and a
watcher (`inbox sync --watch`) keeping each in step, all in the background, so that
`inbox demo` returns and a newcomer sees a change and presence travel between replicas.

The demo directory (prepared by crdt/demo/directory.py) holds::

    .inbox-demo     the marker: the directory is the demo's to empty
    relay.db        the relay's store; relay.log its output. The relay also serves
                    examples/widget-demo.html, a page with the website chat widget, whose
                    origin (the relay's own) the workspace allows
    dana/, ben/     the replicas; each has the sync.log of its watcher
    demo.pids       what runs in the background (processes.py), for `stop`

Background processes get paths under the resolved directory on their command line,
which is how `stop` tells them from unrelated processes that reuse a recorded pid.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from crdt.demo import directory
from crdt.demo.directory import TEAMMATE, YOU
from crdt.errors import InboxError
from crdt.model import clock
from crdt.replica import Replica
from crdt.sync import presence
from inbox_cli.demo import processes
from relay.client import link
from relay.client.address import Relay
from relay.store import RelayStore

HOST = "127.0.0.1"
PIDS, STORE, RELAY_LOG, SYNC_LOG = "demo.pids", "relay.db", "relay.log", "sync.log"
PAGE = "widget-demo.html"  # in examples/: the page a newcomer chats from
START_TIMEOUT = 20.0  # seconds for a relay to answer on its port
HEAR_TIMEOUT = 15.0  # seconds for the watchers to hear of each other
PORT_TRIES = 3  # a free port may be taken before the relay binds it
STEP = 0.05


@dataclass(frozen=True)
class Running:
    """What `start` left running, for the lines the command line prints."""

    where: Path
    url: str
    page: str  # the page with the chat widget, served by the relay
    sample: str  # the conversation to try
    homes: dict[str, Path]  # agent -> replica directory, under ``where``
    live: bool  # the watchers had heard of each other when `start` returned


def home_of(where: Path, agent: str) -> Path:
    return where / agent.split("@")[0]


def start(where: Path, inbox: Sequence[str]) -> Running:
    """(Re)create the demo in ``where`` and start what runs beside it; ``inbox`` is the
    argv that runs the command line. A previous run's processes are ended first, and
    on any failure those started so far are ended too: no orphans either way."""
    stop(where)
    directory.prepare(where)
    root = where.resolve()
    pids: dict[str, int] = {}
    try:
        tokens = _tokens(root / STORE)
        url = _start_relay(root, inbox, pids)
        _allow_page(root / STORE, url)
        sample = _replicas(root, url, tokens)
        watchers = [_start_watcher(root, agent, inbox, pids) for agent in (YOU, TEAMMATE)]
        live = _heard(home_of(root, YOU), TEAMMATE, watchers)
    except BaseException:
        processes.stop(pids, _marks(root))
        (root / PIDS).unlink(missing_ok=True)
        raise
    homes = {agent: home_of(where, agent) for agent in (YOU, TEAMMATE)}
    return Running(where, url, f"{url}/{PAGE}", sample, homes, live)


def stop(where: Path) -> list[str]:
    """End what the demo in ``where`` runs; returns the names of what was running. Only a
    demo directory's pid file is trusted, and only pids still running our commands."""
    if not directory.is_demo(where):
        return []
    root = where.resolve()
    ended = processes.stop(processes.recorded(root / PIDS), _marks(root))
    (root / PIDS).unlink(missing_ok=True)
    return ended


def status(where: Path) -> tuple[dict[str, int], str | None]:
    """What of the demo in ``where`` still runs (name -> pid, only pids still running our
    commands) and the URL of its relay (None when there is no demo there)."""
    if not directory.is_demo(where):
        return {}, None
    root = where.resolve()
    marks = _marks(root)
    recorded = processes.recorded(root / PIDS)
    running = {name: pid for name, pid in recorded.items() if processes.is_ours(pid, marks)}
    dana = home_of(root, YOU)
    if not (dana / "replica.db").exists():
        return running, None
    with Replica.open(dana) as replica:
        return running, replica.relay_url


def _marks(root: Path) -> tuple[str, ...]:
    return ("inbox", f"{root}{os.sep}")


def _env() -> dict[str, str]:
    """The caller's environment, minus what would point a child at another replica or agent
    (each child is told its replica with --home)."""
    return {k: v for k, v in os.environ.items() if k not in ("INBOX_HOME", "INBOX_AGENT")}


def _tokens(store_path: Path) -> dict[str, str]:
    """The relay's store, made before the relay starts so it carries the demo's workspace
    name, and a token for each replica."""
    store = RelayStore.open(store_path, create=True, workspace=directory.workspace_name())
    try:
        return {
            agent: store.create_token(agent, "admin" if agent == YOU else "agent", clock.now_iso())
            for agent in (YOU, TEAMMATE)
        }
    finally:
        store.close()


def _allow_page(store_path: Path, url: str) -> None:
    """The relay's own origin may embed the widget: the page it serves is on it."""
    with RelayStore.open(store_path) as store:
        store.add_origin(url, clock.now_iso())


def _start_relay(root: Path, inbox: Sequence[str], pids: dict[str, int]) -> str:
    """`inbox relay serve` on a free loopback port, with the widget's page; returns its
    URL once it answers."""
    for _ in range(PORT_TRIES):
        port = _free_port()
        argv = [*inbox, "relay", "serve", "--host", HOST, "--port", str(port)]
        argv += ["--page", str(directory.examples_dir() / PAGE)]
        proc = processes.spawn(
            [*argv, "--store", str(root / STORE)], root / RELAY_LOG, root, _env()
        )
        pids["relay"] = proc.pid
        processes.record(root / PIDS, pids)
        if _answers(proc, port):
            return f"http://{HOST}:{port}"
        processes.stop({"relay": proc.pid}, _marks(root))
    raise InboxError(f"the demo's relay did not start; see {root / RELAY_LOG}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _answers(proc: subprocess.Popen[bytes], port: int) -> bool:
    """Whether the relay answers its health check before it exits or time runs out (a
    plain connect could reach another program that took the port meanwhile)."""
    deadline = time.monotonic() + START_TIMEOUT
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/health", timeout=1) as answer:
                return bool(answer.read().startswith(b"inbox relay"))
        except OSError:
            time.sleep(STEP)
    return False


def _replicas(root: Path, url: str, tokens: dict[str, str]) -> str:
    """Join YOU's replica (the relay is empty: joining creates it), seed it and sync it,
    then join TEAMMATE's, which receives it all and adds its own part; returns the
    conversation to try."""
    relay = Relay(url)  # loopback: plain http stays on this machine
    mine = link.join(home_of(root, YOU), relay, tokens[YOU])
    try:
        sample = directory.fill(mine)
        link.sync_once(mine, relay, tokens[YOU])
    finally:
        mine.close()
    theirs = link.join(home_of(root, TEAMMATE), relay, tokens[TEAMMATE])
    try:
        directory.teammate_acts(theirs)
        link.sync_once(theirs, relay, tokens[TEAMMATE])
    finally:
        theirs.close()
    mine = Replica.open(home_of(root, YOU))
    try:
        link.sync_once(mine, relay, tokens[YOU])  # YOU's replica has it all before the tour
    finally:
        mine.close()
    return sample


def _start_watcher(
    root: Path, agent: str, inbox: Sequence[str], pids: dict[str, int]
) -> subprocess.Popen[bytes]:
    home = home_of(root, agent)
    argv = [*inbox, "--home", str(home), "sync", "--watch"]
    proc = processes.spawn(argv, home / SYNC_LOG, root, _env())
    pids[f"{home.name}'s watcher"] = proc.pid
    processes.record(root / PIDS, pids)
    return proc


def _heard(home: Path, agent: str, watchers: list[subprocess.Popen[bytes]]) -> bool:
    """Wait until the replica in ``home`` hears of ``agent``: both watchers are connected
    then, so what the demo suggests (`inbox who` first) shows at once."""
    replica = Replica.open(home, agent="me")
    try:
        deadline = time.monotonic() + HEAR_TIMEOUT
        while time.monotonic() < deadline:
            if any(agent == state["agent"] for state in presence.others(replica)):
                return True
            for proc in watchers:
                if proc.poll() is not None:
                    raise InboxError(f"a demo watcher stopped; see {home.parent}/*/{SYNC_LOG}")
            time.sleep(STEP)
        return False
    finally:
        replica.close()
