"""How the gateway reaches a mail server, for IMAP and SMTP alike: the one check of a
transport before anything connects, and the one TLS context it connects with.

A mailbox password (or an OAuth2 token) read off the wire lets anyone read and send
as support@. So a server is reached over TLS from the first byte (``tls``: IMAP 993,
SMTP 465) or after STARTTLS (``starttls``: IMAP 143, SMTP 587), which the gateway
insists on: a server that does not offer it is refused, never talked to in clear.
``none`` is for a server on this machine's loopback alone (a local relay, the tests),
as for the relay's own plain http (relay/client/address.py). TLS is always verified,
chain and hostname, against the system's CAs or the one PEM bundle given
(``ca_file``); nothing turns verification off.
"""

from __future__ import annotations

import ssl

from relay.client.address import is_loopback
from relay.gateway.errors import ConfigError

SECURITY = ("tls", "starttls", "none")


def check(host: str, security: str, ca_file: str | None = None) -> None:
    """Refuse, before any connection or secret is read, a transport that would put the
    password on the network in clear text, or one that makes no sense."""
    if not host.strip():
        raise ConfigError("no mail server host given")
    if security not in SECURITY:
        raise ConfigError(f"unknown security {security!r}: expected one of {', '.join(SECURITY)}")
    if security != "none":
        return
    if ca_file is not None:
        raise ConfigError(f"a CA file is for security tls or starttls; {host} is plain text")
    if not is_loopback(host):
        raise ConfigError(
            f"refusing security none to {host}: the mailbox password would cross the "
            "network in clear text. Use tls (IMAP port 993, SMTP 465) or starttls "
            "(IMAP 143, SMTP 587); none is for a server on this machine's loopback"
        )


def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """What the server's certificate is checked with: the system's CAs (SSL_CERT_FILE
    honoured), or only the PEM bundle ``ca_file``; the hostname always checked."""
    try:  # Python's default: CERT_REQUIRED, check_hostname, TLS 1.2 at least
        return ssl.create_default_context(cafile=ca_file)
    except ssl.SSLError as exc:
        reason = str(exc.reason or exc).replace("_", " ").lower()
        raise ConfigError(f"CA file {ca_file} is not a PEM bundle ({reason})") from exc
    except OSError as exc:
        raise ConfigError(f"cannot read CA file {ca_file}: {exc.strerror or exc}") from exc
