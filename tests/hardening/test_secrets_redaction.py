"""Secrets: refused when written inline, and never shown once known.

Inline secrets hide in channel keys, URL queries, ``user:pass@``, headers, bot-token and
SendKey paths: `config check` refuses each without printing it. Values that come from
``{$env: NAME}`` are registered once and scrubbed from every output: `channels list`,
`channels test` (even when the platform echoes the request back), `-v` log lines, stored
errors and `deliveries`.
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlmodel import Session, select
from tests.hardening._harness import Case, cfg, check_in_process

from newsbot.channels import build_channel
from newsbot.channels.webhook import WebhookOptions
from newsbot.cli import cli
from newsbot.models import Message
from newsbot.outbox import enqueue
from newsbot.pipeline import App, send_due
from newsbot.secrets import RedactingFilter, Secret, inline_secret, scrub
from newsbot.store.tables import DeliveryRow
from newsbot.testing.platforms import KEY, TELEGRAM_TOKEN, WHSEC, FakePlatforms

PLANTED = "planted-Secret-4f9c2d71"
AUTH = "Bearer auth-value-88c1e3"


def _channel(snippet: str) -> str:
    return cfg(channels=snippet)


INLINE_CASES = [
    Case(
        "wecom key literal",
        _channel(f"- {{id: w, kind: wecom, key: {PLANTED}}}"),
        "key is a secret",
    ),
    Case(
        "dingtalk token literal",
        _channel(f"- {{id: d, kind: dingtalk, access_token: {PLANTED}}}"),
        "access_token is a secret",
    ),
    Case(
        "telegram token literal",
        _channel(f"- {{id: t, kind: telegram, token: '1:{PLANTED}', chat_id: '1'}}"),
        "token is a secret",
    ),
    Case(
        "slack hook literal",
        _channel(
            f"- {{id: s, kind: slack, webhook_url: 'https://hooks.slack.com/services/{PLANTED}'}}"
        ),
        "a webhook token",
    ),
    *(
        Case(
            f"feed ?{param}=",
            cfg().replace("rss.xml", f"rss.xml?{param}={PLANTED}"),
            "a secret is written into this URL",
        )
        for param in (
            "key",
            "apikey",
            "api_key",
            "token",
            "access_token",
            "password",
            "sign",
            "secret",
        )
    ),
    Case("feed user:pass@", cfg().replace("https://", f"https://bob:{PLANTED}@"), "user:password@"),
    Case(
        "epaper ?token=",
        cfg(
            sources=f"- {{id: ep, kind: epaper, url: 'https://a.cn/{{date:%Y%m%d}}/1.html?token={PLANTED}'}}"
        ),
        "credential query parameter",
    ),
    Case(
        "Authorization header literal",
        _channel(
            f"- {{id: h, kind: webhook, url: 'https://a.cn/in', headers: {{Authorization: 'Bearer {PLANTED}'}}}}"
        ),
        "header Authorization is a credential",
    ),
    Case(
        "X-Api-Key header literal",
        _channel(
            f"- {{id: h, kind: webhook, url: 'https://a.cn/in', headers: {{X-Api-Key: {PLANTED}}}}}"
        ),
        "header X-Api-Key is a credential",
    ),
    Case(
        "telegram bot token in the path",
        _channel(
            f"- {{id: h, kind: webhook, url: 'https://api.telegram.org/bot12345:{PLANTED}/sendMessage'}}"
        ),
        "a Telegram bot token",
    ),
    Case(
        "ServerChan SendKey in the path",
        _channel(f"- {{id: h, kind: webhook, url: 'https://sctapi.ftqq.com/SCT{PLANTED}.send'}}"),
        "a ServerChan SendKey",
    ),
    Case(
        "console token literal",
        cfg(top=f"http: {{listen: '0.0.0.0:8080', token: {PLANTED}}}"),
        "http: token is a secret",
    ),
]


@pytest.mark.parametrize("case", INLINE_CASES, ids=str)
def test_config_check_refuses_inline_secrets_without_showing_them(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each place a secret can hide is refused by `config check` (exit 2), value unshown."""
    planted = Case(case.name, case.config, case.fragment, secret=PLANTED)
    check_in_process(planted, tmp_path, monkeypatch)


