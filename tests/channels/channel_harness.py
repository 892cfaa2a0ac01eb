"""One shared harness for every HTTP channel: the same table of cases against the fake platforms.

A channel test module calls :func:`contract_tests` and binds the result to ``test_contract``;
the cases are invalid config, 2xx, refused (error code in a 200 body or a 4xx), 5xx,
throttling with a delay, a dropped connection, an over-long digest, secrets redaction and
mention safety. The meta-test in ``test_registry.py`` fails when a kind has no module.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pydantic
import pytest

from newsbot._http import make_delivery_client
from newsbot.channels import CHANNEL_KINDS, Channel, build_channel
from newsbot.errors import PermanentDeliveryError, TransientDeliveryError
from newsbot.models import Article, Explanation, Message
from newsbot.render import DigestItem, render_alert, render_digest
from newsbot.testing.platforms import KEY, FakePlatforms

CASES = (
    "invalid_config",
    "accepted",
    "refused",
    "server_error",
    "throttled",
    "connection_dropped",
    "long_digest_split",
    "secrets_redacted",
    "mentions_neutralised",
)

HOSTILE = (
    '紧急 @all @everyone <!channel> <at user_id="all"></at> [点我](javascript:alert(1)) **粗**'
)


def article(n: int = 0, *, summary_chars: int = 60, headline: str | None = None) -> Article:
    """A realistic Chinese article; ``summary_chars`` makes it long."""
    return Article(
        headline=headline or f"义乌小商品城第{n}季度外贸出口同比增长",
        body="正文",
        summary=("市场经营户反映订单明显回暖，" * 40)[:summary_chars],
        url=f"https://www.ywsb.cn/2025-05/16/content_{n}.htm?from=rss&x=(1)",
        page=1 + n % 4,
        page_name="要闻",
    )


EXPLAIN = (Explanation("外贸", "headline", "义乌小商品城第1季度外贸出口"),)


def send(channel: Channel, message: Message) -> str:
    """Send one message through a fresh delivery client, as the outbox sends (real sockets
    to 127.0.0.1, over newsbot's HTTP/1.1 transport)."""

    async def go() -> str:
        async with make_delivery_client(timeout_s=5) as client:
            return await channel.send(client, message, now=datetime.now(UTC))

    return asyncio.run(go())


def alert(kind: str, art: Article | None = None) -> Message:
    """The one message of an alert for ``art``."""
    (message,) = render_alert(
        kind, art or article(), EXPLAIN, subscriber_name="王编辑", paper="义乌商报"
    )
    return message


def contract_tests(kind: str) -> Callable[..., None]:
    """The table-driven contract test for ``kind``, parametrised over :data:`CASES`."""

    @pytest.mark.parametrize("case", CASES)
    def test_contract(case: str, fake: FakePlatforms) -> None:
        """Each case of the shared table holds for this channel kind."""
        CHECKS[case](kind, fake)

    return test_contract


def _invalid_config(kind: str, fake: FakePlatforms) -> None:
    options = fake.options(kind).model_dump()
    with pytest.raises(pydantic.ValidationError):
        CHANNEL_KINDS[kind].Options.model_validate({**options, "unexpected": 1})
    required = [n for n, f in CHANNEL_KINDS[kind].Options.model_fields.items() if f.is_required()]
    missing = {k: v for k, v in options.items() if k != required[-1]}
    with pytest.raises(pydantic.ValidationError):
        CHANNEL_KINDS[kind].Options.model_validate(missing)


def _accepted(kind: str, fake: FakePlatforms) -> None:
    text = send(build_channel(fake.options(kind)), alert(kind))
    assert fake.count(kind) == 1, fake.refused
    assert isinstance(text, str)
    assert text


def _refused(kind: str, fake: FakePlatforms) -> None:
    fake.script(kind, "gone")
    with pytest.raises(PermanentDeliveryError) as caught:
        send(build_channel(fake.options(kind)), alert(kind))
    assert caught.value.channel == f"fake-{kind}"


def _server_error(kind: str, fake: FakePlatforms) -> None:
    fake.script(kind, "error")
    with pytest.raises(TransientDeliveryError):
        send(build_channel(fake.options(kind)), alert(kind))


def _throttled(kind: str, fake: FakePlatforms) -> None:
    fake.script(kind, "throttle")
    with pytest.raises(TransientDeliveryError) as caught:
        send(build_channel(fake.options(kind)), alert(kind))
    assert caught.value.retry_after_s is not None
    assert caught.value.retry_after_s > 0


def _connection_dropped(kind: str, fake: FakePlatforms) -> None:
    fake.script(kind, "reset")
    with pytest.raises(TransientDeliveryError):
        send(build_channel(fake.options(kind)), alert(kind))


def _long_digest_split(kind: str, fake: FakePlatforms) -> None:
    items = [
        DigestItem(article(n, summary_chars=400), EXPLAIN, alerted=n % 3 == 0) for n in range(60)
    ]
    messages = render_digest(
        kind, items, subscriber_name="王编辑", title="义乌商报 5月16日", max_items_per_message=25
    )
    assert len(messages) > 1
    assert [m.part for m in messages] == list(range(1, len(messages) + 1))
    assert {m.parts for m in messages} == {len(messages)}
    assert sum(len(m.items) for m in messages) == 60
    channel = build_channel(fake.options(kind))
    for message in messages:
        assert CHANNEL_KINDS[kind].fits(message)
        send(channel, message)
    assert fake.count(kind) == len(messages), fake.refused


def _secrets_redacted(kind: str, fake: FakePlatforms) -> None:
    channel = build_channel(fake.options(kind))
    assert channel.secrets()
    clear = [s.reveal() for s in channel.secrets()]
    texts = [channel.describe(), repr(channel.options), str(channel.options.model_dump())]
    fake.script(kind, "gone", "error")
    for _ in range(2):
        try:
            send(channel, alert(kind))
        except (PermanentDeliveryError, TransientDeliveryError) as exc:
            texts.append(str(exc))
    for text in texts:
        assert KEY not in text
        for value in clear:
            assert value not in text


def _mentions_neutralised(kind: str, fake: FakePlatforms) -> None:
    hostile = article(headline=HOSTILE)
    hostile = Article(**{**hostile.__dict__, "summary": HOSTILE})
    message = alert(kind, hostile)
    send(build_channel(fake.options(kind)), message)  # the fakes refuse live mentions
    body: str = message.body
    escaping = CHANNEL_KINDS[kind].escaping
    if escaping in {"markdown", "cn_markdown"}:
        assert "](javascript:" not in body
    assert 'href="javascript:' not in body
    assert "<javascript:" not in body
    if kind == "webhook":  # data for machines: the text arrives exactly as written
        assert fake.received[-1].json()["data"]["articles"][0]["headline"] == HOSTILE
    if kind == "slack":
        assert "<!channel>" not in body
    if kind in {"wecom", "dingtalk", "feishu", "lark", "serverchan", "pushplus"}:
        # The whole request, title fields included (DingTalk's markdown.title, ServerChan's
        # and PushPlus's title): the platform shows them too.
        sent = fake.received[-1].body.decode("utf-8")
        for text in (body, sent):
            assert "@all" not in text
            assert "<at " not in text
    if kind == "discord":
        assert fake.received[-1].json()["allowed_mentions"] == {"parse": []}


CHECKS: dict[str, Callable[[str, FakePlatforms], None]] = {
    "invalid_config": _invalid_config,
    "accepted": _accepted,
    "refused": _refused,
    "server_error": _server_error,
    "throttled": _throttled,
    "connection_dropped": _connection_dropped,
    "long_digest_split": _long_digest_split,
    "secrets_redacted": _secrets_redacted,
    "mentions_neutralised": _mentions_neutralised,
}
