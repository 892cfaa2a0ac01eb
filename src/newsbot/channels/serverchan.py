"""ServerChan (Server酱 Turbo): pushes to a personal WeChat through ``<SENDKEY>.send``.

Vendor doc: https://sct.ftqq.com/sendkey (API: ``https://sctapi.ftqq.com/<SENDKEY>.send``
with ``title`` at most 32 characters and ``desp`` markdown at most 32 KB). The answer is JSON
with ``code`` 0 on success.

Usage::

    ServerChanChannel(ServerChanOptions(id="me", kind="serverchan", sendkey=key))
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import httpx

from newsbot.channels._registry import register_channel
from newsbot.channels.base import Channel, ChannelOptions, Escaping, Format
from newsbot.models import Message
from newsbot.secrets import Secret

MAX_TITLE_CHARS = 32
# Words of ServerChan's throttling answers ("发送频率过快", "超过当天的发送次数限制").
THROTTLE_WORDS = ("频率", "过快", "次数限制", "limit")


class ServerChanOptions(ChannelOptions, frozen=True, extra="forbid"):
    """The SendKey (secret); ``url`` is the API root."""

    kind: str = "serverchan"
    url: str = "https://sctapi.ftqq.com"
    sendkey: Secret


@register_channel
class ServerChanChannel(Channel):
    """Markdown in ``desp``; the title is shortened to 32 characters (whole characters)."""

    kind: ClassVar[str] = "serverchan"
    Options: ClassVar[type[ChannelOptions]] = ServerChanOptions
    format: ClassVar[Format] = "markdown"
    escaping: ClassVar[Escaping] = "cn_markdown"
    template_kind: ClassVar[str | None] = "markdown"  # plain markdown, shared
    # desp: "最大长度32KB" (sendkey page)
    max_body_bytes: ClassVar[int | None] = 32 * 1024
    # The free plan takes a few messages a day; pace gently so a digest is not refused.
    max_per_minute: ClassVar[float | None] = 10

    def endpoint(self) -> str:
        """``{url}/{SENDKEY}.send``."""
        options = self.options
        assert isinstance(options, ServerChanOptions)
        return f"{options.url.rstrip('/')}/{options.sendkey.reveal()}.send"

    def build_request(self, message: Message, *, now: datetime) -> httpx.Request:
        """POST title and desp as JSON."""
        title = self.plain_title(message.title)
        if len(title) > MAX_TITLE_CHARS:
            title = title[: MAX_TITLE_CHARS - 1] + "…"
        return self.json_request(self.endpoint(), {"title": title, "desp": message.body})

    def check_response(self, response: httpx.Response) -> str:
        """code 0 is success; a throttling message is transient; any other code permanent."""
        self.raise_for_status(response)
        data = self.json_body(response)
        code = data.get("code")
        text = str(data.get("message", data.get("info", "")))
        # ServerChan has no throttling code: its quota answers say so in words.
        throttled = any(word in text for word in THROTTLE_WORDS)
        return self.judge_code(
            response,
            code,
            ok=0,
            message=text,
            transient_codes={code: 3600.0} if throttled and code != 0 else {},
        )
