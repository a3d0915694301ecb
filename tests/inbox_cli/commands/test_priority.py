"""`priority` takes its level before or after the ids, as `status` takes its status."""

from __future__ import annotations

from tests.conftest import Run, as_json


def test_priority_and_status_take_the_value_first_or_last(
    run: Run, conversations: list[str]
) -> None:
    first, second = conversations[0][:6], conversations[1][:6]
    assert run("priority", first, "high").returncode == 0
    assert run("priority", "urgent", second).returncode == 0
    assert run("status", first, "pending").returncode == 0
    assert run("status", "closed", second).returncode == 0
    shown = {c["id"][:6]: c for c in as_json(run("list", "--json", "--status", "all"))}
    assert (shown[first]["priority"], shown[first]["status"]) == ("high", "pending")
    assert (shown[second]["priority"], shown[second]["status"]) == ("urgent", "closed")


def test_priority_without_a_level_is_a_usage_error_naming_the_levels(
    run: Run, conversations: list[str]
) -> None:
    done = run("priority", conversations[0][:6], "hihg")
    assert done.returncode == 2
    assert "urgent, high, normal, low" in done.stderr
    assert as_json(run("show", conversations[0], "--json"))["priority"] == "normal"
