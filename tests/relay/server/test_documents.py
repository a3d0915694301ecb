"""The relay's loaded documents are bounded in bytes, not only in count."""

from __future__ import annotations

from pathlib import Path

from relay.server.documents import Documents
from relay.server.limits import Limits
from relay.store import RelayStore
from tests.relay.attackers import big_conversation


def test_big_documents_are_let_go_past_the_byte_budget(tmp_path: Path) -> None:
    store = RelayStore.open(tmp_path / "relay.db", create=True, workspace="acme")
    try:
        made = [big_conversation(1024 * 1024) for _ in range(6)]
        with store.write():
            for name, update in made:
                store.append(name, update)
        docs = Documents(store, Limits(docs_bytes=3 * 1024 * 1024 + 65536))
        for name, _ in made:
            docs.get(name)
        assert docs.size <= 3 * 1024 * 1024 + 65536
        assert 1 <= len(docs) <= 3
        assert made[-1][0] in docs  # the one in use stays
        doc, entries = docs.get(made[0][0])  # one let go loads again from the log
        assert entries == 1 and doc.get_update()
    finally:
        store.close()
