"""Print docs/cli.md: the --help text of every ohlocal command (`make docs`)."""

from __future__ import annotations

import click
from click.testing import CliRunner

from ohlocal.cli import main


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    found = [prefix]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            found += _commands(command, [*prefix, name])
        else:
            found.append([*prefix, name])
    return found


def render() -> str:
    runner = CliRunner()
    parts = ["# ohlocal command reference", "", "Generated from `--help` by `make docs`.", ""]
    for path in _commands(main, []):
        result = runner.invoke(main, [*path, "--help"], prog_name="ohlocal", terminal_width=100)
        parts += [
            f"## ohlocal {' '.join(path)}".rstrip(),
            "",
            "```",
            result.output.rstrip(),
            "```",
            "",
        ]
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
