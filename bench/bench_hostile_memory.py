"""Peak memory of one outbox run (16 senders) against an endpoint streaming an endless answer.

Every sender reads an answer that never ends (chunked, or framed by the connection's end)
until the transport's 4 MiB bound refuses it; this prints the process's peak RSS before and
after the run, and what became of the rows. Reuses the hostile server of
tests/test_outbox_hostile.py; run from the repository's root:

    .venv/bin/python bench/bench_hostile_memory.py chunked     # or: close
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.test_outbox_hostile import (
    HostileServer,
    _endless_chunks,
    _endless_close_framed,
    _fill,
    _rows,
    _send_due,
)

from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("framing", choices=["chunked", "close"])
    parser.add_argument("--rows", type=int, default=48)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="newsbot-bench-")
    engine = make_engine(f"sqlite:///{folder}/newsbot.db")
    upgrade(engine)
    _fill(engine, args.rows)
    before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    server = HostileServer(lambda conn, n: False)
    endless = _endless_chunks if args.framing == "chunked" else _endless_close_framed
    server.behave = endless(server)
    with server:
        asyncio.run(_send_due(engine, server.url, timeout_s=20))
    after_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    states = Counter(row.state for row in _rows(engine))
    print(
        f"{args.rows} rows, 16 senders, endless {args.framing} answers: peak RSS "
        f"{before_kib / 1024:.0f} MiB before the run, {after_kib / 1024:.0f} MiB after; "
        f"rows {dict(states)}"
    )


if __name__ == "__main__":
    main()
