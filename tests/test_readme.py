"""The README's commands work: each `inbox ...` line of its tour runs, in order, on a fresh
demo, and exits 0. The lines are read from README.md, so the README cannot rot unseen."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.demos import Demos, end, started_in_background
from tests.relay.relays import free_port, wait_for

README = ROOT / "README.md"
BIN = Path(sys.executable).parent  # where the venv put the `inbox` command
EXAMPLE_MAIL = ROOT / "examples" / "mail" / "support.mbox"
DEMO_DIR = "~/.local/share/inbox-demo"  # where the tour's lines say the demo lives
BEN = "ben@acme.example.com"
OPTIONAL_TOOLS = ("jq",)  # may be missing: the line runs without it, its JSON must parse


def section(text: str, title: str) -> str:
    """The body of the `## title` section of a markdown text."""
    match = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def words(line: str) -> list[str]:
    """The words of a shell line, without leading VAR=value assignments."""
    out = shlex.split(line, comments=True)
    while out and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", out[0]):
        out.pop(0)
    return out


def inbox_lines(block: str) -> list[str]:
    """The indented (code) lines of a section that run `inbox`."""
    lines = [ln.strip() for ln in block.splitlines() if ln.startswith("    ") and ln.strip()]
    return [ln for ln in lines if words(ln)[:1] == ["inbox"]]


def with_paths(line: str) -> str:
    """Home paths (~/...) become the repository's example mailbox, and the repository's
    own paths (examples/...) absolute: the lines run in a scratch directory."""
    line = re.sub(r"(?<![\w/$])examples/\S+", lambda m: shlex.quote(str(ROOT / m[0])), line)
    return re.sub(r"(?<![\w/$])~/\S+", shlex.quote(str(EXAMPLE_MAIL)), line)


@pytest.mark.parametrize("title", ["A tour", "Two replicas and a relay"])
def test_the_readmes_imports_name_mail_that_ships(title: str) -> None:
    """A newcomer pastes the tour in the repository: what it first imports must be there
    (a later `inbox import ~/Maildir/support` is the reader's own mail)."""
    lines = inbox_lines(section(README.read_text(encoding="utf-8"), title))
    imported = [words(line)[2] for line in lines if words(line)[1:2] == ["import"]]
    assert imported
    path = imported[0]
    assert (ROOT / path).is_file(), f"`inbox import {path}` names no file of the repository"


def adapt(line: str) -> tuple[str, bool]:
    """The line as it can run anywhere: with_paths, and a pipe into an optional tool cut
    off. Says whether it was cut (what is left prints JSON)."""
    line = with_paths(line)
    tools = "|".join(re.escape(t) for t in OPTIONAL_TOOLS)
    cut = re.split(rf"\s\|\s*(?:{tools})\b", line, maxsplit=1)[0].rstrip()
    return cut, cut != line


def shell_env(home: Path, scratch: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INBOX_") and k not in ("XDG_DATA_HOME", "XDG_CONFIG_HOME")
    }
    env.update(
        {
            "INBOX_HOME": str(home),
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            "NO_COLOR": "1",
            "HOME": str(scratch),  # a line must never reach the real home
            "XDG_DATA_HOME": str(scratch / "data"),
            "XDG_CONFIG_HOME": str(scratch / "config"),
        }
    )
    return env


def shell(line: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    argv = ["bash", "-o", "pipefail", "-c", line] if shutil.which("bash") else ["sh", "-c", line]
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def run_lines(lines: Iterable[str], home: Path, scratch: Path) -> int:
    """Run shell lines in order with INBOX_HOME=home; each must exit 0. `inbox init`
    makes a new workspace, so it and the lines after it get a fresh home. Returns how
    many lines ran."""
    assert (BIN / "inbox").exists(), f"no `inbox` command in {BIN}: install the package"
    env = shell_env(home, scratch)
    ran = 0
    for line in lines:
        assert words(line)[-1:] != ["&"], f"`{line}` runs until stopped: it would hang here"
        if words(line)[:2] == ["inbox", "init"]:
            fresh = scratch / f"workspace-{ran}"
            env["INBOX_HOME"] = str(fresh)
        command, cut = adapt(line)
        done = shell(command, env, scratch)
        assert done.returncode == 0, f"`{line}` exited {done.returncode}:\n{done.stderr}"
        assert "Traceback" not in done.stderr, f"`{line}`:\n{done.stderr}"
        if cut or ("--json" in words(command) and "|" not in command):
            json.loads(done.stdout)  # what the optional tool would have read
        if cut and all(shutil.which(t) for t in OPTIONAL_TOOLS):
            whole = shell(with_paths(line), env, scratch)
            assert whole.returncode == 0, f"`{line}` exited {whole.returncode}:\n{whole.stderr}"
        ran += 1
    return ran


def fresh_demo(where: Path, demos: Demos) -> Path:
    """A new demo in ``where`` (stopped when the test ends); returns dana's replica."""
    demos.dirs.append(where)
    env = shell_env(where, where.parent)
    done = subprocess.run(
        [str(BIN / "inbox"), "demo", "--dir", str(where)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return where / "dana"


@pytest.fixture
def demos() -> Iterator[Demos]:
    started = Demos()
    yield started
    started.stop_all()


@pytest.mark.parametrize("title", ["A tour", "For scripts"])
def test_readme_commands_run_on_a_fresh_demo(tmp_path: Path, title: str, demos: Demos) -> None:
    lines = inbox_lines(section(README.read_text(encoding="utf-8"), title))
    assert lines, f"no `inbox` lines found in '{title}'"
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    home = fresh_demo(tmp_path / "demo", demos)
    lines = [ln.replace(DEMO_DIR, str(home.parent)) for ln in lines]  # this test's demo
    assert run_lines(lines, home, scratch) == len(lines)


def test_two_replicas_and_a_relay_as_the_readme_says(tmp_path: Path) -> None:
    """The relay section's lines, in order, on a new relay. Those that run until stopped
    (`relay serve`, a line ending in `&`) run in the background until the test ends; 8787
    becomes a free port, since another relay may hold that one. A person types slower
    than a test: after a claim, it waits for the relay to confirm it, as the watcher does
    within moments, before the next line (a reply) needs it."""
    lines = inbox_lines(section(README.read_text(encoding="utf-8"), "Two replicas and a relay"))
    port = free_port()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = shell_env(scratch / "dana", scratch)
    running: list[subprocess.Popen[bytes]] = []
    claimed = ""
    try:
        for line in lines:
            command, _ = adapt(line.replace("8787", str(port)))
            if _runs_until_stopped(command):
                running.append(started_in_background(command, env, scratch))
                if words(command)[:3] == ["inbox", "relay", "serve"]:
                    assert wait_for(lambda: _accepts(port), timeout=20), "the relay did not start"
                continue
            done = shell(command, env, scratch)
            assert done.returncode == 0, f"`{line}` exited {done.returncode}:\n{done.stderr}"
            if words(command)[:2] == ["inbox", "claim"]:
                claimed = words(command)[2]
                assert wait_for(partial(_confirmed, claimed, env, scratch)), "still tentative"
        assert len(running) == 2 and claimed, "the section runs a relay, a watcher, a claim"
        # a teammate joining now finds the claim the relay confirmed
        token = shell(
            f"inbox relay token create {BEN} --store ./relay.db > ben.token", env, scratch
        )
        assert token.returncode == 0, token.stderr
        ben = {**env, "INBOX_HOME": str(scratch / "ben")}
        joined = shell(f"inbox join http://127.0.0.1:{port} --token-file ben.token", ben, scratch)
        assert joined.returncode == 0, joined.stderr
        assert _shown(claimed, ben, scratch)["assignee"] == "dana@acme.example.com"
    finally:
        for proc in running:
            end(proc)


def test_a_workspace_begun_alone_as_the_readme_says(tmp_path: Path) -> None:
    """The section's lines in order with the default home (no $INBOX_HOME but where a line
    sets it), the relay in the background: ben's replica ends with dana's conversations,
    under the same ids, and the name he gave."""
    lines = inbox_lines(section(README.read_text(encoding="utf-8"), "A workspace begun alone"))
    port = free_port()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = shell_env(scratch, scratch)
    del env["INBOX_HOME"]
    env["XDG_DATA_HOME"] = str(scratch / ".local" / "share")  # as ~/.local/share/inbox says
    running: list[subprocess.Popen[bytes]] = []
    try:
        for line in lines:
            command = line.replace("8787", str(port))  # its ~/ paths are this test's home
            if words(command)[1:2] == ["import"]:
                command, _ = adapt(command)
            if _runs_until_stopped(command):
                running.append(started_in_background(command, env, scratch))
                assert wait_for(lambda: _accepts(port), timeout=20), "the relay did not start"
                continue
            done = shell(command, env, scratch)
            assert done.returncode == 0, f"`{line}` exited {done.returncode}:\n{done.stderr}"
        assert len(running) == 1, "the section runs a relay"
        ben = {**env, "INBOX_HOME": str(scratch / "ben")}
        ids = [shell("inbox list --status all -0", e, scratch).stdout for e in (env, ben)]
        assert ids[0] and ids[0] == ids[1]
        assert "Ben Okoro" in shell("inbox agent list", ben, scratch).stdout
    finally:
        for proc in running:
            end(proc)


def _runs_until_stopped(command: str) -> bool:
    said = words(command)
    return said[-1:] == ["&"] or said[:3] == ["inbox", "relay", "serve"]


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def _confirmed(ident: str, env: dict[str, str], cwd: Path) -> bool:
    return not _shown(ident, env, cwd)["assignee_tentative"]


def _shown(ident: str, env: dict[str, str], cwd: Path) -> dict[str, Any]:
    done = shell(f"inbox show {ident} --json", env, cwd)
    assert done.returncode == 0, done.stderr
    shown: dict[str, Any] = json.loads(done.stdout)
    return shown


def test_a_relay_on_the_internet_as_the_readme_says(tmp_path: Path) -> None:
    """The TLS section's lines on a certificate of a throwaway CA: `relay serve` with the
    files it names, each join (into a replica of its own) and the sync with a new CA file.
    Hosts become 127.0.0.1 and 8443 a free port; the CA files are that CA, and for the
    join that trusts the system's CAs, $SSL_CERT_FILE stands in for them."""
    from tests.relay import certificates

    lines = inbox_lines(section(README.read_text(encoding="utf-8"), "A relay on the internet"))
    said = [words(line)[:3] for line in lines]
    assert said[0] == ["inbox", "relay", "serve"] and ["inbox", "sync", "--ca-file"] in said
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    made = certificates.make(scratch / "tls")
    for name, source in (("relay.pem", made.cert), ("relay.key", made.key)):
        shutil.copy(source, scratch / name)
    for line in lines:
        for ca in re.findall(r"--ca-file (\S+)", line):
            shutil.copy(made.ca, scratch / ca)
    port = free_port()
    env = shell_env(scratch / "replica-0", scratch)
    relay = started_in_background(lines[0].replace("8443", str(port)), env, scratch)
    try:
        assert wait_for(lambda: _accepts(port), timeout=20), "the relay did not start"
        token = shell(
            "inbox relay token create dana@acme.example.com --store ./relay.db > dana.token",
            env,
            scratch,
        )
        assert token.returncode == 0, token.stderr
        joins = 0
        for line in lines[1:]:
            command = re.sub(r"https://[^/\s]+", f"https://127.0.0.1:{port}", line)
            if words(command)[:2] == ["inbox", "join"]:
                joins += 1
                env["INBOX_HOME"] = str(scratch / f"replica-{joins}")
            trusted = {} if "--ca-file" in command else {"SSL_CERT_FILE": str(made.ca)}
            done = shell(command, {**env, **trusted}, scratch)
            assert done.returncode == 0, f"`{line}` exited {done.returncode}:\n{done.stderr}"
        assert joins == 2
    finally:
        end(relay)


def test_tour_export_names_where_the_demo_lives(tmp_path: Path, demos: Demos) -> None:
    """The tour's `export INBOX_HOME=...` is where a plain `inbox demo` puts it."""
    tour = section(README.read_text(encoding="utf-8"), "A tour")
    match = re.search(r"^\s+export INBOX_HOME=(\S+)", tour, re.M)
    assert match, "the tour has no `export INBOX_HOME=` line"
    fake_home = tmp_path / "home"
    fake_home.mkdir()
    env = shell_env(tmp_path / "unused", fake_home)
    del env["XDG_DATA_HOME"]  # the default applies
    demos.dirs.append(fake_home / ".local" / "share" / "inbox-demo")
    done = subprocess.run(
        [str(BIN / "inbox"), "demo"], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    where = Path(match.group(1).replace("~", str(fake_home), 1))
    assert (where / "replica.db").is_file()
    assert f"export INBOX_HOME={where}" in done.stderr


def test_adapt_cuts_optional_tools_and_home_paths() -> None:
    assert adapt("inbox list --json | jq '.[] | .id'") == ("inbox list --json", True)
    cmd, cut = adapt("inbox import ~/mail/x.mbox   # note")
    assert not cut and str(EXAMPLE_MAIL) in cmd and "~" not in cmd
    assert inbox_lines("    export X=1\n    INBOX_AGENT=ben inbox who\n    make demo\n") == [
        "INBOX_AGENT=ben inbox who"
    ]


def test_the_readmes_mailboxes_are_stored_as_it_says(tmp_path: Path) -> None:
    """Each `relay mailbox add` of "Email: shared addresses" runs as written (lines
    joined where they end in a backslash), in a scratch directory; nothing connects
    yet, and each provider gets the Sent copy the text says."""
    text = section(README.read_text(), "Email: shared addresses")
    code = [ln[4:] for ln in text.splitlines() if ln.startswith("    ") and ln.strip()]
    commands = "\n".join(code).replace("\\\n", "").splitlines()
    adds = [words(c) for c in commands if words(c)[:4] == ["inbox", "relay", "mailbox", "add"]]
    assert len(adds) >= 4
    env = {**os.environ, "INBOX_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}

    def inbox(*argv: str) -> str:
        done = subprocess.run(
            [str(BIN / "inbox"), *argv], cwd=tmp_path, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, (argv, done.stderr)
        return done.stdout

    for argv in adds:
        inbox(*argv[1:])
    listed = json.loads(inbox("relay", "mailbox", "list", "--store", "./relay.db", "--json"))
    copies = {m["address"]: m["sent_copy"] for m in listed}
    assert copies.pop("support@acme.example.com") == "append"  # Fastmail
    assert set(copies.values()) == {"server"} and len(copies) == 3  # Gmail, Microsoft 365


def test_website_chat_as_the_readme_says(tmp_path: Path) -> None:
    """The section's commands run against a store, and the script tag it shows is the one
    the relay serves the widget for."""
    text = section(README.read_text(encoding="utf-8"), "Website chat")
    lines = inbox_lines(text)
    assert words(lines[0])[:3] == ["inbox", "chat", "origins"]
    env = shell_env(tmp_path / "replica", tmp_path)
    for line in lines:
        done = shell(with_paths(line), env, tmp_path)
        assert done.returncode == 0, f"`{line}` exited {done.returncode}:\n{done.stderr}"
    assert "https://www.acme.example.com" in done.stdout
    assert re.search(r'<script src="https://[^"]+/widget\.js" data-workspace="inbox" defer>', text)
    nginx = section(README.read_text(encoding="utf-8"), "A relay on the internet")
    assert "(sync|chat)" in nginx


def test_triage_as_the_readme_says(tmp_path: Path, demos: Demos) -> None:
    """The section's lines on a fresh demo: its first conversation for the id, and the
    project's blind set for the labelled file."""
    lines = inbox_lines(section(README.read_text(encoding="utf-8"), "Triage on your own machine"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    shutil.copy(ROOT / "benchmarks" / "data" / "triage-blind.jsonl", scratch / "labelled.jsonl")
    home = fresh_demo(tmp_path / "demo", demos)
    env = shell_env(home, scratch)
    listed = shell("inbox list --json", env, scratch)
    # one nobody owns yet, as a conversation a reply claims (another's would be held)
    first = next(c["id"] for c in json.loads(listed.stdout) if not c.get("assignee"))
    assert run_lines([ln.replace("3f2a", first) for ln in lines], home, scratch) == len(lines)
    shown = json.loads(shell(f"inbox show {first} --json", env, scratch).stdout)
    assert shown["category"] == "refund" and shown["labels_set_by"]["category"] == "agent"
    assert shown["triage"]["method"].startswith("knn:e5")
    mailboxes = json.loads(shell("inbox mailbox list --json", env, scratch).stdout)
    assert [m["triage"] for m in mailboxes if m["address"] == "support@acme.example.com"] == [True]


def test_sla_policies_as_the_readme_says(tmp_path: Path) -> None:
    lines = inbox_lines(section(README.read_text(encoding="utf-8"), "SLA policies"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "holidays.txt").write_text("2026-12-24  # Christmas Eve\n2026-12-25\n")
    assert run_lines(lines, tmp_path / "home", scratch) == len(lines) >= 8


def test_tickets_as_the_readme_says(tmp_path: Path) -> None:
    """The section's lines on a workspace of its own (tickets stay tentative: no relay),
    then the ticket they made read back."""
    lines = inbox_lines(section(README.read_text(encoding="utf-8"), "Tickets"))
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    assert run_lines(lines, tmp_path / "home", scratch) == len(lines) >= 9
    env = shell_env(scratch / "workspace-0", scratch)  # the home `inbox init` made
    (made,) = json.loads(shell("inbox ticket list --json", env, scratch).stdout)
    assert made["id"].startswith("70af") and made["ticket"]["tentative"] is True
    assert made["ticket"]["fields"] == {"order": "A-1001", "plan": "pro"}
    assert (made["ticket"]["type"], made["ticket"]["status"]) == ("refund-request", "in-progress")


EVENTS = "Events, notifications and analytics"


def test_events_notifications_and_analytics_as_the_readme_says(
    tmp_path: Path, demos: Demos
) -> None:
    """The section's lines on a fresh demo. `watch` runs until stopped: it runs in the
    background while the other lines run, and a claim made meanwhile comes out of it as
    an `assigned` event. The notify lines get the secret files they name; the report and
    the export are read back."""
    lines = inbox_lines(section(README.read_text(encoding="utf-8"), EVENTS))
    watching = [ln for ln in lines if words(ln)[:2] == ["inbox", "watch"]]
    assert len(watching) == 1 and any(words(ln)[:2] == ["inbox", "notify"] for ln in lines)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for name, secret in (
        ("slack.url", "https://hooks.slack.example.com/T0/B0/x"),
        ("hook.key", "k"),
    ):
        (scratch / name).write_text(secret + "\n")
        (scratch / name).chmod(0o600)
    home = fresh_demo(tmp_path / "demo", demos)
    env = shell_env(home, scratch)
    watch = started_in_background(adapt(watching[0])[0], env, scratch)
    log = next(scratch.glob("inbox-watch*.log"))
    try:
        assert wait_for(lambda: "watching" in log.read_text(), timeout=30), log.read_text()
        listed = json.loads(shell("inbox list --assignee none --json", env, scratch).stdout)
        claimed = listed[0]["id"]
        assert shell(f"inbox claim {claimed}", env, scratch).returncode == 0
        rest = [ln for ln in lines if ln not in watching]
        assert run_lines(rest, home, scratch) == len(rest)

        def told() -> list[dict[str, Any]]:
            objects = [ln for ln in log.read_text().splitlines() if ln.startswith("{")]
            return [e for e in map(json.loads, objects) if e["conversation"] == claimed]

        assert wait_for(lambda: any(e["event"] == "assigned" for e in told()), timeout=30)
    finally:
        end(watch)
    kinds = {n["kind"] for n in json.loads(shell("inbox notify list --json", env, scratch).stdout)}
    assert kinds == {"slack", "webhook"}
    report = (scratch / "report.html").read_text()
    assert report.count("<svg") == 2 and "<script" not in report
    total = len(json.loads(shell("inbox list --status all --json", env, scratch).stdout))
    import duckdb

    exported = (
        duckdb.connect()
        .execute(f"SELECT count(*) FROM '{scratch / 'conversations.parquet'}'")
        .fetchone()
    )
    assert exported == (total,)


def test_the_readmes_webhook_check_accepts_what_the_notifier_signs() -> None:
    """The section's Python, run as it is, on a real POST the notifier's own code signs and
    sends: it is accepted; a changed body, another secret or an old timestamp is not."""
    import time

    from relay.notify import deliver
    from tests.relay.notify.receivers import Receiver

    text = section(README.read_text(encoding="utf-8"), EVENTS)
    code = re.search(r"^```python\n(.*?)^```", text, re.M | re.S)
    assert code, f"'{EVENTS}' shows no Python"
    space: dict[str, Any] = {}
    exec(code.group(1), space)  # the README's own snippet
    verified = space["verified"]
    event = {"id": "e1", "event": "mention", "conversation": "c1", "at": "2026-12-06T10:00:00Z"}
    body = deliver.body_of("webhook", event)
    receiver = Receiver()
    try:
        for path, stamp in (("/now", int(time.time())), ("/old", int(time.time()) - 600)):
            head = deliver.headers(event, body, b"k", stamp)
            assert deliver.post(receiver.url(path), body, head).ok
        (now,), (old,) = receiver.at("/now"), receiver.at("/old")
    finally:
        receiver.stop()
    head = {k.lower(): v for k, v in now["headers"].items()}
    assert verified(head, now["body"], b"k")
    assert not verified(head, now["body"] + b" ", b"k")
    assert not verified(head, now["body"], b"other")
    assert not verified({k.lower(): v for k, v in old["headers"].items()}, old["body"], b"k")
