"""A newcomer's first screen: `make demo` installs without setuptools' deprecation
warnings (checked by hand on a fresh clone; these hold the causes away)."""

from __future__ import annotations

import re
import tomllib

from tests.conftest import ROOT


def test_the_licence_is_an_spdx_string_for_a_setuptools_that_takes_one() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["license"] == "MIT"  # a TOML table is deprecated
    (requires,) = [r for r in project["build-system"]["requires"] if r.startswith("setuptools")]
    found = re.fullmatch(r"setuptools>=(\d+)", requires)
    assert found and int(found[1]) >= 77  # the first to read an SPDX string


def test_the_makefiles_install_keeps_the_builds_warnings_off_the_screen() -> None:
    recipe = (ROOT / "Makefile").read_text()
    install = recipe.split("pip install -q -e", 1)[0].rsplit("\n", 1)[1]
    assert "PYTHONWARNINGS=ignore::UserWarning" in install
