"""The customer's own words in a message: without the quoted history under a reply and
without the signature, which carry someone else's tone (our own reply, quoted) or none.

Lines that start with ">" are quotes (what crdt/store/index.py leaves out of search
too); an attribution line ("On ... wrote:", "Am ... schrieb ...:", "Le ... a écrit :",
"El ... escribió:", an "Original Message" rule) ends the message's own part, and so does
the signature delimiter "-- ".
"""

from __future__ import annotations

import re

ATTRIBUTION = re.compile(
    r"(?:on\b.{0,200}\bwrote:|am\b.{0,200}\bschrieb\b.{0,60}:|le\b.{0,200}\ba écrit\s?:|"
    r"el\b.{0,200}\bescribió:|-{2,}\s*(?:original message|ursprüngliche nachricht|"
    r"message d'origine|mensaje original)\s*-{2,})$",
    re.I,
)
SIGNATURE = ("--", "-- ")


def own_words(body: str) -> str:
    kept = []
    for line in body.split("\n"):
        if line.rstrip("\r") in SIGNATURE or ATTRIBUTION.match(line.strip()):
            break
        if not line.startswith(">"):
            kept.append(line)
    return "\n".join(kept).strip()
