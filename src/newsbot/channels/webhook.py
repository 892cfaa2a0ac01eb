"""Generic webhook: JSON events signed per the Standard Webhooks spec.

Spec: https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
Headers ``webhook-id`` (stable per message, so a receiver can drop our at-least-once
duplicates), ``webhook-timestamp`` (seconds) and ``webhook-signature: v1,<base64>`` where the
MAC is HMAC-SHA256 of ``f"{id}.{timestamp}.{body}"`` keyed with the base64 part of the
``whsec_...`` secret. 2xx is success, 410 Gone disables the endpoint, 429 and 5xx retry.

Usage::

    WebhookChannel(WebhookOptions(id="w", kind="webhook", url=url, secret=Secret("whsec_...")))
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar

import httpx
from pydantic import Field, field_validator

from newsbot.channels._registry import register_channel
from newsbot.channels.base import (
    Channel,
    ChannelOptions,
    Escaping,
    Format,
    dumps,
    parsed_url,
    unix_s,
)
from newsbot.models import Message
from newsbot.secrets import Secret

SECRET_PREFIX = "whsec_"
# Header names that carry credentials: their value must come from {$env: NAME}.
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}")
_CREDENTIAL_HEADER = re.compile(r"(?i)auth|token|key|secret|password|cookie|signature|session")


class WebhookOptions(ChannelOptions, frozen=True, extra="forbid"):
    """Where to POST, the ``whsec_`` signing secret, and extra headers.

    A header carrying a credential (``Authorization``, ``X-Api-Key``, a cookie) takes its
    value from ``{$env: NAME}``; written inline it is refused.
    """

    kind: str = "webhook"
    url: str
    secret: Secret | None = None
    # A literal stays text; only a value from {$env: NAME} is a Secret (left to right).
    headers: Mapping[str, Annotated[str | Secret, Field(union_mode="left_to_right")]] = Field(
        default_factory=dict
    )

    @field_validator("headers", mode="before")
    @classmethod
    def _credentials_by_reference(cls, value: Any) -> Any:
        """Header names must be valid; a credential header's value must not be written inline."""
        if not isinstance(value, Mapping):
            return value
        for name, header in value.items():
            if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"header name {str(name)[:40]!r} is not a valid HTTP header name")
            if not isinstance(header, str | Secret):
                # Said here, once: the str | Secret union would report both of its failures.
                shown = type(header).__name__
                raise ValueError(f"header {name} must be text or {{$env: NAME}}, not {shown}")
            if isinstance(header, str) and _CREDENTIAL_HEADER.search(name):
                raise ValueError(
                    f"header {name} is a credential: write {{$env: NAME}}, not the value"
                )
            text = header.reveal() if isinstance(header, Secret) else header
            if "\n" in text or "\r" in text:
                raise ValueError(f"header {name} cannot contain a line break")
        return value

    @field_validator("secret")
    @classmethod
    def _whsec(cls, value: Secret | None) -> Secret | None:
        """A signing secret is ``whsec_`` followed by base64 (the spec's format)."""
        if value is None:
            return None
        try:
            base64.b64decode(value.reveal().removeprefix(SECRET_PREFIX), validate=True)
        except ValueError:
            raise ValueError("secret must be whsec_ followed by base64") from None
        if not value.reveal().startswith(SECRET_PREFIX):
            raise ValueError("secret must be whsec_ followed by base64")
        return value


def webhook_signature(secret: str, msg_id: str, timestamp_s: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``id.timestamp.body`` with the decoded secret."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp_s}.".encode() + body
    mac = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")
    return f"v1,{mac}"


def message_id(message: Message) -> str:
    """A stable id for one message (same on every retry): a hash of what it says."""
    digest = hashlib.sha256(
        f"{message.kind}\x1f{message.title}\x1f{message.part}\x1f{message.body}".encode()
    ).hexdigest()
    return f"msg_{digest[:32]}"


@register_channel
class WebhookChannel(Channel):
    """An event ``{"type", "timestamp", "data"}`` whose data the template draws."""

    kind: ClassVar[str] = "webhook"
    Options: ClassVar[type[ChannelOptions]] = WebhookOptions
    format: ClassVar[Format] = "json"
    escaping: ClassVar[Escaping] = "none"
    # Our own receivers: no platform limit, no pace unless the config sets max_per_minute.
    max_body_bytes: ClassVar[int | None] = None
    max_per_minute: ClassVar[float | None] = None

    def build_request(self, message: Message, *, now: datetime) -> httpx.Request:
        """POST the event with the Standard Webhooks headers (signature when a secret is set)."""
        options = self.options
        assert isinstance(options, WebhookOptions)
        event = {
            "type": f"newsbot.{message.kind}",
            "timestamp": now.isoformat(),
            "data": {
                "title": message.title,
                "part": message.part,
                "parts": message.parts,
                **json.loads(message.body),
            },
        }
        body = dumps(event).encode("utf-8")
        msg_id, timestamp_s = message_id(message), unix_s(now)
        headers = {
            **{k: v.reveal() if isinstance(v, Secret) else v for k, v in options.headers.items()},
            "Content-Type": "application/json; charset=utf-8",
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp_s),
        }
        secret = self.signing_secret()
        if secret:
            headers["webhook-signature"] = webhook_signature(secret, msg_id, timestamp_s, body)
        return httpx.Request("POST", parsed_url(options.url), content=body, headers=headers)

    def check_response(self, response: httpx.Response) -> str:
        """2xx is success; 429/5xx transient (Retry-After honoured); 410 and other 4xx permanent."""
        self.raise_for_status(response)
        return response.text or f"HTTP {response.status_code}"
