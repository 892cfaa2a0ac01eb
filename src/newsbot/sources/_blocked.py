"""Recognise anti-bot walls, so a challenge page is reported as "blocked", never as an empty issue.

E-paper sites behind 瑞数 (River Security) answer with a tiny page that sets ``$_ts`` and loads
an obfuscated script; others show a slider captcha (``seccaptcha``, ``captcha.css``), a
Cloudflare/Aliyun interstitial, or a near-empty page whose only content is a script or a
meta refresh to a verification URL. Usage::

    if (reason := blocked_reason(body, "text/html")):
        raise SourceBlockedError(reason, source=source_id)
"""

from __future__ import annotations

import re

# Only the head of a page is looked at: walls are small and put their markers first.
_SCAN_BYTES = 64 * 1024
# A real e-paper page has at least this much visible text; walls have next to none.
_MIN_TEXT_CHARS = 40

_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("瑞数 $_ts JavaScript challenge", re.compile(r"\$_ts\s*=\s*window\[|\$_ts\.nsd|_\$_p\(\)")),
    (
        "slider captcha",
        re.compile(
            r"seccaptcha|captcha\.css|class=\"captchaPage|sliderCaptcha|"
            r"nc_iconfont|geetest|TencentCaptcha",
            re.IGNORECASE,
        ),
    ),
    (
        "Cloudflare challenge",
        re.compile(
            r"cf-browser-verification|challenge-platform|"
            r"Just a moment\.\.\.</title>",
            re.IGNORECASE,
        ),
    ),
    (
        "Aliyun/WAF interstitial",
        re.compile(r"acw_sc__v2|_waf_bd8ce2ce37|aliyun_waf", re.IGNORECASE),
    ),
    (
        "access-denied page",
        re.compile(
            r"<title>\s*(?:403 Forbidden|访问被拒绝|安全验证|"
            r"请输入验证码|访问验证)",
            re.IGNORECASE,
        ),
    ),
)
_REFRESH = re.compile(r"<meta[^>]+http-equiv=[\"']?refresh[^>]*url=([^\"'>\s]+)", re.IGNORECASE)
_CHALLENGE_URL = re.compile(r"captcha|verify|challenge|waf|security|antibot", re.IGNORECASE)
_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]*>|&[a-z#0-9]+;", re.IGNORECASE)


def _decode_head(body: bytes) -> str:
    head = body[:_SCAN_BYTES]
    for encoding in ("utf-8", "gb18030"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError:
            continue
    return head.decode("latin-1")


def visible_text_chars(html: str) -> int:
    """How many non-space characters a reader would see (scripts and tags removed)."""
    text = _TAG.sub(" ", _SCRIPT_OR_STYLE.sub(" ", html))
    return sum(1 for ch in text if not ch.isspace())


def blocked_reason(
    body: bytes, media_type: str = "text/html", *, markers_only: bool = False
) -> str | None:
    """Why ``body`` looks like an anti-bot wall, or None when it looks like content.

    Feeds, PDFs and plain text are never walls; HTML is checked for known markers, for a
    meta refresh to a verification URL, and for a script-only page with no visible text.
    ``markers_only`` skips the last two, which are guesses: a 404 page that only runs a
    redirect script is "not there", not a wall.
    """
    if media_type and "html" not in media_type and media_type != "application/octet-stream":
        return None
    html = _decode_head(body)
    if "<" not in html[:2048]:
        return None
    for reason, pattern in _MARKERS:
        if pattern.search(html):
            return reason
    return None if markers_only else _guess(html, len(body))


def _guess(html: str, size_bytes: int) -> str | None:
    """The weaker signs: a refresh to a verification URL, or a script and nothing to read."""
    refresh = _REFRESH.search(html)
    if refresh and _CHALLENGE_URL.search(refresh.group(1)):
        return "meta refresh to a verification page"
    scripted = re.search(r"<script\b", html, re.IGNORECASE) is not None
    tiny = size_bytes < 8192 and visible_text_chars(html) < _MIN_TEXT_CHARS
    if scripted and not refresh and tiny:
        return "script-only page with no content"
    return None
