"""Docs and code hold each other up: every command, kind and setting is documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _docs_text() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8")
        for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    )


def test_cli_reference_is_current() -> None:
    """docs/cli.md equals what tools/cli_reference.py generates from --help.

    Generated in a fresh interpreter: click caches each command's help option on first use,
    so text generated after other tests invoked commands could differ.
    """
    generated = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "cli_reference.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    actual = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert actual == generated, "run: .venv/bin/python tools/cli_reference.py > docs/cli.md"


def test_every_command_is_in_the_readme_or_docs() -> None:
    """Each top-level command is mentioned as `newsbot NAME` outside the generated reference."""
    from newsbot.cli import cli

    text = "\n".join(
        p.read_text(encoding="utf-8")
        for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
        if p.name != "cli.md"
    )
    missing = [name for name in cli.commands if f"newsbot {name}" not in text]
    assert missing == []


def test_every_source_and_channel_kind_is_documented() -> None:
    """Every registered source kind and channel kind appears in the docs as `kind`."""
    from newsbot.channels import CHANNEL_KINDS
    from newsbot.sources import SOURCE_KINDS

    text = _docs_text()
    missing = [k for k in [*SOURCE_KINDS, *CHANNEL_KINDS] if f"`{k}`" not in text]
    assert missing == []


def test_every_config_key_is_in_the_readme_reference() -> None:
    """The README's config table names every top-level, subscriber and rule setting."""
    from newsbot.config import _TOP_LEVEL, RuleSettings, SubscriberSettings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    keys = [*_TOP_LEVEL, *SubscriberSettings.model_fields, *RuleSettings.model_fields]
    missing = sorted({k for k in keys if f"`{k}`" not in readme and f"`{k}[]`" not in readme})
    assert missing == []
