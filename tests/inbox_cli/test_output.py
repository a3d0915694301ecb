"""The printer as a terminal receives it: mail and teammates' text with escape sequences
in every field a person sees, imported from a real mbox, shown by the installed `inbox`
on a real pseudo-terminal; and --json carrying the very same text exactly."""

from __future__ import annotations

import ast
import base64
import fcntl
import json
import os
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.conftest import ROOT, new_home, read_terminal, run_inbox

INBOX_SCRIPT = Path(sys.executable).parent / "inbox"

ESCAPES = "\x1b[2J\x1b]0;pwned\x07"  # clears the screen, retitles the window
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"  # OSC 52: writes the clipboard
C1 = "\x9b31m"  # CSI as one C1 character
BIDI = "\u202e"  # right-to-left override


def _word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


SUBJECT = f"Refund {C1}now{BIDI}gnp.exe"
FROM_NAME = f"Maria {C1}Santos{BIDI}"
BODY = f"Hello{ESCAPES}\nplease copy{CLIPBOARD} this\nC1 {C1} and {BIDI}cod.exe\n\tindented"
FILENAME = f"invoice{BIDI}fdp.exe{C1}"
MBOX = (
    "From maria@example.com Mon Nov 30 10:00:00 2026\n"
    f"From: {_word(FROM_NAME)} <maria@example.com>\n"
    "To: support@acme.example.com\n"
    f"Subject: {_word(SUBJECT)}\n"
    "Date: Mon, 30 Nov 2026 10:00:00 +0000\n"
    "Message-ID: <escapes-1@example.com>\n"
    "MIME-Version: 1.0\n"
    'Content-Type: multipart/mixed; boundary="b"\n'
    "\n"
    "--b\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    f"{BODY}\n"
    "--b\n"
    "Content-Type: application/pdf\n"
    "Content-Disposition: attachment; filename*=utf-8''"
    + "".join(f"%{b:02X}" for b in FILENAME.encode())
    + "\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0=\n"
    "--b--\n"
)
NOTE = f"@ben see{ESCAPES} this\rHACKED {C1}{BIDI}"
TAG = f"vip{C1}{BIDI}"
AGENT_NAME = f"Eve{ESCAPES}"
TEMPLATE = f"Hi{CLIPBOARD} there{C1}"


