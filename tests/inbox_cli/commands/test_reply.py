"""`inbox reply`: bodies, drafts, collisions and ownership, through real processes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run, as_json, run_inbox, run_on_terminal

DANA, BEN = "dana@acme.example.com", "ben@acme.example.com"
MAILBOX = "support@acme.example.com"


def mail(n: int, subject: str, body: str, parent: str | None = None) -> str:
    threading = f"In-Reply-To: <{parent}>\nReferences: <{parent}>\n" if parent else ""
    return (
        f"From: Kim Lee <kim@example.org>\nTo: Acme Support <{MAILBOX}>\n"
        f"Subject: {subject}\nDate: Mon, 02 Feb 2026 09:{n:02d}:00 +0000\n"
        f"Message-ID: <kim-{n}@example.org>\n{threading}\n{body}\n"
    )


def import_mail(run: Run, folder: Path, *mails: str) -> None:
    folder.mkdir(exist_ok=True)
    for text in mails:
        (folder / f"{len(list(folder.iterdir())):03d}.eml").write_text(text)
    assert run("import", str(folder)).returncode == 0


@pytest.fixture
def thread(run: Run, tmp_path: Path) -> str:
    """An email conversation: Kim's question and her follow-up to it."""
    assert run("mailbox", "add", MAILBOX).returncode == 0
    import_mail(
        run,
        tmp_path / "mail",
        mail(1, "Order 1042 missing", "Where is my order?"),
        mail(2, "Re: Order 1042 missing", "Any news?", parent="kim-1@example.org"),
    )
    [conv] = as_json(run("list", "--json"))
    return str(conv["id"])


def shown(run: Run, ident: str) -> dict[str, Any]:
    return dict(as_json(run("show", ident, "--json")))


def replies_of(run: Run, ident: str) -> list[dict[str, Any]]:
    return [m for m in shown(run, ident)["messages"] if m["direction"] == "out"]


def drafts(home: Path) -> list[str]:
    folder = home / "drafts"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def set_relay(home: Path) -> None:
    """What `inbox join` records: this replica now has a relay to confirm claims."""
    from crdt.replica import Replica

    replica = Replica.open(home)
    try:
        replica.store.set_meta("relay_url", "wss://relay.invalid")
    finally:
        replica.close()


# -- bodies -----------------------------------------------------------------------------------


def test_reply_records_a_queued_outbound_message(run: Run, thread: str) -> None:
    done = run("reply", thread[:6], "-m", "It ships today.", stdin="")
    assert done.returncode == 0, done.stderr
    [reply] = replies_of(run, thread)
    assert done.stdout == reply["id"] + "\n"  # piped: the full id, as data
    assert f"reply queued on {thread[:8]} (delivery: queued)" in done.stderr
    assert reply["body"] == "It ships today."
    assert reply["delivery"] == "queued"
    assert (reply["from"], reply["from_name"], reply["author"]) == (MAILBOX, "Dana Whitfield", DANA)
    assert reply["to"] == ["kim@example.org"]
    assert reply["subject"] == "Re: Order 1042 missing"
    assert reply["in_reply_to"] == ["kim-2@example.org"]
    conv = shown(run, thread)
    assert conv["last_outbound_at"] == reply["created_at"]
    assert conv["status"] == "open"  # a reply leaves the status as it was
    assert ("message_out", DANA) in {(a["action"], a["who"]) for a in conv["activity"]}


def test_show_prints_the_delivery_state(run: Run, thread: str) -> None:
    assert run("reply", thread, "-m", "On its way", stdin="").returncode == 0
    text = run("show", thread).stdout
    assert "→ Dana Whitfield" in text and "(queued)" in text


def test_reply_body_from_stdin(run: Run, thread: str) -> None:
    done = run("reply", thread, "--body-file", "-", stdin="Line one\nLine two\n")
    assert done.returncode == 0, done.stderr
    assert [r["body"] for r in replies_of(run, thread)] == ["Line one\nLine two"]


