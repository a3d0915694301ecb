"""inbox template add|list|show|rm"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context, add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("action", choices=["add", "list", "show", "rm"])
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("-m", "--message", metavar="TEXT", help="the body (add)")
    p.add_argument("--body-file", metavar="FILE", help="the body from a file, - for stdin (add)")
    p.add_argument("--subject", metavar="S", help="a subject line (add)")
    p.add_argument(
        "--for", dest="conversation", metavar="ID", help="show: render for this conversation"
    )
    add_output_flags(p)
    example(
        p,
        "inbox template add refund-ok -m 'Hi {{customer.first_name}}, your refund is on "
        "its way. {{agent.name}}'",
        "inbox template show refund-ok --for 3f2a",
        "inbox template list",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import actions
    from crdt.errors import UsageError

    replica = ctx.replica
    if args.action == "list":
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
        return
    if not args.name:
        raise UsageError(f"inbox template {args.action} needs a NAME")
    if args.action == "add":
        actions.template_add(
            replica, args.name, ctx.body(args.message, args.body_file), args.subject
        )
        ctx.out.say(f"saved template {args.name}")
    elif args.action == "rm":
        actions.item_remove(replica, "templates", args.name)
        ctx.out.say(f"removed template {args.name}")
    else:
        found = actions.template_get(replica, args.name)
        if args.conversation:
            found["rendered"] = actions.template_render(
                replica, args.name, replica.resolve(args.conversation)
            )
        ctx.out.obj(found, lambda: [found.get("rendered") or found["body"]])
