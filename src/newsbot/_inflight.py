"""How many sends the outbox keeps in flight: as many as help, never more than ``workers``.

More concurrent sends only help while each send waits on the far side (a platform tens of
milliseconds away). Against a receiver that answers at once the sends wait on this process's
own CPU instead, and every extra send in flight only adds switching and pooled connections to
check: 16 senders went slower than 4. So the limit follows TCP Vegas' rule on the sends' round
trips: ``queued = limit × (1 − fastest / mean)`` estimates how many sends are waiting on us
rather than on the receiver; below ``max(QUEUED_LOW, limit / 3)`` the limit grows by one,
above ``max(QUEUED_HIGH, limit / 2)`` it shrinks by one, once per ``limit`` sends, up to
``ceiling``. Since ``queued`` is below ``limit``, it never shrinks below ``QUEUED_HIGH`` (4, the
old default of senders): where it starts, or ``ceiling`` when lower.

Usage::

    inflight = InflightLimit(ceiling=workers)
    inflight.observe(round_trip_s)     # after each send that got an answer
    room = inflight.limit - busy
"""

from __future__ import annotations

START = 4  # where the limit starts (capped by the ceiling): level with the old default
QUEUED_LOW = 2.0  # fewer sends than this wait on our CPU: one more in flight can still help
QUEUED_HIGH = 4.0  # more than this: the CPU is the bottleneck, one fewer loses nothing


class InflightLimit:
    """The in-flight limit of one ``send_due`` call; see the module doc."""

    def __init__(self, ceiling: int) -> None:
        self.ceiling = max(1, ceiling)
        self.limit = min(self.ceiling, START)
        self.fastest_s = float("inf")
        self._sum_s = 0.0
        self._count = 0

    def observe(self, round_trip_s: float) -> None:
        """Count one send's round trip; every ``limit`` of them, move the limit by at most one."""
        self.fastest_s = min(self.fastest_s, round_trip_s)
        self._sum_s += round_trip_s
        self._count += 1
        if self._count < self.limit:
            return
        mean_s = self._sum_s / self._count
        self._sum_s, self._count = 0.0, 0
        if mean_s <= 0:
            return
        queued = self.limit * (1 - self.fastest_s / mean_s)
        # Scaled with the limit too: on a shared machine other processes' load stretches every
        # round trip a little, which a fixed band would read as our own queue (measured at
        # 20 ms: the limit sank to 8-13 of 16 and the rate with it).
        if queued < max(QUEUED_LOW, self.limit / 3):
            self.limit = min(self.ceiling, self.limit + 1)
        elif queued > max(QUEUED_HIGH, self.limit / 2):
            self.limit = max(1, self.limit - 1)
