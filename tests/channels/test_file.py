"""The "file" channel: appends each message to a local file, prints nothing, never loses text."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from newsbot.channels import build_channel
from newsbot.channels.file import FileOptions
from newsbot.errors import PermanentDeliveryError
from newsbot.models import Message

NOW = datetime(2025, 5, 16, 8, 0, tzinfo=UTC)


def _send(path: Path, message: Message) -> str:
    async def go() -> str:
        async with httpx.AsyncClient() as client:
            return await build_channel(FileOptions(id="f", path=path)).send(
                client, message, now=NOW
            )

    return asyncio.run(go())


def test_messages_are_appended_in_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two sends append two blocks, Chinese intact, with part numbers; nothing is printed."""
    path = tmp_path / "sub" / "out.txt"
    _send(path, Message("file", "alert", "义乌商报", "第一条"))
    answer = _send(path, Message("file", "digest", "日报", "第二条", part=2, parts=3))
    text = path.read_text(encoding="utf-8")
    assert text.index("第一条") < text.index("第二条")
    assert "日报 (2/3)" in text
    assert "appended" in answer
    assert capsys.readouterr().out == ""


def test_an_unwritable_path_is_permanent(tmp_path: Path) -> None:
    """A directory made where the file should be after the config was checked is a
    permanent error at send time (retrying cannot help)."""
    path = tmp_path / "out.txt"
    channel = build_channel(FileOptions(id="f", path=path))
    path.mkdir()

    async def go() -> str:
        async with httpx.AsyncClient() as client:
            return await channel.send(client, Message("file", "alert", "t", "b"), now=NOW)

    with pytest.raises(PermanentDeliveryError):
        asyncio.run(go())


def test_a_folder_or_a_device_is_refused_as_a_path(tmp_path: Path) -> None:
    """The config refuses a file channel path that is a folder, a device or under a file."""
    (tmp_path / "plain").write_text("x", encoding="utf-8")
    for path, reason in [
        (tmp_path, "is a folder"),
        (Path("/dev/full"), "not a regular file"),
        (tmp_path / "plain" / "out.txt", "which is a file"),
    ]:
        with pytest.raises(ValueError, match=reason):
            FileOptions(id="f", path=path)


def test_file_options_refuse_unknown_fields() -> None:
    """A typo in the config is refused, not ignored."""
    with pytest.raises(ValueError, match="pathh"):
        FileOptions.model_validate({"id": "f", "kind": "file", "pathh": "x"})


def test_describe_names_the_file() -> None:
    """describe() says where messages go."""
    channel = build_channel(FileOptions(id="f", path=Path("var/m.txt")))
    assert "var/m.txt" in channel.describe()
