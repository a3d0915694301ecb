"""`inbox ticket`: a conversation becomes a ticket with its history; its type, fields and
status workflow; `ticket list`; the ticket in `show` and `list --json`. A replica never
joined to a relay has only tentative tickets (tests/relay/client/test_tickets.py numbers
them)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Run, as_json
from tests.inbox_cli.test_output import on_terminal


def test_a_conversation_becomes_a_tentative_ticket_keeping_its_history(
    run: Run, conversations: list[str]
) -> None:
    ident = conversations[0]
    before = as_json(run("show", ident, "--json"))
    done = run("ticket", ident[:6], "--type", "incident")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "#? (tentative) incident new\n"
    assert f"{ident[:8]} #? (tentative): made a ticket (incident)" in done.stderr
    after = as_json(run("show", ident, "--json"))
    assert after["messages"] == before["messages"] and after["notes"] == before["notes"]
    assert after["ticket"]["number"] is None and after["ticket"]["tentative"] is True
    assert (after["ticket"]["type"], after["ticket"]["status"]) == ("incident", "new")
    shown = run("show", ident).stdout
    assert "ticket #? (tentative) incident new" in shown
    assert "made this ticket #? (tentative) (incident)" in shown


def test_fields_type_and_status_change_and_say_what_changed(
    run: Run, conversations: list[str]
) -> None:
    ident = conversations[0]
    assert run("ticket", ident).returncode == 0  # a question, by default
    done = run("ticket", ident, "--field", "order=A-1001", "--field", "Plan=pro", "--json")
    assert done.returncode == 0, done.stderr
    out = as_json(done)
    assert out["changed"] == ["order=A-1001", "plan=pro"]
    assert out["ticket"]["fields"] == {"order": "A-1001", "plan": "pro"}
    out = as_json(run("ticket", ident, "--status", "in-progress", "--type", "task", "--json"))
    assert out["changed"] == ["type task", "status in-progress"]
    out = as_json(run("ticket", ident, "--field", "plan=", "--json"))
    assert out["changed"] == ["plan removed"] and out["ticket"]["fields"] == {"order": "A-1001"}
    again = run("ticket", ident, "--status", "in-progress", "--json")
    assert again.returncode == 0 and as_json(again)["changed"] == []  # already so
    listed = {c["id"]: c for c in as_json(run("list", "--json", "--status", "all"))}
    assert listed[ident]["ticket"]["status"] == "in-progress"
    assert listed[conversations[1]]["ticket"] is None


def test_an_illegal_move_exits_3_and_names_the_moves_allowed(
    run: Run, conversations: list[str]
) -> None:
    ident = conversations[0]
    assert run("ticket", ident, "--status", "solved").returncode == 0
    done = run("ticket", ident, "--status", "waiting")
    assert done.returncode == 3
    assert "is solved: it cannot move to waiting (from solved: open, closed)" in done.stderr
    done = run("ticket", ident, "--status", "waiting", "--json")
    assert done.returncode == 3 and '"code": "conflict"' in done.stderr
    assert as_json(run("show", ident, "--json"))["ticket"]["status"] == "solved"


def test_bad_input_is_a_usage_error_and_stores_nothing(run: Run, conversations: list[str]) -> None:
    ident = conversations[0]
    for args, words in (
        (["--status", "done"], "unknown ticket status 'done'"),
        (["--field", "order"], "a field is NAME=VALUE"),
        (["--field", "my order=1"], "a field is NAME=VALUE"),
        (["--type", "bug"], "unknown ticket type 'bug'"),
    ):
        done = run("ticket", ident, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert words in done.stderr
    assert as_json(run("show", ident, "--json"))["ticket"] is None
    assert run("ticket", "ffffffff").returncode == 5


def test_ticket_list_filters_by_type_and_status(run: Run, conversations: list[str]) -> None:
    first, second = conversations[0], conversations[1]
    assert run("ticket", first, "--type", "incident").returncode == 0
    assert run("ticket", second, "--type", "task", "--status", "solved").returncode == 0
    ids = lambda *a: [c["id"] for c in as_json(run("ticket", "list", "--json", *a))]  # noqa: E731
    assert ids() == [first]  # unsolved by default
    assert sorted(ids("--status", "all")) == sorted([first, second])
    assert ids("--status", "all", "--type", "task") == [second]
    assert ids("--status", "solved") == [second]
    piped = run("ticket", "list", "--status", "all").stdout.splitlines()
    assert sorted(line.split("\t")[0] for line in piped) == ["#?", "#?"]
    assert {line.split("\t")[2] for line in piped} == {"incident", "task"}
    done = run("ticket", "list", "--field", "a=b")
    assert done.returncode == 2 and "--field changes one ticket" in done.stderr


def test_a_terminal_shows_a_ticket_column_only_when_a_row_is_one(
    run: Run, home: Path, conversations: list[str]
) -> None:
    code, before = on_terminal(home, "list")
    assert code == 0 and b"TICKET" not in before.upper()
    assert run("ticket", conversations[0], "--type", "incident").returncode == 0
    code, after = on_terminal(home, "list")
    assert code == 0
    header, *rows = [ln for ln in after.decode().splitlines() if ln.strip()]
    assert "TICKET" in header.upper()
    mine = [r for r in rows if "#?" in r]
    assert len(mine) == 1 and len(rows) == len(conversations)
    code, listed = on_terminal(home, "ticket", "list")
    assert code == 0 and b"incident" in listed and b"#?" in listed


def test_an_admin_adds_ticket_types_beside_the_four(run: Run, conversations: list[str]) -> None:
    ident = conversations[0]
    done = run("ticket", ident, "--type", "refund-request")
    assert done.returncode == 2 and "inbox ticket-type add NAME" in done.stderr
    assert (
        run("ticket-type", "add", "refund-request", "--description", "money back").returncode == 0
    )
    listed = as_json(run("ticket-type", "list", "--json"))
    assert [t["name"] for t in listed] == [
        "question",
        "incident",
        "problem",
        "task",
        "refund-request",
    ]
    assert listed[-1]["description"] == "money back" and listed[-1]["added"] is True
    assert as_json(run("ticket", ident, "--type", "refund-request", "--json"))["ticket"][
        "type"
    ] == ("refund-request")
    assert [
        c["id"] for c in as_json(run("ticket", "list", "--type", "refund-request", "--json"))
    ] == [ident]
    assert run("ticket-type", "rm", "refund-request").returncode == 0
    assert as_json(run("show", ident, "--json"))["ticket"]["type"] == "refund-request"  # kept
    assert run("ticket", conversations[1], "--type", "refund-request").returncode == 2
    assert run("ticket-type", "rm", "refund-request").returncode == 5
    for bad in ("incident", "Refund Request"):
        assert run("ticket-type", "add", bad).returncode == 2
