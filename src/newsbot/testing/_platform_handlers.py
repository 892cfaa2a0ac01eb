"""The fake platforms' answers: one handler per platform, each checking what the real one would.

Private to :mod:`newsbot.testing.platforms` (which serves them and re-exports the secrets).
A handler takes the fake (for its clock skew and Retry-After settings), the parsed request and
the scripted answer, and returns ``(status, headers, body)`` as the real service would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsbot.testing.platforms import FakePlatforms

KEY = "fake-key-0123456789"
SIGNING_SECRET = "SECfake-signing-secret"
WHSEC = "whsec_" + base64.b64encode(b"fake-standard-webhooks-key").decode("ascii")
TELEGRAM_TOKEN = "123456:fake-telegram-token"

Reply = tuple[int, dict[str, str], bytes]


def json_reply(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    """A JSON answer, UTF-8 with non-ASCII kept."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, body


def text_reply(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    """A plain-text answer."""
    return status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}, text.encode()


@dataclass
class Request:
    """One request as the handlers see it: platform, path under its prefix, query, body."""

    kind: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def payload(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body.decode("utf-8"))


def accepted(kind: str, body: bytes) -> bool:
    """Whether a 2xx answer means success for the platform (errors live in 200 bodies)."""
    if kind in {"discord", "webhook"}:
        return True
    if kind == "slack":
        return body == b"ok"
    data = json.loads(body)
    success = {
        "wecom": ("errcode", 0),
        "dingtalk": ("errcode", 0),
        "feishu": ("code", 0),
        "lark": ("code", 0),
        "telegram": ("ok", True),
        "serverchan": ("code", 0),
        "pushplus": ("code", 200),
    }
    name, value = success[kind]
    return bool(data.get(name) == value)


# Platforms: each answers (status, headers, body) like the real service -----------------------


def _errcode_platform(
    code_throttle: int, code_bad_key: int, key_of: Callable[[Request], str | None], size_limit: int
) -> Callable[[FakePlatforms, Request, str], Reply]:
    """WeCom and DingTalk: an ``errcode`` in a 200 body for every outcome."""

    def handle(fake: FakePlatforms, request: Request, answer: str) -> Reply:  # noqa: PLR0911 - one return per platform answer
        if answer == "throttle":
            return json_reply(200, {"errcode": code_throttle, "errmsg": "send too fast"})
        if answer == "error":
            return text_reply(502, "bad gateway")
        if answer == "gone" or key_of(request) != KEY:
            return json_reply(200, {"errcode": code_bad_key, "errmsg": "invalid webhook or token"})
        if request.kind == "dingtalk" and not _dingtalk_signed(fake, request):
            return json_reply(200, {"errcode": 310000, "errmsg": "sign not match"})
        payload = request.payload()
        text = payload["markdown"].get("content", payload["markdown"].get("text", ""))
        if len(text.encode("utf-8")) > size_limit:
            return json_reply(
                200, {"errcode": 40058, "errmsg": f"content exceed max length {size_limit}"}
            )
        title = payload["markdown"].get("title", "")
        if payload.get("at", {}).get("isAtAll") or _mentions_all(f"{title}\n{text}"):
            return json_reply(200, {"errcode": 40035, "errmsg": "fake: @all is not allowed"})
        return json_reply(200, {"errcode": 0, "errmsg": "ok"})

    return handle


_MENTION_ALL = re.compile(r"@(all|所有人|everyone)\b", re.IGNORECASE)


def _mentions_all(text: str) -> bool:
    """Text the platform (or the person's phone) would show as a mention of everyone."""
    return bool(_MENTION_ALL.search(text))


def _dingtalk_signed(fake: FakePlatforms, request: Request) -> bool:
    timestamp = request.query.get("timestamp", "0")
    if not timestamp.isdigit() or not fake.fresh(int(timestamp) / 1000):
        return False
    mac = hmac.new(SIGNING_SECRET.encode(), f"{timestamp}\n{SIGNING_SECRET}".encode(), "sha256")
    return hmac.compare_digest(
        base64.b64encode(mac.digest()).decode(), request.query.get("sign", "")
    )


