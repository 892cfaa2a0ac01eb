"""The body of an article page found by its content, with the site's chrome dropped.

Usage::

    body = find_body(root)          # the element holding the article text, or None
    strip_chrome(body)              # sidebars, comment forms, QR prompts removed in place

A page's article is where its sentences are: every paragraph scores by its length and its
clause punctuation, the score flows to its parent (and half to the grandparent), and the
element with the best score, discounted by how much of its text is link text, is the body
(readability's idea, tuned for Chinese). Inside it, blocks that are site furniture go:
link lists, ``热门文章``/``相关内容``/``大家都爱看`` widgets, comment forms (``留言与评论``,
``匿名发表``, ``验证码``), QR prompts (``用微信扫码``), share bars and copyright lines.
"""

from __future__ import annotations

import re
from typing import cast

import lxml.html

from newsbot.extract._html_common import element_text

_CANDIDATE_TAGS = ("p", "td", "div", "section", "article", "font", "span", "li")
_CONTAINER_TAGS = {"div", "td", "section", "article", "main", "body", "font", "table", "tbody"}
_MIN_PARAGRAPH_CHARS = 12
_CHROME_HEAD = re.compile(
    r"^(?:热门文章|热点文章|热门推荐|热门新闻|热点新闻|相关内容|相关阅读|相关新闻|相关文章|相关链接|"
    r"延伸阅读|推荐阅读|大家都爱看|猜你喜欢|精彩推荐|最新文章|最新新闻|排行榜?|点击排行|阅读排行|"
    r"今日推荐|图片新闻|留言与评论|网友评论|发表评论|我要评论|"
    r"(?:评论|留言|分享到?)(?=$|[\s:：(（\d]))"
)
_CHROME_LINE = re.compile(
    r"验证码|匿名发表|登录账号|发表评论|用微信扫|微信扫一扫|扫一扫|扫码|二维码|分享到|"
    r"关闭窗口|打印本页|"
    r"【打印】|【关闭】|返回顶部|上一篇|下一篇|字号[:：]|浏览次数|阅读次数|点击数[:：]|"
    r"感谢您的反馈|不感兴趣|我要吐槽|我要纠错|兼容模式|请使用.{0,12}浏览器|浏览器版本"
)
# Notices of the site (copyright, licence numbers, reprint bans): furniture even as sentences.
_NOTICE = re.compile(
    r"版权所有|Copyright|copyright|ICP备|ICP证|公网安备|未经授权|不得转载|禁止转载"
)
# A line that ends as a sentence is the story's ("市民可扫码缴费，也可使用现金。"), even when
# it names what a widget names: QR codes, verification codes and sharing are news too.
_SENTENCE_END = re.compile(r"[。！？!?][”’」』）)]?$")
_MAX_CHROME_CHARS = 80
_MAX_LINK_DENSITY = 0.5
_CLAUSE = re.compile(r"[，。！？；、,]")


def _own_text(element: lxml.html.HtmlElement) -> str:
    """Text of an element without that of nested block elements (its own paragraph)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag in ("br", "a", "span", "font", "b", "strong"):
            parts.append(child.text_content() if child.tag != "br" else "\n")
        parts.append(child.tail or "")
    return "".join(parts).strip()


def link_density(element: lxml.html.HtmlElement) -> float:
    """Share of an element's text that sits inside links."""
    text = len(element_text(element))
    if not text:
        return 0.0
    linked = sum(len(element_text(a)) for a in element.iter("a"))
    return min(1.0, linked / text)


def find_body(root: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The element whose paragraphs hold the article, or None when no text reads as one."""
    scores: dict[lxml.html.HtmlElement, float] = {}
    for element in root.iter(*_CANDIDATE_TAGS):
        text = _own_text(element)
        if len(text) < _MIN_PARAGRAPH_CHARS or element.xpath("ancestor::a"):
            continue
        score = 1.0 + len(_CLAUSE.findall(text)) + min(len(text) / 100, 3.0)
        if _furniture_line(text):
            continue
        parent = element if element.tag in _CONTAINER_TAGS and element.tag != "td" else None
        parent = element.getparent() if parent is None or element.tag == "p" else parent
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + score
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + score / 2
    if not scores:
        return None
    return max(scores, key=lambda e: scores[e] * (1.0 - link_density(e)))


def _is_chrome(element: lxml.html.HtmlElement) -> bool:
    text = element_text(element)
    if not text:
        return False
    if _CHROME_HEAD.match(text) and (len(text) <= _MAX_CHROME_CHARS or link_density(element) > 0):
        return True
    if _furniture_line(text):
        return True
    return (
        len(text) >= 8
        and link_density(element) > _MAX_LINK_DENSITY
        and len(list(element.iter("a"))) >= 2
    )


def strip_chrome(body: lxml.html.HtmlElement) -> None:
    """Drop site furniture inside a body element, in place (the text around it is kept)."""
    for element in list(body.iter("div", "ul", "ol", "form", "table", "section", "aside", "dl")):
        if element is body or element.getparent() is None:
            continue
        if element.tag in ("form", "aside") or _is_chrome(element):
            cast(lxml.html.HtmlElement, element).drop_tree()
    for element in list(body.iter("p", "li", "h2", "h3", "h4", "span", "a")):
        if element.getparent() is None:
            continue
        text = element_text(element)
        if text and (_furniture_line(text) or _CHROME_HEAD.fullmatch(text)):
            cast(lxml.html.HtmlElement, element).drop_tree()


def is_chrome_text(text: str) -> bool:
    """True for a short line that is site furniture (a widget title, a QR or comment prompt)."""
    return _furniture_line(text) or (
        len(text) <= _MAX_CHROME_CHARS and bool(_CHROME_HEAD.match(text))
    )


def _furniture_line(text: str) -> bool:
    """True for a short line of the site's (a notice, or a prompt that is not a sentence)."""
    if len(text) > _MAX_CHROME_CHARS:
        return False
    if _NOTICE.search(text):
        return True
    return bool(_CHROME_LINE.search(text)) and not _SENTENCE_END.search(text)
