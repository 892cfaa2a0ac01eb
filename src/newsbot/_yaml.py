"""YAML that remembers where every value came from, so errors can say ``file:line``.

A config file is untrusted text, so the loader accepts plain data only and answers at once:

- no tags at all (``!!python/...``, ``!custom``, even ``!!int``): a config never needs one;
- no merge keys (``<<``): write the keys out, or use an alias;
- at most :data:`MAX_ALIASES` aliases per file, no alias inside its own anchor (a cycle),
  and at most :data:`MAX_NODES` values once aliases are expanded (billion laughs);
- nesting at most :data:`MAX_DEPTH` levels; no lone surrogates in text;
- a scalar the safe constructor cannot build (``2025-13-45``, a 5000-digit number) is a
  problem at its line, not a traceback.

Usage::

    doc = load_yaml(Path("config/newsbot.yaml"))
    doc.data["subscribers"][0]["id"]
    doc.line_of(("subscribers", 0, "id"))   # -> 42
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from newsbot.errors import ConfigError, ConfigProblem

PathKey = tuple[str | int, ...]
MAX_CONFIG_BYTES = 5_000_000
MAX_DEPTH = 64  # mappings/lists inside each other; a real config nests about 6 deep
MAX_ALIASES = 50
MAX_NODES = 200_000  # values after expanding aliases


def _event_source() -> type:
    """libyaml's parser when PyYAML was built with it (about 6x faster on a large file), else
    PyYAML's own; either way the composer below is PyYAML's Python one, so it can refuse."""
    if not yaml.__with_libyaml__:
        return yaml.SafeLoader
    from yaml._yaml import CParser
    from yaml.composer import Composer
    from yaml.constructor import SafeConstructor
    from yaml.resolver import Resolver

    class _LibyamlEvents(CParser, Composer, SafeConstructor, Resolver):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

        # CParser composes in C, where nothing could be refused: take Composer's methods.
        get_single_node = Composer.get_single_node
        compose_document = Composer.compose_document
        compose_node = Composer.compose_node
        compose_scalar_node = Composer.compose_scalar_node
        compose_sequence_node = Composer.compose_sequence_node
        compose_mapping_node = Composer.compose_mapping_node

    return _LibyamlEvents


class _Refusals:
    """Mixed into a safe loader: its composer refuses tags, too many aliases or values and
    deep nesting as it reads, before anything is built."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)  # type: ignore[call-arg]
        self._depth = 0
        self._aliases = 0
        self._nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        mark = event.start_mark
        self._nodes += 1
        if self._nodes > MAX_NODES:  # before building them all: a 5 MB list would take minutes
            raise _refused(f"more than {MAX_NODES} values", mark)
        if isinstance(event, yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _refused(f"more than {MAX_ALIASES} aliases (*name)", mark)
            return super().compose_node(parent, index)  # type: ignore[misc]
        tag = getattr(event, "tag", None)
        if tag is not None and tag != "!":
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            raise _refused(f"tags such as {shown} are not allowed in config", mark)
        if isinstance(event, yaml.CollectionStartEvent):
            if self._depth >= MAX_DEPTH:
                raise _refused(f"nested deeper than {MAX_DEPTH} levels", mark)
            self._depth += 1
            try:
                return super().compose_node(parent, index)  # type: ignore[misc]
            finally:
                self._depth -= 1
        return super().compose_node(parent, index)  # type: ignore[misc]


def _refused(problem: str, mark: Any) -> yaml.MarkedYAMLError:
    return yaml.composer.ComposerError(None, None, problem, mark)


# The same refusals over PyYAML's pure-Python events and, when built in, libyaml's.
PURE_LOADER: type = type("_PureSafeComposer", (_Refusals, yaml.SafeLoader), {})
_LOADER: type = type("_SafeComposer", (_Refusals, _event_source()), {})


@dataclass
class YamlDocument:
    """Plain Python data plus a map from each value's path to its line (1-based)."""

    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: Sequence[str | int]) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get(())

    def problem(self, path: Sequence[str | int], message: str) -> ConfigProblem:
        """A :class:`ConfigProblem` located at ``path``."""
        return ConfigProblem(self.file, self.line_of(path), message)


