"""``/healthz`` (the process answers), ``/readyz`` (it can do its work) and ``/metrics``."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from newsbot.web._app import WebState, state_of

METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


async def healthz(request: Request) -> Response:
    """Alive: the process answers and the scheduler's loop is not stuck (503 when it is)."""
    heartbeat = state_of(request).heartbeat
    if heartbeat is not None and heartbeat.stuck():
        silent_s = round(heartbeat.silent_s(), 1)
        return JSONResponse({"status": "stuck", "scheduler_silent_s": silent_s}, status_code=503)
    return JSONResponse({"status": "alive"})


def _checks(state: WebState) -> dict[str, dict[str, Any]]:
    from sqlmodel import Session

    from newsbot.secrets import redact_url
    from newsbot.store.console import ping
    from newsbot.store.schema import current_revision, head_revision

    checks: dict[str, dict[str, Any]] = {}
    engine = state.app.engine
    try:
        with Session(engine) as session:
            ping(session)
        checks["database"] = {"ok": True}
        current, head = current_revision(engine), head_revision()
        checks["schema"] = {"ok": current == head, "current": current, "head": head}
    except Exception as exc:  # any driver error means "not ready"; say which, never crash
        error = redact_url(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        checks["database"] = {"ok": False, "error": error}
        checks["schema"] = {"ok": False, "error": "database unreachable"}
    service = state.service
    running = bool(service and service.scheduler.running and not service.stopping.is_set())
    checks["scheduler"] = {"ok": running}
    return checks


async def readyz(request: Request) -> Response:
    """Ready: database reachable, schema at head, scheduler running; 503 naming what is not."""
    checks = await run_in_threadpool(_checks, state_of(request))
    ready = all(check["ok"] for check in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status_code=200 if ready else 503,
    )


async def metrics(request: Request) -> Response:
    """Prometheus text format: the process's counters and the database's gauges, read now."""
    from newsbot.metrics import StoreCollector, exposition

    app = state_of(request).app
    body = await run_in_threadpool(exposition, StoreCollector(app.engine, app.clock))
    return Response(body, media_type=METRICS_TYPE)
