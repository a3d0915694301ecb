"""How views and snapshots are packed: most of a replica, so their size is its size.

A replica packs with zstd and two dictionaries it trains on its own records (one for
views, one for snapshots), LZ4 until it has enough of them to learn from; the zstd
frames and zlib streams replicas wrote before still read. A tag byte says which:
``D`` + a 2-byte dictionary id, ``L`` LZ4, a zstd frame's magic, else zlib.
"""

from __future__ import annotations

import zlib
from typing import Any, cast

from crdt.errors import StoreError
from crdt.store.sqlite import Connection

LZ4 = b"L"  # tags what ``compress`` makes; no zlib stream or zstd frame begins with it
DICTIONARY = b"D"  # tags a zstd frame made with one of the replica's dictionaries (id follows)
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"  # how a zstd frame begins; a zlib stream never does
ZSTD_LEVEL = 3
DICTIONARY_BYTES = 32 * 1024
TRAIN_SAMPLES = 500  # records a dictionary is trained on: more make it no better


_ZSTD: Any = None


def _zstd() -> Any:
    """The standard library's zstd (Python 3.14), else its backport: both train
    dictionaries and load them, which the ``zstd`` package cannot. Found once: an import
    that fails is looked for again each time (~0.4 M instructions)."""
    global _ZSTD
    if _ZSTD is None:
        try:
            from compression import zstd  # type: ignore[import-not-found]
        except ImportError:
            from backports import zstd
        _ZSTD = zstd
    return _ZSTD


class Dictionary:
    """A zstd dictionary of this replica, with what packing and unpacking with it need,
    made once per process.

    Views and snapshots are small records of one replica's mail: on their own they
    compress to ~39-46% (LZ4) or ~30-34% (zstd); a dictionary trained on a few hundred of
    them holds what they share (JSON keys, the Yjs encoding of every message's fields,
    our addresses and names, common words) and brings each to ~21-25%, small enough for
    two rows to share a 4 KB page where one took it whole."""

    __slots__ = ("_compressor", "_tag", "_zstd_dict", "ident")

    def __init__(self, ident: int, data: bytes) -> None:
        zstd = _zstd()
        self.ident = ident
        self._tag = DICTIONARY + ident.to_bytes(2, "big")
        self._zstd_dict = zstd.ZstdDict(data)
        self._compressor: Any = None

    def compress(self, data: bytes) -> bytes:
        """A frame without the dictionary's id (the tag has ours) or a checksum (SQLite
        keeps its own); one compressor for every frame, since making one costs more
        than a small record's compression."""
        if self._compressor is None:
            zstd = _zstd()
            options = {
                zstd.CompressionParameter.compression_level: ZSTD_LEVEL,
                zstd.CompressionParameter.dict_id_flag: 0,
                zstd.CompressionParameter.checksum_flag: 0,
            }
            self._compressor = zstd.ZstdCompressor(options=options, zstd_dict=self._zstd_dict)
        frame = self._compressor.compress(data, self._compressor.FLUSH_FRAME)
        return self._tag + cast(bytes, frame)

    def decompress(self, frame: bytes) -> bytes:
        digested = self._zstd_dict.as_digested_dict  # made once, kept by the dictionary
        return cast(bytes, _zstd().decompress(frame, zstd_dict=digested))


def compress(data: bytes, dictionary: Dictionary | None = None) -> bytes:
    """With one of the replica's dictionaries (``newest_dictionary``), zstd; without, LZ4:
    a 12 KB view or snapshot in ~35 us and back in ~11 (zstd at level 1: 65-80 and 35;
    zlib: 190), at 1.35x zstd's size. A replica compresses with LZ4 until it holds
    enough conversations to train its dictionaries on (``train_dictionary``)."""
    if dictionary is not None:
        return dictionary.compress(data)
    import lz4.block

    return LZ4 + cast(bytes, lz4.block.compress(data))


def decompress(blob: bytes, conn: Connection | None = None) -> bytes:
    """What ``compress`` makes, or the zstd frames and zlib streams replicas wrote before.
    ``conn``: the replica the blob comes from, whose dictionary it may need."""
    tag = blob[:1]
    if tag == DICTIONARY:
        if conn is None:
            raise StoreError("this record needs its replica's compression dictionary")
        return dictionary(conn, int.from_bytes(blob[1:3], "big")).decompress(blob[3:])
    if tag == LZ4:
        import lz4.block

        return cast(bytes, lz4.block.decompress(blob[1:]))
    if blob[:4] == ZSTD_MAGIC:
        import zstd

        return bytes(zstd.decompress(blob))
    return zlib.decompress(blob)


def dictionary(conn: Connection, ident: int) -> Dictionary:
    """One of the replica's dictionaries, read once per connection: they never change."""
    cache = conn.memo.setdefault("dictionaries", {})
    if ident in cache:
        return cast(Dictionary, cache[ident])
    row = conn.execute("SELECT data FROM dictionaries WHERE id = ?", (ident,)).fetchone()
    if row is None:
        raise StoreError(f"the replica lacks compression dictionary {ident}; it is damaged")
    found = Dictionary(ident, bytes(row[0]))
    cache[ident] = found
    return found


def newest_dictionary(conn: Connection, kind: str) -> Dictionary | None:
    """What new records of ``kind`` ("view", "snapshot") are packed with, if anything."""
    row = conn.execute("SELECT max(id) FROM dictionaries WHERE kind = ?", (kind,)).fetchone()
    return None if row[0] is None else dictionary(conn, int(row[0]))


def train_dictionary(conn: Connection, kind: str, samples: list[bytes]) -> bool:
    """Train and keep a dictionary for ``kind`` from records of this replica, inside the
    caller's transaction; False when there are too few to learn from.

    Each replica trains its own: what it packs never leaves it (a relay is sent Yjs
    updates), so no two replicas need to agree on one."""
    if len(samples) < TRAIN_SAMPLES // 2:
        return False
    zstd = _zstd()
    try:
        trained = zstd.train_dict(samples, DICTIONARY_BYTES)
    except zstd.ZstdError:  # records too small or too alike to learn anything from
        return False
    conn.execute("INSERT INTO dictionaries(kind, data) VALUES (?, ?)", (kind, trained.dict_content))
    return True


def pack_snapshot(snapshot: bytes, dictionary: Dictionary | None = None) -> bytes:
    return b"z" + compress(snapshot, dictionary)


def unpack_snapshot(stored: bytes, conn: Connection | None = None) -> bytes:
    return decompress(stored[1:], conn) if stored[:1] == b"z" else stored[1:]
