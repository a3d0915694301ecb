"""The layout's promises: dependencies point one way, reads never pay for pycrdt,
and only the store talks to SQLite."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from tests.conftest import INBOX, ROOT, Run

PACKAGES = ("crdt", "relay", "models", "inbox_cli")
ALLOWED = {  # who may import whom (inbox_cli -> relay, models -> crdt)
    "crdt": {"crdt"},
    "relay": {"relay", "crdt"},
    "models": {"models", "crdt"},
    "inbox_cli": {"inbox_cli", "relay", "models", "crdt"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(package: str) -> None:
    for path in _sources(package):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in PACKAGES:
                assert top in ALLOWED[package], f"{path.relative_to(ROOT)} imports {name}"


def test_only_the_stores_import_sqlite3() -> None:
    users = [
        str(p.relative_to(ROOT))
        for package in PACKAGES
        for p in _sources(package)
        if "sqlite3" in _imports(p)
    ]
    assert sorted(users) == ["crdt/store.py", "relay/store.py"]


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", "PREFIX"],
        ["search", "charge"],
        ["customer", "maria@example.com"],
        ["mentions"],
    ],
)
def test_reads_never_import_pycrdt(
    run: Run, home: Path, conversations: list[str], args: list[str]
) -> None:
    imported = _imported(home, [a.replace("PREFIX", conversations[0][:6]) for a in args])
    assert "pycrdt" not in imported
    assert "crdt.mail" not in imported


def test_writes_load_only_the_core_of_pycrdt(
    run: Run, home: Path, conversations: list[str]
) -> None:
    """The pycrdt package pulls in anyio and asyncio (~190 ms); a tag needs only its core,
    and packs its view without orjson (~50 ms to load; bulk workers use it)."""
    imported = _imported(home, ["tag", conversations[0][:6], "--add", "x"])
    assert "crdt.ydoc" in imported
    assert not {"pycrdt", "anyio", "asyncio", "orjson"} & imported


def _imported(home: Path, argv: list[str]) -> set[str]:
    """Every module an `inbox` command imports (python -X importtime)."""
    done = subprocess.run(
        [INBOX[0], "-X", "importtime", *INBOX[1:], *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"INBOX_HOME": str(home), "PATH": ""},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()}
