"""WeCom (企业微信) group robot: markdown messages to a webhook with a key.

Vendor doc: https://developer.work.weixin.qq.com/document/path/91770 (群机器人配置说明).
The answer is HTTP 200 with ``errcode`` in the body: 0 is success, 45009 is "too fast",
93000 an invalid webhook (key removed or wrong).

Usage::

    WeComChannel(WeComOptions(id="ops", kind="wecom", key=Secret("693a91f6-...")))
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import httpx

from newsbot.channels._registry import register_channel
from newsbot.channels.base import Channel, ChannelOptions, Escaping, Format
from newsbot.models import Message
from newsbot.secrets import Secret

# errcodes worth retrying: -1 system busy, 45009 api freq out of limit (20/min per robot).
TRANSIENT_CODES = {-1: 5.0, 45009: 60.0}


class WeComOptions(ChannelOptions, frozen=True, extra="forbid"):
    """The robot's webhook: ``url?key=KEY``; the key comes from an environment variable."""

    kind: str = "wecom"
    url: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    key: Secret


@register_channel
class WeComChannel(Channel):
    """WeCom markdown; markup in article text becomes full-width look-alikes, no @ mentions."""

    kind: ClassVar[str] = "wecom"
    Options: ClassVar[type[ChannelOptions]] = WeComOptions
    format: ClassVar[Format] = "markdown"
    escaping: ClassVar[Escaping] = "cn_markdown"
    # "markdown.content 最长不超过4096个字节，必须是utf8编码" (doc 91770, 消息类型及数据格式)
    max_body_bytes: ClassVar[int | None] = 4096
    # "每个机器人发送的消息不能超过20条/分钟" (doc 91770, 消息发送频率限制)
    max_per_minute: ClassVar[float | None] = 20

    def build_request(self, message: Message, *, now: datetime) -> httpx.Request:
        """POST the markdown content to ``url?key=KEY``."""
        options = self.options
        assert isinstance(options, WeComOptions)
        url = httpx.URL(options.url, params={"key": options.key.reveal()})
        payload = {"msgtype": "markdown", "markdown": {"content": message.body}}
        return self.json_request(str(url), payload)

    def check_response(self, response: httpx.Response) -> str:
        """errcode 0 is success; throttling codes are transient; anything else permanent."""
        self.raise_for_status(response)
        data = self.json_body(response)
        return self.judge_code(
            response,
            data.get("errcode"),
            ok=0,
            message=data.get("errmsg", ""),
            transient_codes=TRANSIENT_CODES,
            label="errcode",
        )
