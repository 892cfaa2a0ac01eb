"""A real ``newsbot run --http`` in a subprocess, on a real database, fed by a real source.

The source is a ``pagetext`` folder holding the bundled 义乌商报 front page; one channel
writes to a file, another posts to the fake WeCom on 127.0.0.1 with a wrong key (so the
platform refuses with its own code and the channel shows as failing).
"""

from __future__ import annotations

import asyncio
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
from starlette.applications import Starlette

from newsbot.resources import SAMPLE_ISSUE
from newsbot.testing.platforms import FakePlatforms

ROOT = Path(__file__).resolve().parents[2]
START_DEADLINE_S = 60.0
WRONG_WECOM_KEY = "wrong-wecom-key-3f9a7c2e"  # a secret: must never show anywhere
HTTP_TOKEN = "console-token-8d1b6e0f"


def write_config(folder: Path, *, wecom_url: str, http: str = "") -> Path:
    """A config with one pagetext source, a file channel and a (refused) WeCom channel."""
    (folder / "drop").mkdir(exist_ok=True)
    shutil.copy(SAMPLE_ISSUE, folder / "drop" / "p1.txt")  # undated name: one current issue
    config = folder / "newsbot.yaml"
    config.write_text(
        f"""topics_file: {ROOT / "config" / "topics.yaml"}
sources:
  - id: ywsb
    kind: pagetext
    name: 义乌商报
    paper: 义乌商报
    folder: drop
channels:
  - id: local-file
    kind: file
    path: out/local.txt
  - id: shop-wecom
    kind: wecom
    url: {wecom_url}
    key: {{$env: NB_TEST_WECOM_KEY}}
subscribers:
  - id: merchant-chen
    name: 陈老板
    channels: [local-file, shop-wecom]
    rules:
      - id: fraud
        match: '(电信网络诈骗 OR 反洗钱) NOT 招聘'
        deliver: alert
  - id: reader-wang
    name: 王老师
    channels: [local-file]
    rules:
      - id: fairs
        any: [对接会, 展会]
        deliver: digest
{http}""",
        encoding="utf-8",
    )
    return config


def newsbot_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a newsbot subprocess: the test's database, the wrong WeCom key."""
    env = {**os.environ, "NEWSBOT_DATABASE_URL": database_url, "NB_TEST_WECOM_KEY": WRONG_WECOM_KEY}
    env.pop("NEWSBOT_HTTP_TOKEN", None)
    return {**env, **extra}


def newsbot(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one newsbot command to completion."""
    return subprocess.run(
        [sys.executable, "-m", "newsbot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _pump(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


@dataclass
class RunningNewsbot:
    """``newsbot run --http`` started in ``folder``; ``base_url`` is where it listens."""

    folder: Path
    config: Path
    env: dict[str, str]
    listen: str = "127.0.0.1:0"
    process: subprocess.Popen[str] | None = None
    base_url: str = ""
    output: list[str] = field(default_factory=list)
    errors: queue.Queue[str] = field(default_factory=queue.Queue)
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    pumps: list[threading.Thread] = field(default_factory=list)

    def start(self) -> RunningNewsbot:
        """Start it and wait for the line naming its address (the port is the kernel's pick)."""
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "newsbot",
                "--config",
                str(self.config),
                "run",
                "--http",
                self.listen,
            ],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        lines = self.lines
        # Threads read the pipes: select() on a buffered text pipe misses lines already read,
        # and a full stderr pipe would stop the service.
        self.pumps = [
            threading.Thread(target=_pump, args=(self.process.stdout, lines), daemon=True),
            threading.Thread(target=_pump, args=(self.process.stderr, self.errors), daemon=True),
        ]
        for pump in self.pumps:
            pump.start()
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline and not self.base_url:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.output.append(line)
            if line.startswith("console and /metrics at "):
                self.base_url = line.split(" at ", 1)[1].strip().rstrip("/")
        if not self.base_url:
            self.stop()
            raise AssertionError(f"newsbot run did not start: {''.join(self.output)}")
        self._wait_for_the_scheduler(deadline)
        return self

    def _wait_for_the_scheduler(self, deadline: float) -> None:
        """The console answers a moment before the scheduler runs (/readyz says 503 then, as it
        should): wait for the scheduler, whatever the database checks say."""
        while time.monotonic() < deadline:
            checks = self.get("/readyz").json().get("checks", {})
            if checks.get("scheduler", {}).get("ok"):
                return
            time.sleep(0.1)
        raise AssertionError(f"the scheduler of newsbot run never started: {''.join(self.output)}")

    def wait_until_settled(self) -> None:
        """Wait until the issue is stored and no delivery is still due or being sent."""
        deadline = time.monotonic() + START_DEADLINE_S
        while time.monotonic() < deadline:
            text = self.get("/metrics", headers=self.auth()).text
            stored = 'newsbot_stored{table="issues"} 1.0' in text
            busy = 'state="pending"' in text or 'state="sending"' in text
            if stored and not busy and "newsbot_platform_refusals_total{" in text:
                return
            time.sleep(0.2)
        raise AssertionError("newsbot run did not poll and deliver in time")

    def auth(self) -> dict[str, str]:
        """The Authorization header when this run has a token."""
        token = self.env.get("NEWSBOT_HTTP_TOKEN")
        return {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        """GET ``path`` from the running console."""
        return httpx.get(self.base_url + path, timeout=30, **kwargs)  # type: ignore[arg-type]

    def stop(self) -> tuple[int | None, str]:
        """SIGTERM, then wait; returns (exit status, what it wrote to stderr)."""
        if self.process is None:
            return None, ""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for pump in self.pumps:
            pump.join(timeout=30)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        while not self.lines.empty():
            self.output.append(self.lines.get())
        err: list[str] = []
        while not self.errors.empty():
            err.append(self.errors.get())
        return self.process.returncode, "".join(err)


def start_running(folder: Path, database_url: str, fake: FakePlatforms) -> RunningNewsbot:
    """A migrated database, then `newsbot run --http 127.0.0.1:0` until it has delivered."""
    config = write_config(folder, wecom_url=f"{fake.base_url}/wecom/cgi-bin/webhook/send")
    env = newsbot_env(database_url)
    upgraded = newsbot("--config", str(config), "db", "upgrade", cwd=folder, env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    run = RunningNewsbot(folder, config, env).start()
    try:
        run.wait_until_settled()
    except BaseException:
        run.stop()
        raise
    return run


class AsgiClient:
    """Requests straight into the ASGI app (httpx's ASGI transport), one event loop each."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    def get(self, path: str) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://console") as c:
                return await c.get(path)

        return asyncio.run(call())
