"""How a config file becomes :class:`newsbot.config.Settings`: every problem, at its line.

:class:`Loader` walks the YAML document section by section, resolves ``{$env: NAME}``
references into :class:`~newsbot.secrets.Secret`, validates each part with the models of
:mod:`newsbot.config`, and collects every problem as ``file:line: message`` instead of
stopping at the first; it raises one :class:`~newsbot.errors.ConfigError` listing them all.
Callers use :func:`newsbot.config.load_settings`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from newsbot._validate import env_name, known_timezone, path_kind
from newsbot._yaml import YamlDocument
from newsbot.config import (
    _TOP_LEVEL,
    DEFAULT_TIMEZONE,
    AdminSettings,
    HttpSettings,
    Settings,
    Subscriber,
    SubscriberSettings,
)
from newsbot.errors import ConfigError, ConfigProblem
from newsbot.models import Topic
from newsbot.secrets import Secret, inline_secret

if TYPE_CHECKING:
    from newsbot.match import RuleSpec


class Loader:
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
        from newsbot._rule_sources import source_problems
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
                    query = parse_query(rule.match)
                except RuleSyntaxError as exc:
                    self.problems.append(
                        self.doc.problem((*at, "match"), f"rule {rule.id!r}: {exc}")
                    )
                    continue
                for problem in source_problems(query, sources):
                    self.problems.append(
                        self.doc.problem((*at, "match"), f"rule {rule.id!r}: {problem}")
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


def _shown(value: str, limit_chars: int = 60) -> str:
    """``value`` quoted for a message, shortened: a config mistake is not echoed in full."""
    return repr(value if len(value) <= limit_chars else value[:limit_chars] + "…")
