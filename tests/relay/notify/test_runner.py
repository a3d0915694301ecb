"""The notifier beside a real relay: events told to a real HTTP server, Slack's format
and signed webhooks, retried when the receiver fails, once from one place, and none
lost when the notifier is killed (at least once, with ids to drop the second by); SLA
warnings and breaches as their time passes, once each across a relay's restart, from a
notifier the running relay started when the first one was added."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from tests.conftest import INBOX, ROOT, run_inbox
from tests.relay.notify.receivers import Receiver, verified
from tests.relay.relays import BEN, DANA, RelayProcess, join_admin, mail_now, ok, pair, wait_for

SECRET = b"s3cret-for-signing"


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayProcess]:
    """The relay with its notifier run by hand (``Notifier``), to be killed and started."""
    where = tmp_path / "relay"
    where.mkdir()
    process = RelayProcess(where, args=("--no-notifier",)).start()
    yield process
    process.stop()


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[RelayProcess]:
    """The relay as `inbox relay serve` runs it, starting its own notifier."""
    where = tmp_path / "serving"
    where.mkdir()
    process = RelayProcess(where).start()
    yield process
    process.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first={"/flaky": 2})
    yield r
    r.stop()


def _secret_file(where: Path, name: str, text: str) -> Path:
    path = where / name
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


def _notify(relay: RelayProcess, *args: str) -> str:
    done = run_inbox(relay.where, "notify", *args, "--store", str(relay.store))
    assert done.returncode == 0, done.stderr
    return str(done.stderr)


class Notifier:
    def __init__(self, relay: RelayProcess) -> None:
        self.log = open(relay.where / "notifier.log", "ab")  # noqa: SIM115
        argv = [*INBOX, "relay", "notifier", "--store", str(relay.store), "--url", relay.url]
        env = {k: v for k, v in os.environ.items() if k != "INBOX_NOW"}
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log, stderr=self.log)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(10)
        self.log.close()


def _workspace(relay: RelayProcess, tmp_path: Path) -> tuple[Path, str]:
    """Dana's replica with the example mail, and Ben joined."""
    a, _ = pair(relay, tmp_path)
    ok(a, "sync")
    return a, ok(a, "list", "--limit", "1", "-0").strip("\0")


def _ready(relay: RelayProcess) -> bool:
    return (relay.where / "relay.notifier" / "replica.db").exists() and "connected as" in (
        relay.where / "notifier.log"
    ).read_text()


def test_events_reach_slack_and_signed_webhooks_once_and_a_failing_one_after_retries(
    relay: RelayProcess, tmp_path: Path, receiver: Receiver
) -> None:
    a, conv = _workspace(relay, tmp_path)
    slack = _secret_file(tmp_path, "slack.url", receiver.url("/slack"))
    key = _secret_file(tmp_path, "hook.key", SECRET.decode())
    _notify(relay, "add", "slack", "--webhook-file", str(slack), "--on", "mention,assigned")
    _notify(relay, "add", "webhook", receiver.url("/hook"), "--secret-file", str(key), "--on", "*")
    _notify(relay, "add", "webhook", receiver.url("/flaky"), "--secret-file", str(key))
    notifier = Notifier(relay)
    try:
        assert wait_for(lambda: _ready(relay), 20), (relay.where / "notifier.log").read_text()
        ok(a, "assign", conv, "--to", BEN)
        ok(a, "note", conv, "-m", "@ben over to you")
        ok(a, "tag", conv, "--add", "vip")
        ok(a, "sync")
        assert wait_for(lambda: len(receiver.events("/hook")) >= 3, 20), receiver.calls
        assert wait_for(lambda: len(receiver.at("/slack")) >= 2, 20)
        assert wait_for(lambda: len(receiver.at("/flaky")) >= 5, 30), receiver.calls
    finally:
        notifier.stop()
    hook = receiver.events("/hook")
    assert sorted(e["event"] for e in hook) == ["assigned", "mention", "tag.added"]  # no history
    assert all(verified(c, SECRET) for c in receiver.at("/hook"))
    assert not verified(receiver.at("/hook")[0], b"another secret")
    heads = [{k.lower(): v for k, v in c["headers"].items()} for c in receiver.at("/hook")]
    assert [h["x-inbox-event-id"] for h in heads] == [e["id"] for e in hook]
    texts = [json.loads(c["body"])["text"] for c in receiver.at("/slack")]
    assert len(texts) == 2 and any("mentioned ben@acme.example.com" in t for t in texts)
    flaky = receiver.at("/flaky")
    assert {json.loads(c["body"])["id"] for c in flaky} == {e["id"] for e in hook}
    listed = json.loads(
        run_inbox(relay.where, "notify", "list", "--json", "--store", str(relay.store)).stdout
    )
    by_url = {n["url"]: n for n in listed}
    assert by_url[receiver.url("/flaky")]["deliveries"] == {"sent": 3}
    assert all(SECRET.decode() not in json.dumps(n) for n in listed)


