"""inbox relay serve | inbox relay token create|revoke"""

from __future__ import annotations

import argparse
from pathlib import Path

from inbox_cli.context import Context, example

DEFAULT_STORE = "relay.db"


def configure(p: argparse.ArgumentParser, name: str) -> None:
    p.add_argument("action", choices=["serve", "token"])
    p.add_argument("verb", nargs="?", choices=["create", "revoke"], help="token: create|revoke")
    p.add_argument("agent", nargs="?", metavar="AGENT", help="token: the agent's email")
    p.add_argument("--host", default="127.0.0.1", help="serve: address (default loopback)")
    p.add_argument("--port", type=int, default=8787, help="serve: port (default 8787)")
    p.add_argument("--store", default=DEFAULT_STORE, metavar="PATH", help="the relay's store")
    p.add_argument(
        "--workspace", default="inbox", metavar="NAME", help="serve: name of a new store"
    )
    p.add_argument("--admin", action="store_true", help="token create: may create and revoke")
    example(
        p,
        "inbox relay serve --port 8787 --store ./relay.db",
        "inbox relay token create dana@acme.example.com --store ./relay.db > dana.token",
        "inbox relay token revoke dana@acme.example.com --store ./relay.db",
    )


def run(args: argparse.Namespace, ctx: Context) -> None:
    if args.action == "serve":
        _serve(args, ctx)
    else:
        _token(args, ctx)


def _serve(args: argparse.Namespace, ctx: Context) -> None:
    from crdt.errors import StoreError
    from relay.server import serve
    from relay.store import RelayStore, RelayStoreError

    try:  # fail here, with a clear message, rather than inside the server
        RelayStore.open(Path(args.store), create=True, workspace=args.workspace).close()
    except RelayStoreError as exc:
        raise StoreError(str(exc)) from exc
    ctx.out.say(f"relay for {args.store} on http://{args.host}:{args.port} (Ctrl-C stops it)")
    serve(Path(args.store), args.host, args.port, args.workspace)


def _token(args: argparse.Namespace, ctx: Context) -> None:
    from crdt import clock
    from crdt.errors import StoreError, UsageError
    from crdt.replica import check_email
    from relay.store import RelayStore, RelayStoreError

    if not args.verb or not args.agent:
        raise UsageError("usage: inbox relay token create|revoke AGENT --store PATH")
    agent = check_email(args.agent)
    try:
        store = RelayStore.open(Path(args.store), create=args.verb == "create")
    except RelayStoreError as exc:
        raise StoreError(str(exc)) from exc
    try:
        if args.verb == "create":
            token = store.create_token(agent, args.admin, clock.now_iso())
            print(token)  # stdout, once: the store keeps only its hash
            ctx.out.say(f"token for {agent} created; it is shown only this once")
        else:
            n = store.revoke(agent, clock.now_iso())
            ctx.out.say(f"revoked {n} token(s) of {agent}; their sockets close now")
    finally:
        store.close()
