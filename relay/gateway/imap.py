"""One IMAP connection of the email gateway (imapclient over imaplib): log in, list and
select folders, fetch what is new by UID in bounded batches, wait for more (IDLE), find
a message by its Message-ID and append a copy of a reply.

The gateway keeps, per folder, the UIDVALIDITY and the last UID it took: UIDs only grow
within one UIDVALIDITY, so "UIDs above the last" is exactly the new mail, and a changed
UIDVALIDITY (``select``) says every kept UID is void.

The server is on the other side of a network and is trusted with nothing: everything it
sends in answer to one command is at most ``MAX_RESPONSE`` bytes and a line at most
1 MB (``_Wire``), a message over ``max_size`` is reported and never read, a fetch takes
what its batch allows, its words are parsed and never evaluated, and nothing it says
(a referral, another host) is followed. Every failure is a MailServerError, temporary
or not (``_failure``); one that leaves the connection unusable closes it.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple

from imapclient import IMAPClient
from imapclient.exceptions import LoginError, ProtocolError

from relay.gateway.errors import ConfigError, GatewayError, MailServerError
from relay.gateway.security import check, tls_context

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

MB = 1024 * 1024
MAX_RESPONSE = 64 * MB  # the most the server may send in answer to one command
MAX_SIZE = 50 * MB  # a message larger than this is skipped: its uid and size, no body
BATCH_BYTES = 20 * MB  # the bodies of one batch together (one larger message goes alone)
WINDOW = 50_000  # UIDs searched at once: an answer of 10-digit UIDs stays under 1 MB
HEADERS_AT_ONCE = 200  # candidates whose Message-ID header one FETCH reads
IDLE_RENEW = 25 * 60.0  # RFC 2177: a client leaves IDLE at least every 29 minutes
POLL = 30.0  # seconds between NOOPs, for a server without IDLE
SHOWN = 300  # characters of what the server said kept in an error's message
# RFC 5530 response codes that mean "not now": the same command may work later
TEMPORARY_CODES = frozenset({"UNAVAILABLE", "INUSE", "LIMIT"})
WOKEN = frozenset({b"EXISTS", b"RECENT", b"FETCH"})  # what IDLE or NOOP wakes on
UNTAGGED_NEWS = ("EXISTS", "RECENT", "FETCH")  # the same, as imaplib files them


@dataclass(frozen=True)
class Folder:
    """A folder as LIST names it; ``flags`` such as ``\\Sent`` or ``\\Noselect``."""

    name: str
    flags: frozenset[str]


@dataclass(frozen=True)
class FolderState:
    """What SELECT says of a folder. A UIDVALIDITY other than the one kept voids every
    UID kept for it; UIDNEXT is the UID the next message will get at least;
    ``highestmodseq`` is None where the server has no CONDSTORE (or the folder no
    mod-sequences)."""

    uidvalidity: int
    uidnext: int
    highestmodseq: int | None
    exists: int


@dataclass(frozen=True)
class Fetched:
    """A message as the server keeps it: ``raw`` its bytes, exactly; ``internaldate``
    when the server got it (aware, UTC); ``size`` the length of ``raw``."""

    uid: int
    raw: bytes
    internaldate: datetime
    size: int


@dataclass(frozen=True)
class Skipped:
    """A message over the size cap: its UID is passed (the gateway may note it), its
    body never read; ``size`` as the server declared it."""

    uid: int
    size: int
    internaldate: datetime


class _Listed(NamedTuple):
    """A message's UID with what FETCH said of it before its body is read."""

    uid: int
    size: int
    internaldate: datetime


class TooMuchError(Exception):
    """The server sent more than one answer may hold: the connection is dropped. Not
    one of imaplib's errors, which it would catch and raise again as a plain one."""


