"""``newsbot sources probe`` and the ``generic`` preset, against real pages on 127.0.0.1."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsbot.cli import cli
from newsbot.extract import extract
from newsbot.sources import Fetched, build_source
from newsbot.sources._probe import date_template
from newsbot.testing.sites import FakeArticle, FakePage, FakeSite

from .helpers import at, options, poll

WIDE = Path(__file__).resolve().parents[1] / "fixtures" / "extract" / "wide" / "tuning"
GUILIN = WIDE / "guilin-ribao" / "Page01BC.htm"
ARTICLE = WIDE / "shenzhen-wanbao" / "content_3251363.html"
DAY = date(2024, 10, 11)
FOLDER = "/glrbh5/glrb/20241011"


def _publish_guilin(site: FakeSite) -> str:
    """The real whole-issue index served as pages 01 and 02; a real article page per article."""
    body = GUILIN.read_bytes()
    for page in ("Page01BC.htm", "Page02BC.htm"):
        site.put(f"{FOLDER}/{page}", body)
    for number in range(1, 9):
        site.put(f"{FOLDER}/Articel01{number:03d}NR.htm", ARTICLE.read_bytes())
    return site.url(f"{FOLDER}/Page01BC.htm")


def _probe(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["sources", "probe", *args])
    return result.exit_code, result.stdout, result.stderr


def _entry(output: str) -> str:
    return output[output.index("sources:") :]


def test_probe_reads_an_unknown_vendor_by_structure(site: FakeSite, tmp_path: Path) -> None:
    """No preset fits a PageNNBC site: the generic reading lists its pages and articles, opens
    the first articles, and prints a dated entry that `config check` accepts."""
    url = _publish_guilin(site)
    code, out, err = _probe(url, "--pages", "1", "--articles", "1")
    assert code == 0, err
    assert out.startswith("reading: generic reading")
    assert "paper: 桂林日报  date: 2024-10-11" in out
    assert "pages (8):" in out
    assert "08版:健康讲堂" in out
    assert "第01版 头版: 8 articles" in out
    assert "■ “金鹏之夜”盛典昨晚举行" in out  # the real article page served for each link
    entry = _entry(out)
    assert "preset: generic" in entry
    assert f'url: "{site.url("/glrbh5/glrb/{date:%Y%m%d}/Page01BC.htm")}"' in entry
    config = tmp_path / "newsbot.yaml"
    config.write_text(entry, encoding="utf-8")
    checked = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])
    assert checked.exit_code == 0, checked.output
    assert "1 sources" in checked.stdout


def test_probe_prefers_a_fitting_preset(site: FakeSite) -> None:
    """A Founder pc issue is read by the founder-pc preset, named in the entry."""
    pages = [
        FakePage(
            "要闻", [FakeArticle("义乌国际商贸城迎来客流高峰", ("本报讯 昨日，客流创新高。",))]
        )
    ]
    url = site.publish_founder_pc(date(2025, 5, 16), pages)
    code, out, err = _probe(url, "--pages", "1")
    assert code == 0, err
    assert out.startswith("reading: preset founder-pc")
    assert "■ 义乌国际商贸城迎来客流高峰" in out
    assert "preset: founder-pc" in _entry(out)
    assert "{date:%Y%m/%d}/node_01.html" in _entry(out)


def test_probe_a_saved_file_offline() -> None:
    """A saved page with --url reads offline: the entry names the URL, missing pages are said."""
    url = "https://epaper.guilinlife.com/glrbh5/glrb/20241011/Page01BC.htm"
    code, out, err = _probe(str(GUILIN), "--url", url, "--pages", "2", "--articles", "1")
    assert code == 0, err
    assert "Page02BC.htm: not available" in out
    assert "(article page not available" in out
    assert 'url: "https://epaper.guilinlife.com/glrbh5/glrb/{date:%Y%m%d}/Page01BC.htm"' in out


def test_probe_an_article_page_says_so() -> None:
    """An article page is shown with its fields and a hint to probe the front page instead."""
    code, out, _ = _probe(str(ARTICLE))
    assert code == 0
    assert "not a page index" in out
    assert "\nsources:" not in out


def test_probe_missing_input_is_one_error_line(site: FakeSite) -> None:
    """A 404 front page or a missing file is one `error:` line, exit 1."""
    code, _, err = _probe(site.url("/nothing.htm"))
    assert code == 1
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    code, _, err = _probe("no/such/file.htm")
    assert code == 1
    assert "no such file" in err


@pytest.mark.parametrize(
    ("url", "template"),
    [
        (
            "http://a.cn/layout/202505/16/node_01.html",
            "http://a.cn/layout/{date:%Y%m/%d}/node_01.html",
        ),
        ("http://a.cn/html/2023-02/10/node_2.htm", "http://a.cn/html/{date:%Y-%m/%d}/node_2.htm"),
        ("http://a.cn/c/20241011/Page01BC.htm", "http://a.cn/c/{date:%Y%m%d}/Page01BC.htm"),
        ("http://a.cn/p/2024-10-11/1.htm", "http://a.cn/p/{date:%Y-%m-%d}/1.htm"),
        ("http://a.cn/index.htm", "http://a.cn/index.htm"),
    ],
)
def test_date_templates(url: str, template: str) -> None:
    """The issue date spelled in a URL becomes the matching {date:…} template."""
    assert date_template(url)[0] == template


def test_generic_preset_polls_a_whole_issue_index(site: FakeSite) -> None:
    """preset: generic walks PageNNBC pages; each page keeps its own articles and page number."""
    _publish_guilin(site)
    source = build_source(
        options("epaper", url=site.url("/glrbh5/glrb/{date:%Y%m%d}/Page01BC.htm"), preset="generic")
    )
    result = poll(source, now=at("2024-10-11 08:00"), day=DAY)
    assert isinstance(result, Fetched)
    roles = [(d.role, d.page) for d in result.raw.documents]
    assert roles[:2] == [("page_index", 1), ("page_index", 2)]
    articles = [d for d in result.raw.documents if d.role == "article_page"]
    assert len(articles) == 8  # page 01's; page 02's article pages are not served
    issue = extract(result.raw)
    assert {a.page for a in issue.articles} >= {1, 2}


def test_probe_a_feed_gives_a_feed_entry(site: FakeSite, tmp_path: Path) -> None:
    """An RSS URL is read as a feed; its entry is `kind: feed` and passes `config check`."""
    feed = Path(__file__).resolve().parents[1] / "fixtures" / "extract" / "feeds"
    site.put(
        "/rss.xml",
        (feed / "qq_news_china_gb2312_20180918.xml").read_bytes(),
        content_type="application/rss+xml",
    )
    code, out, err = _probe(site.url("/rss.xml"))
    assert code == 0, err
    assert out.startswith("reading: feed (")
    entry = _entry(out)
    assert "kind: feed" in entry
    config = tmp_path / "newsbot.yaml"
    config.write_text(entry, encoding="utf-8")
    checked = CliRunner().invoke(cli, ["--config", str(config), "config", "check"])
    assert checked.exit_code == 0, checked.output
