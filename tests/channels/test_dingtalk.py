"""The dingtalk channel: the shared contract table, plus its signature and @all safety."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from channel_harness import EXPLAIN, article, contract_tests

from newsbot.channels import build_channel
from newsbot.channels.dingtalk import DingTalkOptions
from newsbot.render import render_alert
from newsbot.secrets import Secret

test_contract = contract_tests("dingtalk")

NOW = datetime(2025, 5, 16, 8, 0, tzinfo=UTC)


def test_signature_follows_the_documented_recipe() -> None:
    """timestamp is in ms; sign = base64(HMAC-SHA256(secret, f"{ts}\\n{secret}")), URL-encoded."""
    options = DingTalkOptions(id="d", access_token=Secret("tok"), secret=Secret("SECabc"))
    (message,) = render_alert("dingtalk", article(), EXPLAIN, subscriber_name="王")
    request = build_channel(options).build_request(message, now=NOW)
    query = parse_qs(urlsplit(str(request.url)).query)
    timestamp = str(int(NOW.timestamp() * 1000))
    mac = hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()
    assert query["timestamp"] == [timestamp]
    assert query["sign"] == [base64.b64encode(mac).decode()]
    assert query["access_token"] == ["tok"]


def test_nobody_is_at_mentioned() -> None:
    """isAtAll is false and the lists of people to mention are empty."""
    options = DingTalkOptions(id="d", access_token=Secret("tok"))
    (message,) = render_alert(
        "dingtalk", article(headline="@all 紧急"), EXPLAIN, subscriber_name="王"
    )
    payload = json.loads(build_channel(options).build_request(message, now=NOW).content)
    assert payload["at"] == {"isAtAll": False, "atMobiles": [], "atUserIds": []}
    assert "@all" not in payload["markdown"]["text"]


def test_without_a_secret_nothing_is_signed() -> None:
    """A robot with keyword security only gets no timestamp/sign parameters."""
    options = DingTalkOptions(id="d", access_token=Secret("tok"))
    (message,) = render_alert("dingtalk", article(), EXPLAIN, subscriber_name="王")
    request = build_channel(options).build_request(message, now=NOW)
    assert "sign" not in request.url.params
