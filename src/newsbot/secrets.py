"""Secrets that never print: webhook keys, tokens and signing secrets.

Config files name secrets by reference (``{"$env": "WECOM_KEY"}``); the loader resolves
them into :class:`Secret`, whose ``str``/``repr`` are redacted. Only the code that signs
or builds a request calls :meth:`Secret.reveal`.

Usage::

    key = Secret("abc123")
    print(key)          # ***
    key.reveal()        # "abc123"
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

REDACTED = "***"


class Secret:
    """A string value that redacts itself everywhere except :meth:`reveal`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

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
            raise TypeError("a secret must be a string or an {'$env': NAME} reference")

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
    """Replace every clear secret value in ``text`` (an error message, a URL) by ``***``."""
    for secret in secrets:
        value = secret.reveal()
        if len(value) >= 4:
            text = text.replace(value, REDACTED)
    return text


_URL_SECRET_PARAMS = re.compile(
    r"(?i)([?&](?:key|access_token|token|sign|secret|sendkey|sig)=)[^&#\s]+"
)
_URL_BOT_TOKEN = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")
_URL_WEBHOOK_PATH = re.compile(r"(/(?:webhooks|hook|services|bot/v2/hook)/)[^\s?#]+")


def redact_url(url: str) -> str:
    """A URL fit for logs: query secrets, bot tokens and webhook path tokens replaced."""
    url = _URL_SECRET_PARAMS.sub(lambda m: m.group(1) + REDACTED, url)
    url = _URL_BOT_TOKEN.sub("/bot" + REDACTED, url)
    return _URL_WEBHOOK_PATH.sub(lambda m: m.group(1) + REDACTED, url)
