"""`inbox compose`: a new email conversation from a shared mailbox, through real processes;
its flags, errors and exit codes. The mail it becomes, round the loop with real servers:
tests/relay/gateway/test_outbound_compose.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, as_json, run_inbox, run_on_terminal

SUPPORT = "support@acme.example.com"
DANA = "dana@acme.example.com"
BASE = ("compose", "--from", SUPPORT, "--to", "Maria Santos <maria@example.com>")


@pytest.fixture
def mailbox(run: Run) -> str:
    assert run("mailbox", "add", SUPPORT, "--name", "Acme Support").returncode == 0
    return SUPPORT


def shown(run: Run, ident: str) -> dict[str, Any]:
    return dict(as_json(run("show", ident, "--json")))


def nothing_written(run: Run, home: Path) -> bool:
    return (
        as_json(run("list", "--json", "--status", "all")) == [] and not (home / "drafts").exists()
    )


def test_compose_starts_an_owned_conversation_whose_first_message_is_queued(
    run: Run, mailbox: str
) -> None:
    done = run(*BASE, "--cc", "li@example.org", "--subject", "Your order", "-m", "It shipped.")
    assert done.returncode == 0, done.stderr
    ident = done.stdout.strip()  # piped: the conversation's full id, as data
    assert len(ident) == 32
    assert f"conversation {ident[:8]} started; its message is queued" in done.stderr
    conv = shown(run, ident)
    assert (conv["channel"], conv["mailbox"], conv["customer"]) == (
        "email",
        SUPPORT,
        "maria@example.com",
    )
    assert conv["customer_name"] == "Maria Santos"
    assert (conv["subject"], conv["assignee"], conv["status"]) == ("Your order", DANA, "open")
    [first] = conv["messages"]
    assert first["direction"] == "out" and first["delivery"] == "queued"
    assert (first["from"], first["author"], first["subject"]) == (SUPPORT, DANA, "Your order")
    assert first["to"] == ["maria@example.com"] and first["cc"] == ["li@example.org"]
    assert first["body"] == "It shipped." and "in_reply_to" not in first
    assert [r["id"] for r in as_json(run("list", "--json"))] == [ident]


def test_compose_json_is_the_message_with_its_conversation(run: Run, mailbox: str) -> None:
    done = run(*BASE, "--subject", "Hello", "-m", "Hi", "--json")
    assert done.returncode == 0, done.stderr
    message = json.loads(done.stdout)
    conv = shown(run, message["conversation"])
    assert {k: v for k, v in message.items() if k != "conversation"} == conv["messages"][0]


def test_compose_body_from_stdin_and_from_a_file(run: Run, mailbox: str, tmp_path: Path) -> None:
    piped = run(*BASE, "--subject", "A", "--body-file", "-", stdin="From stdin\n")
    assert piped.returncode == 0, piped.stderr
    body = tmp_path / "body.txt"
    body.write_text("From a file\n")
    filed = run(*BASE, "--subject", "B", "--body-file", str(body))
    assert filed.returncode == 0, filed.stderr
    bodies = [shown(run, d.stdout.strip())["messages"][0]["body"] for d in (piped, filed)]
    assert bodies == ["From stdin", "From a file"]


def test_compose_with_a_template_fills_the_customer_and_the_mailbox(run: Run, mailbox: str) -> None:
    text = (
        "Hi {{customer.first_name | there}}, {{agent.first_name}} of {{mailbox.name}} "
        "({{mailbox.address}}) on {{conversation.subject}}."
    )
    assert run("template", "add", "hello", "-m", text).returncode == 0
    done = run(*BASE, "--subject", "Welcome", "--template", "hello")
    assert done.returncode == 0, done.stderr
    [first] = shown(run, done.stdout.strip())["messages"]
    assert first["body"] == (
        "Hi Maria, Dana of Acme Support (support@acme.example.com) on Welcome."
    )
    bare = run(
        "compose",
        "--from",
        SUPPORT,
        "--to",
        "x@example.net",
        "--subject",
        "W",
        "--template",
        "hello",
    )
    assert shown(run, bare.stdout.strip())["messages"][0]["body"].startswith("Hi there, Dana")


def test_a_known_customer_is_called_by_the_name_their_mail_gave(
    run: Run, conversations: list[str], mailbox: str
) -> None:
    assert run("template", "add", "hello", "-m", "Hi {{customer.name}}").returncode == 0
    done = run(
        "compose",
        "--from",
        SUPPORT,
        "--to",
        "leo@example.net",
        "--subject",
        "SSO",
        "--template",
        "hello",
    )
    assert done.returncode == 0, done.stderr
    assert shown(run, done.stdout.strip())["messages"][0]["body"] == "Hi Leo Brandt"


def test_from_a_pipe_without_a_body_is_a_usage_error_and_writes_nothing(
    run: Run, home: Path, mailbox: str
) -> None:
    done = run(*BASE, "--subject", "Hello", stdin="")
    assert done.returncode == 2
    assert "give the message with -m TEXT, --body-file FILE or --template NAME" in done.stderr
    assert nothing_written(run, home)


def test_on_a_terminal_without_a_body_the_editor_writes_it(home: Path, mailbox: str) -> None:
    script = 'printf "Written in the editor\\n" >> "$0"'
    done = run_on_terminal(home, *BASE, "--subject", "Hello", editor=f"sh -c '{script}'")
    assert done.returncode == 0, done.stderr
    ident = done.stdout.decode().strip()
    conv = as_json(run_inbox(home, "show", ident, "--json"))
    assert [m["body"] for m in conv["messages"]] == ["Written in the editor"]


def test_an_editor_left_empty_sends_nothing_and_makes_no_conversation(
    home: Path, mailbox: str
) -> None:
    done = run_on_terminal(home, *BASE, "--subject", "Hello", editor="true")
    assert done.returncode == 2
    assert as_json(run_inbox(home, "list", "--json", "--status", "all")) == []


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (
            ("--from", "sales@acme.example.com", "--to", "a@example.com"),
            2,
            "no mailbox of this workspace",
        ),
        (("--from", SUPPORT, "--to", "not-an-address"), 2, "not an email address"),
        (("--from", SUPPORT, "--to", "a@localhost"), 2, "no mail can be sent"),
        (("--from", SUPPORT, "--to", SUPPORT), 2, "a mailbox of this workspace"),
        (("--from", SUPPORT, "--to", "a@example.com", "--cc", "nope"), 2, "--cc"),
        (
            ("--from", SUPPORT, "--to", "a@example.com", "--template", "nope"),
            5,
            "no template 'nope'",
        ),
        (("--from", SUPPORT, "--to", "a@example.com", "--macro", "nope"), 5, "no macro 'nope'"),
        (
            ("--from", SUPPORT, "--to", "a@example.com", "--macro", "x", "--draft"),
            2,
            "not to a draft",
        ),
        (
            ("--from", SUPPORT, "--to", "a@example.com", "-m", "a", "--body-file", "-"),
            2,
            "not allowed with",
        ),
    ],
)
def test_bad_input_exits_with_its_code_and_writes_nothing(
    run: Run, home: Path, mailbox: str, args: tuple[str, ...], code: int, said: str
) -> None:
    body = () if {"-m", "--template"} & set(args) else ("-m", "Hi")
    done = run("compose", *args, "--subject", "Hello", *body)
    assert done.returncode == code, done.stderr
    assert said in done.stderr
    assert nothing_written(run, home)


@pytest.mark.parametrize("missing", ["--from", "--to", "--subject"])
def test_from_to_and_subject_are_required(run: Run, mailbox: str, missing: str) -> None:
    given = {"--from": SUPPORT, "--to": "a@example.com", "--subject": "Hello"}
    args = [w for flag, value in given.items() if flag != missing for w in (flag, value)]
    done = run("compose", *args, "-m", "Hi")
    assert done.returncode == 2
    assert missing in done.stderr


def test_a_json_error_is_an_object_on_stderr(run: Run, mailbox: str) -> None:
    done = run(
        "compose",
        "--from",
        "x@example.com",
        "--to",
        "a@example.com",
        "--subject",
        "S",
        "-m",
        "Hi",
        "--json",
    )
    assert done.returncode == 2 and done.stdout == ""
    assert json.loads(done.stderr)["error"]["code"] == "usage"


def test_a_draft_makes_the_conversation_and_reply_sends_it_to_everyone_given(
    run: Run, home: Path, mailbox: str
) -> None:
    done = run(*BASE, "--to", "li@example.org", "--cc", "boss@example.net", "--subject", "Later",
               "-m", "Not yet", "--draft", "--json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    draft = json.loads(done.stdout)
    ident = draft["conversation"]
    assert (draft["to"], draft["cc"]) == (
        ["maria@example.com", "li@example.org"],
        ["boss@example.net"],
    )
    conv = shown(run, ident)
    assert conv["messages"] == [] and conv["assignee"] == DANA
    assert [d["agent"] for d in conv["drafts"]] == [DANA]
    sent = run("reply", ident[:8], "--json")
    assert sent.returncode == 0, sent.stderr
    [first] = shown(run, ident)["messages"]
    assert (first["subject"], first["body"], first["delivery"]) == ("Later", "Not yet", "queued")
    assert first["to"] == ["maria@example.com", "li@example.org"] and first["cc"] == [
        "boss@example.net"
    ]
    assert shown(run, ident)["drafts"] == [] and list((home / "drafts").iterdir()) == []


def test_compose_with_a_macro_sends_its_reply_and_applies_its_actions(
    run: Run, mailbox: str
) -> None:
    assert (
        run("template", "add", "welcome", "-m", "Welcome, {{customer.first_name}}!").returncode == 0
    )
    made = run(
        "macro",
        "add",
        "onboard",
        "--tag",
        "onboarding",
        "--reply",
        "welcome",
        "--status",
        "pending",
    )
    assert made.returncode == 0, made.stderr
    done = run(*BASE, "--subject", "Welcome aboard", "--macro", "onboard")
    assert done.returncode == 0, done.stderr
    assert "ran onboard: tag onboarding; status pending" in done.stderr
    conv = shown(run, done.stdout.strip())
    assert (conv["tags"], conv["status"]) == (["onboarding"], "pending")
    assert [m["body"] for m in conv["messages"]] == ["Welcome, Maria!"]
    both = run(*BASE, "--subject", "Two", "--macro", "onboard", "-m", "mine")
    assert both.returncode == 2 and "replies with template welcome" in both.stderr
