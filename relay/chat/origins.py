"""The sites allowed to embed the widget, as a browser names them in its Origin header.

A browser sends ``scheme://host[:port]`` (lower case, the default port left out) with
every websocket it opens, and a page cannot change it; so a socket whose Origin is not
on the workspace's list comes from a page the workspace did not put the widget on.
(A script outside a browser can send any Origin: the token and the rate limits bound
what that one gets, which is a conversation of its own.)
"""

from __future__ import annotations

from urllib.parse import urlsplit

from crdt.errors import UsageError

DEFAULT_PORTS = {"http": 80, "https": 443}


def normal(origin: str) -> str:
    """``origin`` as a browser sends it, or a usage error: a site, not a page."""
    text = origin.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"not an origin: {origin!r} ({exc})") from exc
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise UsageError(f"not an origin: {origin!r} (like https://www.example.com)")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise UsageError(f"an origin is a site, without a path: {parts.scheme}://{parts.netloc}")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}:{port}"
    return f"{parts.scheme}://{host}"
