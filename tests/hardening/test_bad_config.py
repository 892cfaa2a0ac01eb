"""Bad config, by class: each row is refused by `newsbot config check` with file:line, exit 2.

Classes: hostile YAML (tags, aliases, merge keys, nesting), wrong types, out-of-range
numbers, bad ids, zones and times, paths and URLs that a run would trip on, and the
``{$env: NAME}`` reference itself. Every row also runs as a real process with a timeout
(`test_the_corpus_through_real_processes`), so a hang is a failure, not a stalled suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.hardening._harness import (
    FIXTURES,
    Case,
    cfg,
    check_in_process,
    check_subprocesses,
    write_case,
)

import newsbot._yaml
from newsbot._yaml import parse_yaml
from newsbot.cli import cli
from newsbot.config import load_settings
from newsbot.errors import ConfigError, SourceError
from newsbot.sources import build_source
from newsbot.sources._schedule import MAX_BACKOFF_S, next_poll_at
from newsbot.sources.base import MAX_JITTER_S, Fetched, Schedule, SourceState
from newsbot.sources.feed import FeedOptions
from newsbot.sources.pagetext import PagetextOptions

NOW = datetime(2025, 5, 16, 1, 0, tzinfo=UTC)


def _fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _deep_flow(levels: int) -> str:
    return "timezone: Asia/Shanghai\nx: " + "[" * levels + "]" * levels + "\n"


def _deep_block(levels: int) -> str:
    return "x:\n" + "".join(" " * (i + 1) + "- \n" for i in range(levels))


def _wecom(key: str) -> str:
    return f"- id: w\n  kind: wecom\n  key: {key}\n"


YAML_CASES = [
    Case("python tag", _fixture("python-tag.yaml"), ":2: invalid YAML: tags such as !!python"),
    Case("custom tag", cfg(top="admin: !secret {channel: local}"), "tags such as !secret"),
    Case("bad !!int", cfg(top="admin: {failure_threshold: !!int abc}"), "tags such as !!int"),
    Case("bad !!float", cfg(source="timeout_s: !!float x"), "tags such as !!float"),
    Case("impossible date", cfg(top="x: 2025-13-45"), "invalid value '2025-13-45'"),
    Case("5000-digit number", cfg(top="x: " + "9" * 5000), "invalid value"),
    Case("billion laughs", _fixture("billion-laughs.yaml"), "more than 50 aliases"),
    Case("exponential aliases", _fixture("few-wide-aliases.yaml"), "once aliases are expanded"),
    Case("alias cycle", _fixture("alias-cycle.yaml"), ":2: an alias refers to its own anchor"),
    Case("merge key", _fixture("merge-key.yaml"), ":7: merge keys (<<) are not supported"),
    Case(
        "deep flow nesting",
        _deep_flow(5000),
        ":2: invalid YAML: nested deeper than 64 | :2: invalid YAML: while increasing flow level, exceeded maximum nesting depth",
    ),
    Case("deep block nesting", _deep_block(3000), "nested deeper than 64"),
    Case(
        "lone surrogate",
        cfg(top='x: "\\ud800"'),
        ":2: text contains a lone surrogate | :2: invalid YAML: while parsing a quoted scalar, found invalid Unicode",
    ),
    Case("not UTF-8", b"timezone: Asia/Shanghai\nx: \xff\xfe\n", ":2: not valid UTF-8"),
    Case(
        "NUL byte",
        "timezone: Asia/Shanghai\nx: a\x00b\n",
        ":2: invalid YAML: unacceptable character",
    ),
    Case(
        "two documents",
        cfg() + "---\nx: 1\n",
        "expected a single document in the stream, but found another",
    ),
    Case("boolean key", cfg(top="yes: 1"), ":2: keys must be text"),
    Case("undefined alias", cfg(top="x: *nowhere"), "undefined alias"),
    Case("a 5 MB list", "x: [" + "1," * 2_400_000 + "]\n", "more than 200000 values"),
]

TYPE_CASES = [
    Case("$env name a number", cfg(channels=_wecom("{$env: 42}")), "not int"),
    Case("$env name a list", cfg(channels=_wecom("{$env: [A, B]}")), "not list"),
    Case("$env name null", cfg(channels=_wecom("{$env: null}")), "not NoneType"),
    Case("$env name empty", cfg(channels=_wecom("{$env: ''}")), "not an empty one"),
    Case("$env name with NUL", cfg(channels=_wecom('{$env: "A\\0B"}')), "cannot be an environment"),
    Case("$env name with =", cfg(channels=_wecom("{$env: 'A=B'}")), "cannot be an environment"),
    Case("$env extra key", cfg(channels=_wecom("{$env: KEY, default: x}")), "takes no other key"),
    Case("templates_dir a number", cfg(top="templates_dir: 42"), "must name a folder, not int"),
    Case("templates_dir a list", cfg(top="templates_dir: [a]"), "must name a folder, not list"),
    Case("templates_dir missing", cfg(top="templates_dir: nowhere"), "no such folder"),
    Case(
        "template syntax error",
        cfg(top="templates_dir: tpl"),
        "tpl/wecom/alert.j2:2: template: ",
        files={"tpl/wecom/alert.j2": "{{ title }}\n{% if %}\n"},
    ),
    Case(
        "template with an unknown variable",
        cfg(top="templates_dir: tpl"),
        "the file alert template fails: 'nope' is undefined",
        files={"tpl/file/alert.j2": "{{ nope }}\n"},
    ),
    Case("topics_file a number", cfg(top="topics_file: 7"), "must name a file, not int"),
    Case("topics_file a list", cfg(top="topics_file: [a]"), "must name a file, not list"),
    Case("topics_file missing", cfg(top="topics_file: gone.yaml"), "does not exist"),
    Case("topics_file a folder", cfg(top="topics_file: ."), "is not a regular file"),
    Case("topics_file a device", cfg(top="topics_file: /dev/null"), "is not a regular file"),
    Case(
        "topics_file name too long",
        cfg(top="topics_file: " + "t" * 300),
        "cannot be read: File name too long",
    ),
    Case("secret a number", cfg(channels=_wecom("12345")), "a secret must be text"),
    Case(
        "header value a list",
        cfg(channels="- {id: h, kind: webhook, url: 'https://a.cn/h', headers: {X-A: [1]}}"),
        "headers: header X-A must be text or {$env: NAME}, not list",
    ),
    Case("unknown zone", cfg(timezone="Mars/Olympus"), "unknown time zone 'Mars/Olympus'"),
    Case(
        "unknown schedule zone",
        cfg(source="schedule: {timezone: Mars/Olympus}"),
        "unknown time zone 'Mars/Olympus'",
    ),
    Case("zone path", cfg(subscriber="timezone: ../../etc/passwd"), "unknown time zone"),
    Case(
        "empty id", cfg(sources="- {id: '', kind: feed, url: 'https://a.cn/f'}"), "cannot be empty"
    ),
    Case(
        "10k-char id",
        cfg(sources=f"- {{id: {'x' * 10000}, kind: feed, url: 'https://a.cn/f'}}"),
        "at most 100",
    ),
    Case("id with slash", cfg(channels="- {id: a/b, kind: file, path: x.txt}"), "no spaces or '/'"),
    Case(
        "id with space",
        cfg(rule="", subscriber="name: x").replace("id: chen", "id: 'chen wang'"),
        "no spaces",
    ),
    Case("rule id 10k", cfg().replace("id: fraud", "id: " + "r" * 10000), "at most 100"),
    Case("zero interval", cfg(source="schedule: {every_minutes: 0}"), "greater than or equal to 1"),
    Case(
        "sub-second interval",
        cfg(source="schedule: {every_minutes: 1e-300}"),
        "greater than or equal to 1",
    ),
    Case(
        "negative interval",
        cfg(source="schedule: {every_minutes: -5}"),
        "greater than or equal to 1",
    ),
    Case("NaN interval", cfg(source="schedule: {every_minutes: .nan}"), "finite number"),
    Case("infinite interval", cfg(source="schedule: {every_minutes: .inf}"), "finite number"),
    Case("1e308 interval", cfg(source="schedule: {every_minutes: 1e308}"), "less than or equal"),
    Case("1e30 jitter", cfg(source="schedule: {jitter_s: 1e30}"), "less than or equal to 3600"),
    Case(
        "zero timeout",
        cfg(source="timeout_s: 0"),
        "timeout_s: Input should be greater than or equal to 0.1",
    ),
    Case("NaN timeout", cfg(source="timeout_s: .nan"), "finite number"),
    Case(
        "negative host interval",
        cfg(source="min_interval_s: -1"),
        "min_interval_s: Input should be greater than or equal to 0",
    ),
    Case(
        "zero body cap",
        cfg(source="max_body_bytes: 0"),
        "max_body_bytes: Input should be greater than or equal to 1024",
    ),
    Case(
        "huge redirects",
        cfg(source="max_redirects: 100000"),
        "max_redirects: Input should be less than or equal to 20",
    ),
    Case(
        "NaN rate",
        cfg(channels="- {id: w, kind: file, path: w.txt, max_per_minute: .nan}"),
        "finite number",
    ),
    Case(
        "zero rate",
        cfg(channels="- {id: w, kind: file, path: w.txt, max_per_minute: 0}"),
        "max_per_minute: Input should be greater than or equal to 0.01",
    ),
    Case(
        "tiny rate",
        cfg(channels="- {id: w, kind: file, path: w.txt, max_per_minute: 1e-300}"),
        "greater than or equal to 0.01",
    ),
    Case("tiny timeout", cfg(source="timeout_s: 1e-300"), "greater than or equal to 0.1"),
    Case(
        "zero threshold",
        cfg(top="admin: {failure_threshold: 0}"),
        "failure_threshold: Input should be greater than or equal to 1",
    ),
    Case(
        "zero digest items",
        cfg(subscriber="digest: {max_items: 0}"),
        "digest.max_items: Input should be greater than or equal to 1",
    ),
    Case(
        "zero page cap",
        cfg(
            sources="- {id: ep, kind: epaper, url: 'https://a.cn/{date:%Y%m%d}/1.html', max_pages: 0}"
        ),
        "max_pages: Input should be greater than or equal to 1",
    ),
    Case(
        "huge item cap",
        cfg(
            sources="- {id: ep, kind: epaper, url: 'https://a.cn/{date:%Y%m%d}/1.html', max_articles: 1000000000}"
        ),
        "max_articles: Input should be less than or equal to 10000",
    ),
    Case("quiet 24:59", cfg(subscriber="quiet_hours: '23:00-24:59'"), "is not a time span"),
    Case("quiet empty span", cfg(subscriber="quiet_hours: '10:00-10:00'"), "is empty"),
    Case("quiet not a span", cfg(subscriber="quiet_hours: 'late'"), "HH:MM-HH:MM"),
    Case("quiet 25:00", cfg(subscriber="quiet_hours: '25:00-01:00'"), "is not a time span"),
    Case(
        "topics unknown key",
        cfg(),
        "unknown key 'colour'",
        files={"topics.yaml": "topics:\n  - {id: trade, terms: [展会], colour: red}\n"},
    ),
    Case(
        "topics name a list",
        cfg(),
        "name must be text",
        files={"topics.yaml": "topics:\n  - {id: trade, name: [a], terms: [展会]}\n"},
    ),
    Case(
        "topics unknown top key",
        cfg(),
        "unknown key 'topic'",
        files={"topics.yaml": "topics: []\ntopic: []\n"},
    ),
    Case("rule names unknown source", cfg(rule="sources: [nowhere]"), "unknown source 'nowhere'"),
    Case(
        "query names unknown source",
        cfg(rule="").replace("OR 反洗钱", "source:nowhere"),
        "unknown source 'nowhere'",
    ),
    Case(
        "empty-matching regex",
        cfg().replace("电信网络诈骗 OR 反洗钱", "/(诈骗)?/"),
        "can match an empty text",
    ),
]


RUN_CASES = [
    Case(
        "feed file://",
        cfg().replace("https://news.example.cn/rss.xml", "file:///etc/passwd"),
        "only http:// and https://",
    ),
    Case(
        "feed ftp://",
        cfg().replace("https://news.example.cn/rss.xml", "ftp://a.cn/f.xml"),
        "only http://",
    ),
    Case(
        "feed javascript:",
        cfg().replace("https://news.example.cn/rss.xml", "'javascript:alert(1)'"),
        "only http://",
    ),
    Case(
        "feed not a URL",
        cfg().replace("https://news.example.cn/rss.xml", "'not a url'"),
        "spaces or control",
    ),
    Case(
        "feed port out of range", cfg().replace("news.example.cn", "a.cn:99999"), "not a valid URL"
    ),
    Case(
        "feed without host",
        cfg().replace("https://news.example.cn/rss.xml", "'https:///x'"),
        "names no host",
    ),
    Case(
        "epaper unknown placeholder",
        cfg(sources="- {id: ep, kind: epaper, url: 'https://a.cn/{date:%Y%m%d}/{nope}.html'}"),
        "unknown placeholder {nope}",
    ),
    Case(
        "epaper positional placeholder",
        cfg(sources="- {id: ep, kind: epaper, url: 'https://a.cn/{0}/1.html'}"),
        "unknown placeholder {0}",
    ),
    Case(
        "epaper bad attribute",
        cfg(sources="- {id: ep, kind: epaper, url: 'https://a.cn/{date.nope}/1.html'}"),
        "cannot be filled",
    ),
    Case(
        "pagetext url placeholder",
        cfg(sources="- {id: pt, kind: pagetext, urls: ['https://a.cn/{day}.txt']}"),
        "unknown placeholder {day}",
    ),
    Case(
        "pagetext folder missing",
        cfg(sources="- {id: pt, kind: pagetext, folder: /nonexistent/drop}"),
        "does not exist",
    ),
    Case(
        "pagetext pattern ..",
        cfg(sources="- {id: pt, kind: pagetext, folder: ., pattern: '../../../etc/*'}"),
        "no '..'",
    ),
    Case(
        "pagetext absolute pattern",
        cfg(sources="- {id: pt, kind: pagetext, folder: ., pattern: '/etc/*'}"),
        "relative to the folder",
    ),
    Case(
        "epaper bad selector",
        cfg(
            sources="- {id: ep, kind: epaper, url: 'https://a.cn/{date:%Y%m%d}/1.html', selectors: {articles: 'ul[[['}}"
        ),
        "not a CSS selector",
    ),
    Case("file channel a folder", cfg(channels="- {id: f2, kind: file, path: .}"), "is a folder"),
    Case(
        "file channel under a file",
        cfg(channels="- {id: f2, kind: file, path: topics.yaml/x.txt}"),
        "which is a file",
    ),
    Case(
        "file channel a device",
        cfg(channels="- {id: f2, kind: file, path: /dev/full}"),
        "not a regular file",
    ),
    Case(
        "strict: unset variable",
        cfg(channels=_wecom("{$env: NEWSBOT_TEST_UNSET_KEY}")),
        "environment variable NEWSBOT_TEST_UNSET_KEY is not set",
        args=("config", "check", "--strict"),
    ),
]

CASES = YAML_CASES + TYPE_CASES + RUN_CASES


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_bad_config_is_refused_in_one_line(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each corpus row ends with its exit code and message naming the file, never a traceback."""
    output = check_in_process(case, tmp_path, monkeypatch)
    assert str(tmp_path) in output, output


