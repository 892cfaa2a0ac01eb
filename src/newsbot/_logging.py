"""Log lines with fixed keys: the message says what happened, the keys say to what.

Code logs ``log.warning("poll failed", extra={"source": "ywsb", "error": "..."})``; this
formatter prints ``WARNING newsbot.ingest poll failed source=ywsb error="..."``. No data is
formatted into the message text, so lines stay greppable and secrets stay in the values,
which are already redacted where they are made.

Usage::

    configure(level=logging.INFO)
"""

from __future__ import annotations

import logging

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
    "error",
)


class KeyValueFormatter(logging.Formatter):
    """``LEVEL logger message key=value ...`` for the fixed keys present on the record."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = [f"{key}={_value(getattr(record, key))}" for key in KEYS if hasattr(record, key)]
        return " ".join([line, *pairs]) if pairs else line


def _value(value: object) -> str:
    text = str(value)
    return f'"{text}"' if any(c.isspace() for c in text) or not text else text


def configure(level: int) -> None:
    """Send newsbot's (and its libraries') logs to stderr with the fixed keys."""
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.set_name("newsbot")
    handler.addFilter(RedactingFilter())  # known secrets never reach a log line
    root = logging.getLogger()
    # Replace our own handler on a second call; leave handlers others installed alone.
    root.handlers[:] = [h for h in root.handlers if h.get_name() != "newsbot"] + [handler]
    root.setLevel(level)
