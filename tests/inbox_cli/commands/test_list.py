"""`inbox list` and `inbox search` never cut an answer silently: piped output is whole,
a terminal shows a screenful and says on stderr how much it left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Run, add_chats, as_json, run_on_screen

MANY = 60  # more than a terminal's default of 50


@pytest.fixture
def many(home: Path) -> list[str]:
    chats = [
        {
            "visitor": f"customer{n}@example.com",
            "at": f"2026-11-{1 + n // 24:02d}T{n % 24:02d}:00:00Z",
            "messages": [["in", f"Refund request number {n}"]],
        }
        for n in range(MANY)
    ]
    return add_chats(home, chats)


@pytest.mark.parametrize("command", [("list",), ("search", "refund")], ids=lambda c: c[0])
def test_piped_output_is_never_cut(run: Run, many: list[str], command: tuple[str, ...]) -> None:
    assert len(run(*command).stdout.splitlines()) == MANY
    assert len(run(*command, "-0").stdout.rstrip("\0").split("\0")) == MANY
    assert {r["id"] for r in as_json(run(*command, "--json"))} == set(many)
    jsonl = run(*command, "--jsonl").stdout.splitlines()
    assert {json.loads(line)["id"] for line in jsonl} == set(many)
    assert run(*command, "--limit", "7", "--json").stdout.count('"id"') == 7


def test_ids_piped_from_list_reach_every_conversation(run: Run, many: list[str]) -> None:
    done = run("tag", "--add", "bulk", stdin=run("list", "--status", "open", "-0").stdout)
    assert done.returncode == 0, done.stderr
    assert len(as_json(run("list", "--tag", "bulk", "--json"))) == MANY


@pytest.mark.parametrize("command", [("list",), ("search", "refund")], ids=lambda c: c[0])
def test_a_cut_terminal_listing_says_so(home: Path, many: list[str], command: tuple[str]) -> None:
    code, shown, err = run_on_screen(home, *command)
    assert code == 0, err
    assert len(shown.splitlines()) == 1 + 50  # the header and a screenful
    assert "50 of 60 shown; --limit 0 for all" in err
    code, shown, err = run_on_screen(home, *command, "--limit", "0")
    assert len(shown.splitlines()) == 1 + MANY
    assert "shown" not in err


def test_a_negative_limit_is_a_usage_error(run: Run, many: list[str]) -> None:
    done = run("list", "--limit=-1")
    assert done.returncode == 2
    assert "not a count" in done.stderr and done.stdout == ""


def test_an_empty_search_on_a_terminal_says_no_matches(home: Path, many: list[str]) -> None:
    code, shown, err = run_on_screen(home, "search", "nothingmatchesthis")
    assert (code, shown, err) == (0, "", "no matches\n")
    code, shown, err = run_on_screen(home, "list", "--tag", "nosuchtag")
    assert (code, shown, err) == (0, "", "no conversations match\n")


def test_a_search_on_a_terminal_brackets_every_word(home: Path, many: list[str]) -> None:
    code, shown, err = run_on_screen(home, "search", "refund", "number", "--limit", "1")
    assert code == 0, err
    assert "[Refund] request [number] 59" in shown


def test_a_reply_not_out_yet_is_marked_and_a_bounce_marks_it_failed(
    run: Run, home: Path, tmp_path: Path
) -> None:
    from tests.inbox_cli.commands.test_reply import MAILBOX, import_mail, mail

    assert run("mailbox", "add", MAILBOX).returncode == 0
    import_mail(run, tmp_path / "mail", mail(1, "Order 1042 missing", "Where is my order?"))
    (conv,) = as_json(run("list", "--json"))
    assert conv["delivery"] is None and conv["undelivered"] is None
    sent = as_json(run("reply", conv["id"], "-m", "It ships today.", "--json", stdin=""))
    (conv,) = as_json(run("list", "--json"))
    assert (conv["delivery"], conv["undelivered"]) == ("queued", "queued")
    code, shown, err = run_on_screen(home, "list")
    assert code == 0, err
    header, row = shown.splitlines()
    assert "REPLY" in header.split() and "queued" in row.split()
    bounce = (  # the mail server's answer to the reply's mail, imported as a person would
        "From: MAILER-DAEMON@mx.example.org\nTo: support@acme.example.com\n"
        "Subject: Undelivered Mail Returned to Sender\nDate: Mon, 02 Feb 2026 10:00:00 +0000\n"
        "Message-ID: <bounce-1@mx.example.org>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
        "--b\nContent-Type: text/plain\n\nNot delivered.\n"
        "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        "Final-Recipient: rfc822; kim@example.org\nAction: failed\nStatus: 5.1.1\n"
        "Diagnostic-Code: smtp; 550 5.1.1 mailbox unavailable\n"
        f"--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{sent['id']}@acme.example.com>\n"
        "--b--\n"
    )
    import_mail(run, tmp_path / "bounces", bounce)
    (conv,) = as_json(run("list", "--json"))
    assert (conv["delivery"], conv["undelivered"]) == ("failed", "failed")
    assert "FAILED" in run_on_screen(home, "list")[1]
    assert "failed: bounced: 550 5.1.1 mailbox unavailable" in run("show", conv["id"]).stdout
