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

import json
import random
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from newsbot.channels import CHANNEL_KINDS, ChannelOptions
from newsbot.secrets import Secret
from newsbot.testing._platform_handlers import (
    KEY,
    PLATFORMS,
    SIGNING_SECRET,
    TELEGRAM_TOKEN,
    WHSEC,
    Request,
    accepted,
    text_reply,
)
from newsbot.testing._server import LocalServer

__all__ = [
    "ANSWERS",
    "KEY",
    "RATE_LIMITS",
    "SIGNING_SECRET",
    "TELEGRAM_TOKEN",
    "WHSEC",
    "FakePlatforms",
    "Received",
]

ANSWERS = ("ok", "throttle", "error", "gone", "reset")

# Each platform's declared rate limits per endpoint, as (messages, window_s) pairs: a request
# that would make any window hold more is refused with the platform's throttling answer.
RATE_LIMITS: dict[str, tuple[tuple[int, float], ...]] = {
    "wecom": ((20, 60.0),),  # doc 91770: 20 messages a minute per robot
    "dingtalk": ((20, 60.0),),  # custom robot: 20 a minute; a breach blocks it 10 minutes
    "feishu": ((100, 60.0), (5, 1.0)),  # custom bot: 100 a minute, 5 a second
    "lark": ((100, 60.0), (5, 1.0)),
    "discord": ((30, 60.0), (5, 2.0)),  # webhook: 30 a minute per channel, bursts of 5 per 2 s
    "slack": ((1, 1.0),),  # incoming webhook: 1 a second
    "telegram": ((20, 60.0),),  # bots FAQ: 20 a minute to one group
}
# After a breach DingTalk refuses the robot for 10 minutes ("限流10分钟").
BREACH_BLOCK_S: dict[str, float] = {"dingtalk": 600.0}


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


@dataclass
class FakePlatforms:
    """Every platform on one port; ``fail_rate`` answers a share of requests with 5xx/throttling."""

    fail_rate: float = 0.0
    seed: int = 0
    max_skew_s: float = 3600.0
    retry_after_s: float = 0.05
    latency_s: float = 0.0  # time each answer takes (lets a test kill a sender mid-flight)
    # Answer with the request in it (path, headers, body), key and all, as some platforms do.
    echo: bool = False
    # Refuse what a platform would (RATE_LIMITS); a test of something else may pass {}.
    rate_limits: dict[str, tuple[tuple[int, float], ...]] = field(
        default_factory=lambda: dict(RATE_LIMITS)
    )
    received: list[Received] = field(default_factory=list)
    refused: list[tuple[str, int, bytes]] = field(default_factory=list)
    throttled: int = 0  # requests refused for breaking a rate limit
    _scripts: dict[str, deque[str]] = field(default_factory=lambda: defaultdict(deque))
    _accepted_at: dict[tuple[str, ...], deque[float]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    _blocked_until: dict[tuple[str, ...], float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _answering: int = 0  # requests taken in, not yet answered
    _answered: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    # Lifecycle ----------------------------------------------------------------------------------

    def start(self) -> FakePlatforms:
        """Listen on a free port of 127.0.0.1 in a daemon thread."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                with fake._answered:
                    fake._answering += 1
                try:
                    fake._handle(self)
                finally:
                    with fake._answered:
                        fake._answering -= 1
                        fake._answered.notify_all()

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

        self._server = LocalServer(("127.0.0.1", 0), Handler)
        # A short poll interval keeps stop() quick (shutdown waits for one poll).
        serve = lambda: self._server.serve_forever(poll_interval=0.01)  # noqa: E731
        threading.Thread(target=serve, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening, once the requests taken in are answered (and counted).

        A test reading ``received`` afterwards also sees a request whose sender gave up on it
        (a stop, a kill) while the fake was still answering (``latency_s``).
        """
        if self._server is not None:
            self._server.shutdown()
            with self._answered:
                self._answered.wait_for(lambda: not self._answering, timeout=self.latency_s + 10)
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
        request = Request(kind, "/" + rest, query, dict(handler.headers.items()), body)
        answer = self._next_answer(kind)
        if answer == "ok" and kind in PLATFORMS and self._over_limit(request):
            answer = "throttle"
        if self.latency_s:
            time.sleep(self.latency_s)
        if answer == "reset":
            handler.close_connection = True  # no reply at all: the client sees a dropped connection
            return
        platform = PLATFORMS.get(kind)
        if platform is None:
            reply = text_reply(404, "no such fake platform")
        else:
            reply = platform(self, request, answer)
        status, headers, reply_body = reply
        if self.echo:
            reply_body = _echoed(reply_body, handler.path, request.headers, body)
        with self._lock:
            if status < 300 and answer == "ok" and accepted(kind, reply_body):
                self.received.append(Received(kind, request.path, request.headers, body))
            else:
                self.refused.append((kind, status, reply_body))
        handler.send_response(status)
        for name, value in {**headers, "Content-Length": str(len(reply_body))}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(reply_body)

    def _over_limit(self, request: Request) -> bool:
        """Whether one more accepted message would break a window of the endpoint's limits.

        Counted when the request arrives, as the platform counts; only accepted ones count.
        """
        limits = self.rate_limits.get(request.kind, ())
        if not limits:
            return False
        token = request.query.get("key") or request.query.get("access_token") or ""
        endpoint = (request.kind, request.path, token)
        now_s = time.monotonic()
        with self._lock:
            if self._blocked_until.get(endpoint, 0.0) > now_s:
                self.throttled += 1
                return True
            arrivals = self._accepted_at[endpoint]
            longest_s = max(window_s for _, window_s in limits)
            while arrivals and arrivals[0] <= now_s - longest_s:
                arrivals.popleft()
            for count, window_s in limits:
                if sum(1 for t in arrivals if t > now_s - window_s) >= count:
                    self.throttled += 1
                    block_s = BREACH_BLOCK_S.get(request.kind, 0.0)
                    if block_s:
                        self._blocked_until[endpoint] = now_s + block_s
                    return True
            arrivals.append(now_s)  # a refused message is not counted against the budget
        return False

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


def _echoed(reply: bytes, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """``reply`` carrying the whole request, the way a platform that echoes it answers."""
    said = f"{path} {json.dumps(headers)} {body.decode('utf-8', 'replace')}"
    try:
        data = json.loads(reply)
    except ValueError:
        return reply + b" " + said.encode("utf-8")
    if not isinstance(data, dict):
        return reply
    data["request"] = said
    return json.dumps(data, ensure_ascii=False).encode("utf-8")
