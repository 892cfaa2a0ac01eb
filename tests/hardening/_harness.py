"""The fuzz-corpus harness: one bad input, one command, what the user must see.

A :class:`Case` is a row of a table: the files to write (the config, its topic catalog, a
fixture), the command line, the exit code, a fragment of the message, and a secret that
must not appear. :func:`check_in_process` runs it through the real click command in this
process (fast, every row); :func:`check_subprocesses` runs rows as real ``newsbot``
processes with a timeout, so a hang fails instead of stalling the suite.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsbot.cli import cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bad"
TIMEOUT_S = 30  # per process; a case that needs more is a hang
TOPICS = """\
topics:
  - id: anti-fraud
    name: 反诈
    terms: [电信网络诈骗, 反洗钱]
"""


@dataclass(frozen=True)
class Case:
    """One row of the corpus: input files, command, expected exit code and message."""

    name: str
    config: str | bytes
    fragment: str  # in the output; "a | b" accepts either
    exit_code: int = 2
    args: tuple[str, ...] = ("config", "check")
    files: dict[str, str | bytes] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    secret: str | None = None  # must appear nowhere in the output

    def __str__(self) -> str:
        return self.name


def cfg(
    *,
    source: str = "",
    sources: str = "",
    channels: str = "",
    subscriber: str = "",
    rule: str = "",
    top: str = "",
    timezone: str = "Asia/Shanghai",
) -> str:
    """A valid config with the given snippets added (written unindented by the caller)."""
    return (
        f"timezone: {timezone}\n{top}\n"
        "sources:\n  - id: feed\n    kind: feed\n    url: https://news.example.cn/rss.xml\n"
        f"{textwrap.indent(source, '    ')}\n{textwrap.indent(sources, '  ')}\n"
        "channels:\n  - id: local\n    kind: file\n    path: out/messages.txt\n"
        f"{textwrap.indent(channels, '  ')}\n"
        "subscribers:\n  - id: chen\n    channels: [local]\n"
        f"{textwrap.indent(subscriber, '    ')}\n"
        "    rules:\n      - id: fraud\n        match: '电信网络诈骗 OR 反洗钱'\n"
        f"{textwrap.indent(rule, '        ')}\n"
    )


def write_case(case: Case, folder: Path) -> Path:
    """Write the case's files into ``folder``; return the config's path."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str | bytes] = {"topics.yaml": TOPICS, **case.files}
    files["newsbot.yaml"] = case.config
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
    return folder / "newsbot.yaml"


def _environment(case: Case, folder: Path) -> dict[str, str]:
    env = {"NEWSBOT_DATABASE_URL": f"sqlite:///{folder / 'newsbot.db'}"}
    env.update({k: v.replace("{dir}", str(folder)) for k, v in case.env.items()})
    return env


def assert_outcome(case: Case, exit_code: int, output: str) -> None:
    """The exit code, the fragment, no traceback, no secret."""
    assert "Traceback" not in output, f"{case}: traceback\n{output}"
    assert exit_code == case.exit_code, f"{case}: exit {exit_code}\n{output}"
    # "a | b": either wording (PyYAML with or without libyaml words some refusals its own way)
    assert any(f in output for f in case.fragment.split(" | ")), (
        f"{case}: {case.fragment!r}\n{output}"
    )
    if case.secret is not None:
        assert case.secret not in output, f"{case}: secret shown\n{output}"


def check_in_process(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run ``case`` through the click command in this process; return what it printed."""
    config = write_case(case, tmp_path)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["--config", str(config), *case.args], env=_environment(case, tmp_path)
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{case}: {result.exception!r} escaped\n{result.output}")
    assert_outcome(case, result.exit_code, result.output)
    return result.output


def check_subprocesses(cases: list[Case], tmp_path: Path) -> None:
    """Run every case as a real ``newsbot`` process (a few at a time), each with a timeout."""

    def run(index_case: tuple[int, Case]) -> tuple[Case, int, str]:
        index, case = index_case
        folder = tmp_path / f"case-{index}"
        config = write_case(case, folder)
        env = {**os.environ, **_environment(case, folder)}
        try:
            done = subprocess.run(
                [sys.executable, "-m", "newsbot", "--config", str(config), *case.args],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return case, -1, f"did not finish within {TIMEOUT_S} s"
        return case, done.returncode, done.stdout + done.stderr

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, enumerate(cases)))
    for case, code, output in results:
        assert_outcome(case, code, output)
