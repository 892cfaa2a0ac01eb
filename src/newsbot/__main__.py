"""``python -m newsbot``."""

from __future__ import annotations

from newsbot.cli import main

main()