class _Wire(imaplib.IMAP4):
    """imaplib's connection, over TLS when given a context, with a budget: what the
    server sends after each thing the client sends is at most MAX_RESPONSE bytes, a
    line at most imaplib's 1 MB (which it refuses with a plain error, here TooMuchError)."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None, timeout: float) -> None:
        self.tls, self.left = tls, MAX_RESPONSE  # the greeting is read in __init__
        super().__init__(host, port, timeout)

    def _create_socket(self, timeout: float | None = None) -> socket.socket:
        raw = socket.create_connection((self.host, self.port), timeout)
        if self.tls is None:
            return raw
        try:
            return self.tls.wrap_socket(raw, server_hostname=self.host)
        except BaseException:
            raw.close()
            raise

    def send(self, data: ReadableBuffer) -> None:
        self.left = MAX_RESPONSE
        super().send(data)

    def read(self, size: int) -> bytes:
        self._spend(size)
        return super().read(size)

    def readline(self) -> bytes:
        try:
            line = super().readline()
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:  # its only one: a line over 1 MB
            raise TooMuchError(f"the server sent a line over 1 MB ({exc})") from exc
        self._spend(len(line))
        return line

    def _spend(self, size: int) -> None:
        if size > self.left:
            raise TooMuchError(f"the server sent more than {MAX_RESPONSE // MB} MB in one answer")
        self.left -= size


class _Client(IMAPClient):  # type: ignore[misc]  # imapclient has no type information
    """IMAPClient on the budgeted wire."""

    wire: _Wire

    def _create_IMAP4(self) -> _Wire:  # imapclient makes its imaplib connection here
        context = self.ssl_context if self.ssl else None
        self.wire = _Wire(self.host, self.port, context, self._timeout.connect)
        return self.wire


class Imap:
    """One logged-in IMAP connection (``Imap.connect``); a context manager that logs
    out. After a MailServerError that lost the connection, every call raises one
    (temporary): connect again."""

    def __init__(self, client: _Client, where: str) -> None:
        self._client: _Client | None = client
        self.where = where  # "IMAP host:port", for messages
        self.capabilities: frozenset[str] = frozenset()
        self.folder: str | None = None  # the folder selected last
        self.state: FolderState | None = None  # what its SELECT said
        self.idle = False  # whether wait() uses IDLE (the server has it) or polls
        self.poll_interval = POLL

    @classmethod
    def connect(
        cls,
        host: str,
        port: int,
        security: str,
        user: str,
        password: str | None = None,
        oauth_token: str | None = None,
        ca_file: str | None = None,
        timeout: float = 30.0,
    ) -> Imap:
        """Connect (``security``: tls, starttls or none, relay/gateway/security.py) and
        log in as ``user`` with ``password`` (AUTHENTICATE PLAIN, or LOGIN) or an OAuth2
        access token (XOAUTH2). ``timeout`` bounds the connection and every read."""
        check(host, security, ca_file)
        if (password is None) == (oauth_token is None):
            raise ConfigError("an IMAP login takes a password or an OAuth2 access token: one")
        if not 0 < port < 65536:
            raise ConfigError(f"not a port: {port}")
        context = None if security == "none" else tls_context(ca_file)
        where = f"IMAP {host}:{port}"
        try:
            client = _Client(
                host, port, ssl=security == "tls", ssl_context=context, timeout=timeout
            )
        except Exception as exc:
            error = _failure(exc, f"{where}: connecting")
            if error is None:
                raise
            raise error from exc
        imap = cls(client, where)
        try:
            imap._start(security, context, user, password, oauth_token)
        except BaseException:
            imap.close()
            raise
        return imap

    def _start(
        self,
        security: str,
        context: ssl.SSLContext | None,
        user: str,
        password: str | None,
        token: str | None,
    ) -> None:
        """STARTTLS if asked, the login, and what the session then has."""
        if security == "starttls":
            self._starttls(context)
        self._login(user, password, token)
        with self._talk("after the login") as client:
            self.capabilities = frozenset(
                c.decode("ascii", "replace") for c in client.capabilities()
            )
            client.normalise_times = False  # INTERNALDATE with its zone, not local and naive
            if {"CONDSTORE", "ENABLE"} <= self.capabilities:
                client.enable("CONDSTORE")  # SELECT then says HIGHESTMODSEQ
        self.idle = "IDLE" in self.capabilities

    def _starttls(self, context: ssl.SSLContext | None) -> None:
        with self._talk("STARTTLS") as client:
            if not client.has_capability("STARTTLS"):
                raise MailServerError(
                    f"{self.where} does not offer STARTTLS: refusing to log in in clear "
                    "text; use security tls if it listens for TLS (usually port 993)",
                    temporary=False,
                )
            client.starttls(context)

    def _login(self, user: str, password: str | None, token: str | None) -> None:
        secret = password if password is not None else token
        with self._talk(f"login as {user}", secret=secret) as client:
            if token is not None:
                self._need("AUTH=XOAUTH2", "an OAuth2 login")
                client.oauth2_login(user, token)
            elif client.has_capability("AUTH=PLAIN"):
                client.plain_login(user, password)
            elif not client.has_capability("LOGINDISABLED"):
                client.login(user, password)
            else:
                self._need("AUTH=PLAIN", "a password login")

    def _need(self, capability: str, what: str) -> None:
        if not self._live().has_capability(capability):
            raise MailServerError(
                f"{self.where} does not offer {capability}, which {what} needs", temporary=False
            )

    def folders(self) -> list[Folder]:
        """Every folder the account has, as LIST names them."""
        with self._talk("LIST") as client:
            listed = client.list_folders()
        return [
            Folder(_text(name), frozenset(_text(f) for f in flags)) for flags, _, name in listed
        ]

    def select(self, folder: str, readonly: bool = False) -> FolderState:
        """Select ``folder`` (read-only: EXAMINE); what fetch_since and wait act on."""
        self.folder = self.state = None  # a SELECT that fails leaves none selected
        with self._talk(f"SELECT {folder}") as client:
            answer = client.select_folder(folder, readonly=readonly)
            client.wire.untagged_responses.clear()  # its EXISTS is no news for wait()
        modseq = self._number(answer, b"HIGHESTMODSEQ") if b"HIGHESTMODSEQ" in answer else None
        state = FolderState(
            uidvalidity=self._number(answer, b"UIDVALIDITY"),
            uidnext=self._number(answer, b"UIDNEXT"),
            highestmodseq=modseq,
            exists=self._number(answer, b"EXISTS"),
        )
        self.folder, self.state = folder, state
        return state

    def _number(self, answer: dict[bytes, Any], key: bytes) -> int:
        value = answer.get(key)
        if not isinstance(value, int) or not 0 <= value < 2**63:
            raise MailServerError(
                f"{self.where}: SELECT gave no {key.decode()} the gateway can use", temporary=False
            )
        return value

    def fetch_since(
        self,
        last_uid: int,
        batch: int = 200,
        batch_bytes: int = BATCH_BYTES,
        max_size: int = MAX_SIZE,
    ) -> Iterator[list[Fetched | Skipped]]:
        """The messages of the selected folder with a UID above ``last_uid``, in UID
        order, in batches of at most ``batch`` messages and ``batch_bytes`` of bodies
        (a larger message alone); one over ``max_size`` is a Skipped. Mail that came
        after the SELECT is included. A message expunged meanwhile is left out."""
        state = self._selected()
        if batch < 1:
            raise ValueError("a batch holds one message at least")
        cap = MAX_RESPONSE - MB  # one FETCH answer must fit the wire's budget
        max_size, batch_bytes = min(max_size, cap), min(batch_bytes, cap)
        self._catch_up()
        for uids in self._new_uids(last_uid, state.uidnext):
            for start in range(0, len(uids), batch):
                listed = self._listed(uids[start : start + batch])
                for group in _by_bytes(listed, batch_bytes, max_size):
                    yield self._bodies(group, max_size)

    def _catch_up(self) -> None:
        """A NOOP, so that the session sees the mail that came since the SELECT: the
        server counts it in (EXISTS) only between commands, and a SEARCH ``N:*`` before
        that does not find it. What the NOOP brought is news this fetch answers."""
        with self._talk("NOOP") as client:
            client.noop()
        self._news()

    def _new_uids(self, last_uid: int, uidnext: int) -> Iterator[list[int]]:
        """The UIDs above ``last_uid``, a window of WINDOW UIDs at a time up to UIDNEXT,
        the last window open-ended (``N:*``) for what came after the SELECT."""
        low = max(last_uid, 0) + 1
        while True:
            high = None if low + WINDOW >= uidnext else low + WINDOW - 1
            spec = f"{low}:{'*' if high is None else high}"
            with self._talk(f"UID SEARCH UID {spec}") as client:
                found = client.search(["UID", spec])
            # "N:*" names the last message even when its UID is below N (RFC 3501)
            uids = sorted({u for u in found if u >= low and (high is None or u <= high)})
            if uids:
                yield uids
            if high is None:
                return
            low = high + 1

    def _listed(self, uids: list[int]) -> list[_Listed]:
        """The size and INTERNALDATE of each of ``uids`` still there, in UID order."""
        with self._talk("UID FETCH (RFC822.SIZE INTERNALDATE)") as client:
            answer = client.fetch(uids, ["RFC822.SIZE", "INTERNALDATE"])
        listed = []
        for uid in uids:
            if uid not in answer:
                continue  # expunged since the search
            size, date = answer[uid].get(b"RFC822.SIZE"), answer[uid].get(b"INTERNALDATE")
            if not isinstance(size, int) or size < 0 or not isinstance(date, datetime):
                raise MailServerError(
                    f"{self.where}: FETCH of UID {uid} gave no usable size or date",
                    temporary=False,
                )
            listed.append(_Listed(uid, size, _utc(date)))
        return listed

    def _bodies(self, group: list[_Listed], max_size: int) -> list[Fetched | Skipped]:
        """The bodies of ``group`` (one FETCH), those over ``max_size`` as Skipped."""
        wanted = [m.uid for m in group if m.size <= max_size]
        answer: dict[int, dict[bytes, Any]] = {}
        if wanted:
            with self._talk("UID FETCH BODY.PEEK[]") as client:  # PEEK: \Seen stays as it is
                answer = client.fetch(wanted, ["BODY.PEEK[]"])
        out: list[Fetched | Skipped] = []
        for listed in group:
            if listed.size > max_size:
                out.append(Skipped(listed.uid, listed.size, listed.internaldate))
            elif listed.uid in answer:  # else expunged since it was listed
                raw = answer[listed.uid].get(b"BODY[]")
                if not isinstance(raw, bytes):
                    raise MailServerError(
                        f"{self.where}: FETCH of UID {listed.uid} gave no body", temporary=False
                    )
                out.append(Fetched(listed.uid, raw, listed.internaldate, len(raw)))
        return out

    def wait(self, timeout: float) -> bool:
        """Wait until the server says the selected folder changed (EXISTS, RECENT or
        FETCH: True) or ``timeout`` seconds pass (False; at most IDLE_RENEW, after which
        IDLE must be renewed). IDLE where the server has it, else a NOOP every
        ``poll_interval`` seconds. News that came with an earlier answer counts at once."""
        self._selected()
        if self._news():
            return True
        deadline = time.monotonic() + min(timeout, IDLE_RENEW)
        with self._talk("IDLE" if self.idle else "NOOP") as client:
            woken = self._idle(client, deadline) if self.idle else self._noop(client, deadline)
        self._news()  # what came with them is answered by this return
        return woken

    def _idle(self, client: _Client, deadline: float) -> bool:
        """IDLE until news or the deadline. Woken with nothing to read (a closed socket
        reads so), it ends IDLE, which fails on a closed connection, and begins again."""
        while True:
            client.idle()
            woken = empty = False
            while not (woken or empty) and (left := deadline - time.monotonic()) > 0:
                said = client.idle_check(timeout=left)
                woken = self._woken(said)
                empty = not said and deadline > time.monotonic()
            woken = self._woken(client.idle_done()[1]) or woken
            if woken or not empty:
                return woken

    def _noop(self, client: _Client, deadline: float) -> bool:
        while True:
            _, said = client.noop()
            if self._woken(said):
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(self.poll_interval, left))

    def _woken(self, said: Iterable[Sequence[Any]]) -> bool:
        """Whether untagged responses say the folder changed; a BYE ends the wait."""
        woken = False
        for response in said:
            if response and response[0] == b"BYE":
                words = b" ".join(w for w in response[1:] if isinstance(w, bytes))
                raise imaplib.IMAP4.abort(f"BYE {_text(words)}")
            woken = woken or (len(response) > 1 and response[1] in WOKEN)
        return woken

    def _news(self) -> bool:
        """Whether imaplib kept EXISTS, RECENT or FETCH from earlier answers (mail that
        came during a fetch); forgotten once asked."""
        wire = self._live().wire
        return any([wire.untagged_responses.pop(k, None) is not None for k in UNTAGGED_NEWS])

    def find_message_id(self, folder: str, message_id: str) -> int | None:
        """The UID of a message of ``folder`` whose Message-ID is ``message_id``
        (with or without its <>), the highest if several; None if there is none.
        SEARCH HEADER finds substrings, so each candidate's header is read and compared
        whole. ``folder`` is left selected."""
        wanted = _message_id(message_id)
        if folder != self.folder:
            self.select(folder, readonly=True)
        with self._talk(f"UID SEARCH HEADER Message-ID in {folder}") as client:
            candidates = sorted(client.search(["HEADER", "Message-ID", wanted]), reverse=True)
        for start in range(0, len(candidates), HEADERS_AT_ONCE):
            chunk = candidates[start : start + HEADERS_AT_ONCE]
            with self._talk("UID FETCH BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]") as client:
                answer = client.fetch(chunk, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
            for uid in chunk:
                if wanted in _header_ids(answer.get(uid, {})):
                    return int(uid)
        return None

    def append(
        self,
        folder: str,
        raw: bytes,
        flags: Sequence[str] = ("\\Seen",),
        when: datetime | None = None,
        create: bool = False,
    ) -> int | None:
        """Put ``raw`` into ``folder`` (with ``flags``, and ``when`` as its INTERNALDATE,
        an aware datetime); its UID where the server says (UIDPLUS), else None. With
        ``create``, a folder the server says is missing (TRYCREATE) is made first."""
        if when is not None and when.tzinfo is None:
            raise ValueError("when: an aware datetime (a naive one would be local time)")
        try:
            with self._talk(f"APPEND to {folder}") as client:
                answer = client.append(folder, raw, flags=tuple(flags), msg_time=when)
        except MailServerError as exc:
            if not (create and "[TRYCREATE]" in exc.message):
                raise
            with self._talk(f"CREATE {folder}") as client:
                client.create_folder(folder)
                answer = client.append(folder, raw, flags=tuple(flags), msg_time=when)
        found = re.search(rb"\[APPENDUID \d+ (\d+)\]", answer if isinstance(answer, bytes) else b"")
        return int(found[1]) if found else None

    def close(self) -> None:
        """Log out (a dead connection is just closed); again is nothing."""
        client, self._client = self._client, None
        if client is None:
            return
        with suppress(Exception):
            client.logout()
            return
        with suppress(Exception):
            client.shutdown()

    def __enter__(self) -> Imap:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def _live(self) -> _Client:
        if self._client is None:
            raise MailServerError(f"{self.where}: the connection is closed", temporary=True)
        return self._client

    def _selected(self) -> FolderState:
        if self.state is None:
            raise GatewayError(f"{self.where}: no folder selected (select one first)")
        return self.state

    @contextmanager
    def _talk(self, doing: str, secret: str | None = None) -> Iterator[_Client]:
        """The live client, with every failure of what is done with it a
        MailServerError (``secret`` blanked in what the server said); one that leaves
        the connection unusable closes it."""
        client = self._live()
        try:
            yield client
        except MailServerError:
            raise
        except Exception as exc:
            error = _failure(exc, f"{self.where}: {doing}", secret)
            if error is None:
                raise
            if _loses_connection(exc):
                self._client = None
                with suppress(Exception):
                    client.shutdown()
            raise error from (None if secret else exc)


def _failure(exc: BaseException, doing: str, secret: str | None = None) -> MailServerError | None:
    """``exc`` as a MailServerError, temporary or not; None for what is no mail
    server's doing (a bug here)."""
    said = _said(exc, secret)
    if isinstance(exc, TooMuchError):
        return MailServerError(f"{doing}: {said}", temporary=False)
    if isinstance(exc, LoginError):
        temporary = _code(said) in TEMPORARY_CODES
        return MailServerError(f"{doing}: refused: {said}", temporary=temporary)
    if isinstance(exc, ssl.SSLCertVerificationError):
        why = exc.verify_message or said
        return MailServerError(f"{doing}: its TLS certificate is refused: {why}", temporary=False)
    if isinstance(exc, ssl.SSLError):
        temporary = isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError)
        return MailServerError(f"{doing}: TLS failed: {said}", temporary=temporary)
    if isinstance(exc, TimeoutError):
        return MailServerError(f"{doing}: no answer in time", temporary=True)
    if isinstance(exc, OSError):
        return MailServerError(f"{doing}: {exc.strerror or said}", temporary=True)
    if isinstance(exc, imaplib.IMAP4.abort):  # BYE, end of stream, a socket error
        return MailServerError(f"{doing}: the connection ended: {said}", temporary=True)
    if isinstance(exc, UnicodeEncodeError):
        return None  # what was to be sent, not what came
    if isinstance(exc, ProtocolError | ValueError):
        return MailServerError(f"{doing}: an answer that is not IMAP: {said}", temporary=False)
    if isinstance(exc, imaplib.IMAP4.error):  # NO or BAD, a capability it lacks
        temporary = _code(said) in TEMPORARY_CODES
        return MailServerError(f"{doing}: {said}", temporary=temporary)
    return None


