"""Docs stay in step with the code: the CLI reference and the README's settings table."""

from __future__ import annotations

from pathlib import Path

from ohlocal.settings import _ENV_NAMES

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_regenerated() -> None:
    from docs.gen_cli import render

    assert (ROOT / "docs" / "cli.md").read_text() == render(), "run 'make docs'"


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    for name in _ENV_NAMES:
        assert f"`OHLOCAL_{name.upper()}`" in readme, name
