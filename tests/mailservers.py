"""Real mail servers on loopback for the email gateway's tests: Debian's Dovecot (IMAP in)
and an aiosmtpd process (SMTP out) that delivers into Dovecot, so a sent reply comes back
over IMAP. Never mocks: the gateway meets the servers it will meet in production.

Run as a program (``python -m tests.mailservers DIR``), this module is the SMTP server.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests import processes

if TYPE_CHECKING:
    from imapclient import IMAPClient

    from tests.relay.certificates import Certificates

SUPPORT, BILLING = "support@acme.example.com", "billing@acme.example.com"
MAILBOXES = {SUPPORT: "support-secret", BILLING: "billing-secret"}
MAIL_USER = "inboxmail"  # as root: who owns the Maildirs (Dovecot delivers as no uid 0)
SYSTEM_PATH = "/usr/sbin:/sbin"  # where Debian puts dovecot, often off a user's PATH
USERADD = ("--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent")
USERADD += ("--shell", "/usr/sbin/nologin")  # no one logs in as it
EX_NOUSER = 67  # doveadm's exit code for a user its userdb does not know


def _program(name: str) -> str:
    """The path of a Dovecot program, or a failure that says how to get it."""
    import pytest

    found = shutil.which(name, path=os.environ.get("PATH", "") + os.pathsep + SYSTEM_PATH)
    if found is None:
        pytest.fail(f"{name} is not installed: `make test` installs dovecot-imapd as root")
    return found


def _free_port() -> int:
    from tests.relay.relays import free_port

    return free_port()


def _mail_owner() -> tuple[str, int, int]:
    """Who the Maildirs belong to: the user running the tests, or as root a system user
    made for them once (Dovecot refuses to touch mail as uid 0)."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_uid, me.pw_gid
    try:
        found = pwd.getpwnam(MAIL_USER)
    except KeyError:
        made = subprocess.run(
            ["useradd", *USERADD, MAIL_USER],
            capture_output=True,
            text=True,
            env={**os.environ, "PATH": os.environ.get("PATH", "") + os.pathsep + SYSTEM_PATH},
        )
        if made.returncode not in (0, 9):  # 9: made meanwhile by another test process
            raise RuntimeError(f"useradd {MAIL_USER}: {made.stderr}") from None
        found = pwd.getpwnam(MAIL_USER)
    return found.pw_name, found.pw_uid, found.pw_gid


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {where}/run
state_dir = {where}/state
log_path = /dev/stderr
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth2_mechanisms}
# a test's wrong password is answered at once, and costs the next login nothing (no
# auth penalty: the auth process cannot reach anvil's penalty socket, so it keeps none)
auth_failure_delay = 0
auth_verbose = yes
mail_fsync = never  # throwaway mail: no fsync
default_internal_user = {user}
default_internal_group = {user}
default_login_user = {user}
first_valid_uid = 1
{ssl}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {imap}
  }}
  inet_listener imaps {{
    port = {imaps}
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
{oauth2}passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%Lu {where}/users/%Lu
}}
userdb {{
  driver = passwd-file
  args = username_format=%Lu {where}/users/%Lu
}}
namespace inbox {{
  inbox = yes
  mailbox Drafts {{
    special_use = \\Drafts
  }}
  mailbox Sent {{
    special_use = \\Sent
  }}
  mailbox Junk {{
    special_use = \\Junk
  }}
  mailbox Trash {{
    special_use = \\Trash
  }}
}}
mail_location = maildir:~/Maildir
"""

# XOAUTH2 and OAUTHBEARER logins: the token is POSTed to an introspection URL (RFC 7662),
# whose answer must say it is active and name the login's user (``email``)
OAUTH2_PASSDB = """passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {conf}
}}
"""
OAUTH2 = """introspection_mode = post
introspection_url = {url}
force_introspection = yes
username_attribute = email
active_attribute = active
active_value = true
"""


class Dovecot:
    """``dovecot -F`` on 127.0.0.1 at a free port, its config, mailboxes and Maildirs in a
    temp dir of its own. ``users``: address -> password (support@ and billing@ unless
    told). With ``tls``, IMAP over TLS only (imaps, ``ssl = required``) with that
    certificate, so a client must verify it against the throwaway CA.

    One passwd-file per user (``users/ADDRESS``): Dovecot opens a new one at its first
    lookup, so ``add_user`` works on a running server without a reload (a changed file
    would be read again only once a second)."""

    host = "127.0.0.1"

    def __init__(
        self,
        users: Mapping[str, str] | None = None,
        tls: Certificates | None = None,
        starttls: bool = False,
        introspection_url: str | None = None,
    ) -> None:
        self.dovecot = _program("dovecot")  # before anything is made for it
        self.tls, self.port = tls, _free_port()
        self.starttls = starttls  # with tls: the IMAP port, STARTTLS required before a login
        self.introspection_url = introspection_url  # with it: XOAUTH2 logins checked there
        self.owner, self.uid, self.gid = _mail_owner()
        # the system temp dir, not pytest's: as root, the mail user must reach its homes
        self.where = Path(tempfile.mkdtemp(prefix="inbox-dovecot-"))
        self.where.chmod(0o755)
        for part in ("users", "home"):
            (self.where / part).mkdir()
        os.chown(self.where / "home", self.uid, self.gid)
        self.users: dict[str, str] = {}
        for address, password in (MAILBOXES if users is None else users).items():
            self.add_user(address, password)
        self.config = self.where / "dovecot.conf"
        self.config.write_text(self._config())
        self.proc: subprocess.Popen[bytes] | None = None

    def _config(self) -> str:
        imaps = self.tls and not self.starttls
        ports = {"imap": 0, "imaps": self.port} if imaps else {"imap": self.port, "imaps": 0}
        tls = "ssl = no"
        if self.tls:
            tls = f"ssl = required\nssl_cert = <{self.tls.cert}\nssl_key = <{self.tls.key}"
        oauth2 = mechanisms = ""
        if self.introspection_url:
            mechanisms = " xoauth2 oauthbearer"
            conf = self.where / "oauth2.conf.ext"
            conf.write_text(OAUTH2.format(url=self.introspection_url))
            oauth2 = OAUTH2_PASSDB.format(conf=conf)
        return CONFIG.format(
            where=self.where,
            user=self.owner,
            ssl=tls,
            oauth2=oauth2,
            oauth2_mechanisms=mechanisms,
            **ports,
        )

    def add_user(self, address: str, password: str) -> None:
        """A mailbox ``address`` (its login too) with ``password``; before or after start."""
        address = address.lower()
        assert ":" not in address + password and "/" not in address, "passwd-file fields"
        home = self.where / "home" / address
        line = f"{address}:{{PLAIN}}{password}:{self.uid}:{self.gid}::{home}::\n"
        entry = self.where / "users" / address
        entry.write_text(line)
        entry.chmod(0o644)  # read by the auth process, which runs as the mail user
        self.users[address] = password

    def start(self) -> Dovecot:
        """Start (or start again, on the same port and data) and wait for a greeting."""
        assert self.proc is None, "already running"
        log = open(self.where / "dovecot.log", "ab")  # noqa: SIM115  (the process keeps it)
        with log:
            argv = [self.dovecot, "-F", "-c", str(self.config)]
            self.proc = subprocess.Popen(argv, stdout=log, stderr=log, cwd=self.where)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            if self._greets():
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("dovecot did not start:\n" + self.logged())

    def _greets(self) -> bool:
        """Whether the IMAP port answers with a greeting (after TLS, in TLS mode)."""
        try:
            with socket.create_connection((self.host, self.port), timeout=2) as raw:
                if not self.tls or self.starttls:
                    return raw.recv(100).startswith(b"* OK")
                with self.ssl_context().wrap_socket(raw, server_hostname=self.host) as s:
                    return s.recv(100).startswith(b"* OK")
        except OSError:
            return False

    def stop(self, wait: bool = True) -> None:
        """SIGTERM to the master by its pid, SIGKILL if it is still there after 10 s.
        ``wait=False``: only the SIGTERM (Dovecot takes a second to exit; ``close``
        waits for it later)."""
        if self.proc is None:
            return
        if not wait:
            with contextlib.suppress(ProcessLookupError):
                self.proc.send_signal(signal.SIGTERM)
            return
        processes.stop(self.proc)
        self.proc = None

    def close(self) -> None:
        """Stop and remove the temp dir."""
        self.stop()
        shutil.rmtree(self.where, ignore_errors=True)

    def logged(self) -> str:
        path = self.where / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts the throwaway CA and nothing else."""
        assert self.tls is not None, "a plain server"
        return ssl.create_default_context(cafile=str(self.tls.ca))

    @contextlib.contextmanager
    def client(self, address: str) -> Iterator[IMAPClient]:
        """An IMAPClient logged in as ``address``; logged out after."""
        from imapclient import IMAPClient

        context = self.ssl_context() if self.tls else None
        imaps = bool(self.tls) and not self.starttls
        imap = IMAPClient(self.host, self.port, ssl=imaps, ssl_context=context, timeout=10)
        try:
            if self.tls and self.starttls:
                imap.starttls(context)
            imap.login(address, self.users[address.lower()])
            yield imap
        finally:
            with contextlib.suppress(Exception):
                imap.logout()

    def append(self, address: str, folder: str, raw: bytes, flags: tuple[str, ...] = ()) -> int:
        """Put ``raw`` into ``folder`` of ``address`` by IMAP APPEND (the folder made if
        missing), as another mail client would; its UID."""
        with self.client(address) as imap:
            if not imap.folder_exists(folder):
                imap.create_folder(folder)
            answer = imap.append(folder, raw, flags=flags)
        found = re.search(rb"\[APPENDUID \d+ (\d+)\]", answer)
        assert found, answer
        return int(found[1])

    def maildir(self, address: str, folder: str = "INBOX") -> Path:
        """Where ``folder`` of ``address`` lies on disk (Maildir++: ``.Sent``, ``.a.b``)."""
        root = self.where / "home" / address.lower() / "Maildir"
        return root if folder.upper() == "INBOX" else root / ("." + folder)

    def doveadm(self, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
        """``doveadm`` against this server (mail commands run as the mailbox's user)."""
        argv = [_program("doveadm"), "-c", str(self.config), *args]
        return subprocess.run(argv, input=stdin, capture_output=True, timeout=30)

    def uidvalidity(self, address: str, folder: str = "INBOX") -> int:
        """The folder's UIDVALIDITY, as Dovecot's index holds it."""
        done = self.doveadm("mailbox", "status", "-u", address.lower(), "uidvalidity", folder)
        assert done.returncode == 0, done.stderr
        return int(done.stdout.split(b"uidvalidity=")[1].split()[0])

    def change_uidvalidity(self, address: str, folder: str = "INBOX", to: int | None = None) -> int:
        """Give ``folder`` a new UIDVALIDITY (``to``, or the old one + 1), as a server
        that rebuilt its index does: every UID a client kept for it is void (the mail
        stays). On a running server; the new value."""
        new = to or self.uidvalidity(address, folder) + 1
        update = ("mailbox", "update", "-u", address.lower(), "--uid-validity", str(new))
        done = self.doveadm(*update, folder)
        assert done.returncode == 0, done.stderr
        return new


class Reaper:
    """Dovecots stopped without waiting (a test's teardown need not pay Dovecot's second
    to exit), closed once they are gone or at the end."""

    def __init__(self) -> None:
        self.dying: list[Dovecot] = []

    def later(self, server: Dovecot) -> None:
        server.stop(wait=False)
        self.dying.append(server)
        for gone in [s for s in self.dying if s.proc is None or s.proc.poll() is not None]:
            gone.close()
            self.dying.remove(gone)

    def finish(self) -> None:
        for server in self.dying:
            server.close()
        self.dying.clear()


@dataclass(frozen=True)
class Captured:
    """One message the SMTP server accepted, with its envelope."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None  # who authenticated (None: no AUTH)
    tls: bool  # whether it came over STARTTLS
    delivered: list[str]  # the recipients that are Dovecot users, whose INBOX has it


class Smtp:
    """An aiosmtpd server on 127.0.0.1 at a free port, in a process of its own (this
    module run as a program), its files in ``where``. Plain and without AUTH, as a
    loopback relay; with ``tls``, STARTTLS and then AUTH PLAIN/LOGIN are required.

    It reads what it should do from files at each message, so a test changes them on
    the running server: ``route`` (which Dovecot gets the mail of its users, and the
    logins), ``fail_next`` (SMTP errors to answer), ``captured`` (what it accepted)."""

    host = "127.0.0.1"

    def __init__(self, where: Path, tls: Certificates | None = None) -> None:
        self.where, self.tls = where, tls
        where.mkdir(parents=True, exist_ok=True)
        (where / "captured").mkdir(exist_ok=True)
        settings = {"tls": [str(tls.cert), str(tls.key)] if tls else None}
        (where / "smtp.json").write_text(json.dumps(settings))
        self.route(None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = 0

    def start(self) -> Smtp:
        """Start the process and wait until it listens (it picks the port itself)."""
        from tests.conftest import ROOT

        (self.where / "port").unlink(missing_ok=True)
        with open(self.where / "smtp.log", "ab") as log:
            argv = [sys.executable, "-m", "tests.mailservers", str(self.where)]
            self.proc = subprocess.Popen(argv, cwd=ROOT, stdout=log, stderr=log)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            with contextlib.suppress(FileNotFoundError, ValueError):
                self.port = int((self.where / "port").read_text())
                return self
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("smtp server did not start:\n" + self.logged())

    def stop(self) -> None:
        """SIGTERM by its pid, SIGKILL if it is still there after 10 s."""
        if self.proc is None:
            return
        processes.stop(self.proc)
        self.proc = None

    def logged(self) -> str:
        path = self.where / "smtp.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts the throwaway CA and nothing else."""
        assert self.tls is not None, "a plain server"
        return ssl.create_default_context(cafile=str(self.tls.ca))

    def route(
        self,
        dovecot: Dovecot | None,
        logins: Mapping[str, str] | None = None,
        file_sent: bool = False,
        tokens: Mapping[str, str] | None = None,
    ) -> None:
        """Deliver the mail of ``dovecot``'s users into it; accept ``logins`` (login ->
        password; with TLS, ``dovecot``'s mailboxes unless told) and ``tokens`` (login ->
        OAuth2 access token, AUTH XOAUTH2). ``file_sent``: a copy of what a Dovecot user
        sends goes into their Sent folder before the server says yes, as Gmail and
        Microsoft 365 file what their SMTP servers send."""
        if logins is None and dovecot is not None:
            logins = dovecot.users
        config = str(dovecot.config) if dovecot else None
        route = {"dovecot": config, "logins": dict(logins or {}), "file_sent": file_sent}
        route["tokens"] = dict(tokens or {})
        _write_json(self.where / "route.json", route)

    def fail_next(self, reply: str, times: int = 1, stage: str = "DATA") -> None:
        """Answer ``reply`` (e.g. ``451 4.3.0 Try again later``) to the next ``times``
        commands of ``stage`` (MAIL, RCPT or DATA: at DATA, after the message came),
        instead of accepting; queued after earlier ones."""
        assert stage in ("MAIL", "RCPT", "DATA") and re.match(r"[45]\d\d ", reply), reply
        faults = _read_json(self.where / "faults.json", [])
        faults.append({"stage": stage, "reply": reply, "times": times})
        _write_json(self.where / "faults.json", faults)

    def captured(self) -> list[Captured]:
        """Every message accepted so far, in order."""
        found = []
        for envelope in sorted((self.where / "captured").glob("*.json")):
            meta = json.loads(envelope.read_text())
            meta["data"] = envelope.with_suffix(".eml").read_bytes()
            found.append(Captured(**meta))
        return found

    def reset(self) -> None:
        """Forget what was captured and the faults still queued: a new test's server."""
        for old in (self.where / "captured").iterdir():
            old.unlink()
        (self.where / "faults.json").unlink(missing_ok=True)
        self.route(None)


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return default


def _write_json(path: Path, value: Any) -> None:
    """Whole or not at all: the other process may read it at any moment."""
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(value))
    part.replace(path)