def test_reply_body_from_a_template(run: Run, thread: str) -> None:
    tpl = "Hi {{customer.first_name}}, it ships today. {{agent.name}}"
    assert run("template", "add", "ships", "-m", tpl).returncode == 0
    assert run("reply", thread, "--template", "ships", stdin="").returncode == 0
    assert [r["body"] for r in replies_of(run, thread)] == [
        "Hi Kim, it ships today. Dana Whitfield"
    ]
    assert run("reply", thread, "--template", "nope", stdin="").returncode == 5


def test_a_template_fills_the_mailbox_it_goes_from(run: Run, thread: str) -> None:
    assert run("mailbox", "add", MAILBOX, "--name", "Acme Support").returncode == 0
    tpl = "{{agent.first_name}} at {{mailbox.name}} <{{mailbox.address}}>"
    assert run("template", "add", "sig", "-m", tpl).returncode == 0
    assert run("reply", thread, "--template", "sig", stdin="").returncode == 0
    [reply] = replies_of(run, thread)
    assert reply["body"] == f"Dana at Acme Support <{MAILBOX}>"


# -- saved replies with actions (macros) ------------------------------------------------------


@pytest.fixture
def refund_macro(run: Run) -> str:
    tpl = "Hi {{customer.first_name}}, refunded."
    assert run("template", "add", "refund-ok", "-m", tpl).returncode == 0
    made = run("macro", "add", "refund", "--tag", "refund", "--reply", "refund-ok",
               "--status", "pending")  # fmt: skip
    assert made.returncode == 0, made.stderr
    return "refund"


def test_reply_with_a_macro_sends_its_template_and_applies_its_actions(
    run: Run, thread: str, refund_macro: str
) -> None:
    done = run("reply", thread, "--macro", refund_macro, "--json", stdin="")
    assert done.returncode == 0, done.stderr
    assert "ran refund: tag refund; status pending" in done.stderr
    [reply] = replies_of(run, thread)
    assert as_json(done)["id"] == reply["id"] and reply["body"] == "Hi Kim, refunded."
    conv = shown(run, thread)
    assert (conv["tags"], conv["status"], conv["assignee"]) == (["refund"], "pending", DANA)


def test_a_macro_without_a_reply_goes_with_the_text_given(run: Run, thread: str) -> None:
    assert run("macro", "add", "done", "--status", "closed").returncode == 0
    assert run("reply", thread, "-m", "All set.", "--macro", "done", stdin="").returncode == 0
    assert [r["body"] for r in replies_of(run, thread)] == ["All set."]
    assert shown(run, thread)["status"] == "closed"


def test_a_held_reply_leaves_the_macros_actions_undone(
    run: Run, thread: str, refund_macro: str
) -> None:
    assert run("claim", thread, env={"INBOX_AGENT": "ben"}).returncode == 0
    done = run("reply", thread, "--macro", refund_macro, stdin="")
    assert done.returncode == 3 and "claimed by ben" in done.stderr
    conv = shown(run, thread)
    assert (conv["tags"], conv["status"], replies_of(run, thread)) == ([], "open", [])


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("-m", "mine"), "replies with template refund-ok; drop the text given"),
        (("--template", "refund-ok"), "drop --template"),
        (("--draft",), "not to a draft"),
    ],
)
def test_a_macros_reply_and_another_body_or_a_draft_are_a_usage_error(
    run: Run, thread: str, refund_macro: str, args: tuple[str, ...], said: str
) -> None:
    done = run("reply", thread, "--macro", refund_macro, *args, stdin="")
    assert done.returncode == 2 and said in done.stderr
    conv = shown(run, thread)
    assert (conv["tags"], replies_of(run, thread)) == ([], [])


def test_an_unknown_macro_exits_5_and_sends_nothing(run: Run, thread: str) -> None:
    done = run("reply", thread, "--macro", "nope", "-m", "Hi", stdin="")
    assert done.returncode == 5 and "no macro 'nope'" in done.stderr
    assert replies_of(run, thread) == []


