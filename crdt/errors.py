"""The one error tree of inbox.

Every failure a user can meet is an ``InboxError``; its ``exit_code`` is the
one the command line contract gives it, and the CLI maps it in one handler::

    InboxError                 1  error
    ├── UsageError             2  bad arguments or input
    ├── ConflictError          3  claimed by someone else, stale send, collision
    │   └── HeldError          3  a reply held: others wrote since its draft began
    ├── NotAuthorisedError     4  not allowed
    │   └── RefusedError       4  a change the relay will not take (model/admission.py)
    ├── NotFoundError          5  no such conversation, agent, template ...
    │   └── AmbiguousIdError   5  a prefix matching several ids
    ├── StoreError             1  a replica that cannot be opened or is not ours
    ├── NotMailError           1  an import source with no mail in it
    └── BadUpdateError         1  bytes that are not a Yjs update pycrdt can apply
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class InboxError(Exception):
    exit_code = 1
    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, Any]:
        """Fields a script gets beside ``code`` and ``message`` in the --json error object."""
        return {}

    def more(self) -> list[str]:
        """Lines for people after the message, such as what held a send."""
        return []


class UsageError(InboxError):
    exit_code = 2
    code = "usage"


class ConflictError(InboxError):
    exit_code = 3
    code = "conflict"


class HeldError(ConflictError):
    """A reply not sent because messages or notes arrived after its draft began: sending
    it unseen could answer what someone else already answered."""

    def __init__(self, message: str, items: Sequence[dict[str, Any]], lines: Sequence[str]):
        super().__init__(message)
        self.items, self.lines = list(items), list(lines)

    def details(self) -> dict[str, Any]:
        return {"new": self.items}

    def more(self) -> list[str]:
        return self.lines


class NotAuthorisedError(InboxError):
    exit_code = 4
    code = "not_authorised"


class RefusedError(NotAuthorisedError):
    """A change the relay will not store: it claims another agent, needs a role its token
    lacks, or breaks the document's schema (model/admission.py)."""

    code = "refused"


class NotFoundError(InboxError):
    exit_code = 5
    code = "not_found"


class AmbiguousIdError(NotFoundError):
    code = "ambiguous"

    def __init__(self, prefix: str, matches: Sequence[str]) -> None:
        shown = ", ".join(matches[:10]) + (" ..." if len(matches) > 10 else "")
        super().__init__(f"id prefix {prefix!r} is ambiguous: matches {shown}")
        self.prefix = prefix
        self.matches = list(matches)


class StoreError(InboxError):
    code = "store"


class UnbuiltError(StoreError):
    """A conversation with an index row and no built view. A command that needs it
    builds what an import queued for it (``Replica.view``); this is what is left when
    nothing is queued (a replica an older import left so)."""

    def __init__(self, ident: str) -> None:
        super().__init__(
            f"conversation {ident} has an index row but no document: "
            "`inbox reindex` rebuilds the index from the documents"
        )


class NotMailError(InboxError):
    """A path given to `inbox import` that holds no mail (a program, an empty file, a
    folder of other things): an error, so that a mistyped path is not taken for an
    import of nothing. Any entries read are named, each with why it is not mail."""

    code = "not_mail"
    EXPECTED = "expected an mbox file, a Maildir (with cur/ and new/) or a folder of .eml files"
    SHOWN = 20  # entries named for people; --json names all

    def __init__(self, path: str, not_mail: Sequence[dict[str, str]] = ()) -> None:
        super().__init__(f"{path}: no mail in it; {self.EXPECTED}")
        self.not_mail = list(not_mail)

    def details(self) -> dict[str, Any]:
        return {"not_mail": self.not_mail}

    def more(self) -> list[str]:
        lines = [f"not mail: {e['path']}: {e['reason']}" for e in self.not_mail[: self.SHOWN]]
        if len(self.not_mail) > self.SHOWN:
            lines.append(f"... and {len(self.not_mail) - self.SHOWN} more (--json lists all)")
        return lines


class BadUpdateError(InboxError):
    """An update pycrdt cannot apply, or panics on (model/ydoc.py ``apply_update``): it
    comes from the network, so it is a refusal, never a crash."""

    code = "bad_update"
