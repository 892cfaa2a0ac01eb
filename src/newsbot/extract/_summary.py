"""Summaries: whole sentences of the article's own lead, at most 120 characters.

Usage::

    summarize(["本报讯 昨日，…举行。会议指出，…。"]) == "昨日，…举行。"

Never the dateline marker ("本报讯", "新华社北京2月10日电"), never the bracketed byline,
never text from another article: we only read the article's first paragraphs.
"""

from __future__ import annotations

import re

from newsbot.extract._byline import is_byline_text, split_lead
from newsbot.extract._text import PHOTO_CREDIT_END, ends_sentence

MAX_SUMMARY_CHARS = 120
_MIN_LEAD_CHARS = 30
# A "!" right after "<" (markup such as <!channel>) or a "?"/"!" glued to a following
# word character (a URL's query) ends no sentence.
_SENTENCE = re.compile(r"(?:[^。！？!?]|(?<=<)!|[!?](?=[A-Za-z0-9_=&]))*(?:[。！？!?]+[”’」』]?|$)")
_CLAUSE_END = "，；、,;："


def sentences(text: str) -> list[str]:
    """Split Chinese text into sentences, keeping each one's closing punctuation."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _shorten(sentence: str, limit: int) -> str:
    """A sentence too long for a summary, cut at its last clause break and marked with …."""
    cut = max(sentence.rfind(ch, 0, limit - 1) for ch in _CLAUSE_END)
    if cut <= 0:
        cut = limit - 1
    return sentence[:cut] + "…"


def summarize(paragraphs: list[str], limit: int = MAX_SUMMARY_CHARS) -> str:
    """Whole sentences from the lead, up to ``limit`` characters; "" when there is no text."""
    text = ""
    for paragraph in paragraphs[:4]:
        if is_byline_text(paragraph) or PHOTO_CREDIT_END.search(paragraph[-24:]):
            continue  # a byline or a photo credit is never summary
        if text and not ends_sentence(text):
            break
        _, _, rest = split_lead(paragraph)
        text = f"{text}{rest}" if text else rest
        if len(text) >= _MIN_LEAD_CHARS:
            break
    summary = ""
    for sentence in sentences(text):
        if len(summary) + len(sentence) > limit:
            break
        summary += sentence
    if not summary and text:
        summary = _shorten(text, limit) if len(text) > limit else text
    return summary
