"""inbox relay mailbox add|list|rm: the mail gateway's mailboxes, in the relay's store"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from inbox_cli.context import Context

COLUMNS = [
    ("address", "address"),
    ("imap", "imap"),
    ("smtp", "smtp"),
    ("state", "state"),
    ("last_uid", "last UID"),
    ("error", "error"),
]
COPIES = {
    "append": " and files a copy of each reply in Sent",
    "server": " (which files the copies in Sent itself)",
}


def run(args: argparse.Namespace, ctx: Context) -> None:
    if args.verb == "add":
        _add(args, ctx)
    elif args.verb == "list":
        _list(args, ctx)
    else:
        _remove(args, ctx)


def _add(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.model import clock
    from relay.gateway.settings import server, settings
    from relay.store import RelayStore

    imap = server(args.imap, "imap", args.security)
    smtp_security = args.smtp_security or args.security
    smtp = server(args.smtp, "smtp", smtp_security) if args.smtp else None
    secret = {
        "password_command": args.password_command,
        "password_file": str(Path(args.password_file).resolve()) if args.password_file else None,
        "oauth_command": args.oauth_token_command,
    }
    ca_file = str(Path(args.ca_file).resolve()) if args.ca_file else None
    chosen = settings(
        args.address,
        imap,
        smtp,
        args.user,
        secret,
        tuple(args.folder),
        args.sent_folder,
        ca_file,
        args.sent_copy,
    )
    with RelayStore.open(Path(args.store_path), create=True) as store:
        new = store.put_mailbox(chosen.address, chosen.as_dict(), clock.now_iso())
    done = "added" if new else "changed"
    copy = COPIES[chosen.sent_copy]
    sends = f", sends by {chosen.smtp}{copy}" if chosen.smtp else ", sends nothing (no --smtp)"
    ctx.out.say(f"{done} mailbox {chosen.address}: reads {chosen.imap}{sends}")


def _list(args: argparse.Namespace, ctx: Context) -> None:
    from relay.store import RelayStore

    with RelayStore.open(Path(args.store_path)) as store:
        rows = [_row(m) for m in store.mailboxes()]
    ctx.out.items(rows, COLUMNS)
    if not rows:
        ctx.out.say("no mailbox yet: `inbox relay mailbox add ADDR --imap HOST ...`")


def _row(mailbox: dict[str, Any]) -> dict[str, Any]:
    """What a person and a script see: never the secret's command or file."""
    from relay.gateway.settings import Settings

    plain = mailbox["settings"]
    imap, smtp = plain["imap"], plain.get("smtp")
    uids = [f["last_uid"] for f in mailbox["folders"].values()]
    return {
        "id": mailbox["address"],
        "address": mailbox["address"],
        "imap": f"{imap['host']}:{imap['port']}",
        "smtp": f"{smtp['host']}:{smtp['port']}" if smtp else "",
        "user": plain["user"],
        "folders": plain["folders"],
        "sent_copy": Settings.of(plain).sent_copy,
        "state": mailbox["state"],
        "error": mailbox["error"],
        "state_at": mailbox["state_at"],
        "last_uid": max(uids) if uids else 0,
        "read": mailbox["folders"],
    }


def _remove(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.errors import NotFoundError
    from crdt.model.items import check_email
    from relay.store import RelayStore

    address = check_email(args.address)
    with RelayStore.open(Path(args.store_path)) as store:
        if not store.remove_mailbox(address):
            raise NotFoundError(f"no mailbox {address} in {args.store_path}")
    ctx.out.say(f"removed mailbox {address}; the mail it brought stays")
