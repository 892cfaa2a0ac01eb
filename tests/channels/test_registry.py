"""The channel registry: every kind registered, documented and tested; extensions use the same door."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

import newsbot.channels
from newsbot.channels import (
    CHANNEL_KINDS,
    Channel,
    ChannelOptions,
    _registry,
    build_channel,
    register_channel,
)

HERE = Path(__file__).parent
DOCS = Path(__file__).parents[2] / "docs" / "channels.md"
TEMPLATES = Path(__file__).parents[2] / "templates"


def test_all_is_sorted_and_complete() -> None:
    """The package exports a short sorted __all__, every name of which exists."""
    names = newsbot.channels.__all__
    assert names == sorted(names)
    assert all(hasattr(newsbot.channels, name) for name in names)


def test_the_issue_s_platforms_are_all_registered() -> None:
    """Every platform the issue names is a registered kind."""
    wanted = {"wecom", "dingtalk", "feishu", "lark", "discord", "slack", "telegram",
              "serverchan", "pushplus", "webhook", "file"}  # fmt: skip
    assert wanted <= set(CHANNEL_KINDS)


@pytest.mark.parametrize("kind", sorted(CHANNEL_KINDS))
def test_every_kind_has_its_own_test_module(kind: str) -> None:
    """A registered kind without tests/channels/test_<kind>.py fails here (meta-test)."""
    module = HERE / f"test_{kind}.py"
    assert module.exists(), f"no tests for channel kind {kind!r}"
    assert f'"{kind}"' in module.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", sorted(CHANNEL_KINDS))
def test_every_kind_declares_its_format_limits_and_templates(kind: str) -> None:
    """Each kind declares a format, a pace (or none) and has alert and digest templates."""
    cls = CHANNEL_KINDS[kind]
    assert cls.format in {"markdown", "html", "card", "embeds", "blocks", "text", "json"}
    assert (TEMPLATES / cls.templates() / "alert.j2").is_file()
    assert (TEMPLATES / cls.templates() / "digest.j2").is_file()
    assert cls.Options.model_fields["kind"].default == kind


@pytest.mark.parametrize("kind", sorted(CHANNEL_KINDS))
def test_every_kind_is_documented(kind: str) -> None:
    """docs/channels.md has a section for every kind."""
    assert f"### `{kind}`" in DOCS.read_text(encoding="utf-8")


def test_an_extension_registers_like_a_builtin() -> None:
    """A third-party kind goes through register_channel and build_channel like the built-ins."""

    class EchoOptions(ChannelOptions, frozen=True, extra="forbid"):
        kind: str = "echo-test"

    @register_channel
    class Echo(Channel):
        kind: ClassVar[str] = "echo-test"
        Options: ClassVar[type[ChannelOptions]] = EchoOptions

        def build_request(self, message, *, now):  # type: ignore[no-untyped-def]
            raise NotImplementedError

        def check_response(self, response):  # type: ignore[no-untyped-def]
            raise NotImplementedError

    try:
        assert isinstance(build_channel(EchoOptions(id="e")), Echo)
        with pytest.raises(ValueError, match="already registered"):
            register_channel(type("Other", (Echo,), {}))
    finally:
        _registry._KINDS.pop("echo-test", None)  # keep the registry as other tests expect it


def test_an_unknown_kind_is_a_clear_error() -> None:
    """build_channel names the unknown kind and the known ones."""
    with pytest.raises(ValueError, match=r"unknown channel kind 'nope'.*wecom"):
        build_channel(ChannelOptions(id="x", kind="nope"))
