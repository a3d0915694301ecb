"""The one module that imports llama_cpp: a GGUF loaded once per process.

Threads are the cores this process may use; the context is sized for the job (a
triage prompt needs far less than a 40-message summary); llama.cpp's own logging goes
nowhere (``verbose=False`` and stderr closed while it loads), so stdout stays data and
stderr stays for people. Its errors become ``ModelUnavailableError`` here, at one boundary.
"""

from __future__ import annotations

import atexit
import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from models.errors import ModelUnavailableError
from models.machine import threads

_loaded: dict[tuple[Path, int], Any] = {}


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """File descriptor 2 to /dev/null for what C code prints past Python."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def load(path: Path, context: int = 2048) -> Any:
    """The llama_cpp.Llama for ``path``, loaded on first use and kept for the process."""
    key = (path, context)
    if key in _loaded:
        return _loaded[key]
    try:
        import llama_cpp
    except ImportError as exc:
        raise ModelUnavailableError("no local model runtime", f"llama-cpp-python: {exc}") from exc
    if not path.is_file():
        raise ModelUnavailableError(f"no model file {path}", "the file is gone")
    try:
        with quiet_stderr():
            model = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=context,
                n_threads=threads(),
                n_threads_batch=threads(),
                verbose=False,
            )
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelUnavailableError(f"{path.name} could not be loaded", str(exc)) from exc
    if not _loaded:
        atexit.register(_close_all)
    _loaded[key] = model
    return model


def _close_all() -> None:
    """Free the models while the interpreter still stands: llama_cpp's own finaliser,
    run at shutdown, finds its modules gone and prints a traceback to stderr."""
    while _loaded:
        _, model = _loaded.popitem()
        with contextlib.suppress(Exception):
            model.close()


def model_id(path: Path) -> str:
    """What names a model in the cache: its file name and size (a new build is a new id)."""
    return f"gguf:{path.name}:{path.stat().st_size}"
