"""Where the relay is and how a replica trusts it: the one check every connection passes.

A relay token is a bearer secret: whoever reads it off the wire can act as that agent.
So a relay URL is checked before anything connects (``websocket_url``): https always;
plain http only to this machine's loopback (127.0.0.0/8, ::1, localhost), and to any
other host only when the user said ``--insecure``. TLS is always verified, hostname
included (``tls_context``), against the system's CA store (or ``SSL_CERT_FILE``), or
against the one CA bundle the replica was joined with (``--ca-file``, kept in the
replica's meta beside the relay URL); nothing turns verification off.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crdt.errors import UsageError

if TYPE_CHECKING:
    import ssl

    from crdt.replica import Replica

PLAIN, SECURE = ("http", "ws"), ("https", "wss")


@dataclass(frozen=True)
class Relay:
    """A relay URL with what a connection to it needs besides the token."""

    url: str
    ca_file: str | None = None  # a CA bundle that replaces the system's for this relay
    insecure: bool = False  # plain http to a host off loopback was asked for

    @classmethod
    def of(cls, replica: Replica, insecure: bool = False, ca_file: str | None = None) -> Relay:
        """The relay a replica was joined to, trusted the way it was at the join (or
        through ``ca_file`` now)."""
        url = replica.relay_url
        if not url:
            raise UsageError(
                "this replica has no relay: its workspace is its own until a relay is made "
                f"from it (`inbox relay serve --from-replica {replica.home}`) and it joins "
                "that relay (`inbox join RELAY_URL --token-file FILE`)"
            )
        trusted = ca_file or replica.relay_ca_file
        return cls(url, trusted, insecure or replica.relay_insecure)

    @property
    def secure(self) -> bool:
        return urlsplit(self.url.strip()).scheme.lower() in SECURE


def is_loopback(host: str) -> bool:
    """True for an address of this machine that no network sees; a name other than
    ``localhost`` is not looked up (what it resolves to can change)."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def websocket_url(relay: Relay) -> str:
    """The relay's websocket URL (``http`` -> ``ws``, ``https`` -> ``wss``, path ``/sync``),
    or UsageError for a URL a token must not be sent to."""
    parts = urlsplit(relay.url.strip())
    scheme = parts.scheme.lower()
    if scheme not in PLAIN + SECURE or not parts.hostname:
        raise UsageError(
            f"not a relay URL: {relay.url!r} (expected https://HOST[:PORT], "
            "or http://127.0.0.1:PORT on this machine)"
        )
    try:
        parts.port  # noqa: B018  (raises for a port that is not a number in range)
    except ValueError as exc:
        raise UsageError(f"not a relay URL: {relay.url!r} ({exc})") from exc
    if scheme in PLAIN:
        if relay.ca_file:
            raise UsageError(f"--ca-file is for an https relay; {relay.url} is plain http")
        if not relay.insecure and not is_loopback(parts.hostname):
            raise UsageError(
                f"refusing plain {scheme}:// to {parts.hostname}: the token would cross the "
                "network in clear text. Serve the relay over TLS (`inbox relay serve "
                "--tls-cert F --tls-key F`, or behind a reverse proxy) and use https://, "
                "or add --insecure to send it anyway"
            )
    ws_scheme = "wss" if scheme in SECURE else "ws"
    path = parts.path.rstrip("/")
    return f"{ws_scheme}://{parts.netloc}{path}/sync"


def check(relay: Relay) -> None:
    """Refuse, before any token is read or sent, a relay URL the token may not go to or a
    CA file that does not load."""
    websocket_url(relay)
    tls_context(relay)


def tls_context(relay: Relay) -> ssl.SSLContext | None:
    """What a wss connection checks the relay's certificate with: the system's CAs (with
    SSL_CERT_FILE honoured), or only the replica's CA bundle; hostnames always checked.
    None for plain http."""
    if not relay.secure:
        return None
    import ssl

    if relay.ca_file is None:
        return ssl.create_default_context()
    try:
        return ssl.create_default_context(cafile=relay.ca_file)
    except ssl.SSLError as exc:
        reason = str(exc.reason or exc).replace("_", " ").lower()
        raise UsageError(f"CA file {relay.ca_file} is not a PEM bundle ({reason})") from exc
    except OSError as exc:
        raise UsageError(
            f"cannot read CA file {relay.ca_file}: {exc.strerror}; name the relay's CA "
            "with --ca-file (sync takes it too, and keeps it)"
        ) from exc


def ca_file_path(given: str | None) -> str | None:
    """A --ca-file argument as the absolute path the replica keeps (sync runs elsewhere)."""
    return None if given is None else str(Path(given).expanduser().resolve())
