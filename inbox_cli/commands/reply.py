"""inbox reply"""

from __future__ import annotations

import argparse
from typing import Any

from crdt.errors import UsageError
from inbox_cli.context import Context
from inbox_cli.parsing import add_message_flags, add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("id", metavar="ID", help="any unique id prefix")
    add_message_flags(p, "reply")
    p.add_argument(
        "--force",
        action="store_true",
        help="send even when someone else owns it or wrote since the draft began",
    )
    add_output_flags(p)
    example(
        p,
        'inbox reply 3f2a -m "Refunded, you will see it in 3 days."',
        "inbox reply 3f2a --template thanks",
        "inbox reply 3f2a --macro refund   # its template, then its tags, status ...",
        "inbox reply 3f2a -m 'Your invoice, corrected.' --attach invoice.pdf",
        "inbox reply 3f2a --draft -m 'Checking with finance'   # later: inbox reply 3f2a",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions
    from crdt.sync import presence

    if args.draft and args.macro:
        raise UsageError("--macro applies its actions as the reply is sent, not to a draft")
    if args.draft and args.attach:
        raise UsageError("--attach goes with the reply that is sent, not with a draft")
    replica = ctx.replica
    ident = replica.resolve(args.id)
    presence.note(replica, presence.VIEWING, ident)  # working here, not where `show` was
    text = ctx.given_body(args.message, args.body_file)
    template = actions.saved_reply(replica, args.template, args.macro, text is not None)
    if template:
        text = actions.template_render(replica, template, ident)
    if text is None and ctx.interactive:  # the editor works on the draft file itself
        _warn_typing(ctx, ident)
        draft_path = actions.begin_draft(replica, ident).path
        presence.note(replica, presence.TYPING, ident)  # teammates see it while it is open
        try:
            ctx.edit_file(draft_path, "the draft is kept")
        finally:
            presence.note(replica, presence.TYPING, None)
    if args.draft:
        draft = actions.save_draft(replica, ident, text)
        ctx.out.obj(draft.as_dict(), lambda: [str(draft.path)])
        ctx.out.say(f"draft saved for {ident[:8]}; `inbox reply {ident[:8]}` sends it")
        return
    files = actions.attach(replica, args.attach) if args.attach else None
    result = actions.reply(replica, ident, text, force=args.force, attachments=files)
    done = actions.macro_with_reply(replica, args.macro, ident) if args.macro else None
    message: dict[str, Any] = {**result["message"], "conversation": ident}
    shown = message["id"] if not ctx.out.tty else message["id"][:8]
    ctx.out.obj(message, lambda: [shown])
    if result["claimed"]:
        ctx.out.say(f"claimed {ident[:8]}")
    ctx.out.say(f"reply queued on {ident[:8]} (delivery: {message['delivery']})")
    if done is not None and done.messages:
        ctx.out.say(f"ran {args.macro}: " + "; ".join(done.messages))


def _warn_typing(ctx: Context, ident: str) -> None:
    """Before an editor opens: someone else already writing here is worth knowing."""
    from crdt.model.items import handle
    from crdt.sync import presence
    from inbox_cli.output import ago

    for other in presence.on(ctx.replica, ident):
        if other["doing"] == presence.TYPING:
            who = handle(str(other["agent"]))
            ctx.out.warn(f"{who} is typing a reply here (started {ago(other['since'])})")
