"""`newsbot match` and `newsbot subscribers` through click, on a real SQLite file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import func, select

from newsbot.cli import cli
from newsbot.models import Issue, RawIssue
from newsbot.pipeline import App
from newsbot.store.articles import save_issue
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.store.tables import DeliveryRow, MatchRow

from .conftest import FIXTURE, FRAUD, JOBS_FRAUD, MONEY, SKILLS

CONFIG = """\
sources:
  - id: drop
    kind: pagetext
    folder: drop
channels:
  - id: local
    kind: file
    path: out.txt
subscribers:
  - id: shop
    name: 陈老板
    role: merchant
    channels: [local]
    quiet_hours: "23:00-06:30"
    rules:
      - id: fraud
        match: '(电信网络诈骗 OR 反洗钱) NOT 招聘'
        deliver: alert
      - id: skills
        any: [跨境电商, 摩洛哥]
        fields: [headline]
        sources: [drop]
  - id: idle
    channels: [local]
    active: false
"""


def empty_setup(tmp_path: Path, sqlite_url: str) -> tuple[Path, str]:
    """The config file and a migrated, empty SQLite database."""
    config = tmp_path / "newsbot.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    engine = make_engine(sqlite_url)
    upgrade(engine)
    engine.dispose()
    return config, sqlite_url


@pytest.fixture
def setup(tmp_path: Path, sqlite_url: str) -> tuple[Path, str]:
    """A config file and a migrated SQLite database holding one issue of four articles."""
    config, _ = empty_setup(tmp_path, sqlite_url)
    (tmp_path / "drop").mkdir()
    with App.open(config, sqlite_url) as app:
        app.sync_config()
        with app.session() as session:
            raw = RawIssue(source_id="drop", issue_key="2025-05-16", documents=())
            issue = Issue(articles=(FRAUD, MONEY, SKILLS, JOBS_FRAUD))
            save_issue(session, raw, issue, now=datetime(2025, 5, 16, 6, tzinfo=UTC))
            session.commit()
    return config, sqlite_url


def run(setup: tuple[Path, str], *args: str) -> Result:
    config, url = setup
    return CliRunner().invoke(
        cli, ["--config", str(config), *args], env={"NEWSBOT_DATABASE_URL": url}
    )


def test_match_latest_shows_rule_term_field_and_sends_nothing(setup: tuple[Path, str]) -> None:
    """Each matching article is printed with its rule and "matched X in field"; nothing is stored."""
    result = run(setup, "match", "--subscriber", "shop")
    assert result.exit_code == 0, result.output
    assert "rule shop/fraud [alert]" in result.output
    assert "matched 电信网络诈骗 in headline" in result.output
    assert "matched 反洗钱 in body" in result.output
    assert "rule shop/skills [digest]" in result.output  # the source scope is the issue's
    assert JOBS_FRAUD.headline not in result.output  # 招聘 excludes it
    assert (
        "3 of 4 articles in issue 1 (drop 2025-05-16) matched; nothing was sent." in result.output
    )
    with App.open(setup[0], setup[1]) as app, app.session() as session:
        assert session.exec(select(func.count()).select_from(MatchRow)).one() == 0
        assert session.exec(select(func.count()).select_from(DeliveryRow)).one() == 0


def test_match_stored_issue_by_id_as_json(setup: tuple[Path, str]) -> None:
    """--issue ID --json prints each matching article with its explanations as JSON."""
    result = run(setup, "match", "--subscriber", "shop", "--issue", "1", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert [a["headline"] for a in found] == [FRAUD.headline, MONEY.headline, SKILLS.headline]
    money = found[1]["matches"][0]
    assert money["rule_id"] == "shop/fraud"
    assert money["explanations"][0]["term"] == "反洗钱"
    assert money["explanations"][0]["field"] == "body"
    assert "反洗钱" in money["explanations"][0]["snippet"]


def test_match_a_page_file(setup: tuple[Path, str]) -> None:
    """A page text file is extracted and matched; a source-scoped rule needs --source."""
    without = run(setup, "match", "--subscriber", "shop", "--issue", str(FIXTURE))
    assert without.exit_code == 0, without.output
    assert "matched 反洗钱 in body" in without.output
    assert "shop/skills" not in without.output
    assert "nothing was sent" in without.output
    scoped = run(
        setup, "match", "--subscriber", "shop", "--issue", str(FIXTURE), "--source", "drop"
    )
    assert scoped.exit_code == 0, scoped.output
    assert "shop/skills" in scoped.output
    assert "matched 摩洛哥 in headline" in scoped.output


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["--subscriber", "nobody"], 2, "unknown subscriber 'nobody' (known: idle, shop)"),
        (["--subscriber", "shop", "--issue", "99"], 1, "no stored issue with id 99"),
        (["--subscriber", "shop", "--issue", "no/such/file.txt"], 2, "not LATEST, an issue id"),
    ],
)
def test_match_errors_are_one_line_and_exit_1(
    setup: tuple[Path, str], args: list[str], code: int, words: str
) -> None:
    """Unknown subscriber or unreadable file (usage, status 2), unknown issue (status 1): one
    error line."""
    result = run(setup, "match", *args)
    assert result.exit_code == code
    assert words in result.output
    assert "Traceback" not in result.output


def test_match_without_any_issue_says_what_to_do(tmp_path: Path, sqlite_url: str) -> None:
    """With nothing polled yet, LATEST says to poll or pass a file."""
    result = run(empty_setup(tmp_path, sqlite_url), "match", "--subscriber", "shop")
    assert result.exit_code == 1
    assert "no issue stored yet" in result.output


def test_subscribers_list_and_show(setup: tuple[Path, str]) -> None:
    """`subscribers list` has a line per subscriber; `show` prints every rule as configured."""
    listed = run(setup, "subscribers", "list")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split("\t")[:3] == ["shop", "陈老板", "merchant"]
    assert "rules=2" in lines[0]
    assert lines[1].startswith("idle\t")
    assert lines[1].endswith("(inactive)")
    shown = run(setup, "subscribers", "show", "shop")
    assert shown.exit_code == 0, shown.output
    assert "quiet hours: 23:00-06:30" in shown.output
    assert "rule shop/fraud [alert]" in shown.output
    assert "match: (电信网络诈骗 OR 反洗钱) NOT 招聘" in shown.output
    assert "rule shop/skills [digest] fields=headline" in shown.output
    assert "sources: drop" in shown.output
    missing = run(setup, "subscribers", "show", "nobody")
    assert missing.exit_code == 2
    assert "unknown subscriber 'nobody'" in missing.output
