"""Rendering: templates per kind, escaping per format, overrides, and splitting to the limits."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsbot.channels import CHANNEL_KINDS
from newsbot.models import Article, Explanation
from newsbot.render import (
    DigestItem,
    escape_cn_markdown,
    escape_markdown,
    escape_mrkdwn,
    render_alert,
    render_digest,
    render_test,
)

WHY = (Explanation("外贸", "headline", "外贸出口"),)


def _article(
    n: int, *, headline: str | None = None, summary: str = "订单回暖。", page: int = 1
) -> Article:
    return Article(
        headline=headline or f"第{n}条新闻",
        body="正文",
        summary=summary,
        url=f"https://www.ywsb.cn/a/{n}.htm",
        page=page,
        page_name="要闻" if page == 1 else "经济",
    )


@pytest.mark.parametrize("kind", sorted(CHANNEL_KINDS))
def test_every_kind_renders_a_test_message_within_its_limits(kind: str) -> None:
    """render_test gives one "test" message per kind, in the kind's format and within limits."""
    (message,) = render_test(kind)
    assert message.kind == "test"
    assert message.channel_kind == kind
    assert CHANNEL_KINDS[kind].fits(message)
    if CHANNEL_KINDS[kind].format in {"card", "embeds", "blocks", "json"}:
        json.loads(message.body)


def test_digest_groups_by_page_with_headlines_as_links() -> None:
    """A digest has a heading per page, in first-seen order, each headline a markdown link."""
    items = [DigestItem(_article(n, page=1 + n % 2), WHY, alerted=False) for n in range(4)]
    (message,) = render_digest("wecom", items, subscriber_name="王", title="日报")
    body = message.body
    assert body.index("第01版 要闻") < body.index("第02版 经济")
    assert "[第0条新闻](https://www.ywsb.cn/a/0.htm)" in body
    assert "外贸（标题）" in body
    assert body.count("### ") == 2


def test_escapers_neutralise_markup() -> None:
    """Each format's escaper turns markup characters of article text into harmless text."""
    assert escape_cn_markdown("[a](b) @all <at>") == "［a］(b) ＠all ＜at＞"
    assert escape_markdown("*x* @everyone") == r"\*x\* \@everyone"
    assert escape_mrkdwn("<!channel> & <b>") == "&lt;!channel&gt; &amp; &lt;b&gt;"


def test_telegram_html_is_escaped_and_links_are_safe() -> None:
    """Article text cannot add tags; a javascript: URL gives no link target."""
    article = Article(headline="<b>x</b> & y", body="", summary="1 < 2", url="javascript:alert(1)")
    (message,) = render_alert("telegram", article, (), subscriber_name="王")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in message.body
    assert "javascript" not in message.body


@pytest.mark.parametrize("url", ["https:///no-host", " vbscript:msgbox(1)", "data:text/html,x"])
def test_a_link_without_a_web_address_renders_no_link(url: str) -> None:
    """Only an absolute http(s) URL with a host becomes a link target, however it got in."""
    article = Article(**{**_article(0).__dict__, "url": url})
    (message,) = render_alert("wecom", article, (), subscriber_name="王")
    assert url.strip() not in message.body
    assert "](" not in message.body  # no empty "[阅读原文]()" either
    (plain,) = render_alert("file", article, (), subscriber_name="王")  # prints the URL as is
    assert url.strip() not in plain.body


def test_link_urls_cannot_close_the_link_early() -> None:
    """Parentheses, spaces and quotes in a URL are percent-encoded inside markdown links."""
    article = _article(0)
    article = Article(**{**article.__dict__, "url": 'https://x.test/a b(1)"q'})
    (message,) = render_alert("wecom", article, (), subscriber_name="王")
    assert "(https://x.test/a%20b%281%29%22q)" in message.body


def test_a_templates_dir_overrides_one_file_and_keeps_the_others(tmp_path: Path) -> None:
    """A config folder replaces wecom/alert.j2 only; the built-in digest still renders."""
    (tmp_path / "wecom").mkdir()
    (tmp_path / "wecom" / "alert.j2").write_text("自定义：{{ item.headline }}", encoding="utf-8")
    (alert,) = render_alert("wecom", _article(1), WHY, subscriber_name="王", templates_dir=tmp_path)
    assert alert.body == "自定义：第1条新闻"
    items = [DigestItem(_article(1), WHY, alerted=False)]
    (digest,) = render_digest(
        "wecom", items, subscriber_name="王", title="日报", templates_dir=tmp_path
    )
    assert "### 第01版 要闻" in digest.body


def test_an_undefined_name_in_a_template_is_an_error(tmp_path: Path) -> None:
    """StrictUndefined: a typo in a template fails loudly instead of printing nothing."""
    (tmp_path / "wecom").mkdir()
    (tmp_path / "wecom" / "alert.j2").write_text("{{ item.headlin }}", encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError):
        render_alert("wecom", _article(1), WHY, subscriber_name="王", templates_dir=tmp_path)


def test_an_item_too_long_alone_is_shortened_at_whole_characters() -> None:
    """A 10,000-character summary is cut (with …) so the alert fits; the headline stays whole."""
    article = _article(0, summary="长" * 9000 + "😀" * 1000)
    (message,) = render_alert("wecom", article, WHY, subscriber_name="王")
    assert len(message.body.encode("utf-8")) <= 4096
    assert "第0条新闻" in message.body
    assert "…" in message.body
    message.body.encode("utf-8")  # no lone surrogate or half character


