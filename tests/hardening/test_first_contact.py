"""What a new user meets first: the README tour offline, the demo at any hour, short errors.

Real processes where the user runs one (`newsbot …` in a fresh folder, `make -n`), the demo
run in-process on a real SQLite file with the clock it would have at 04:17 in Shanghai.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlmodel import Session

from newsbot.cli import cli
from newsbot.errors import short_error
from newsbot.store.db import make_engine
from newsbot.store.outbox import FAILED, SENDING, Outcome, apply_outcomes, mark_channel_failing
from newsbot.store.tables import ChannelRow, DeliveryRow

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PAGE = ROOT / "tests" / "fixtures" / "ywsb-2025-05-16-p1.txt"
PLATFORM_PAGE = (
    "HTTP 502: <!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title>"
    "<style>body { width: 35em; margin: 0 auto; }</style></head>\n<body>\n"
    + "<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n" * 12
    + "</body></html>\n"
)


def _tour_commands() -> list[str]:
    """The README tour's `newsbot` lines a user can run offline (the marked step and what
    depends on it, and the endless `run`, left out)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = readme.split("## A five-minute tour", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = []
    for line in tour.splitlines():
        command = line.split("  #", 1)[0].strip()
        if not command.startswith("newsbot ") or "NEEDS THE NETWORK" in line:
            continue
        if "then:" in line or command == "newsbot run":
            continue
        commands.append(command)
    return commands


@pytest.mark.slow
def test_the_readme_tour_works_offline_end_to_end(tmp_path: Path) -> None:
    """Every offline step of the README tour succeeds, in order, in a fresh checkout-like
    folder with no network and no NEWSBOT_DATABASE_URL; the match step explains a match."""
    shutil.copytree(ROOT / "config", tmp_path / "config")
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    shutil.copy(SAMPLE_PAGE, tmp_path / "tests" / "fixtures")
    shutil.copytree(
        ROOT / "tests" / "fixtures" / "extract" / "epaper_html",
        tmp_path / "tests" / "fixtures" / "extract" / "epaper_html",
    )
    env = {k: v for k, v in os.environ.items() if k != "NEWSBOT_DATABASE_URL"}
    commands = _tour_commands()
    assert len(commands) >= 8, commands
    outputs = {}
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-m", "newsbot", *shlex.split(command)[1:]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr
        outputs[command] = done.stdout
    matched = next(out for cmd, out in outputs.items() if cmd.startswith("newsbot match"))
    assert "merchant-chen:" in matched
    assert "matched" in matched
    assert re.search(r"[1-9]\d* of \d+ articles", matched), matched


def test_the_tour_marks_the_one_step_that_needs_the_network() -> None:
    """The README says which tour step needs the network, and it is `poll`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    marked = [line for line in readme.splitlines() if "NEEDS THE NETWORK" in line]
    assert len(marked) == 1
    assert marked[0].startswith("newsbot poll")


def test_a_cold_make_demo_says_what_it_is_doing() -> None:
    """`make demo` on a machine without .venv announces the install before pip goes quiet."""
    plan = subprocess.run(
        ["make", "-n", "-W", "pyproject.toml", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    assert plan.index("installing packages") < plan.index("pip install")
    assert "running the demo on the bundled sample issue" in plan


def _demo(tmp_path: Path, at: datetime) -> list[str]:
    """One demo run with its clock reading ``at``; its closing report."""
    from newsbot import demo
    from newsbot.config import load_settings
    from newsbot.pipeline import App
    from newsbot.store.schema import upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    try:
        with demo.serve_sample() as base_url:
            settings = demo.demo_settings(
                load_settings(ROOT / "config" / "newsbot.yaml"), base_url, sink_dir=tmp_path
            )
            app = App(settings, engine, clock=demo.demo_clock(at))
            return asyncio.run(demo.run_demo(app)).lines()
    finally:
        engine.dispose()


def test_at_night_the_demo_says_whose_quiet_hours_hold_what_and_until_when(
    tmp_path: Path,
) -> None:
    """At 04:17 in Shanghai the merchant's alerts wait for her quiet hours (23:00-06:30): the
    report says so, whose and until when; a second run does not claim it again."""
    night = datetime(2025, 5, 16, 4, 17, tzinfo=ZoneInfo("Asia/Shanghai"))
    first = _demo(tmp_path, night)
    held = [line for line in first if line.startswith("held for quiet hours")]
    assert len(held) == 1, first
    assert "for merchant-chen (quiet 23:00-06:30; sent after 2025-05-16 06:30 CST)" in held[0]
    second = _demo(tmp_path, night + timedelta(minutes=1))
    assert second[0].startswith("nothing new")
    assert "messages sent: 0" in second
    assert not any(line.startswith("held for quiet hours") for line in second)
    assert any(line.startswith("still held from an earlier run: ") for line in second)


def test_the_demo_command_shows_the_same_at_any_hour(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`newsbot demo` runs on the issue's morning whatever the hour: nothing is held, the
    digests are dated by the issue, and the second run says `make clean` starts over."""
    monkeypatch.chdir(tmp_path)
    env = {"NEWSBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    args = ["--config", str(ROOT / "config" / "newsbot.yaml"), "demo"]
    first = CliRunner().invoke(cli, args, env=env)
    assert first.exit_code == 0, first.output
    assert "held for quiet hours" not in first.output
    assert "每日摘要 2025-05-16" in first.output
    assert f"每日摘要 {datetime.now(UTC):%Y-%m-%d}" not in first.output
    second = CliRunner().invoke(cli, args, env=env)
    assert "nothing new: the sample issue was already stored (`make clean` starts over)" in (
        second.output
    )
    assert "delete var/demo" not in second.output


def test_a_platform_error_page_is_stored_as_one_short_line_with_its_code(
    tmp_path: Path,
) -> None:
    """A delivery failing with a platform's whole HTML page stores one short line that keeps
    the code; `deliveries` and `channels list` print one line each, not the page."""
    url = f"sqlite:///{tmp_path / 'n.db'}"
    config = tmp_path / "newsbot.yaml"
    config.write_text(
        "channels:\n  - id: out\n    kind: file\n    path: out.txt\n"
        "subscribers:\n  - id: a\n    channels: [out]\n    rules:\n      - id: r\n"
        "        any: [义乌]\n",
        encoding="utf-8",
    )
    env = {"NEWSBOT_DATABASE_URL": url}
    base = ["--config", str(config)]
    for args in (["db", "upgrade"], ["config", "apply"]):
        assert CliRunner().invoke(cli, [*base, *args], env=env).exit_code == 0
    engine = make_engine(url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        session.add(
            DeliveryRow(
                dedupe_key="k", kind="alert", channel_id="out", message_json='{"title": "t"}',
                state=SENDING, claimed_by="w/claim", next_attempt_at=now, created_at=now,
                updated_at=now,
            )
        )  # fmt: skip
        session.commit()
        outcome = Outcome(1, "w/claim", FAILED, now, error=PLATFORM_PAGE, next_attempt_at=now)
        apply_outcomes(session, [outcome])
        mark_channel_failing(session, "out", PLATFORM_PAGE)
        stored = session.get(DeliveryRow, 1)
        channel = session.get(ChannelRow, "out")
        assert stored is not None
        assert channel is not None
        stored_error, channel_error = stored.last_error, channel.last_error
    engine.dispose()
    assert stored_error == channel_error == short_error(PLATFORM_PAGE)
    assert stored_error is not None
    assert "\n" not in stored_error
    assert len(stored_error) <= 200
    assert stored_error.startswith("HTTP 502: 502 Bad Gateway")
    assert "<" not in stored_error
    assert "35em" not in stored_error
    listed = CliRunner().invoke(cli, [*base, "deliveries", "--failed"], env=env)
    assert listed.exit_code == 0, listed.output
    assert len(listed.output.splitlines()) == 2, listed.output
    channels = CliRunner().invoke(cli, [*base, "channels", "list"], env=env)
    assert channels.output.count("\n") == 1, channels.output
    assert "FAILING: HTTP 502: 502 Bad Gateway" in channels.output


def test_status_of_a_source_never_polled_and_times_in_the_config_zone(tmp_path: Path) -> None:
    """`status` says "never polled yet" for a new source, and shows a polled one's times in
    the config's time zone (Asia/Shanghai, UTC+8), not UTC."""
    url = f"sqlite:///{tmp_path / 'n.db'}"
    config = tmp_path / "newsbot.yaml"
    config.write_text(
        "timezone: Asia/Shanghai\n"
        "sources:\n  - id: new\n    kind: pagetext\n    folder: drop\n"
        "  - id: old\n    kind: pagetext\n    folder: drop\n",
        encoding="utf-8",
    )
    (tmp_path / "drop").mkdir()
    env = {"NEWSBOT_DATABASE_URL": url}
    base = ["--config", str(config)]
    for args in (["db", "upgrade"], ["config", "apply"]):
        assert CliRunner().invoke(cli, [*base, *args], env=env).exit_code == 0
    from newsbot.store.tables import SourceRow

    engine = make_engine(url)
    with Session(engine) as session:
        row = session.get(SourceRow, "old")
        assert row is not None
        row.last_polled_at = datetime(2025, 5, 16, 1, 0, tzinfo=UTC)
        row.last_outcome = "new"
        session.add(row)
        session.commit()
    engine.dispose()
    result = CliRunner().invoke(cli, [*base, "status"], env=env)
    assert result.exit_code == 0, result.output
    assert "sources (times in Asia/Shanghai):" in result.output
    assert "  new: never polled yet, 0 issues" in result.output
    assert "  old: last new at 2025-05-16 09:00, 0 issues" in result.output
    assert "never polled at" not in result.output


def test_extract_takes_its_topics_from_the_config_named_by_config(tmp_path: Path) -> None:
    """`newsbot --config X extract PAGE` tags articles with X's topic catalog, not with
    config/topics.yaml of the working folder or the bundled one."""
    (tmp_path / "topics.yaml").write_text(
        "topics:\n  - id: governance\n    name: 治理\n    terms: [精准治理]\n", encoding="utf-8"
    )
    config = tmp_path / "newsbot.yaml"
    config.write_text("topics_file: topics.yaml\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "extract", str(SAMPLE_PAGE)])
    assert result.exit_code == 0, result.output
    topics = {t for article in json.loads(result.stdout)["articles"] for t in article["topics"]}
    assert topics == {"governance"}


def test_backfill_prints_its_plan_before_the_first_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`backfill` says which days it will fill (first, last, how many) before polling any."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "drop").mkdir()
    config = tmp_path / "newsbot.yaml"
    config.write_text(
        "sources:\n  - id: drop\n    kind: pagetext\n    folder: drop\n", encoding="utf-8"
    )
    env = {"NEWSBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'n.db'}"}
    base = ["--config", str(config)]
    assert CliRunner().invoke(cli, [*base, "db", "upgrade"], env=env).exit_code == 0
    args = ["backfill", "--source", "drop", "--since", "2025-05-01", "--until", "2025-05-03"]
    result = CliRunner().invoke(cli, [*base, *args], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "backfill drop: 2025-05-01 to 2025-05-03, 3 days"
