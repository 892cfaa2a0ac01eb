"""The feishu channel: the shared contract table, plus its signature and its 20 KB body limit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

from channel_harness import EXPLAIN, article, contract_tests

from newsbot.channels import build_channel
from newsbot.channels.feishu import FeishuChannel, FeishuOptions
from newsbot.models import Message
from newsbot.render import DigestItem, render_alert, render_digest
from newsbot.secrets import Secret

test_contract = contract_tests("feishu")

NOW = datetime(2025, 5, 16, 8, 0, tzinfo=UTC)
OPTIONS = FeishuOptions(
    id="f",
    webhook_url=Secret("https://open.feishu.cn/open-apis/bot/v2/hook/x"),
    secret=Secret("s3"),
)


def test_signature_is_an_hmac_keyed_by_timestamp_and_secret() -> None:
    """sign = base64(HMAC-SHA256(key=f"{ts}\\n{secret}", msg=b"")), both in the JSON body."""
    (message,) = render_alert("feishu", article(), EXPLAIN, subscriber_name="王")
    payload = json.loads(build_channel(OPTIONS).build_request(message, now=NOW).content)
    timestamp = str(int(NOW.timestamp()))
    mac = hmac.new(f"{timestamp}\ns3".encode(), b"", hashlib.sha256).digest()
    assert payload["timestamp"] == timestamp
    assert payload["sign"] == base64.b64encode(mac).decode()
    assert payload["msg_type"] == "interactive"
    assert payload["card"]["header"]["title"]["content"]


def _card(chars: int) -> Message:
    card = {"elements": [{"tag": "div", "text": {"tag": "lark_md", "content": "字" * chars}}]}
    return Message("feishu", "digest", "t", json.dumps(card, ensure_ascii=False))


def test_body_size_counts_utf8_bytes_of_unescaped_json() -> None:
    """20 KB is counted on the UTF-8 body with ensure_ascii=False (a Chinese character: 3 bytes)."""
    assert FeishuChannel.fits(_card(6600))  # ~19.8 KB; as \\u escapes it would be ~39 KB
    assert not FeishuChannel.fits(_card(6900))  # ~20.7 KB, though only 6.9 K characters
    request = build_channel(OPTIONS).build_request(_card(10), now=NOW)
    assert "字".encode() in request.content


def test_long_digest_parts_each_fit_20_kb() -> None:
    """Every part of a long digest, signed, is at most 20 KB."""
    items = [DigestItem(article(n, summary_chars=600), EXPLAIN, alerted=False) for n in range(60)]
    for message in render_digest("feishu", items, subscriber_name="王", title="日报"):
        assert len(build_channel(OPTIONS).build_request(message, now=NOW).content) <= 20 * 1024
