"""The wecom channel: the shared contract table, plus byte counting and the request shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from channel_harness import EXPLAIN, article, contract_tests

from newsbot.channels import build_channel
from newsbot.channels.wecom import WeComChannel, WeComOptions
from newsbot.models import Message
from newsbot.render import DigestItem, render_digest
from newsbot.secrets import Secret

test_contract = contract_tests("wecom")

NOW = datetime(2025, 5, 16, 8, 0, tzinfo=UTC)


def test_limit_is_4096_utf8_bytes_not_characters() -> None:
    """1366 Chinese characters (4098 bytes) are over the limit; 1365 (4095 bytes) are not."""
    assert WeComChannel.fits(Message("wecom", "alert", "t", "字" * 1365))
    assert not WeComChannel.fits(Message("wecom", "alert", "t", "字" * 1366))


def test_digest_parts_are_within_4096_bytes_and_keep_every_item() -> None:
    """A long digest splits into parts of at most 4096 bytes, every headline in exactly one."""
    items = [DigestItem(article(n, summary_chars=200), EXPLAIN, alerted=False) for n in range(30)]
    messages = render_digest("wecom", items, subscriber_name="王", title="日报")
    assert all(len(m.body.encode("utf-8")) <= 4096 for m in messages)
    seen = [item["url"] for m in messages for item in m.items]
    assert seen == [it.article.url for it in items]


def test_request_puts_the_key_in_the_query_and_markdown_in_the_body() -> None:
    """POST ...?key=KEY with msgtype markdown; the body is UTF-8 JSON, not \\u escapes."""
    channel = build_channel(WeComOptions(id="w", key=Secret("k-123")))
    request = channel.build_request(Message("wecom", "alert", "t", "义乌"), now=NOW)
    assert request.url.params["key"] == "k-123"
    assert json.loads(request.content) == {"msgtype": "markdown", "markdown": {"content": "义乌"}}
    assert "义乌".encode() in request.content
