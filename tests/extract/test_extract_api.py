"""The public surface: __all__, determinism, the newsbot extract command."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from tests.extract.conftest import EXTRACT_FIXTURES, REPO_ROOT, SAMPLE_PAGE, MakeDoc

import newsbot.extract
from newsbot.cli import cli
from newsbot.commands.extract import render_text
from newsbot.extract import extract, extract_document, load_topics
from newsbot.models import RawIssue

ALL_INPUTS = [
    ("page_text/synthetic_jhwb_2024-03-08_p1.txt", "page_text"),
    ("page_text/synthetic_jhwb_2024-03-08_p5.txt", "page_text"),
    ("page_text/henan_daily_20100910.txt", "page_text"),
    ("epaper_html/kjrb_20230210_node_2.htm", "page_index"),
    ("epaper_html/hubeidaily_20230211_fragments.html", "article_page"),
    ("feeds/qq_news_china_gb2312_20180918.xml", "feed"),
]


def test_all_is_sorted_and_complete() -> None:
    """__all__ is short, sorted, and names only things the package defines."""
    names = newsbot.extract.__all__
    assert names == sorted(names)
    assert all(hasattr(newsbot.extract, name) for name in names)
    assert {"decode_bytes", "extract", "extract_document", "load_topics"} <= set(names)


def test_load_topics_is_the_catalog_loader(tmp_path: Path) -> None:
    """Extraction reads the catalog like the config does: same topics, errors at file:line."""
    from newsbot.errors import ConfigError
    from newsbot.topics import load_topics as catalog_loader

    catalog = REPO_ROOT / "config" / "topics.yaml"
    assert load_topics(str(catalog)) == catalog_loader(catalog)
    bad = tmp_path / "topics.yaml"
    bad.write_text("topics:\n  - id: ok\n    terms: [a]\n  - id: Bad Id\n    terms: [b]\n")
    with pytest.raises(ConfigError) as caught:
        load_topics(bad)
    assert [str(p) for p in caught.value.problems] == [
        f"{bad}:4: topic id 'Bad Id': lowercase letters, digits and '-'"
    ]


def test_deterministic(doc: MakeDoc) -> None:
    """The same raw issue extracts to the same JSON every time, warnings included."""
    docs = tuple(doc(name, role) for name, role in ALL_INPUTS)  # type: ignore[arg-type]
    topics = load_topics(REPO_ROOT / "config" / "topics.yaml")
    first = extract(RawIssue("s", "k", docs), topics=topics)
    second = extract(RawIssue("s", "k", docs), topics=topics)
    assert json.dumps(first.to_json(), ensure_ascii=False) == json.dumps(
        second.to_json(), ensure_ascii=False
    )
    assert first.warnings == second.warnings


def test_no_topics_without_a_catalog(doc: MakeDoc) -> None:
    """Without a catalog no topics are assigned; everything else is the same."""
    issue = extract_document(doc(SAMPLE_PAGE, "page_text"))
    assert all(a.topics == () for a in issue.articles)


def test_empty_raw_issue() -> None:
    """A raw issue without documents is an empty issue carrying the raw metadata."""
    issue = extract(RawIssue("s", "k", (), paper="义乌商报"))
    assert (issue.articles, issue.paper) == ((), "义乌商报")


def test_cli_json() -> None:
    """`newsbot extract FILE` prints the JSON contract, Chinese unescaped."""
    result = CliRunner().invoke(cli, ["extract", str(SAMPLE_PAGE)])
    assert result.exit_code == 0, result.output
    assert '"paper": "义乌商报"' in result.output
    data = json.loads(result.output)
    assert data["number"] == 8639
    assert len(data["articles"]) == 7


def test_cli_text_and_role() -> None:
    """`--format text` renders the issue line and each article; `--role` forces the reader."""
    path = EXTRACT_FIXTURES / "epaper_html" / "kjrb_20230210_node_2.htm"
    result = CliRunner().invoke(cli, ["extract", str(path), "--format", "text"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("科技日报 2023-02-10 第01版 今日要闻")  # as printed
    assert "■ 花香春意浓" in result.output
    forced = CliRunner().invoke(cli, ["extract", str(path), "--role", "page_text"])
    assert forced.exit_code == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"%PDF-1.4\x00", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00", "binary"),
    ],
)
def test_cli_errors_are_one_line(tmp_path: Path, content: bytes | None, message: str) -> None:
    """Bad input prints one `error:` line naming the input and exits 1, no traceback."""
    path = tmp_path / "page.txt"
    if content is not None:
        path.write_bytes(content)
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {path}")
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.output.count("\n") == 1


def test_render_text_of_sample(doc: MakeDoc) -> None:
    """The text rendering shows headline, authors and summary of every article."""
    issue = extract_document(doc(SAMPLE_PAGE, "page_text"))
    text = render_text(issue)
    assert text.splitlines()[0] == "义乌商报 2025-05-16 总第8639期 第1版"
    assert text.count("■ ") == 7
    assert "董文琪、陈聪" in text
    assert "导读: 全民健身“图鉴” 展现城市蓬勃活力" in text


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without logging each request to stderr."""

    def log_message(self, format: str, *args: object) -> None:
        """Say nothing."""


@pytest.fixture
def local_server() -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 serving the fixtures folder."""
    handler = functools.partial(_QuietHandler, directory=str(SAMPLE_PAGE.parent))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_cli_fetches_urls(local_server: str) -> None:
    """An http URL is fetched and extracted; a 404 is one error line naming the URL, exit 1."""
    result = CliRunner().invoke(cli, ["extract", f"{local_server}/{SAMPLE_PAGE.name}"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["number"] == 8639
    missing = f"{local_server}/nothing-here.txt"
    failed = CliRunner().invoke(cli, ["extract", missing])
    assert failed.exit_code == 1
    assert failed.output.startswith(f"error: {missing}")


def test_cli_prints_warnings_in_both_formats(tmp_path: Path) -> None:
    """Extraction warnings go to stderr as `warning:` lines, and into the JSON as `warnings`."""
    path = EXTRACT_FIXTURES / "epaper_html" / "taigu_article_body.html"
    result = CliRunner().invoke(cli, ["extract", str(path), "--role", "article_page"])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.stderr
    assert "without a headline" in result.stderr
    data = json.loads(result.stdout)
    assert any("without a headline" in w for w in data["warnings"])
    text = CliRunner().invoke(cli, ["extract", str(path), "--format", "text"])
    assert "warning: " in text.stderr
    assert "warning" not in text.stdout


def test_text_output_never_prints_the_headline_twice(tmp_path: Path) -> None:
    """An article whose page repeats the title in the kicker field shows the headline once."""
    path = tmp_path / "page.html"
    path.write_text(
        "<html><body><founder-introtitle>皖北小麦喜获丰收</founder-introtitle>"
        "<founder-title>皖北小麦喜获丰收</founder-title><founder-content><p>本报讯 连日来，"
        "皖北各地抢抓晴好天气，组织机械收割小麦。</p></founder-content></body></html>",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["extract", str(path), "--format", "text"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("皖北小麦喜获丰收") == 1
