"""Log lines carry fixed keys after the message, never data inside it."""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsbot._logging import KeyValueFormatter
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.testing.sites import FakeSite

NEWSBOT = [sys.executable, "-m", "newsbot"]


@pytest.fixture
def site() -> Iterator[FakeSite]:
    """A fake news site on 127.0.0.1."""
    with FakeSite() as fake:
        yield fake


def test_fixed_keys_follow_the_message_in_a_fixed_order() -> None:
    """`extra` keys print as key=value after the message, quoted when they hold spaces."""
    record = logging.LogRecord(
        "newsbot.ingest", logging.WARNING, __file__, 1, "poll failed", None, None
    )
    record.error = "HTTP 500 for http://x/"
    record.source = "ywsb"
    line = KeyValueFormatter("%(levelname)s %(name)s %(message)s").format(record)
    assert line == 'WARNING newsbot.ingest poll failed source=ywsb error="HTTP 500 for http://x/"'


def test_a_line_without_keys_is_just_the_message() -> None:
    """Records without newsbot's keys are left as the base format prints them."""
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    assert KeyValueFormatter("%(message)s").format(record) == "hello you"


# The real command line, in its own process ------------------------------------------------------

LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?P<level>[A-Z]+) (?P<logger>\S+) (?P<rest>.*)$"
)


def _config(tmp_path: Path, site: FakeSite) -> tuple[Path, dict[str, str]]:
    config = tmp_path / "newsbot.yaml"
    config.write_text(
        f"""\
sources:
  - id: broken
    kind: feed
    url: "{site.url("/broken.xml")}"
    min_interval_s: 0
channels:
  - id: admin
    kind: file
    path: {tmp_path / "admin.txt"}
""",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'newsbot.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return config, {**os.environ, "NEWSBOT_DATABASE_URL": url}


@pytest.mark.slow
def test_a_command_logs_time_level_logger_message_then_the_fixed_keys(
    tmp_path: Path, site: FakeSite
) -> None:
    """`newsbot poll --once` on a failing source logs one line: UTC time, level, logger,
    message, then `source=` and `error=` (the README's format), not a bare message."""
    site.fail("/broken.xml", status=500)
    config, env = _config(tmp_path, site)
    done = subprocess.run(
        [*NEWSBOT, "--config", str(config), "poll", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    failed = [m for m in map(LINE.match, done.stderr.splitlines()) if m]
    assert [(m["level"], m["logger"]) for m in failed] == [("WARNING", "newsbot.ingest")]
    assert re.fullmatch(r'poll failed source=broken error=".*HTTP 500.*"', failed[0]["rest"])


def _run_until(config: Path, env: dict[str, str], *flags: str, wanted: str) -> list[str]:
    """Start `newsbot [flags] run`, read stderr until a line holds ``wanted``, then SIGTERM."""
    command = [*NEWSBOT, "--config", str(config), *flags, "run"]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if wanted in line:
                break
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)  # drains stderr, so a full pipe cannot block the stop
    return lines


@pytest.mark.slow
def test_run_logs_at_info_and_minus_v_adds_debug(tmp_path: Path, site: FakeSite) -> None:
    """`newsbot run` sets up the same logging: its INFO "polled" line carries the source and
    outcome keys; libraries stay at WARNING; without -v there is no DEBUG line, with -v there is."""
    site.fail("/broken.xml", status=500)
    (tmp_path / "quiet").mkdir()
    (tmp_path / "verbose").mkdir()
    config, env = _config(tmp_path / "quiet", site)
    quiet = _run_until(config, env, wanted="polled")
    polled = [m for m in map(LINE.match, quiet) if m and m["rest"].startswith("polled")]
    assert polled
    assert polled[0]["level"] == "INFO"
    assert polled[0]["rest"] == "polled source=broken outcome=error"
    assert not any(m and m["level"] == "DEBUG" for m in map(LINE.match, quiet))
    assert all(m["logger"].startswith("newsbot") for m in map(LINE.match, quiet) if m)
    config, env = _config(tmp_path / "verbose", site)  # a fresh database: polled at once
    verbose = _run_until(config, env, "-v", wanted="polled")
    assert any(m and m["level"] == "DEBUG" for m in map(LINE.match, verbose))
