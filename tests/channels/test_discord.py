"""The discord channel: the shared contract table, Discord's own schema, the 6000 total, no pings."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from channel_harness import EXPLAIN, article, contract_tests

from newsbot.channels import build_channel
from newsbot.channels.discord import DiscordChannel, DiscordOptions, embed_chars
from newsbot.models import Message
from newsbot.render import DigestItem, render_alert, render_digest
from newsbot.secrets import Secret

test_contract = contract_tests("discord")

# Discord's own OpenAPI description, kept byte for byte with its licence and origin beside it.
SPEC = Path(__file__).parents[1] / "fixtures" / "channels" / "discord-openapi.json"
NOW = datetime(2025, 5, 16, 8, 0, tzinfo=UTC)
OPTIONS = DiscordOptions(id="d", webhook_url=Secret("https://discord.com/api/webhooks/1/tok"))


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    """The execute-webhook request body schema from Discord's OpenAPI spec, $refs resolved."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    schema = {"$ref": "#/components/schemas/IncomingWebhookRequestPartial", **spec}
    return jsonschema.Draft202012Validator(schema)


def _payload(message: Message) -> dict[str, Any]:
    request = build_channel(OPTIONS).build_request(message, now=NOW)
    data: dict[str, Any] = json.loads(request.content)
    return data


def test_alert_payload_validates_against_discord_s_schema(
    validator: jsonschema.Draft202012Validator,
) -> None:
    """An alert's body is a valid IncomingWebhookRequestPartial per Discord's OpenAPI spec."""
    (message,) = render_alert("discord", article(), EXPLAIN, subscriber_name="王", paper="义乌商报")
    validator.validate(_payload(message))


def test_every_digest_part_validates_and_stays_under_6000(
    validator: jsonschema.Draft202012Validator,
) -> None:
    """Each part of a long digest passes the schema and the 6000-character embed total."""
    items = [DigestItem(article(n, summary_chars=900), EXPLAIN, alerted=False) for n in range(40)]
    messages = render_digest("discord", items, subscriber_name="王", title="日报")
    assert len(messages) > 1
    for message in messages:
        payload = _payload(message)
        validator.validate(payload)
        assert len(payload["embeds"]) <= 10
        assert sum(embed_chars(e) for e in payload["embeds"]) <= 6000


def test_allowed_mentions_is_always_empty() -> None:
    """Whatever the template says, the request disables every mention."""
    message = Message("discord", "alert", "t", json.dumps({"content": "@everyone"}))
    assert _payload(message)["allowed_mentions"] == {"parse": []}


def test_fits_counts_the_embed_total_not_each_field() -> None:
    """Two embeds of 3500 characters each fit alone but not together (6000 total)."""
    embed = {"title": "t", "description": "字" * 3499}
    one = Message("discord", "digest", "t", json.dumps({"embeds": [embed]}))
    two = Message("discord", "digest", "t", json.dumps({"embeds": [embed, embed]}))
    assert DiscordChannel.fits(one)
    assert not DiscordChannel.fits(two)


def test_request_waits_for_the_message() -> None:
    """The webhook URL gets wait=true so the answer names the created message."""
    (message,) = render_alert("discord", article(), EXPLAIN, subscriber_name="王")
    request = build_channel(OPTIONS).build_request(message, now=NOW)
    assert request.url.params["wait"] == "true"