# The SMTP server's own side (the subprocess): this module run as a program.


class _Handler:
    """aiosmtpd hooks: injected faults first, then delivery to Dovecot and the capture."""

    def __init__(self, where: Path) -> None:
        self.where = where

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> Any:
        """AUTH XOAUTH2 (Google's and Microsoft's SASL mechanism): the initial response
        is ``user=LOGIN^Aauth=Bearer TOKEN^A^A`` in base64, checked against ``tokens``."""
        import base64
        import binascii

        from aiosmtpd.smtp import AuthResult, LoginPassword

        blob = args[1] if len(args) > 1 else ""
        try:
            fields = dict(
                f.split("=", 1)
                for f in base64.b64decode(blob, validate=True).decode().split("\x01")
                if "=" in f
            )
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return AuthResult(success=False, handled=False)
        tokens = _read_json(self.where / "route.json", {}).get("tokens", {})
        login, bearer = fields.get("user", ""), fields.get("auth", "")
        if login in tokens and bearer == f"Bearer {tokens[login]}":
            return AuthResult(success=True, auth_data=LoginPassword(login.encode(), b""))
        return AuthResult(success=False, handled=False)

    def _fault(self, stage: str) -> str | None:
        """The reply of the first fault queued for ``stage``, counted down once."""
        path = self.where / "faults.json"
        faults = _read_json(path, [])
        for fault in faults:
            if fault["stage"] == stage and fault["times"] > 0:
                fault["times"] -= 1
                _write_json(path, faults)
                return str(fault["reply"])
        return None

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, _: Any
    ) -> str:
        if reply := self._fault("MAIL"):
            return reply
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, _: Any
    ) -> str:
        if reply := self._fault("RCPT"):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if reply := self._fault("DATA"):
            return reply
        # the whole message is here: delivered, filed and captured even if the client
        # goes now, as a server that queued it would (aiosmtpd cancels a dropped session)
        return await asyncio.shield(self._accept(session, envelope))

    async def _accept(self, session: Any, envelope: Any) -> str:
        route = _read_json(self.where / "route.json", {})
        delivered = []
        for rcpt in envelope.rcpt_tos:
            code = await self._deliver(route.get("dovecot"), rcpt, envelope.content)
            if code == 0:
                delivered.append(rcpt)
            elif code != EX_NOUSER:
                return f"451 4.3.0 delivery to Dovecot failed ({code})"
        if route.get("file_sent") and envelope.mail_from:
            await self._deliver(route.get("dovecot"), envelope.mail_from, envelope.content, "Sent")
        self._capture(session, envelope, delivered)
        return "250 OK"

    async def _deliver(
        self, config: str | None, rcpt: str, data: bytes, folder: str = "INBOX"
    ) -> int:
        """``doveadm save`` into ``folder`` (made if missing) of ``rcpt``: Dovecot's own
        delivery, as the mailbox's user; EX_NOUSER when ``rcpt`` is no user of it."""
        if config is None:
            return EX_NOUSER
        if folder != "INBOX":
            make = [_program("doveadm"), "-c", config, "mailbox", "create", "-u", rcpt.lower()]
            made = await asyncio.create_subprocess_exec(
                *make, folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            await made.wait()  # already there: an error, and nothing to do
        argv = [_program("doveadm"), "-c", config, "save", "-u", rcpt.lower(), "-m", folder]
        save = await asyncio.create_subprocess_exec(
            *argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=sys.stderr
        )
        await save.communicate(data)
        return int(save.returncode or 0)

    def _capture(self, session: Any, envelope: Any, delivered: list[str]) -> None:
        """The message as received (``NNNNNN.eml``) and its envelope, written last."""
        folder = self.where / "captured"
        stem = folder / f"{len(list(folder.glob('*.json'))):06d}"
        stem.with_suffix(".eml").write_bytes(envelope.content)
        login = session.login_data.decode() if session.login_data else None
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos)}
        meta.update(login=login, tls=session.ssl is not None, delivered=delivered)
        _write_json(stem.with_suffix(".json"), meta)


def _authenticator(where: Path) -> Any:
    """AUTH PLAIN and LOGIN checked against the logins ``route`` wrote."""
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        logins = _read_json(where / "route.json", {}).get("logins", {})
        if isinstance(data, LoginPassword) and logins.get(data.login.decode()) == (
            data.password.decode()
        ):
            return AuthResult(success=True, auth_data=data)
        return AuthResult(success=False, handled=False)

    return check


async def _serve(where: Path) -> None:
    from aiosmtpd.smtp import SMTP

    settings = json.loads((where / "smtp.json").read_text())
    options: dict[str, Any] = {"hostname": "smtp.acme.test"}
    if settings["tls"]:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*settings["tls"])
        options.update(tls_context=context, require_starttls=True, auth_required=True)
        options.update(authenticator=_authenticator(where), auth_require_tls=True)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(_Handler(where), **options), host="127.0.0.1", port=0
    )
    _write_json(where / "port", server.sockets[0].getsockname()[1])  # now it listens
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(_serve(Path(sys.argv[1])))
