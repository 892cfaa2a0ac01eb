"""The Starlette application: health, metrics, the console pages and the rule playground.

Every handler reads through store query functions (:mod:`newsbot.store.console` and friends),
in a worker thread so the console's event loop never waits on the database.

Usage::

    asgi = create_app(app, service=service, token=None)   # served by uvicorn in newsbot run
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from newsbot._validate import web_link
from newsbot.store.db import as_utc
from newsbot.web._auth import SecurityHeadersMiddleware, TokenMiddleware
from newsbot.web._heartbeat import Heartbeat

if TYPE_CHECKING:
    from newsbot.pipeline import App
    from newsbot.scheduler import Service

TEMPLATES_DIR = Path(__file__).parent / "templates"


@dataclass
class WebState:
    """What every handler needs: the app (settings, engine, clock) and the running service."""

    app: App
    service: Service | None
    templates: Jinja2Templates
    heartbeat: Heartbeat | None = None


def state_of(request: Request) -> WebState:
    """The :class:`WebState` of the application serving ``request``."""
    state: WebState = request.app.state.newsbot
    return state


def when(value: datetime | None) -> str:
    """A stored time for people: ``2025-05-16 06:10 UTC``; ``-`` when unset."""
    if value is None:
        return "-"
    return as_utc(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _templates() -> Jinja2Templates:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR), autoescape=True, undefined=StrictUndefined
    )
    env.filters["when"] = when
    # Rows stored before links were checked at extraction may still hold a javascript: URL.
    env.filters["web_link"] = web_link
    return Jinja2Templates(env=env)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page of the console, rendered from ``templates/<name>``."""
    templates = state_of(request).templates
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    assert isinstance(response, HTMLResponse)
    return response


async def not_found(request: Request, exc: Exception) -> Response:
    """A 404 page naming what was not found."""
    detail = getattr(exc, "detail", "not found")
    if request.url.path.startswith(("/healthz", "/readyz", "/metrics")):
        return JSONResponse({"error": detail}, status_code=404)
    return render(request, "error.html", status_code=404, message=detail)


def create_app(
    app: App,
    *,
    service: Service | None = None,
    token: str | None = None,
    heartbeat: Heartbeat | None = None,
) -> Starlette:
    """The ASGI application; ``token`` (when set) guards everything but the health probes.

    ``heartbeat`` is the scheduler loop's (see :mod:`newsbot.web._heartbeat`); without one,
    /healthz only says that the process answers.
    """
    from newsbot.web import _console, _health, _playground

    routes = [
        Route("/healthz", _health.healthz),
        Route("/readyz", _health.readyz),
        Route("/metrics", _health.metrics),
        Route("/", _console.overview),
        Route("/issues/{issue_id:int}", _console.issue),
        Route("/articles/{article_id:int}", _console.article),
        Route("/deliveries", _console.deliveries),
        Route("/playground", _playground.page),
        Route("/playground/results", _playground.results),
        Route("/playground.js", _playground.script),
    ]
    middleware = [Middleware(SecurityHeadersMiddleware)]
    if token:
        middleware.append(Middleware(TokenMiddleware, token=token))
    web = Starlette(routes=routes, middleware=middleware, exception_handlers={404: not_found})
    web.state.newsbot = WebState(
        app=app, service=service, templates=_templates(), heartbeat=heartbeat
    )
    return web
