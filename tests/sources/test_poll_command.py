"""``newsbot poll --once`` and ``newsbot backfill`` end to end: fake site, real SQLite file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import Session, func, select

from newsbot.cli import cli
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.store.tables import IssueRow
from newsbot.testing.sites import FakeArticle, FakePage, FakeSite

PAGES = [
    FakePage(
        "要闻", [FakeArticle("义乌国际商贸城迎来客流高峰", "本报讯 昨日，商贸城客流创新高。")]
    ),
    FakePage("综合", [FakeArticle("稠州路改造完工", "本报讯 稠州路改造工程完工通车。")]),
]


@pytest.fixture
def setup(tmp_path: Path, site: FakeSite) -> tuple[Path, str]:
    """A config with one epaper source on the fake site and a fresh database."""
    config = tmp_path / "newsbot.yaml"
    config.write_text(
        f"""\
admin:
  channel: admin
sources:
  - id: ywsb
    kind: epaper
    paper: 义乌商报
    url: "{site.url("/layout/{date:%Y%m/%d}/node_01.html")}"
    min_interval_s: 0
    timeout_s: 5
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
    return config, url


def _run(setup: tuple[Path, str], *args: str) -> tuple[int, str]:
    config, url = setup
    result = CliRunner().invoke(
        cli, ["--config", str(config), *args], env={"NEWSBOT_DATABASE_URL": url}
    )
    return result.exit_code, result.output


def _issues(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(IssueRow)).one()
    engine.dispose()
    return int(count)


def test_poll_once_prints_a_line_per_source_and_fails_on_errors(
    setup: tuple[Path, str], site: FakeSite
) -> None:
    """One line per source; the broken feed makes the exit status 1; a re-poll stores nothing."""
    site.publish_founder_pc(date(2025, 5, 16), PAGES)
    site.fail("/broken.xml", status=500)
    code, out = _run(setup, "poll", "--once", "--source", "ywsb", "--date", "2025-05-16")
    assert code == 0, out
    assert "ywsb: new issue 2025-05-16" in out
    code, out = _run(setup, "poll", "--once", "--source", "broken")
    assert code == 1, out
    assert "broken: error" in out
    assert "HTTP 500" in out
    code, out = _run(setup, "poll", "--once", "--source", "ywsb", "--date", "2025-05-16")
    assert code == 0, out
    assert out.startswith("ywsb: nothing new")
    assert _issues(setup[1]) == 1


def test_poll_needs_once(setup: tuple[Path, str]) -> None:
    """Without --once the command says to use `newsbot run` instead."""
    code, out = _run(setup, "poll")
    assert code == 2
    assert "newsbot run" in out


def test_backfill_is_idempotent(setup: tuple[Path, str], site: FakeSite) -> None:
    """Backfilling three days stores the two published issues; a second run stores nothing."""
    site.publish_founder_pc(date(2025, 5, 14), PAGES)
    site.publish_founder_pc(date(2025, 5, 16), PAGES)
    args = ("backfill", "--source", "ywsb", "--since", "2025-05-14", "--until", "2025-05-16")
    code, out = _run(setup, *args)
    assert code == 0, out
    assert "2 new, 1 no issue" in out
    assert _issues(setup[1]) == 2
    code, out = _run(setup, *args)
    assert code == 0, out
    assert "new issue" not in out
    assert _issues(setup[1]) == 2


def test_backfill_refuses_an_unknown_source(setup: tuple[Path, str]) -> None:
    """An unknown source id is a usage error naming it."""
    code, out = _run(setup, "backfill", "--source", "nope", "--since", "2025-05-01")
    assert code == 2
    assert "nope" in out


def test_backfill_refuses_since_after_until(setup: tuple[Path, str]) -> None:
    """--since after --until is a usage error naming --since; nothing is polled."""
    args = ("backfill", "--source", "ywsb", "--since", "2025-05-16", "--until", "2025-05-14")
    code, out = _run(setup, *args)
    assert code == 2
    assert "--since 2025-05-16 is after --until 2025-05-14" in out
    assert _issues(setup[1]) == 0
