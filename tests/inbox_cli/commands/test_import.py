"""`inbox import`: the threading corpus against its truth, idempotence, mbox and Maildir
sources, broken input and broken replicas."""

from __future__ import annotations

import email
import email.policy
import json
import mailbox
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, add_chats, as_json, new_home, run_inbox

CORPUS = DATA / "threading-dev"
TRUTH = json.loads((CORPUS / "truth.json").read_text(encoding="utf-8"))
NOTICE_KINDS = {"auto-reply", "bounce"}


# -- the corpus, read with the standard library ---------------------------------------------


def raw(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def header_id(name: str) -> str | None:
    """The Message-ID of a corpus file as `show --json` gives it (no angle brackets)."""
    value = email.message_from_bytes(raw(name), policy=email.policy.compat32)["Message-ID"]
    if value is None:
        return None
    return " ".join(str(value).split()).strip("<>") or None


def body_text(name: str) -> str:
    msg = email.message_from_bytes(raw(name), policy=email.policy.default)
    part = msg.get_body(preferencelist=("plain", "html"))
    return str(part.get_content()) if part is not None else ""


EML = sorted(p.name for p in CORPUS.glob("*.eml"))
CORPUS_IDS = {i for i in (header_id(n) for n in EML) if i}


def file_of(message_id: str) -> list[str]:
    return [n for n in EML if header_id(n) == message_id]


def expected_grouping(files_per_conversation: Iterable[list[str]]) -> set[Any]:
    """Each conversation as (its Message-IDs, how many of its mails have none, how many
    distinct mails it holds: one mail delivered twice is one, a reused id on a different
    mail is two)."""
    out = set()
    for files in files_per_conversation:
        ids = frozenset(i for i in (header_id(f) for f in files) if i)
        without = sum(1 for f in files if header_id(f) is None)
        distinct = len({(header_id(f) or f, body_text(f)) for f in files})
        out.add((ids, without, distinct))
    return out


def actual_grouping(convs: Iterable[dict[str, Any]]) -> set[Any]:
    out = set()
    for conv in convs:
        msgs = [m for m in conv["messages"] if m.get("kind") not in NOTICE_KINDS]
        ids = frozenset(m["message_id"] for m in msgs if m["message_id"] in CORPUS_IDS)
        without = sum(1 for m in msgs if m["message_id"] not in CORPUS_IDS)
        out.add((ids, without, len(msgs)))
    return out


# -- replicas -------------------------------------------------------------------------------


def import_json(home: Path, source: Path) -> dict[str, Any]:
    report: dict[str, Any] = as_json(run_inbox(home, "import", str(source), "--json"))
    return report


def everything(home: Path) -> list[dict[str, Any]]:
    rows = as_json(run_inbox(home, "list", "--status", "all", "--limit", "0", "--json"))
    return [as_json(run_inbox(home, "show", row["id"], "--json")) for row in rows]


def holding(convs: list[dict[str, Any]], message_id: str | None) -> list[dict[str, Any]]:
    return [c for c in convs if any(m["message_id"] == message_id for m in c["messages"])]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """One replica with the whole corpus folder imported, shared by read-only tests."""
    home = new_home(tmp_path_factory.mktemp("corpus") / "replica")
    return home, import_json(home, CORPUS)


@pytest.fixture(scope="module")
def corpus_convs(corpus: tuple[Path, dict[str, Any]]) -> list[dict[str, Any]]:
    return everything(corpus[0])


# -- the threading corpus -------------------------------------------------------------------


def test_corpus_folder_groups_as_its_truth(corpus_convs: list[dict[str, Any]]) -> None:
    inbox = [c for c in corpus_convs if c["status"] != "spam"]
    assert actual_grouping(inbox) == expected_grouping(
        c["messages"] for c in TRUTH["conversations"]
    )
    assert len(inbox) == len(TRUTH["conversations"])


def test_truth_json_in_the_folder_is_skipped_with_a_reason(
    corpus: tuple[Path, dict[str, Any]], corpus_convs: list[dict[str, Any]]
) -> None:
    _, report = corpus
    assert report["read"] == len(EML) + 1  # every file of the folder was looked at
    assert report["skipped"], "truth.json must be reported as skipped"
    assert all(isinstance(why, str) and why for why in report["skipped"])
    assert [e["path"] for e in report["not_mail"]] == [str(CORPUS / "truth.json")]
    assert not any("non_conversations" in m["body"] for c in corpus_convs for m in c["messages"])
    # everything read is accounted for
    accounted = report["imported"] + report["duplicates"] + sum(report["skipped"].values())
    assert accounted + report["waiting"] == report["read"]


def test_spam_lands_in_a_spam_conversation_of_its_own(
    corpus: tuple[Path, dict[str, Any]], corpus_convs: list[dict[str, Any]]
) -> None:
    open_ids = {r["id"] for r in as_json(run_inbox(corpus[0], "list", "--limit", "0", "--json"))}
    for case in (n for n in TRUTH["non_conversations"] if n["expect"] == "spam"):
        found = holding(corpus_convs, header_id(case["file"]))
        assert len(found) == 1, case["file"]
        assert found[0]["status"] == "spam"
        assert [m["message_id"] for m in found[0]["messages"]] == [header_id(case["file"])]
        assert found[0]["id"] not in open_ids  # kept out of the inbox


def test_auto_replies_and_bounces_are_messages_with_a_kind(
    corpus: tuple[Path, dict[str, Any]], corpus_convs: list[dict[str, Any]]
) -> None:
    _, report = corpus
    present = 0
    for kind in NOTICE_KINDS:
        cases = [n for n in TRUTH["non_conversations"] if n["expect"] == kind]
        absent = 0
        for case in cases:
            found = [
                m
                for c in corpus_convs
                for m in c["messages"]
                if m["message_id"] == header_id(case["file"])
            ]
            assert all(m.get("kind") == kind for m in found), (case["file"], found)
            assert len(found) <= 1, case["file"]
            present += len(found)
            absent += not found
        # one that threads nowhere (an auto-reply to a broadcast) is skipped, and says so
        said = sum(n for why, n in report["skipped"].items() if why.startswith(kind))
        assert absent == said, (kind, report["skipped"])
    assert report["notices"] == present
    assert present >= 3  # those answering a real conversation are kept inside it


def test_bounce_marks_our_reply_failed(corpus_convs: list[dict[str, Any]]) -> None:
    bounce = next(n["file"] for n in TRUTH["non_conversations"] if n["expect"] == "bounce")
    reply = header_id("043.eml")
    (conv,) = holding(corpus_convs, reply)
    assert header_id(bounce) in {m["message_id"] for m in conv["messages"]}
    delivery = {m["message_id"]: m for m in conv["messages"]}
    assert delivery[reply]["delivery"] == "failed"
    assert delivery[reply]["delivery_detail"] == (
        "bounced: 552 5.2.2 <daniel@achterberg-glass.example.net>: Recipient address rejected:"
        " Mailbox full"
    )
    # the other reply of that conversation went out fine
    others = [m for m in conv["messages"] if m["direction"] == "out" and m["message_id"] != reply]
    assert others and all(m["delivery"] == "sent" for m in others)


def test_reused_message_id_keeps_both_mails(corpus_convs: list[dict[str, Any]]) -> None:
    reused = header_id("066.eml")
    assert reused == header_id("072.eml") and body_text("066.eml") != body_text("072.eml")
    (conv,) = holding(corpus_convs, reused)
    same = [m for m in conv["messages"] if m["message_id"] == reused]
    assert len(same) == 2
    assert same[0]["body"] != same[1]["body"]


def test_auto_replies_do_not_reopen_but_customer_replies_do(tmp_path: Path) -> None:
    """031.eml and 034.eml answer our replies automatically; 041.eml is the customer."""
    home = new_home(tmp_path / "replica")
    first = tmp_path / "first"
    first.mkdir()
    for name in ("029.eml", "030.eml", "032.eml", "033.eml"):
        (first / name).write_bytes(raw(name))
    import_json(home, first)
    convs = everything(home)
    # closed after our reply went out, before the automatic answer came back
    for ours, closed_at in (
        ("030.eml", "2026-02-10T10:02:20Z"),
        ("033.eml", "2026-02-11T09:30:20Z"),
    ):
        (conv,) = holding(convs, header_id(ours))
        done = run_inbox(home, "close", conv["id"], env={"INBOX_NOW": closed_at})
        assert done.returncode == 0, done.stderr
    later = tmp_path / "later"
    later.mkdir()
    for name in ("031.eml", "034.eml"):
        (later / name).write_bytes(raw(name))
    assert import_json(home, later)["notices"] == 2
    for conv in everything(home):
        assert conv["status"] == "closed", conv["subject"]
        assert conv["messages"][-1]["kind"] == "auto-reply"
    customer = tmp_path / "customer"
    customer.mkdir()
    (customer / "041.eml").write_bytes(raw("041.eml"))
    import_json(home, customer)
    (conv,) = holding(everything(home), header_id("041.eml"))
    assert conv["status"] == "open"


def test_search_finds_a_word_of_one_body(
    corpus: tuple[Path, dict[str, Any]], corpus_convs: list[dict[str, Any]]
) -> None:
    home, _ = corpus
    # "bookkeeper" occurs in 041.eml's body only, not in any subject
    assert [n for n in EML if b"bookkeep" in raw(n).lower()] == ["041.eml"]
    (conv,) = holding(corpus_convs, header_id("041.eml"))
    found = as_json(run_inbox(home, "search", "bookkeeper", "--json"))
    assert [r["id"] for r in found] == [conv["id"]]
    assert as_json(run_inbox(home, "search", "bookkeeperz", "--json")) == []


def test_customer_timeline_across_email_and_chat(tmp_path: Path) -> None:
    home = new_home(tmp_path / "replica")
    import_json(home, CORPUS)
    customer = "harriet.okafor@brightlane.example.org"
    chat = {
        "visitor": customer,
        "name": "Harriet Okafor",
        "at": "2026-02-02T12:00:00Z",  # between her morning mails and our afternoon answer
        "messages": [["in", "Any news on the jobs for tomorrow?"], ["out", "Still on it."]],
    }
    (chat_id,) = add_chats(home, [chat])
    found = as_json(run_inbox(home, "customer", customer.upper(), "--json"))
    assert found["email"] == customer
    assert found["name"] == "Harriet Okafor"
    (mail_id,) = {c["id"] for c in found["conversations"]} - {chat_id}
    assert len(found["conversations"]) == 2
    mail_conv = as_json(run_inbox(home, "show", mail_id, "--json"))
    times = [m["created_at"] for m in found["messages"]]
    assert times == sorted(times)
    assert len(times) == len(mail_conv["messages"]) + 2
    order = [m["conversation"] for m in found["messages"]]
    assert order[0] == mail_conv["id"] and order[-1] == mail_conv["id"]
    assert chat_id in order[1:-1]  # interleaved by time, not grouped by conversation
    mail_ids = [m.get("message_id") for m in found["messages"] if m["conversation"] != chat_id]
    assert mail_ids == [header_id(n) for n in TRUTH["conversations"][0]["messages"]]


# -- the order mail comes in ----------------------------------------------------------------

OURS = ("support@acme.example.com", "billing@acme.example.com", "info@acme.example.com")


def from_us(name: str) -> bool:
    value = email.message_from_bytes(raw(name), policy=email.policy.default)["From"]
    return any(a.addr_spec.lower() in OURS for a in value.addresses)


def sent_and_inbox(where: Path) -> tuple[Path, Path]:
    """The corpus as a mail client keeps it: our copies in Sent, the rest in INBOX."""
    sent, inbox = where / "Sent", where / "INBOX"
    for folder in (sent, inbox):
        folder.mkdir()
    for name in EML:
        ((sent if from_us(name) else inbox) / name).write_bytes(raw(name))
    return sent, inbox


def declare_mailboxes(home: Path) -> None:
    """The shared addresses, as an admin declares them."""
    for address in OURS:
        done = run_inbox(home, "mailbox", "add", address)
        assert done.returncode == 0, done.stderr
    listed = as_json(run_inbox(home, "mailbox", "list", "--json"))
    assert {m["address"] for m in listed} == set(OURS)


def problems(convs: list[dict[str, Any]]) -> list[str]:
    """How imported conversations differ from the truth, in file names."""
    out = []
    want = expected_grouping(c["messages"] for c in TRUTH["conversations"])
    got = actual_grouping(c for c in convs if c["status"] != "spam")

    def names(group: Any) -> list[str]:
        return sorted(f for i in group[0] for f in file_of(i))

    out += [f"missing conversation {names(g)}" for g in sorted(want - got, key=names)]
    out += [f"unexpected conversation {names(g)}" for g in sorted(got - want, key=names)]
    (c13,) = holding(convs, header_id("043.eml")) or [{"messages": []}]
    delivery = [m["delivery"] for m in c13["messages"] if m["message_id"] == header_id("043.eml")]
    if delivery != ["failed"]:
        out.append(f"043.eml (bounced by 044.eml) has delivery {delivery}")
    return out


@pytest.mark.parametrize("order", ["reversed mbox", "Sent then INBOX", "INBOX then Sent"])
def test_import_order_does_not_change_the_conversations(tmp_path: Path, order: str) -> None:
    home = new_home(tmp_path / "replica")
    declare_mailboxes(home)
    sent, inbox = sent_and_inbox(tmp_path)
    if order == "reversed mbox":
        sources = [write_mbox(tmp_path / "all.mbox", (raw(n) for n in reversed(EML)))]
    else:
        sources = [sent, inbox] if order.startswith("Sent") else [inbox, sent]
    for source in sources:
        import_json(home, source)
    found = problems(everything(home))
    assert not found, f"importing {order}:\n" + "\n".join(found)


def test_our_replies_imported_in_a_later_run_are_outbound(tmp_path: Path) -> None:
    """A workspace that declared no mailboxes learns them from Delivered-To, and keeps them."""
    home = new_home(tmp_path / "replica")
    sent, inbox = sent_and_inbox(tmp_path)
    import_json(home, inbox)
    import_json(home, sent)
    customer = as_json(
        run_inbox(home, "customer", "harriet.okafor@brightlane.example.org", "--json")
    )
    ours = [m for m in customer["messages"] if m["from"] == "support@acme.example.com"]
    assert [m["message_id"] for m in ours] == [header_id("002.eml"), header_id("004.eml")]
    assert all(m["direction"] == "out" and m["delivery"] == "sent" for m in ours), ours


# -- idempotence ----------------------------------------------------------------------------


def test_importing_twice_adds_nothing(tmp_path: Path) -> None:
    home = new_home(tmp_path / "replica")
    first = import_json(home, CORPUS)
    assert first["imported"] > 0 and first["conversations"] > 0
    before = as_json(run_inbox(home, "list", "--status", "all", "--limit", "0", "--json"))
    second = import_json(home, CORPUS)
    assert set(second) >= {"read", "imported", "conversations", "duplicates", "notices", "skipped"}
    assert second["read"] == first["read"]
    assert second["imported"] == 0
    assert second["conversations"] == 0
    assert second["notices"] == 0
    assert second["duplicates"] == first["imported"] + first["duplicates"]
    assert second["skipped"] == first["skipped"]
    after = as_json(run_inbox(home, "list", "--status", "all", "--limit", "0", "--json"))
    assert after == before
    third = run_inbox(home, "import", str(CORPUS))
    assert third.returncode == 0, third.stderr
    assert third.stdout == ""  # a report for people goes to stderr
    assert " 0 imported" in third.stderr


# -- other sources --------------------------------------------------------------------------


def write_mbox(path: Path, entries: Iterable[bytes]) -> Path:
    box = mailbox.mbox(str(path))
    try:
        for entry in entries:
            box.add(entry)
        box.flush()
    finally:
        box.close()
    return path


def test_mbox_built_from_corpus_files_imports(tmp_path: Path) -> None:
    home = new_home(tmp_path / "replica")
    convs = [c["messages"] for c in TRUTH["conversations"][:2]]
    files = [f for files in convs for f in files]
    source = write_mbox(tmp_path / "support.mbox", (raw(f) for f in files))
    report = import_json(home, source)
    assert report["read"] == len(files)
    assert report["imported"] == len(files)
    assert report["conversations"] == len(convs)
    assert report["skipped"] == {}
    assert actual_grouping(everything(home)) == expected_grouping(convs)


TRUNCATED = (
    b"From: Kim Lund <kim@lund.example.org>\n"
    b"To: support@acme.example.com\n"
    b"Subject: Contract attached\n"
    b"Message-ID: <cut-1@lund.example.org>\n"
    b"Date: Mon, 02 Feb 2026 10:00:00 +0000\n"
    b"MIME-Version: 1.0\n"
    b'Content-Type: multipart/mixed; boundary="XYZ"\n'
    b"\n"
    b"--XYZ\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"\n"
    b"The signed contract is attached.\n"
    b"--XYZ\n"
    b"Content-Type: application/pdf\n"
    b"Content-Transfer-Encoding: base64\n"
    b"\n"
    b"JVBERi0xLjQKJ"
)


def test_mbox_with_malformed_entries_imports_the_good_ones(tmp_path: Path) -> None:
    home = new_home(tmp_path / "replica")
    rnd = random.Random(7)
    garbage = bytes(rnd.randrange(256) for _ in range(600)).replace(b"From ", b"Frxm ")
    entries = [
        raw("001.eml"),
        b"\n\njust a body line, no headers at all\n",  # no headers
        garbage,  # binary garbage
        TRUNCATED,  # a multipart cut off in its attachment
        raw("006.eml"),
    ]
    source = write_mbox(tmp_path / "mixed.mbox", entries)
    done = run_inbox(home, "import", str(source), "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["read"] == len(entries)
    assert report["imported"] == 3
    assert sum(report["skipped"].values()) == 2
    assert all(isinstance(why, str) and why for why in report["skipped"])
    convs = everything(home)
    assert len(convs) == 3
    for name in ("001.eml", "006.eml"):
        assert len(holding(convs, header_id(name))) == 1, name
    (cut,) = holding(convs, "cut-1@lund.example.org")
    assert "The signed contract is attached." in cut["messages"][0]["body"]
    # the same, for people: counts and reasons on stderr
    again = run_inbox(home, "import", str(source))
    assert again.returncode == 0, again.stderr
    assert "skipped" in again.stderr
    for why, n in report["skipped"].items():
        assert f"{n} {why}" in again.stderr


def test_maildir_built_with_mailbox_imports(tmp_path: Path) -> None:
    home = new_home(tmp_path / "replica")
    convs = [c["messages"] for c in TRUTH["conversations"][2:4]]
    box = mailbox.Maildir(str(tmp_path / "Maildir"), create=True)
    for f in (f for files in convs for f in files):
        box.add(raw(f))
    box.close()
    report = import_json(home, tmp_path / "Maildir")
    total = sum(len(files) for files in convs)
    assert report["read"] == total
    assert report["imported"] == total
    assert report["conversations"] == len(convs)
    assert actual_grouping(everything(home)) == expected_grouping(convs)


def test_one_message_file_imports(tmp_path: Path) -> None:
    home = new_home(tmp_path / "replica")
    report = import_json(home, CORPUS / "001.eml")
    assert (report["read"], report["imported"], report["conversations"]) == (1, 1, 1)
    (conv,) = everything(home)
    assert [m["message_id"] for m in conv["messages"]] == [header_id("001.eml")]
    assert conv["subject"] == "Technicians can't see tomorrow's jobs in the mobile app"


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    home = new_home(tmp_path / "replica")
    missing = tmp_path / "nowhere" / "support.mbox"
    done = run_inbox(home, "import", str(missing))
    assert done.returncode == 2
    assert str(missing) in done.stderr
    assert "no such file" in done.stderr
    assert "Traceback" not in done.stderr
    # the path is checked first: no replica needed to be told so
    assert run_inbox(tmp_path / "empty", "import", str(missing)).returncode == 2
    as_json_error = run_inbox(home, "import", str(missing), "--json")
    assert as_json_error.returncode == 2 and as_json_error.stdout == ""
    assert json.loads(as_json_error.stderr)["error"]["code"] == "usage"


def not_mail_sources(where: Path) -> dict[str, Path]:
    """Paths a user may point `import` at by mistake: none of them holds mail."""
    (where / "empty-folder").mkdir(parents=True)
    (where / "junk-folder").mkdir()
    (where / "junk-folder" / "notes.txt").write_text("just some words\nno headers at all\n")
    (where / "junk-folder" / ".hidden").write_bytes(raw("001.eml"))  # dot files are not read
    (where / "empty-file").write_bytes(b"")
    (where / "blank.txt").write_text("\n\n")
    return {
        "a program": Path("/bin/ls"),
        "/dev/null": Path("/dev/null"),
        "an empty file": where / "empty-file",
        "a blank file": where / "blank.txt",
        "an empty folder": where / "empty-folder",
        "a folder with no mail": where / "junk-folder",
    }


def test_a_path_with_no_mail_is_an_error_saying_what_was_expected(tmp_path: Path) -> None:
    home = new_home(tmp_path / "replica")
    import_json(home, CORPUS / "001.eml")
    before = everything(home)
    for what, source in not_mail_sources(tmp_path / "sources").items():
        done = run_inbox(home, "import", str(source))
        assert done.returncode == 1, (what, done.stderr)
        assert done.stdout == ""
        first = done.stderr.splitlines()[0]
        assert first.startswith(f"error: {source}: no mail"), (what, first)
        assert "an mbox" in first and "a Maildir" in first and ".eml" in first, first
        assert "Traceback" not in done.stderr and "read " not in done.stderr, what
        as_error = run_inbox(home, "import", str(source), "--json")
        assert as_error.returncode == 1 and as_error.stdout == "", what
        assert json.loads(as_error.stderr)["error"]["code"] == "not_mail", what
    assert everything(home) == before


def test_an_empty_mbox_or_maildir_is_zero_messages(tmp_path: Path) -> None:
    home = new_home(tmp_path / "replica")
    (tmp_path / "support.mbox").write_bytes(b"")
    mailbox.Maildir(str(tmp_path / "Maildir"), create=True).close()
    for source in (tmp_path / "support.mbox", tmp_path / "Maildir"):
        report = import_json(home, source)
        assert (report["read"], report["imported"], report["skipped"]) == (0, 0, {}), source
        people = run_inbox(home, "import", str(source))
        assert people.returncode == 0 and "read 0 messages" in people.stderr, people.stderr
    assert everything(home) == []


def _random_bytes() -> bytes:
    return bytes(random.Random(3).randrange(256) for _ in range(8192))


def _foreign_sqlite(path: Path) -> bytes:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('not yours')")
    conn.commit()
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["garbage", "foreign sqlite"])
def test_garbage_replica_is_refused_and_left_alone(tmp_path: Path, kind: str) -> None:
    home = tmp_path / "replica"
    home.mkdir()
    db = home / "replica.db"
    if kind == "garbage":
        db.write_bytes(_random_bytes())
    else:
        _foreign_sqlite(db)
    before = db.read_bytes()
    done = run_inbox(home, "import", str(CORPUS))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert str(db) in done.stderr
    assert "left as it is" in done.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in home.iterdir()) == ["replica.db"]


