"""inbox chat origins add|list|rm, inbox chat settings: the sites allowed to embed the
website chat widget, the away message and business hours, and the emailed answer"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from inbox_cli.commands.relay import store_option
from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs

if TYPE_CHECKING:
    from relay.chat.settings import ChatSettings

COLUMNS = [("origin", "origin"), ("created_at", "added")]


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    origins = verb("origins", "the sites allowed to embed the widget: add, list, rm")
    origin_verb = verbs(origins, f"{name} origins")
    for action, summary in (
        ("add", "allow a site (scheme://host[:port]) to embed the widget"),
        ("rm", "no longer allow a site; its visitors' sockets are refused from now on"),
    ):
        sub = origin_verb(action, summary)
        sub.add_argument("origin", metavar="ORIGIN", help="e.g. https://www.acme.example.com")
        store_option(sub)
        example(sub, f"inbox chat origins {action} https://www.acme.example.com --store ./relay.db")
    listing = origin_verb("list", "every site allowed to embed the widget")
    store_option(listing)
    add_output_flags(listing)
    example(listing, "inbox chat origins list --store ./relay.db")
    settings = verb("settings", "the away message, business hours, and when to email an answer")
    settings.add_argument(
        "--away-message-file",
        metavar="F",
        help="what a visitor is told outside business hours (text; - for stdin)",
    )
    settings.add_argument(
        "--hours",
        metavar="SPEC",
        help="business hours, e.g. 'Mon-Fri 09:00-17:00 Europe/Berlin'; off: none",
    )
    settings.add_argument(
        "--email-after",
        metavar="DELAY",
        help="email an answer the visitor left before reading, after e.g. 10m; off: never",
    )
    settings.add_argument(
        "--email-from",
        metavar="ADDR",
        help="the mailbox such email goes from (default: the mailbox added first); first: that",
    )
    store_option(settings)
    settings.add_argument("--json", action="store_true", help="one JSON document")
    example(
        settings,
        "inbox chat settings --store ./relay.db --away-message-file away.txt \\",
        "    --hours 'Mon-Fri 09:00-17:00 Europe/Berlin' --email-after 10m",
        "inbox chat settings --store ./relay.db --json",
    )
    example(
        p,
        "inbox chat origins add https://www.acme.example.com --store ./relay.db",
        '# on the site: <script src="https://relay.acme.example.com/widget.js"'
        ' data-workspace="acme" defer></script>',
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.errors import NotFoundError
    from crdt.model import clock
    from relay.chat.origins import normal
    from relay.store import RelayStore

    if args.verb == "settings":
        _settings(args, ctx)
        return
    if args.verb == "list":
        with RelayStore.open(Path(args.store_path)) as store:
            rows = [{"id": o["origin"], **o} for o in store.origins()]
        ctx.out.items(rows, COLUMNS)
        if not rows:
            ctx.out.say("no site may embed the widget yet: `inbox chat origins add ORIGIN`")
        return
    origin = normal(args.origin)
    if args.verb == "add":
        with RelayStore.open(Path(args.store_path), create=True) as store:
            new = store.add_origin(origin, clock.now_iso())
        ctx.out.say(f"{'allowed' if new else 'already allowed'}: {origin}")
        return
    with RelayStore.open(Path(args.store_path)) as store:
        if not store.remove_origin(origin):
            raise NotFoundError(f"{origin} is not allowed in {args.store_path}")
    ctx.out.say(f"no longer allowed: {origin}")


def _settings(args: argparse.Namespace, ctx: Context) -> None:
    """Change what the flags give (each checked before anything is written), then print
    the settings as they now stand."""
    from crdt.errors import NotFoundError
    from relay.chat import settings as chat
    from relay.store import RelayStore

    changes: dict[str, object] = {}
    if args.away_message_file is not None:
        text = ctx.given_body(None, args.away_message_file) or ""
        changes["away_message"] = chat.away_message(text)
    if args.hours is not None:
        off = args.hours.strip().lower() in ("off", "none")
        changes["hours"] = None if off else chat.business_hours(args.hours).spec
    if args.email_after is not None:
        changes["email_after"] = chat.delay(args.email_after)
    path = Path(args.store_path)
    with RelayStore.open(path, create=bool(changes) or args.email_from is not None) as store:
        if args.email_from is not None:
            address = args.email_from.strip().lower()
            known = [str(m["address"]) for m in store.mailboxes()]
            if address not in ("first", "") and address not in known:
                raise NotFoundError(
                    f"no mailbox {address} in {args.store_path}: `inbox relay mailbox list`"
                )
            changes["email_from"] = None if address in ("first", "") else address
        now = chat.ChatSettings.of(store.chat_settings())
        if changes:
            now = now._replace(**changes)  # type: ignore[arg-type]
            store.set_chat_settings(now.stored())
        sender = chat.sender(now, store.mailboxes())
    value = {**now._asdict(), "email_sender": sender}
    ctx.out.obj(value, lambda: _lines(now, sender))
    if changes:
        ctx.out.say(f"chat settings of {args.store_path} changed")


def _lines(now: ChatSettings, sender: str | None) -> list[str]:
    from relay.chat.settings import spoken

    away = (now.away_message or "").splitlines()
    emailed = f"after {spoken(now.email_after)}" if now.email_after else "never"
    source = now.email_from or (f"{sender} (the mailbox added first)" if sender else "no mailbox")
    return [
        f"hours:          {now.hours or 'none (the away message is never shown)'}",
        f"away message:   {away[0] if away else 'none'}" + (" ..." if len(away) > 1 else ""),
        f"email answers:  {emailed}",
        f"email from:     {source}",
    ]
