"""HTTP manners of every source: validators, caps, decompression, redirects, hints, pacing."""

from __future__ import annotations

import asyncio
import gzip
from datetime import timedelta

import pytest

from newsbot._http import USER_AGENT, make_async_client
from newsbot.errors import SourceError
from newsbot.sources import HostLimiter, NotModified, SourceThrottledError, build_source
from newsbot.sources._fetch import Answer, fetch, parse_max_age, parse_retry_after
from newsbot.sources.base import SourceOptions
from newsbot.testing.sites import FakeSite

from .helpers import at, options, poll, run

NOW = at("2025-05-16 06:00")


def _opts(**fields: object) -> SourceOptions:
    fields.setdefault("max_body_bytes", 1_000_000)
    result: SourceOptions = options("feed", url="http://unused/", **fields)
    return result


def _get(site: FakeSite, path: str, opts: SourceOptions | None = None, **kw: object) -> Answer:
    async def go() -> Answer:
        async with make_async_client(timeout_s=5) as client:
            return await fetch(client, site.url(path), options=opts or _opts(), now=NOW, **kw)  # type: ignore[arg-type]

    return run(go())


def test_requests_carry_newsbots_user_agent_and_accept_gzip(site: FakeSite) -> None:
    """Every request names newsbot in its User-Agent and offers only encodings we can bound."""
    site.put("/a", "你好")
    _get(site, "/a")
    (seen,) = site.hits("/a")
    assert seen.headers["user-agent"] == USER_AGENT
    assert seen.headers["accept-encoding"] == "gzip, deflate"


def test_gzip_bodies_are_decoded(site: FakeSite) -> None:
    """A gzip Content-Encoding is undone; the document holds the page's own bytes."""
    site.put("/a", "义乌商报" * 1000, gzip=True)
    assert _get(site, "/a").body == ("义乌商报" * 1000).encode()


