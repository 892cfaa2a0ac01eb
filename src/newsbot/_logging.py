"""Log lines with fixed keys: the message says what happened, the keys say to what.

Code logs ``log.warning("poll failed", extra={"source": "ywsb", "error": "..."})``; this
formatter prints ``2025-05-16T06:01:02.345Z WARNING newsbot.ingest poll failed source=ywsb
error="..."``. No data is formatted into the message text, so lines stay greppable and secrets
stay in the values, which are already redacted where they are made. Times are UTC, like every
time newsbot stores.

Usage::

    configure(level=logging.INFO)
"""

from __future__ import annotations

import logging
import time

from newsbot.secrets import RedactingFilter

# The keys newsbot logs, in the order they are printed.
KEYS = (
    "source",
    "article",
    "subscriber",
    "channel",
    "outcome",
    "messages",
    "sent",
    "failed",
    "dead",
    "diff",
    "url",
    "worker",
    "rows",
    "released",
    "error",
)
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class KeyValueFormatter(logging.Formatter):
    """``time LEVEL logger message key=value ...`` for the fixed keys present on the record.

    A traceback (``log.exception``) follows the keys on its own lines, so the first line of
    every record stays one greppable line.
    """

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """ISO 8601 in UTC with milliseconds: ``2025-05-16T06:01:02.345Z``."""
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        pairs = [f"{key}={_value(getattr(record, key))}" for key in KEYS if hasattr(record, key)]
        line = " ".join([line, *pairs]) if pairs else line
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line = f"{line}\n{record.exc_text}"
        if record.stack_info:
            line = f"{line}\n{self.formatStack(record.stack_info)}"
        return line


def _value(value: object) -> str:
    text = str(value).replace("\n", "\\n")  # one record, one line: a value cannot forge another
    return f'"{text}"' if any(c.isspace() for c in text) or not text else text


def configure(level: int) -> None:
    """Send newsbot's (and its libraries') logs to stderr with the fixed keys, from ``level`` up.

    Called by the command line for every command (``newsbot run`` asks for INFO, ``-v`` one
    step more). Libraries (alembic, APScheduler, httpx) speak from WARNING up unless ``level``
    is DEBUG. A second call replaces newsbot's handler; handlers others installed stay.
    """
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter(LINE_FORMAT))
    handler.set_name("newsbot")
    handler.addFilter(RedactingFilter())  # known secrets never reach a log line
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "newsbot"] + [handler]
    root.setLevel(level if level <= logging.DEBUG else max(level, logging.WARNING))
    logging.getLogger("newsbot").setLevel(level)


def level_for(verbose: int, *, base: int = logging.WARNING) -> int:
    """The level for ``-v`` given ``verbose`` times over a command's ``base`` (DEBUG at most)."""
    return max(logging.DEBUG, base - 10 * verbose)
