"""A polite, bounded HTTP fetcher (httpx): the only part of ``follow`` that touches the network.

Per request:

- ``robots.txt`` of the host is read once (cached per host, :data:`ROBOTS_TTL`) and
  obeyed for the configured user agent (RFC 9309: a 4xx robots.txt allows everything, a
  5xx one disallows everything until it is read again);
- at most ``per_host`` requests run at once on one ``host:port``, started at least
  ``delay`` seconds apart;
- redirects are followed by hand, at most ``max_redirects`` hops, each hop checked
  against robots.txt; a loop is refused as soon as a URL repeats;
- the body is streamed and refused once it passes ``max_bytes`` (a 50 MB page costs
  ``max_bytes`` of memory, never more) or the whole response takes longer than
  ``total_timeout``;
- transient failures (connection errors, timeouts, HTTP 429 and 5xx) are retried
  ``retries`` times after ``backoff * 2**n`` seconds (``Retry-After`` honoured up to
  :data:`MAX_RETRY_AFTER`).

Every failure is a :class:`FetchError` with a one-line ``reason`` and whether trying
again later may succeed (``retryable``): the caller schedules that.
"""

from __future__ import annotations

import dataclasses
import random
import re
import threading
import time
from collections.abc import Callable
from urllib import robotparser
from urllib.parse import urljoin, urlsplit

import httpx

from samestory.follow.urls import host_of
from samestory.lru import LRUCache