def _loses_connection(exc: BaseException) -> bool:
    """Whether after ``exc`` the connection is of no more use (a NO or BAD leaves it be)."""
    return isinstance(
        exc, OSError | imaplib.IMAP4.abort | ProtocolError | ValueError | TooMuchError
    )


def _said(exc: BaseException, secret: str | None) -> str:
    """What an exception says, as one short printable line without ``secret``."""
    text = " ".join(str(exc).split())
    text = re.sub(r"""\bb(['"])(.*?)\1""", r"\2", text)  # imaplib shows bytes as b'...'
    text = re.sub(r"^command: [A-Z ]+ => ", "", text)  # imaplib's prefix of a failed command
    if secret:
        text = text.replace(secret, "[hidden]")
    text = "".join(c for c in text if c.isprintable())
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def _code(said: str) -> str | None:
    """The response code of what the server said (``[UNAVAILABLE] ...``), if any."""
    found = re.search(r"\[([A-Z][A-Z0-9-]*)[\] ]", said)
    return found[1] if found else None


def _by_bytes(listed: list[_Listed], budget: int, max_size: int) -> Iterator[list[_Listed]]:
    """``listed`` cut, in order, into runs whose bodies take at most ``budget`` bytes
    (one larger message alone); a message to be skipped costs nothing."""
    group: list[_Listed] = []
    total = 0
    for message in listed:
        cost = 0 if message.size > max_size else message.size
        if group and total + cost > budget:
            yield group
            group, total = [], 0
        group.append(message)
        total += cost
    if group:
        yield group


