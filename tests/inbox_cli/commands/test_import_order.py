"""Mail whose reply comes before what it answers, in every order, in one import or
several: every conversation an import reports is built under its own id, shows and
tags, and a reindex gives the same conversations back."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DATA, as_json, new_home, run_inbox
from tests.inbox_cli.commands.test_import import write_mbox

SUPPORT = "support@acme.example.com"


def mail(
    sender: str,
    to: str,
    mid: str,
    subject: str,
    hour: int,
    reply_to: str | None = None,
    extra: tuple[str, ...] = (),
) -> bytes:
    headers = [
        f"From: {sender}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Date: Mon, 02 Mar 2026 {hour:02d}:00:00 +0000",
        f"Message-ID: <{mid}>",
        *extra,
    ]
    if reply_to:
        headers += [f"In-Reply-To: <{reply_to}>", f"References: <{reply_to}>"]
    return ("\r\n".join(headers) + f"\r\n\r\nThis is {mid}.\r\n").encode()


# The three: our reply answers the follow-up, which answers the first mail. The
# subjects differ, so only the reply headers link them.
FIRST = mail("Ann <ann@a.example>", SUPPORT, "first@a", "Printer offline", 9)
FOLLOW = mail("Ann <ann@a.example>", SUPPORT, "follow@a", "Still nothing", 10, "first@a")
REPLY = mail(SUPPORT, "ann@a.example", "reply@acme", "Re: Still nothing", 11, "follow@a")
THREE = {"reply": REPLY, "first": FIRST, "follow": FOLLOW}


def replica(tmp_path: Path) -> Path:
    home = new_home(tmp_path / "replica")
    assert run_inbox(home, "mailbox", "add", SUPPORT).returncode == 0
    return home


def listed(home: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = as_json(
        run_inbox(home, "list", "--status", "all", "--limit", "0", "--json")
    )
    return rows


def queued(home: Path) -> int:
    conn = sqlite3.connect(home / "replica.db")
    try:
        return int(conn.execute("SELECT count(*) FROM import_queue").fetchone()[0])
    finally:
        conn.close()


def assert_whole(home: Path) -> list[dict[str, Any]]:
    """The invariant after an import that exited 0: nothing queued, every listed id shows
    a view of its own id and takes a tag, and a reindex lists the same conversations."""
    assert queued(home) == 0
    rows = listed(home)
    convs = []
    for row in rows:
        conv = as_json(run_inbox(home, "show", row["id"], "--json"))
        assert conv["id"] == row["id"]
        convs.append(conv)
    if rows:
        tagged = run_inbox(home, "tag", *(r["id"] for r in rows), "--add", "checked")
        assert tagged.returncode == 0, tagged.stderr
    after = listed(home)
    assert all("checked" in r["tags"] for r in after)
    assert run_inbox(home, "reindex").returncode == 0
    assert listed(home) == after
    return convs


def message_ids(convs: list[dict[str, Any]]) -> set[frozenset[str]]:
    return {frozenset(m["message_id"] for m in c["messages"]) for c in convs}


def import_json(home: Path, source: Path) -> dict[str, Any]:
    report: dict[str, Any] = as_json(run_inbox(home, "import", str(source), "--json"))
    return report


ORDERS = list(itertools.permutations(THREE))


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_one_mbox_in_any_order_builds_the_one_conversation_it_reports(
    tmp_path: Path, order: tuple[str, ...]
) -> None:
    home = replica(tmp_path)
    report = import_json(home, write_mbox(tmp_path / "in.mbox", (THREE[n] for n in order)))
    assert (report["imported"], report["conversations"]) == (3, 1)
    convs = assert_whole(home)
    assert message_ids(convs) == {frozenset({"first@a", "follow@a", "reply@acme"})}
    assert [c["customer"] for c in convs] == ["ann@a.example"]
    again = import_json(home, tmp_path / "in.mbox")
    assert (again["imported"], again["conversations"], again["duplicates"]) == (0, 0, 3)


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_separate_imports_in_any_order_end_in_one_conversation(
    tmp_path: Path, order: tuple[str, ...]
) -> None:
    """Each mail its own import: a conversation built already is merged into the one
    that links it, and the merged one is hidden."""
    home = replica(tmp_path)
    reported = 0
    for name in order:
        path = tmp_path / f"{name}.eml"
        path.write_bytes(THREE[name])
        reported += import_json(home, path)["conversations"]
    convs = assert_whole(home)
    assert message_ids(convs) == {frozenset({"first@a", "follow@a", "reply@acme"})}
    assert len(listed(home)) == 1
    assert reported >= 1


def stop_after_building(home: Path, source: Path) -> None:
    """The import of ``source`` as one stopped between its two halves' end and its merges:
    every mail threaded and built, the merges only recorded."""
    from crdt.ingest import importer, sources
    from crdt.ingest.thread_index import StoredIds
    from crdt.replica import Replica
    from crdt.store import import_queue

    opened = Replica.open(home)
    try:
        report, ours, created = importer.ImportReport(), importer.our_addresses(opened), set()
        for chunk in importer.parsed_chunks(sources.chunks(source, importer.BATCH)):
            importer._Batch(opened, ours, report, created, StoredIds()).run(chunk)
        import_queue.drain(opened.store)
    finally:
        opened.close()


@pytest.mark.parametrize("then", ["reindex", "import"])
def test_a_merge_an_interrupted_import_recorded_is_done_by_the_next_command(
    tmp_path: Path, then: str
) -> None:
    home = replica(tmp_path)
    (tmp_path / "reply.eml").write_bytes(REPLY)
    import_json(home, tmp_path / "reply.eml")  # built: what links it later merges it
    rest = write_mbox(tmp_path / "rest.mbox", [FIRST, FOLLOW])
    stop_after_building(home, rest)
    assert len(listed(home)) == 2
    conn = sqlite3.connect(home / "replica.db")
    try:
        assert conn.execute("SELECT count(*) FROM import_merges").fetchone()[0] == 1
    finally:
        conn.close()
    if then == "reindex":
        assert run_inbox(home, "reindex").returncode == 0
    else:
        report = import_json(home, rest)
        assert (report["imported"], report["conversations"]) == (0, 0)
    convs = assert_whole(home)
    assert message_ids(convs) == {frozenset({"first@a", "follow@a", "reply@acme"})}
    conn = sqlite3.connect(home / "replica.db")
    try:
        assert conn.execute("SELECT count(*) FROM import_merges").fetchone()[0] == 0
    finally:
        conn.close()


# -- what an import keeps: notices before what they answer, and what is not mail ----------

CORPUS = DATA / "threading-dev"


def folder(where: Path, *names: str) -> Path:
    where.mkdir(parents=True)
    for name in names:
        (where / name).write_bytes((CORPUS / name).read_bytes())
    return where


def test_an_out_of_office_imported_before_what_it_answers_joins_it_later(tmp_path: Path) -> None:
    """031.eml answers our reply 030.eml (to 029.eml) and names the newsletter too."""
    home = replica(tmp_path)
    away = folder(tmp_path / "away", "031.eml")
    first = import_json(home, away)
    assert (first["imported"], first["waiting"], first["notices"]) == (0, 1, 0)
    assert first["skipped"] == {} and listed(home) == []
    second = import_json(home, away)  # kept once: a second import adds nothing
    assert (second["duplicates"], second["waiting"]) == (1, 0)
    import_json(home, folder(tmp_path / "news", "023.eml"))  # the broadcast it also names
    assert len(listed(home)) == 1
    later = import_json(home, folder(tmp_path / "thread", "029.eml", "030.eml"))
    assert later["notices"] == 1
    convs = assert_whole(home)
    (lucia,) = [c for c in convs if len(c["messages"]) > 1]
    kinds = [(m["message_id"][:8], m.get("kind")) for m in lucia["messages"]]
    assert kinds[-1] == ("CA6TG4V9", "auto-reply") and len(kinds) == 3
    assert lucia["message_count"] == 2
    assert import_json(home, away)["duplicates"] == 1


def test_a_bounce_imported_before_the_reply_it_returns_joins_and_marks_it(tmp_path: Path) -> None:
    home = replica(tmp_path)
    assert import_json(home, folder(tmp_path / "inbox", "044.eml"))["waiting"] == 1
    report = import_json(home, folder(tmp_path / "thread", "042.eml", "043.eml"))
    assert (report["notices"], report["waiting"]) == (1, 0)
    (conv,) = assert_whole(home)
    delivery = {m["message_id"][:8]: (m.get("kind"), m["delivery"]) for m in conv["messages"]}
    assert delivery["reply-01"] == (None, "failed")
    assert delivery["20260213"] == ("bounce", None)


def test_entries_that_are_not_mail_are_named_and_change_nothing(tmp_path: Path) -> None:
    home = replica(tmp_path)
    import_json(home, folder(tmp_path / "mail", "001.eml", "002.eml"))
    before = listed(home)
    db_docs = table_count(home, "docs")
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.txt").write_text("just some words\nno headers at all\n")
    (junk / "truth.json").write_bytes((CORPUS / "truth.json").read_bytes())
    done = run_inbox(home, "import", str(junk), "--json")  # no mail at all: an error
    assert done.returncode == 1 and done.stdout == "", done.stderr
    error = json.loads(done.stderr)["error"]
    assert error["code"] == "not_mail"
    assert [e["path"] for e in error["not_mail"]] == [
        str(junk / "notes.txt"),
        str(junk / "truth.json"),
    ]
    assert all("no mail headers" in e["reason"] for e in error["not_mail"])
    assert listed(home) == before and table_count(home, "docs") == db_docs
    people = run_inbox(home, "import", str(junk))
    assert people.returncode == 1
    assert f"not mail: {junk / 'notes.txt'}: no mail headers" in people.stderr
    (junk / "001.eml").write_bytes((CORPUS / "001.eml").read_bytes())  # mail beside them
    report = import_json(home, junk)
    assert (report["read"], report["duplicates"], len(report["not_mail"])) == (3, 1, 2)
    box = write_mbox(tmp_path / "mixed.mbox", [FIRST, b"\n\nno headers here\n", FOLLOW])
    named = import_json(home, box)["not_mail"]
    assert [e["path"] for e in named] == [f"{box}, message 2"]


def table_count(home: Path, name: str) -> int:
    conn = sqlite3.connect(home / "replica.db")
    try:
        return int(conn.execute(f"SELECT count(*) FROM {name}").fetchone()[0])
    finally:
        conn.close()
