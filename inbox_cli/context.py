"""What every command gets: the printer, the replica (opened on demand), stdin ids,
and the one place that turns errors into messages and exit codes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crdt.errors import InboxError, UsageError
from crdt.model.ids import is_prefix
from inbox_cli.output import Output

if TYPE_CHECKING:
    from crdt.replica import Replica

EXIT_INTERRUPTED = 130


class Context:
    def __init__(
        self,
        home: Path,
        out: Output,
        paging: bool = True,
        settings: dict[str, Any] | None = None,
    ) -> None:
        self.home, self.out = home, out
        self.paging = paging  # False with --no-pager
        self.settings = settings or {}  # the config file's (inbox_cli/config.py)
        self._replica: Replica | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace, settings: dict[str, Any] | None = None) -> Context:
        """Flags, then the environment, then the config file's ``settings``."""
        from crdt.replica import data_home

        settings = settings or {}
        home = args.home or (None if os.environ.get("INBOX_HOME") else settings.get("home"))
        color = not args.no_color and settings.get("color", True)

        mode = "auto"
        if getattr(args, "json", False):
            mode = "json"
        elif getattr(args, "jsonl", False):
            mode = "jsonl"
        elif getattr(args, "nul", False):
            mode = "nul"
        out = Output(mode=mode, color=color)
        paging = not getattr(args, "no_pager", False)
        return cls(data_home(home), out, paging=paging, settings=settings)

    @property
    def replica(self) -> Replica:
        if self._replica is None:
            from crdt.replica import Replica

            self._replica = Replica.open(self.home)
        return self._replica

    def run(
        self, command: Callable[[argparse.Namespace, Context], None], args: argparse.Namespace
    ) -> int:
        try:
            command(args, self)
            return 0
        except InboxError as exc:
            self.out.error(exc.code, exc.message, exc.details(), exc.more())
            return exc.exit_code
        except KeyboardInterrupt:
            self.out.error("interrupted", "interrupted")
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            # The reader went away (`inbox list | head`): not an error of ours.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0
        except OSError as exc:  # a file the system refused: what and why, in one line
            where = f"{exc.filename}: " if exc.filename else ""
            self.out.error("error", f"{where}{exc.strerror or exc}")
            return 1
        except Exception as exc:  # never a traceback: one line, and how to see it all
            if os.environ.get("INBOX_DEBUG"):
                raise
            self.out.error(
                "error", f"{type(exc).__name__}: {exc} (a bug: INBOX_DEBUG=1 shows where)"
            )
            return 1
        finally:
            if self._replica is not None:
                self._tell_notices(self._replica)
                self._replica.close()

    def _tell_notices(self, replica: Replica) -> None:
        """What the sync process learned for the agent (a claim that lost), once."""
        try:
            for text in replica.take_notices():
                self.out.warn(text)
        except InboxError:
            pass  # a busy replica: they wait for the next command

    # -- input -----------------------------------------------------------------------------

    def ids(self, given: list[str]) -> list[str]:
        """Resolve id prefixes from arguments, else from stdin, as `inbox list -0 | inbox
        assign --to dana` sends them (see ``_stdin_ids``). Every id is resolved or the
        command fails before acting: a skipped id would be a silent partial change."""
        raw = given or self._stdin_ids()
        if not raw:
            raise UsageError("no conversation ids given (as arguments or on stdin)")
        resolved = []
        for prefix in raw:
            ident = self.replica.resolve(prefix)
            if ident not in resolved:
                resolved.append(ident)
        return resolved

    def _stdin_ids(self) -> list[str]:
        """Ids on stdin: NUL-separated when there is a NUL (-0), else separated by any
        whitespace; JSON from --json or --jsonl gives each object's "id". A word that is
        not an id (a TSV row's other fields, a typo) is a usage error naming it, never
        skipped."""
        if sys.stdin is None or sys.stdin.isatty():
            return []
        try:
            data = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(f"ids on stdin are not UTF-8 text (byte {exc.start})") from exc
        if "\0" in data:
            words = [t.strip() for t in data.split("\0") if t.strip()]
        elif data.lstrip().startswith(("[", "{")):
            words = _json_ids(data)
        else:
            words = data.split()
        for n, word in enumerate(words, 1):
            if not is_prefix(word.lower()):
                raise UsageError(
                    f"stdin word {n}, {word!r}, is not a conversation id; give ids separated "
                    "by whitespace or NUL (-0), e.g. `inbox list -0 | inbox tag --add x`"
                )
        return words

    def body(self, message: str | None, body_file: str | None, what: str = "body") -> str:
        """Text from -m, --body-file (- is stdin), in that order, else $EDITOR on a
        terminal; UTF-8 only."""
        given = self.given_body(message, body_file)
        if given is not None:
            return given
        if self.interactive:
            return self._edit(what)
        raise UsageError(f"give the {what} with -m TEXT or --body-file FILE")

    def given_body(self, message: str | None, body_file: str | None) -> str | None:
        """Text from -m or --body-file (- is stdin), or None when neither was given."""
        if message is not None:
            return message
        if body_file is None:
            return None
        try:
            data = sys.stdin.buffer.read() if body_file == "-" else Path(body_file).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {body_file}: {exc.strerror}") from exc
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise UsageError(
                f"{body_file} is not UTF-8 text (byte {exc.start}); "
                "convert it first, e.g. with iconv"
            ) from exc

    @property
    def interactive(self) -> bool:
        """A person at a terminal, who can be handed an editor."""
        return sys.stdin is not None and sys.stdin.isatty() and sys.stderr.isatty()

    def edit_file(self, path: Path, failed: str = "nothing was saved") -> None:
        """Let $VISUAL / $EDITOR (else vi) change ``path`` in place, as git commit does;
        ``failed`` tells the person what an editor error left undone."""
        import shlex
        import subprocess

        editor = (
            os.environ.get("VISUAL")
            or os.environ.get("EDITOR")
            or self.settings.get("editor")
            or "vi"
        )
        try:
            code = subprocess.call([*shlex.split(editor), str(path)])
        except (OSError, ValueError) as exc:  # not there, not a program, bad quoting
            why = getattr(exc, "strerror", None) or str(exc)
            raise InboxError(
                f"cannot run the editor {editor!r} ($VISUAL, $EDITOR or the config file's "
                f"editor): {why}; {failed}"
            ) from exc
        if code != 0:
            raise UsageError(f"{editor} exited with an error; {failed}")

    def _edit(self, what: str) -> str:
        """The body from the editor on a temporary file; lines starting with # dropped."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="inbox-") as tmp:
            draft = Path(tmp) / f"{what}.txt"
            draft.write_text(f"\n# Write the {what} above. Lines starting with # are dropped.\n")
            self.edit_file(draft)
            text = draft.read_text(encoding="utf-8", errors="replace")
        kept = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        if not kept.strip():
            raise UsageError(f"empty {what}; nothing was saved")
        return kept.strip() + "\n"


def _json_ids(data: str) -> list[str]:
    """The "id" of each object in a --json document or --jsonl lines."""
    try:
        if data.lstrip().startswith("["):
            objects = json.loads(data)
        else:
            objects = [json.loads(line) for line in data.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise UsageError(f"ids on stdin: not JSON at line {exc.lineno}: {exc.msg}") from exc
    out = []
    for n, obj in enumerate(objects, 1):
        if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
            raise UsageError(f'ids on stdin: JSON object {n} has no "id"')
        out.append(obj["id"])
    return out
