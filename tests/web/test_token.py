"""Who may use the console: a token where one is set, loopback only without one."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.web.server import HTTP_TOKEN, RunningNewsbot, newsbot, newsbot_env, write_config

TOKEN_HTTP = "http:\n  listen: 127.0.0.1:0\n  token: {$env: NEWSBOT_HTTP_TOKEN}\n"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningNewsbot]:
    """`newsbot run --http` with http.token set (on loopback: a set token is always asked for)."""
    folder = tmp_path_factory.mktemp("guarded")
    config = write_config(folder, wecom_url="http://127.0.0.1:9/wecom", http=TOKEN_HTTP)
    env = newsbot_env(f"sqlite:///{folder / 'n.db'}", NEWSBOT_HTTP_TOKEN=HTTP_TOKEN)
    assert newsbot("--config", str(config), "db", "upgrade", cwd=folder, env=env).returncode == 0
    run = RunningNewsbot(folder, config, env).start()
    try:
        yield run
    finally:
        run.stop()


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A migrated database and a config without a token, in the test's folder."""
    config = write_config(tmp_path, wecom_url="http://127.0.0.1:9/wecom")
    env = newsbot_env(f"sqlite:///{tmp_path / 'n.db'}")
    assert newsbot("--config", str(config), "db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    return config, env


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_need_no_token(guarded: RunningNewsbot, path: str) -> None:
    """Service managers probe /healthz and /readyz without credentials."""
    assert guarded.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/", "/metrics", "/playground", "/deliveries"])
def test_everything_else_is_401_without_the_token(guarded: RunningNewsbot, path: str) -> None:
    """Without a token, or with a wrong one, the console and /metrics answer 401."""
    assert guarded.get(path).status_code == 401
    wrong = {"Authorization": f"Bearer {HTTP_TOKEN}x"}
    assert guarded.get(path, headers=wrong).status_code == 401
    assert guarded.get(path, headers={"Authorization": "Basic abc"}).status_code == 401


def test_bearer_token_opens_metrics(guarded: RunningNewsbot) -> None:
    """Prometheus scrapes with Authorization: Bearer TOKEN."""
    response = guarded.get("/metrics", headers=guarded.auth())
    assert response.status_code == 200
    assert "newsbot_outbox_due" in response.text


def test_token_in_the_address_becomes_a_cookie(guarded: RunningNewsbot) -> None:
    """?token= sets an HttpOnly, SameSite=Strict cookie and redirects to the same page without
    the token."""
    with httpx.Client(base_url=guarded.base_url, timeout=30) as client:
        first = client.get("/deliveries", params={"state": "dead", "token": HTTP_TOKEN})
        assert first.status_code == 303
        assert first.headers["location"] == "/deliveries?state=dead"
        cookie = first.headers["set-cookie"].lower()
        assert "httponly" in cookie
        assert "samesite=strict" in cookie
        assert client.get("/deliveries?state=dead").status_code == 200
    assert guarded.get("/?token=nope").status_code == 401


def test_refuses_to_listen_beyond_loopback_without_a_token(
    setup: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """`--http 0.0.0.0:PORT` with no token set exits 1 saying why, before serving anything."""
    config, env = setup
    result = newsbot("--config", str(config), "run", "--http", "0.0.0.0:0", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "refusing to serve the console on 0.0.0.0:0 without a token" in result.stderr
    assert "newsbot running" not in result.stdout


def test_a_bad_address_is_one_clear_error(
    setup: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """An address that is not HOST:PORT exits 1 with an example of one."""
    config, env = setup
    result = newsbot("--config", str(config), "run", "--http", "8080", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert "expected HOST:PORT, e.g. 127.0.0.1:8080" in result.stderr


def test_a_port_in_use_is_one_clear_error(
    setup: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """A taken port exits 1 naming the address, instead of a half-started service."""
    config, env = setup
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = newsbot(
            "--config", str(config), "run", "--http", f"127.0.0.1:{port}", cwd=tmp_path, env=env
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "newsbot running" not in result.stdout


@pytest.mark.slow
def test_sigterm_stops_service_and_console_cleanly(
    setup: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """SIGTERM ends `newsbot run --http` with status 0; the port is closed afterwards."""
    config, env = setup
    run = RunningNewsbot(tmp_path, config, env).start()
    port = int(run.base_url.rsplit(":", 1)[1])
    assert run.get("/healthz").status_code == 200
    status, err = run.stop()
    assert status == 0, err
    assert "newsbot stopped" in "".join(run.output)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)


def test_pages_carry_security_headers(guarded: RunningNewsbot) -> None:
    """Every answer forbids framing, sniffing and inline script, and sends no referrer."""
    for path in ["/healthz", "/"]:
        headers = guarded.get(path, headers=guarded.auth()).headers
        policy = dict(
            part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";")
        )
        assert policy["frame-ancestors"] == "'none'"
        assert policy["script-src"] == "'self'"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
