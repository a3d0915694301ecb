"""A Bloom filter of strings: says "surely not" or "maybe", in 2 bytes an entry.

An import asks, for every mail, whether its Message-ID is stored anywhere; a Python set
of a million ids (or of their hashes) takes ~60 bytes an entry, and the replica only
grows. Two probes at 16 bits an entry answer "maybe" for ~1.4% of strings never added,
and never answer "surely not" for one that was.
"""

from __future__ import annotations

BITS_PER_ENTRY = 16
SMALLEST = 1 << 16  # bits


class Bloom:
    __slots__ = ("_bits", "_mask", "capacity", "count")

    def __init__(self, capacity: int) -> None:
        """``capacity``: the entries it is sized for; past that, "maybe" comes more often."""
        size = SMALLEST
        while size < capacity * BITS_PER_ENTRY:
            size <<= 1
        self.capacity = size // BITS_PER_ENTRY
        self.count = 0
        self._mask = size - 1
        self._bits = bytearray(size >> 3)

    def add(self, item: str) -> None:
        h = hash(item)  # cached on the string; 64 bits: two probes from its two halves
        a, b = h & self._mask, (h >> 32) & self._mask
        self._bits[a >> 3] |= 1 << (a & 7)
        self._bits[b >> 3] |= 1 << (b & 7)
        self.count += 1

    def __contains__(self, item: str) -> bool:
        h = hash(item)
        a, b = h & self._mask, (h >> 32) & self._mask
        return bool(self._bits[a >> 3] & (1 << (a & 7)) and self._bits[b >> 3] & (1 << (b & 7)))
