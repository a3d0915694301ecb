"""`inbox note`: a mention of nobody is kept, and its author told who it could mean."""

from __future__ import annotations

from tests.conftest import Run, as_json


def test_an_unknown_mention_warns_naming_the_agents_it_could_mean(
    run: Run, conversations: list[str]
) -> None:
    ident = conversations[0]
    done = run("note", ident, "-m", "@bne and @nobody, please look")
    assert done.returncode == 0, done.stderr
    assert "warning: @bne is no agent of this workspace" in done.stderr
    assert "did you mean @ben?" in done.stderr
    assert "warning: @nobody is no agent" in done.stderr and "inbox agent list" in done.stderr
    assert done.stdout == ""
    notes = as_json(run("show", ident, "--json"))["notes"]
    assert notes[-1]["body"] == "@bne and @nobody, please look" and notes[-1]["mentions"] == []


def test_a_known_mention_gives_no_warning(run: Run, conversations: list[str]) -> None:
    done = run("note", conversations[0], "-m", "@ben please look", "--json")
    assert done.returncode == 0 and "warning" not in done.stderr
    assert as_json(done)["unknown_mentions"] == []
