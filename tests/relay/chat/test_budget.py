"""The relay-wide budget for visitors' messages, over a clock the test moves: a write's
time is what it costs; what comes over the budget waits in order and is written as the
budget refills; only a full line turns a message away, and then nothing of it is kept."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from relay.chat.budget import Budget


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _writer(clock: Clock, written: list[str], name: str, cost: float) -> Callable[[], None]:
    def write() -> None:
        clock.now += cost  # the write takes this long
        written.append(name)

    return write


def test_messages_over_the_budget_wait_in_order_and_are_written_as_it_refills() -> None:
    clock, written = Clock(), []

    async def main() -> None:
        budget = Budget(share=0.5, burst=0.25, most=10, clock=clock, spent=clock)
        for name in "abc":
            assert budget.take(name, _writer(clock, written, name, 1.0))
        # a took 1 s of loop: 0.25 there was, 0.5 came back meanwhile; b and c wait
        assert written == ["a"] and budget.holds("b") and budget.holds("c")
        clock.now += 0.25  # back to -0.125: still owed
        budget.drain()
        assert written == ["a"]
        clock.now += 0.5  # +0.125
        budget.drain()
        assert written == ["a", "b"] and not budget.holds("b") and len(budget) == 1
        clock.now += 1.0
        budget.drain()
        budget.stop()

    asyncio.run(main())
    assert written == ["a", "b", "c"]


def test_a_message_waits_behind_those_before_it_even_with_budget_left() -> None:
    clock, written = Clock(), []

    async def main() -> None:
        budget = Budget(share=0.5, burst=0.25, most=10, clock=clock, spent=clock)
        budget.take("a", _writer(clock, written, "a", 1.0))
        budget.take("b", _writer(clock, written, "b", 0.001))
        clock.now += 1.0  # refilled; b still waits for the line's turn
        budget.take("c", _writer(clock, written, "c", 0.001))
        assert written == ["a"]
        budget.drain()
        budget.stop()

    asyncio.run(main())
    assert written == ["a", "b", "c"]


def test_a_full_line_turns_a_message_away_and_keeps_nothing_of_it() -> None:
    clock, written = Clock(), []

    async def main() -> bool:
        budget = Budget(share=0.5, burst=0.25, most=2, clock=clock, spent=clock)
        for name in "abc":
            assert budget.take(name, _writer(clock, written, name, 1.0))
        turned = budget.take("d", _writer(clock, written, "d", 1.0))
        assert not budget.holds("d") and len(budget) == 2
        budget.stop()
        return turned

    assert asyncio.run(main()) is False
    assert written == ["a"]


def test_the_line_drains_on_its_own_timer() -> None:
    written: list[str] = []

    async def main() -> None:
        budget = Budget(share=0.01, burst=0.0001, most=10)  # the real clocks

        def write(name: str) -> None:
            began = time.thread_time()
            while time.thread_time() - began < 0.002:  # CPU over the burst: the rest waits
                pass
            written.append(name)

        for name in "abcd":
            budget.take(name, lambda n=name: write(n))
        assert written == ["a"]
        for _ in range(500):  # a bound on the waits, not a measured time
            if len(written) == 4:
                break
            await asyncio.sleep(0.01)
        budget.stop()

    asyncio.run(main())
    assert written == ["a", "b", "c", "d"]