# -- odd mail: dates, senders without an address, deep parts ---------------------------------


def odd_mail(n: int, sender: str, date: str, body: str, received: str | None = None) -> bytes:
    stamp = f"Received: by mx.acme.example.com; {received}\n" if received else ""
    return (
        f"{stamp}From: {sender}\nTo: support@acme.example.com\nSubject: odd {n}\n"
        f"Date: {date}\nMessage-ID: <odd-{n}@example.com>\n\n{body}\n"
    ).encode()


def deep_mail(n: int, levels: int) -> bytes:
    heads = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(levels)
    )
    tails = "".join(f"--b{i}--\n" for i in reversed(range(levels)))
    return (
        f"From: deep{n}@example.com\nTo: support@acme.example.com\nSubject: odd {n}\n"
        f"Date: Wed, 18 Nov 2026 10:00:0{n} +0000\nMessage-ID: <odd-{n}@example.com>\n"
        f"{heads}Content-Type: text/plain\n\nfar down\n{tails}"
    ).encode()


def test_odd_dates_senders_and_nesting_import_with_warnings(tmp_path: Path) -> None:
    home = new_home(tmp_path / "replica")
    box = write_mbox(
        tmp_path / "odd.mbox",
        [
            odd_mail(
                1,
                "pin@example.com",
                "Fri, 31 Dec 9999 23:59:00 -1200",
                "pinned to the top?",
                received="Sun, 1 Nov 2026 08:00:00 +0000",
            ),
            odd_mail(2, "late@example.com", "Fri, 20 Nov 2026 10:00:00 +0000", "the newest"),
            odd_mail(3, "😀", "Thu, 19 Nov 2026 10:00:00 +0000", "who am I"),
            deep_mail(4, 30),
            deep_mail(5, 130),
        ],
    )
    report = import_json(home, box)
    assert (report["imported"], report["skipped"]) == (5, {})
    assert [(w["path"], w["reason"]) for w in report["warnings"]] == [
        (
            f"{box}, message 1",
            "Date 'Fri, 31 Dec 9999 23:59:00 -1200' cannot be read: the time it was received used",
        ),
        (f"{box}, message 5", "MIME parts nested deeper than 100 levels not read"),
    ]
    rows = as_json(run_inbox(home, "list", "--json"))
    assert [r["subject"] for r in rows] == ["odd 2", "odd 3", "odd 5", "odd 4", "odd 1"]
    convs = {c["subject"]: c for c in everything(home)}
    pinned = convs["odd 1"]
    assert pinned["messages"][0]["created_at"] == "2026-11-01T08:00:00.000Z"
    assert pinned["messages"][0]["warnings"] == [report["warnings"][0]["reason"]]
    nameless = convs["odd 3"]
    assert nameless["customer"] is None
    assert nameless["messages"][0]["from_name"] == "😀"
    assert convs["odd 4"]["messages"][0]["body"] == "far down"  # 30 levels: found
    assert convs["odd 5"]["messages"][0]["body"] == ""  # 130: imported, and reported
    assert convs["odd 5"]["messages"][0]["warnings"] == [report["warnings"][1]["reason"]]
    done = run_inbox(home, "import", str(box))
    assert "warning:" not in done.stderr  # nothing imported the second time, nothing to say


