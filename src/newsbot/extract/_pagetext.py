"""Page text (from an e-paper's page PDF) to articles: the layout editor's rules.

Usage::

    page = segment_page(text)
    page.drafts[0].heading.headline, page.teasers, page.info.date

A page reads as a stream of lines. Headline lines are short and carry no sentence
punctuation; banners are short parallel slogans next to a headline; ``□`` lines are
bylines (or section kickers when they name nobody); a lead opens an article (本报讯 …,
or simply the first paragraph after a heading). PDF text scatters these: a small article
can sit inside a larger one's text, a byline can stand between two headings. So:

* a ``□`` byline goes to the next lead after it;
* a lead right after a heading takes that heading; a lead after body text takes the
  oldest heading still waiting for its text (the one an interleaved article pushed aside);
* a paragraph that continues a sentence broken at a column end joins the article whose
  last paragraph is unfinished, whatever stands between, and the text goes on there;
* a short line after an article that shares its words is that article's photo caption;
* a heading without byline or lead that shares the open article's words is its 小标题;
* ``导读`` starts the teasers; ``(下转第五版)`` closes an article and names the page.

docs/extraction.md states every rule with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from newsbot.extract._byline import is_byline_text, is_lead, is_trailing_byline, split_lead
from newsbot.extract._dateline import DateInfo, looks_like_dateline, parse_dateline
from newsbot.extract._draft import Draft, continuation_mark
from newsbot.extract._headline import Heading, split_heading
from newsbot.extract._normalize import normalize_page_text
from newsbot.extract._text import (
    PHOTO_CREDIT_END,
    cn_number,
    ends_sentence,
    has_clause_punct,
    overlap,
    visible_len,
)

_MAX_HEADING_CHARS = 80
_HEADER_LINES = 8
_TEASER_START = re.compile(r"^(?:导读|本期导读|今日导读|要目)$")
_EDITOR_CODE_END = re.compile(r"(?<=[。！？”）)])\s*[①-⑳]\d{0,2}$")
_BRACKET_CREDIT_END = re.compile(r"[（(][^）)]{1,30}摄[）)]$")
_PAPER_NAME = re.compile(r"^[\u4e00-\u9fff]{2,8}报$")
_PAPER_IN_LINE = re.compile(r"^([\u4e00-\u9fff]{2,8}报)\s|([\u4e00-\u9fff]{2,8}报)(?:社|$)")
_MIN_CAPTION_OVERLAP = 3
_MIN_SUBHEAD_OVERLAP = 2
_OPEN_ARTICLES = 4
# "要闻 03", "03 要闻", "第3版 要闻": the page label of an inner page's header.
_PAGE_LABEL_LINE = re.compile(
    r"^(?:第\s*(?P<cn>[0-9一二三四五六七八九十]{1,3})\s*版|(?P<n1>[0-9]{1,3})\s*版?)\s*[:：]?\s*"
    r"(?P<name1>[\u4e00-\u9fff·]{2,8})$"
    r"|^(?P<name2>[\u4e00-\u9fff·]{2,8})\s+(?:第\s*)?(?P<n2>[0-9]{1,3})\s*版?$"
)
_MAX_PUNCTUATED_HEADING = 30
_FURNITURE = re.compile(
    r"^(?:本版)?(?:责任编辑|责编|美编|美术编辑|校对|组版|版式|版式设计|图片编辑|编辑)\s*[:：]"
)
# A byline without □ starts with a role and a space ("全媒体记者 陈聪"), unlike a headline.
_PLAIN_BYLINE = re.compile(r"^[^\s（(]{0,12}?(?:记者|通讯员|评论员|实习生)\s")


@dataclass
class Page:
    """What one page of text yields."""

    drafts: list[Draft] = field(default_factory=list)
    teasers: list[str] = field(default_factory=list)
    info: DateInfo = field(default_factory=DateInfo)
    paper: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class _State:
    page: Page
    cluster: list[tuple[str, str]] = field(default_factory=list)  # ("head"|"byline", line)
    pending: list[Heading] = field(default_factory=list)
    bylines: list[str] = field(default_factory=list)
    section: str | None = None
    fresh_heading: bool = False  # the last thing seen was a heading: a lead takes it
    current: Draft | None = None
    orphan_captions: list[str] = field(default_factory=list)


def _is_heading_line(line: str) -> bool:
    return (
        len(line) <= _MAX_HEADING_CHARS
        and not has_clause_punct(line.replace("：", ""))
        and not ends_sentence(line)
    )


def _header_end(lines: list[str], page: Page) -> int:
    """Index after the masthead/date line; fills paper and date info."""
    for index, line in enumerate(lines[:_HEADER_LINES]):
        if looks_like_dateline(line):
            page.info = parse_dateline(line)
            page.warnings += page.info.warnings
            for earlier in lines[:index]:
                if _PAPER_NAME.match(earlier):
                    page.paper = earlier
                    break
            if page.paper is None and (name := _PAPER_IN_LINE.search(line)):
                page.paper = name.group(1) or name.group(2)
            return _header_tail(lines, index + 1, page)
    return 0


def _header_tail(lines: list[str], start: int, page: Page) -> int:
    """Skip what an inner page's header sets below the date line: masthead, editors, page label."""
    index = start
    while index < min(len(lines), start + 3):
        line = lines[index]
        if page.paper is None and _PAPER_NAME.match(line):
            page.paper = line
        elif label := _PAGE_LABEL_LINE.match(line):
            number = label.group("cn") or label.group("n1") or label.group("n2")
            name = label.group("name1") or label.group("name2")
            page.info.page = page.info.page or cn_number(number)
            page.info.page_name = page.info.page_name or name
        elif not _FURNITURE.match(line):
            break
        index += 1
    return index


