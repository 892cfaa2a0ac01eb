"""Facts an article page states outside its body: metadata, dates, bylines, paper name.

Usage::

    facts = page_facts(root, raw_text)
    facts.get("title"), facts.get("introtitle"), facts.get("pagenum")
    printed_datetime("发布日期：2019-09-23")           # (date(2019, 9, 23), None)
    paper_name("安徽日报农村版数字报")                  # "安徽日报农村版"

Where the facts hide: Founder's ``<!--enpproperty <founder-title>… <founder-pagenum>…-->``
comments (also after ``</html>``, where a parser may not keep them, so the raw text is read),
``<meta>``/``og:`` tags, and the title cells of Founder classic (``td.font01`` the title,
``td.font02`` the kicker above it and the subtitle below it).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import lxml.html

from newsbot.extract._html_common import element_text, properties, squash

BEIJING = timezone(timedelta(hours=8), "CST")
_ENP = re.compile(r"<!--\s*enpproperty(.{0,6000}?)-->", re.S)
_META_NAMES = {
    "og:title": "og-title",
    "title": "meta-title",
    "articletitle": "meta-title",
    "author": "meta-author",
    "article:author": "meta-author",
    "og:article:author": "meta-author",
    "article:published_time": "meta-date",
    "og:release_date": "meta-date",
    "pubdate": "meta-date",
    "publishdate": "meta-date",
    "publish_date": "meta-date",
    "publishtime": "meta-date",
    "pagenumber": "meta-pagenum",
    "og:site_name": "site",
}
_DATETIME = re.compile(
    r"(\d{4})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?"
    r"(?:\s*(\d{1,2})\s*[:：时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?)?"
)
_LABELLED_DATE = re.compile(
    r"(?:发布日期|发布时间|发表时间|发稿时间|更新时间|出版日期|日期|时间)\s*[:：]\s*"
)
TITLE_SPLIT = re.compile(r"\s*(?:[|｜_·•\-－—:：]+)\s*")
_PAPER_SUFFIX = re.compile(
    r"(?:多媒体)?(?:数字报刊?平台|数字报刊?|电子报刊?|数字版|电子版|数字报纸|报纸版|网络版|官方网站|官网|首页)$"
)
_SITE = re.compile(r"[\u4e00-\u9fff]{1,6}网")
_PAPER = re.compile(
    r"[\u4e00-\u9fff]{1,12}?(?:日报|晚报|商报|时报|早报|晨报|周报|导报|电讯|报)"
    r"(?:[\u4e00-\u9fff]{1,3}版(?<!数字版)(?<!电子版))?"
)


def page_facts(root: lxml.html.HtmlElement, raw: str) -> dict[str, str]:
    """Every enpproperty/founder-*/meta fact of a page, first one of each name wins."""
    facts: dict[str, str] = {}
    for found in _ENP.finditer(raw):
        for name, value in properties(found.group(1)).items():
            if value:
                facts.setdefault(name.removeprefix("founder-"), value)
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        value = squash(meta.get("content"))
        if name in _META_NAMES and value:
            facts.setdefault(_META_NAMES[name], value)
    _title_cells(root, facts)
    return facts


def _title_cells(root: lxml.html.HtmlElement, facts: dict[str, str]) -> None:
    """Founder classic: ``td.font01`` is the title, ``td.font02`` above it the kicker,
    below it the subtitle."""
    cells = root.xpath("//td[@class='font01' or @class='font02']")
    seen_title = False
    for cell in cells:
        text = element_text(cell)
        if not text:
            continue
        if cell.get("class") == "font01" and not seen_title:
            facts.setdefault("cell-title", text)
            seen_title = True
        elif cell.get("class") == "font02":
            facts.setdefault("cell-subtitle" if seen_title else "cell-introtitle", text)


def printed_datetime(text: str) -> tuple[date | None, datetime | None]:
    """The first printed date in ``text`` and, when a time follows it, the moment (Beijing)."""
    for match in _DATETIME.finditer(text):
        year, month, day = int(match.group(1)), int(match.group(2)), int(match.group(3))
        try:
            when = date(year, month, day)
        except ValueError:
            continue
        if match.group(4) is None:
            return when, None
        hour, minute, second = int(match.group(4)), int(match.group(5)), int(match.group(6) or 0)
        try:
            moment = datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)
        except ValueError:
            return when, None
        return when, moment
    return None, None


def labelled_datetime(text: str) -> tuple[date | None, datetime | None]:
    """A date printed after a label (``发布日期：2019-09-23``, ``时间：2016年10月14日07:17``)."""
    for label in _LABELLED_DATE.finditer(text):
        found = printed_datetime(text[label.end() : label.end() + 40])
        if found[0] is not None:
            return found
    return None, None


def paper_name(title: str) -> str | None:
    """The paper (or news site) named in a page title, whole ("安徽日报农村版"), without
    suffixes such as 数字报 or 电子版.

    A title segment that is only a paper's name wins, then one that is only a news site's
    name ("中国日报网", "南方网"), then the last paper name found inside a segment."""
    whole_sites: list[str] = []
    inside: list[str] = []
    for raw_segment in TITLE_SPLIT.split(squash(title)):
        segment, previous = raw_segment.replace(" ", ""), ""
        while previous != segment:
            previous, segment = segment, _PAPER_SUFFIX.sub("", segment)
        match = _PAPER.search(segment)
        if match and match.group(0) == segment:
            return segment
        if _SITE.fullmatch(segment):
            whole_sites.append(segment)
        elif match and "网" not in match.group(0):
            inside.append(match.group(0))
    found = whole_sites or inside[-1:]
    return found[0] if found else None
