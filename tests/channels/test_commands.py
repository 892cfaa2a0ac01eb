"""`newsbot channels list|test` and `newsbot deliveries`, run in-process on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session

from newsbot.cli import cli
from newsbot.models import Message
from newsbot.outbox import enqueue
from newsbot.store.db import make_engine
from newsbot.store.outbox import FAILED
from newsbot.store.tables import DeliveryRow
from newsbot.testing.platforms import KEY, WHSEC, FakePlatforms


@pytest.fixture
def setup(tmp_path: Path, fake: FakePlatforms) -> tuple[Path, str]:
    """A config with a webhook (at the fake), a wecom robot with a wrong key, and a migrated DB."""
    config = tmp_path / "newsbot.yaml"
    config.write_text(
        "sources:\n  - id: drop\n    kind: pagetext\n    folder: drop\n"
        "channels:\n"
        f"  - id: hook\n    kind: webhook\n    url: {fake.base_url}/webhook/hooks/newsbot\n"
        "    secret: {$env: TEST_WHSEC}\n"
        f"  - id: robot\n    kind: wecom\n    url: {fake.base_url}/wecom/cgi-bin/webhook/send\n"
        "    key: {$env: TEST_WECOM_KEY}\n"
        "subscribers:\n  - id: a\n    channels: [hook]\n    rules:\n      - id: r\n        any: [义乌]\n",
        encoding="utf-8",
    )
    database_url = f"sqlite:///{tmp_path / 'n.db'}"
    upgraded = _run(config, database_url, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    return config, database_url


def _run(config: Path, database_url: str, *args: str) -> Result:
    env = {
        "NEWSBOT_DATABASE_URL": database_url,
        "TEST_WHSEC": WHSEC,
        "TEST_WECOM_KEY": "wrong-key-123",
    }
    return CliRunner().invoke(
        cli, ["--config", str(config), *args], env=env, catch_exceptions=False
    )


def test_channels_test_prints_the_platform_s_answer(
    setup: tuple[Path, str], fake: FakePlatforms
) -> None:
    """A test message reaches the (signature-checking) receiver and its answer is printed."""
    result = _run(*setup, "channels", "test", "hook")
    assert result.exit_code == 0, result.output
    assert "accepted" in result.output
    assert fake.count("webhook") == 1
    assert fake.received[0].json()["type"] == "newsbot.test"


def test_channels_test_reports_a_refusal_and_exits_1(setup: tuple[Path, str]) -> None:
    """A wrong key: exit 1, the platform's error shown, the key itself never printed."""
    result = _run(*setup, "channels", "test", "robot")
    assert result.exit_code == 1
    assert "93000" in result.output
    assert "wrong-key-123" not in result.output


def test_channels_test_names_the_known_channels_for_a_typo(setup: tuple[Path, str]) -> None:
    """An unknown channel name is a usage error listing the configured ones."""
    result = _run(*setup, "channels", "test", "hokk")
    assert result.exit_code == 2
    assert "hook" in result.output


def test_channels_list_is_redacted(setup: tuple[Path, str]) -> None:
    """Each channel is listed with its kind; no secret appears."""
    result = _run(*setup, "channels", "list")
    assert result.exit_code == 0, result.output
    assert "webhook 'hook'" in result.output
    assert "wecom 'robot'" in result.output
    assert "wrong-key-123" not in result.output
    assert WHSEC not in result.output
    assert KEY not in result.output


def test_deliveries_lists_the_log_and_filters_failures(setup: tuple[Path, str]) -> None:
    """`deliveries` shows every row newest first; --failed keeps failed and dead ones."""
    config, database_url = setup
    engine = make_engine(database_url)
    now = datetime.now(UTC)
    with Session(engine) as session:
        for n in range(3):
            message = Message("webhook", "alert", f"提醒{n}", "{}")
            enqueue(session, dedupe_key=f"k{n}", kind="alert", channel_id="hook",
                    subscriber_id=None, article_id=None, message=message, now=now)  # fmt: skip
        session.commit()
        row = session.get(DeliveryRow, 2)
        assert row is not None
        row.state, row.last_error = FAILED, "HTTP 503: unavailable"
        session.add(row)
        session.commit()
    engine.dispose()
    everything = _run(config, database_url, "deliveries")
    assert everything.exit_code == 0, everything.output
    assert everything.output.index("提醒2") < everything.output.index("提醒0")
    failed = _run(config, database_url, "deliveries", "--failed", "--limit", "5")
    assert "提醒1" in failed.output
    assert "HTTP 503" in failed.output
    assert "提醒0" not in failed.output


def test_a_channel_whose_secret_is_unset_is_not_tried(
    setup: tuple[Path, str], fake: FakePlatforms
) -> None:
    """With its variable unset, `channels test` refuses before sending (a config problem, exit
    2) and `list` says why."""
    config, database_url = setup
    env = {"NEWSBOT_DATABASE_URL": database_url, "TEST_WHSEC": WHSEC}  # no TEST_WECOM_KEY
    args = ["--config", str(config), "channels"]
    tested = CliRunner().invoke(cli, [*args, "test", "robot"], env=env)
    listed = CliRunner().invoke(cli, [*args, "list"], env=env)
    assert tested.exit_code == 2
    assert "secret key is not set" in tested.output
    assert fake.count("wecom") == 0
    assert "waiting: secret key not set" in listed.output
