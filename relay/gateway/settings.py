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

    def as_dict(self) -> dict[str, Any]:
        plain = self._asdict()
        plain["imap"] = self.imap._asdict()
        plain["smtp"] = self.smtp._asdict() if self.smtp else None
        plain["folders"] = list(self.folders)
        return plain

    @classmethod
    def of(cls, plain: dict[str, Any]) -> Settings:
        smtp = plain.get("smtp")
        return cls(
            **{
                **plain,
                "imap": Server(**plain["imap"]),
                "smtp": Server(**smtp) if smtp else None,
                "folders": tuple(plain.get("folders") or ("INBOX",)),
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
) -> Settings:
    """A mailbox's settings, checked: one source of its secret, never the secret."""
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
        **given,
    )
