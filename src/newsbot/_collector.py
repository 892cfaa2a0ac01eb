"""Pausing Python's cyclic garbage collector around work that makes many acyclic objects.

Compiling 100,000 rules, or storing one big poll's matches, makes hundreds of thousands of
short-lived objects with no reference cycles; the cyclic collector would walk them over and
over (a fifth of the CPU, measured in bench/bench_match.py and bench/bench_pipeline.py). They
are freed by reference counting all the same.

Usage::

    with collector_paused():
        build_many_objects()
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector's state is restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