def test_an_mbox_from_line_dates_mail_without_a_received_stamp(tmp_path: Path) -> None:
    home = new_home(tmp_path / "replica")
    box = tmp_path / "exported.mbox"
    box.write_bytes(
        b"From maria@example.com Tue Nov 24 09:12:03 2026\n"
        + odd_mail(1, "maria@example.com", "Fri, 31 Dec 9999 23:59:00 +0000", "pinned?")
        + b"\nFrom - Thu Jan  1 00:00:00 1970\n"  # a From line of no use: the import's time
        + odd_mail(2, "leo@example.net", "Sat, 1 Jan 2000 00:00:00 +0000", "old, and kept")
    )
    report = import_json(home, box)
    assert [w["reason"] for w in report["warnings"]] == [
        "Date 'Fri, 31 Dec 9999 23:59:00 +0000' is 7973 years after the mail was received: "
        "the time it was received used"
    ]
    convs = {c["subject"]: c for c in everything(home)}
    assert convs["odd 1"]["messages"][0]["created_at"] == "2026-11-24T09:12:03.000Z"
    assert convs["odd 2"]["messages"][0]["created_at"] == "2000-01-01T00:00:00.000Z"
    shown = run_inbox(home, "show", convs["odd 1"]["id"]).stdout
    assert "  (imported with a warning: Date 'Fri, 31 Dec 9999 23:59:00 +0000' is" in shown
