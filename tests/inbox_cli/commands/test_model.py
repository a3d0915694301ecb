"""`inbox model list|use`: the shipped GGUF, and one the user adds (this replica only)."""

from __future__ import annotations

import shutil
from pathlib import Path

from models import catalogue
from tests.conftest import Run, as_json


def test_list_shows_the_shipped_model_in_use(run: Run) -> None:
    [shipped] = as_json(run("model", "list", "--json"))
    assert shipped["name"] == catalogue.SHIPPED_NAME
    assert shipped["shipped"] and shipped["in_use"]


def test_use_a_gguf_makes_it_the_replicas_model(run: Run, home: Path, tmp_path: Path) -> None:
    shipped = catalogue.shipped()
    assert shipped is not None
    mine = tmp_path / "mine.gguf"
    shutil.copyfile(shipped, mine)
    assert run("model", "use", str(mine)).returncode == 0
    listed = {m["name"]: m for m in as_json(run("model", "list", "--json"))}
    assert listed["mine.gguf"]["in_use"] and not listed[catalogue.SHIPPED_NAME]["in_use"]
    assert (home / catalogue.SETTINGS).is_file()


def test_use_refuses_a_file_that_is_not_gguf(run: Run, tmp_path: Path) -> None:
    text = tmp_path / "notes.gguf"
    text.write_text("not a model", encoding="utf-8")
    done = run("model", "use", str(text))
    assert done.returncode == 2
    assert "not a GGUF" in done.stderr