@pytest.fixture(scope="module")
def replica(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A replica holding escapes in a subject, sender name, body, attachment file name,
    note, tag, agent name, mailbox name and template, and its conversation's id; made
    once, since every test here only reads it."""
    where = tmp_path_factory.mktemp("hostile")
    home = new_home(where / "replica")
    mbox = where / "hostile.mbox"
    mbox.write_bytes(MBOX.encode())
    steps = [
        ("agent", "add", "ben@acme.example.com", "--name", "Ben Okoro"),
        ("mailbox", "add", "support@acme.example.com", "--name", f"Support{ESCAPES}"),
        ("import", str(mbox)),
        ("agent", "add", "eve@acme.example.com", "--name", AGENT_NAME),
        ("template", "add", "hi", "-m", TEMPLATE),
    ]
    for step in steps:
        done = run_inbox(home, *step)
        assert done.returncode == 0, done.stderr
    ident = json.loads(run_inbox(home, "list", "--json").stdout)[0]["id"]
    for step in (("note", ident, "-m", NOTE), ("tag", ident, "--add", TAG)):
        done = run_inbox(home, *step)
        assert done.returncode == 0, done.stderr
    return home, str(ident)


@pytest.fixture
def home(replica: tuple[Path, str]) -> Path:
    return replica[0]


@pytest.fixture
def hostile(replica: tuple[Path, str]) -> str:
    return replica[1]


def on_terminal(
    home: Path, *args: str, color: bool = False, agent: str | None = None
) -> tuple[int, bytes]:
    """The installed `inbox` with stdout and stderr on a pseudo-terminal of 200 columns:
    its exit code and every byte the terminal received."""
    env = {k: v for k, v in os.environ.items() if k not in ("INBOX_AGENT", "INBOX_NOW")}
    env.update({"INBOX_HOME": str(home), "TERM": "xterm-256color"})
    if agent:
        env["INBOX_AGENT"] = agent
    if not color:
        env["NO_COLOR"] = "1"
    else:
        env.pop("NO_COLOR", None)
    primary, secondary = os.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    process = subprocess.Popen(
        [str(INBOX_SCRIPT), *args],
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env=env,
        cwd=ROOT,
    )
    os.close(secondary)
    received = read_terminal(primary)
    return process.wait(timeout=30), received


_OURS = re.compile(rb"\x1b\[(?:0|1|2|33|36)m")  # the printer's own colours


def assert_inert(received: bytes) -> None:
    """No byte that steers a terminal: no ESC, BEL or other C0 control but tab and line
    ends (the terminal turns each newline into CR LF), no C1, DEL or bidi override."""
    text = received.decode("utf-8")
    assert "\r" not in text.replace("\r\n", "\n"), "a bare carriage return"
    for ch in text:
        code = ord(ch)
        assert ch in "\t\n\r" or not (code < 0x20 or 0x7F <= code <= 0x9F), repr(ch)
        assert not (0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069), repr(ch)


VIEWS = [
    ("show", "ID"),
    ("list",),
    ("list", "--tag", TAG.lower()),
    ("search", "Hello"),
    ("customer", "maria@example.com"),
    ("mentions",),
    ("agent", "list"),
    ("mailbox", "list"),
    ("template", "list"),
    ("template", "show", "hi"),
]


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: " ".join(v))
def test_escape_sequences_in_shown_fields_never_reach_the_terminal(
    home: Path, hostile: str, view: tuple[str, ...]
) -> None:
    argv = [hostile if a == "ID" else a for a in view]
    code, received = on_terminal(home, *argv, agent="ben" if view == ("mentions",) else None)
    assert code == 0, received.decode(errors="replace")
    assert_inert(received)
    assert len(received) > 20  # it did show something


def test_show_on_a_terminal_keeps_the_text_around_the_escapes(home: Path, hostile: str) -> None:
    code, received = on_terminal(home, "show", hostile)
    text = received.decode().replace("\r\n", "\n")
    assert code == 0
    assert "Refund 31mnowgnp.exe" in text  # subject: the C1 CSI and override are gone
    assert "Maria 31mSantos" in text
    assert "  Hello[2J]0;pwned\n  please copy]52;c;cHduZWQ= this" in text
    assert "  \tindented" in text  # a tab is text
    assert "invoicefdp.exe31m" in text
    assert "see[2J]0;pwned this\n  HACKED 31m" in text  # the note's CR became a line break
    assert f"tags: vip{C1}{BIDI}".lower() not in text and "tags: vip31m" in text


def test_colours_are_the_only_escapes_on_a_colour_terminal(home: Path, hostile: str) -> None:
    code, received = on_terminal(home, "show", hostile, color=True)
    assert code == 0
    assert _OURS.search(received), "colour is on"
    assert_inert(_OURS.sub(b"", received))


def test_a_held_reply_lists_a_teammates_note_inert(tmp_path: Path) -> None:
    """The error of a held reply quotes what came in since the draft: a teammate's note."""
    home = new_home(tmp_path / "replica")
    mbox = tmp_path / "hostile.mbox"
    mbox.write_bytes(MBOX.encode())
    assert run_inbox(home, "agent", "add", "ben@acme.example.com").returncode == 0
    assert run_inbox(home, "import", str(mbox)).returncode == 0
    ident = json.loads(run_inbox(home, "list", "--json").stdout)[0]["id"]
    assert run_inbox(home, "reply", ident, "--draft", "-m", "Hi Maria").returncode == 0
    done = run_inbox(home, "note", ident, "-m", NOTE, env={"INBOX_AGENT": "ben"})
    assert done.returncode == 0, done.stderr
    code, received = on_terminal(home, "reply", ident)
    assert code == 3
    assert_inert(received)
    assert b"held: 1 new since your draft began" in received
    assert b"see[2J]0;pwned this" in received


def test_usage_errors_quoting_an_argument_are_inert(home: Path) -> None:
    code, received = on_terminal(home, "show", "a", f"b{ESCAPES}")
    assert code == 2
    assert_inert(received)
    assert b"unrecognized arguments: b[2J]0;pwned" in received


def test_json_round_trips_the_exact_text(home: Path, hostile: str) -> None:
    done = run_inbox(home, "show", hostile, "--json")
    assert done.returncode == 0, done.stderr
    conv = json.loads(done.stdout)
    message = conv["messages"][0]
    assert conv["subject"] == SUBJECT
    assert message["from_name"] == FROM_NAME
    assert message["body"] == BODY
    assert message["attachments"][0]["filename"] == FILENAME
    assert conv["notes"][0]["body"] == NOTE
    assert conv["tags"] == [TAG.lower()]
    # raw in the JSON text only what a terminal ignores: the rest as \u escapes
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", done.stdout)
    lines = run_inbox(home, "list", "--jsonl").stdout
    assert json.loads(lines.splitlines()[0])["subject"] == SUBJECT
    assert "\x9b" not in lines and "\\u009b" in lines


def test_piped_rows_stay_one_line_a_row_with_ids_exact(home: Path, hostile: str) -> None:
    done = run_inbox(home, "list")
    rows = done.stdout.splitlines()
    assert len(rows) == 1
    fields = rows[0].split("\t")
    assert fields[0] == hostile
    assert "Refund 31mnowgnp.exe" in fields
    assert run_inbox(home, "list", "-0").stdout == hostile + "\0"


# -- one way out -------------------------------------------------------------------------

WRITERS = {"print", "write", "writelines", "print_help", "print_usage"}
# Modules allowed to write themselves: the printer, and progress (its own counts, on
# stderr, with the \r that redraws it); main prints argparse's help (through
# parsing.Parser, which cleans it as the printer does).
MAY_WRITE = {"inbox_cli/output.py": WRITERS, "inbox_cli/progress.py": {"write"}}
MAY_WRITE["inbox_cli/main.py"] = {"print_help"}
# the pager hands on what the printer wrote (cleaned) to a buffer that stood for the terminal
MAY_WRITE["inbox_cli/pager.py"] = {"write"}
MAY_WRITE["inbox_cli/config.py"] = {"write"}  # the config file's TOML, to a file, not a screen


def test_every_line_of_the_command_line_goes_through_the_printer() -> None:
    for path in sorted((ROOT / "inbox_cli").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called in WRITERS:
                assert called in MAY_WRITE.get(name, set()), f"{name}:{node.lineno} {called}()"