def load_yaml(path: Path) -> YamlDocument:
    """Read ``path`` as YAML (safe types only); raise ConfigError naming file:line on failure."""
    name = str(path)
    try:
        # Bounded read: /dev/zero or a runaway file must not be read forever.
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError([ConfigProblem(name, None, f"cannot read: {exc.strerror}")]) from exc
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError([ConfigProblem(name, None, "file is larger than 5 MB")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError([ConfigProblem(name, line, "not valid UTF-8")]) from exc
    return parse_yaml(text, name)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse YAML ``text``; ``file`` names it in errors."""
    try:
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        said = f"{exc.context}, {exc.problem}" if exc.context else exc.problem
        raise ConfigError([ConfigProblem(file, line, f"invalid YAML: {said}")]) from exc
    except yaml.reader.ReaderError as exc:  # a control character: name its line, not the offset
        line = text[: exc.position].count("\n") + 1
        said = f"unacceptable character #x{exc.character:04x}"
        raise ConfigError([ConfigProblem(file, line, f"invalid YAML: {said}")]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([ConfigProblem(file, None, f"invalid YAML: {exc}")]) from exc
    doc = YamlDocument(file=file, data=None)
    if node is None:
        doc.data = {}
        return doc
    converter = _Converter(doc)
    try:
        doc.data = converter.convert(node, ())
    except _TooBig as exc:
        raise ConfigError([ConfigProblem(file, exc.line, str(exc))]) from None
    if converter.problems:
        raise ConfigError(converter.problems)
    return doc


class _TooBig(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class _Converter:
    """Node graph -> plain data, counting values so expanded aliases stay bounded."""

    def __init__(self, doc: YamlDocument) -> None:
        self.doc = doc
        self.problems: list[ConfigProblem] = []
        self.nodes = 0
        self.open: set[int] = set()  # collections being converted: an alias to one is a cycle
        self.constructor = yaml.SafeLoader("")

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(ConfigProblem(self.doc.file, node.start_mark.line + 1, message))

    def convert(self, node: yaml.Node, path: PathKey) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooBig(f"more than {MAX_NODES} values once aliases are expanded", _line(node))
        self.doc.lines[path] = _line(node)
        if not isinstance(node, yaml.CollectionNode):
            return self.scalar(node)
        if id(node) in self.open:
            self.problem(node, "an alias refers to its own anchor (a cycle)")
            return None
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, path)
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.open.discard(id(node))

    def mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problem(key_node, "merge keys (<<) are not supported: write the keys out")
                continue
            key = self.scalar(key_node) if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str | int) or isinstance(key, bool):
                self.problem(key_node, "keys must be text (quote a key such as 'on' or 'yes')")
                continue
            key = str(key)
            if key in result:
                self.problem(key_node, f"duplicate key {key!r}")
            result[key] = self.convert(value_node, (*path, key))
            # Point at the key's line: "subscribers:" is where a reader looks, not the value.
            self.doc.lines[(*path, key)] = _line(key_node)
        return result

    def scalar(self, node: yaml.Node) -> Any:
        # The safe constructor resolves plain scalars (int, bool, null, timestamps) exactly as
        # yaml.safe_load; what it cannot build is a problem at the node's line.
        try:
            value = self.constructor.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            self.problem(node, f"invalid value {_shown(node)}: {reason}")
            return None
        if isinstance(value, str) and _has_surrogate(value):
            self.problem(node, "text contains a lone surrogate (not valid Unicode)")
            return None
        return value


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _shown(node: yaml.Node) -> str:
    text = str(node.value)
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
