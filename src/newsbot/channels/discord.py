"""Discord webhook: embeds, with every mention disabled.

Vendor doc: https://discord.com/developers/docs/resources/webhook#execute-webhook and the
limits at https://discord.com/developers/docs/resources/message#embed-object-embed-limits .
Errors are HTTP statuses: 429 with JSON ``retry_after`` (seconds), 404 unknown webhook (gone),
401 invalid token, 400 a payload Discord refused.

Usage::

    DiscordChannel(DiscordOptions(id="d", kind="discord", webhook_url=url))
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import Any, ClassVar

import httpx

from newsbot.channels._registry import register_channel
from newsbot.channels.base import Channel, ChannelOptions, Escaping, Format
from newsbot.channels.base import utf16_units as chars
from newsbot.errors import TransientDeliveryError
from newsbot.models import Message
from newsbot.secrets import Secret

MAX_CONTENT_CHARS = 2000
MAX_EMBEDS = 10
MAX_EMBED_TOTAL_CHARS = 6000
# Per-field limits of the embed object (embed-limits table).
EMBED_FIELD_LIMITS = {"title": 256, "description": 4096}
MAX_FIELDS, MAX_FIELD_NAME, MAX_FIELD_VALUE = 25, 256, 1024
MAX_FOOTER, MAX_AUTHOR = 2048, 256


class DiscordOptions(ChannelOptions, frozen=True, extra="forbid"):
    """The webhook URL (``https://discord.com/api/webhooks/<id>/<token>``): a secret."""

    kind: str = "discord"
    webhook_url: Secret
    username: str | None = None


def embed_chars(embed: dict[str, Any]) -> int:
    """Characters an embed counts toward the 6000 total (title, description, fields, ...)."""
    total = chars(embed.get("title", "")) + chars(embed.get("description", ""))
    total += chars(embed.get("footer", {}).get("text", ""))
    total += chars(embed.get("author", {}).get("name", ""))
    for field in embed.get("fields", []):
        total += chars(field.get("name", "")) + chars(field.get("value", ""))
    return total


def embed_within_limits(embed: dict[str, Any]) -> bool:
    """Each field of one embed within its own limit."""
    for name, limit in EMBED_FIELD_LIMITS.items():
        if chars(embed.get(name, "")) > limit:
            return False
    fields = embed.get("fields", [])
    if len(fields) > MAX_FIELDS:
        return False
    if any(
        chars(f.get("name", "")) > MAX_FIELD_NAME or chars(f.get("value", "")) > MAX_FIELD_VALUE
        for f in fields
    ):
        return False
    return (
        chars(embed.get("footer", {}).get("text", "")) <= MAX_FOOTER
        and chars(embed.get("author", {}).get("name", "")) <= MAX_AUTHOR
    )


@register_channel
class DiscordChannel(Channel):
    """Embeds drawn by the template; ``allowed_mentions`` empty so nothing pings anyone."""

    kind: ClassVar[str] = "discord"
    Options: ClassVar[type[ChannelOptions]] = DiscordOptions
    format: ClassVar[Format] = "embeds"
    escaping: ClassVar[Escaping] = "markdown"
    # content: 2000 characters; embeds: 10, 6000 characters in total (embed limits table).
    max_chars: ClassVar[int | None] = MAX_EMBED_TOTAL_CHARS
    # Webhooks are limited to 30 messages a minute per channel (rate-limits topic, observed).
    max_per_minute: ClassVar[float | None] = 30

    @classmethod
    def payload(cls, message: Message, username: str | None = None) -> dict[str, Any]:
        """The execute-webhook body: the template's content/embeds plus no mentions."""
        body: dict[str, Any] = json.loads(message.body)
        payload = {**body, "allowed_mentions": {"parse": []}}
        if username:
            payload["username"] = username
        return payload

    @classmethod
    def fits(cls, message: Message) -> bool:
        """Content, embed count, each embed field and the 6000 total within Discord's limits."""
        payload = cls.payload(message)
        embeds: list[dict[str, Any]] = payload.get("embeds", [])
        return (
            chars(payload.get("content", "")) <= MAX_CONTENT_CHARS
            and len(embeds) <= MAX_EMBEDS
            and all(embed_within_limits(e) for e in embeds)
            and sum(embed_chars(e) for e in embeds) <= MAX_EMBED_TOTAL_CHARS
        )

    def build_request(self, message: Message, *, now: datetime) -> httpx.Request:
        """POST to the webhook with ``wait=true`` so the answer names the created message."""
        options = self.options
        assert isinstance(options, DiscordOptions)
        url = httpx.URL(self.endpoint()).copy_merge_params({"wait": "true"})
        return self.json_request(str(url), self.payload(message, options.username))

    def check_response(self, response: httpx.Response) -> str:
        """2xx is success; 429 carries ``retry_after`` in the JSON body; 4xx are permanent."""
        if response.status_code == 429:
            retry_after = None
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                retry_after = float(response.json().get("retry_after"))
            raise TransientDeliveryError(
                self.redact(f"HTTP 429: {response.text[:200]}"),
                channel=self.id,
                status_code=429,
                retry_after_s=retry_after if retry_after is not None else 1.0,
            )
        self.raise_for_status(response)
        return response.text or f"HTTP {response.status_code}"
