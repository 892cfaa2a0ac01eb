"""The command line as a user runs it: real subprocesses, a real SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def newsbot(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout_s: float = 120
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.pop(
        "NEWSBOT_DATABASE_URL", None
    ) if env is None or "NEWSBOT_DATABASE_URL" not in env else None
    return subprocess.run(
        [sys.executable, "-m", "newsbot", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )


def test_help_is_fast_because_it_loads_no_heavy_modules() -> None:
    """`newsbot --help` imports neither jieba nor SQLAlchemy nor httpx (they cost seconds)."""
    code = (
        "import sys; from newsbot.cli import cli; sys.argv=['newsbot','--help']\n"
        "try:\n    cli()\nexcept SystemExit:\n    pass\n"
        "print('HEAVY', sorted(m for m in ('jieba','sqlalchemy','httpx','sqlmodel') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY []" in out
    assert "demo" in out
    assert "run" in out


def test_demo_runs_end_to_end_then_finds_nothing_new(tmp_path: Path) -> None:
    """`newsbot demo` delivers the sample's messages to files; run again, it says nothing is new."""
    first = newsbot("--config", str(ROOT / "config" / "newsbot.yaml"), "demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "issue found: 义乌商报 2025-05-16" in first.stdout
    assert "messages sent: 0" not in first.stdout
    sinks = list((tmp_path / "var" / "demo" / "outbox").glob("*.txt"))
    assert sinks, "the local sink wrote no file"
    assert "电信网络诈骗" in "".join(p.read_text(encoding="utf-8") for p in sinks)
    second = newsbot("--config", str(ROOT / "config" / "newsbot.yaml"), "demo", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "nothing new" in second.stdout
    assert "messages sent: 0" in second.stdout


def test_config_check_prints_file_line_problems_and_fails(tmp_path: Path) -> None:
    """`config check` exits 2 (a config problem) and prints `file:line: message`."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - id: x\n    kind: nope\nsubscribers: []\n", encoding="utf-8")
    result = newsbot("--config", str(bad), "config", "check", cwd=tmp_path)
    assert result.returncode == 2
    assert f"{bad}:3: source 'x': unknown kind 'nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_check_accepts_the_sample_config(tmp_path: Path) -> None:
    """The shipped sample config is valid; unset secret variables are warnings, not errors."""
    result = newsbot(
        "--config", str(ROOT / "config" / "newsbot.yaml"), "config", "check", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert ": ok (" in result.stdout


def test_commands_refuse_an_unmigrated_database_and_say_what_to_run(tmp_path: Path) -> None:
    """A command on an empty database exits 1 naming `newsbot db upgrade`; after it, it works."""
    env = {"NEWSBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'n.db'}"}
    config = str(ROOT / "config" / "newsbot.yaml")
    refused = newsbot("--config", config, "status", cwd=tmp_path, env=env)
    assert refused.returncode == 1
    assert "newsbot db upgrade" in refused.stderr
    upgraded = newsbot("db", "upgrade", cwd=tmp_path, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert "schema upgraded from empty" in upgraded.stdout
    assert newsbot("--config", config, "status", cwd=tmp_path, env=env).returncode == 0


def _seed_pending_delivery(database_url: str, config: Path) -> None:
    """Put one pending message in the outbox, as a crashed earlier run would have left it."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from newsbot.config import load_settings
    from newsbot.models import Message
    from newsbot.outbox import enqueue
    from newsbot.store.db import make_engine
    from newsbot.store.sync import apply_settings

    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        apply_settings(session, load_settings(config, environ={}), now=now)
        message = Message(
            channel_kind="file", kind="alert", title="留在发件箱里的提醒", body="留在发件箱里的提醒"
        )
        enqueue(
            session,
            dedupe_key="left-over",
            kind="alert",
            channel_id="local",
            subscriber_id="a",
            article_id=None,
            message=message,
            now=now,
        )
        session.commit()
    engine.dispose()


@pytest.mark.slow
def test_run_sends_pending_work_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """`newsbot run` sends what an earlier run left pending, and exits 0 on SIGTERM."""
    database_url = f"sqlite:///{tmp_path / 'n.db'}"
    env = {**os.environ, "NEWSBOT_DATABASE_URL": database_url}
    config = tmp_path / "newsbot.yaml"
    config.write_text(
        "sources:\n  - id: drop\n    kind: pagetext\n    folder: drop\n"
        "channels:\n  - id: local\n    kind: file\n    path: out.txt\n"
        "subscribers:\n  - id: a\n    channels: [local]\n    rules:\n"
        "      - id: r\n        match: 反诈\n",
        encoding="utf-8",
    )
    (tmp_path / "drop").mkdir()
    assert newsbot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    _seed_pending_delivery(database_url, config)
    process = subprocess.Popen(
        [sys.executable, "-m", "newsbot", "--config", str(config), "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sink = tmp_path / "out.txt"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            sink.exists() and "留在发件箱" in sink.read_text("utf-8")
        ):
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert "留在发件箱里的提醒" in sink.read_text(encoding="utf-8")
    assert process.returncode == 0, err
    assert "newsbot running" in out
    assert "newsbot stopped" in out


def test_status_lists_active_sources_first_with_their_issues_and_the_outbox(
    tmp_path: Path,
) -> None:
    """`status` reads the console's source list: active sources (by id) before removed ones,
    each with its stored issue count, then the outbox by state."""
    from click.testing import CliRunner

    from newsbot.cli import cli
    from newsbot.store.db import make_engine
    from newsbot.store.schema import upgrade

    database_url = f"sqlite:///{tmp_path / 'n.db'}"
    engine = make_engine(database_url)
    upgrade(engine)
    engine.dispose()
    tail = (
        "channels:\n  - id: local\n    kind: file\n    path: out.txt\n"
        "subscribers:\n  - id: a\n    channels: [local]\n    rules:\n"
        "      - id: r\n        match: 反诈\n"
    )
    source = "  - id: {0}\n    kind: pagetext\n    folder: {0}\n"
    config = tmp_path / "newsbot.yaml"
    config.write_text("sources:\n" + source.format("aa") + source.format("zz") + tail)
    _seed_pending_delivery(database_url, config)
    config.write_text("sources:\n" + source.format("zz") + tail)  # aa removed
    env = {"NEWSBOT_DATABASE_URL": database_url}
    CliRunner().invoke(cli, ["--config", str(config), "config", "apply"], env=env)
    result = CliRunner().invoke(cli, ["--config", str(config), "status"], env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith("  zz: never polled yet, 0 issues")
    assert lines[2].startswith("  aa (removed): never polled yet, 0 issues")
    assert lines[-1] == "outbox: pending 1"
