"""The widget's script as the relay serves it: small, and the same for every site."""

from __future__ import annotations

import gzip
import urllib.request

from tests.relay.relays import RelayProcess

LIMIT = 15 * 1024  # bytes of the script, gzipped


def test_the_widget_is_served_gzipped_under_15_kb(relay: RelayProcess) -> None:
    request = urllib.request.Request(relay.url + "/widget.js", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.headers["Content-Encoding"] == "gzip"
        assert answer.headers["Content-Type"].startswith("text/javascript")
        packed = answer.read()
    assert len(packed) < LIMIT, f"{len(packed)} bytes gzipped"
    script = gzip.decompress(packed).decode()
    assert "data-inbox-chat" in script and "innerHTML" not in script
    with urllib.request.urlopen(relay.url + "/widget.js", timeout=10) as plain:
        assert plain.read() == script.encode()
