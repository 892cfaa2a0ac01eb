"""YAML that remembers where every value came from, so errors can say ``file:line``.

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
        raw = path.read_bytes()
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
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError([ConfigProblem(file, line, f"invalid YAML: {exc.problem}")]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError([ConfigProblem(file, None, f"invalid YAML: {exc}")]) from exc
    doc = YamlDocument(file=file, data=None)
    if node is None:
        doc.data = {}
        return doc
    problems: list[ConfigProblem] = []
    doc.data = _convert(node, (), doc, problems)
    if problems:
        raise ConfigError(problems)
    return doc


def _convert(
    node: yaml.Node, path: PathKey, doc: YamlDocument, problems: list[ConfigProblem]
) -> Any:
    doc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if not isinstance(key, str | int):
                problems.append(
                    ConfigProblem(doc.file, key_node.start_mark.line + 1, "keys must be text")
                )
                continue
            key = str(key)
            if key in result:
                line = key_node.start_mark.line + 1
                problems.append(ConfigProblem(doc.file, line, f"duplicate key {key!r}"))
            result[key] = _convert(value_node, (*path, key), doc, problems)
            # Point at the key's line: "subscribers:" is where a reader looks, not the value.
            doc.lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, (*path, i), doc, problems) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    # The safe constructor resolves tags (int, bool, null, timestamps) exactly as yaml.safe_load.
    return yaml.SafeLoader("").construct_object(node, deep=True)
