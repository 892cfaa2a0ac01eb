"""The registry of channel kinds: built-ins go through the same door as extensions.

Usage::

    @register_channel
    class MyChannel(Channel): kind = "mine"; ...

    CHANNEL_KINDS["mine"]  # -> MyChannel
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar

from newsbot.channels.base import Channel, ChannelOptions

C = TypeVar("C", bound=type[Channel])

_KINDS: dict[str, type[Channel]] = {}

#: Every channel kind, by name (read-only view; add through :func:`register_channel`).
CHANNEL_KINDS: Mapping[str, type[Channel]] = MappingProxyType(_KINDS)

# The built-in platforms, one module each; registered exactly as an extension would be.
BUILTIN_CHANNELS: tuple[str, ...] = (
    "newsbot.channels.dingtalk",
    "newsbot.channels.discord",
    "newsbot.channels.feishu",
    "newsbot.channels.file",
    "newsbot.channels.lark",
    "newsbot.channels.pushplus",
    "newsbot.channels.serverchan",
    "newsbot.channels.slack",
    "newsbot.channels.telegram",
    "newsbot.channels.webhook",
    "newsbot.channels.wecom",
)


def register_channel(cls: C) -> C:
    """Class decorator: make ``cls`` available under ``cls.kind``; a kind is registered once."""
    existing = _KINDS.get(cls.kind)
    if existing is not None and existing is not cls:
        raise ValueError(f"channel kind {cls.kind!r} is already registered by {existing.__name__}")
    _KINDS[cls.kind] = cls
    return cls


def load_builtin_channels() -> None:
    """Import the built-in platform modules; their decorators register them."""
    for module_name in BUILTIN_CHANNELS:
        importlib.import_module(module_name)


def build_channel(options: ChannelOptions) -> Channel:
    """The channel for validated ``options`` (the config loader validated them already)."""
    try:
        cls = CHANNEL_KINDS[options.kind]
    except KeyError:
        known = ", ".join(sorted(CHANNEL_KINDS))
        raise ValueError(f"unknown channel kind {options.kind!r} (known: {known})") from None
    return cls(options)
