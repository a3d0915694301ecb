"""Mail out: one message handed to a mailbox's SMTP server (aiosmtplib), and its answer.

The transport follows the same rules as IMAP (``security.check``: TLS verified, plain text
only on loopback); a server that does not offer STARTTLS where it is asked for is
refused. The server's answer decides what comes next: 2xx sent, 4xx or a lost connection
temporary (try again later), 5xx permanent (the agent is told the server's words).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import getaddresses

import aiosmtplib

from relay.gateway.errors import MailServerError
from relay.gateway.security import check, tls_context
from relay.gateway.settings import Server

TIMEOUT = 60.0
SHOWN = 300  # characters of the server's answer kept


def flatten(message: EmailMessage) -> bytes:
    """The bytes of ``message`` as they go to the server, and as a copy of it is filed
    in Sent: made once, since a multipart boundary is drawn anew at each flattening;
    without its Bcc, which only the envelope carries."""
    bare = copy.copy(message)  # a deletion gives the copy a header list of its own
    del bare["bcc"]
    return bare.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def send(
    server: Server,
    user: str,
    message: EmailMessage,
    accepted: Callable[[str], None],
    password: str | None = None,
    oauth_token: str | None = None,
    ca_file: str | None = None,
    raw: bytes | None = None,
) -> str:
    """Hand ``message`` to ``server``, as ``raw`` (``flatten(message)``, when the caller
    keeps them too); the server's answer ("250 2.0.0 Ok: queued").
    ``accepted`` is told the answer the moment the server took the message, before
    anything else is said to it (QUIT): the caller's record of it comes as soon as it
    can, since a crash between the two would send the message again."""
    ca_file = None if server.security == "none" else ca_file  # a bundle for the other server
    check(server.host, server.security, ca_file)
    data = flatten(message) if raw is None else raw
    envelope = _envelope(message)
    return asyncio.run(
        _send(server, user, envelope, data, accepted, password, oauth_token, ca_file)
    )


def _envelope(message: EmailMessage) -> tuple[str, list[str]]:
    """The sender and the recipients (To, Cc and Bcc), from its headers."""
    sender = getaddresses(message.get_all("from", []))
    named = [message.get_all(h, []) for h in ("to", "cc", "bcc")]
    recipients = getaddresses([value for values in named for value in values])
    return sender[0][1], [address for _, address in recipients if address]


async def _send(
    server: Server,
    user: str,
    envelope: tuple[str, list[str]],
    data: bytes,
    accepted: Callable[[str], None],
    password: str | None,
    token: str | None,
    ca_file: str | None,
) -> str:
    context = None if server.security == "none" else tls_context(ca_file)
    where = f"SMTP {server.host}:{server.port}"
    client = aiosmtplib.SMTP(
        hostname=server.host,
        port=server.port,
        use_tls=server.security == "tls",
        start_tls=server.security == "starttls",
        tls_context=context,
        timeout=TIMEOUT,
    )
    try:
        await client.connect()
        await client.ehlo()  # what it offers now, after STARTTLS
        if client.supports_extension("auth"):  # else a relay that knows us by address
            await _login(client, user, password, token)
        answers, said = await client.sendmail(envelope[0], envelope[1], data)
        refused = {r: a for r, a in answers.items() if not 200 <= a.code < 300}
        if not refused:
            accepted(_short(said))
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refusal = exc.recipients[0]
        raise _answered(where, refusal.code, refusal.message) from None
    except aiosmtplib.SMTPResponseException as exc:
        raise _answered(where, exc.code, exc.message) from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        raise MailServerError(f"{where}: {_short(str(exc) or type(exc).__name__)}", True) from None
    finally:
        if client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
    if refused:  # some recipients refused, the message went to the others
        first = next(iter(refused.values()))
        raise _answered(where, first.code, first.message)
    return _short(said)


async def _login(
    client: aiosmtplib.SMTP, user: str, password: str | None, token: str | None
) -> None:
    if token is not None:
        await client.auth_xoauth2(user, token)
    else:
        await client.login(user, password or "")


def _answered(where: str, code: int, text: str) -> MailServerError:
    """A server's refusal: 4xx may pass (try again), 5xx will not."""
    return MailServerError(f"{where} answered {code} {_short(text)}", temporary=code < 500)


def _short(text: str) -> str:
    flat = " ".join(str(text).split())
    return flat[:SHOWN]
