"""Where the bundled templates, sample config and sample issue live.

In a checkout they are the top-level ``templates/`` and ``config/`` folders; in an
installed wheel, copies under ``newsbot/_bundled/`` (see pyproject.toml). Either way
callers ask here, so newsbot works outside the checkout too.

Usage::

    topics_file = bundled_path("config/topics.yaml")
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_ROOT = _PACKAGE_DIR.parents[1]  # src/newsbot -> repo root

SAMPLE_ISSUE = _PACKAGE_DIR / "samples" / "ywsb-2025-05-16-p1.txt"


def bundled_path(relative: str) -> Path:
    """The installed copy of ``relative`` (e.g. ``templates/file/alert.j2``), else the checkout's."""
    installed = _PACKAGE_DIR / "_bundled" / relative
    if installed.exists():
        return installed
    return _CHECKOUT_ROOT / relative


def templates_dir() -> Path:
    """The folder of built-in templates."""
    return bundled_path("templates")


def sample_config() -> Path:
    """The sample config that ships with newsbot (``config/newsbot.yaml``)."""
    return bundled_path("config/newsbot.yaml")
