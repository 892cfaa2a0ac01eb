"""The scheduler's heartbeat: how /healthz tells a busy service from a stuck one.

The console answers from a thread of its own, so its answering proves only that the process
lives. The scheduler's event loop beats every second; /healthz fails once it has been
silent for ``stuck_after_s`` (a poll's extraction holds it for seconds, never minutes), so
a service manager restarts a wedged service instead of trusting it.

Usage::

    heartbeat = Heartbeat()
    task = asyncio.create_task(heartbeat.run())   # on the scheduler's loop
    heartbeat.silent_s()                          # from any thread
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

BEAT_INTERVAL_S = 1.0
STUCK_AFTER_S = 300.0


@dataclass
class Heartbeat:
    """The time of the last beat on the scheduler's loop, readable from the console's thread."""

    clock: Callable[[], float] = time.monotonic
    stuck_after_s: float = STUCK_AFTER_S
    last_beat: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.beat()

    def beat(self) -> None:
        """Record that the loop ran just now."""
        self.last_beat = self.clock()

    def silent_s(self) -> float:
        """Seconds since the last beat."""
        return max(0.0, self.clock() - self.last_beat)

    def stuck(self) -> bool:
        """True when the loop has been silent for longer than ``stuck_after_s``."""
        return self.silent_s() > self.stuck_after_s

    async def run(self, interval_s: float = BEAT_INTERVAL_S) -> None:
        """Beat every ``interval_s`` until cancelled."""
        while True:
            self.beat()
            await asyncio.sleep(interval_s)
