"""inbox compose"""

from __future__ import annotations

import argparse
from typing import Any

from crdt.errors import UsageError
from inbox_cli.context import Context
from inbox_cli.parsing import add_message_flags, add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument(
        "--from",
        dest="mailbox",
        metavar="MAILBOX",
        required=True,
        help="the shared address it goes from (see `inbox mailbox list`)",
    )
    p.add_argument(
        "--to",
        dest="recipients",
        metavar="ADDR",
        action="append",
        required=True,
        help="repeatable; the first is the conversation's customer",
    )
    p.add_argument("--cc", metavar="ADDR", action="append", default=[], help="repeatable")
    p.add_argument("--subject", metavar="TEXT", required=True)
    add_message_flags(p, "message")
    add_output_flags(p)
    example(
        p,
        "inbox compose --from support@acme.example.com --to 'Maria <maria@example.com>' "
        "--subject 'Your order' -m 'Hi Maria, your order shipped today.'",
        "inbox compose --from support@acme.example.com --to x@example.com --subject Hello "
        "--body-file - < note.txt",
        "inbox compose --from billing@acme.example.com --to x@example.com --cc y@example.com "
        "--subject 'Invoice INV-2041' --template invoice --macro billing --attach inv-2041.pdf",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    if args.draft and args.macro:
        raise UsageError("--macro applies its actions as the message is sent, not to a draft")
    if args.draft and args.attach:
        raise UsageError("--attach goes with the message that is sent, not with a draft")
    replica = ctx.replica
    new = actions.new_conversation(replica, args.mailbox, args.recipients, args.cc, args.subject)
    text = ctx.given_body(args.message, args.body_file)
    template = actions.saved_reply(replica, args.template, args.macro, text is not None)
    if text is None and template is None:
        if not ctx.interactive:
            raise UsageError("give the message with -m TEXT, --body-file FILE or --template NAME")
        text = ctx.body(None, None, "message")
    files = actions.attach(replica, args.attach) if args.attach else None
    result = actions.compose(replica, new, text, template, draft=args.draft, attachments=files)
    ident = result["conversation"]
    shown = ident if not ctx.out.tty else ident[:8]
    if args.draft:
        draft = result["draft"]
        ctx.out.obj(draft.as_dict(), lambda: [shown])
        ctx.out.say(f"draft saved for {ident[:8]}; `inbox reply {ident[:8]}` sends it")
        return
    done = actions.macro_with_reply(replica, args.macro, ident) if args.macro else None
    message: dict[str, Any] = {**result["message"], "conversation": ident}
    ctx.out.obj(message, lambda: [shown])
    ctx.out.say(f"conversation {ident[:8]} started; its message is {message['delivery']}")
    if done is not None and done.messages:
        ctx.out.say(f"ran {args.macro}: " + "; ".join(done.messages))
