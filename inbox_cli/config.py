"""The config file, $XDG_CONFIG_HOME/inbox/config.toml: defaults people would otherwise
repeat. Flags and the environment win over it (--home and $INBOX_HOME over ``home``,
$VISUAL/$EDITOR over ``editor``, $INBOX_PAGER/$PAGER over ``pager``, --no-color and
NO_COLOR over ``color``, `list --status/--limit` over ``[list]``).

    home = "~/work/inbox"
    editor = "nano"
    pager = "less -R"
    color = false

    [list]
    status = "all"
    limit = 200

A file that is not TOML, a key that is not one of these, or a value of the wrong kind is
a usage error (exit 2) naming the file and the line, before anything runs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from crdt.errors import UsageError

# dotted key -> (type, what it sets)
KEYS: dict[str, tuple[type, str]] = {
    "home": (str, "the replica directory ($INBOX_HOME and --home win)"),
    "editor": (str, "the editor for replies and notes ($VISUAL and $EDITOR win)"),
    "pager": (str, "the pager for long output ($INBOX_PAGER and $PAGER win; cat: none)"),
    "color": (bool, "colour on a terminal (--no-color and NO_COLOR win)"),
    "list.status": (str, "`inbox list`'s default --status"),
    "list.limit": (int, "`inbox list`'s default --limit (0: all)"),
}


_KINDS = {str: "a string", bool: "true or false", int: "a whole number"}


def path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "inbox" / "config.toml"


def load(where: Path | None = None) -> dict[str, Any]:
    """The settings of the config file by dotted key; {} when there is no file."""
    where = where or path()
    try:
        text = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the config file {where}: {exc}") from exc
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{where}: {_where_in(str(exc))}{_what(str(exc))}") from exc
    flat = _flatten(data)
    for key, value in flat.items():
        problem = check(key, value)
        if problem:
            raise UsageError(f"{where}: line {_line_of(text, key)}: {problem}")
    return flat


def check(key: str, value: Any) -> str | None:
    """What is wrong with ``key = value``, or None."""
    if key not in KEYS:
        return f"unknown key {key!r} (known: {', '.join(KEYS)})"
    kind = KEYS[key][0]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        return f"{key} must be {_KINDS[kind]}, not {value!r}"
    if key == "list.status":
        from crdt.model.vocab import STATUS_FILTERS

        if value not in STATUS_FILTERS:
            return f"list.status must be one of {', '.join(STATUS_FILTERS)}"
    if key == "list.limit" and value < 0:
        return "list.limit must be 0 (all) or more"
    return None


def parse_value(key: str, text: str) -> Any:
    """A value given on the command line (`inbox config set KEY VALUE`), typed."""
    if key not in KEYS:
        raise UsageError(f"unknown key {key!r} (known: {', '.join(KEYS)})")
    kind = KEYS[key][0]
    value: Any = text
    if kind is bool:
        words = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}
        if text.lower() not in words:
            raise UsageError(f"{key} is true or false, not {text!r}")
        value = words[text.lower()]
    elif kind is int:
        try:
            value = int(text)
        except ValueError:
            raise UsageError(f"{key} is a number, not {text!r}") from None
    problem = check(key, value)
    if problem:
        raise UsageError(problem)
    return value


def save(values: dict[str, Any], where: Path | None = None) -> Path:
    """Write ``values`` as the whole file: a temporary file beside it, then a rename, so
    a reader (or a crash) sees the old file or the new one, never half of one."""
    import tempfile

    where = where or path()
    where.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=where.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dump(values))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, where)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return where


def dump(values: dict[str, Any]) -> str:
    """TOML for the known keys: top-level ones first, then one table per section."""
    top = [k for k in KEYS if "." not in k and k in values]
    lines = [f"{k} = {_toml(values[k])}" for k in top]
    for section in dict.fromkeys(k.split(".")[0] for k in KEYS if "." in k):
        keys = [k for k in KEYS if k.startswith(section + ".") and k in values]
        if keys:
            lines += ["", f"[{section}]"]
            lines += [f"{k.split('.', 1)[1]} = {_toml(values[k])}" for k in keys]
    return "\n".join(lines).lstrip("\n") + "\n"


def _toml(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))  # a JSON string is a TOML basic string (\uXXXX escapes)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and f"{prefix}{key}" not in KEYS:
            out.update(_flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _line_of(text: str, dotted: str) -> int:
    """The line that sets ``dotted`` (``list.limit``: ``limit =`` under ``[list]``)."""
    import re

    *section, name = dotted.split(".")
    current = ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        table = re.fullmatch(r"\[\s*([^\]]+?)\s*\]", stripped)
        if table:
            current = table[1]
        elif current == ".".join(section) and re.match(rf"{re.escape(name)}\s*=", stripped):
            return number  # `limit =` under [list]
        elif not current and re.match(rf"{re.escape(dotted)}\s*=", stripped):
            return number  # `list.limit =` at the top
    return 1


def _where_in(message: str) -> str:
    import re

    found = re.search(r"at line (\d+)", message)
    return f"line {found[1]}: " if found else ""


def _what(message: str) -> str:
    """tomllib's message without its own "(at line N, column M)"."""
    import re

    return "not TOML: " + re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
