"""Config as code: every problem named as file:line, secrets only by reference."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.config import load_settings
from newsbot.errors import ConfigError
from newsbot.secrets import Secret

TOPICS = """\
topics:
  - id: anti-fraud
    name: 反诈
    terms: [电信网络诈骗, 反洗钱]
  - id: trade
    name: 商贸
    terms: [展会, 跨境电商]
"""

VALID = """\
timezone: Asia/Shanghai
sources:
  - id: drop
    kind: pagetext
    folder: drop
channels:
  - id: local
    kind: file
    path: out.txt
admin:
  channel: local
subscribers:
  - id: chen
    name: 陈老板
    role: merchant
    channels: [local]
    quiet_hours: "23:00-06:30"
    rules:
      - id: fraud
        match: '(电信网络诈骗 OR 反洗钱) NOT 招聘'
        deliver: alert
      - id: fairs
        topics: [trade]
        deliver: digest
"""


def write_config(tmp_path: Path, text: str, topics: str = TOPICS) -> Path:
    (tmp_path / "topics.yaml").write_text(topics, encoding="utf-8")
    path = tmp_path / "newsbot.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ=environ or {})
    return [str(p) for p in info.value.problems]


def test_valid_config_loads_into_frozen_settings(tmp_path: Path) -> None:
    """A valid file gives sources, channels, subscribers with rule specs and the topic catalog."""
    settings = load_settings(write_config(tmp_path, VALID), environ={})
    assert list(settings.sources) == ["drop"]
    assert list(settings.channels) == ["local"]
    chen = settings.subscribers["chen"]
    assert [r.id for r in chen.rules] == ["chen/fraud", "chen/fairs"]
    assert chen.rules[0].mode == "alert"
    assert chen.rules[1].topics == ("trade",)
    assert [t.id for t in settings.topics] == ["anti-fraud", "trade"]
    assert settings.admin.channel == "local"


def test_version_changes_when_the_file_changes(tmp_path: Path) -> None:
    """The config version (the matcher's cache key) follows the content, not the file time."""
    first = load_settings(write_config(tmp_path, VALID), environ={}).version
    again = load_settings(write_config(tmp_path, VALID), environ={}).version
    changed = load_settings(
        write_config(tmp_path, VALID.replace("反洗钱", "洗钱")), environ={}
    ).version
    assert first == again
    assert first != changed


@pytest.mark.parametrize(
    ("edit", "line", "fragment"),
    [
        (
            ("kind: pagetext", "kind: carrier-pigeon"),
            4,
            "source 'drop': unknown kind 'carrier-pigeon'",
        ),
        (("channels: [local]", "channels: [nowhere]"), 16, "unknown channel 'nowhere'"),
        (('quiet_hours: "23:00-06:30"', "quiet_hours: late"), 17, "must be HH:MM-HH:MM"),
        (("topics: [trade]", "topics: [weather]"), 22, "unknown topic"),
        (("deliver: digest", "deliver: pigeon"), 24, "Input should be 'alert', 'digest' or 'both'"),
        (
            ("timezone: Asia/Shanghai", "timezone: Mars/Olympus"),
            1,
            "unknown time zone 'Mars/Olympus'",
        ),
        (("admin:\n  channel: local", "admin:\n  channel: pager"), 11, "unknown channel 'pager'"),
        (
            ("role: merchant", "role: merchant\n    colour: blue"),
            16,
            "colour: Extra inputs are not permitted",
        ),
    ],
)
def test_each_problem_names_file_and_line(
    tmp_path: Path, edit: tuple[str, str], line: int, fragment: str
) -> None:
    """A bad value is reported as file:line: message at the line that holds it."""
    path = write_config(tmp_path, VALID.replace(*edit))
    found = problems_of(path)
    assert any(p.startswith(f"{path}:{line}: ") and fragment in p for p in found), found


def test_rule_syntax_errors_point_at_the_rule(tmp_path: Path) -> None:
    """An unbalanced rule expression is reported at the line of its ``match:``."""
    path = write_config(
        tmp_path, VALID.replace("'(电信网络诈骗 OR 反洗钱) NOT 招聘'", "'(电信网络诈骗 OR'")
    )
    found = problems_of(path)
    assert len(found) == 1
    assert found[0].startswith(f"{path}:20: rule 'fraud':")


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    """Two independent mistakes give two lines, not one at a time."""
    text = VALID.replace("kind: pagetext", "kind: nope").replace(
        "channels: [local]", "channels: [gone]"
    )
    assert len(problems_of(write_config(tmp_path, text))) == 2


def test_duplicate_keys_and_ids_are_problems(tmp_path: Path) -> None:
    """YAML that silently overwrites (a duplicate key) or repeats an id is refused."""
    text = VALID.replace("    name: 陈老板\n", "    name: 陈老板\n    name: 陈\n")
    assert any(
        "duplicate key 'name'" in p and ":15:" in p
        for p in problems_of(write_config(tmp_path, text))
    )
    twice = VALID + VALID[VALID.index("  - id: chen") :]
    assert any(
        "duplicate subscriber id 'chen'" in p for p in problems_of(write_config(tmp_path, twice))
    )


def test_broken_yaml_names_its_line(tmp_path: Path) -> None:
    """Unparseable YAML is one problem with the line where parsing failed."""
    found = problems_of(
        write_config(tmp_path, VALID.replace("channels: [local]", "channels: [local"))
    )
    assert len(found) == 1
    assert "invalid YAML" in found[0]
    assert found[0].startswith(f"{tmp_path / 'newsbot.yaml'}:")


WECOM = "  - id: ops\n    kind: wecom\n    key: {$env: NEWSBOT_TEST_KEY}\n"


def test_secret_references_resolve_from_the_environment(tmp_path: Path) -> None:
    """{$env: NAME} becomes a Secret holding the value; the reference is what is kept to store."""
    path = write_config(tmp_path, VALID.replace("channels:\n", "channels:\n" + WECOM, 1))
    settings = load_settings(path, environ={"NEWSBOT_TEST_KEY": "s3cr3t-value"})
    key = settings.channels["ops"].key  # type: ignore[attr-defined]
    assert isinstance(key, Secret)
    assert key.reveal() == "s3cr3t-value"
    assert "s3cr3t" not in repr(settings.channels["ops"])
    assert settings.channel_references["ops"]["key"] == {"$env": "NEWSBOT_TEST_KEY"}
    assert settings.warnings == ()


def test_missing_environment_variable_is_a_warning_with_its_line(tmp_path: Path) -> None:
    """An unset secret variable does not stop `config check`, but is named with file:line."""
    path = write_config(tmp_path, VALID.replace("channels:\n", "channels:\n" + WECOM, 1))
    settings = load_settings(path, environ={})
    assert [str(w) for w in settings.warnings] == [
        f"{path}:9: environment variable NEWSBOT_TEST_KEY is not set"
    ]


def test_literal_secret_in_a_url_is_refused(tmp_path: Path) -> None:
    """A webhook key pasted into a URL is a problem: secrets belong in the environment."""
    text = VALID.replace(
        "    path: out.txt\n",
        "    path: out.txt\n    url: https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcd1234\n",
    )
    found = problems_of(write_config(tmp_path, text))
    assert any("secret is written into this URL" in p for p in found), found
    assert not any("abcd1234" in p for p in found)


def test_bad_topic_catalog_names_its_own_file(tmp_path: Path) -> None:
    """A problem in topics.yaml is reported against topics.yaml, with its line."""
    found = problems_of(
        write_config(tmp_path, VALID, topics=TOPICS.replace("terms: [展会, 跨境电商]", "terms: []"))
    )
    assert any(p.startswith(f"{tmp_path / 'topics.yaml'}:7:") for p in found), found


def test_bundled_sample_config_is_valid() -> None:
    """The sample config that ships with newsbot loads (secrets unset are only warnings)."""
    from newsbot.resources import sample_config

    settings = load_settings(sample_config(), environ={})
    assert "ywsb" in settings.sources
    roles = {s.settings.role for s in settings.subscribers.values()}
    assert {"merchant", "reader"} <= roles
    assert any("is not set" in str(w) for w in settings.warnings)
