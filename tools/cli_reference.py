"""Write docs/cli.md from the commands' own --help, so the reference cannot drift.

Usage: .venv/bin/python tools/cli_reference.py > docs/cli.md   (a test checks it is current)
"""

from __future__ import annotations

import click

from newsbot.cli import cli


def _sections(command: click.Command, name: str, parent: click.Context | None) -> list[str]:
    # A child context inherits the group's settings (``-h`` as well as ``--help``), exactly as
    # when a user types the command, so the text does not depend on what ran before.
    settings = {"terminal_width": 100, "max_content_width": 100, **command.context_settings}
    ctx = click.Context(command, info_name=name, parent=parent, **settings)
    path = ctx.command_path
    sections = [f"## `{path}`\n\n```text\n{command.get_help(ctx)}\n```\n"]
    if isinstance(command, click.Group):
        for child in sorted(command.commands):
            sections.extend(_sections(command.commands[child], child, ctx))
    return sections


def render() -> str:
    """The CLI reference as Markdown."""
    header = [
        "# newsbot command line\n",
        "Generated from `--help` by `tools/cli_reference.py`; do not edit.\n",
    ]
    return "\n".join(header + _sections(cli, "newsbot", None))


if __name__ == "__main__":
    print(render(), end="")
