"""`inbox template add` refuses what could never be filled, when saving."""

from __future__ import annotations

from tests.conftest import Run, as_json


def test_a_template_with_an_unknown_variable_is_refused_and_not_saved(run: Run) -> None:
    done = run("template", "add", "bad", "-m", "Hi {{customer.nope}}, thanks")
    assert done.returncode == 2
    assert "customer.nope" in done.stderr
    assert "known: agent.email" in done.stderr and "customer.first_name" in done.stderr
    assert as_json(run("template", "list", "--json")) == []
    ok = run("template", "add", "good", "-m", "Hi {{customer.first_name | there}}")
    assert ok.returncode == 0, ok.stderr
