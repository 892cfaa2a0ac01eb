"""The webhook channel: the shared contract table, plus the Standard Webhooks signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pydantic
import pytest
from channel_harness import EXPLAIN, article, contract_tests

from newsbot.channels import build_channel
from newsbot.channels.webhook import WebhookOptions
from newsbot.render import render_alert
from newsbot.secrets import Secret

test_contract = contract_tests("webhook")

NOW = datetime(2025, 5, 16, 8, 0, tzinfo=UTC)
KEY = b"0123456789abcdef0123"
SECRET = "whsec_" + base64.b64encode(KEY).decode()


def test_signature_follows_the_standard_webhooks_spec() -> None:
    """webhook-signature is v1,base64(HMAC-SHA256(key, f"{id}.{ts}.{body}"))."""
    channel = build_channel(
        WebhookOptions(id="w", url="https://example.test/h", secret=Secret(SECRET))
    )
    (message,) = render_alert("webhook", article(), EXPLAIN, subscriber_name="王")
    request = channel.build_request(message, now=NOW)
    msg_id, timestamp = request.headers["webhook-id"], request.headers["webhook-timestamp"]
    signed = f"{msg_id}.{timestamp}.".encode() + request.content
    expected = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest()).decode()
    assert request.headers["webhook-signature"] == f"v1,{expected}"
    assert timestamp == str(int(NOW.timestamp()))
    assert json.loads(request.content)["type"] == "newsbot.alert"


def test_message_id_is_stable_across_retries() -> None:
    """The same message gets the same webhook-id at another time, so receivers can deduplicate."""
    channel = build_channel(WebhookOptions(id="w", url="https://example.test/h"))
    (message,) = render_alert("webhook", article(), EXPLAIN, subscriber_name="王")
    first = channel.build_request(message, now=NOW).headers["webhook-id"]
    later = channel.build_request(message, now=NOW.replace(hour=9)).headers["webhook-id"]
    assert first == later


def test_a_secret_not_in_whsec_form_is_refused_without_echoing_it() -> None:
    """A malformed secret is a config error whose text does not contain the secret."""
    with pytest.raises(pydantic.ValidationError) as caught:
        WebhookOptions(id="w", url="https://example.test/h", secret=Secret("plain-secret-value"))
    assert "plain-secret-value" not in str(caught.value)
