from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.relay.relays import RelayProcess


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[RelayProcess]:
    where = tmp_path / "relay"
    where.mkdir()
    process = RelayProcess(where).start()
    yield process
    process.stop()
