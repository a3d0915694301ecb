"""`inbox draft`, `inbox summarize`, `inbox similar` on a replica with the threading
corpus imported and the team's saved replies: the real embedding model (and, with
--rewrite, the shipped GGUF) runs in each process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crdt.replica import Replica
from models.assist import guardrails, phrases, similar
from models.cache import Cache
from models.triage.lexical import Lexical
from tests.conftest import DATA, Run, as_json

SAVED = DATA / "saved-replies.jsonl"


@pytest.fixture
def mail(run: Run, home: Path) -> dict[str, str]:
    """The corpus imported, the saved replies added: conversation id by subject."""
    assert run("import", str(DATA / "threading-dev")).returncode == 0
    for line in SAVED.read_text(encoding="utf-8").splitlines():
        saved = json.loads(line)
        added = run("template", "add", saved["name"], "--body-file", "-", stdin=saved["body"])
        assert added.returncode == 0, added.stderr
    rows = as_json(run("list", "--status", "all", "--json"))
    return {r["subject"]: r["id"] for r in rows}


def test_draft_adapts_a_saved_reply_and_reply_sends_it(run: Run, mail: dict[str, str]) -> None:
    ident = mail["Password reset email never arrives"]
    out = as_json(run("draft", ident[:8], "--json"))
    assert out["conversation"] == ident
    assert out["sources"][0] == "password-reset"
    assert out["body"].startswith("Hi Gordon,")
    assert "spam or quarantine folder" in out["body"]
    assert not [f for f in out["flags"] if f["rule"] in ("invented", "repeated")]
    sent = as_json(run("reply", ident[:8], "--json"))
    assert sent["body"] == out["body"].strip()


def test_draft_keeps_a_draft_the_agent_wrote(run: Run, mail: dict[str, str]) -> None:
    ident = mail["Invoice"]
    assert run("reply", ident[:8], "--draft", "-m", "my own words").returncode == 0
    done = run("draft", ident[:8])
    assert done.returncode == 3
    assert "--force" in done.stderr
    assert run("draft", ident[:8], "--force").returncode == 0


def test_a_rewrite_by_the_shipped_model_passes_the_guardrails_or_is_rejected(
    run: Run, mail: dict[str, str]
) -> None:
    ident = mail["Card declined and now locked out of our account"]
    out = as_json(run("draft", ident[:8], "--rewrite", "--json"))
    shown = as_json(run("show", ident[:8], "--json"))
    thread = [shown["subject"], shown["customer_name"], *(m["body"] for m in shown["messages"])]
    saved = {s["name"]: s["body"] for s in map(json.loads, SAVED.read_text().splitlines())}
    sources = [saved.get(s, "") for s in out["sources"]]
    for other in (s for s in out["sources"] if s not in saved):
        sources += [m["body"] for m in as_json(run("show", other, "--json"))["messages"]]
    grounds = [*thread, *sources, "Dana Whitfield", *phrases.HOLDING.values()]
    rejected = [f for f in out["flags"] if f["rejected"] == "model"]
    assert rejected or "+gguf:" in out["method"]
    assert guardrails.invented(out["body"], grounds) == []
    assert guardrails.repeated(out["body"]) == []


def test_a_rewrite_asked_again_is_answered_from_the_cache(
    run: Run, mail: dict[str, str], home: Path
) -> None:
    ident = mail["Password reset email never arrives"]
    plain = as_json(run("draft", ident[:8], "--json"))
    assert run("draft", ident[:8], "--rewrite", "--force").returncode == 0
    with Cache(home) as cache:  # the model's answer, swapped for one it would not write
        assert cache.conn.execute("SELECT count(*) FROM answers").fetchone()[0] == 1
        cache.conn.execute("UPDATE answers SET value = ?", (plain["body"],))
    again = as_json(run("draft", ident[:8], "--rewrite", "--force", "--json"))
    assert "+gguf:" in again["method"]
    assert again["body"] == plain["body"]


def test_summarize_says_what_was_asked_promised_and_is_open(run: Run, mail: dict[str, str]) -> None:
    ident = mail["Card declined and now locked out of our account"]
    out = as_json(run("summarize", ident[:8], "--json"))
    assert out["conversation"] == ident
    assert out["messages"] >= 2
    assert out["asked"] and all(i["text"] for i in out["asked"])
    assert out["promised"][0]["text"].startswith("I have lifted the suspension for 72 hours")
    assert (out["waiting"], out["open"]) == (False, [])  # the last word was "Thank you!"
    assert out["flags"] == []
    text = run("summarize", ident[:8])
    assert text.returncode == 0 and text.stdout.splitlines()[0].endswith(("messages", "waiting"))


def test_similar_lists_past_conversations_with_their_answers(
    run: Run, mail: dict[str, str]
) -> None:
    ident = mail["Technicians can't see tomorrow's jobs in the mobile app"]
    rows = as_json(run("similar", ident[:8], "--limit", "3", "--json"))
    assert len(rows) == 3
    assert ident not in [r["conversation"] for r in rows]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert any(r["answered"] for r in rows)
    assert run("similar", ident[:8], "--limit", "0").returncode == 2


def test_without_an_embedding_model_similar_runs_on_hashed_words(
    home: Path, mail: dict[str, str]
) -> None:
    replica = Replica.open(home)
    try:
        ident = mail["SMS reminders not being sent to customers"]
        rows, why = similar.similar(replica, ident, 3, Lexical())
    finally:
        replica.close()
    assert why is None
    assert rows[0]["subject"] == "Fwd: SMS reminders not being sent to customers"
    assert rows[0]["method"] == "lexical-hash-2048"
