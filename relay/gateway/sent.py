"""A mailbox's Sent folder over IMAP: where it is, whether a reply is in it, and the
gateway's own copy of a reply filed there.

The folder is the one the mailbox's settings name (``--sent-folder``), else the one the
server flags ``\\Sent`` (SPECIAL-USE, RFC 6154), else "Sent". A copy is filed once: the
folder is searched for the reply's Message-ID first, so a gateway that stopped after
its APPEND and before recording it, or a server that filed the reply itself, does not
get a second one.
"""

from __future__ import annotations

from relay.gateway.imap import Imap
from relay.gateway.settings import Settings

FALLBACK = "Sent"


def folder(imap: Imap, settings: Settings) -> str:
    """The name of the mailbox's Sent folder (it may not exist yet)."""
    if settings.sent_folder:
        return settings.sent_folder
    return next((f.name for f in imap.folders() if "\\Sent" in f.flags), FALLBACK)


def holds(imap: Imap, settings: Settings, message_id: str) -> bool:
    """Whether the Sent folder has a message of this Message-ID."""
    name = folder(imap, settings)
    if name not in {f.name for f in imap.folders()}:
        return False
    return imap.find_message_id(name, message_id) is not None


def file_copy(imap: Imap, settings: Settings, message_id: str, raw: bytes) -> bool:
    """Put ``raw`` into the Sent folder, read (``\\Seen``), unless a message of this
    Message-ID is there already; True when it was put there now. A Sent folder the
    server does not have is made."""
    if holds(imap, settings, message_id):
        return False
    imap.append(folder(imap, settings), raw, flags=("\\Seen",), create=True)
    return True
