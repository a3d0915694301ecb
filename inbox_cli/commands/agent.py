"""inbox agent add|list"""

from __future__ import annotations

import argparse

from inbox_cli.context import Context, add_output_flags, example


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("action", choices=["add", "list"])
    p.add_argument("email", nargs="?", metavar="EMAIL")
    p.add_argument("--name", metavar="NAME")
    add_output_flags(p)
    example(p, "inbox agent add ben@acme.example.com --name 'Ben Okoro'", "inbox agent list")


def run(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.errors import UsageError
    from crdt.replica import check_email

    replica = ctx.replica
    if args.action == "list":
        rows = [
            {
                "id": e,
                "email": e,
                "name": a.get("name"),
                "handle": e.split("@")[0],
                "me": e == replica.agent,
            }
            for e, a in replica.items("agents").items()
        ]
        ctx.out.items(rows, [("handle", "handle"), ("name", "name"), ("email", "email")])
        return
    if not args.email:
        raise UsageError("inbox agent add needs an EMAIL")
    email = check_email(args.email)
    replica.put_item("agents", email, {"email": email, "name": args.name or email.split("@")[0]})
    ctx.out.say(f"added agent {email}")
