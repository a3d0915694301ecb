"""The relay's own TLS: its certificate chain and private key, checked before it serves.

uvicorn loads the files itself once the server starts; a wrong path, a key that is not
the certificate's, or a key with a passphrase (OpenSSL would stop to prompt for it on the
terminal) would then end the server with a traceback. Loading them here first turns each
into a usage error that names the file. The key is only ever a path: its content never
goes on the command line or into a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crdt.errors import UsageError


@dataclass(frozen=True)
class ServerTLS:
    """Files uvicorn serves https and wss with."""

    cert: Path  # PEM: the relay's certificate, then any intermediates
    key: Path  # PEM: its private key, unencrypted, readable by the relay alone


class _Encrypted(Exception):
    """Raised from OpenSSL's passphrase callback: the key has one, and nobody may type it."""


def checked(cert: str, key: str) -> ServerTLS:
    """``cert`` and ``key`` as a ServerTLS once OpenSSL loaded them together."""
    import ssl

    tls = ServerTLS(Path(cert).expanduser().resolve(), Path(key).expanduser().resolve())
    for what, path in (("certificate", tls.cert), ("key", tls.key)):
        try:
            path.open("rb").close()
        except OSError as exc:
            raise UsageError(f"cannot read the TLS {what} {path}: {exc.strerror}") from exc
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(tls.cert, tls.key, password=_no_passphrase)
    except _Encrypted as exc:
        raise UsageError(
            f"the TLS key {tls.key} has a passphrase; give the relay an unencrypted key "
            "(`openssl pkey -in KEY -out relay.key`, mode 0600)"
        ) from exc
    except ssl.SSLError as exc:
        raise UsageError(
            f"the TLS certificate {tls.cert} and key {tls.key} do not load together "
            f"({exc.reason or exc}): expected a PEM certificate chain and its private key"
        ) from exc
    return tls


def _no_passphrase() -> str:
    raise _Encrypted()
