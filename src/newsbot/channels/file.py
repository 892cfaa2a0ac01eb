"""The ``file`` channel: the local sink, appending each message to a text file.

Used by ``make demo`` and by anyone trying newsbot without a chat platform. It writes and
prints nothing; a message that is in flight at a crash may be appended twice (at least once).

Usage::

    FileChannel(FileOptions(id="local", kind="file", path=Path("var/messages.txt")))
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import httpx
from pydantic import field_validator

from newsbot.channels._registry import register_channel
from newsbot.channels.base import Channel, ChannelOptions, Format
from newsbot.errors import PermanentDeliveryError, TransientDeliveryError
from newsbot.models import Message

SEPARATOR = "\n" + "-" * 60 + "\n"


class FileOptions(ChannelOptions, frozen=True, extra="forbid"):
    """Where to append messages: a regular file (created with its folders when missing)."""

    kind: str = "file"
    path: Path = Path("var/messages.txt")

    @field_validator("path")
    @classmethod
    def _writable_shape(cls, value: Path) -> Path:
        """Refuse what can never be appended to: a folder, a device, a path under a file."""
        if not str(value).strip() or "\x00" in str(value):
            raise ValueError("path must name a file")
        try:
            _check_file_path(value)
        except OSError as exc:
            raise ValueError(f"{value}: {exc.strerror or exc}") from None
        return value


def _check_file_path(value: Path) -> None:
    if value.is_dir():
        raise ValueError(f"{value} is a folder; name a file in it")
    if value.exists() and not value.is_file():
        raise ValueError(f"{value} is not a regular file (a device or a pipe)")
    for parent in value.parents:
        if parent.exists():
            if not parent.is_dir():
                raise ValueError(f"{value} is under {parent}, which is a file")
            break


@register_channel
class FileChannel(Channel):
    """Appends ``title``, ``body`` and a separator line to ``path`` (UTF-8)."""

    kind: ClassVar[str] = "file"
    Options: ClassVar[type[ChannelOptions]] = FileOptions
    format: ClassVar[Format] = "text"
    # No platform, no limits: a local file takes any size at any pace.
    max_body_bytes: ClassVar[int | None] = None
    max_per_minute: ClassVar[float | None] = None

    @property
    def path(self) -> Path:
        """The file messages are appended to."""
        options = self.options
        assert isinstance(options, FileOptions)
        return options.path

    def endpoint(self) -> str:
        """The file's path (no secrets here)."""
        return str(self.path)

    def build_request(self, message: Message, *, now: datetime) -> httpx.Request:
        """A file:// request carrying the text (for inspection; ``send`` writes directly)."""
        return httpx.Request("POST", self.path.resolve().as_uri(), content=self.text(message, now))

    def check_response(self, response: httpx.Response) -> str:
        """Never used by this channel: there is no remote answer."""
        return response.text

    @staticmethod
    def text(message: Message, now: datetime) -> str:
        """What one message looks like in the file."""
        part = f" ({message.part}/{message.parts})" if message.parts > 1 else ""
        stamp = now.isoformat(timespec="seconds")
        return f"[{stamp}] {message.title}{part}\n{message.body}{SEPARATOR}"

    async def send(self, client: httpx.AsyncClient, message: Message, *, now: datetime) -> str:
        """Append the message to the file; a failing disk is worth retrying, a bad path not."""
        data = self.text(message, now)
        try:
            size = await asyncio.to_thread(self._append, data)
        except (IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            raise PermanentDeliveryError(
                f"cannot write {self.path}: {exc.strerror}", channel=self.id
            ) from exc
        except OSError as exc:  # a full disk or a flaky mount may recover
            raise TransientDeliveryError(
                f"cannot write {self.path}: {exc.strerror}", channel=self.id
            ) from exc
        return f"appended {size} bytes to {self.path}"

    def _append(self, data: str) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        encoded = data.encode("utf-8")
        with self.path.open("ab") as handle:
            handle.write(encoded)
        return len(encoded)
