"""Config as code: YAML under ``config/`` -> validated, frozen :class:`Settings`.

The file (default ``config/newsbot.yaml``) declares sources, channels, subscribers with
their rules, the admin channel, and points at the topic catalog (``topics.yaml``). Every
problem is reported as ``file:line: message``, all of them at once.

Secrets are references to environment variables, never literals::

    channels:
      - id: ops-wecom
        kind: wecom
        key: {$env: WECOM_KEY}

Usage::

    settings = load_settings(Path("config/newsbot.yaml"))
    settings.sources["ywsb"], settings.subscribers["chen"].rules
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from newsbot._yaml import YamlDocument, load_yaml
from newsbot.errors import ConfigError, ConfigProblem
from newsbot.models import Topic
from newsbot.secrets import Secret, redact_url

if TYPE_CHECKING:
    from newsbot.channels import ChannelOptions
    from newsbot.match import RuleSpec
    from newsbot.sources import SourceOptions

DEFAULT_TIMEZONE = "Asia/Shanghai"
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_SPAN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


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
    max_items: int = 20  # items per message; a longer digest goes out in numbered parts

    @field_validator("at")
    @classmethod
    def _check_at(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("must be HH:MM, e.g. 08:00")
        return value


class RuleSettings(_Strict):
    """One rule as written in YAML; becomes a :class:`newsbot.match.RuleSpec`."""

    id: str
    match: str | None = None
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    fields: tuple[Literal["headline", "summary", "body"], ...] = ("headline", "summary", "body")
    sources: tuple[str, ...] = ()
    deliver: Literal["alert", "digest", "both"] = "digest"


class SubscriberSettings(_Strict):
    """A subscriber: who they are, where messages go, what they want and when."""

    id: str
    name: str = ""
    role: Literal["reader", "merchant", "official", "admin"] = "reader"
    timezone: str = DEFAULT_TIMEZONE
    channels: tuple[str, ...]
    rules: tuple[RuleSettings, ...] = ()
    digest: DigestSettings = DigestSettings()
    quiet_hours: str | None = None
    active: bool = True

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("ids are letters, digits, '.', '_' or '-' (at most 100)")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _check_quiet(cls, value: str | None) -> str | None:
        if value is not None and not _SPAN.match(value):
            raise ValueError("must be HH:MM-HH:MM, e.g. 22:00-07:00")
        return value


class AdminSettings(_Strict):
    """Where admin alerts go (a broken source, a failing channel) and when."""

    channel: str | None = None
    failure_threshold: int = 3


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


def load_settings(path: Path, *, environ: Mapping[str, str] | None = None) -> Settings:
    """Load and validate ``path``; raise ConfigError listing every problem as file:line."""
    env = os.environ if environ is None else environ
    doc = load_yaml(path)
    loader = _Loader(doc, env)
    return loader.settings()


class _Loader:
    """Validates one document, collecting every problem instead of stopping at the first."""

    def __init__(self, doc: YamlDocument, env: Mapping[str, str]) -> None:
        self.doc = doc
        self.env = env
        self.problems: list[ConfigProblem] = []
        self.warnings: list[ConfigProblem] = []

    def settings(self) -> Settings:
        data = self.doc.data
        if not isinstance(data, dict):
            raise ConfigError([self.doc.problem((), "the top level must be a mapping")])
        for key in data:
            if key not in _TOP_LEVEL:
                self.problems.append(self.doc.problem((key,), f"unknown setting {key!r}"))
        timezone = self._timezone(data.get("timezone", DEFAULT_TIMEZONE))
        topics = self._topics(data.get("topics_file", "topics.yaml"))
        sources, source_refs = self._adapters("sources", data.get("sources") or [], "source")
        channels, channel_refs = self._adapters("channels", data.get("channels") or [], "channel")
        admin = self._model(AdminSettings, data.get("admin") or {}, ("admin",))
        http_data = self._resolve_secrets(data.get("http") or {}, ("http",))
        http = self._model(HttpSettings, http_data, ("http",))
        subscribers = self._subscribers(data.get("subscribers") or [], topics, channels, sources)
        if admin is not None and admin.channel and admin.channel not in channels:
            self.problems.append(
                self.doc.problem(("admin", "channel"), f"unknown channel {admin.channel!r}")
            )
        if self.problems:
            raise ConfigError(self.problems)
        templates = data.get("templates_dir")
        return Settings(
            path=Path(self.doc.file),
            version=_version(data, topics),
            timezone=timezone,
            templates_dir=self._relative(templates) if templates else None,
            topics=topics,
            sources=sources,
            channels=channels,
            subscribers=subscribers,
            admin=admin or AdminSettings(),
            channel_references=channel_refs,
            source_references=source_refs,
            warnings=tuple(self.warnings),
            http=http or HttpSettings(),
        )

    def _relative(self, value: str) -> Path:
        candidate = Path(value)
        return candidate if candidate.is_absolute() else Path(self.doc.file).parent / candidate

    def _timezone(self, value: Any) -> str:
        try:
            ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            self.problems.append(self.doc.problem(("timezone",), f"unknown time zone {value!r}"))
            return DEFAULT_TIMEZONE
        return str(value)

    def _topics(self, value: Any) -> tuple[Topic, ...]:
        from newsbot.topics import catalog_path, load_topics

        try:
            return load_topics(catalog_path(self._relative(str(value))))
        except ConfigError as exc:
            self.problems.extend(exc.problems)
            return ()

    def _model(self, model: type[BaseModel], data: Any, where: tuple[str | int, ...]) -> Any:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                loc = (*where, *error["loc"])
                label = ".".join(str(part) for part in error["loc"]) or where[-1]
                self.problems.append(self.doc.problem(loc, f"{label}: {error['msg']}"))
            return None

    def _adapters(
        self, section: str, items: Any, noun: str
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        from newsbot.channels import CHANNEL_KINDS
        from newsbot.sources import SOURCE_KINDS

        kinds: Mapping[str, Any] = SOURCE_KINDS if section == "sources" else CHANNEL_KINDS
        validated: dict[str, Any] = {}
        references: dict[str, dict[str, Any]] = {}
        if not isinstance(items, list):
            self.problems.append(self.doc.problem((section,), f"{section} must be a list"))
            return validated, references
        for index, item in enumerate(items):
            where = (section, index)
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                self.problems.append(self.doc.problem(where, f"each {noun} needs an 'id'"))
                continue
            ident = item["id"]
            kind = item.get("kind")
            if not isinstance(kind, str) or kind not in kinds:
                known = ", ".join(sorted(kinds))
                self.problems.append(
                    self.doc.problem(
                        (*where, "kind"),
                        f"{noun} {ident!r}: unknown kind {kind!r} (known: {known})",
                    )
                )
                continue
            if ident in validated:
                self.problems.append(
                    self.doc.problem((*where, "id"), f"duplicate {noun} id {ident!r}")
                )
                continue
            resolved = self._resolve_secrets(item, where)
            options = self._model(kinds[kind].Options, resolved, where)
            if options is not None:
                validated[ident] = options
                references[ident] = item
        return validated, references

    def _resolve_secrets(self, value: Any, where: tuple[str | int, ...]) -> Any:
        if isinstance(value, dict):
            if set(value) == {"$env"}:
                name = value["$env"]
                if name not in self.env:
                    self.warnings.append(
                        self.doc.problem(where, f"environment variable {name} is not set")
                    )
                return Secret(self.env.get(name, ""))
            return {k: self._resolve_secrets(v, (*where, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve_secrets(v, (*where, i)) for i, v in enumerate(value)]
        if (
            isinstance(value, str)
            and value.startswith(("http://", "https://"))
            and redact_url(value) != value
        ):
            self.problems.append(
                self.doc.problem(
                    where, "a secret is written into this URL: move it to {$env: NAME}"
                )
            )
        return value

    def _subscribers(
        self,
        items: Any,
        topics: tuple[Topic, ...],
        channels: Mapping[str, Any],
        sources: Mapping[str, Any],
    ) -> dict[str, Subscriber]:
        result: dict[str, Subscriber] = {}
        if not isinstance(items, list):
            self.problems.append(self.doc.problem(("subscribers",), "subscribers must be a list"))
            return result
        topic_ids = {t.id for t in topics}
        for index, item in enumerate(items):
            where: tuple[str | int, ...] = ("subscribers", index)
            settings = self._model(SubscriberSettings, item, where)
            if settings is None:
                continue
            if settings.id in result:
                self.problems.append(
                    self.doc.problem((*where, "id"), f"duplicate subscriber id {settings.id!r}")
                )
                continue
            for i, channel in enumerate(settings.channels):
                if channel not in channels:
                    self.problems.append(
                        self.doc.problem((*where, "channels", i), f"unknown channel {channel!r}")
                    )
            rules = self._rules(settings, where, topic_ids, sources)
            result[settings.id] = Subscriber(settings=settings, rules=rules)
        return result

    def _rules(
        self,
        subscriber: SubscriberSettings,
        where: tuple[str | int, ...],
        topic_ids: set[str],
        sources: Mapping[str, Any],
    ) -> tuple[RuleSpec, ...]:
        from newsbot.match import RuleSpec, RuleSyntaxError, parse_query, validate_rule

        specs: list[RuleSpec] = []
        seen: set[str] = set()
        for index, rule in enumerate(subscriber.rules):
            at = (*where, "rules", index)
            if rule.id in seen:
                self.problems.append(
                    self.doc.problem((*at, "id"), f"duplicate rule id {rule.id!r}")
                )
            seen.add(rule.id)
            if rule.match is not None:
                try:
                    parse_query(rule.match)
                except RuleSyntaxError as exc:
                    self.problems.append(
                        self.doc.problem((*at, "match"), f"rule {rule.id!r}: {exc}")
                    )
                    continue
            for i, source in enumerate(rule.sources):
                if source not in sources:
                    self.problems.append(
                        self.doc.problem((*at, "sources", i), f"unknown source {source!r}")
                    )
            spec = RuleSpec(
                id=f"{subscriber.id}/{rule.id}",
                subscriber_id=subscriber.id,
                query=rule.match,
                any=rule.any,
                all=rule.all,
                none=rule.none,
                topics=rule.topics,
                fields=rule.fields,
                sources=rule.sources,
                mode=rule.deliver,
            )
            for message in validate_rule(spec, topic_ids):
                self.problems.append(self.doc.problem(at, message))
            specs.append(spec)
        return tuple(specs)


def _version(data: Any, topics: tuple[Topic, ...]) -> str:
    canonical = json.dumps(
        [data, [(t.id, t.terms) for t in topics]], sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def default_config_path(explicit: Path | None) -> Path:
    """``--config`` if given, else ``config/newsbot.yaml`` in the cwd, else the bundled sample."""
    if explicit is not None:
        return explicit
    local = Path("config/newsbot.yaml")
    if local.exists():
        return local
    from newsbot.resources import sample_config

    return sample_config()
