"""A brief fuzz of `newsbot extract`: random and mutated pages never escape as a traceback.

Each example is written to a file and read through the real command (click, in this
process): it either prints an issue (exit 0) or exactly one `error:` line naming the file
(exit 1 or 2). Few examples in CI; set NEWSBOT_FUZZ_EXAMPLES (say 2000) to fuzz longer by
hand — see docs/errors.md.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsbot.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_PAGE = (ROOT / "tests" / "fixtures" / "ywsb-2025-05-16-p1.txt").read_bytes()
SAMPLE_FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>本地新闻</title>'
    "<item><guid>1</guid><title>我市开展反诈宣传</title><link>http://e.cn/1</link>"
    "<description><![CDATA[<p>昨日,我市开展电信网络诈骗宣传。</p>]]></description>"
    "<pubDate>Fri, 16 May 2025 08:00:00 +0800</pubDate></item></channel></rss>"
).encode()
SAMPLE_HTML = (
    "<html><head><meta charset='gbk'><title>义乌商报</title></head><body>"
    "<div id='main-title'>标题</div><founder-content><p>正文第一段。</p></founder-content>"
    "</body></html>"
).encode("gbk")
EXAMPLES = int(os.environ.get("NEWSBOT_FUZZ_EXAMPLES", "15"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # the first example loads jieba's dictionary
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` after a few random edits: cut, insert random bytes, repeat a slice, truncate."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["cut", "insert", "repeat", "truncate"]))
        if edit == "cut":
            del data[at : at + draw(st.integers(1, 400))]
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif edit == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 200))] * draw(st.integers(2, 50))
        else:
            del data[at:]
    return bytes(data)


def _check_extract(path: Path, body: bytes, *extra: str) -> None:
    path.write_bytes(body)
    result = CliRunner().invoke(cli, ["extract", str(path), *extra])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{result.exception!r} escaped for {body[:200]!r}")
    assert "Traceback" not in result.output
    if result.exit_code == 0:
        issue = json.loads(result.stdout)
        assert issue["articles"] or issue["teasers"]
        return
    assert result.exit_code in (1, 2), result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: {path}"), lines[0]


@FUZZ
@given(body=st.binary(max_size=4096))
def test_random_bytes_give_an_issue_or_one_error_line(tmp_path: Path, body: bytes) -> None:
    """Any bytes at all: an issue, or one `error:` line naming the file; never a traceback."""
    _check_extract(tmp_path / "random.bin", body)


@FUZZ
@given(
    body=st.one_of(mutated(SAMPLE_PAGE), mutated(SAMPLE_FEED), mutated(SAMPLE_HTML)),
    role=st.sampled_from([None, "page_text", "page_index", "article_page", "feed"]),
)
def test_mutated_pages_and_feeds_give_an_issue_or_one_error_line(
    tmp_path: Path, body: bytes, role: str | None
) -> None:
    """A real page, feed or e-paper article cut, spliced and repeated, read in any role: an
    issue or one error line, never a traceback."""
    _check_extract(tmp_path / "mutated", body, *(["--role", role] if role else []))
