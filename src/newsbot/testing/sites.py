"""A fake e-paper / feed / page-text site on 127.0.0.1, whose content changes over (simulated) time.

It is a real ``ThreadingHTTPServer`` on a free port, so sources are tested through real
sockets: conditional GET, redirects, gzip, slow and endless bodies all behave as on the wire.
Users can point their own config at it to try a source. Usage::

    with FakeSite() as site:
        page = FakePage("要闻", [FakeArticle("标题", "正文")])
        site.publish_founder_pc(date(2025, 5, 16), [page])
        url = site.url("/layout/{date:%Y%m/%d}/node_01.html")   # a source's url_template
        site.fail("/feed.xml", status=500)                      # then break something
        assert site.requests[-1].path == "/feed.xml"
"""

from __future__ import annotations

import gzip
import html
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from types import TracebackType
from typing import Any

from newsbot.testing._server import LocalServer

HTML_UTF8 = "text/html; charset=utf-8"


@dataclass
class Route:
    """What one path answers: status, body, headers, and misbehaviour on demand."""

    body: bytes = b""
    status: int = 200
    content_type: str = HTML_UTF8
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    delay_s: float = 0.0  # before the headers
    drip_s: float = 0.0  # between body chunks of 1 KiB
    endless: bool = False  # a body that never ends (no Content-Length)
    gzip: bool = False


@dataclass(frozen=True)
class SeenRequest:
    """A request the site answered: method, path, headers (lower-case names), status."""

    method: str
    path: str
    headers: dict[str, str]
    status: int


@dataclass(frozen=True)
class FakeArticle:
    """An article to publish: title, body paragraphs (one string per paragraph), author."""

    title: str
    body: str | tuple[str, ...] = ""
    author: str = ""


@dataclass(frozen=True)
class FakePage:
    """A page of an e-paper issue: its name (``要闻``), articles, and an optional PDF."""

    name: str
    articles: tuple[FakeArticle, ...] | list[FakeArticle] = ()
    pdf: bytes | None = None