DEFAULT_USER_AGENT = "samestory-follow/0.1 (+https://github.com/samestory)"
ROBOTS_TTL = 3600.0
ROBOTS_MAX_BYTES = 512_000
MAX_RETRY_AFTER = 60.0
HOST_CACHE = 4096
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclasses.dataclass(frozen=True, slots=True)
class FetchPolicy:
    """How the fetcher behaves; defaults are polite for real sites."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    retries: int = 2
    backoff: float = 1.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    per_host: int = 2
    delay: float = 1.0
    robots: bool = True


@dataclasses.dataclass(frozen=True, slots=True)
class Response:
    """A fetched resource: ``status`` is 200 (``body`` read) or 304 (not modified)."""

    url: str
    status: int
    body: bytes
    content_type: str
    charset: str | None
    etag: str | None
    last_modified: str | None

    def text(self) -> str:
        """The body as text: declared charset, else ``<meta charset>``, else UTF-8, else
        a detected one; a charset that does not decode the bytes is not trusted."""
        return decode_body(self.body, self.charset)


class FetchError(Exception):
    """A fetch that failed: ``reason`` is one line, ``retryable`` says whether to retry."""

    def __init__(self, url: str, reason: str, retryable: bool, status: int | None = None):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.retryable = retryable
        self.status = status


def decode_body(body: bytes, declared: str | None) -> str:
    """Decode page bytes, trusting a charset only if it decodes them without error."""
    meta = _META_CHARSET.search(body[:4096])
    candidates = [declared, meta.group(1).decode("ascii", "ignore") if meta else None, "utf-8"]
    for charset in candidates:
        if not charset:
            continue
        try:
            return body.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    return body.decode(encoding, errors="replace")


class _HostSlot:
    """Concurrency and spacing of the requests to one host."""

    def __init__(self, per_host: int) -> None:
        self.semaphore = threading.BoundedSemaphore(per_host)
        self.lock = threading.Lock()
        self.next_start = 0.0

    def wait_turn(self, delay: float) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next_start)
            self.next_start = start + delay
        if start > now:
            time.sleep(start - now)


class Fetcher:
    """Thread-safe: one instance is shared by every fetching thread."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._sleep = sleep
        timeout = httpx.Timeout(
            self.policy.read_timeout, connect=self.policy.connect_timeout, pool=None
        )
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": self.policy.user_agent},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=16),
            trust_env=False,
        )
        self._slots: LRUCache[str, _HostSlot] = LRUCache(HOST_CACHE)
        self._robots: LRUCache[str, tuple[float, robotparser.RobotFileParser | None]] = LRUCache(
            HOST_CACHE
        )
        self._lock = threading.Lock()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public

    def get(
        self,
        url: str,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
    ) -> Response:
        """Fetch ``url`` following redirects; conditional when ``etag``/``last_modified``."""
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = {url}
        current = url
        for _ in range(self.policy.max_redirects + 1):
            result = self._with_retries(current, headers)
            if isinstance(result, Response):
                return result
            target = urljoin(current, result)
            if urlsplit(target).scheme not in ("http", "https"):
                raise FetchError(url, f"redirect to a non-HTTP URL {target}", retryable=False)
            if target in seen:
                raise FetchError(url, f"redirect loop (back to {target})", retryable=False)
            seen.add(target)
            current = target
        raise FetchError(
            url, f"too many redirects (more than {self.policy.max_redirects})", retryable=False
        )

    # -- one hop, with retries

    def _with_retries(self, url: str, headers: dict[str, str]) -> Response | str:
        """The response, or the Location of a redirect; transient errors retried."""
        attempt = 0
        while True:
            try:
                return self._once(url, headers)
            except _Transient as exc:
                if attempt >= self.policy.retries:
                    raise FetchError(url, exc.reason, retryable=True, status=exc.status) from None
                wait = exc.retry_after
                if wait is None:
                    wait = self.policy.backoff * 2**attempt * (0.5 + random.random())
                self._sleep(min(wait, MAX_RETRY_AFTER))
                attempt += 1

    def _once(self, url: str, headers: dict[str, str]) -> Response | str:
        if self.policy.robots and not self._allowed(url):
            raise FetchError(url, "disallowed by robots.txt", retryable=False)
        slot = self._slot(host_of(url))
        with slot.semaphore:
            slot.wait_turn(self.policy.delay)
            return self._request(url, headers)

    def _request(self, url: str, headers: dict[str, str]) -> Response | str:
        started = time.monotonic()
        try:
            with self._client.stream("GET", url, headers=headers) as reply:
                status = reply.status_code
                if status in _REDIRECTS:
                    location = reply.headers.get("location")
                    if not location:
                        raise FetchError(url, f"HTTP {status} without Location", retryable=False)
                    return location
                if status == 304:
                    return self._response(url, reply, b"")
                if status == 429 or status >= 500:
                    raise _Transient(f"HTTP {status}", status, _retry_after(reply))
                if status >= 400:
                    raise FetchError(
                        url, f"HTTP {status}", retryable=status in (404, 408), status=status
                    )
                body = self._read_bounded(url, reply, started)
                return self._response(url, reply, body)
        except httpx.TimeoutException as exc:
            raise _Transient(f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise _Transient(f"cannot connect: {_transport_reason(exc)}") from None
        except httpx.InvalidURL as exc:
            raise FetchError(url, f"invalid URL: {exc}", retryable=False) from None

    def _read_bounded(self, url: str, reply: httpx.Response, started: float) -> bytes:
        limit = self.policy.max_bytes
        declared = reply.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(
                url, f"too large ({_mb(int(declared))} > {_mb(limit)} limit)", retryable=False
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in reply.iter_bytes():  # as it arrives: the clock is checked each time
            size += len(chunk)
            if size > limit:
                raise FetchError(url, f"too large (> {_mb(limit)} limit)", retryable=False)
            if time.monotonic() - started > self.policy.total_timeout:
                raise _Transient(f"too slow (over {self.policy.total_timeout:g} s)")
            chunks.append(chunk)
        return b"".join(chunks)

    @staticmethod
    def _response(url: str, reply: httpx.Response, body: bytes) -> Response:
        content_type = reply.headers.get("content-type", "")
        match = _CHARSET.search(content_type)
        return Response(
            url=url,
            status=reply.status_code,
            body=body,
            content_type=content_type.split(";")[0].strip().lower(),
            charset=match.group(1) if match else None,
            etag=reply.headers.get("etag"),
            last_modified=reply.headers.get("last-modified"),
        )

    # -- politeness

    def _slot(self, host: str) -> _HostSlot:
        with self._lock:
            slot = self._slots.get(host)
            if slot is None:
                slot = _HostSlot(self.policy.per_host)
                self._slots.put(host, slot)
            return slot

    def _allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc.lower()}"
        with self._lock:
            cached = self._robots.get(key)
        if cached is None or time.monotonic() - cached[0] > ROBOTS_TTL:
            cached = (time.monotonic(), self._read_robots(key))
            with self._lock:
                self._robots.put(key, cached)
        parser = cached[1]
        if parser is None:  # robots.txt unreachable (5xx): disallowed until read again
            return False
        return parser.can_fetch(self.policy.user_agent, url)

    def _read_robots(self, origin: str) -> robotparser.RobotFileParser | None:
        """The parsed robots.txt of ``origin``; None when it answers 5xx (RFC 9309).
        A host that cannot be reached at all raises the connection error instead."""
        url = f"{origin}/robots.txt"
        parser = robotparser.RobotFileParser(url)
        slot = self._slot(host_of(url))
        try:
            with slot.semaphore:
                slot.wait_turn(self.policy.delay)
                reply = self._robots_reply(url)
        except httpx.TimeoutException:
            raise FetchError(url, "timed out reading robots.txt", retryable=True) from None
        except httpx.TransportError as exc:
            raise FetchError(url, f"cannot connect: {_transport_reason(exc)}", True) from None
        status, body = reply
        if status >= 500:
            return None
        if status >= 400 or status in _REDIRECTS:
            parser.parse([])  # no rules: everything allowed
            return parser
        parser.parse(decode_body(body, None).splitlines())
        return parser

    def _robots_reply(self, url: str) -> tuple[int, bytes]:
        with self._client.stream("GET", url, follow_redirects=True) as reply:
            body = b""
            for chunk in reply.iter_bytes(65_536):
                body += chunk
                if len(body) > ROBOTS_MAX_BYTES:
                    break
            return reply.status_code, body[:ROBOTS_MAX_BYTES]


class _Transient(Exception):
    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


def _retry_after(reply: httpx.Response) -> float | None:
    value = reply.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


def _transport_reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "DNS lookup failed (no such host)"
    if "Connection refused" in text:
        return "connection refused"
    return text.splitlines()[0][:200]


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
