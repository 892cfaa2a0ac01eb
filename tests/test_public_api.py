"""A small public surface: each package re-exports a short, sorted, complete ``__all__``."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = ["newsbot", "newsbot.extract", "newsbot.match", "newsbot.sources", "newsbot.channels"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_every_name_exists(name: str) -> None:
    """``__all__`` is sorted, has no duplicates, and every name in it is importable."""
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported)
    assert len(set(exported)) == len(exported)
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == []


@pytest.mark.parametrize("name", PACKAGES)
def test_no_public_name_is_left_out_of_all(name: str) -> None:
    """Every public (non-underscore, non-module) attribute defined in the package is exported."""
    import types

    module = importlib.import_module(name)
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and not isinstance(v, types.ModuleType)
        and getattr(v, "__module__", name).startswith(name)
        and n not in {"annotations"}
    }
    assert public <= set(module.__all__), sorted(public - set(module.__all__))