def segment_page(text: str) -> Page:
    """Split one page of extracted text into article drafts, teasers and date info."""
    page = Page()
    text, warnings = normalize_page_text(text)
    page.warnings += warnings
    lines = [line for line in text.split("\n") if line]
    state = _State(page)
    start = _header_end(lines, page)
    for index in range(start, len(lines)):
        line = lines[index]
        if _TEASER_START.match(line):
            _flush_orphans(state)
            page.teasers = [t for t in lines[index + 1 :] if t]
            break
        following = lines[index + 1] if index + 1 < len(lines) else ""
        _feed_line(state, line, following)
    else:
        _flush_orphans(state)
    return page


def _opens_article(line: str) -> bool:
    """True for a byline or a lead: what follows a heading."""
    is_byline = line.startswith(("□", "■")) or bool(_PLAIN_BYLINE.match(line))
    return (is_byline and is_byline_text(line)) or is_lead(line)


def _is_punctuated_heading(line: str, following: str) -> bool:
    """A short headline with a comma or ？！ ("春风十里，不如你") directly above a byline or lead."""
    if visible_len(line) > _MAX_PUNCTUATED_HEADING or line[-1] in "。；，、：,;:":
        return False
    if sum(line.count(ch) for ch in "，。！？；,!?;") > 2 or is_lead(line):
        return False
    return _opens_article(following)


def _feed_line(state: _State, line: str, following: str = "") -> None:
    line = _EDITOR_CODE_END.sub("", line)
    if line.startswith(("□", "■")):
        body = line.lstrip("□■").strip()
        if is_byline_text(line):
            state.cluster.append(("byline", body))
        else:
            _flush_cluster(state)
            state.section = body
        return
    if _FURNITURE.match(line):
        return  # editors' names in the page header belong to no article
    if _PLAIN_BYLINE.match(line) and is_byline_text(line):
        state.cluster.append(("byline", line))
        return
    heading = _is_heading_line(line) or _is_punctuated_heading(line, following)
    if heading and not continuation_mark(line):
        state.cluster.append(("head", line))
        return
    _paragraph(state, line)


def _paragraph(state: _State, line: str) -> None:
    """A line with sentence punctuation: a lead, body text, a caption or a byline."""
    dangling = _dangling_draft(state)
    if _credit_of_caption_line(state, line):
        return
    _take_captions(state, line, continues=dangling is not None and not is_lead(line))
    _flush_cluster(state)
    current = state.current
    if current is not None and is_trailing_byline(line) and not state.fresh_heading:
        current.set_byline(line)
        return
    if _is_photo_caption(line) and not state.fresh_heading:
        if current is not None:
            current.captions.append(line)
        else:
            state.orphan_captions.append(line)  # photos above the first article
        return
    if dangling is not None and not is_lead(line):
        dangling.add_paragraph(line)
        state.current = dangling  # the text flow is back in this article: it goes on here
        return
    mark = continuation_mark(line)
    if state.fresh_heading or is_lead(line) or (mark and mark[0] in ("上接", "接")):
        _start_article(state, line)
        return
    if current is not None and not current.closed:
        current.add_paragraph(line)
        return
    _start_article(state, line)


def _credit_of_caption_line(state: _State, line: str) -> bool:
    """ "（张三 摄）" right after a short line: that line is a caption, this its credit."""
    if not _BRACKET_CREDIT_END.fullmatch(line) or not state.cluster:
        return False
    kind, text = state.cluster[-1]
    if kind != "head":
        return False
    state.cluster.pop()
    if state.current is not None:
        state.current.captions.append(text + line)
    else:
        state.orphan_captions.append(text + line)
    return True


