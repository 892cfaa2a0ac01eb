"""Slack incoming webhook: Block Kit sections with a plain-text fallback.

Vendor doc: https://api.slack.com/messaging/webhooks (errors: "Handling errors") and
https://api.slack.com/reference/block-kit/blocks#section (section text at most 3000
characters, at most 50 blocks per message). Answers are plain text: ``ok`` on 200,
``invalid_payload`` / ``invalid_blocks`` (400), ``no_service`` (404), ``channel_is_archived``
(410), ``action_prohibited`` (403); 429 with Retry-After when rate limited.

Usage::

    SlackChannel(SlackOptions(id="s", kind="slack", webhook_url=url))
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, ClassVar

import httpx

from newsbot.channels._registry import register_channel
from newsbot.channels.base import Channel, ChannelOptions, Escaping, Format
from newsbot.errors import PermanentDeliveryError
from newsbot.models import Message
from newsbot.secrets import Secret

MAX_BLOCKS = 50
MAX_SECTION_TEXT_CHARS = 3000
MAX_HEADER_TEXT_CHARS = 150
MAX_FALLBACK_TEXT_CHARS = 40000


class SlackOptions(ChannelOptions, frozen=True, extra="forbid"):
    """The webhook URL (``https://hooks.slack.com/services/T.../B.../...``): a secret."""

    kind: str = "slack"
    webhook_url: Secret


def _block_fits(block: dict[str, Any]) -> bool:
    text = block.get("text", {}).get("text", "")
    if block.get("type") == "header":
        return len(text) <= MAX_HEADER_TEXT_CHARS
    fields = block.get("fields", [])
    return len(text) <= MAX_SECTION_TEXT_CHARS and all(
        len(f.get("text", "")) <= 2000 for f in fields
    )


@register_channel
class SlackChannel(Channel):
    """Blocks drawn by the template; article text escaped (``<!channel>`` cannot mention)."""

    kind: ClassVar[str] = "slack"
    Options: ClassVar[type[ChannelOptions]] = SlackOptions
    format: ClassVar[Format] = "blocks"
    escaping: ClassVar[Escaping] = "mrkdwn"
    # Section text 3000 characters, 50 blocks (Block Kit reference).
    max_chars: ClassVar[int | None] = MAX_SECTION_TEXT_CHARS
    # "1 request per second" for incoming webhooks (rate limits page, short bursts allowed).
    max_per_minute: ClassVar[float | None] = 60

    @classmethod
    def fits(cls, message: Message) -> bool:
        """At most 50 blocks, each text within its limit, and a bounded fallback text."""
        payload = json.loads(message.body)
        blocks: list[dict[str, Any]] = payload.get("blocks", [])
        return (
            len(blocks) <= MAX_BLOCKS
            and all(_block_fits(b) for b in blocks)
            and len(payload.get("text", "")) <= MAX_FALLBACK_TEXT_CHARS
        )

    def build_request(self, message: Message, *, now: datetime) -> httpx.Request:
        """POST the blocks and the notification fallback text."""
        return self.json_request(self.endpoint(), json.loads(message.body))

    def check_response(self, response: httpx.Response) -> str:
        """``ok`` is success; statuses map as usual; a 200 that is not ``ok`` is refused."""
        self.raise_for_status(response)
        text = response.text.strip()
        if text != "ok":
            raise PermanentDeliveryError(
                self.redact(f"unexpected answer: {text[:200]}"), channel=self.id, status_code=200
            )
        return text