def _utc(date: datetime) -> datetime:
    """INTERNALDATE as an aware UTC time (a zone-less one is taken as UTC)."""
    return date.replace(tzinfo=UTC) if date.tzinfo is None else date.astimezone(UTC)


def _text(value: str | bytes) -> str:
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


_ANGLED = re.compile(r"<([^<>\s]+)>")


def _message_id(value: str) -> str:
    """A Message-ID without its <>, or ConfigError for what cannot be one."""
    text = value.strip()
    found = _ANGLED.fullmatch(text)
    bare = found[1] if found else text
    if not bare or not bare.isascii() or not bare.isprintable() or any(c in bare for c in " <>"):
        raise ConfigError(f"not a Message-ID: {value!r}")
    return bare


def _header_ids(fetched: dict[bytes, Any]) -> set[str]:
    """The Message-IDs (without <>) in a FETCH of the Message-ID header fields."""
    raw = next((v for k, v in fetched.items() if k.startswith(b"BODY[HEADER.FIELDS")), None)
    if not isinstance(raw, bytes):
        return set()
    text = re.sub(r"\r?\n[ \t]+", " ", raw.decode("ascii", "replace"))  # unfolded
    ids: set[str] = set()
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip().lower() == "message-id":
            ids.update(_ANGLED.findall(value) or value.split()[:1])
    return ids
