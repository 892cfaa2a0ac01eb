"""The container: Dockerfile and compose.yaml checked by structure, the entry point run for real,
and the image built and started where a Docker daemon answers (skipped, saying so, elsewhere)."""

from __future__ import annotations

import fnmatch
import json
import os
import shlex
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    joined = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    parsed = []
    for raw in joined.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            parsed.append((word.upper(), " ".join(rest.split())))
    return parsed


def final_stage() -> list[tuple[str, str]]:
    """The instructions of the last FROM onwards: what the shipped image is made of."""
    found = instructions()
    last = max(i for i, (word, _) in enumerate(found) if word == "FROM")
    return found[last:]


def compose() -> dict[str, object]:
    """compose.yaml, parsed."""
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_dockerfile_builds_on_slim_python_and_installs_wheels() -> None:
    """Every stage is a slim Python image; the image installs newsbot from wheels, offline."""
    bases = [args.split()[0] for word, args in instructions() if word == "FROM"]
    assert bases
    assert all(base.startswith("python:3.") and base.endswith("-slim") for base in bases)
    runs = " ".join(args for word, args in final_stage() if word == "RUN")
    assert "pip install" in runs
    assert "--no-index" in runs
    assert "--find-links" in runs
    assert any(word == "RUN" and "pip wheel" in args for word, args in instructions())


def test_dockerfile_runs_as_a_non_root_user_with_a_healthcheck() -> None:
    """The last USER is not root; HEALTHCHECK asks /healthz; the service listens on 8080."""
    stage = final_stage()
    users = [args for word, args in stage if word == "USER"]
    assert users
    assert users[-1] not in {"root", "0"}
    healthcheck = next(args for word, args in stage if word == "HEALTHCHECK")
    assert "/healthz" in healthcheck
    assert "127.0.0.1:8080" in healthcheck
    assert ("EXPOSE", "8080") in stage
    cmd = json.loads(next(args for word, args in stage if word == "CMD"))
    assert cmd == ["run", "--http", "0.0.0.0:8080"]
    user_at = max(i for i, (word, _) in enumerate(stage) if word == "USER")
    assert all(word != "RUN" for word, _ in stage[user_at:]), "nothing runs as root after USER"


def test_dockerfile_copies_only_what_exists_and_is_not_ignored() -> None:
    """Each COPY source from the build context exists and .dockerignore does not drop it."""
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    sources = []
    for word, args in instructions():
        if word == "COPY" and not args.startswith("--from"):
            sources.extend(args.split()[:-1])
    assert "src" in sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), source