def test_empty_body_is_refused_and_nothing_is_written(run: Run, home: Path, thread: str) -> None:
    before = shown(run, thread)
    for args in (["-m", "  \n"], ["--body-file", "-"], []):
        done = run("reply", thread, *args, stdin="")
        assert done.returncode == 2, (args, done.stderr)
        assert done.stdout == ""
    assert run("reply", thread, "--draft", "-m", " ", stdin="").returncode == 2
    assert shown(run, thread) == before
    assert drafts(home) == []


def test_two_body_sources_are_a_usage_error(run: Run, thread: str) -> None:
    assert run("reply", thread, "-m", "a", "--template", "t", stdin="").returncode == 2


def test_reply_json_is_the_message_as_show_prints_it(run: Run, thread: str) -> None:
    printed = as_json(run("reply", thread, "-m", "Done", "--json", stdin=""))
    [stored] = replies_of(run, thread)
    assert printed == {**stored, "conversation": thread}
    assert {"id", "message_id", "direction", "from", "to", "body", "created_at"} <= set(printed)
    assert printed["delivery"] == "queued"


def test_chat_reply_comes_from_the_agent(run: Run, conversations: list[str]) -> None:
    assert run("claim", conversations[1]).returncode == 0
    assert run("reply", conversations[1], "-m", "Yes, SSO is included.", stdin="").returncode == 0
    [reply] = [r for r in replies_of(run, conversations[1])]
    assert (reply["channel"], reply["from"], reply["to"]) == ("chat", DANA, ["leo@example.net"])
    assert "subject" not in reply


def test_ids_are_prefixes_and_unknown_ones_exit_5(run: Run, thread: str) -> None:
    done = run("reply", "ffffffff", "-m", "hi", stdin="")
    assert done.returncode == 5
    assert "no conversation" in done.stderr
    assert run("reply", thread[:5], "-m", "hi", stdin="").returncode == 0


# -- drafts -----------------------------------------------------------------------------------


def test_a_draft_is_kept_unsent_and_a_later_reply_sends_it(
    run: Run, home: Path, thread: str
) -> None:
    done = run("reply", thread, "--draft", "-m", "Checking with the warehouse", stdin="")
    assert done.returncode == 0, done.stderr
    text = home / "drafts" / f"{thread}.txt"
    assert done.stdout == f"{text}\n"
    assert text.read_text() == "Checking with the warehouse"
    meta = json.loads((home / "drafts" / f"{thread}.json").read_text())
    conv = shown(run, thread)
    assert meta["seen"] == sorted(m["id"] for m in conv["messages"])
    assert meta["agent"] == DANA and meta["conversation"] == thread
    assert replies_of(run, thread) == []

    updated = run("reply", thread, "--draft", "-m", "It left the warehouse", stdin="")
    assert updated.returncode == 0
    assert json.loads((home / "drafts" / f"{thread}.json").read_text()) == meta  # began then

    sent = run("reply", thread, stdin="")
    assert sent.returncode == 0, sent.stderr
    assert [r["body"] for r in replies_of(run, thread)] == ["It left the warehouse"]
    assert drafts(home) == []


def test_a_note_by_another_agent_after_the_draft_began_holds_the_send(
    run: Run, home: Path, thread: str
) -> None:
    assert run("reply", thread, "--draft", "-m", "Refund on its way", stdin="").returncode == 0
    assert run("note", thread, "-m", "my own note does not hold").returncode == 0
    note = "I already refunded her\nby phone"
    assert run("note", thread, "-m", note, env={"INBOX_AGENT": "ben"}).returncode == 0

    held = run("reply", thread, stdin="")
    assert held.returncode == 3
    assert "held: 1 new since your draft began" in held.stderr
    assert "note by ben" in held.stderr and "I already refunded her" in held.stderr
    assert "by phone" not in held.stderr  # the first line only
    assert replies_of(run, thread) == []
    assert drafts(home) == [f"{thread}.json", f"{thread}.txt"]

    as_error = run("reply", thread, "--json", stdin="")
    assert as_error.returncode == 3 and as_error.stdout == ""
    error = json.loads(as_error.stderr)["error"]
    assert error["code"] == "conflict"
    assert [(i["kind"], i["author"], i["first_line"]) for i in error["new"]] == [
        ("note", BEN, "I already refunded her")
    ]

    forced = run("reply", thread, "--force", stdin="")
    assert forced.returncode == 0, forced.stderr
    assert [r["body"] for r in replies_of(run, thread)] == ["Refund on its way"]
    assert drafts(home) == []