@pytest.fixture
def fake() -> Iterator[FakePlatforms]:
    """Fake platforms that echo every request (key included) in their answers."""
    with FakePlatforms(echo=True) as platforms:
        yield platforms


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """The secrets, by environment, and a database; the config names them only by reference."""
    return {
        "NEWSBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'n.db'}",
        "T_KEY": KEY,
        "T_TG": TELEGRAM_TOKEN,
        "T_WHSEC": WHSEC,
        "T_AUTH": AUTH,
    }


@pytest.fixture
def config(tmp_path: Path, fake: FakePlatforms, env: dict[str, str]) -> Path:
    """A config whose every channel points at the fake, with secrets from the environment."""
    base = fake.base_url
    path = tmp_path / "newsbot.yaml"
    path.write_text(
        "sources:\n  - {id: feed, kind: feed, url: 'https://news.example.cn/rss.xml'}\n"
        "channels:\n"
        f"  - {{id: wc, kind: wecom, url: '{base}/wecom/cgi-bin/webhook/send', key: {{$env: T_KEY}}}}\n"
        f"  - {{id: pp, kind: pushplus, url: '{base}/pushplus/send', token: {{$env: T_KEY}}}}\n"
        f"  - {{id: sc, kind: serverchan, url: '{base}/serverchan', sendkey: {{$env: T_KEY}}}}\n"
        f"  - {{id: tg, kind: telegram, api_url: '{base}/telegram', token: {{$env: T_TG}}, chat_id: '-100'}}\n"
        f"  - id: hook\n    kind: webhook\n    url: '{base}/webhook/hooks/newsbot'\n"
        "    secret: {$env: T_WHSEC}\n    headers: {Authorization: {$env: T_AUTH}}\n"
        "subscribers:\n  - id: a\n    channels: [wc]\n    rules:\n      - {id: r, any: [义乌]}\n",
        encoding="utf-8",
    )
    upgraded = _run(path, env, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    return path


def _run(config: Path, env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], env=env)


def _clean(output: str) -> None:
    for secret in (KEY, TELEGRAM_TOKEN, WHSEC, AUTH, "auth-value-88c1e3"):
        assert secret not in output, output
    assert "Traceback" not in output, output


def test_a_credential_header_comes_from_the_environment(
    config: Path, env: dict[str, str], fake: FakePlatforms
) -> None:
    """`Authorization: {$env: NAME}` passes `config check` and is sent, yet never printed."""
    checked = _run(config, env, "config", "check")
    assert checked.exit_code == 0, checked.output
    tested = _run(config, env, "channels", "test", "hook")
    assert tested.exit_code == 0, tested.output
    assert fake.received[-1].headers["Authorization"] == AUTH
    assert '"Authorization": "***"' in tested.output  # the echoed header, scrubbed
    _clean(tested.output)


@pytest.mark.parametrize("channel", ["pp", "wc", "sc", "tg"])
def test_channels_test_scrubs_an_echoed_request(
    channel: str, config: Path, env: dict[str, str], fake: FakePlatforms
) -> None:
    """A platform answer echoing the request (key in body, query or path) prints scrubbed."""
    result = _run(config, env, "channels", "test", channel)
    assert result.exit_code == 0, result.output
    assert "***" in result.output
    _clean(result.output)


def test_channels_test_scrubs_an_echoed_request_on_failure(
    config: Path, env: dict[str, str], fake: FakePlatforms
) -> None:
    """A refusal whose text echoes the request (HTTP 502 + the URL with ?key=) is scrubbed."""
    fake.script("wecom", "error")
    result = _run(config, env, "channels", "test", "wc")
    assert result.exit_code != 0
    assert "502" in result.output
    _clean(result.output)


