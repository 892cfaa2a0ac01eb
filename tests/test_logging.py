"""Log lines carry fixed keys after the message, never data inside it."""

from __future__ import annotations

import logging

from newsbot._logging import KeyValueFormatter


def test_fixed_keys_follow_the_message_in_a_fixed_order() -> None:
    """`extra` keys print as key=value after the message, quoted when they hold spaces."""
    record = logging.LogRecord(
        "newsbot.ingest", logging.WARNING, __file__, 1, "poll failed", None, None
    )
    record.error = "HTTP 500 for http://x/"
    record.source = "ywsb"
    line = KeyValueFormatter("%(levelname)s %(name)s %(message)s").format(record)
    assert line == 'WARNING newsbot.ingest poll failed source=ywsb error="HTTP 500 for http://x/"'


def test_a_line_without_keys_is_just_the_message() -> None:
    """Records without newsbot's keys are left as the base format prints them."""
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    assert KeyValueFormatter("%(message)s").format(record) == "hello you"
