"""Updates made to break things: the panics pycrdt was found to have (data/panic-*), and
hypothesis's mutations of real conversation updates, against the document guard, the
replica's builder and a real relay. None may raise past the guard, change what was
there, or reach another replica."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from crdt.errors import BadUpdateError, RefusedError
from crdt.model import admission
from crdt.model.ydoc import Doc
from crdt.sync import builder
from relay import protocol as p
from tests.conftest import run_inbox
from tests.relay.fuzz_updates import IDENT, base, changes
from tests.relay.relays import BEN, RelayProcess

DATA = Path(__file__).resolve().parent / "data"
PAIRS = sorted(DATA.glob("panic-*.update"))
NAME = f"c:{IDENT}"
AGENT = "a@acme.example.com"

BASE = base()
SNAPSHOT, BEFORE = BASE.get_update(), BASE.get_state()
REAL = changes(SNAPSHOT, BEFORE)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real update with a few bytes overwritten, inserted or deleted."""
    out = bytearray(draw(st.sampled_from(REAL)))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(out) - 1))
        op = draw(st.sampled_from(["set", "insert", "delete"]))
        value = draw(st.integers(0, 255))
        if op == "set":
            out[pos] = value
        elif op == "insert":
            out.insert(pos, value)
        elif len(out) > 1:
            del out[pos]
    return bytes(out)


def test_the_kept_panics_still_panic_pycrdt_and_are_refused() -> None:
    assert PAIRS, "no panic kept in tests/relay/data"
    for path in PAIRS:
        doc = Doc()
        doc.apply_update(path.with_suffix(".base").read_bytes())
        before = doc.get_update()
        with pytest.raises(BadUpdateError, match="panic"):
            doc.trial(path.read_bytes())
        assert doc.get_update() == before  # the document itself never saw it


def test_a_replica_skips_a_panicking_update_and_builds_the_rest() -> None:
    path = PAIRS[0]
    stored = [path.with_suffix(".base").read_bytes()]
    honest = changes(stored[0], _state(stored[0]))[0]
    name = "c:0123456789abcdef0123456789abcdef"
    got = builder.apply_run(AGENT, name, stored, [path.read_bytes(), honest])
    assert got.updates == [honest] and got.notice and "skipped" in got.notice
    assert got.rows is not None  # the conversation is still shown, with the honest note


def _state(update: bytes) -> bytes:
    doc = Doc()
    doc.apply_update(update)
    return doc.get_state()


@settings(max_examples=300, deadline=None)
@given(mutated())
def test_a_mutated_update_is_taken_or_refused_never_raised(update: bytes) -> None:
    doc = Doc()
    doc.apply_update(SNAPSHOT)
    whole = doc.get_update()
    maps, arrays = admission.roots(NAME)
    try:
        trial, touched = doc.trial(update, maps, arrays)
    except BadUpdateError:
        trial, touched = None, set()
    assert doc.get_update() == whole  # whatever happened, it happened to a copy
    if trial is not None:  # applied: the schema check answers, it never crashes
        before, after = doc.to_py(maps, arrays), trial.to_py(maps, arrays)
        assert {r for r in before if before[r] != after[r]} <= touched  # nothing unseen
        extra = set(trial.root_names()) - {*maps, *arrays}
        with contextlib.suppress(RefusedError):
            admission.check(
                NAME, before, after, extra, admission.Author(AGENT, admission.AGENT), lambda _: {}
            )
    got = builder.apply_run(AGENT, NAME, [SNAPSHOT], [update])  # the replica's side
    assert got.name == NAME


@pytest.fixture(scope="module")
def live_relay(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RelayProcess, str]]:
    where = tmp_path_factory.mktemp("relay")
    relay = RelayProcess(where).start()
    token = relay.token(AGENT).read_text().strip()
    asyncio.run(_send(relay, token, SNAPSHOT))
    yield relay, token
    relay.stop()


async def _send(relay: RelayProcess, token: str, update: bytes) -> list[int]:
    """One update on its own socket; the kinds of frame that answered it about NAME."""
    headers = {"Authorization": f"Bearer {token}"}
    kinds: list[int] = []
    async with connect(f"ws://127.0.0.1:{relay.port}/sync", additional_headers=headers) as ws:
        await ws.send(p.number("", p.HELLO, 2**40))
        await ws.send(p.sync(NAME, p.UPDATE, update))
        try:
            while not {p.STORED, p.REFUSED} & set(kinds):
                frame = p.decode(bytes(await asyncio.wait_for(ws.recv(), 10)))  # type: ignore[arg-type]
                if frame.doc == NAME:
                    kinds.append(frame.kind)
        except ConnectionClosed:
            pass
    return kinds


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(mutated())
def test_a_real_relay_answers_every_mutation_and_stores_only_what_passes(
    live_relay: tuple[RelayProcess, str], update: bytes
) -> None:
    relay, token = live_relay
    kinds = asyncio.run(_send(relay, token, update))
    assert kinds and kinds[-1] in (p.STORED, p.REFUSED), kinds


def test_after_the_mutations_the_conversation_is_whole_everywhere(
    live_relay: tuple[RelayProcess, str], tmp_path: Path
) -> None:
    relay, _ = live_relay
    home = tmp_path / "ben"
    token = relay.token(BEN)
    done = run_inbox(home, "join", relay.url, "--token-file", str(token))
    assert done.returncode == 0, done.stderr + relay.logged()[-2000:]
    shown = run_inbox(home, "show", IDENT, "--json")
    assert shown.returncode == 0, shown.stderr
    thread = json.loads(shown.stdout)
    assert thread["id"] == IDENT and [m["id"] for m in thread["messages"]][:1] == ["m1"]
    assert relay.proc is not None and relay.proc.poll() is None