def test_channels_list_shows_no_secret(config: Path, env: dict[str, str]) -> None:
    """`channels list` describes every channel without any secret value."""
    result = _run(config, env, "channels", "list")
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") >= 5
    _clean(result.output)


def test_verbose_logs_scrub_the_sendkey_in_the_url_path(
    config: Path, env: dict[str, str], tmp_path: Path
) -> None:
    """`-vv` (debug) logs each HTTP request; ServerChan's URL path holds the SendKey, logged
    as ***."""
    done = subprocess.run(
        [sys.executable, "-m", "newsbot", "-vv", "--config", str(config), "channels", "test", "sc"],
        env={**os.environ, **env},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "HTTP Request: POST" in done.stderr
    assert "/serverchan/***" in done.stderr
    _clean(done.stdout + done.stderr)


def test_stored_errors_and_deliveries_show_no_secret(
    config: Path, env: dict[str, str], fake: FakePlatforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed send whose answer echoes the key is stored scrubbed and listed scrubbed."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    fake.script("wecom", "error", "error")
    now = datetime.now(UTC)
    with App.open(config, env["NEWSBOT_DATABASE_URL"]) as app:
        app.sync_config()
        with app.session() as session:
            message = Message("wecom", "alert", "标题", "正文")
            enqueue(
                session,
                dedupe_key="k1",
                kind="alert",
                channel_id="wc",
                subscriber_id="a",
                article_id=None,
                message=message,
                now=now,
            )
            session.commit()
        asyncio.run(send_due(app))
        with Session(app.engine) as session:
            rows = session.exec(select(DeliveryRow)).all()
    assert rows
    assert rows[0].last_error
    assert "502" in rows[0].last_error
    _clean(rows[0].last_error)
    listed = _run(config, env, "deliveries", "--failed")
    assert "502" in listed.output
    _clean(listed.output)


def test_scrub_removes_every_known_value_and_its_url_encoding() -> None:
    """A registered value is removed wherever it appears, raw or percent-encoded."""
    Secret("tok+en/with=chars-1234")
    text = "a tok+en/with=chars-1234 b tok%2Ben%2Fwith%3Dchars-1234 c"
    assert scrub(text) == "a *** b *** c"


def test_the_log_filter_scrubs_message_extras_and_traceback() -> None:
    """Arguments, structured extras and exception text all lose the known value."""
    Secret("log-secret-value-77")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(message)s %(error)s"))
    log = logging.getLogger("newsbot.test.redaction")
    log.addHandler(handler)
    try:
        try:
            raise RuntimeError("boom log-secret-value-77")
        except RuntimeError:
            log.exception(
                "send %s", "log-secret-value-77", extra={"error": "x log-secret-value-77"}
            )
    finally:
        log.removeHandler(handler)
    assert "log-secret-value-77" not in stream.getvalue()
    assert stream.getvalue().count("***") >= 3


@pytest.mark.parametrize(
    "url",
    [
        "https://a.cn/x?page=2",
        "https://a.cn/{date:%Y%m%d}/node_1.html",
        "http://szb1.ywcity.cn/layout/1.html",
        "https://www.gov.cn/services/feed.xml",
        "https://a.cn/messages.send",
    ],
)
def test_ordinary_urls_are_not_taken_for_secrets(url: str) -> None:
    """The shape checks leave URLs without credentials alone."""
    assert inline_secret(url) is None


def test_a_short_header_secret_is_redacted_by_its_channel() -> None:
    """A header value from {$env} shorter than the registry's minimum is still redacted in the
    channel's own texts (its errors, its answers)."""
    channel = build_channel(
        WebhookOptions(id="h", url="https://a.cn/in", headers={"Authorization": Secret("tiny42")})
    )
    assert channel.redact("refused: Authorization tiny42") == "refused: Authorization ***"
