"""The shipped GGUF loads through models/llm.py and answers (the real model)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from models import catalogue, llm
from models.errors import ModelUnavailableError


def test_the_shipped_model_loads_once_and_completes(smollm: Any) -> None:
    path = catalogue.shipped()
    assert path is not None
    assert llm.load(path, context=512) is smollm
    out = smollm.create_completion("The capital of France is", max_tokens=4, temperature=0)
    assert out["choices"][0]["text"].strip()


def test_a_file_that_is_not_a_model_says_why(tmp_path: Path) -> None:
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ModelUnavailableError) as caught:
        llm.load(bad)
    assert caught.value.details()["install"]
