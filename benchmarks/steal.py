"""CPU time the hypervisor gave to other machines (steal), from /proc/stat.

On a shared machine it moves wall times by tens of per cent, so every benchmark here
reports it beside its figures:

    before = cpu_times()
    ...                            # the work timed
    steal_pct(before, cpu_times())
"""

from __future__ import annotations

from pathlib import Path


def cpu_times() -> list[int]:
    """The machine's CPU time by kind since boot: user, nice, system, idle, iowait, irq,
    softirq, steal (the guest times after them are counted within user already)."""
    return [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]


def steal_pct(before: list[int], after: list[int]) -> float:
    """The share of the CPU time between two readings that was stolen."""
    spent = [b - a for a, b in zip(before, after, strict=True)]
    return round(100 * spent[7] / max(1, sum(spent)), 1)