def test_parts_are_numbered_in_their_titles() -> None:
    """Split digests carry part/parts and a (i/n) suffix in the title."""
    items = [
        DigestItem(_article(n, summary="很长的摘要。" * 60), WHY, alerted=False) for n in range(12)
    ]
    messages = render_digest("wecom", items, subscriber_name="王", title="日报")
    assert len(messages) > 1
    n = len(messages)
    assert [m.title for m in messages] == [f"日报（{i}/{n}）" for i in range(1, n + 1)]


def test_max_items_per_message_is_respected() -> None:
    """No part holds more items than max_items_per_message, even when bytes would allow."""
    items = [DigestItem(_article(n), (), alerted=False) for n in range(7)]
    messages = render_digest(
        "file", items, subscriber_name="王", title="日报", max_items_per_message=3
    )
    assert [len(m.items) for m in messages] == [3, 3, 1]


def test_an_unknown_kind_is_refused() -> None:
    """Rendering for a kind nobody registered is an error naming it."""
    with pytest.raises(ValueError, match="nope"):
        render_alert("nope", _article(0), (), subscriber_name="王")


class _Balanced(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ok = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag


_TEXT = st.text(
    alphabet=st.sampled_from(list("义乌商报小商品城<>&[]()*_@#`\\|!\"' abc😀é\n")),
    min_size=1,
    max_size=80,
)
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\((https://[^\s()]*)\)")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headlines=st.lists(_TEXT, min_size=1, max_size=40),
    summaries=st.lists(_TEXT, min_size=40, max_size=40),
)
def test_splitting_keeps_every_item_once_in_order_and_every_part_fits(
    headlines: list[str], summaries: list[str]
) -> None:
    """Property: parts fit the platform limit, rejoin to the items in order, and markup stays whole."""
    items = [
        DigestItem(_article(n, headline=h.strip() or "空", summary=s * 20), WHY, alerted=False)
        for n, (h, s) in enumerate(zip(headlines, summaries, strict=False))
    ]
    for kind in ("wecom", "telegram"):
        messages = render_digest(kind, items, subscriber_name="王", title="日报")
        urls = [entry["url"] for m in messages for entry in m.items]
        assert urls == [it.article.url for it in items]
        for message in messages:
            assert CHANNEL_KINDS[kind].fits(message)
            if kind == "telegram":
                parser = _Balanced()
                parser.feed(message.body)
                assert parser.ok
                assert not parser.stack
            else:
                links = _MD_LINK.findall(message.body)
                assert len(links) == len(message.items)


@pytest.mark.parametrize("kind", ["file", "wecom", "dingtalk", "telegram"])
def test_alert_shows_kicker_and_subtitle_around_the_headline(kind: str) -> None:
    """The 引题 above and the 副题 below the headline appear, so a hit in them is visible."""
    article = Article(
        kicker="省打击治理电信网络诈骗工作协调机制现场会在义举行",
        headline="凝聚精准治理合力",
        subtitle="更好服务保障高质量发展",
        body="本报讯 ……",
        summary="为深入贯彻落实。",
    )
    (message,) = render_alert(kind, article, (), subscriber_name="陈")
    body = message.body
    assert body.index("电信网络诈骗") < body.index("凝聚精准治理合力") < body.index("更好服务保障")


def test_kicker_is_escaped_like_any_article_text() -> None:
    """A kicker carrying markup is escaped for Telegram HTML, like the headline."""
    article = Article(kicker="<b>注意</b> & 提醒", headline="标题", body="……")
    (message,) = render_alert("telegram", article, (), subscriber_name="陈")
    assert "&lt;b&gt;注意&lt;/b&gt; &amp; 提醒" in message.body


def test_lettered_page_renders_its_printed_label() -> None:
    """An article of page B03 shows 第B03版, not 第03版."""
    from newsbot.models import Article
    from newsbot.render import _page_label

    article = Article(headline="h", body="b", page=3, page_label="B03", page_name="城事")
    assert _page_label(article) == "第B03版 城事"
    assert _page_label(Article(headline="h", body="b", page=3)) == "第03版"


def test_why_names_each_word_once_per_field() -> None:
    """A topic's word and the rule's own words hit at one place say it once: the longest
    first; a word in another field, or not inside one shown, still gets its line."""
    why = (
        Explanation("topic 反诈 via 电信网络诈骗", "headline", "警方提醒：谨防电信网络诈骗"),
        Explanation("电信网络诈骗", "headline", "谨防电信网络诈骗"),
        Explanation("网络诈骗", "headline", "谨防电信网络诈骗"),
        Explanation("诈骗", "summary", "诈骗案"),
        Explanation("反洗钱", "headline", "反洗钱宣传"),
    )
    (message,) = render_alert("file", _article(1), why, subscriber_name="陈")
    line = next(x for x in message.body.splitlines() if x.startswith("命中"))
    assert line == "命中：topic 反诈 via 电信网络诈骗（标题）、诈骗（摘要）、反洗钱（标题）"