class FakeSite:
    """A local HTTP server whose routes tests change while it runs; a context manager."""

    def __init__(self) -> None:
        self._routes: dict[str, Route] = {}
        self._lock = threading.Lock()
        self.requests: list[SeenRequest] = []
        self._server = LocalServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._periods: dict[str, list[date]] = {}
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests the site served at once

    def _enter_request(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave_request(self) -> None:
        with self._lock:
            self.in_flight -= 1

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> FakeSite:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the running site."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` (a template's ``{date:...}`` is left as it is)."""
        return self.base_url + path

    # -- routes ----------------------------------------------------------------------------
    def put(
        self,
        path: str,
        body: bytes | str,
        *,
        content_type: str = HTML_UTF8,
        encoding: str = "utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
        validators: bool = True,
        **misbehaviour: Any,
    ) -> Route:
        """Serve ``body`` at ``path`` (str bodies are encoded with ``encoding``: try gbk).

        The route gets a strong ETag and a Last-Modified of now (none without
        ``validators``); ``misbehaviour`` sets :class:`Route` fields such as ``delay_s``,
        ``drip_s``, ``endless``, ``gzip``.
        """
        data = body.encode(encoding) if isinstance(body, str) else body
        route = Route(
            body=data,
            status=status,
            content_type=content_type,
            headers=dict(headers or {}),
            # Like nginx: mtime and size, so re-publishing the same bytes still changes it.
            etag=f'"{time.time_ns():x}-{len(data):x}"' if validators else None,
            last_modified=format_datetime(datetime.now(UTC), usegmt=True) if validators else None,
            **misbehaviour,
        )
        with self._lock:
            self._routes[path] = route
        return route

    def remove(self, path: str) -> None:
        """Make ``path`` answer 404 again (an issue taken down, a file not there yet)."""
        with self._lock:
            self._routes.pop(path, None)

    def fail(self, path: str, *, status: int = 500, headers: dict[str, str] | None = None) -> None:
        """Make ``path`` answer ``status`` with a short text body (no validators)."""
        self.put(
            path,
            f"error {status}",
            content_type="text/plain",
            status=status,
            headers=headers,
            validators=False,
        )

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        """Make ``path`` redirect to ``location`` (relative or absolute)."""
        self.put(path, b"", status=status, headers={"Location": location}, validators=False)

    def route(self, path: str) -> Route | None:
        """The route at ``path`` (to tweak a field), or None."""
        with self._lock:
            return self._routes.get(path)

    def hits(self, path: str) -> list[SeenRequest]:
        """The requests the site saw for ``path``, oldest first."""
        return [r for r in self.requests if r.path == path]

    def _lookup(self, path: str) -> Route | None:
        with self._lock:
            return self._routes.get(path.split("?", maxsplit=1)[0])

    # -- whole sites -----------------------------------------------------------------------
    def publish_founder_pc(
        self,
        day: date,
        pages: list[FakePage],
        *,
        encoding: str = "utf-8",
        paper: str = "义乌商报",
        period_xml: bool = True,
        editor_entry: bool = True,
    ) -> str:
        """Publish an issue shaped like 义乌商报's Founder "pc" e-paper; returns node_01's URL.

        Pages go to ``/layout/YYYYMM/DD/node_NN.html``, articles to
        ``/content/YYYYMM/DD/content_PNN.html``, PDFs to ``/attachement/...``; with
        ``period_xml`` the day is added to ``/layout/YYYYMM/period.xml``. ``editor_entry``
        lists a ``本版责编`` line whose link leads nowhere, as real pages do.
        """
        ym, dd = f"{day:%Y%m}", f"{day:%d}"
        ctype = f"text/html; charset={encoding}"
        for number, page in enumerate(pages, start=1):
            node = _founder_pc_node(
                day, pages, number, paper=paper, charset=encoding, editor_entry=editor_entry
            )
            self.put(
                f"/layout/{ym}/{dd}/node_{number:02d}.html",
                node,
                content_type=ctype,
                encoding=encoding,
            )
            for index, article in enumerate(page.articles, start=1):
                html_text = _founder_pc_article(article, number, charset=encoding)
                self.put(
                    f"/content/{ym}/{dd}/content_{number}{index:02d}.html",
                    html_text,
                    content_type=ctype,
                    encoding=encoding,
                )
            if page.pdf is not None:
                self.put(
                    f"/attachement/{ym}/{dd}/page_{number:02d}.pdf",
                    page.pdf,
                    content_type="application/pdf",
                )
        if period_xml:
            self._add_period(day)
        return self.url(f"/layout/{ym}/{dd}/node_01.html")

    def unpublish_founder_pc(self, day: date) -> None:
        """Take an issue down: its pages and articles answer 404, period.xml forgets it."""
        ym, dd = f"{day:%Y%m}", f"{day:%d}"
        with self._lock:
            for path in list(self._routes):
                if path.startswith((f"/layout/{ym}/{dd}/", f"/content/{ym}/{dd}/")):
                    del self._routes[path]
        if day in self._periods.get(ym, []):
            self._periods[ym].remove(day)
            self._put_period(ym)

    def _add_period(self, day: date) -> None:
        days = self._periods.setdefault(f"{day:%Y%m}", [])
        if day not in days:
            days.append(day)
        self._put_period(f"{day:%Y%m}")

    def _put_period(self, ym: str) -> None:
        periods = "".join(
            f'<period id="{d:%Y%m%d}"><paper_id>1</paper_id><period_name>{d:%Y%m%d}</period_name>'
            f"<period_date>{d.isoformat()}</period_date><front_page>node_01.html</front_page>"
            "</period>"
            for d in sorted(self._periods[ym])
        )
        xml = f'<?xml version="1.0" encoding="UTF-8"?><root>{periods}</root>'
        self.put(f"/layout/{ym}/period.xml", xml, content_type="text/xml; charset=utf-8")

    def publish_feed(
        self,
        path: str,
        entries: list[tuple[str, str]],
        *,
        title: str = "本地新闻",
        encoding: str = "utf-8",
    ) -> str:
        """Serve an RSS 2.0 feed of ``(guid, title)`` entries at ``path``; returns its URL."""
        items = "".join(
            f"<item><guid>{html.escape(guid)}</guid><title>{html.escape(text)}</title>"
            f"<link>{self.url('/news/' + html.escape(guid))}</link>"
            f"<description>{html.escape(text)}。</description></item>"
            for guid, text in entries
        )
        xml = (
            f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
            f"<title>{html.escape(title)}</title><link>{self.base_url}/</link>{items}"
            "</channel></rss>"
        )
        self.put(
            path, xml, content_type=f"application/rss+xml; charset={encoding}", encoding=encoding
        )
        return self.url(path)


def _founder_pc_node(
    day: date, pages: list[FakePage], number: int, *, paper: str, charset: str, editor_entry: bool
) -> str:
    ym, dd = f"{day:%Y%m}", f"{day:%d}"
    page = pages[number - 1]
    layout = "".join(
        f'<li class="posRelative"><a href="node_{n:02d}.html">第{n:02d}版：'
        f"{html.escape(p.name)}</a></li>"
        for n, p in enumerate(pages, start=1)
    )
    articles = "".join(
        f'<li class="clearfix"><a href="../../../content/{ym}/{dd}/content_{number}{i:02d}.html">'
        f"{html.escape(a.title)}</a></li>"
        for i, a in enumerate(page.articles, start=1)
    )
    if editor_entry:
        articles += (
            f'<li class="clearfix"><a href="../../../content/{ym}/{dd}/'
            f'content_{number}99.html">本版责编：王编辑</a></li>'
        )
    pdf = (
        f'<a href="../../../attachement/{ym}/{dd}/page_{number:02d}.pdf">PDF下载</a>'
        if page.pdf is not None
        else ""
    )
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{paper}</title></head>'
        f'<body><div class="header">{paper} {day:%Y年%m月%d日}</div>'
        f'<div class="mgb25"><div class="pull-left">第{number:02d}版：{html.escape(page.name)}'
        f'</div><div class="pull-right">{pdf}</div></div>'
        f'<ul id="layoutlist">{layout}</ul><ul id="articlelist">{articles}</ul>'
        "</body></html>"
    )


