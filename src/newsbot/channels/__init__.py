"""Channels: one module per chat platform, all behind the contract in ``base``.

Usage::

    from newsbot.channels import CHANNEL_KINDS, build_channel
    channel = build_channel(CHANNEL_KINDS["wecom"].Options(id="ops", kind="wecom", key=key))
    print(channel.describe())
"""

from __future__ import annotations

from newsbot.channels import _registry
from newsbot.channels._registry import CHANNEL_KINDS, build_channel, register_channel
from newsbot.channels.base import Channel, ChannelOptions

_registry.load_builtin_channels()

__all__ = ["CHANNEL_KINDS", "Channel", "ChannelOptions", "build_channel", "register_channel"]
