"""A mailbox as the mail gateway reaches it: its IMAP and SMTP servers, the login, and
where the secret comes from. Kept only in the relay's store (``RelayStore.put_mailbox``):
agents see a mailbox's address, name and signature, never this, and nothing a replica
writes can change it.

Pure: checked values in, plain dicts out (the store keeps them as JSON).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from crdt.errors import UsageError
from crdt.model.items import check_email
from relay.gateway.security import check

TLS_PORTS = {993, 465}  # IMAPS and SMTPS: TLS from the first byte; others start plain
DEFAULT_PORTS = {"imap": {"tls": 993, "starttls": 143, "none": 143},
                 "smtp": {"tls": 465, "starttls": 587, "none": 25}}  # fmt: skip
# Who puts a copy of a sent reply in the mailbox's Sent folder: the gateway, over IMAP
# (append), or the provider's SMTP server itself (server), as Gmail and Microsoft 365 do
# for what is sent through them; appending there too would file every reply twice.
SENT_COPY = ("append", "server")
SERVER_FILES = (".gmail.com", ".googlemail.com", ".office365.com", ".outlook.com")


class Server(NamedTuple):
    host: str
    port: int
    security: str  # tls, starttls or none (loopback only)

    def __str__(self) -> str:
        return f"{self.host}:{self.port} ({self.security})"


class Settings(NamedTuple):
    address: str
    imap: Server
    smtp: Server | None  # None: the mailbox is read, and nothing is sent from it
    user: str
    password_command: str | None = None
    password_file: str | None = None
    oauth_command: str | None = None  # prints an OAuth2 access token (XOAUTH2)
    folders: tuple[str, ...] = ("INBOX",)
    sent_folder: str | None = None  # None: found by its SPECIAL-USE flag, or "Sent"
    ca_file: str | None = None  # a PEM bundle to verify the servers against
    sent_copy: str = "append"  # who files a sent reply in Sent (SENT_COPY)

    def as_dict(self) -> dict[str, Any]:
        plain = self._asdict()
        plain["imap"] = self.imap._asdict()
        plain["smtp"] = self.smtp._asdict() if self.smtp else None
        plain["folders"] = list(self.folders)
        return plain

    @classmethod
    def of(cls, plain: dict[str, Any]) -> Settings:
        smtp = Server(**plain["smtp"]) if plain.get("smtp") else None
        return cls(
            **{
                **plain,
                "imap": Server(**plain["imap"]),
                "smtp": smtp,
                "folders": tuple(plain.get("folders") or ("INBOX",)),
                "sent_copy": plain.get("sent_copy") or default_sent_copy(smtp),  # older stores
            }
        )


def server(text: str, kind: str, security: str | None) -> Server:
    """``HOST[:PORT]`` of an IMAP or SMTP server; the security follows the port (993 and
    465 are TLS, others STARTTLS) unless given, and is checked as every connection is
    (``security.check``: plain text only on loopback)."""
    host, _, port_text = text.strip().rpartition(":") if ":" in text else (text.strip(), "", "")
    if port_text and not port_text.isdigit():
        raise UsageError(f"{text!r} is not HOST[:PORT]")
    if not host:
        raise UsageError(f"{text!r} names no host")
    port = int(port_text) if port_text else None
    if port is not None and not 1 <= port <= 65535:
        raise UsageError(f"{text!r}: a port is 1-65535")
    chosen = security or ("tls" if port is None or port in TLS_PORTS else "starttls")
    check(host, chosen)
    return Server(host, port or DEFAULT_PORTS[kind][chosen], chosen)


def settings(
    address: str,
    imap: Server,
    smtp: Server | None,
    user: str | None,
    secret: dict[str, str | None],
    folders: tuple[str, ...] = (),
    sent_folder: str | None = None,
    ca_file: str | None = None,
    sent_copy: str | None = None,
) -> Settings:
    """A mailbox's settings, checked: one source of its secret, never the secret.
    ``sent_copy`` None: as the SMTP server's provider does (``default_sent_copy``)."""
    given = {k: v for k, v in secret.items() if v}
    if len(given) != 1:
        raise UsageError(
            "give the secret one way: --password-command CMD, --password-file FILE or "
            "--oauth-token-command CMD (never the password itself)"
        )
    return Settings(
        address=check_email(address),
        imap=imap,
        smtp=smtp,
        user=user or check_email(address),
        folders=folders or ("INBOX",),
        sent_folder=sent_folder,
        ca_file=ca_file,
        sent_copy=sent_copy or default_sent_copy(smtp),
        **given,
    )


def default_sent_copy(smtp: Server | None) -> str:
    """``server`` for the providers whose SMTP servers file what they send (Gmail,
    Microsoft 365 and Outlook.com), ``append`` for every other."""
    host = smtp.host.lower().rstrip(".") if smtp else ""
    return "server" if host.endswith(SERVER_FILES) else "append"
