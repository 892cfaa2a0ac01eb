"""Feishu (飞书) custom bot: interactive cards, signed with the timestamp and secret.

Vendor doc: https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
The answer is JSON with ``code``: 0 success, 19021 signature check failed, 19024 keyword
check failed, 9499 / 11232 / 11233 throttled. The request body may be at most 20 KB.

Usage::

    FeishuChannel(FeishuOptions(id="f", kind="feishu", webhook_url=url, secret=s))
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any, ClassVar

import httpx

from newsbot.channels._registry import register_channel
from newsbot.channels.base import Channel, ChannelOptions, Escaping, Format, dumps, unix_s
from newsbot.models import Message
from newsbot.secrets import Secret

# codes worth retrying: 9499 "too many request", 11232/11233 frequency limited.
TRANSIENT_CODES = {9499: 10.0, 11232: 60.0, 11233: 60.0}
SIGNATURE_ROOM_BYTES = 100  # "timestamp" and "sign" are added after measuring


class FeishuOptions(ChannelOptions, frozen=True, extra="forbid"):
    """The bot's webhook URL (its path holds the token) and the optional signing secret."""

    kind: str = "feishu"
    webhook_url: Secret
    secret: Secret | None = None


def feishu_sign(secret: str, timestamp_s: int) -> str:
    """base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")), as the doc's sample."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


@register_channel
class FeishuChannel(Channel):
    """An interactive card drawn by the template (JSON), wrapped and signed here."""

    kind: ClassVar[str] = "feishu"
    Options: ClassVar[type[ChannelOptions]] = FeishuOptions
    format: ClassVar[Format] = "card"
    escaping: ClassVar[Escaping] = "cn_markdown"
    # "自定义机器人的请求体大小不能超过 20 KB" (add-custom-bot, 使用限制)
    max_body_bytes: ClassVar[int | None] = 20 * 1024
    # "自定义机器人的频率控制和普通应用不同，为单租户单机器人 100 次/分钟，5 次/秒"
    max_per_minute: ClassVar[float | None] = 100

    @classmethod
    def payload(cls, message: Message) -> dict[str, Any]:
        """The JSON body before signing: the card from the template."""
        return {"msg_type": "interactive", "card": json.loads(message.body)}

    @classmethod
    def fits(cls, message: Message) -> bool:
        """The whole body, UTF-8 with ``ensure_ascii=False``, within 20 KB (room for the sign)."""
        size = len(dumps(cls.payload(message)).encode("utf-8")) + SIGNATURE_ROOM_BYTES
        return cls.max_body_bytes is None or size <= cls.max_body_bytes

    def build_request(self, message: Message, *, now: datetime) -> httpx.Request:
        """POST the card; with a secret, ``timestamp`` and ``sign`` go in the body."""
        payload = self.payload(message)
        secret = self.signing_secret()
        if secret:
            timestamp_s = unix_s(now)
            payload |= {"timestamp": str(timestamp_s), "sign": feishu_sign(secret, timestamp_s)}
        return self.json_request(self.endpoint(), payload)

    def check_response(self, response: httpx.Response) -> str:
        """code 0 (or the legacy StatusCode 0) is success; throttling transient; else permanent."""
        self.raise_for_status(response)
        data = self.json_body(response)
        return self.judge_code(
            response,
            data.get("code", data.get("StatusCode")),
            ok=0,
            message=data.get("msg", data.get("StatusMessage", "")),
            transient_codes=TRANSIENT_CODES,
        )
