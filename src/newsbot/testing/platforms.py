"""Fake chat platforms on 127.0.0.1: check signatures, enforce sizes, throttle, fail at random.

One threaded HTTP server answers for every platform under its own path prefix, the way the
real one would: WeCom and DingTalk with an ``errcode`` in a 200 body, Discord and Slack with
HTTP statuses and Retry-After, Telegram with ``ok: false``. Ship it with the package so users
can try their own templates and configs without a network.

Usage::

    with FakePlatforms() as fake:
        channel = build_channel(fake.options("wecom"))
        await channel.send(client, message, now=datetime.now(UTC))
        assert fake.received[0].kind == "wecom"
        fake.script("wecom", "throttle")        # the next answer says "too fast"
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from newsbot.channels import CHANNEL_KINDS, ChannelOptions
from newsbot.secrets import Secret

KEY = "fake-key-0123456789"
SIGNING_SECRET = "SECfake-signing-secret"
WHSEC = "whsec_" + base64.b64encode(b"fake-standard-webhooks-key").decode("ascii")
TELEGRAM_TOKEN = "123456:fake-telegram-token"
ANSWERS = ("ok", "throttle", "error", "gone", "reset")

Reply = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Received:
    """One request the fake accepted (answered "ok")."""

    kind: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def _json(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, body


def _text(status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}, text.encode()


@dataclass
class _Request:
    kind: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def payload(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class FakePlatforms:
    """Every platform on one port; ``fail_rate`` answers a share of requests with 5xx/throttling."""

    fail_rate: float = 0.0
    seed: int = 0
    max_skew_s: float = 3600.0
    retry_after_s: float = 0.05
    latency_s: float = 0.0  # time each answer takes (lets a test kill a sender mid-flight)
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, int, bytes]] = field(default_factory=list)
    _scripts: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    # Lifecycle ----------------------------------------------------------------------------------

    def start(self) -> FakePlatforms:
        """Listen on a free port of 127.0.0.1 in a daemon thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll interval keeps stop() quick (shutdown waits for one poll).
        serve = lambda: self._server.serve_forever(poll_interval=0.01)  # noqa: E731
        threading.Thread(target=serve, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakePlatforms:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # Configuration --------------------------------------------------------------------------------

    def script(self, kind: str, *answers: str) -> None:
        """Force the next answers of ``kind``: ok, throttle, error (5xx), gone, reset."""
        for answer in answers:
            if answer not in ANSWERS:
                raise ValueError(f"unknown answer {answer!r} (one of {ANSWERS})")
        with self._lock:
            self._scripts[kind].extend(answers)

    def options(self, kind: str, channel_id: str | None = None, **extra: Any) -> ChannelOptions:
        """Valid options for ``kind`` pointed at this fake, with the secrets it expects."""
        base = self.base_url
        by_kind: dict[str, dict[str, Any]] = {
            "wecom": {"url": f"{base}/wecom/cgi-bin/webhook/send", "key": Secret(KEY)},
            "dingtalk": {
                "url": f"{base}/dingtalk/robot/send",
                "access_token": Secret(KEY),
                "secret": Secret(SIGNING_SECRET),
            },
            "feishu": {
                "webhook_url": Secret(f"{base}/feishu/open-apis/bot/v2/hook/{KEY}"),
                "secret": Secret(SIGNING_SECRET),
            },
            "lark": {
                "webhook_url": Secret(f"{base}/lark/open-apis/bot/v2/hook/{KEY}"),
                "secret": Secret(SIGNING_SECRET),
            },
            "discord": {"webhook_url": Secret(f"{base}/discord/api/webhooks/42/{KEY}")},
            "slack": {"webhook_url": Secret(f"{base}/slack/services/T0/B0/{KEY}")},
            "telegram": {
                "api_url": f"{base}/telegram",
                "token": Secret(TELEGRAM_TOKEN),
                "chat_id": "-100",
            },
            "serverchan": {"url": f"{base}/serverchan", "sendkey": Secret(KEY)},
            "pushplus": {"url": f"{base}/pushplus/send", "token": Secret(KEY)},
            "webhook": {"url": f"{base}/webhook/hooks/newsbot", "secret": Secret(WHSEC)},
        }
        values = {"id": channel_id or f"fake-{kind}", "kind": kind, **by_kind[kind], **extra}
        return CHANNEL_KINDS[kind].Options.model_validate(values)

    def count(self, kind: str | None = None) -> int:
        """How many requests were accepted (for ``kind``, or all)."""
        with self._lock:
            return sum(1 for r in self.received if kind is None or r.kind == kind)

    # Serving ------------------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        split = urlsplit(handler.path)
        kind, _, rest = split.path.lstrip("/").partition("/")
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        request = _Request(kind, "/" + rest, query, dict(handler.headers.items()), body)
        answer = self._next_answer(kind)
        if self.latency_s:
            time.sleep(self.latency_s)
        if answer == "reset":
            handler.close_connection = True  # no reply at all: the client sees a dropped connection
            return
        platform = _PLATFORMS.get(kind)
        if platform is None:
            reply = _text(404, "no such fake platform")
        else:
            reply = platform(self, request, answer)
        status, headers, reply_body = reply
        with self._lock:
            if status < 300 and answer == "ok" and _accepted(kind, reply_body):
                self.received.append(Received(kind, request.path, request.headers, body))
            else:
                self.refused.append((kind, status, reply_body))
        handler.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(reply_body))}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(reply_body)

    def _next_answer(self, kind: str) -> str:
        with self._lock:
            if self._scripts[kind]:
                return self._scripts[kind].popleft()
            if self.fail_rate and self._rng.random() < self.fail_rate:
                return self._rng.choice(("throttle", "error"))
        return "ok"

    def fresh(self, timestamp_s: float) -> bool:
        """A signed timestamp within ``max_skew_s`` of now."""
        return abs(time.time() - timestamp_s) <= self.max_skew_s


