"""RSS/Atom feed entries to article drafts (feedparser does the XML).

Usage::

    drafts, title = feed_drafts(body_bytes, declared_charset="gb2312")

Chinese feeds are often GB2312 without saying so, or say so wrongly; feedparser only
guesses with chardet installed. So we decode with :func:`decode_bytes` first and hand
feedparser UTF-8 bytes with a matching XML declaration. Entry HTML becomes paragraphs;
text double-encoded as Latin-1 ("â\\x80¦") is repaired.
"""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin

from newsbot.extract._decode import decode_bytes
from newsbot.extract._draft import Draft
from newsbot.extract._headline import Heading
from newsbot.extract._html_common import parse_html, squash

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.S)
_PLAIN_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?")
BEIJING = timezone(timedelta(hours=8), "CST")
_BLOCKS = re.compile(r"<(?:p|div|br|li|h\d)\b[^>]*>", re.I)
# Real feeds carry tens to hundreds of entries; a hostile one of 100k would take minutes.
MAX_FEED_ENTRIES = 2000
_ENTRY_START = re.compile(rb"<(?:[A-Za-z0-9_-]+:)?(?:item|entry)[\s>/]")


def _utf8_feed(body: bytes, charset: str | None) -> bytes:
    text = decode_bytes(body, charset)
    text = _XML_DECL.sub("", text, count=1).lstrip()
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode("utf-8")


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 read as Latin-1/cp1252 ("â\\x80¦" → "…"); other text comes back unchanged."""
    if not text or not any("\x80" <= ch <= "\xff" for ch in text):
        return text
    for codec in ("latin-1", "cp1252"):
        try:
            return text.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text


def html_paragraphs(fragment: str) -> list[str]:
    """Paragraph texts of an HTML fragment (entry summary or content)."""
    if "<" in fragment:
        root = parse_html("<div>" + _BLOCKS.sub(lambda m: "\n" + m.group(0), fragment) + "</div>")
        if root is None:
            return []
        lines = root.text_content().split("\n")
    else:
        lines = fragment.splitlines()
    return [text for line in lines if (text := squash(line))]


def _published(entry: Any) -> datetime | None:
    raw = entry.get("published", "") or entry.get("updated", "")
    match = _PLAIN_DATE.fullmatch(raw.strip())
    if match:  # "2018-09-18 14:38:10": no zone given, so the paper's own (Beijing) time
        year, month, day, hour, minute, second = (int(p) for p in match.groups(default="0"))
        try:
            return datetime(year, month, day, hour, minute, second, tzinfo=BEIJING)
        except ValueError:
            return None
    with warnings.catch_warnings():  # feedparser warns when updated_parsed falls back
        warnings.simplefilter("ignore", DeprecationWarning)
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        year, month, day, hour, minute, second = parsed[:6]
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


def _cap_entries(xml: bytes) -> tuple[bytes, bool]:
    """The feed cut before its entry number MAX_FEED_ENTRIES + 1 (feedparser reads the rest)."""
    for count, match in enumerate(_ENTRY_START.finditer(xml), start=1):
        if count > MAX_FEED_ENTRIES:
            return xml[: match.start()], True
    return xml, False


def _author(entry: Any) -> str:
    """The entry's author names joined ("张三、李四"); "" when the feed names none."""
    names = [squash(a.get("name", "")) for a in entry.get("authors") or [] if a.get("name")]
    if not names and entry.get("author"):
        names = [squash(fix_mojibake(entry.get("author", "")))]
    return "、".join(n for n in names if n)


def feed_drafts(
    body: bytes,
    charset: str | None = None,
    *,
    notes: list[str] | None = None,
    url: str | None = None,
) -> tuple[list[Draft], str | None]:
    """Drafts of every entry with a title or text, and the feed's title.

    An entry's relative link is resolved against the feed's ``url``.

    At most MAX_FEED_ENTRIES entries are read (a note in ``notes`` says when more were left).
    """
    import feedparser

    xml, cut = _cap_entries(_utf8_feed(body, charset))
    if cut and notes is not None:
        notes.append(f"only the first {MAX_FEED_ENTRIES} entries read; the feed has more")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # feedparser warns about its own deprecations
        parsed = feedparser.parse(xml)
    drafts = []
    for entry in parsed.entries:
        title = fix_mojibake(squash(html_text(entry.get("title", ""))))
        content = entry.get("content") or []
        html = content[0].get("value", "") if content else entry.get("summary", "")
        paragraphs = [fix_mojibake(p) for p in html_paragraphs(html or "")]
        if not title and not paragraphs:
            continue
        link = entry.get("link") or None
        draft = Draft(Heading(headline=title), url=_resolve(url, link))
        draft.published_at = _published(entry)
        if author := _author(entry):
            draft.set_byline(author)  # Atom <author><name>, RSS <author>/<dc:creator>
        for paragraph in paragraphs:
            draft.add_paragraph(paragraph, repair=False)
        drafts.append(draft)
    feed_title = squash(parsed.feed.get("title", "")) or None
    return drafts, feed_title


def _resolve(base: str | None, link: str | None) -> str | None:
    if not link or not base:
        return link
    try:
        return urljoin(base, link.strip())
    except ValueError:  # a malformed link stays as it is (Draft.finish drops it)
        return link


def html_text(fragment: str) -> str:
    """Plain text of a small HTML fragment (a title that carries tags)."""
    return " ".join(html_paragraphs(fragment))
