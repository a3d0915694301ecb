"""inbox chat origins add|list|rm: the sites allowed to embed the widget, in the relay's
store (an older store gains the table when opened)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from relay.store import SCHEMA_VERSION
from tests.conftest import run_inbox


def chat(where: Path, *args: str) -> tuple[int, str, str]:
    done = run_inbox(where, "chat", "origins", *args, "--store", str(where / "relay.db"))
    return done.returncode, done.stdout, done.stderr


def test_origins_are_added_listed_and_removed(tmp_path: Path) -> None:
    assert chat(tmp_path, "add", "https://www.Acme.example.com:443/")[0] == 0
    code, _, said = chat(tmp_path, "add", "https://www.acme.example.com")
    assert (code, said.strip()) == (0, "already allowed: https://www.acme.example.com")
    assert chat(tmp_path, "add", "http://127.0.0.1:8080")[0] == 0
    code, out, _ = chat(tmp_path, "list", "--json")
    assert [o["origin"] for o in json.loads(out)] == [
        "http://127.0.0.1:8080",
        "https://www.acme.example.com",
    ]
    assert chat(tmp_path, "rm", "https://www.acme.example.com")[0] == 0
    code, _, said = chat(tmp_path, "rm", "https://www.acme.example.com")
    assert code == 5 and "is not allowed" in said
    assert [o["origin"] for o in json.loads(chat(tmp_path, "list", "--json")[1])] == [
        "http://127.0.0.1:8080"
    ]


def test_a_page_is_not_an_origin(tmp_path: Path) -> None:
    for given in ("https://www.acme.example.com/contact", "www.acme.example.com", "ftp://x.org"):
        code, _, said = chat(tmp_path, "add", given)
        assert code == 2, given
        assert "origin" in said


def test_a_schema_5_store_gains_the_origins_on_opening(tmp_path: Path) -> None:
    assert chat(tmp_path, "add", "https://www.acme.example.com")[0] == 0
    conn = sqlite3.connect(tmp_path / "relay.db")
    conn.execute("DROP TABLE chat_origins")
    conn.execute("UPDATE meta SET value = '5' WHERE key = 'schema'")
    conn.commit()
    conn.close()
    code, out, err = chat(tmp_path, "list", "--json")
    assert (code, json.loads(out)) == (0, []), err
    conn = sqlite3.connect(tmp_path / "relay.db")
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (
        str(SCHEMA_VERSION),
    )
    conn.close()


def settings(where: Path, *args: str) -> tuple[int, str, str]:
    store = str(where / "relay.db")
    done = run_inbox(where, "chat", "settings", "--store", store, *args)
    return done.returncode, done.stdout, done.stderr


def test_settings_are_set_checked_and_printed(tmp_path: Path) -> None:
    (tmp_path / "away.txt").write_text("  We are away.\r\nBack at nine.\n\n")
    code, out, said = settings(
        tmp_path,
        "--away-message-file", str(tmp_path / "away.txt"),
        "--hours", "Mon-Fri  09:00-17:00 Europe/Berlin",
        "--email-after", "1h30m",
        "--json",
    )  # fmt: skip
    assert code == 0, said
    assert json.loads(out) == {
        "away_message": "We are away.\nBack at nine.",
        "hours": "Mon-Fri 09:00-17:00 Europe/Berlin",
        "email_after": 5400,
        "email_from": None,
        "email_sender": None,
    }
    code, out, _ = settings(tmp_path)  # no flags: printed, nothing changed
    assert code == 0 and "after 1h30m" in out and "Mon-Fri 09:00-17:00 Europe/Berlin" in out
    for bad, exit_code, words in (
        (("--hours", "Mon-Fri 09:00-17:00 Europe/Atlantis"), 2, "no time zone"),
        (("--hours", "Weekdays 9-5 UTC"), 2, "is not a day"),
        (("--email-after", "soon"), 2, "is not a delay"),
        (("--email-after", "60d"), 2, "from 1s to 30d"),
        (("--away-message-file", str(tmp_path / "none.txt")), 2, "cannot read"),
        (("--email-from", "sales@acme.example.com"), 5, "no mailbox"),
    ):
        code, _, said = settings(tmp_path, *bad)
        assert (code, said.count("error:")) == (exit_code, 1), (bad, said)
        assert words in said, (bad, said)
    after = json.loads(settings(tmp_path, "--json")[1])
    assert after["email_after"] == 5400 and after["hours"].startswith("Mon-Fri")  # untouched
    code, out, _ = settings(tmp_path, "--hours", "off", "--email-after", "off", "--json")
    assert (json.loads(out)["hours"], json.loads(out)["email_after"]) == (None, None)
