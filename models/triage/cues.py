"""A table of named word patterns, and which of its names a text has: the one mechanism
of the urgency signals (rules.py) and the requests named outright (topics.py).

Patterns are written in lower case and matched against the lower-cased text, so that
"URGENT", "Urgent" and "urgent" are one cue in every language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping


class Cues:
    def __init__(self, table: Mapping[str, str]) -> None:
        self._patterns = {name: re.compile(pattern) for name, pattern in table.items()}

    def found(self, text: str) -> set[str]:
        lowered = text.lower()
        return {name for name, pattern in self._patterns.items() if pattern.search(lowered)}
