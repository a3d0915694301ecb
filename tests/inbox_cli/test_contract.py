"""The command line contract: output shapes, ids from stdin, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import Run, as_json

LIST_FIELDS = {
    "id",
    "subject",
    "status",
    "assignee",
    "tags",
    "channel",
    "mailbox",
    "customer",
    "priority",
    "sentiment",
    "created_at",
    "updated_at",
    "message_count",
}


def test_list_json_has_the_documented_fields(run: Run, conversations: list[str]) -> None:
    rows = as_json(run("list", "--json"))
    assert {r["id"] for r in rows} == set(conversations)
    for row in rows:
        assert set(row) >= LIST_FIELDS
        assert row["created_at"].endswith("Z")


def test_list_is_newest_first_and_limited(run: Run, conversations: list[str]) -> None:
    rows = as_json(run("list", "--json", "--limit", "2"))
    assert [r["id"] for r in rows] == [conversations[2], conversations[1]]


def test_piped_list_is_tab_separated_without_header(run: Run, conversations: list[str]) -> None:
    done = run("list")
    lines = done.stdout.splitlines()
    assert len(lines) == 3
    assert all(line.count("\t") == 9 for line in lines)
    assert {line.split("\t")[0] for line in lines} == set(conversations)
    # the labels came after the first seven columns, which keep their places
    assert {line.split("\t")[7] for line in lines} == {"normal"}


def test_list_nul_separated_ids(run: Run, conversations: list[str]) -> None:
    out = run("list", "-0").stdout
    assert out.endswith("\0")
    assert set(out.rstrip("\0").split("\0")) == set(conversations)


def test_ids_from_stdin_feed_the_next_command(run: Run, conversations: list[str]) -> None:
    ids = run("list", "-0").stdout
    assert run("assign", "--to", "ben", stdin=ids).returncode == 0
    rows = as_json(run("list", "--json", "--assignee", "ben"))
    assert {r["id"] for r in rows} == set(conversations)


def test_show_json_adds_messages_notes_activity(run: Run, conversations: list[str]) -> None:
    conv = as_json(run("show", conversations[0][:6], "--json"))
    assert conv["id"] == conversations[0]
    assert [m["direction"] for m in conv["messages"]] == ["in", "out"]
    for m in conv["messages"]:
        assert {
            "id",
            "message_id",
            "direction",
            "from",
            "to",
            "body",
            "created_at",
            "delivery",
        } <= set(m)
    assert {"who", "action", "at"} <= set(conv["activity"][0])
    assert conv["notes"] == []


def test_unknown_id_exits_5(run: Run, conversations: list[str]) -> None:
    done = run("show", "ffffffffffff")
    assert done.returncode == 5
    assert "no conversation" in done.stderr


def test_ambiguous_prefix_exits_5_and_names_matches(run: Run, home: Path) -> None:
    from tests.conftest import add_chats

    chats = [
        {
            "visitor": f"v{n}@example.com",
            "at": f"2026-11-01T10:{n:02d}:00Z",
            "messages": [["in", f"hello {n}"]],
        }
        for n in range(40)
    ]
    ids = add_chats(home, chats)
    first = {}
    for ident in ids:
        first.setdefault(ident[0], []).append(ident)
    prefix, matches = next((p, m) for p, m in first.items() if len(m) > 1)
    done = run("show", prefix)
    assert done.returncode == 5
    assert "ambiguous" in done.stderr
    for ident in matches:
        assert ident[:2] in done.stderr


def test_error_is_json_on_stderr_with_json_flag(run: Run, conversations: list[str]) -> None:
    done = run("show", "ffffffffffff", "--json")
    assert done.returncode == 5
    assert done.stdout == ""
    assert json.loads(done.stderr)["error"]["code"] == "not_found"


def test_usage_error_exits_2(run: Run) -> None:
    assert run("list", "--status", "bogus").returncode == 2
    assert run("frobnicate").returncode == 2


def test_claim_held_by_someone_else_exits_3(run: Run, conversations: list[str]) -> None:
    assert run("claim", conversations[0]).returncode == 0
    done = run("claim", conversations[0], env={"INBOX_AGENT": "ben"})
    assert done.returncode == 3
    assert "claimed by Dana Whitfield" in done.stderr
    assert run("claim", conversations[0]).returncode == 0  # already yours: exit 0
    assert as_json(run("show", conversations[0], "--json"))["assignee"] == "dana@acme.example.com"


def test_note_mentions_reach_the_mentioned_agent(run: Run, conversations: list[str]) -> None:
    assert run("note", conversations[1], "-m", "@ben can you check SSO?").returncode == 0
    mine = as_json(run("mentions", "--json", env={"INBOX_AGENT": "ben"}))
    assert [m["conversation"] for m in mine] == [conversations[1]]
    assert mine[0]["author"] == "dana@acme.example.com"
    assert as_json(run("mentions", "--json")) == []


def test_body_file_that_is_not_utf8_changes_nothing(
    run: Run, conversations: list[str], tmp_path: Path
) -> None:
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Grüße".encode("latin-1"))
    done = run("note", conversations[0], "--body-file", str(bad))
    assert done.returncode == 2
    assert "not UTF-8" in done.stderr
    assert as_json(run("show", conversations[0], "--json"))["notes"] == []


def test_tag_filter_and_search(run: Run, conversations: list[str]) -> None:
    assert run("tag", conversations[0], conversations[2], "--add", "Refund").returncode == 0
    tagged = as_json(run("list", "--tag", "refund", "--json"))
    assert {r["id"] for r in tagged} == {conversations[0], conversations[2]}
    found = as_json(run("search", "double charge", "--json"))
    assert [r["id"] for r in found] == [conversations[0]]


def test_status_close_reopen_and_filters(run: Run, conversations: list[str]) -> None:
    assert run("close", conversations[0]).returncode == 0
    assert conversations[0] not in {r["id"] for r in as_json(run("list", "--json"))}
    closed = as_json(run("list", "--status", "closed", "--json"))
    assert [r["id"] for r in closed] == [conversations[0]]
    assert run("status", conversations[0], "pending").returncode == 0
    pending = as_json(run("list", "--status", "pending", "--json"))
    assert [r["id"] for r in pending] == [conversations[0]]


def test_snooze_hides_until_time(run: Run, conversations: list[str]) -> None:
    assert run("snooze", conversations[1], "--until", "2h").returncode == 0
    assert conversations[1] not in {r["id"] for r in as_json(run("list", "--json"))}
    snoozed = as_json(run("list", "--status", "snoozed", "--json"))
    assert [r["id"] for r in snoozed] == [conversations[1]]
    later = {"INBOX_NOW": "2099-01-01T00:00:00Z"}
    assert conversations[1] in {r["id"] for r in as_json(run("list", "--json", env=later))}


def test_customer_timeline_spans_conversations(run: Run, conversations: list[str]) -> None:
    found = as_json(run("customer", "MARIA@example.com", "--json"))
    assert found["name"] == "Maria Santos"
    assert {c["id"] for c in found["conversations"]} == {conversations[0], conversations[2]}
    times = [m["created_at"] for m in found["messages"]]
    assert times == sorted(times) and len(times) == 3


def test_templates_render_customer_variables(run: Run, conversations: list[str]) -> None:
    assert (
        run("template", "add", "hi", "-m", "Hi {{customer.first_name}}, {{agent.name}}").returncode
        == 0
    )
    done = as_json(run("template", "show", "hi", "--for", conversations[0], "--json"))
    assert done["rendered"] == "Hi Maria, Dana Whitfield"
    assert run("template", "show", "nope").returncode == 5


def test_macro_applies_its_actions_in_order(run: Run, conversations: list[str]) -> None:
    assert (
        run(
            "macro",
            "add",
            "refund",
            "--tag",
            "refund",
            "--status",
            "pending",
            "--note",
            "waiting for finance",
            "--assign",
            "ben",
        ).returncode
        == 0
    )
    assert run("macro", "run", "refund", conversations[0]).returncode == 0
    conv = as_json(run("show", conversations[0], "--json"))
    assert conv["tags"] == ["refund"]
    assert conv["status"] == "pending"
    assert conv["assignee"] == "ben@acme.example.com"
    assert [n["body"] for n in conv["notes"]] == ["waiting for finance"]


def test_merge_folds_messages_and_hides_source(run: Run, conversations: list[str]) -> None:
    assert run("merge", conversations[2], "--into", conversations[0]).returncode == 0
    target = as_json(run("show", conversations[0], "--json"))
    assert len(target["messages"]) == 3
    assert conversations[2] not in {
        r["id"] for r in as_json(run("list", "--json", "--status", "all"))
    }


def test_reindex_rebuilds_the_same_index(run: Run, conversations: list[str]) -> None:
    run("tag", conversations[0], "--add", "vip")
    run("note", conversations[0], "-m", "@ben look")
    before = as_json(run("list", "--json", "--status", "all"))
    assert run("reindex").returncode == 0
    assert as_json(run("list", "--json", "--status", "all")) == before
    assert len(as_json(run("mentions", "--json", env={"INBOX_AGENT": "ben"}))) == 1


def test_home_option_works_before_and_after_the_command(home: Path, tmp_path: Path) -> None:
    from tests.conftest import INBOX, ROOT

    env = {k: v for k, v in os.environ.items() if k != "INBOX_HOME"}
    env["XDG_DATA_HOME"] = str(tmp_path / "nowhere")
    for args in (["--home", str(home), "agent", "list"], ["agent", "list", "--home", str(home)]):
        done = subprocess.run(INBOX + args, env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "dana@acme.example.com" in done.stdout


def test_declared_mailbox_makes_our_sent_mail_outbound(run: Run, tmp_path: Path) -> None:
    mail = tmp_path / "sent.eml"
    mail.write_text(
        "From: Acme Support <support@acme.example.com>\nTo: Kim Lee <kim@example.org>\n"
        "Subject: Your order\nDate: Mon, 02 Feb 2026 09:31:10 +0000\n"
        "Message-ID: <out-1@acme.example.com>\n\nIt ships today.\n"
    )
    assert run("mailbox", "add", "support@acme.example.com").returncode == 0
    assert "support@acme.example.com" in run("mailbox", "list").stdout
    assert run("import", str(mail)).returncode == 0
    [conv] = as_json(run("list", "--json"))
    assert conv["customer"] == "kim@example.org"
    shown = as_json(run("show", conv["id"], "--json"))
    assert [(m["direction"], m["delivery"]) for m in shown["messages"]] == [("out", "sent")]


def test_note_body_comes_from_the_editor_on_a_terminal(
    home: Path, conversations: list[str]
) -> None:
    from tests.conftest import run_on_terminal

    editor = 'sh -c \'printf "@ben written in the editor\\n# a comment\\n" > "$0"\''
    done = run_on_terminal(home, "note", conversations[0], editor=editor)
    assert done.returncode == 0
    from tests.conftest import run_inbox

    notes = as_json(run_inbox(home, "show", conversations[0], "--json"))["notes"]
    assert [n["body"] for n in notes] == ["@ben written in the editor"]
    assert notes[0]["mentions"] == ["ben@acme.example.com"]
