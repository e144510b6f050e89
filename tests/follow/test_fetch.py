"""The fetcher against a local server: conditional GET, redirects, robots.txt, limits,
retries, slow and failing hosts, charsets."""

from __future__ import annotations

import dataclasses
import socket
import time

import pytest

from samestory.follow.fetch import Fetcher, FetchError

from .conftest import FAST


def fetcher(**changes) -> Fetcher:
    return Fetcher(dataclasses.replace(FAST, **changes))


def test_conditional_get_answers_304_with_the_etag(server):
    server.set("/feed.xml", "<rss/>", etag='"v1"', last_modified="Mon, 30 Nov 2026 10:00:00 GMT")
    with fetcher() as f:
        first = f.get(server.url("/feed.xml"))
        assert (first.status, first.etag) == (200, '"v1"')
        again = f.get(server.url("/feed.xml"), etag=first.etag, last_modified=first.last_modified)
    assert again.status == 304 and again.body == b""
    sent = server.headers_of("/feed.xml")[-1]
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Mon, 30 Nov 2026 10:00:00 GMT"


def test_user_agent_is_sent(server):
    server.set("/a", "hello")
    with fetcher(user_agent="TestBot/1.0") as f:
        f.get(server.url("/a"))
    assert server.headers_of("/a")[0]["user-agent"] == "TestBot/1.0"


def test_redirects_are_followed_to_a_bound(server):
    server.set("/old", status=301, headers={"Location": "/new"})
    server.set("/new", "here")
    with fetcher() as f:
        reply = f.get(server.url("/old"))
    assert reply.url == server.url("/new") and reply.body == b"here"
    for n in range(8):
        server.set(f"/hop{n}", status=302, headers={"Location": f"/hop{n + 1}"})
    with fetcher(max_redirects=3) as f, pytest.raises(FetchError, match="too many redirects"):
        f.get(server.url("/hop0"))


def test_redirect_loop_is_refused(server):
    server.set("/a", status=302, headers={"Location": "/b"})
    server.set("/b", status=302, headers={"Location": "/a"})
    with fetcher() as f, pytest.raises(FetchError, match="redirect loop") as caught:
        f.get(server.url("/a"))
    assert not caught.value.retryable
    assert server.hits("/a") == 1 and server.hits("/b") == 1


def test_robots_txt_is_respected(server):
    server.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    server.set("/private/page", "secret")
    server.set("/public/page", "open")
    with fetcher() as f:
        assert f.get(server.url("/public/page")).body == b"open"
        with pytest.raises(FetchError, match=r"robots\.txt"):
            f.get(server.url("/private/page"))
        f.get(server.url("/public/page"))
    assert server.hits("/private/page") == 0
    assert server.hits("/robots.txt") == 1  # cached per host


def test_robots_txt_names_the_user_agent(server):
    server.set("/robots.txt", "User-agent: BadBot\nDisallow: /\n", content_type="text/plain")
    server.set("/page", "ok")
    with fetcher(user_agent="BadBot") as f, pytest.raises(FetchError, match="robots"):
        f.get(server.url("/page"))
    with fetcher(user_agent="GoodBot") as f:
        assert f.get(server.url("/page")).body == b"ok"


def test_oversized_page_is_refused_while_streaming(server):
    big = b"<html><body>" + b"x" * 3_000_000 + b"</body></html>"
    server.set("/declared", big)  # Content-Length says too large: refused before reading
    server.set("/streamed", big, no_length=True)
    with fetcher(max_bytes=1_000_000) as f:
        with pytest.raises(FetchError, match=r"too large \(3.0 MB > 1.0 MB limit\)"):
            f.get(server.url("/declared"))
        with pytest.raises(FetchError, match=r"too large \(> 1.0 MB limit\)") as caught:
            f.get(server.url("/streamed"))
    assert not caught.value.retryable


def test_server_errors_are_retried_then_reported(server):
    server.set("/flaky", status=503)
    with fetcher(retries=2) as f, pytest.raises(FetchError, match="HTTP 503") as caught:
        f.get(server.url("/flaky"))
    assert caught.value.retryable and server.hits("/flaky") == 3


def test_client_errors_are_not_retried(server):
    server.set("/gone", status=410)
    with fetcher(retries=2) as f, pytest.raises(FetchError, match="HTTP 410") as caught:
        f.get(server.url("/gone"))
    assert not caught.value.retryable and server.hits("/gone") == 1
    with fetcher(retries=2) as f, pytest.raises(FetchError, match="HTTP 404") as caught:
        f.get(server.url("/missing"))
    assert caught.value.retryable  # an announced page may not be up yet: retried later


def test_slow_host_times_out(server):
    server.set("/slow", "late", delay=1.5)
    server.set("/trickle", b"y" * 20_000, chunk_delay=0.2)
    with fetcher(read_timeout=0.5, retries=0) as f:
        with pytest.raises(FetchError, match="timed out") as caught:
            f.get(server.url("/slow"))
        assert caught.value.retryable
    with (
        fetcher(read_timeout=1.0, total_timeout=1.0, retries=0) as f,
        pytest.raises(FetchError, match="too slow"),
    ):
        f.get(server.url("/trickle"))


def test_unreachable_host_is_a_retryable_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again at once: nothing listens there
    with fetcher(retries=0) as f, pytest.raises(FetchError, match="cannot connect") as caught:
        f.get(f"http://127.0.0.1:{port}/feed.xml")
    assert caught.value.retryable


def test_per_host_delay_spaces_requests(server):
    server.set("/a", "a")
    with fetcher(delay=0.3, robots=False) as f:
        start = time.monotonic()
        for _ in range(3):
            f.get(server.url("/a"))
    assert time.monotonic() - start >= 0.6


def test_wrong_declared_charset_is_not_trusted(server):
    text = "Zürich café: naïve façade"
    server.set("/latin", text.encode("latin-1"), content_type="text/html; charset=utf-8")
    server.set("/koi", text.encode("utf-8"), content_type="text/html; charset=no-such-charset")
    with fetcher() as f:
        assert "Zürich café" in f.get(server.url("/latin")).text()
        assert f.get(server.url("/koi")).text() == text
