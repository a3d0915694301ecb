"""What a shell may offer as the next word: conversation ids and tags by prefix, from the
index alone and bounded, so `inbox __complete` answers while the person is still typing."""

from __future__ import annotations

from crdt.store.sqlite import Connection


def ids(conn: Connection, prefix: str, limit: int) -> list[tuple[str, str]]:
    """(id, subject) of conversations whose id starts with ``prefix``, recent first. With
    no prefix, the newest are read from the index of updates in order (the range of every
    id would sort the whole table: 0.3-0.45 s of 100k); with one, its few matches sorted."""
    text = prefix.strip().lower()
    recent = "merged_into IS NULL ORDER BY updated_at DESC, id DESC LIMIT ?"
    if text:
        rows = conn.execute(
            f"SELECT id, subject FROM conversations WHERE id >= ? AND id < ? AND {recent}",
            (text, text + "\U0010ffff", limit),
        )
    else:
        rows = conn.execute(f"SELECT id, subject FROM conversations WHERE {recent}", (limit,))
    return [(row["id"], row["subject"] or "") for row in rows]


def tags(conn: Connection, prefix: str, limit: int) -> list[str]:
    """Tags in use that start with ``prefix``, in order."""
    rows = conn.execute(
        "SELECT DISTINCT tag FROM conversation_tags WHERE tag >= ? AND tag < ? ORDER BY tag"
        " LIMIT ?",
        (prefix, prefix + "\U0010ffff", limit),
    )
    return [row["tag"] for row in rows]