def test_compose_runs_newsbot_beside_postgres_with_config_secrets_and_a_volume() -> None:
    """compose.yaml: newsbot built here, PostgreSQL healthy first, config read-only, secrets
    from files, named volumes declared, the console published on the host's loopback only."""
    data = compose()
    services = data["services"]
    assert isinstance(services, dict)
    assert set(services) == {"newsbot", "postgres"}
    newsbot, postgres = services["newsbot"], services["postgres"]
    assert newsbot["build"] == "."
    assert newsbot["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert "./config:/etc/newsbot:ro" in newsbot["volumes"]
    assert newsbot["ports"] == ["127.0.0.1:8080:8080"]
    volumes = data["volumes"]
    assert isinstance(volumes, dict)
    for service in (newsbot, postgres):
        named = [v.split(":")[0] for v in service["volumes"] if not v.startswith((".", "/"))]
        assert named
        assert all(name in volumes for name in named)
    assert postgres["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    declared = data["secrets"]
    assert isinstance(declared, dict)
    for name in [*newsbot["secrets"], *postgres["secrets"]]:
        assert declared[name]["file"] == f"./secrets/{name}"
    assert "NEWSBOT_DATABASE_URL" in newsbot["secrets"]
    assert "NEWSBOT_HTTP_TOKEN" in newsbot["secrets"]


def test_compose_mounts_a_secret_for_every_env_reference_of_the_sample_config() -> None:
    """Each {$env: NAME} of config/newsbot.yaml has a secret file of that name in compose."""
    import re

    text = (ROOT / "config" / "newsbot.yaml").read_text("utf-8")
    uncommented = "\n".join(line.split("#")[0] for line in text.splitlines())
    names = set(re.findall(r"\{\$env: (\w+)\}", uncommented))
    assert names
    newsbot = compose()["services"]["newsbot"]  # type: ignore[index]
    assert names <= set(newsbot["secrets"])


def fake_newsbot(folder: Path) -> Path:
    """A stand-in `newsbot` on PATH that records its arguments and the secrets it was given."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    script = bin_dir / "newsbot"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$* | token=${{NEWSBOT_HTTP_TOKEN:-}} | key=${{NEWSBOT_WECOM_KEY:-}}" >> {folder}/calls\n',
        encoding="utf-8",
    )
    script.chmod(0o755)
    return bin_dir


@pytest.mark.skipif(shutil.which("sh") is None, reason="no POSIX sh to run the entry point")
def test_entrypoint_exports_secret_files_uses_the_config_and_migrates_before_run(
    tmp_path: Path,
) -> None:
    """Secret files become variables (trailing newline dropped, odd names ignored), the mounted
    config is passed, and `run` is preceded by `db upgrade`."""
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "NEWSBOT_HTTP_TOKEN").write_text("tok-123\n", encoding="utf-8")
    (secrets / "NEWSBOT_WECOM_KEY").write_text("k-456", encoding="utf-8")
    (secrets / "not-a-name").write_text("x", encoding="utf-8")
    config = tmp_path / "newsbot.yaml"
    config.write_text("{}\n", encoding="utf-8")
    env = {
        "PATH": f"{fake_newsbot(tmp_path)}:{os.environ['PATH']}",
        "NEWSBOT_SECRETS_DIR": str(secrets),
        "NEWSBOT_CONFIG_FILE": str(config),
    }
    done = subprocess.run(
        ["sh", str(ENTRYPOINT), "run", "--http", "0.0.0.0:8080"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "calls").read_text(encoding="utf-8").splitlines()
    assert calls == [
        f"--config {config} db upgrade | token=tok-123 | key=k-456",
        f"--config {config} run --http 0.0.0.0:8080 | token=tok-123 | key=k-456",
    ]


def test_entrypoint_runs_other_commands_as_they_are(tmp_path: Path) -> None:
    """Without a mounted config or secrets, `status` runs alone, with no migration first."""
    env = {
        "PATH": f"{fake_newsbot(tmp_path)}:{os.environ['PATH']}",
        "NEWSBOT_SECRETS_DIR": str(tmp_path / "none"),
        "NEWSBOT_CONFIG_FILE": str(tmp_path / "none.yaml"),
    }
    subprocess.run(["sh", str(ENTRYPOINT), "status"], env=env, check=True)
    assert (tmp_path / "calls").read_text(encoding="utf-8").splitlines() == [
        "status | token= | key="
    ]


def _docker_problem() -> str | None:
    """None when a Docker daemon answers; else why the image test cannot run here."""
    if shutil.which("docker") is None:
        return "no docker CLI on this machine"
    try:
        info = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "docker info did not answer within 30 s"
    if info.returncode != 0:
        reason = (info.stderr.strip().splitlines() or ["no answer"])[-1]
        return f"no Docker daemon answers ({reason})"
    return None


@pytest.mark.slow
def test_image_builds_starts_and_reports_healthy() -> None:
    """The image builds, starts with a token, and Docker's HEALTHCHECK turns healthy."""
    problem = _docker_problem()
    if problem is not None:
        pytest.skip(f"container test skipped: {problem}")
    tag = f"newsbot-test:{uuid.uuid4().hex[:8]}"
    name = f"newsbot-test-{uuid.uuid4().hex[:8]}"
    subprocess.run(["docker", "build", "-t", tag, str(ROOT)], check=True, timeout=1800)
    try:
        subprocess.run(
            shlex.split(
                f"docker run -d --name {name} -p 127.0.0.1::8080 -e NEWSBOT_HTTP_TOKEN=t0ken {tag}"
            ),
            check=True,
        )
        port = (
            subprocess.run(
                ["docker", "port", name, "8080/tcp"], capture_output=True, text=True, check=True
            )
            .stdout.split(":")[-1]
            .strip()
        )
        deadline, status = time.monotonic() + 180, ""
        while time.monotonic() < deadline and status != "healthy":
            time.sleep(2)
            status = subprocess.run(
                ["docker", "inspect", "-f", "{{.State.Health.Status}}", name],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        assert status == "healthy"
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "alive"}
        assert httpx.get(f"http://127.0.0.1:{port}/metrics").status_code == 401
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, check=False)
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)