def test_a_decompression_bomb_stops_at_the_cap(site: FakeSite) -> None:
    """20 MB of zeros packed into a few KB stop at max_body_bytes, not in memory."""
    bomb = gzip.compress(b"\0" * 20_000_000)
    site.put("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    assert len(bomb) < 100_000
    with pytest.raises(SourceError, match="over 1000000 bytes"):
        _get(site, "/bomb")


def test_an_endless_body_stops_at_the_cap(site: FakeSite) -> None:
    """A body that never ends is cut at max_body_bytes and reported."""
    site.put("/endless", b"", endless=True)
    with pytest.raises(SourceError, match="over 1000000 bytes"):
        _get(site, "/endless")


def test_a_declared_oversize_body_is_refused_unread(site: FakeSite) -> None:
    """A Content-Length over the cap is refused before the body is read."""
    site.put("/big", b"x" * 2_000_001)
    with pytest.raises(SourceError, match="over 1000000 bytes"):
        _get(site, "/big")


def test_a_slow_server_times_out_as_a_source_error(site: FakeSite) -> None:
    """No answer within timeout_s is a SourceError naming the URL, not a hang."""
    site.put("/slow", "迟到", delay_s=1.5)
    with pytest.raises(SourceError, match="no complete answer"):
        _get(site, "/slow", _opts(timeout_s=0.3))


def test_a_dripping_body_is_bounded_by_the_total_timeout(site: FakeSite) -> None:
    """A server sending one KiB at a time slowly cannot hold a poll past timeout_s."""
    site.put("/drip", b"x" * 20_000, drip_s=0.1)
    with pytest.raises(SourceError, match="no complete answer"):
        _get(site, "/drip", _opts(timeout_s=0.3))


def test_redirects_are_followed_one_by_one_up_to_the_limit(site: FakeSite) -> None:
    """Redirects are followed hop by hop and recorded; a loop stops at max_redirects."""
    site.put("/final", "到了")
    site.redirect("/start", "/middle", status=301)
    site.redirect("/middle", site.url("/final"))
    answer = _get(site, "/start")
    assert (answer.status, answer.url) == (200, site.url("/final"))
    assert answer.redirects == (site.url("/start"), site.url("/middle"))
    site.redirect("/loop1", "/loop2")
    site.redirect("/loop2", "/loop1")
    with pytest.raises(SourceError, match="more than 3 redirects"):
        _get(site, "/loop1", _opts(max_redirects=3))


def test_a_redirect_to_another_scheme_is_refused(site: FakeSite) -> None:
    """A Location outside http(s) (file:, javascript:) is an error, never followed."""
    site.redirect("/evil", "file:///etc/passwd")
    with pytest.raises(SourceError, match="bad redirect"):
        _get(site, "/evil")


def test_retry_after_becomes_retry_not_before(site: FakeSite) -> None:
    """A 503 with Retry-After raises SourceThrottledError carrying the time to come back."""
    site.fail("/busy", status=503, headers={"Retry-After": "120"})
    with pytest.raises(SourceThrottledError) as caught:
        _get(site, "/busy")
    assert caught.value.retry_not_before == NOW + timedelta(seconds=120)


def test_cache_control_max_age_defers_the_next_poll(site: FakeSite) -> None:
    """A feed's max-age is kept in state; polling before it ends asks nothing of the server."""
    site.publish_feed("/feed.xml", [("a", "一")])
    site.route("/feed.xml").headers["Cache-Control"] = "public, max-age=600"  # type: ignore[union-attr]
    source = build_source(options("feed", url=site.url("/feed.xml")))
    first = poll(source, now=NOW)
    assert first.state.fresh_until == NOW + timedelta(seconds=600)
    assert isinstance(poll(source, first.state, now=NOW + timedelta(minutes=5)), NotModified)
    assert len(site.hits("/feed.xml")) == 1


def test_secrets_in_urls_stay_out_of_errors(site: FakeSite) -> None:
    """A key in a source URL's query never appears in the error an admin reads."""
    site.fail("/api", status=500)
    with pytest.raises(SourceError) as caught:
        _get(site, "/api?key=s3cr3t-value-123")
    assert "s3cr3t-value-123" not in str(caught.value)
    assert "key=***" in str(caught.value)


def test_the_host_limiter_caps_concurrency_per_host(site: FakeSite) -> None:
    """With max_per_host=1, the site never serves two of our requests at once."""
    site.put("/a", "慢", delay_s=0.05)
    limiter = HostLimiter(max_per_host=1)

    async def go() -> None:
        async with make_async_client(timeout_s=5) as client:
            await asyncio.gather(
                *(
                    fetch(client, site.url("/a"), options=_opts(), now=NOW, limiter=limiter)
                    for _ in range(4)
                )
            )

    run(go())
    assert len(site.hits("/a")) == 4
    assert site.max_in_flight == 1


def test_the_host_limiter_spaces_request_starts() -> None:
    """Requests to one host start at least min_interval_s apart; other hosts do not wait."""
    now = [0.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = HostLimiter(clock=lambda: now[0], sleep=sleep)

    async def go() -> None:
        for host in ("a.cn", "a.cn", "b.cn", "a.cn"):
            async with limiter.slot(host, min_interval_s=2.0):
                now[0] += 0.5  # the request itself

    run(go())
    # a.cn at 0; a.cn waits to 2.0; b.cn goes at 2.5 unhindered; a.cn waits from 3.0 to 4.0.
    assert slept == [1.5, 1.0]


def test_hint_parsers() -> None:
    """Retry-After takes seconds or an HTTP date, capped at 6 h; no-cache disables max-age."""
    assert parse_retry_after("30", now=NOW) == NOW + timedelta(seconds=30)
    assert parse_retry_after("999999", now=NOW) == NOW + timedelta(hours=6)
    http_date = parse_retry_after("Fri, 16 May 2025 00:00:00 GMT", now=NOW)
    assert http_date is not None
    assert http_date.isoformat() == "2025-05-16T00:00:00+00:00"
    assert parse_retry_after("soon", now=NOW) is None
    assert parse_max_age("max-age=60, public") == 60
    assert parse_max_age("no-cache, max-age=60") is None
    assert parse_max_age(None) is None