def test_a_killed_notifier_loses_no_event(
    relay: RelayProcess, tmp_path: Path, receiver: Receiver
) -> None:
    a, conv = _workspace(relay, tmp_path)
    key = _secret_file(tmp_path, "hook.key", SECRET.decode())
    _notify(relay, "add", "webhook", receiver.url("/hook"), "--secret-file", str(key))
    notifier = Notifier(relay)
    assert wait_for(lambda: _ready(relay), 20)
    wanted = set()
    for n in range(3):
        ok(a, "tag", conv, "--add", f"t{n}")
        ok(a, "sync")
        if n == 1:
            notifier.kill()  # wherever it was: before, between or after the ledger
            ok(a, "note", conv, "-m", "@ben while it was down")
            ok(a, "sync")
            notifier = Notifier(relay)
    wanted = {f"t{n}" for n in range(3)}
    try:
        assert wait_for(
            lambda: (
                wanted <= {e.get("tag") for e in receiver.events("/hook")}
                and "mention" in {e["event"] for e in receiver.events("/hook")}
            ),
            30,
        ), receiver.events("/hook")
    finally:
        notifier.stop()
    got = receiver.events("/hook")
    by_id: dict[str, dict[str, object]] = {}
    for e in got:
        assert by_id.setdefault(e["id"], e) == e  # told twice: the same event, the same id
    assert sorted(str(e["event"]) for e in by_id.values()) == ["mention"] + ["tag.added"] * 3


def test_notify_add_refuses_plain_http_off_loopback_and_secrets_on_the_command_line(
    relay: RelayProcess, tmp_path: Path
) -> None:
    key = _secret_file(tmp_path, "hook.key", "k")
    store = ("--store", str(relay.store))
    done = run_inbox(
        relay.where,
        "notify",
        "add",
        "webhook",
        "http://hooks.example.com/x",
        "--secret-file",
        str(key),
        *store,
    )
    assert done.returncode == 2 and "https" in done.stderr
    done = run_inbox(relay.where, "notify", "add", "webhook", "https://h.example.com/x", *store)
    assert done.returncode == 2 and "--secret-file" in done.stderr
    done = run_inbox(relay.where, "notify", "add", "slack", "https://hooks.slack.com/x", *store)
    assert done.returncode == 2 and "--webhook-file" in done.stderr
    loose = tmp_path / "loose.key"
    loose.write_text("k\n")
    loose.chmod(0o644)
    done = run_inbox(
        relay.where,
        "notify",
        "add",
        "webhook",
        "https://h.example.com/x",
        "--secret-file",
        str(loose),
        *store,
    )
    assert done.returncode != 0 and "chmod 600" in done.stderr
    done = run_inbox(
        relay.where,
        "notify",
        "add",
        "webhook",
        "https://h.example.com/x",
        "--secret-file",
        str(key),
        "--on",
        "mentoin",
        *store,
    )
    assert done.returncode == 2 and "mentoin" in done.stderr


def test_sla_events_reach_a_notifier_added_while_the_relay_runs_once_across_a_restart(
    serving: RelayProcess, tmp_path: Path, receiver: Receiver
) -> None:
    a = join_admin(serving, tmp_path / "a", DANA)
    ok(a, "sla", "add", "fast", "--first-response", "12s", "--warn-before", "6s", "--default")
    ok(a, "sync")
    key = _secret_file(tmp_path, "hook.key", SECRET.decode())
    on = ("--on", "sla-warning,sla-breached")
    _notify(serving, "add", "webhook", receiver.url("/hook"), "--secret-file", str(key), *on)

    def ready() -> bool:  # started by the running relay: no restart
        home = serving.where / "relay.notifier" / "replica.db"
        return home.exists() and "connected as notifier" in serving.logged()

    assert wait_for(ready, 30), serving.logged()
    mbox = mail_now(tmp_path / "now.mbox", "Export broken")
    ok(a, "import", str(mbox))
    ok(a, "sync")
    assert wait_for(lambda: receiver.events("/hook"), 30), serving.logged()
    serving.stop()  # the relay and its notifier; the breach falls while they are down
    sent = parsedate_to_datetime(mbox.read_text().split("Date: ")[1].split("\n")[0])
    time.sleep(max(0.0, sent.timestamp() + 12 - time.time()))
    serving.start()
    assert wait_for(lambda: len(receiver.events("/hook")) >= 2, 30), serving.logged()
    got = receiver.events("/hook")
    assert [e["event"] for e in got] == ["sla.warning", "sla.breached"]  # once each
    assert len({e["id"] for e in got}) == 2 and all(
        verified(c, SECRET) for c in receiver.at("/hook")
    )
    assert got[1]["due_at"] == got[1]["at"] and got[1]["target"] == "first_response"
    listed = json.loads(ok(a, "list", "--json"))
    assert got[1]["conversation"] == listed[0]["id"] and got[1]["due_at"] == listed[0]["sla_due_at"]
    store = ("--store", str(serving.store))
    ledger = json.loads(run_inbox(serving.where, "notify", "list", "--json", *store).stdout)
    assert ledger[0]["deliveries"] == {"sent": 2}  # one row each in the ledger