def test_a_customer_mail_after_the_draft_began_holds_the_send(
    run: Run, thread: str, tmp_path: Path
) -> None:
    assert run("reply", thread, "--draft", "-m", "Soon", stdin="").returncode == 0
    import_mail(
        run, tmp_path / "mail", mail(3, "Re: Order 1042", "It arrived!", parent="kim-2@example.org")
    )
    held = run("reply", thread, stdin="")
    assert held.returncode == 3
    assert "message from kim@example.org" in held.stderr and "It arrived!" in held.stderr


def test_editor_on_a_terminal_writes_the_draft_file_and_the_reply_sends_it(
    home: Path, thread: str, tmp_path: Path
) -> None:
    edited = tmp_path / "edited-path"
    script = f'printf "Written in the editor\\n" >> "$0"; printf "%s" "$0" > {edited}'
    done = run_on_terminal(home, "reply", thread, editor=f"sh -c '{script}'")
    assert done.returncode == 0
    assert edited.read_text() == str(home / "drafts" / f"{thread}.txt")
    conv = as_json(run_inbox(home, "show", thread, "--json"))
    assert [m["body"] for m in conv["messages"] if m["direction"] == "out"] == [
        "Written in the editor"
    ]
    assert drafts(home) == []


# -- ownership --------------------------------------------------------------------------------


def test_an_unowned_conversation_is_claimed_by_the_reply(run: Run, thread: str) -> None:
    done = run("reply", thread, "-m", "Mine now", stdin="")
    assert done.returncode == 0
    assert f"claimed {thread[:8]}" in done.stderr
    conv = shown(run, thread)
    assert conv["assignee"] == DANA
    assert [a["action"] for a in conv["activity"]][-2:] == ["claim", "message_out"]


def test_someone_elses_conversation_needs_force(run: Run, thread: str) -> None:
    assert run("claim", thread, env={"INBOX_AGENT": "ben"}).returncode == 0
    done = run("reply", thread, "-m", "Hi", stdin="")
    assert done.returncode == 3
    assert "claimed by ben" in done.stderr and "--force" in done.stderr
    assert replies_of(run, thread) == []
    assert run("reply", thread, "-m", "Hi", "--force", stdin="").returncode == 0
    assert len(replies_of(run, thread)) == 1
    assert shown(run, thread)["assignee"] == BEN  # forcing sends; it takes nothing


def test_a_tentative_own_claim_holds_once_a_relay_can_confirm_it(
    run: Run, home: Path, thread: str
) -> None:
    assert run("claim", thread).returncode == 0
    set_relay(home)
    done = run("reply", thread, "-m", "Hi", stdin="")
    assert done.returncode == 3
    assert "your claim is not confirmed yet (offline)" in done.stderr
    assert replies_of(run, thread) == []
    assert run("reply", thread, "-m", "Hi", "--force", stdin="").returncode == 0
    assert len(replies_of(run, thread)) == 1


def test_a_local_only_replica_sends_on_a_tentative_claim(run: Run, thread: str) -> None:
    assert run("claim", thread).returncode == 0
    assert shown(run, thread)["assignee_tentative"] is True
    assert run("reply", thread, "-m", "Hi", stdin="").returncode == 0
    assert len(replies_of(run, thread)) == 1


def test_an_unowned_conversation_is_claimed_even_with_a_relay(
    run: Run, home: Path, thread: str
) -> None:
    set_relay(home)
    assert run("reply", thread, "-m", "Hi", stdin="").returncode == 0
    assert shown(run, thread)["assignee"] == DANA
