"""Write docs/cli.md from the commands' own --help, so the reference cannot drift.

Usage: .venv/bin/python tools/cli_reference.py > docs/cli.md   (a test checks it is current)
"""

from __future__ import annotations

import click

from newsbot.cli import cli


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found.extend(_walk(command.commands[name], [*path, name]))
    return found


def render() -> str:
    """The CLI reference as Markdown."""
    parts = [
        "# newsbot command line\n",
        "Generated from `--help` by `tools/cli_reference.py`; do not edit.\n",
    ]
    for path, command in _walk(cli, ["newsbot"]):
        with click.Context(command, info_name=" ".join(path), terminal_width=100) as ctx:
            text = command.get_help(ctx)
        parts.append(f"## `{' '.join(path)}`\n\n```text\n{text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(render(), end="")