def _feishu(fake: FakePlatforms, request: Request, answer: str) -> Reply:  # noqa: PLR0911 - one return per platform answer
    if answer == "throttle":
        return json_reply(
            200, {"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]"}
        )
    if answer == "error":
        return text_reply(500, "internal error")
    if answer == "gone" or not request.path.endswith(f"/hook/{KEY}"):
        return json_reply(
            200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        )
    if len(request.body) > 20 * 1024:
        return json_reply(200, {"code": 9499, "msg": "fake: request body exceeds 20 KB"})
    payload = request.payload()
    timestamp = str(payload.get("timestamp", "0"))
    key = f"{timestamp}\n{SIGNING_SECRET}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    if not timestamp.isdigit() or not fake.fresh(int(timestamp)) or payload.get("sign") != expected:
        return json_reply(
            200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
        )
    if payload.get("msg_type") != "interactive" or "elements" not in payload.get("card", {}):
        return json_reply(200, {"code": 19002, "msg": "params error, msg_type need"})
    return json_reply(200, {"code": 0, "data": {}, "msg": "success"})


def _discord(fake: FakePlatforms, request: Request, answer: str) -> Reply:
    if answer == "throttle":
        wait = fake.retry_after_s
        body = {"message": "You are being rate limited.", "retry_after": wait, "global": False}
        return json_reply(429, body, {"Retry-After": str(max(1, round(wait)))})
    if answer == "error":
        return text_reply(503, "upstream connect error")
    if answer == "gone" or not request.path.endswith(f"/{KEY}"):
        return json_reply(404, {"message": "Unknown Webhook", "code": 10015})
    payload = request.payload()
    problem = _discord_problem(payload)
    if problem:
        return json_reply(400, {"message": "Invalid Form Body", "code": 50035, "errors": problem})
    message = {
        "id": "1",
        "content": payload.get("content", ""),
        "embeds": payload.get("embeds", []),
    }
    return json_reply(200, message) if request.query.get("wait") == "true" else (204, {}, b"")


def _discord_problem(payload: dict[str, Any]) -> str:
    embeds = payload.get("embeds", [])
    total = sum(len(e.get("title", "")) + len(e.get("description", "")) for e in embeds)
    total += sum(len(f["name"]) + len(f["value"]) for e in embeds for f in e.get("fields", []))
    total += sum(len(e.get("footer", {}).get("text", "")) for e in embeds)
    if len(payload.get("content", "")) > 2000 or len(embeds) > 10 or total > 6000:
        return "content, embed count or embed total over the limit"
    if any(len(e.get("title", "")) > 256 or len(e.get("description", "")) > 4096 for e in embeds):
        return "embed title or description too long"
    if payload.get("allowed_mentions") != {"parse": []}:
        return "fake: allowed_mentions must be {'parse': []}"
    return ""


_SLACK_MENTION = re.compile(r"<!(channel|here|everyone)")


def _slack(fake: FakePlatforms, request: Request, answer: str) -> Reply:
    if answer == "throttle":
        return text_reply(429, "rate_limited", {"Retry-After": "1"})
    if answer == "error":
        return text_reply(500, "internal_error")
    if answer == "gone" or not request.path.endswith(f"/{KEY}"):
        return text_reply(404, "no_service")
    payload = request.payload()
    blocks = payload.get("blocks", [])
    texts = [b.get("text", {}).get("text", "") for b in blocks]
    if len(blocks) > 50 or any(len(t) > 3000 for t in texts):
        return text_reply(400, "invalid_blocks")
    if any(_SLACK_MENTION.search(t) for t in [*texts, payload.get("text", "")]):
        return text_reply(400, "fake: mention_not_allowed")
    return text_reply(200, "ok")


