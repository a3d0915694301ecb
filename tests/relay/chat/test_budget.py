"""The relay-wide budget for visitors' messages, over values and the event loop's timers:
what comes over it waits in order and is written as the budget refills; only a full line
turns a message away, and then nothing of it is kept."""

from __future__ import annotations

import asyncio

from relay.chat.budget import Budget


async def _until_empty(budget: Budget) -> None:
    for _ in range(500):  # a bound, not a time that is measured
        if not len(budget):
            return
        await asyncio.sleep(0.01)


def test_messages_over_the_budget_wait_in_order_and_are_all_written() -> None:
    written: list[str] = []

    async def main() -> list[bool]:
        budget = Budget(rate=200.0, burst=2.0, most=10)
        taken = [budget.take(f"k{n}", lambda n=n: written.append(f"m{n}")) for n in range(6)]
        assert written == ["m0", "m1"]  # the burst, at once
        assert len(budget) == 4 and budget.holds("k2") and not budget.holds("k0")
        await _until_empty(budget)
        return taken

    assert asyncio.run(main()) == [True] * 6
    assert written == [f"m{n}" for n in range(6)]


def test_a_full_line_turns_a_message_away_and_keeps_nothing_of_it() -> None:
    written: list[str] = []

    async def main() -> bool:
        budget = Budget(rate=1.0, burst=1.0, most=2)
        for key in ("a", "b", "c"):
            assert budget.take(key, lambda k=key: written.append(k))
        turned = budget.take("d", lambda: written.append("d"))
        assert not budget.holds("d") and len(budget) == 2
        budget.stop()
        return turned

    assert asyncio.run(main()) is False
    assert written == ["a"]
