"""Secrets that never print: webhook keys, tokens and signing secrets.

Config files name secrets by reference (``{"$env": "WECOM_KEY"}``); the loader resolves
them into :class:`Secret`, whose ``str``/``repr`` are redacted. Only the code that signs
or builds a request calls :meth:`Secret.reveal`.

One mechanism keeps the clear values out of every output: each :class:`Secret` adds its
value to a process-wide registry, and :func:`scrub` replaces every registered value (and
its URL-encoded form), plus credentials recognisable by shape in URLs, by ``***``.
:func:`scrub` is what error formatting, the stored errors of the outbox and the answers
``channels test`` prints go through; :class:`RedactingFilter` puts it on every log line
(on newsbot's log handler, and on the loggers of httpx, which log each request's URL).

Usage::

    key = Secret("abc123")
    print(key)          # ***
    key.reveal()        # "abc123"
    scrub("POST https://x/abc123.send failed")   # "POST https://x/***.send failed"
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

REDACTED = "***"
MIN_SECRET_CHARS = 8  # shorter values would redact ordinary words; real keys are longer
_KNOWN: set[str] = set()


def remember(value: str) -> None:
    """Register a clear secret value so :func:`scrub` removes it from any text."""
    if len(value) >= MIN_SECRET_CHARS:
        _KNOWN.add(value)
        encoded = quote(value, safe="")
        if encoded != value:
            _KNOWN.add(encoded)


def scrub(text: str) -> str:
    """``text`` with every known secret value and every URL credential replaced by ``***``."""
    for value in sorted(_KNOWN, key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    return _redact_shapes(text)


class Secret:
    """A string value that redacts itself everywhere except :meth:`reveal`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        remember(value)

    def reveal(self) -> str:
        """The clear value, for signing or building a request; never log it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def validate(value: Any) -> Secret:
            if isinstance(value, Secret):
                return value
            if isinstance(value, str):
                return Secret(value)
            # ValueError, not TypeError: pydantic reports it at the field instead of crashing.
            raise ValueError("a secret must be text from {$env: NAME}")

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.plain_serializer_function_ser_schema(str)
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # As written in the config file: a reference to an environment variable, never a value.
        return {
            "type": "object",
            "description": "a secret: {$env: NAME} names the environment variable holding it",
            "properties": {"$env": {"type": "string", "minLength": 1}},
            "required": ["$env"],
            "additionalProperties": False,
        }


def redact(text: str, secrets: list[Secret] | tuple[Secret, ...]) -> str:
    """Replace every clear secret value in ``text`` (an error message, a URL) by ``***``.

    ``secrets`` are redacted even if short; every registered secret is redacted too.
    """
    for secret in secrets:
        value = secret.reveal()
        if len(value) >= 4:
            text = text.replace(value, REDACTED)
    return scrub(text)


# Credentials recognisable by their shape, whether or not newsbot knows the value.
_URL_SECRET_PARAMS = re.compile(
    r"(?i)([?&;](?:[a-z0-9_-]*key|[a-z0-9_-]*token|sign|signature|[a-z0-9_-]*secret|sig"
    r"|password|passwd|pwd|auth|credential)=)[^&#\s]+"
)
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/@\s:]*):[^/@\s]*@")
_URL_BOT_TOKEN = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")
_URL_WEBHOOK_PATH = re.compile(r"(/(?:webhooks|hook|services|bot/v2/hook)/)[^\s?#]+")
# ServerChan SendKeys: SCT/SCU and a long tail, or any long token before ".send".
_URL_SENDKEY = re.compile(r"/(?:(?:SCT|SCU)[A-Za-z0-9]{8,}|[A-Za-z0-9_-]{20,})(?=\.send\b)")
# Platforms whose webhook URL path is itself the credential.
_WEBHOOK_HOSTS = re.compile(
    r"(?i)://[^/]*(?:slack\.com|discord(?:app)?\.com|feishu\.cn|larksuite\.com|qyapi\.weixin)"
)
_SHAPES = (
    (_URL_USERINFO, "a password (user:password@)"),
    (_URL_SECRET_PARAMS, "a credential query parameter"),
    (_URL_BOT_TOKEN, "a Telegram bot token"),
    (_URL_SENDKEY, "a ServerChan SendKey"),
    (_URL_WEBHOOK_PATH, "a webhook token"),
)


def _redact_shapes(text: str) -> str:
    text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)
    text = _URL_SECRET_PARAMS.sub(lambda m: m.group(1) + REDACTED, text)
    text = _URL_BOT_TOKEN.sub("/bot" + REDACTED, text)
    text = _URL_SENDKEY.sub("/" + REDACTED, text)
    return _URL_WEBHOOK_PATH.sub(lambda m: m.group(1) + REDACTED, text)


def redact_url(url: str) -> str:
    """A URL (or any text) fit for logs: known secrets and credentials in URLs replaced."""
    return scrub(url)


def inline_secret(value: str) -> str | None:
    """What kind of credential is written into ``value`` (a URL), or None when none is."""
    if "://" not in value and "?" not in value:
        return None
    for pattern, what in _SHAPES:
        # "/services/..." is a Slack token only at Slack: a feed under /services/ is fine.
        if pattern is _URL_WEBHOOK_PATH and not _WEBHOOK_HOSTS.search(value):
            continue
        if pattern.search(value):
            return what
    return None


class RedactingFilter(logging.Filter):
    """Scrubs each record's message, string extras and traceback before any handler prints it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        for key, value in list(vars(record).items()):
            if isinstance(value, str) and key not in ("msg", "name", "levelname", "pathname"):
                setattr(record, key, scrub(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True