def _founder_pc_article(article: FakeArticle, number: int, *, charset: str) -> str:
    paragraphs = (article.body,) if isinstance(article.body, str) else article.body
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}">'
        f"<title>{html.escape(article.title)}</title></head><body>"
        f'<p id="nowLayout" class="hide">{number:02d}</p><font id="intro-title"></font>'
        f'<h2 id="main-title">{html.escape(article.title)}</h2><font id="sub-title"></font>'
        f'<font id="author">{html.escape(article.author)}</font>'
        f'<div id="ozoom"><founder-content><!--enpcontent-->{body}<!--/enpcontent-->'
        "</founder-content></div></body></html>"
    )


def _handler_for(site: FakeSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "FakeSite/1"

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def do_GET(self) -> None:
            site._enter_request()
            try:
                self._get()
            finally:
                site._leave_request()

        def _get(self) -> None:
            route = site._lookup(self.path)
            status = 404 if route is None else _status(route, self.headers)
            site.requests.append(
                SeenRequest(
                    method="GET",
                    path=self.path.split("?")[0],
                    status=status,
                    headers={k.lower(): v for k, v in self.headers.items()},
                )
            )
            if route is None:
                self._answer(404, {"Content-Type": "text/html"}, b"<h1>404 Not Found</h1>")
                return
            if route.delay_s:
                time.sleep(route.delay_s)
            if status == 304:
                self._answer(304, _validators(route), b"")
                return
            self._serve(route)

        def _serve(self, route: Route) -> None:
            headers = {"Content-Type": route.content_type, **_validators(route), **route.headers}
            body = gzip.compress(route.body) if route.gzip else route.body
            if route.gzip:
                headers["Content-Encoding"] = "gzip"
            if route.endless:
                self._endless(route.status, headers)
                return
            self._answer(route.status, headers, body, drip_s=route.drip_s)

        def _answer(
            self, status: int, headers: dict[str, str], body: bytes, *, drip_s: float = 0.0
        ) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for chunk in _chunks(body, 1024 if drip_s else len(body) or 1):
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    if drip_s:
                        time.sleep(drip_s)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up (a timeout, a size cap): that is the point

        def _endless(self, status: int, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            chunk = b"<p>" + "没完没了".encode() * 4000 + b"</p>"
            try:
                while True:
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError, OSError):
                return

    return Handler


def _status(route: Route, headers: Any) -> int:
    if route.status != 200:
        return route.status
    # RFC 9110 13.2.2: If-None-Match, when sent, decides alone (dates have 1 s resolution).
    if headers.get("If-None-Match") is not None:
        return 304 if route.etag and headers.get("If-None-Match") == route.etag else 200
    if route.last_modified and headers.get("If-Modified-Since") == route.last_modified:
        return 304
    return 200


def _validators(route: Route) -> dict[str, str]:
    found = {}
    if route.etag:
        found["ETag"] = route.etag
    if route.last_modified:
        found["Last-Modified"] = route.last_modified
    return found


def _chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
