"""The email gateway's errors, a branch of the one tree in crdt/errors.py::

    InboxError
    └── GatewayError           1  gateway
        ├── ConfigError        2  usage        a setting that cannot work (also a UsageError)
        ├── SecretError        1  secret       a password command or file that gave nothing
        └── MailServerError    1  mail_server  the IMAP or SMTP server failed or refused

A gateway runs unattended, so what it meets must say what to do next: ``temporary``
on MailServerError is the difference between trying again later (the network, a
timeout, a server going down) and telling someone (a refused login or certificate),
which no retry will mend.
"""

from __future__ import annotations

from typing import Any

from crdt.errors import InboxError, UsageError


class GatewayError(InboxError):
    code = "gateway"


class ConfigError(GatewayError, UsageError):
    """A gateway setting that cannot work as given: plain text to a host off loopback,
    an unknown security, a CA file that does not load, a password and a token both."""

    code = "usage"


class SecretError(GatewayError):
    """A password command that failed, timed out or printed nothing, or a password file
    that cannot be read or is open to others. The message names the command or file
    and why; it never holds what either gave, which may be the secret."""

    code = "secret"


class MailServerError(GatewayError):
    """The mail server failed or refused. ``temporary``: the same call may work later
    (a network error, a timeout, the server going down or busy); otherwise it will not
    until someone changes something (a refused login, an untrusted certificate)."""

    code = "mail_server"

    def __init__(self, message: str, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary

    def details(self) -> dict[str, Any]:
        return {"temporary": self.temporary}