def _is_photo_caption(line: str) -> bool:
    """A caption paragraph closed by its photo credit ("…⑧3陈更生 宋洁 摄", "（布琳摄）")."""
    return bool(_BRACKET_CREDIT_END.search(line) or PHOTO_CREDIT_END.search(line[-24:]))


def _dangling_draft(state: _State) -> Draft | None:
    """The most recent article whose last sentence was broken at a column end."""
    # Interleaving is local: only the last few articles can still be waiting for text.
    for draft in reversed(state.page.drafts[-_OPEN_ARTICLES:]):
        if draft.dangling:
            return draft
    return None


def _take_captions(state: _State, line: str, *, continues: bool) -> None:
    """Leading short lines of the waiting cluster that caption the previous article."""
    current = state.current
    if current is None:
        return
    heads = [text for kind, text in state.cluster if kind == "head"]
    # A lone short line between two paragraphs of one article is a caption too: the text
    # below goes on with the article, where a headline's lead would restate the headline.
    alone = len(state.cluster) == 1 and not current.closed and not is_lead(line)
    while state.cluster and state.cluster[0][0] == "head":
        candidate = state.cluster[0][1]
        prev_score = overlap(candidate, current.text())
        if alone:
            below_goes_on = overlap(line, current.text()) > overlap(line, candidate)
        else:
            below_goes_on = len(heads) > 1 and prev_score > overlap(candidate, line)
        is_caption = continues or (
            below_goes_on and " " not in candidate and prev_score >= _MIN_CAPTION_OVERLAP
        )
        if not is_caption:
            return
        current.captions.append(candidate)
        state.cluster.pop(0)
        heads.pop(0)


def _flush_cluster(state: _State) -> None:
    """Turn the waiting heading lines and bylines into headings and pending bylines."""
    if not state.cluster:
        return
    segment: list[str] = []
    for kind, text in state.cluster:
        if kind == "byline":
            _close_segment(state, segment)
            segment = []
            state.bylines.append(text)
        else:
            segment.append(text)
    _close_segment(state, segment)
    # A heading directly above (bylines aside) claims the next paragraph as its lead.
    state.fresh_heading = any(kind == "head" for kind, _ in state.cluster)
    state.cluster = []


def _close_segment(state: _State, segment: list[str]) -> None:
    if not segment:
        return
    heading = split_heading(segment)
    if heading.column is None and state.section:
        heading = Heading(heading.headline, heading.kicker, heading.subtitle, state.section)
    state.pending.append(heading)


def _is_subhead(state: _State, line: str) -> bool:
    """A heading inside an open article (小标题): no byline, no lead marker, the article's words."""
    current = state.current
    if current is None or current.closed or not state.pending or state.bylines:
        return False
    if is_lead(line) or not state.fresh_heading or len(state.pending) != 1:
        return False
    heading = state.pending[-1]
    return overlap(heading.text(), current.heading_text()) >= _MIN_SUBHEAD_OVERLAP


def _start_article(state: _State, line: str) -> None:
    """Open a new article on a lead, choosing its heading and byline by the rules above."""
    if _is_subhead(state, line) and state.current is not None:
        heading = state.pending.pop()
        state.current.add_paragraph(heading.text(), repair=False)
        state.current.add_paragraph(line, repair=False)
        state.fresh_heading = False
        return
    if state.pending:
        heading = state.pending.pop() if state.fresh_heading else state.pending.pop(0)
    else:
        heading = Heading(headline="")
    draft = Draft(heading=heading)
    if state.bylines:
        draft.set_byline(state.bylines.pop())
    _, paren, _ = split_lead(line)
    if paren and draft.byline is None:
        draft.set_byline(paren)
    draft.add_paragraph(line)
    if state.orphan_captions:
        draft.captions += state.orphan_captions
        state.orphan_captions = []
    state.page.drafts.append(draft)
    state.current = draft
    state.fresh_heading = False


def _flush_orphans(state: _State) -> None:
    """At a section break or the page end: captions and headings that never got text."""
    current = state.current
    for kind, text in state.cluster:
        if kind == "head" and current is not None and visible_len(text) <= 20 and " " not in text:
            current.captions.append(text)
        elif kind == "head":
            state.page.warnings.append(f"heading without text: {text}")
    state.cluster = []
    for heading in state.pending:
        state.page.warnings.append(f"heading without text: {heading.headline}")
    state.pending = []
    state.fresh_heading = False
