"""inbox relay serve | inbox relay token create|revoke|list | inbox relay mailbox add|list|rm"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs

if TYPE_CHECKING:
    import socket
    import subprocess

DEFAULT_STORE = "relay.db"


def store_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store",
        dest="store_path",
        default=DEFAULT_STORE,
        metavar="PATH",
        help=f"the relay's store (default ./{DEFAULT_STORE})",
    )


def _port(text: str) -> int:
    """A TCP port, checked here: a usage error (exit 2) before a store is made."""
    if not text.strip().isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number 1-65535")
    return int(text)


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 10_000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size in MB (e.g. 25, or 0.5)")
    return value


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    serve = verb("serve", "run the relay that replicas sync through")
    serve.add_argument("--host", default="127.0.0.1", help="address (default loopback)")
    serve.add_argument("--port", type=_port, default=8787, help="port, 1-65535 (default 8787)")
    store_option(serve)
    serve.add_argument(
        "--workspace", metavar="NAME", help="the name of a new store's workspace (default inbox)"
    )
    serve.add_argument(
        "--from-replica",
        metavar="DIR",
        help="make a new store from the replica in DIR (of `inbox init`): its workspace, "
        "every conversation and id; that replica then joins it with `inbox join`",
    )
    serve.add_argument(
        "--tls-cert", metavar="FILE", help="serve https/wss: PEM certificate chain (with --tls-key)"
    )
    serve.add_argument("--tls-key", metavar="FILE", help="its PEM private key, unencrypted")
    serve.add_argument(
        "--attachment-limit",
        type=_megabytes,
        metavar="MB",
        help="the largest attachment kept and synced, in MB, kept in the store from now on "
        "(default 25); a larger one is listed only",
    )
    serve.add_argument(
        "--page",
        metavar="FILE",
        help="also serve this HTML page at /FILE's-name, e.g. a page with the chat widget "
        "to try it on (`inbox demo` serves examples/widget-demo.html)",
    )
    serve.add_argument(
        "--no-gateway",
        action="store_true",
        help="do not start the mail gateway for the store's mailboxes (`relay gateway`)",
    )
    serve.add_argument(
        "--no-notifier",
        action="store_true",
        help="do not start the notifier for the store's notifiers (`relay notifier`)",
    )
    example(
        serve,
        "inbox relay serve --port 8787 --store ./relay.db",
        "inbox relay serve --store ./relay.db --from-replica ~/.local/share/inbox",
        "inbox relay serve --host 0.0.0.0 --port 8443 --store ./relay.db \\",
        "    --tls-cert /etc/inbox/relay.pem --tls-key /etc/inbox/relay.key",
    )
    token = verb("token", "agents' access tokens: create, revoke, list")
    token_verb = verbs(token, f"{name} token")
    listing = token_verb("list", "every token: agent, role, created, revoked, last used")
    store_option(listing)
    add_output_flags(listing)
    example(listing, "inbox relay token list --store ./relay.db", "inbox relay token list --json")
    for action, summary in (
        ("create", "a new token for an agent, printed once on stdout"),
        ("revoke", "revoke every token of an agent; their sockets close at once"),
    ):
        sub = token_verb(action, summary)
        sub.add_argument("agent", metavar="AGENT", help="the agent's email")
        store_option(sub)
        if action == "create":
            role = sub.add_mutually_exclusive_group()
            role.add_argument(
                "--admin",
                dest="role",
                action="store_const",
                const="admin",
                help="may also change the workspace's settings (agents, mailboxes, templates)",
            )
            role.add_argument(
                "--viewer",
                dest="role",
                action="store_const",
                const="viewer",
                help="reads everything and writes nothing",
            )
            example(sub, "inbox relay token create dana@acme.example.com > dana.token")
        else:
            example(sub, "inbox relay token revoke dana@acme.example.com --store ./relay.db")
    example(token, "inbox relay token create dana@acme.example.com --store ./relay.db > dana.token")
    _mailbox_verbs(verb("mailbox", "the shared addresses the mail gateway reads and sends"), name)
    gateway = verb("gateway", "read the store's mailboxes into the workspace, through the relay")
    store_option(gateway)
    gateway.add_argument(
        "--url",
        default="http://127.0.0.1:8787",
        metavar="RELAY_URL",
        help="the relay of that store (default http://127.0.0.1:8787)",
    )
    gateway.add_argument(
        "--once", action="store_true", help="read every mailbox once, sync, and exit"
    )
    example(
        gateway,
        "inbox relay gateway --store ./relay.db --url http://127.0.0.1:8787",
        "inbox relay gateway --store ./relay.db --once   # read what came, then exit",
    )
    notifier = verb("notifier", "tell events to the store's notifiers (`inbox notify add`)")
    store_option(notifier)
    notifier.add_argument(
        "--url",
        default="http://127.0.0.1:8787",
        metavar="RELAY_URL",
        help="the relay of that store (default http://127.0.0.1:8787)",
    )
    example(notifier, "inbox relay notifier --store ./relay.db --url http://127.0.0.1:8787")
    example(
        p,
        "inbox relay serve --port 8787 --store ./relay.db",
        "inbox relay token create dana@acme.example.com --store ./relay.db > dana.token",
        "inbox relay token revoke dana@acme.example.com --store ./relay.db",
    )


def _mailbox_verbs(mailbox: argparse.ArgumentParser, name: str) -> None:
    from relay.gateway.security import SECURITY
    from relay.gateway.settings import SENT_COPY

    mailbox.set_defaults(area="mailbox")  # its verbs share names with token's (list)
    mailbox_verb = verbs(mailbox, f"{name} mailbox")
    add = mailbox_verb("add", "connect a shared address (or change how it is reached)")
    add.add_argument("address", metavar="ADDR", help="e.g. support@acme.example.com")
    store_option(add)
    add.add_argument("--imap", required=True, metavar="HOST[:PORT]", help="its IMAP server")
    add.add_argument("--smtp", metavar="HOST[:PORT]", help="its SMTP server (to send replies)")
    add.add_argument("--user", metavar="LOGIN", help="the login (default: the address)")
    secret = add.add_mutually_exclusive_group(required=True)
    secret.add_argument("--password-command", metavar="CMD", help="prints the password")
    secret.add_argument("--password-file", metavar="FILE", help="holds it (mode 600)")
    secret.add_argument(
        "--oauth-token-command", metavar="CMD", help="prints an OAuth2 access token (XOAUTH2)"
    )
    add.add_argument(
        "--security",
        choices=SECURITY,
        help="tls (993, 465), starttls (143, 587) or none (loopback only); default: by port",
    )
    add.add_argument("--smtp-security", choices=SECURITY, help="the SMTP server's, when it differs")
    add.add_argument(
        "--folder", action="append", default=[], metavar="NAME", help="read it too (INBOX always)"
    )
    add.add_argument(
        "--sent-folder",
        metavar="NAME",
        help="where the server files what it sends, looked in before a reply is sent again "
        "(default: the folder flagged \\Sent, else Sent)",
    )
    add.add_argument(
        "--sent-copy",
        choices=SENT_COPY,
        help="who files a copy of each reply in Sent: append (the gateway, over IMAP) or "
        "server (the SMTP server does, as Gmail and Microsoft 365 do); default: server "
        "for those, append for others",
    )
    add.add_argument("--ca-file", metavar="FILE", help="PEM bundle to verify the servers with")
    example(
        add,
        "inbox relay mailbox add support@acme.example.com --store ./relay.db \\",
        "    --imap imap.fastmail.com:993 --smtp smtp.fastmail.com:587 \\",
        "    --user support@acme.example.com --password-command 'pass show acme/support'",
    )
    listing = mailbox_verb("list", "each mailbox: servers, state (idle, syncing, error), UIDs")
    store_option(listing)
    add_output_flags(listing)
    example(listing, "inbox relay mailbox list --store ./relay.db")
    rm = mailbox_verb("rm", "disconnect a mailbox (what it brought stays)")
    rm.add_argument("address", metavar="ADDR")
    store_option(rm)
    example(rm, "inbox relay mailbox rm info@acme.example.com --store ./relay.db")


def run(args: argparse.Namespace, ctx: Context) -> None:
    if getattr(args, "area", None) == "mailbox":
        from inbox_cli.commands import relay_mailbox

        relay_mailbox.run(args, ctx)
    elif args.verb == "gateway":
        _gateway(args, ctx)
    elif args.verb == "notifier":
        _notifier(args, ctx)
    elif args.verb == "serve":
        _serve(args, ctx)
    elif args.verb == "create":
        _create(args, ctx)
    elif args.verb == "list":
        _list(args, ctx)
    else:
        _revoke(args, ctx)


def _serve(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.errors import UsageError
    from relay.client.address import is_loopback
    from relay.server.app import BACKLOG, address_of, bind, serve
    from relay.server.tls import checked
    from relay.store import RelayStore

    if (args.tls_cert is None) != (args.tls_key is None):
        raise UsageError("--tls-cert and --tls-key go together: the certificate and its key")
    # fail here, with a clear message, rather than inside the server
    tls = checked(args.tls_cert, args.tls_key) if args.tls_cert else None
    if args.from_replica and args.workspace:
        raise UsageError("--from-replica takes the workspace's name from the replica")
    page = Path(args.page) if args.page else None
    if page is not None and not page.is_file():
        raise UsageError(f"--page {args.page}: no such file")
    sock = bind(args.host, args.port)  # a busy port, before a store is made
    workspace = args.workspace or "inbox"
    if args.from_replica:
        workspace = _seed(args, ctx)
    else:
        RelayStore.open(Path(args.store_path), create=True, workspace=workspace).close()
    if args.attachment_limit is not None:
        with RelayStore.open(Path(args.store_path)) as store:
            store.set_attachment_limit(int(args.attachment_limit * 1024 * 1024))
    if tls is None and not is_loopback(args.host):
        ctx.out.warn(
            f"serving plain http on {args.host}: tokens would cross the network in clear "
            "text; serve TLS (--tls-cert, --tls-key) or keep the relay on loopback behind "
            "a reverse proxy (README: A relay on the internet)"
        )
    sock.listen(BACKLOG)  # connections queue from now on: the banner is true
    scheme = "https" if tls else "http"
    ctx.out.say(f"relay for {args.store_path} on {scheme}://{address_of(sock)} (Ctrl-C stops it)")
    beside = _start_beside(args, sock, tls is not None, ctx)
    try:
        serve(Path(args.store_path), args.host, args.port, workspace, tls=tls, sock=sock, page=page)
    finally:
        for child in beside:
            child.terminate()
            child.wait(10)


def _start_beside(
    args: argparse.Namespace, sock: socket.socket, tls: bool, ctx: Context
) -> list[subprocess.Popen[bytes]]:
    """The processes beside the relay that its store has work for: the mail gateway
    (mailboxes; not with --no-gateway) and the notifier (notifiers; not with
    --no-notifier), each of its own (``relay gateway``, ``relay notifier``) reaching the
    relay over loopback. A relay
    serving TLS or bound off loopback has them run by hand, with the URL it is reached at.
    A store with no notifier yet has the notifier started when one is added."""
    from relay.client.address import is_loopback
    from relay.gateway import child
    from relay.notify import later, ledger
    from relay.store import RelayStore

    notifying = not args.no_notifier
    with RelayStore.open(Path(args.store_path)) as store:
        wanted = [
            (verb, what, whose)
            for verb, what, whose, needed in (
                ("gateway", "mail gateway", "mailboxes", not args.no_gateway and store.mailboxes()),
                ("notifier", "notifier", "notifiers", notifying and ledger.notifiers(store)),
            )
            if needed
        ]
    local = not tls and (is_loopback(args.host) or args.host in ("0.0.0.0", "::"))
    if not local:
        for verb, what, _ in wanted:
            ctx.out.warn(
                f"the {what} is not started for a relay serving TLS or bound off "
                f"loopback: run `inbox relay {verb} --store ... --url RELAY_URL` beside it"
            )
        return []
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    started = []
    for verb, what, whose in wanted:
        started.append(child.start(Path(args.store_path), url, verb))
        ctx.out.say(f"{what} started for the {whose} of {args.store_path}")
    if notifying and not any(verb == "notifier" for verb, _, _ in wanted):
        later.start_when_added(Path(args.store_path), url, started, ctx.out.say)
    return started


def _notifier(args: argparse.Namespace, ctx: Context) -> None:
    from relay.notify import runner

    try:
        runner.run(Path(args.store_path), args.url, ctx.out.say)
    except KeyboardInterrupt:
        ctx.out.say("notifier stopped")


def _seed(args: argparse.Namespace, ctx: Context) -> str:
    """The store made from the replica (once: a store made before is checked and kept)."""
    from inbox_cli.progress import Progress
    from relay.seed import seed

    home = Path(args.from_replica).expanduser()
    with Progress(ctx.out.err, "seeding") as progress:
        seeded = seed(Path(args.store_path), home, progress.update)
    if seeded.fresh:
        ctx.out.say(
            f"made {args.store_path} from {home}: workspace {seeded.workspace!r}, "
            f"{seeded.conversations} conversations; that replica joins it with "
            "`inbox join URL --token-file F` (a token from `relay token create --admin`)"
        )
    return seeded.workspace


def _gateway(args: argparse.Namespace, ctx: Context) -> None:
    from models.triage.arrival import OnArrival
    from relay.gateway import runner

    try:
        arrived = OnArrival(ctx.out.say)
        runner.run(Path(args.store_path), args.url, ctx.out.say, once=args.once, arrived=arrived)
    except KeyboardInterrupt:
        ctx.out.say("mail gateway stopped")


def _create(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.model import clock
    from crdt.model.items import check_email
    from relay.store import RelayStore

    agent = check_email(args.agent)
    with RelayStore.open(Path(args.store_path), create=True) as store:
        token = store.create_token(agent, args.role or "agent", clock.now_iso())
    ctx.out.line(token)  # stdout, once: the store keeps only its hash
    ctx.out.say(f"token for {agent} created; it is shown only this once")


def _revoke(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.errors import NotFoundError
    from crdt.model import clock
    from crdt.model.items import check_email
    from relay.store import RelayStore

    agent = check_email(args.agent)
    with RelayStore.open(Path(args.store_path)) as store:
        n = store.revoke(agent, clock.now_iso())
        had = bool(store.tokens(agent))
    if not had:
        raise NotFoundError(f"no token for {agent} in {args.store_path}: nothing was revoked")
    if n == 0:
        ctx.out.say(f"every token of {agent} was already revoked")
        return
    ctx.out.say(f"revoked {n} token(s) of {agent}; their sockets close now")


TOKEN_COLUMNS = [
    ("id", "id"),
    ("agent", "agent"),
    ("role", "role"),
    ("created_at", "created"),
    ("revoked_at", "revoked"),
    ("last_used_at", "last used"),
]


def _list(args: argparse.Namespace, ctx: Context) -> None:
    from inbox_cli.output import ago
    from relay.store import RelayStore

    with RelayStore.open(Path(args.store_path)) as store:
        rows = store.tokens()

    def cell(field: str, row: dict[str, str | None]) -> str:
        value = row.get(field)
        if field.endswith("_at"):
            return ago(value) if value else "-" if field != "last_used_at" else "never"
        return str(value)

    ctx.out.items(rows, TOKEN_COLUMNS, cell)
