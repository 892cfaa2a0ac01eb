"""Telegram bot: ``sendMessage`` with ``parse_mode=HTML``.

Vendor doc: https://core.telegram.org/bots/api#sendmessage (text 1-4096 characters after
entities parsing), https://core.telegram.org/bots/api#formatting-options (HTML subset) and
https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this (20 messages
a minute to one group). Answers are JSON ``{"ok": bool, "error_code", "description",
"parameters": {"retry_after"}}``.

Usage::

    TelegramChannel(TelegramOptions(id="t", kind="telegram", token=token, chat_id="-100123"))
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import httpx

from newsbot.channels._registry import register_channel
from newsbot.channels.base import (
    Channel,
    ChannelOptions,
    Escaping,
    Format,
    retry_after_s,
    utf16_units,
)
from newsbot.errors import PermanentDeliveryError, TransientDeliveryError
from newsbot.models import Message
from newsbot.secrets import Secret

MAX_TEXT_CHARS = 4096


class TelegramOptions(ChannelOptions, frozen=True, extra="forbid"):
    """The bot token (secret) and the chat to post to; ``api_url`` for a local Bot API server."""

    kind: str = "telegram"
    api_url: str = "https://api.telegram.org"
    token: Secret
    chat_id: str
    disable_link_preview: bool = True


@register_channel
class TelegramChannel(Channel):
    """HTML text; every article value is HTML-escaped by the template environment."""

    kind: ClassVar[str] = "telegram"
    Options: ClassVar[type[ChannelOptions]] = TelegramOptions
    format: ClassVar[Format] = "html"
    escaping: ClassVar[Escaping] = "html"
    # 4096 characters (UTF-16 units after parsing); counting the raw HTML is conservative.
    max_chars: ClassVar[int | None] = MAX_TEXT_CHARS
    # "no more than 20 messages per minute to the same group" (bots FAQ)
    max_per_minute: ClassVar[float | None] = 20

    @classmethod
    def fits(cls, message: Message) -> bool:
        """The HTML text within 4096 UTF-16 code units."""
        return utf16_units(message.body) <= MAX_TEXT_CHARS

    def endpoint(self) -> str:
        """``{api_url}/bot{token}/sendMessage``; the token is redacted by describe()."""
        options = self.options
        assert isinstance(options, TelegramOptions)
        return f"{options.api_url.rstrip('/')}/bot{options.token.reveal()}/sendMessage"

    def build_request(self, message: Message, *, now: datetime) -> httpx.Request:
        """POST chat_id, the HTML text and parse_mode."""
        options = self.options
        assert isinstance(options, TelegramOptions)
        payload = {
            "chat_id": options.chat_id,
            "text": message.body,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": options.disable_link_preview},
        }
        return self.json_request(self.endpoint(), payload)

    def check_response(self, response: httpx.Response) -> str:
        """``ok: true`` is success; 429 and 5xx transient (``retry_after`` kept); else permanent."""
        data = self.json_body(response) if response.content else {}
        if response.status_code < 400 and data.get("ok") is True:
            return response.text
        code = data.get("error_code", response.status_code)
        detail = self.redact(f"error {code}: {data.get('description', response.text[:200])}")
        if code == 429 or (isinstance(code, int) and code >= 500):
            hint = (data.get("parameters") or {}).get("retry_after")
            wait = float(hint) if isinstance(hint, int | float) else retry_after_s(response)
            raise TransientDeliveryError(
                detail, channel=self.id, status_code=response.status_code, retry_after_s=wait
            )
        raise PermanentDeliveryError(detail, channel=self.id, status_code=response.status_code)
