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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from newsbot._validate import env_name, known_timezone, path_kind, quiet_span, safe_id
from newsbot._yaml import YamlDocument, load_yaml
from newsbot.errors import ConfigError, ConfigProblem
from newsbot.models import Topic
from newsbot.secrets import Secret, inline_secret

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

    id: str
    match: str | None = None
    any: tuple[str, ...] = Field(default=(), max_length=MAX_TERMS)
    all: tuple[str, ...] = Field(default=(), max_length=MAX_TERMS)
    none: tuple[str, ...] = Field(default=(), max_length=MAX_TERMS)
    topics: tuple[str, ...] = Field(default=(), max_length=MAX_TERMS)
    fields: tuple[Literal["headline", "summary", "body"], ...] = ("headline", "summary", "body")
    sources: tuple[str, ...] = Field(default=(), max_length=MAX_TERMS)
    deliver: Literal["alert", "digest", "both"] = "digest"

    @field_validator("id")
    @classmethod
    def _check_id(cls, value: str) -> str:
        return safe_id(value)

    @field_validator("any", "all", "none")
    @classmethod
    def _check_terms(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for term in value:
            if len(term) > MAX_TERM_CHARS:
                raise ValueError(f"a keyword is at most {MAX_TERM_CHARS} characters")
        return value


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
        return safe_id(value)

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return known_timezone(value)

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
    env = os.environ if environ is None else environ
    doc = load_yaml(path)
    loader = _Loader(doc, env, strict=strict)
    return loader.settings()


class _Loader:
    """Validates one document, collecting every problem instead of stopping at the first."""

    def __init__(self, doc: YamlDocument, env: Mapping[str, str], *, strict: bool) -> None:
        self.doc = doc
        self.env = env
        self.strict = strict
        self.problems: list[ConfigProblem] = []
        self.warnings: list[ConfigProblem] = []
        self.runtime: list[ConfigProblem] = []

    def settings(self) -> Settings:
        data = self.doc.data
        if not isinstance(data, dict):
            raise ConfigError([self.doc.problem((), "the top level must be a mapping")])
        for key in data:
            if key not in _TOP_LEVEL:
                self.problems.append(self.doc.problem((key,), f"unknown setting {key!r}"))
        timezone = self._timezone(data.get("timezone", DEFAULT_TIMEZONE))
        topics = self._topics(data.get("topics_file"))
        templates = self._templates_dir(data.get("templates_dir"))
        sources, source_refs = self._adapters("sources", data.get("sources") or [], "source")
        channels, channel_refs = self._adapters("channels", data.get("channels") or [], "channel")
        admin = self._model(AdminSettings, data.get("admin") or {}, ("admin",))
        http_data = self._resolve_secrets(data.get("http") or {}, ("http",))
        http = self._model(HttpSettings, http_data, ("http",))
        if http is not None:
            self._refuse_inline(http, data.get("http") or {}, ("http",), "http")
        subscribers = self._subscribers(data.get("subscribers") or [], topics, channels, sources)
        if admin is not None and admin.channel and admin.channel not in channels:
            self.problems.append(
                self.doc.problem(("admin", "channel"), f"unknown channel {admin.channel!r}")
            )
        if self.problems:
            # In file order, as a reader fixes them (checks run by kind, not by line).
            raise ConfigError(sorted(self.problems, key=lambda p: (p.file, p.line or 0)))
        return Settings(
            path=Path(self.doc.file),
            version=_version(data, topics),
            timezone=timezone,
            templates_dir=templates,
            topics=topics,
            sources=sources,
            channels=channels,
            subscribers=subscribers,
            admin=admin or AdminSettings(),
            channel_references=channel_refs,
            source_references=source_refs,
            warnings=tuple(self.warnings),
            http=http or HttpSettings(),
            runtime_problems=tuple(self.runtime),
        )

    def _relative(self, value: str) -> Path:
        candidate = Path(value)
        return candidate if candidate.is_absolute() else Path(self.doc.file).parent / candidate

    def _timezone(self, value: Any) -> str:
        try:
            return known_timezone(value if isinstance(value, str) else repr(value))
        except ValueError as exc:
            self.problems.append(self.doc.problem(("timezone",), str(exc)))
            return DEFAULT_TIMEZONE

    def _named_path(self, key: str, value: Any, noun: str) -> Path | None:
        """``value`` as a path relative to the config file, or None after a problem."""
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            shown = type(value).__name__ if not isinstance(value, str) else repr(value[:40])
            self.problems.append(self.doc.problem((key,), f"{key} must name a {noun}, not {shown}"))
            return None
        return self._relative(value)

    def _templates_dir(self, value: Any) -> Path | None:
        if value is None:
            return None
        path = self._named_path("templates_dir", value, "folder")
        if path is not None and path_kind(path) != "folder":
            self.problems.append(
                self.doc.problem(
                    ("templates_dir",), f"templates_dir {_shown(value)}: no such folder"
                )
            )
            return None
        return path

    def _topics(self, value: Any) -> tuple[Topic, ...]:
        from newsbot.topics import catalog_path, load_topics

        if value is None:  # not named: topics.yaml beside the config, else the bundled one
            path = catalog_path(self._relative("topics.yaml"))
        else:
            named = self._named_path("topics_file", value, "file")
            if named is None:
                return ()
            kind = path_kind(named)
            if kind != "file":
                what = {"missing": "does not exist", "folder": "is not a regular file"}.get(
                    kind, "is not a regular file" if kind == "other" else f"cannot be read: {kind}"
                )
                self.problems.append(
                    self.doc.problem(("topics_file",), f"topics_file {_shown(value)} {what}")
                )
                return ()
            path = named
        try:
            return load_topics(path)
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
                said = error["msg"].removeprefix("Value error, ")  # pydantic's wording, not ours
                self.problems.append(self.doc.problem(loc, f"{label}: {said}"))
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
                self._refuse_inline(options, item, where, f"{noun} {ident!r}")
                self._check_machine(options, where, f"{noun} {ident!r}")
                validated[ident] = options
                references[ident] = item
        return validated, references

    def _resolve_secrets(self, value: Any, where: tuple[str | int, ...]) -> Any:
        if isinstance(value, dict):
            if "$env" in value:
                return self._env(value, where)
            return {k: self._resolve_secrets(v, (*where, k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve_secrets(v, (*where, i)) for i, v in enumerate(value)]
        if isinstance(value, str) and (found := inline_secret(value)):
            self.problems.append(
                self.doc.problem(
                    where, f"a secret is written into this URL ({found}): move it to {{$env: NAME}}"
                )
            )
        return value

    def _env(self, value: dict[str, Any], where: tuple[str | int, ...]) -> Secret:
        """Resolve ``{$env: NAME}``; an empty Secret when the reference is broken or unset."""
        if len(value) != 1:
            extra = ", ".join(sorted(repr(k) for k in value if k != "$env"))
            self.problems.append(
                self.doc.problem(where, f"{{$env: NAME}} takes no other key ({extra})")
            )
            return Secret("")
        try:
            name = env_name(value["$env"])
        except ValueError as exc:
            self.problems.append(self.doc.problem((*where, "$env"), str(exc)))
            return Secret("")
        if name not in self.env:
            found = self.problems if self.strict else self.warnings
            found.append(self.doc.problem(where, f"environment variable {name} is not set"))
        return Secret(self.env.get(name, ""))

    def _refuse_inline(
        self, options: BaseModel, item: dict[str, Any], where: tuple[str | int, ...], label: str
    ) -> None:
        """A secret field must be ``{$env: NAME}``: a value written in the file is refused."""
        for name, value in options:
            raw = item.get(name)
            if isinstance(value, Secret) and not (isinstance(raw, dict) and "$env" in raw):
                self.problems.append(
                    self.doc.problem(
                        (*where, name),
                        f"{label}: {name} is a secret: write {{$env: NAME}}, never the value",
                    )
                )

    def _check_machine(self, options: BaseModel, where: tuple[str | int, ...], label: str) -> None:
        """What a run would find on this machine, short of the network (see runtime_problems)."""
        url = getattr(options, "url", None)
        if getattr(options, "kind", "") == "epaper" and isinstance(url, str) and "{date" not in url:
            self.warnings.append(
                self.doc.problem(
                    (*where, "url"),
                    f"{label}: the URL has no {{date:...}}: only the current issue can be polled",
                )
            )
        folder = getattr(options, "folder", None)
        if isinstance(folder, Path) and path_kind(folder) != "folder":
            self.runtime.append(
                self.doc.problem((*where, "folder"), f"{label}: folder {folder} does not exist")
            )

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
        from newsbot.match._ast import SourceRef, walk

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
                    query = parse_query(rule.match)
                except RuleSyntaxError as exc:
                    self.problems.append(
                        self.doc.problem((*at, "match"), f"rule {rule.id!r}: {exc}")
                    )
                    continue
                named = {n.id for n in walk(query.root) if isinstance(n, SourceRef)}
                for name in sorted(named - set(sources)):
                    self.problems.append(
                        self.doc.problem(
                            (*at, "match"), f"rule {rule.id!r}: unknown source {name!r}"
                        )
                    )
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


def _shown(value: str, limit_chars: int = 60) -> str:
    """``value`` quoted for a message, shortened: a config mistake is not echoed in full."""
    return repr(value if len(value) <= limit_chars else value[:limit_chars] + "…")