class _TelegramHTML(HTMLParser):
    ALLOWED = frozenset(
        {
            "b",
            "strong",
            "i",
            "em",
            "u",
            "ins",
            "s",
            "strike",
            "del",
            "a",
            "code",
            "pre",
            "tg-spoiler",
            "span",
            "blockquote",
            "tg-emoji",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error = ""
        self.visible: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.ALLOWED:
            self.error = f'Unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = f'Can\'t find end tag corresponding to start tag "{tag}"'

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


def _telegram(fake: FakePlatforms, request: Request, answer: str) -> Reply:
    if answer == "throttle":
        wait = max(1, round(fake.retry_after_s))
        body = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {wait}",
            "parameters": {"retry_after": wait},
        }
        return json_reply(429, body)
    if answer == "error":
        return json_reply(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    if answer == "gone" or request.path != f"/bot{TELEGRAM_TOKEN}/sendMessage":
        return json_reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    payload = request.payload()
    parser = _TelegramHTML()
    parser.feed(payload.get("text", ""))
    parser.close()
    if parser.error or parser.stack:
        description = f"Bad Request: can't parse entities: {parser.error or 'unclosed tag'}"
        return json_reply(400, {"ok": False, "error_code": 400, "description": description})
    if len("".join(parser.visible).encode("utf-16-le")) // 2 > 4096:
        return json_reply(
            400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
        )
    return json_reply(
        200, {"ok": True, "result": {"message_id": 1, "chat": {"id": payload["chat_id"]}}}
    )


def _serverchan(fake: FakePlatforms, request: Request, answer: str) -> Reply:
    if answer == "throttle":
        return json_reply(200, {"code": 40001, "message": "超过当天的发送次数限制[5]，请明天再试"})
    if answer == "error":
        return text_reply(500, "server error")
    if answer == "gone" or request.path != f"/{KEY}.send":
        return json_reply(200, {"code": 40001, "message": "bad pushtoken"})
    payload = request.payload()
    if len(payload.get("title", "")) > 32:
        return json_reply(200, {"code": 40002, "message": "title too long"})
    if _mentions_all(f"{payload.get('title', '')}\n{payload.get('desp', '')}"):
        return json_reply(200, {"code": 40003, "message": "fake: @all is not allowed"})
    return json_reply(200, {"code": 0, "message": "", "data": {"pushid": "1", "errno": 0}})


def _pushplus(fake: FakePlatforms, request: Request, answer: str) -> Reply:
    if answer == "throttle":
        return json_reply(200, {"code": 900, "msg": "用户账号使用受限", "data": None})
    if answer == "error":
        return json_reply(200, {"code": 500, "msg": "系统异常，请稍后再试", "data": None})
    payload = request.payload()
    if answer == "gone" or payload.get("token") != KEY:
        return json_reply(200, {"code": 999, "msg": "无效的用户token", "data": None})
    if _mentions_all(f"{payload.get('title', '')}\n{payload.get('content', '')}"):
        return json_reply(200, {"code": 400, "msg": "fake: @all is not allowed", "data": None})
    return json_reply(200, {"code": 200, "msg": "请求成功", "data": "fake-message-id"})


def _webhook(fake: FakePlatforms, request: Request, answer: str) -> Reply:
    if answer == "throttle":
        return text_reply(429, "slow down", {"Retry-After": "1"})
    if answer == "error":
        return text_reply(503, "unavailable")
    if answer == "gone":
        return text_reply(410, "gone")
    msg_id = request.headers.get("webhook-id", "")
    timestamp = request.headers.get("webhook-timestamp", "0")
    key = base64.b64decode(WHSEC.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + request.body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = request.headers.get("webhook-signature", "").split()
    if not timestamp.isdigit() or not fake.fresh(int(timestamp)) or expected not in offered:
        return text_reply(401, "invalid signature")
    return text_reply(200, "accepted")


PLATFORMS: dict[str, Callable[[FakePlatforms, Request, str], Reply]] = {
    "wecom": _errcode_platform(45009, 93000, lambda r: r.query.get("key"), 4096),
    "dingtalk": _errcode_platform(130101, 300001, lambda r: r.query.get("access_token"), 20000),
    "feishu": _feishu,
    "lark": _feishu,
    "discord": _discord,
    "slack": _slack,
    "telegram": _telegram,
    "serverchan": _serverchan,
    "pushplus": _pushplus,
    "webhook": _webhook,
}
