"""An article body's paragraphs to a draft: text, captions and bylines in reading order.

Usage::

    fill_body(draft, paragraphs(body_element))

Paragraphs are ``<p>`` (or leaf table cells; lines split at ``<br>`` when no ``<p>`` holds
text). A first paragraph that is only a byline ("□ 湖北日报评论员", "文/张三") becomes the
byline, as does a closing "（布琳  张伟杰）", also when it closes the last paragraph; an
editors' credit "（编辑：…）" is dropped. Short lines right after a photo are its caption,
with the credit "（布琳摄）" kept on it; a bold sentence there is the story's lead-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html

from newsbot.extract._byline import field_byline, is_byline_text, is_trailing_byline, split_lead
from newsbot.extract._draft import Draft
from newsbot.extract._html_common import element_text, first, squash
from newsbot.extract._text import PHOTO_CREDIT_END, has_clause_punct

_CREDIT = re.compile(r"^[（(][^）)]{1,40}摄[）)]$|^[^，。]{2,30}\s摄$")
_MAX_CAPTION_CHARS = 100
_CLOSING_PAREN = re.compile(r"[（(]([^（）()]{2,40})[）)]\s*$")
_EDITOR = re.compile(r"(?:编辑|责编|责任编辑|审核|校对|编审|审校)\s*[:：]")
_CLOSING_PARAS = 2
_MAX_FIELD_BYLINE = 60
_MAX_OPENING_FIELD = 30


@dataclass(frozen=True)
class _Para:
    text: str
    has_image: bool = False
    emphasised: bool = False  # centred, right-aligned or all bold: how captions are set
    centred: bool = False


def paragraphs(content: lxml.html.HtmlElement | None) -> list[_Para]:
    """The paragraphs of a body element, in order; lines split at <br> when no <p> holds text."""
    if content is None:
        return []
    elements = content.xpath(".//p | .//td[not(.//p) and not(.//td)]")
    paras = []
    for element in elements:
        text = element_text(element)
        # Founder sets each photo in a table: every text cell of it is the caption.
        # An image inside a link is a logo or a button, not a photo with a caption.
        image = bool(element.xpath(".//img[not(ancestor::a)]")) or _in_photo_table(element, content)
        if not text and not image:
            continue
        # Keys too: pages that escape their quotes (style=\"text-align: center\") scatter
        # the style over several attribute names.
        style = " ".join(f"{k}={v}" for k, v in element.attrib.items())
        bold = (
            first(element, "./strong|./b") is not None
            and element_text(first(element, "./strong|./b")) == text
        )
        centred = "center" in style or "right" in style
        paras.append(_Para(text, has_image=image, emphasised=bold or centred, centred=centred))
    if not paras:  # no <p> at all, or only empty ones beside text set loose in the body
        return [_Para(squash(line)) for line in _br_lines(content) if squash(line)]
    return paras


def _in_photo_table(element: lxml.html.HtmlElement, content: lxml.html.HtmlElement) -> bool:
    """True inside a table with a photo set within the body (not a page laid out in tables)."""
    tables = element.xpath("ancestor::table[1]")
    if not tables or not tables[0].xpath(".//img[not(ancestor::a)]"):
        return False
    return any(ancestor is content for ancestor in tables[0].iterancestors())


def _br_lines(content: lxml.html.HtmlElement) -> list[str]:
    for br in content.iter("br"):
        br.tail = "\n" + (br.tail or "")
    text: str = content.text_content()
    return text.split("\n")


def fill_body(draft: Draft, paras: list[_Para]) -> None:
    """Byline, captions and paragraphs of an article body, in reading order."""
    after_image = False
    for index, para in enumerate(paras):
        text = para.text
        if para.has_image:
            after_image = True
            if text and len(text) <= _MAX_CAPTION_CHARS:
                _add_caption(draft, text)
            continue
        if after_image and _looks_like_caption(para):
            _add_caption(draft, text)
            continue
        after_image = False
        last = index >= len(paras) - _CLOSING_PARAS and bool(draft.paragraphs)
        if last and (text := _closing_credit(draft, text)) == "":
            continue
        opening = not draft.paragraphs and _is_opening_byline(text)
        names = None if draft.paragraphs or opening else _opening_field(text)
        if names:  # "文/张三" set above the text
            draft.set_byline(names)
            continue
        closing = last and index == len(paras) - 1 and is_trailing_byline(text)
        if opening or closing:
            draft.set_byline(text)
        elif last and len(text) <= _MAX_FIELD_BYLINE and (names := field_byline(text)):
            draft.set_byline(names)  # "作者：张三", "本文来源：…报 作者：…" closing the text
        elif _CREDIT.match(text):
            _credit(draft, text)
        else:
            _, paren, _ = split_lead(text)
            if paren and not draft.paragraphs:
                draft.set_byline(paren)
            draft.add_paragraph(text, repair=False)


def _opening_field(text: str) -> str | None:
    return field_byline(text) if len(text) <= _MAX_OPENING_FIELD else None


def _closing_credit(draft: Draft, text: str) -> str:
    """The paragraph without a credit closing it: "…需要。(文/图 刘玺东 易赛楠)" gives the
    byline; "（编辑：严玉洁 王辉）" (editors, not authors) is dropped."""
    match = _CLOSING_PAREN.search(text)
    if match is None:
        return text
    inner = match.group(1).strip()
    if _EDITOR.match(inner):
        return text[: match.start()].rstrip()
    if match.start() == 0:
        return text  # a whole-paragraph byline: the caller reads it
    if is_trailing_byline(match.group(0).strip()):
        draft.set_byline(inner)
        return text[: match.start()].rstrip()
    return text


def _credit(draft: Draft, text: str) -> None:
    """A photo credit: the caption's credit, or the byline of a photo story."""
    if draft.paragraphs and draft.byline is None:
        draft.set_byline(text)
    else:
        _add_caption(draft, text)


def _is_opening_byline(text: str) -> bool:
    return text.startswith(("□", "■")) or (is_byline_text(text) and len(text) <= 40)


def _looks_like_caption(para: _Para) -> bool:
    text = para.text
    if len(text) > _MAX_CAPTION_CHARS:
        return False
    credited = bool(_CREDIT.match(text) or PHOTO_CREDIT_END.search(text[-24:]))
    if credited:
        return True
    # A bold (not centred) sentence after a photo is the story's lead-in, not a caption.
    lead_in = not para.centred and text.rstrip().endswith(("。", "！", "？"))
    return (para.emphasised and not lead_in) or not has_clause_punct(text)


def _add_caption(draft: Draft, text: str) -> None:
    if draft.captions and _CREDIT.match(text):
        draft.captions[-1] = draft.captions[-1] + text  # the credit belongs to its caption
    else:
        draft.captions.append(text)
