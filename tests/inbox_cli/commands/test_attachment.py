"""`inbox attachment list|get` and `reply --attach`, through real processes: an import
keeps mail's files (offline, no relay), numbered across the conversation; a file is
written whole, never over another unless asked; the relay's limit keeps only a listing."""

from __future__ import annotations

import hashlib
import json
import os
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from typing import Any

from tests.conftest import Run, run_inbox
from tests.relay.relays import DANA, RelayProcess, ok

PDF = b"%PDF-1.4\n" + os.urandom(150_000)
CSV = b"order,amount\n1042,19.99\n"


def mail(n: int, files: list[tuple[str, str, bytes]], parent: int | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Kim Lee <kim@example.org>"
    msg["To"] = "support@acme.example.com"
    msg["Subject"] = "Order 1042" if parent is None else "Re: Order 1042"
    msg["Date"] = f"Mon, 02 Feb 2026 09:{n:02d}:00 +0000"
    msg["Message-ID"] = f"<kim-{n}@example.org>"
    if parent is not None:
        msg["In-Reply-To"] = f"<kim-{parent}@example.org>"
    msg.set_content(f"Mail {n}.")
    for name, ctype, data in files:
        maintype, subtype = ctype.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes(policy=SMTP)


def imported(home: Path, tmp_path: Path) -> str:
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "1.eml").write_bytes(mail(1, [("invoice.pdf", "application/pdf", PDF)]))
    (folder / "2.eml").write_bytes(mail(2, [("orders.csv", "text/csv", CSV)], parent=1))
    ok(home, "import", str(folder))
    return str(json.loads(ok(home, "list", "--json"))[0]["id"])


def listed(home: Path, ident: str) -> list[dict[str, Any]]:
    return list(json.loads(ok(home, "attachment", "list", ident, "--json")))


def test_an_import_keeps_attachments_and_get_works_offline(
    run: Run, home: Path, tmp_path: Path
) -> None:
    ident = imported(home, tmp_path)
    found = listed(home, ident)
    assert [(a["n"], a["filename"], a["kept"]) for a in found] == [
        (1, "invoice.pdf", "here"),
        (2, "orders.csv", "here"),
    ]
    assert found[0]["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert Path(found[0]["path"]).read_bytes() == PDF
    out = tmp_path / "out"
    out.mkdir()
    done = run_inbox(home, "attachment", "get", ident[:6], "1", env={"PWD": str(out)},
                     prefix=("env", "-C", str(out)))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (out / "invoice.pdf").read_bytes() == PDF and done.stdout == ""
    again = run_inbox(home, "attachment", "get", ident, "1", "-o", str(out / "invoice.pdf"))
    assert again.returncode == 3 and "--force" in again.stderr  # not over a file
    assert (out / "invoice.pdf").read_bytes() == PDF
    (out / "orders.csv").write_text("mine")
    ok(home, "attachment", "get", ident, "2", "-o", str(out / "orders.csv"), "--force")
    assert (out / "orders.csv").read_bytes() == CSV
    piped = run_inbox(home, "attachment", "get", ident, "2", "-o", "-", stdin=b"")
    assert piped.returncode == 0 and piped.stdout == CSV
    assert run("attachment", "get", ident, "3").returncode == 5
    assert run("attachment", "get", ident, "0").returncode == 2
    assert sorted(p.name for p in out.iterdir()) == ["invoice.pdf", "orders.csv"]  # no leftovers
    tsv = ok(home, "attachment", "list", ident).splitlines()
    assert tsv[0].split("\t") == ["1", "invoice.pdf", "application/pdf", str(len(PDF)), "here"]
    assert "invoice.pdf (146 KB)" in ok(home, "show", ident, "--no-pager")


def test_an_import_of_the_same_mail_again_keeps_one_copy(home: Path, tmp_path: Path) -> None:
    ident = imported(home, tmp_path)
    ok(home, "import", str(tmp_path / "mail"))
    assert len(listed(home, ident)) == 2
    files = [p for p in (home / "blobs").rglob("*") if p.is_file() and p.parent.name != "uploads"]
    assert len(files) == 2
    assert len(os.listdir(home / "blobs" / "uploads")) == 2  # for the relay, once joined


def test_a_reply_carries_attached_files_into_the_blob_store(
    run: Run, home: Path, tmp_path: Path
) -> None:
    ident = imported(home, tmp_path)
    ok(home, "mailbox", "add", "support@acme.example.com")
    ok(home, "claim", ident)
    (tmp_path / "label.png").write_bytes(b"\x89PNG fake")
    files = ("--attach", str(tmp_path / "label.png"), "--attach", str(tmp_path / "mail" / "1.eml"))
    sent = json.loads(ok(home, "reply", ident, "-m", "Here.", *files, "--json"))
    assert [(a["filename"], a["content_type"]) for a in sent["attachments"]] == [
        ("label.png", "image/png"),
        ("1.eml", "message/rfc822"),
    ]
    assert [a["n"] for a in listed(home, ident)] == [1, 2, 3, 4]
    missing = run("reply", ident, "-m", "x", "--attach", str(tmp_path / "nothing.pdf"))
    assert missing.returncode == 2 and "nothing.pdf" in missing.stderr
    drafted = run("reply", ident, "-m", "x", "--attach", str(tmp_path / "label.png"), "--draft")
    assert drafted.returncode == 2


def test_the_relays_limit_keeps_only_the_listing(tmp_path: Path) -> None:
    where = tmp_path / "relay"
    where.mkdir()
    relay = RelayProcess(where, args=("--attachment-limit", "0.1")).start()
    try:
        home = relay.join(tmp_path / "dana", DANA)  # the relay's limit comes with its welcome
        ident = imported(home, tmp_path)
        big, small = listed(home, ident)
        assert big["kept"] == "over_limit" and big["path"] is None
        assert big["note"] == "not kept: over the 0.1 MB limit"
        assert small["kept"] == "here"
        assert "not kept: over the 0.1 MB limit" in ok(home, "show", ident, "--no-pager")
        got = run_inbox(home, "attachment", "get", ident, "1", "-o", str(tmp_path / "x.pdf"))
        assert got.returncode == 5 and "over the 0.1 MB limit" in got.stderr
        assert not (tmp_path / "x.pdf").exists()
        (tmp_path / "big.pdf").write_bytes(PDF)
        ok(home, "claim", ident)
        refused = run_inbox(home, "reply", ident, "-m", "x", "--attach", str(tmp_path / "big.pdf"))
        assert refused.returncode == 2 and "0.1 MB limit" in refused.stderr
        synced = run_inbox(home, "sync")
        assert synced.returncode == 0, synced.stderr
        assert (
            "1 attachment(s)" in synced.stderr
        )  # the small one went; the big one was kept nowhere
        ben = relay.join(tmp_path / "ben", "ben@acme.example.com")
        ok(ben, "attachment", "get", ident, "2", "-o", str(tmp_path / "ben.csv"))
        assert (tmp_path / "ben.csv").read_bytes() == CSV
    finally:
        relay.stop()