def _accepted(kind: str, body: bytes) -> bool:
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
    code_throttle: int, code_bad_key: int, key_of: Callable[[_Request], str | None], size_limit: int
) -> Callable[[FakePlatforms, _Request, str], Reply]:
    """WeCom and DingTalk: an ``errcode`` in a 200 body for every outcome."""

    def handle(fake: FakePlatforms, request: _Request, answer: str) -> Reply:  # noqa: PLR0911 - one return per platform answer
        if answer == "throttle":
            return _json(200, {"errcode": code_throttle, "errmsg": "send too fast"})
        if answer == "error":
            return _text(502, "bad gateway")
        if answer == "gone" or key_of(request) != KEY:
            return _json(200, {"errcode": code_bad_key, "errmsg": "invalid webhook or token"})
        if request.kind == "dingtalk" and not _dingtalk_signed(fake, request):
            return _json(200, {"errcode": 310000, "errmsg": "sign not match"})
        payload = request.payload()
        text = payload["markdown"].get("content", payload["markdown"].get("text", ""))
        if len(text.encode("utf-8")) > size_limit:
            return _json(
                200, {"errcode": 40058, "errmsg": f"content exceed max length {size_limit}"}
            )
        if payload.get("at", {}).get("isAtAll"):
            return _json(200, {"errcode": 40035, "errmsg": "fake: @all is not allowed"})
        return _json(200, {"errcode": 0, "errmsg": "ok"})

    return handle


def _dingtalk_signed(fake: FakePlatforms, request: _Request) -> bool:
    timestamp = request.query.get("timestamp", "0")
    if not timestamp.isdigit() or not fake.fresh(int(timestamp) / 1000):
        return False
    mac = hmac.new(SIGNING_SECRET.encode(), f"{timestamp}\n{SIGNING_SECRET}".encode(), "sha256")
    return hmac.compare_digest(
        base64.b64encode(mac.digest()).decode(), request.query.get("sign", "")
    )


