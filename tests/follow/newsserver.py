"""A threaded HTTP server on 127.0.0.1 serving feeds, sitemaps and article pages.

Tests (and benchmarks/follow.py) set routes while it runs: a static body, a callable,
a status, extra headers, a delay before answering or between body chunks, an ETag
(answered 304 on a matching If-None-Match). Every request is logged with its headers.
"""

from __future__ import annotations

import dataclasses
import html
import sys
import threading
import time
from collections.abc import Callable, Sequence
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "follow"


def fixture_text(name: str) -> tuple[str, str]:
    """(title, text) of ``tests/fixtures/follow/<name>.txt``."""
    raw = (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")
    title, _, text = raw.partition("\n")
    return title.strip(), text.strip()


@dataclasses.dataclass
class Route:
    body: bytes | Callable[[], bytes] = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0
    chunk_delay: float = 0.0
    etag: str | None = None
    last_modified: str | None = None
    no_length: bool = False  # no Content-Length: the body ends when the connection closes


class _Server(ThreadingHTTPServer):
    """A threaded server on which a client hanging up is not an error.

    Tests hang up on purpose (a timed-out or oversized fetch closes its connection with
    unread data, and the kernel answers the server's next read with a reset);
    ``socketserver`` would print that as a traceback into the test run's output. Any
    other error in a request's thread is still printed.
    """

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):  # reset, broken pipe, aborted
            return
        super().handle_error(request, client_address)


class NewsServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server._answer(self)

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- routes

    def set(self, path: str, body: bytes | str | Callable[[], bytes] = b"", **kw: Any) -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self.lock:
            self.routes[path] = Route(body=body, **kw)

    def hits(self, path: str) -> int:
        with self.lock:
            return sum(1 for p, _ in self.requests if p == path)

    def headers_of(self, path: str) -> list[dict[str, str]]:
        with self.lock:
            return [h for p, h in self.requests if p == path]

    def page(self, path: str, name: str, **kw: Any) -> None:
        """An article page from a fixture text."""
        title, text = fixture_text(name)
        self.set(path, article_html(title, text, **kw))

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self.lock:
            self.requests.append((path, {k.lower(): v for k, v in handler.headers.items()}))
            route = self.routes.get(path)
        if route is None:
            route = Route(body=b"not found", status=404, content_type="text/plain")
        if route.delay:
            time.sleep(route.delay)
        if route.etag and handler.headers.get("If-None-Match") == route.etag:
            handler.send_response(304)
            handler.send_header("ETag", route.etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        body = route.body() if callable(route.body) else route.body
        handler.send_response(route.status)
        handler.send_header("Content-Type", route.content_type)
        if route.etag:
            handler.send_header("ETag", route.etag)
        if route.last_modified:
            handler.send_header("Last-Modified", route.last_modified)
        for key, value in route.headers.items():
            handler.send_header(key, value)
        if route.no_length:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        elif "Content-Length" not in route.headers:
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        try:
            if route.chunk_delay:
                for start in range(0, len(body), 1024):
                    handler.wfile.write(body[start : start + 1024])
                    handler.wfile.flush()
                    time.sleep(route.chunk_delay)
            else:
                handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def article_html(
    title: str,
    text: str,
    canonical: str | None = None,
    date: str = "2026-11-30",
    site: str = "Riverton Courier",
    lang: str = "en",
    charset: str | None = None,
) -> str:
    """A news page: navigation, header and footer around the article."""
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in _paragraphs(text))
    link = f'<link rel="canonical" href="{html.escape(canonical)}">' if canonical else ""
    meta_charset = f'<meta charset="{charset}">' if charset else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head>{meta_charset}<title>{html.escape(title)} | {site}</title>
<meta property="og:title" content="{html.escape(title)}">
<meta property="og:site_name" content="{site}">
<meta property="article:published_time" content="{date}">
<meta name="author" content="Jo Reporter">
{link}</head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a>
</nav></header>
<main><article><h1>{html.escape(title)}</h1>
{paragraphs}
</article></main>
<footer><p>Copyright Riverton Courier. All rights reserved.</p></footer></body></html>"""


def navigation_html() -> str:
    links = "".join(
        f'<li><a href="/story/{n}">Headline number {n} about the town</a></li>' for n in range(30)
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><title>Home News</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<h1>Home News</h1><ul>{links}</ul><footer>Contact us</footer></body></html>"
    )


def _paragraphs(text: str) -> list[str]:
    """Split a fixture text into paragraphs of about three sentences."""
    sentences = [s.strip() for s in text.replace(". ", ".\n").splitlines() if s.strip()]
    return [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]


def rss(items: Sequence[dict[str, str]], title: str = "Riverton Courier") -> str:
    """An RSS 2.0 feed; each item has link, title and optionally date, summary, guid."""
    entries = []
    for item in items:
        date = item.get("date", formatdate(1764500000, usegmt=True))
        entries.append(
            "<item>"
            f"<title>{html.escape(item['title'])}</title>"
            f"<link>{html.escape(item['link'])}</link>"
            f"<guid>{html.escape(item.get('guid', item['link']))}</guid>"
            f"<pubDate>{date}</pubDate>"
            f"<description>{html.escape(item.get('summary', item['title']))}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{html.escape(title)}</title><link>http://example.org/</link>"
        "<language>en</language>" + "".join(entries) + "</channel></rss>"
    )


def sitemap(urls: Sequence[tuple[str, str]]) -> str:
    """A news sitemap of (loc, title)."""
    rows = "".join(
        f"<url><loc>{html.escape(loc)}</loc><news:news><news:publication>"
        "<news:name>Riverton Courier</news:name><news:language>en</news:language>"
        f"</news:publication><news:publication_date>2026-11-30</news:publication_date>"
        f"<news:title>{html.escape(title)}</news:title></news:news></url>"
        for loc, title in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + rows + "</urlset>"
    )


def sitemap_index(locs: Sequence[str]) -> str:
    rows = "".join(f"<sitemap><loc>{html.escape(loc)}</loc></sitemap>" for loc in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + rows
        + "</sitemapindex>"
    )
