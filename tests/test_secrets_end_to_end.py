"""Secrets from the environment reach the platforms, and nowhere else: not the DB, logs or errors."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text

from newsbot.config import load_settings
from newsbot.demo import SAMPLE_DATE, SAMPLE_SOURCE_ID, demo_settings, serve_sample
from newsbot.pipeline import App, poll_source, send_due
from newsbot.store.db import make_engine
from newsbot.store.schema import upgrade
from newsbot.testing.platforms import KEY, SIGNING_SECRET, FakePlatforms

CONFIG = """\
admin:
  channel: admin
sources:
  - id: placeholder
    kind: pagetext
    folder: drop
channels:
  - id: shop-wecom
    kind: wecom
    url: {base}/wecom/cgi-bin/webhook/send
    key: {{$env: TEST_WECOM_KEY}}
  - id: desk-dingtalk
    kind: dingtalk
    url: {base}/dingtalk/robot/send
    access_token: {{$env: TEST_DINGTALK_TOKEN}}
    secret: {{$env: TEST_DINGTALK_SECRET}}
  - id: admin
    kind: file
    path: admin.txt
subscribers:
  - id: shop
    channels: [shop-wecom, desk-dingtalk]
    rules:
      - id: fraud
        match: 电信网络诈骗 OR 反洗钱
        deliver: alert
"""


def database_text(engine: Engine) -> str:
    """Every text value of every table, concatenated: what an attacker with the DB would read."""
    chunks: list[str] = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):
                chunks.extend(str(value) for value in row)
    return "\n".join(chunks)


@pytest.mark.parametrize("wecom_answer", ["ok", "gone"])
def test_secrets_reach_the_platform_and_never_the_database_or_logs(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    wecom_answer: str,
) -> None:
    """Signed, keyed deliveries succeed (or fail permanently) without the secrets leaking."""
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.DEBUG)
    environ = {
        "TEST_WECOM_KEY": KEY,
        "TEST_DINGTALK_TOKEN": KEY,
        "TEST_DINGTALK_SECRET": SIGNING_SECRET,
    }
    engine = make_engine(f"sqlite:///{tmp_path / 'n.db'}")
    upgrade(engine)
    with FakePlatforms() as fake, serve_sample() as base_url:
        path = tmp_path / "newsbot.yaml"
        path.write_text(CONFIG.format(base=fake.base_url), encoding="utf-8")
        settings = load_settings(path, environ=environ)
        sample = demo_settings(settings, base_url, sink_dir=tmp_path / "sink")
        settings = replace(
            settings,
            sources=sample.sources,
            source_references=sample.source_references,
        )
        app = App(settings, engine)
        fake.script("wecom", wecom_answer)
        report = asyncio.run(poll_source(app, SAMPLE_SOURCE_ID, day=SAMPLE_DATE))
        outbox = asyncio.run(send_due(app))
        received = list(fake.received)
    assert report.alerts >= 2
    assert fake_count(received, "dingtalk") >= 1
    if wecom_answer == "ok":
        assert outbox.dead == 0
        assert fake_count(received, "wecom") >= 1
    else:
        assert outbox.dead >= 1
    stored = database_text(engine)
    engine.dispose()
    assert "TEST_WECOM_KEY" in stored  # the reference is kept ...
    for secret in (KEY, SIGNING_SECRET):
        assert secret not in stored  # ... the value never
        assert secret not in caplog.text


def fake_count(received: list[object], kind: str) -> int:
    return sum(1 for r in received if getattr(r, "kind", None) == kind)
