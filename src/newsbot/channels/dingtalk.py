"""DingTalk (钉钉) custom robot: markdown, signed with HMAC-SHA256 of timestamp and secret.

Vendor doc: https://open.dingtalk.com/document/orgapp/custom-robots-send-group-messages
and the signing how-to https://open.dingtalk.com/document/robots/customize-robot-security-settings
The answer is HTTP 200 with ``errcode``: 0 success, 130101 "send too fast", 310000 signature,
keyword or IP whitelist refused, 300001 token missing.

Usage::

    DingTalkChannel(DingTalkOptions(id="d", kind="dingtalk", access_token=t, secret=s))
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import ClassVar

import httpx

from newsbot.channels._registry import register_channel
from newsbot.channels.base import Channel, ChannelOptions, Escaping, Format
from newsbot.models import Message
from newsbot.secrets import Secret

# errcodes worth retrying: -1 system busy; 130101 too fast: the robot is then blocked for
# 10 minutes ("超过限制会被限流10分钟"), so waiting less only earns another refusal.
TRANSIENT_CODES = {-1: 5.0, 130101: 600.0}


class DingTalkOptions(ChannelOptions, frozen=True, extra="forbid"):
    """The robot's access token and, when "加签" is on, its ``SEC...`` secret."""

    kind: str = "dingtalk"
    url: str = "https://oapi.dingtalk.com/robot/send"
    access_token: Secret
    secret: Secret | None = None


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), as the doc's sample."""
    digest = hmac.new(
        secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode("ascii")


@register_channel
class DingTalkChannel(Channel):
    """DingTalk markdown with ``isAtAll`` always false; article markup made harmless."""

    kind: ClassVar[str] = "dingtalk"
    Options: ClassVar[type[ChannelOptions]] = DingTalkOptions
    format: ClassVar[Format] = "markdown"
    escaping: ClassVar[Escaping] = "cn_markdown"
    template_kind: ClassVar[str | None] = "markdown"  # plain markdown, shared
    # The robot rejects messages over 20000 bytes (errcode 460101 "message too long").
    max_body_bytes: ClassVar[int | None] = 20000
    # "每个机器人每分钟最多发送20条消息到群里" (custom robot doc, 使用限制)
    max_per_minute: ClassVar[float | None] = 20

    def build_request(self, message: Message, *, now: datetime) -> httpx.Request:
        """POST markdown; with a secret, ``timestamp`` (ms) and ``sign`` go in the query."""
        options = self.options
        assert isinstance(options, DingTalkOptions)
        params = {"access_token": options.access_token.reveal()}
        secret = self.signing_secret()
        if secret:
            timestamp_ms = int(now.timestamp() * 1000)
            params |= {"timestamp": str(timestamp_ms), "sign": dingtalk_sign(secret, timestamp_ms)}
        payload = {
            "msgtype": "markdown",
            # The title is the chat list's preview: plain text, as untrusted as the body.
            "markdown": {"title": self.plain_title(message.title), "text": message.body},
            # Nobody is ever @-mentioned by an article.
            "at": {"isAtAll": False, "atMobiles": [], "atUserIds": []},
        }
        return self.json_request(str(httpx.URL(options.url, params=params)), payload)

    def check_response(self, response: httpx.Response) -> str:
        """errcode 0 is success; 130101 and -1 are transient; 310000 and the rest permanent."""
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