@pytest.mark.parametrize("case", [c for c in YAML_CASES if c.name != "a 5 MB list"], ids=str)
def test_yaml_refusals_hold_without_libyaml(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyYAML's pure-Python parser (no libyaml) gets the same refusals, in its own words."""
    monkeypatch.setattr(newsbot._yaml, "_LOADER", newsbot._yaml.PURE_LOADER)
    check_in_process(case, tmp_path, monkeypatch)


@pytest.mark.slow
def test_the_corpus_through_real_processes(tmp_path: Path) -> None:
    """Every row, run as a real `newsbot` process, finishes within the timeout the same way.

    NEWSBOT_FUZZ_ALL=1 runs every row; by default one row in five (the hangs included).
    """
    every = 1 if os.environ.get("NEWSBOT_FUZZ_ALL") else 5
    hangs = {"billion laughs", "exponential aliases", "deep flow nesting", "deep block nesting"}
    cases = [c for i, c in enumerate(CASES) if i % every == 0 or c.name in hangs]
    check_subprocesses(cases, tmp_path)


def test_the_sample_config_still_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped sample config passes the stricter checks (its secrets merely unset)."""
    monkeypatch.chdir(tmp_path)
    sample = Path(__file__).resolve().parents[2] / "config" / "newsbot.yaml"
    result = CliRunner().invoke(cli, ["--config", str(sample), "config", "check"], env={})
    assert result.exit_code == 0, result.output
    assert ": ok (" in result.output


def test_strict_opens_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`config check --strict` fails in one line on a database that is not there, and
    passes once `db upgrade` made it."""
    case = Case("strict ok", cfg(), "", args=("config", "check", "--strict"), exit_code=0)
    monkeypatch.chdir(tmp_path)
    config = write_case(case, tmp_path)
    env = {"NEWSBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'strict.db'}"}
    before = CliRunner().invoke(cli, ["--config", str(config), *case.args], env=env)
    assert before.exit_code != 0
    assert "db upgrade" in before.output
    assert "Traceback" not in before.output
    assert not (tmp_path / "strict.db").exists()
    CliRunner().invoke(cli, ["--config", str(config), "db", "upgrade"], env=env)
    after = CliRunner().invoke(cli, ["--config", str(config), *case.args], env=env)
    assert after.exit_code == 0, after.output


FUZZ_EXAMPLES = int(os.environ.get("NEWSBOT_FUZZ_EXAMPLES", "60"))
_YAML_PIECES = st.sampled_from(
    [
        "a: ",
        "- ",
        "[",
        "]",
        "{",
        "}",
        "&x ",
        "*x",
        "<<: ",
        "!!int ",
        "!t ",
        "? ",
        "\n",
        "  ",
        '"\\ud800"',
        "2025-13-45",
        ".nan",
        "'",
        '"',
        "#",
        ", ",
        "|\n",
        "---\n",
        "%TAG ! x:\n",
    ]
)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=300), st.lists(_YAML_PIECES, max_size=150).map("".join)))
def test_the_yaml_loader_only_ever_raises_config_error(text: str) -> None:
    """Any text either loads as plain data or is a ConfigError whose problems name the file."""
    files: list[str] = []
    try:
        data = parse_yaml(text, "fuzz.yaml").data
    except ConfigError as exc:
        files = [p.file for p in exc.problems]
        data = None
    assert set(files) <= {"fuzz.yaml"}
    assert isinstance(data, dict | list | str | int | float | bool | date | type(None))


