"""Checks of single config values that several option models share.

Each function returns the value when it is fine and raises ``ValueError`` with a sentence
the admin can act on otherwise, so a pydantic ``field_validator`` can call it directly and
``config check`` reports it as ``file:line: field: message``.

The checks that fields of several models share are also types to annotate them with
(:data:`SafeId`, :data:`TimeZoneName`), so each model states them at the field.

Usage::

    safe_id("merchant-chen")                      # ok
    http_url("ftp://x/feed.xml")                  # ValueError: only http(s) URLs ...
    web_link("javascript:alert(1)")               # None: not a link to follow
    url_template("http://x/{date:%Y%m%d}/1.html")
"""

from __future__ import annotations

import re
import stat
import string
from datetime import date
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator

MAX_ID_CHARS = 100
MAX_URL_CHARS = 2000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
# Names a URL template may use: the issue date, with any strftime format.
TEMPLATE_FIELDS = ("date",)


def safe_id(value: str) -> str:
    """An id: letters, digits, ``.``, ``_`` or ``-``, starting with a letter or digit."""
    if not value:
        raise ValueError("an id cannot be empty")
    if len(value) > MAX_ID_CHARS:
        raise ValueError(f"an id is at most {MAX_ID_CHARS} characters, not {len(value)}")
    if not _ID.match(value):
        raise ValueError(f"{value[:40]!r}: use letters, digits, '.', '_' or '-' (no spaces or '/')")
    return value


def known_timezone(value: str) -> str:
    """An IANA time zone name such as ``Asia/Shanghai``."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {value[:60]!r} (e.g. Asia/Shanghai)") from None
    return value


# A field of these types is checked by the function above it, whatever model holds it.
SafeId = Annotated[str, AfterValidator(safe_id)]
TimeZoneName = Annotated[str, AfterValidator(known_timezone)]


def http_url(value: str) -> str:
    """A well-formed absolute ``http://`` or ``https://`` URL with a host (and a valid port)."""
    if len(value) > MAX_URL_CHARS:
        raise ValueError(f"a URL is at most {MAX_URL_CHARS} characters")
    if _CONTROL.search(value):
        raise ValueError("a URL cannot contain spaces or control characters")
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises for a port that is not a number in 0-65535
    except ValueError as exc:
        raise ValueError(f"not a valid URL: {exc}") from None  # urlsplit never echoes it
    if parts.scheme not in ("http", "https"):
        # The scheme only: a URL may carry a password, and a cut one escapes redaction.
        shown = f"{parts.scheme}:" if parts.scheme else "text without a scheme"
        raise ValueError(f"only http:// and https:// URLs are fetched, not {shown}")
    if not parts.hostname:
        raise ValueError("the URL names no host")
    return value


def web_link(url: str | None) -> str | None:
    """``url`` stripped, when it is an absolute ``http(s)://`` link with a host; else None.

    Links read from sites and feeds (article URLs, page and PDF links) go through this before
    they are stored, rendered into messages or shown in the console: a hostile page's
    ``javascript:``, ``data:`` or ``vbscript:`` link, or a relative one, is no link at all.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[broken" and the like
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def url_template(value: str) -> str:
    """A URL template whose only placeholder is ``{date:<strftime>}``, filled, is an http(s)
    URL. A template without the date is allowed (a paper's fixed "today" page); sources warn."""
    names = []
    try:
        for _, name, _, _ in string.Formatter().parse(value):
            if name is not None:
                names.append(name)
        unknown = [n for n in names if n.split(".")[0].split("[")[0] not in TEMPLATE_FIELDS]
        if unknown:
            known = ", ".join("{" + f + "}" for f in TEMPLATE_FIELDS)
            raise ValueError(f"unknown placeholder {{{unknown[0]}}} (known: {known})")
        filled = value.format(date=date(2025, 5, 16))
    except ValueError:
        raise
    except (KeyError, IndexError, AttributeError, TypeError) as exc:
        raise ValueError(f"the template cannot be filled: {exc}") from None
    http_url(filled)
    return value


def env_name(value: object) -> str:
    """The name in ``{$env: NAME}``: non-empty text without NUL or ``=``."""
    if not isinstance(value, str):
        raise ValueError(f"{{$env: ...}} needs a variable name, not {type(value).__name__}")
    if not value:
        raise ValueError("{$env: ...} needs a variable name, not an empty one")
    if "\x00" in value or "=" in value or len(value) > 200:
        raise ValueError(f"{value[:40]!r} cannot be an environment variable name")
    return value


def quiet_span(value: str) -> str:
    """``HH:MM-HH:MM`` with real times (``24:00`` only as an end) and two different ends."""
    match = re.fullmatch(r"(\d\d):(\d\d)-(\d\d):(\d\d)", value)
    if match is None:
        raise ValueError("must be HH:MM-HH:MM, e.g. 22:00-07:00")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60:
        raise ValueError(f"{value!r} is not a time span (hours 00-23, minutes 00-59)")
    if start == end:
        raise ValueError(f"{value!r} is empty: start and end are the same time")
    if end - start == 24 * 60:
        raise ValueError(f"{value!r} is the whole day: set the subscriber inactive instead")
    return value


def path_kind(path: Path) -> str:
    """``"folder"``, ``"file"``, ``"missing"``, ``"other"`` (a device, a pipe), or why not
    (``"File name too long"``): never an exception, whatever the text of the path."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "missing"
    except (OSError, ValueError) as exc:
        return getattr(exc, "strerror", None) or str(exc)
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "other"
