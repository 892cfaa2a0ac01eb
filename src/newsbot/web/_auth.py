"""The console's token: one comparison in constant time, health probes left open.

A token is asked for when one is configured (always, when the console is not on loopback).
It is accepted as ``Authorization: Bearer TOKEN`` (Prometheus, curl) or as the
``newsbot_token`` cookie, which ``?token=TOKEN`` on any page sets once for a browser.
``/healthz`` and ``/readyz`` stay open: service managers probe them without credentials,
and they tell nothing but up or down.
"""

from __future__ import annotations

import hmac

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
COOKIE = "newsbot_token"


def token_matches(given: str | None, expected: str) -> bool:
    """True when ``given`` is the token; the comparison takes the same time wherever they differ."""
    if given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


class TokenMiddleware(BaseHTTPMiddleware):
    """Refuses every request but the health probes unless it carries the token."""

    def __init__(self, app: ASGIApp, *, token: str) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path in OPEN_PATHS:
            return await call_next(request)
        offered = request.query_params.get("token")
        if offered is not None and token_matches(offered, self.token):
            # Swap the token in the address for a cookie, so it leaves the URL bar and history.
            target = request.url.remove_query_params("token")
            where = target.path + (f"?{target.query}" if target.query else "")
            response = RedirectResponse(where, status_code=303)
            secure = request.url.scheme == "https"
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", secure=secure)
            return response
        if token_matches(_bearer(request), self.token) or token_matches(
            request.cookies.get(COOKIE), self.token
        ):
            return await call_next(request)
        return PlainTextResponse(
            "401: this newsbot console needs its token (Authorization: Bearer, or ?token=)\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="newsbot"'},
        )


# Pages are ours alone: no framing, no sniffing, no referrer leaving for the papers' sites,
# styles only from the page itself, scripts only from this server: no inline script, so a
# `javascript:` link that a source slipped into an article's address cannot run here.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; "
        "connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeadersMiddleware(BaseHTTPMiddleware):
    """Adds :data:`SECURITY_HEADERS` to every answer."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response
