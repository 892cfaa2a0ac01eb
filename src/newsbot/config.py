"""Config as code: YAML under ``config/`` -> validated, frozen :class:`Settings`.

The file (default ``config/newsbot.yaml``) declares sources, channels, subscribers with
their rules, the admin channel, and points at the topic catalog (``topics.yaml``). Every
problem is reported as ``file:line: message``, all of them at once.

Secrets are references to environment variables, never literals::

    channels:
      - id: ops-wecom
        kind: wecom
        key: {$env: WECOM_KEY}

This module holds the models (what a valid config is); :mod:`newsbot._config_loader` walks
the file, section by section, and collects the problems.

Usage::

    settings = load_settings(Path("config/newsbot.yaml"))
    settings.sources["ywsb"], settings.subscribers["chen"].rules
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from newsbot._validate import SafeId, TimeZoneName, quiet_span
from newsbot._yaml import load_yaml
from newsbot.errors import ConfigProblem
from newsbot.models import Topic
from newsbot.secrets import Secret

if TYPE_CHECKING:
    from newsbot.channels import ChannelOptions
    from newsbot.match import RuleSpec
    from newsbot.sources import SourceOptions

DEFAULT_TIMEZONE = "Asia/Shanghai"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_TERMS = 200  # keywords in one rule's any/all/none
MAX_TERM_CHARS = 200


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def parse_hhmm(text: str) -> time:
    """``"08:30"`` -> ``time(8, 30)``; ``"24:00"`` is the end of the day."""
    hour, minute = (int(part) for part in text.split(":"))
    return time.max if hour == 24 else time(hour, minute)


class DigestSettings(_Strict):
    """When a subscriber's digest goes out, in the subscriber's time zone."""

    at: str = "08:00"
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] | None = None
    # items per message; a longer digest goes out in numbered parts
    max_items: int = Field(default=20, ge=1, le=500)

    @field_validator("at")
    @classmethod
    def _check_at(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("must be HH:MM, e.g. 08:00")
        return value


class RuleSettings(_Strict):
    """One rule as written in YAML; becomes a :class:`newsbot.match.RuleSpec`."""

    id: SafeId
    match: str | None = None
    any: tuple[str, ...] = Field(default=(), max_length=MAX_TERMS)
    all: tuple[str, ...] = Field(default=(), max_length=MAX_TERMS)
    none: tuple[str, ...] = Field(default=(), max_length=MAX_TERMS)
    topics: tuple[str, ...] = Field(default=(), max_length=MAX_TERMS)
    fields: tuple[Literal["headline", "summary", "body"], ...] = ("headline", "summary", "body")
    sources: tuple[str, ...] = Field(default=(), max_length=MAX_TERMS)
    deliver: Literal["alert", "digest", "both"] = "digest"

    @field_validator("any", "all", "none")
    @classmethod
    def _check_terms(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for term in value:
            if len(term) > MAX_TERM_CHARS:
                raise ValueError(f"a keyword is at most {MAX_TERM_CHARS} characters")
        return value


class SubscriberSettings(_Strict):
    """A subscriber: who they are, where messages go, what they want and when."""

    id: SafeId
    name: str = ""
    role: Literal["reader", "merchant", "official", "admin"] = "reader"
    timezone: TimeZoneName = DEFAULT_TIMEZONE
    channels: tuple[str, ...]
    rules: tuple[RuleSettings, ...] = ()
    digest: DigestSettings = DigestSettings()
    quiet_hours: str | None = None
    active: bool = True

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet(cls, value: str | None) -> str | None:
        return quiet_span(value) if value is not None else None


class AdminSettings(_Strict):
    """Where admin alerts go (a broken source, a failing channel) and when."""

    channel: str | None = None
    failure_threshold: int = Field(default=3, ge=1, le=1000)


class HttpSettings(_Strict):
    """The web console and health endpoints of ``newsbot run`` (docs/console.md).

    ``listen`` is ``HOST:PORT`` (off when unset); anywhere but loopback needs ``token``.
    """

    listen: str | None = None
    token: Secret | None = None
    playground_issues: int = Field(default=5, ge=1, le=50)  # issues the playground searches

    @field_validator("listen")
    @classmethod
    def _check_listen(cls, value: str | None) -> str | None:
        from newsbot.errors import ListenError
        from newsbot.web._server import OFF, parse_listen

        if value is not None and value.strip().lower() != OFF:
            try:
                parse_listen(value)
            except ListenError as exc:
                raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _token_beyond_loopback(self) -> HttpSettings:
        from newsbot.web._server import OFF, is_loopback, parse_listen

        if self.listen is None or self.listen.strip().lower() == OFF or self.token is not None:
            return self
        host, port = parse_listen(self.listen)
        if not is_loopback(host):
            raise ValueError(
                f"listen {host}:{port} is not loopback: set token to {{$env: NAME}} as well"
            )
        return self


@dataclass(frozen=True)
class Subscriber:
    """A validated subscriber with compiled-ready rules."""

    settings: SubscriberSettings
    rules: tuple[RuleSpec, ...]

    @property
    def id(self) -> str:
        return self.settings.id


@dataclass(frozen=True)
class Settings:
    """Everything the config file says, validated. ``version`` changes when the file does."""

    path: Path
    version: str
    timezone: str
    templates_dir: Path | None
    topics: tuple[Topic, ...]
    sources: Mapping[str, SourceOptions]
    channels: Mapping[str, ChannelOptions]
    subscribers: Mapping[str, Subscriber]
    admin: AdminSettings
    # Channel options exactly as written (secrets as {"$env": NAME}): what the database stores.
    channel_references: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    source_references: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    warnings: tuple[ConfigProblem, ...] = ()
    http: HttpSettings = field(default_factory=HttpSettings)
    # What a run would meet on this machine (a page-text folder that is missing): the
    # config loads, so `run` polls the other sources, but `config check` fails on these.
    runtime_problems: tuple[ConfigProblem, ...] = ()

    @property
    def rules(self) -> list[RuleSpec]:
        """Every active subscriber's rules, for the matcher."""
        return [r for s in self.subscribers.values() if s.settings.active for r in s.rules]


_TOP_LEVEL = {
    "timezone",
    "templates_dir",
    "topics_file",
    "sources",
    "channels",
    "subscribers",
    "admin",
    "http",
}


def load_settings(
    path: Path, *, environ: Mapping[str, str] | None = None, strict: bool = False
) -> Settings:
    """Load and validate ``path``; raise ConfigError listing every problem as file:line.

    ``strict``: an ``{$env: NAME}`` whose variable is unset is a problem, not a warning.
    """
    from newsbot._config_loader import Loader  # it builds this module's models

    env = os.environ if environ is None else environ
    return Loader(load_yaml(path), env, strict=strict).settings()


def default_config_path(explicit: Path | None) -> Path:
    """``--config`` if given, else ``config/newsbot.yaml`` in the cwd, else the bundled sample."""
    if explicit is not None:
        return explicit
    local = Path("config/newsbot.yaml")
    if local.exists():
        return local
    from newsbot.resources import sample_config

    return sample_config()
