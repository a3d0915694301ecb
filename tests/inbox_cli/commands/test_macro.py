"""`inbox macro`: a macro that replies is checked when saved and sent only by `reply`."""

from __future__ import annotations

from tests.conftest import Run, as_json


def test_a_macro_replying_with_no_saved_template_is_not_saved(run: Run) -> None:
    done = run("macro", "add", "refund", "--tag", "refund", "--reply", "refund-ok")
    assert done.returncode == 5 and "no template 'refund-ok'" in done.stderr
    assert as_json(run("macro", "list", "--json")) == []


def test_a_macro_with_a_reply_is_shown_in_order(run: Run) -> None:
    assert run("template", "add", "refund-ok", "-m", "Refunded.").returncode == 0
    made = run("macro", "add", "refund", "--tag", "refund", "--reply", "refund-ok")
    assert made.returncode == 0, made.stderr
    shown = as_json(run("macro", "show", "refund", "--json"))
    assert shown["actions"] == [{"tag": "refund"}, {"reply": "refund-ok"}]
    assert run("macro", "show", "refund").stdout == "tag refund\nreply refund-ok\n"
    twice = run("macro", "add", "again", "--reply", "refund-ok", "--reply", "refund-ok")
    assert twice.returncode == 2 and "at most one reply" in twice.stderr


def test_macro_run_sends_no_mail_and_changes_nothing(run: Run, conversations: list[str]) -> None:
    assert run("template", "add", "refund-ok", "-m", "Refunded.").returncode == 0
    assert run("macro", "add", "refund", "--tag", "refund", "--reply", "refund-ok").returncode == 0
    before = [as_json(run("show", ident, "--json")) for ident in conversations]
    done = run("macro", "run", "refund", *conversations)
    assert done.returncode == 2
    assert "inbox reply ID --macro refund" in done.stderr
    assert [as_json(run("show", ident, "--json")) for ident in conversations] == before
