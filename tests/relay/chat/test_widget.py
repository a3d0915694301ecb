"""The website widget in real headless Chromium, against a real relay and an agent's
replica kept in step by `inbox sync --watch`: the whole loop, typing both ways, history
on reload, a relay killed and started again, and text that is never HTML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from crdt.replica import Replica
from crdt.sync import presence
from tests.relay.chat.conftest import Site
from tests.relay.relays import DANA, RelayProcess, Watcher, ok, wait_for

MESSAGE = "[data-inbox-chat=message]"
SEEN = 10_000  # ms a page may take to show what it was sent


def visit(browser: Any, pages: list[Any], site: Site) -> Any:
    """A visitor of their own (a browser context: its own localStorage) on the page."""
    page = browser.new_context().new_page()
    pages.append(page)
    page.goto(site.url)
    page.click("[data-inbox-chat=launcher]")
    return page


def say(page: Any, text: str) -> None:
    page.fill("[data-inbox-chat=input]", text)
    page.click("[data-inbox-chat=send]")


def shown(page: Any, author: str | None = None) -> list[str]:
    """The texts of the messages the widget shows (an agent's carries their name first)."""
    where = MESSAGE + (f"[data-author={author}]" if author else "")
    return [str(t) for t in page.locator(where).all_text_contents()]


def taken(page: Any, count: int) -> None:
    """Wait until ``count`` messages are shown and none of them waits for the relay."""
    page.wait_for_function(
        """n => {
          const root = document.querySelector('[data-inbox-chat=root]').shadowRoot;
          const all = root.querySelectorAll('[data-inbox-chat=message]');
          return all.length === n && !root.querySelector('.pending');
        }""",
        arg=count,
        timeout=30_000,
    )


def chats(home: Path) -> list[dict[str, Any]]:
    return list(json.loads(ok(home, "list", "--channel", "chat", "--json")))


def test_a_visitor_and_an_agent_talk_through_the_widget(
    relay: RelayProcess, site: Site, browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    a = relay.join(tmp_path / "a", DANA)
    watcher = Watcher(a)
    try:
        page = visit(browser, pages, site)
        page.fill("[data-inbox-chat=name]", "<b>Maria</b>")
        page.fill("[data-inbox-chat=email]", "maria@example.com")
        page.press("[data-inbox-chat=email]", "Tab")  # a change: the profile goes
        say(page, "is anyone there? <script>window.pwned = 1</script>")
        taken(page, 1)
        found = wait_for(lambda: chats(a))
        assert len(found) == 1, watcher.logged()
        ident = found[0]["id"]
        conversation = json.loads(ok(a, "show", ident, "--json"))
        assert [m["body"] for m in conversation["messages"]] == [
            "is anyone there? <script>window.pwned = 1</script>"
        ]
        assert (conversation["channel"], conversation["customer"]) == ("chat", "maria@example.com")
        assert conversation["customer_name"] == "<b>Maria</b>"

        page.fill("[data-inbox-chat=input]", "my card was")  # typing, not sent
        assert wait_for(lambda: "visitor is typing..." in ok(a, "show", ident)), watcher.logged()
        who = json.loads(ok(a, "who", "--json"))
        assert [(w["visitor"], w["typing"]) for w in who] == [(True, ident)]

        replica = Replica.open(a)
        try:  # what `inbox reply` notes while its editor is open
            presence.note(replica, presence.TYPING, ident)
            typing = page.locator("[data-inbox-chat=typing]")
            typing.filter(has_text="dana is typing").wait_for(timeout=SEEN)
            presence.note(replica, presence.TYPING, None)
            page.wait_for_function(
                "() => !document.querySelector('[data-inbox-chat=root]').shadowRoot"
                ".querySelector('[data-inbox-chat=typing]').textContent",
                timeout=SEEN,
            )
        finally:
            replica.close()

        answer = 'Hi <img src=x onerror="window.pwned = 2">, I\'m on it'
        ok(a, "reply", ident, "-m", answer)
        page.locator(MESSAGE + "[data-author=agent]").wait_for(timeout=SEEN)
        assert shown(page, "agent") == ["dana" + answer]
        assert page.evaluate("window.pwned") is None
        assert (
            page.evaluate(
                "document.querySelector('[data-inbox-chat=root]').shadowRoot"
                ".querySelectorAll('img, script, b').length"
            )
            == 0
        )
        sent = wait_for(lambda: "(sent" in ok(a, "show", ident) and ok(a, "show", ident))
        assert "by chat" in sent, sent
        customer = json.loads(ok(a, "customer", "maria@example.com", "--json"))
        assert ident in json.dumps(customer)

        page.reload()  # the history comes back, once
        page.click("[data-inbox-chat=launcher]")
        taken(page, 2)
        assert shown(page, "visitor") == ["is anyone there? <script>window.pwned = 1</script>"]
        assert shown(page, "agent") == ["dana" + answer]
    finally:
        watcher.stop()


def test_the_widget_resends_across_a_relay_restart_and_nothing_twice(
    relay: RelayProcess, site: Site, browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    page = visit(browser, pages, site)
    say(page, "first")
    taken(page, 1)
    relay.kill()
    say(page, "second, written while the relay was down")
    assert page.locator(".pending").count() == 1
    relay.start()
    taken(page, 2)
    say(page, "third")
    taken(page, 3)
    a = relay.join(tmp_path / "a", DANA)
    (found,) = chats(a)
    bodies = [m["body"] for m in json.loads(ok(a, "show", found["id"], "--json"))["messages"]]
    assert bodies == ["first", "second, written while the relay was down", "third"]
    page.reload()
    page.click("[data-inbox-chat=launcher]")
    taken(page, 3)
    assert shown(page) == bodies


def test_a_second_visitor_sees_nothing_of_the_first(
    relay: RelayProcess, site: Site, browser: Any, pages: list[Any], tmp_path: Path
) -> None:
    first = visit(browser, pages, site)
    say(first, "my card number ends in 4242")
    taken(first, 1)
    second = visit(browser, pages, site)
    say(second, "hello")
    taken(second, 1)
    assert shown(second) == ["hello"]
    a = relay.join(tmp_path / "a", DANA)
    replies = {c["subject"]: c["id"] for c in chats(a)}
    ok(a, "reply", replies["hello"], "-m", "hello to you")
    ok(a, "sync")
    second.locator(MESSAGE + "[data-author=agent]").wait_for(timeout=SEEN)
    first.wait_for_timeout(500)
    assert shown(first) == ["my card number ends in 4242"]
    assert shown(second) == ["hello", "danahello to you"]
