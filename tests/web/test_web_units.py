"""The console's small pure parts: addresses, loopback, token comparison, rule problems."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.web import ListenError, is_loopback
from newsbot.web._auth import token_matches
from newsbot.web._playground import RuleProblem, typed_rule
from newsbot.web._server import parse_listen


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("[::1]:9000", ("::1", 9000)),
        ("localhost:0", ("localhost", 0)),
        (" 127.0.0.1:8080 ", ("127.0.0.1", 8080)),
    ],
)
def test_parse_listen_reads_host_and_port(text: str, expected: tuple[str, int]) -> None:
    """HOST:PORT, with IPv6 hosts in brackets, parses to (host, port)."""
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["8080", ":8080", "127.0.0.1:", "127.0.0.1:http", "h:70000"])
def test_parse_listen_refuses_what_is_not_host_port(text: str) -> None:
    """Anything but HOST:PORT with a port up to 65535 is a ListenError with an example."""
    with pytest.raises(ListenError, match="expected HOST:PORT"):
        parse_listen(text)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("newsbot.example", False),
    ],
)
def test_loopback_is_the_loopback_ranges_and_localhost(host: str, loopback: bool) -> None:
    """Only 127.0.0.0/8, ::1 and localhost count as loopback; names and wildcards do not."""
    assert is_loopback(host) is loopback


def test_token_matches_only_the_exact_token() -> None:
    """The exact token matches; a prefix, an extension, another case or nothing do not."""
    assert token_matches("s3cret-Token", "s3cret-Token")
    for given in ["s3cret-Toke", "s3cret-Token!", "S3CRET-TOKEN", "", None]:
        assert not token_matches(given, "s3cret-Token")
    assert token_matches("令牌", "令牌")  # non-ASCII tokens compare as UTF-8 bytes


def test_a_syntax_error_keeps_its_position_in_the_rule() -> None:
    """typed_rule turns a RuleSyntaxError into a problem that splits the rule at the error."""
    spec, problems = typed_rule('展会 AND "对接会', set(), set())
    assert spec is None
    (problem,) = problems
    assert problem.position == 7
    assert problem.parts == ("展会 AND ", '"', "对接会")


def test_a_valid_rule_becomes_an_alert_spec() -> None:
    """A rule that parses and names known topics and sources becomes one spec and no problem."""
    spec, problems = typed_rule("topic:trade AND source:ywsb AND 展会", {"trade"}, {"ywsb"})
    assert problems == []
    assert spec is not None
    assert spec.query == "topic:trade AND source:ywsb AND 展会"


def test_problem_parts_at_the_end_highlight_a_space() -> None:
    """An error at the end of the rule (an operator with nothing after it) marks a blank."""
    assert RuleProblem("m", "展会 AND", 6).parts == ("展会 AND", " ", "")
    assert RuleProblem("m", "展会").parts == ("展会", "", "")


def _load(tmp_path: Path, http: str) -> list[str]:
    """The problems `config check` reports for a minimal config with this http section."""
    from newsbot.config import load_settings
    from newsbot.errors import ConfigError

    path = tmp_path / "newsbot.yaml"
    topics = Path(__file__).resolve().parents[2] / "config" / "topics.yaml"
    path.write_text(f"topics_file: {topics}\n{http}", encoding="utf-8")
    try:
        load_settings(path, environ={"TOKEN": "t"})
    except ConfigError as exc:
        return [str(p) for p in exc.problems]
    return []


def test_config_check_refuses_a_listen_beyond_loopback_without_token(tmp_path: Path) -> None:
    """http.listen on 0.0.0.0 without http.token is a file:line problem of the http section."""
    (problem,) = _load(tmp_path, "http:\n  listen: 0.0.0.0:8080\n")
    assert problem.startswith(f"{tmp_path / 'newsbot.yaml'}:2: http: ")
    assert "listen 0.0.0.0:8080 is not loopback" in problem


def test_config_check_reads_http_settings(tmp_path: Path) -> None:
    """A good section passes; a bad address and a playground size out of range are problems."""
    assert _load(tmp_path, "http:\n  listen: 0.0.0.0:80\n  token: {$env: TOKEN}\n") == []
    assert _load(tmp_path, 'http:\n  listen: "off"\n') == []
    problems = _load(tmp_path, "http:\n  listen: '8080'\n  playground_issues: 99\n")
    assert len(problems) == 2
    assert "expected HOST:PORT" in problems[0]
    assert "playground_issues" in problems[1]