def _feishu(fake: FakePlatforms, request: _Request, answer: str) -> Reply:  # noqa: PLR0911 - one return per platform answer
    if answer == "throttle":
        return _json(
            200, {"code": 11232, "msg": "frequency limited psm[lark.oapi.app_platform_runtime]"}
        )
    if answer == "error":
        return _text(500, "internal error")
    if answer == "gone" or not request.path.endswith(f"/hook/{KEY}"):
        return _json(
            200, {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        )
    if len(request.body) > 20 * 1024:
        return _json(200, {"code": 9499, "msg": "fake: request body exceeds 20 KB"})
    payload = request.payload()
    timestamp = str(payload.get("timestamp", "0"))
    key = f"{timestamp}\n{SIGNING_SECRET}".encode()
    expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    if not timestamp.isdigit() or not fake.fresh(int(timestamp)) or payload.get("sign") != expected:
        return _json(
            200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
        )
    if payload.get("msg_type") != "interactive" or "elements" not in payload.get("card", {}):
        return _json(200, {"code": 19002, "msg": "params error, msg_type need"})
    return _json(200, {"code": 0, "data": {}, "msg": "success"})


def _discord(fake: FakePlatforms, request: _Request, answer: str) -> Reply:
    if answer == "throttle":
        wait = fake.retry_after_s
        body = {"message": "You are being rate limited.", "retry_after": wait, "global": False}
        return _json(429, body, {"Retry-After": str(max(1, round(wait)))})
    if answer == "error":
        return _text(503, "upstream connect error")
    if answer == "gone" or not request.path.endswith(f"/{KEY}"):
        return _json(404, {"message": "Unknown Webhook", "code": 10015})
    payload = request.payload()
    problem = _discord_problem(payload)
    if problem:
        return _json(400, {"message": "Invalid Form Body", "code": 50035, "errors": problem})
    message = {
        "id": "1",
        "content": payload.get("content", ""),
        "embeds": payload.get("embeds", []),
    }
    return _json(200, message) if request.query.get("wait") == "true" else (204, {}, b"")


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


def _slack(fake: FakePlatforms, request: _Request, answer: str) -> Reply:
    if answer == "throttle":
        return _text(429, "rate_limited", {"Retry-After": "1"})
    if answer == "error":
        return _text(500, "internal_error")
    if answer == "gone" or not request.path.endswith(f"/{KEY}"):
        return _text(404, "no_service")
    payload = request.payload()
    blocks = payload.get("blocks", [])
    texts = [b.get("text", {}).get("text", "") for b in blocks]
    if len(blocks) > 50 or any(len(t) > 3000 for t in texts):
        return _text(400, "invalid_blocks")
    if any(_SLACK_MENTION.search(t) for t in [*texts, payload.get("text", "")]):
        return _text(400, "fake: mention_not_allowed")
    return _text(200, "ok")


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


def _telegram(fake: FakePlatforms, request: _Request, answer: str) -> Reply:
    if answer == "throttle":
        wait = max(1, round(fake.retry_after_s))
        body = {
            "ok": False,
            "error_code": 429,
            "description": f"Too Many Requests: retry after {wait}",
            "parameters": {"retry_after": wait},
        }
        return _json(429, body)
    if answer == "error":
        return _json(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    if answer == "gone" or request.path != f"/bot{TELEGRAM_TOKEN}/sendMessage":
        return _json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    payload = request.payload()
    parser = _TelegramHTML()
    parser.feed(payload.get("text", ""))
    parser.close()
    if parser.error or parser.stack:
        description = f"Bad Request: can't parse entities: {parser.error or 'unclosed tag'}"
        return _json(400, {"ok": False, "error_code": 400, "description": description})
    if len("".join(parser.visible).encode("utf-16-le")) // 2 > 4096:
        return _json(
            400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
        )
    return _json(200, {"ok": True, "result": {"message_id": 1, "chat": {"id": payload["chat_id"]}}})


def _serverchan(fake: FakePlatforms, request: _Request, answer: str) -> Reply:
    if answer == "throttle":
        return _json(200, {"code": 40001, "message": "超过当天的发送次数限制[5]，请明天再试"})
    if answer == "error":
        return _text(500, "server error")
    if answer == "gone" or request.path != f"/{KEY}.send":
        return _json(200, {"code": 40001, "message": "bad pushtoken"})
    if len(request.payload().get("title", "")) > 32:
        return _json(200, {"code": 40002, "message": "title too long"})
    return _json(200, {"code": 0, "message": "", "data": {"pushid": "1", "errno": 0}})


def _pushplus(fake: FakePlatforms, request: _Request, answer: str) -> Reply:
    if answer == "throttle":
        return _json(200, {"code": 900, "msg": "用户账号使用受限", "data": None})
    if answer == "error":
        return _json(200, {"code": 999, "msg": "服务端验证错误", "data": None})
    if answer == "gone" or request.payload().get("token") != KEY:
        return _json(200, {"code": 903, "msg": "无效的用户token", "data": None})
    return _json(200, {"code": 200, "msg": "请求成功", "data": "fake-message-id"})


def _webhook(fake: FakePlatforms, request: _Request, answer: str) -> Reply:
    if answer == "throttle":
        return _text(429, "slow down", {"Retry-After": "1"})
    if answer == "error":
        return _text(503, "unavailable")
    if answer == "gone":
        return _text(410, "gone")
    msg_id = request.headers.get("webhook-id", "")
    timestamp = request.headers.get("webhook-timestamp", "0")
    key = base64.b64decode(WHSEC.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + request.body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = request.headers.get("webhook-signature", "").split()
    if not timestamp.isdigit() or not fake.fresh(int(timestamp)) or expected not in offered:
        return _text(401, "invalid signature")
    return _text(200, "accepted")


_PLATFORMS: dict[str, Callable[[FakePlatforms, _Request, str], Reply]] = {
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