def _poll_folder(folder: Path, pattern: str, *, validated: bool = True) -> object:
    """Poll a pagetext folder source once (options validated, or built past validation)."""
    fields = {"id": "drop", "kind": "pagetext", "folder": folder, "pattern": pattern}
    model = PagetextOptions.model_validate if validated else PagetextOptions.model_construct
    source = build_source(model(**fields) if not validated else model(fields))

    async def go() -> object:
        async with httpx.AsyncClient() as client:
            return await source.poll(client, SourceState(), day=None, now=NOW)

    return asyncio.run(go())


def test_a_symlink_out_of_the_folder_is_never_read(tmp_path: Path) -> None:
    """Files reached through a symlink that leaves the folder are skipped at poll time."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret-2025-05-16.txt").write_text("outside", encoding="utf-8")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "link").symlink_to(outside, target_is_directory=True)
    (drop / "escape-2025-05-16.txt").symlink_to(outside / "secret-2025-05-16.txt")
    (drop / "ywsb-2025-05-16-p1.txt").write_text("本地新闻", encoding="utf-8")
    result = _poll_folder(drop, "**/*")
    assert isinstance(result, Fetched)
    assert [d.body for d in result.raw.documents] == ["本地新闻".encode()]


@pytest.mark.parametrize("pattern", ["../../../etc/*", "/etc/*", "a/../../*"])
def test_an_escaping_pattern_is_refused_even_past_the_config(tmp_path: Path, pattern: str) -> None:
    """A pattern that leaves the folder is a SourceError at poll time, not a read of /etc."""
    with pytest.raises(ValueError, match="pattern"):
        PagetextOptions.model_validate(
            {"id": "d", "kind": "pagetext", "folder": tmp_path, "pattern": pattern}
        )
    with pytest.raises(SourceError, match="pattern"):
        _poll_folder(tmp_path, pattern, validated=False)


def test_the_poll_schedule_survives_values_built_past_validation() -> None:
    """NaN or huge intervals and jitter, and months of failures, still give a next poll time."""
    schedule = Schedule.model_construct(
        every_minutes=float("nan"), window="00:00-24:00", timezone="Asia/Shanghai", jitter_s=1e30
    )
    options = FeedOptions.model_construct(
        id="f", kind="feed", url="https://a.cn/f", schedule=schedule
    )
    for failures in (0, 1, 100_000):
        when = next_poll_at(options, now=NOW, outcome="error", consecutive_failures=failures)
        assert NOW < when <= NOW + timedelta(seconds=MAX_BACKOFF_S + MAX_JITTER_S)


_SAMPLE = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "config" / "newsbot.yaml").read_text(encoding="utf-8")
)
_BAD_VALUES = [
    None,
    [],
    {},
    [1, 2],
    {"a": 1},
    0,
    -1,
    1e308,
    float("nan"),
    float("inf"),
    True,
    "",
    "x" * 5000,
    "\x00",
    "../../etc",
    "{nope}",
    {"$env": 5},
    {"$env": "X", "y": 1},
    "25:99",
    "http://",
    10**30,
    "t" * 300,
]


def _leaf_paths(node: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _leaf_paths(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _leaf_paths(value, (*path, index))
    return found


@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.sampled_from(_leaf_paths(_SAMPLE)), st.sampled_from(_BAD_VALUES))
def test_any_bad_value_anywhere_in_the_sample_is_a_config_error(
    tmp_path: Path, path: tuple[object, ...], bad: object
) -> None:
    """The sample config with one value replaced by a bad one loads or is a ConfigError."""
    doc = copy.deepcopy(_SAMPLE)
    if path:
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        parent[path[-1]] = bad
    else:
        doc = bad
    config = tmp_path / "mutated.yaml"
    config.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with contextlib.suppress(ConfigError):  # anything else escaping fails the test
        load_settings(config, environ={})


def test_strict_check_and_commands_open_the_database_one_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`config check --strict` and `status` give the same one-line refusal for a missing
    database file and for an empty one without newsbot's schema."""
    case = Case("strict ok", cfg(), "", args=("config", "check", "--strict"), exit_code=0)
    monkeypatch.chdir(tmp_path)
    config = write_case(case, tmp_path)
    env = {"NEWSBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'one.db'}"}

    def refusals() -> set[str]:
        said = set()
        for args in (case.args, ("status",)):
            result = CliRunner().invoke(cli, ["--config", str(config), *args], env=env)
            assert result.exit_code == 1, result.output
            said.add(result.output.strip().splitlines()[-1])
        return said

    (missing,) = refusals()
    assert "no database at" in missing
    sqlite3.connect(tmp_path / "one.db").close()  # an empty SQLite file: no schema
    (empty,) = refusals()
    assert "has no newsbot schema" in empty
