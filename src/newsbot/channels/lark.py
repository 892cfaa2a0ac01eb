"""Lark, Feishu's international edition: the same bot API on open.larksuite.com.

Vendor doc: https://open.larksuite.com/document/client-docs/bot-v3/add-custom-bot
Same card format, signature, codes and limits as :mod:`newsbot.channels.feishu`.

Usage::

    LarkChannel(LarkOptions(id="l", kind="lark", webhook_url=url, secret=s))
"""

from __future__ import annotations

from typing import ClassVar

from newsbot.channels._registry import register_channel
from newsbot.channels.base import ChannelOptions
from newsbot.channels.feishu import FeishuChannel, FeishuOptions


class LarkOptions(FeishuOptions, frozen=True, extra="forbid"):
    """The bot's webhook URL (``https://open.larksuite.com/open-apis/bot/v2/hook/...``)."""

    kind: str = "lark"


@register_channel
class LarkChannel(FeishuChannel):
    """Feishu's card channel under Lark's name; templates are shared with ``feishu``."""

    kind: ClassVar[str] = "lark"
    Options: ClassVar[type[ChannelOptions]] = LarkOptions
    template_kind: ClassVar[str | None] = "feishu"
