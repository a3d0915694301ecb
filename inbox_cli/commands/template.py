"""inbox template add|list|show|rm"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context
from inbox_cli.parsing import add_output_flags, example, verbs


def configure(p: argparse.ArgumentParser, name: str) -> None:
    verb = verbs(p, name)
    add = verb("add", "save a reply to use again, with {{variables}}")
    add.add_argument("name", metavar="NAME")
    add.add_argument("-m", "--message", metavar="TEXT", help="the body")
    add.add_argument("--body-file", metavar="FILE", help="the body from a file, - for stdin")
    add.add_argument("--subject", metavar="S", help="a subject line")
    example(
        add,
        "inbox template add refund-ok -m 'Hi {{customer.first_name}}, your refund is on "
        "its way. {{agent.name}}'",
        "inbox template add thanks --body-file thanks.txt",
    )
    listing = verb("list", "the saved replies")
    add_output_flags(listing)
    example(listing, "inbox template list", "inbox template list --json | jq -r '.[].name'")
    show = verb("show", "a saved reply, or what it says for one conversation")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--for", dest="conversation", metavar="ID", help="render it for this one")
    add_output_flags(show)
    example(show, "inbox template show refund-ok", "inbox template show refund-ok --for 3f2a")
    rm = verb("rm", "remove a saved reply")
    rm.add_argument("name", metavar="NAME")
    example(rm, "inbox template rm refund-ok")
    example(
        p, "inbox template add thanks -m 'Thanks, {{customer.first_name}}!'", "inbox template list"
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions

    replica = ctx.replica
    if args.verb == "list":
        rows = [
            {
                "id": n,
                "name": n,
                "subject": t.get("subject"),
                "body": t["body"].replace("\n", " ")[:60],
            }
            for n, t in replica.items("templates").items()
        ]
        ctx.out.items(rows, [("name", "name"), ("body", "body")])
    elif args.verb == "add":
        body = ctx.body(args.message, args.body_file)
        actions.template_add(replica, args.name, body, args.subject)
        ctx.out.say(f"saved template {args.name}")
    elif args.verb == "rm":
        actions.template_remove(replica, args.name)
        ctx.out.say(f"removed template {args.name}")
    else:
        found = actions.template_get(replica, args.name)
        if args.conversation:
            ident = replica.resolve(args.conversation)
            found["rendered"] = actions.template_render(replica, args.name, ident)
        ctx.out.obj(found, lambda: [found.get("rendered") or found["body"]])
