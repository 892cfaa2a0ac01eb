"""PushPlus (推送加): pushes to a personal WeChat through ``/send`` with a token.

Vendor doc: https://www.pushplus.plus/doc/guide/api.html (``token``, ``title``, ``content``,
``template`` html/markdown/txt, ``topic`` for a group) and the codes at
https://www.pushplus.plus/doc/guide/code.html : 200 success, 500 "系统异常，请稍后再试",
900 account restricted for sending too often, 903 invalid token, 905 account not verified,
999 "服务端验证错误" (a request the server refuses to validate: an invalid token answers it
too), 888 out of credit, 401/403 not authorised or IP not allowed.

Usage::

    PushPlusChannel(PushPlusOptions(id="me", kind="pushplus", token=token))
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import httpx

from newsbot.channels._registry import register_channel
from newsbot.channels.base import Channel, ChannelOptions, Escaping, Format
from newsbot.models import Message
from newsbot.secrets import Secret

# Codes worth retrying: 500 "system error, try later"; 900 restricted for sending too often
# ("stop requesting": the restriction lasts the day, so wait an hour, not minutes). 999 is a
# validation error (an invalid token among them): retrying it only repeats the refusal.
TRANSIENT_CODES = {500: 30.0, 900: 3600.0}
MAX_TITLE_CHARS = 100


class PushPlusOptions(ChannelOptions, frozen=True, extra="forbid"):
    """The user token (secret) and, to push to a group, its ``topic`` code."""

    kind: str = "pushplus"
    url: str = "https://www.pushplus.plus/send"
    token: Secret
    topic: str | None = None


@register_channel
class PushPlusChannel(Channel):
    """Markdown content (``template: markdown``)."""

    kind: ClassVar[str] = "pushplus"
    Options: ClassVar[type[ChannelOptions]] = PushPlusOptions
    format: ClassVar[Format] = "markdown"
    escaping: ClassVar[Escaping] = "cn_markdown"
    template_kind: ClassVar[str | None] = "markdown"  # plain markdown, shared
    # content: 20000 characters at most on the free plan (api guide, 参数说明)
    max_chars: ClassVar[int | None] = 20000
    # The free plan allows 200 messages a day; keep a gentle pace.
    max_per_minute: ClassVar[float | None] = 10

    def build_request(self, message: Message, *, now: datetime) -> httpx.Request:
        """POST token, title, markdown content and optional topic."""
        options = self.options
        assert isinstance(options, PushPlusOptions)
        payload = {
            "token": options.token.reveal(),
            "title": self.plain_title(message.title)[:MAX_TITLE_CHARS],
            "content": message.body,
            "template": "markdown",
        }
        if options.topic:
            payload["topic"] = options.topic
        return self.json_request(options.url, payload)

    def check_response(self, response: httpx.Response) -> str:
        """code 200 is success; 500/900 transient; 999, 903, 905 and the rest permanent."""
        self.raise_for_status(response)
        data = self.json_body(response)
        return self.judge_code(
            response,
            data.get("code"),
            ok=200,
            message=data.get("msg", ""),
            transient_codes=TRANSIENT_CODES,
        )
