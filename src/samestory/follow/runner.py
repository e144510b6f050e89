"""The follower: poll sources, fetch new items, add them to the store, emit events.

One pass::

    for each source that is due: read its listing (feed, sitemap, URL file) and queue
        new or changed entries as pending items (one transaction with its cursors);
        a folder is scanned and its changed files read and added directly
    fetch due items on ``workers`` threads (politeness in :class:`Fetcher`), and add
        them ``batch_size`` at a time (or every ``batch_seconds``): each batch is one
        store transaction holding the articles and their items' state

Only the main thread touches the store. Failures never stop the pass: a source that
fails is polled again after ``backoff(failures)``; an item that fails transiently is
retried after ``backoff(attempts)``, up to ``item_attempts`` times; an item that can
never be an article (no text, too large, robots.txt, redirect loop, HTTP 410) is left
``skipped`` until its feed entry changes. Each failure is one log line: source, URL,
reason, and when it is tried again.

:meth:`Follower.stop` (called from SIGINT/SIGTERM handlers) lets the fetches in flight
finish (up to ``stop_grace`` seconds), commits what was fetched and returns.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from samestory.follow import folder, state
from samestory.follow.extract import NotAnArticle, extract_article
from samestory.follow.fetch import Fetcher, FetchError, FetchPolicy
from samestory.follow.listing import Entry, ListingError, parse_listing, parse_url_list
from samestory.follow.urls import canonical_url, choose_canonical, content_hash, page_canonical
from samestory.models import Article
from samestory.store import Store

log = logging.getLogger("samestory.follow")

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = ("text/html", "application/xhtml+xml", "")
MAX_BACKOFF = 6 * 3600.0
FIRST_RETRY = 60.0
NOT_FOUND_ATTEMPTS = 3
T = TypeVar("T")
EventSink = Callable[[list[dict[str, Any]]], None]


def backoff(failures: int, first: float = FIRST_RETRY) -> float:
    """Seconds before try ``failures + 1``: ``first * 2**(failures - 1)``, capped at 6 h."""
    return float(min(first * 2 ** max(failures - 1, 0), MAX_BACKOFF))


def source_kind(source: str) -> str:
    """``feed`` (an http(s) URL: feed or sitemap, told apart by content), ``urls`` (a
    file of URLs) or ``folder``; ValueError for anything else."""
    if source.lower().startswith(("http://", "https://")):
        # Refused here, at start (exit 2), rather than failing at every poll with the
        # HTTP client's "missing an 'http://' or 'https://' protocol".
        if not urlsplit(source).hostname:
            raise ValueError(f"{source}: a URL without a host")
        return "feed"
    path = Path(source)
    if path.is_dir():
        return "folder"
    if path.is_file():
        return "urls"
    raise ValueError(f"{source}: not an http(s) URL, a file of URLs or a folder")


def source_key(source: str) -> str:
    """How a source is recorded: a URL as given, a path made absolute."""
    return source if source_kind(source) == "feed" else str(Path(source).resolve())


@dataclasses.dataclass(frozen=True, slots=True)
class FollowOptions:
    interval: float = 300.0
    once: bool = False
    workers: int = 4
    batch_size: int = 32
    batch_seconds: float = 2.0
    item_attempts: int = 6
    first_retry: float = FIRST_RETRY
    stop_grace: float = 10.0
    with_diff: bool = True
    policy: FetchPolicy = dataclasses.field(default_factory=FetchPolicy)


@dataclasses.dataclass
class PassStats:
    """Counts of one run (all passes), for the closing summary line."""

    polled: int = 0
    source_errors: int = 0
    queued: int = 0
    stored: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0

    @property
    def every_poll_failed(self) -> bool:
        """Sources were polled and none answered (``follow --once`` exits 1 then)."""
        return self.polled > 0 and self.source_errors == self.polled

    def line(self) -> str:
        return (
            f"{self.polled} source polls ({self.source_errors} failed), {self.queued} items "
            f"queued, {self.stored} stored, {self.unchanged} unchanged, {self.skipped} "
            f"skipped, {self.failed} to retry"
        )


@dataclasses.dataclass(frozen=True, slots=True)
class _Result:
    item: state.PendingItem
    article: Article | None = None
    author: str | None = None
    canonical: str | None = None
    error: str | None = None
    retryable: bool = False
    status: int | None = None


class Follower:
    def __init__(
        self,
        store: Store | None,
        sources: Sequence[str],
        options: FollowOptions | None = None,
        on_events: EventSink | None = None,
        port: state.StorePort | None = None,
    ) -> None:
        """Follow ``sources`` into ``store`` (used on this thread), or through ``port``
        (``store`` None): see :class:`state.StorePort`."""
        if port is None and store is None:
            raise ValueError("a store or a port is needed")
        if port is None:
            assert store is not None
            port = state.DirectPort(store)
        self.port: state.StorePort = port
        self.options = options or FollowOptions()
        self.sources = {source_key(s): source_kind(s) for s in sources}
        self.on_events = on_events
        self.stats = PassStats()
        self._stop = threading.Event()
        self._fetcher = Fetcher(self.options.policy)
        self.port.call(state.ensure_schema)
        for source, kind in self.sources.items():
            self._db(state.register_source, source, kind)

    def _db(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(store, *args)`` on the thread that owns the store."""
        return self.port.call(lambda store: fn(store, *args))

    # -- control

    def stop(self) -> None:
        """Finish the work in hand and return from :meth:`run` (signal-handler safe)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run(self) -> PassStats:
        """Passes until stopped (one with ``once``); returns the run's counts."""
        first = True
        try:
            while not self.stopping:
                self.run_pass(poll_all=first or self.options.once)
                first = False
                if self.options.once:
                    break
                idle = self._idle_time()
                log.debug(
                    "next poll due in %s (%s)", _duration(idle), state.iso_time(time.time() + idle)
                )
                self._stop.wait(idle)
        finally:
            self._fetcher.close()
        return self.stats

    def run_pass(self, poll_all: bool = False) -> None:
        now = time.time()
        for source, kind in self.sources.items():
            if self.stopping:
                return
            if poll_all or self._db(state.source_due, source) <= now:
                self._poll(source, kind)
        self._drain_items()

    def _idle_time(self) -> float:
        """Seconds until the next source or item is due (between 0.2 s and the interval)."""
        due = self._db(state.next_due, list(self.sources))
        if due is None:
            due = time.time() + self.options.interval
        return max(0.2, min(self.options.interval, due - time.time()))

    # -- polling sources

    def _poll(self, source: str, kind: str) -> None:
        self.stats.polled += 1
        try:
            if kind == "folder":
                self._poll_folder(source)
                return
            entries, cursors = self._read_listing(source, kind)
        except (FetchError, ListingError, OSError, UnicodeDecodeError) as exc:
            reason = exc.reason if isinstance(exc, FetchError) else str(exc)
            self._source_failed(source, source, reason)
            return
        keyed = []
        for entry in entries:
            if entry.url.lower().startswith(("http://", "https://")):
                keyed.append((canonical_url(entry.url), entry))
        queued = self._db(
            state.record_listing, source, keyed, cursors, time.time() + self.options.interval
        )
        self.stats.queued += queued
        # An empty poll is the usual one: at INFO it buried the polls that found something.
        log.log(
            _poll_level(queued), "%s: %d entries, %d new or changed", source, len(keyed), queued
        )

    def _source_failed(self, source: str, url: str, reason: str) -> None:
        self.stats.source_errors += 1
        delay = self._db(
            state.source_failed, source, reason, lambda n: backoff(n, self.options.first_retry)
        )
        when = "next run" if self.options.once else f"retry in {_duration(delay)}"
        log.warning("source %s: %s: %s (%s)", source, url, reason, when)

    def _read_listing(
        self, source: str, kind: str
    ) -> tuple[list[Entry], list[tuple[str, str | None, str | None]]]:
        if kind == "urls":
            listing = parse_url_list(Path(source).read_text(encoding="utf-8"))
            for problem in listing.problems:
                log.warning("source %s: %s", source, problem)
            return listing.entries, []
        entries, cursors = self._fetch_listing(source, source)
        return entries, cursors

    def _fetch_listing(
        self, source: str, url: str, depth: int = 0
    ) -> tuple[list[Entry], list[tuple[str, str | None, str | None]]]:
        """Entries of a feed or sitemap (a sitemap index: of its children), with the
        cursors to save once they are queued. A 304 lists nothing new, except for an
        index, whose children are read again (from the saved list)."""
        etag = self._db(state.cursor, url, "etag")
        modified = self._db(state.cursor, url, "last_modified")
        reply = self._fetcher.get(url, etag, modified, accept=FEED_ACCEPT)
        cursors = [(url, reply.etag, reply.last_modified)]
        if reply.status == 304:
            # A sitemap index's child is named after its source; a feed is its source.
            log.debug("%s: %snot modified (304)", source, "" if url == source else f"{url} ")
            children = json.loads(self._db(state.cursor, url, "children") or "[]")
            if not children:
                return [], []
        else:
            listing = parse_listing(reply.body, reply.content_type)
            if listing.kind != "sitemapindex":
                return listing.entries, cursors
            children = listing.children
            self._save_children(url, children)
        if depth > 0:
            return [], cursors
        entries: list[Entry] = []
        for child in children:
            try:
                found, child_cursors = self._fetch_listing(source, child, depth + 1)
            except (FetchError, ListingError) as exc:
                reason = exc.reason if isinstance(exc, FetchError) else str(exc)
                log.warning("source %s: %s: %s (sitemap skipped this pass)", source, child, reason)
                continue
            entries += found
            cursors += child_cursors
        return entries, cursors

    def _save_children(self, url: str, children: list[str]) -> None:
        self._db(state.save_cursor, url, "children", json.dumps(children))

    # -- folders

    def _poll_folder(self, source: str) -> None:
        from samestory.ingest import iter_paths
        from samestory.models import SkippedRecord

        known = self._db(state.folder_items, source)
        batch: list[state.Fetched] = []
        found = 0
        for change in folder.changes(Path(source), known):
            if self.stopping:
                break
            found += 1
            articles: list[Article] = []
            if change.content_changed:
                for item in iter_paths([change.path]):
                    if isinstance(item, SkippedRecord):
                        log.warning("source %s: %s: %s", source, item.source, item.error)
                    else:
                        articles.append(item)
            resolved = [a for a in (self._resolve(a) for a in articles) if a is not None]
            self.stats.unchanged += len(articles) - len(resolved)
            batch.append(
                state.Fetched(
                    url=change.url,
                    source=source,
                    fingerprint=change.stamp,
                    articles=tuple(resolved),
                    content_hash=change.content_hash,
                    article_id=articles[0].id if len(articles) == 1 else None,
                )
            )
            if sum(len(f.articles) for f in batch) >= self.options.batch_size:
                self._commit(batch)
                batch = []
        if batch:
            self._commit(batch)
        self._db(state.source_polled, source, time.time() + self.options.interval)
        log.log(_poll_level(found), "%s: %d new or changed files", source, found)

    def _resolve(self, article: Article) -> Article | None:
        """``article`` under the id it must be stored with, or None if stored already.

        The first text read from a URL (or file) is stored under its plain id; a later,
        different text under ``<id>@<content hash>``, so a changed article becomes a new
        version and a text read twice (after a crash) is recognised, not duplicated.
        """
        digest = content_hash(article.text)
        stored = self._db(state.stored_text_hash, article.id)
        if stored is None:
            return article
        if stored == digest:
            return None
        versioned = f"{article.id}@{digest[:10]}"
        if self._db(state.stored_text_hash, versioned) is not None:
            return None
        return dataclasses.replace(article, id=versioned)

    # -- items

    def _drain_items(self) -> None:
        """Fetch every due item (sliding window of ``2 * workers``), adding in batches."""
        window = max(1, 2 * self.options.workers)
        sources = list(self.sources)
        in_flight: dict[cf.Future[_Result], str] = {}
        tried: set[str] = set()
        batch: list[state.Fetched] = []
        batch_started = time.monotonic()
        exhausted = False
        pool = cf.ThreadPoolExecutor(self.options.workers, thread_name_prefix="follow-fetch")
        try:
            while True:
                if not self.stopping and not exhausted and len(in_flight) < window:
                    # Items fetched but not committed yet are still pending in the store;
                    # one that failed in this pass waits for the next, however soon due.
                    busy = set(in_flight.values()) | {f.url for f in batch} | tried
                    fresh = [
                        item
                        for item in self._db(state.due_items, sources, window + len(busy))
                        if item.url not in busy
                    ][: window - len(in_flight)]
                    exhausted = not fresh and not in_flight
                    for item in fresh:
                        in_flight[pool.submit(self._fetch_item, item)] = item.url
                        tried.add(item.url)
                if not in_flight:
                    break
                timeout = self.options.stop_grace if self.stopping else 0.5
                done, _ = cf.wait(in_flight, timeout=timeout, return_when=cf.FIRST_COMPLETED)
                if self.stopping and not done:
                    break  # abandoned fetches stay pending: fetched again next time
                for future in done:
                    del in_flight[future]
                    fetched = self._settle(future.result())
                    if fetched is not None:
                        if not batch:
                            batch_started = time.monotonic()
                        batch.append(fetched)
                if batch and (
                    len(batch) >= self.options.batch_size
                    or time.monotonic() - batch_started >= self.options.batch_seconds
                    or not in_flight
                ):
                    self._commit(batch)
                    batch = []
                if not in_flight and exhausted:
                    break
        finally:
            if batch:
                self._commit(batch)
            if self.stopping:
                self._fetcher.close()  # aborts abandoned requests, so threads end now
            pool.shutdown(wait=not self.stopping, cancel_futures=True)

    def _fetch_item(self, item: state.PendingItem) -> _Result:
        """Runs on a fetch thread: no store access here."""
        try:
            reply = self._fetcher.get(item.url, accept=PAGE_ACCEPT)
            if reply.content_type not in HTML_TYPES:
                raise NotAnArticle(f"not an HTML page ({reply.content_type})")
            html = reply.text()
            canonical = choose_canonical(reply.url, page_canonical(reply.body, reply.url))
            article, author = extract_article(html, reply.url, canonical, item.entry)
            return _Result(item, article, author, canonical)
        except FetchError as exc:
            return _Result(item, error=exc.reason, retryable=exc.retryable, status=exc.status)
        except NotAnArticle as exc:
            return _Result(item, error=str(exc))
        except Exception as exc:  # a parser surprise must not stop the others
            return _Result(item, error=f"unexpected error: {type(exc).__name__}: {exc}")

    def _settle(self, result: _Result) -> state.Fetched | None:
        """A fetched item ready to store, or None after recording its failure."""
        item = result.item
        if result.article is None:
            self._item_failed(item, result)
            return None
        resolved = self._resolve(result.article)
        if resolved is None:
            self.stats.unchanged += 1
        return state.Fetched(
            url=item.url,
            source=item.source,
            fingerprint=None,
            articles=() if resolved is None else (resolved,),
            content_hash=content_hash(result.article.text),
            author=result.author,
            article_id=result.article.id,
        )

    def _item_failed(self, item: state.PendingItem, result: _Result) -> None:
        reason = result.error or "failed"
        attempts = item.attempts + 1
        cap = NOT_FOUND_ATTEMPTS if result.status == 404 else self.options.item_attempts
        if result.retryable and attempts < cap:
            delay = backoff(attempts, self.options.first_retry)
            self._db(state.item_failed, item.url, reason, delay, "failed")
            self.stats.failed += 1
            when = "next run" if self.options.once else f"retry in {_duration(delay)}"
            log.warning("source %s: %s: %s (%s)", item.source, item.url, reason, when)
            return
        final = "gave_up" if result.retryable else "skipped"
        self._db(state.item_failed, item.url, reason, None, final)
        self.stats.skipped += 1
        note = f"gave up after {attempts} attempts" if result.retryable else "skipped"
        log.warning("source %s: %s: %s (%s)", item.source, item.url, reason, note)

    def _commit(self, batch: list[state.Fetched]) -> None:
        result = state.add_batch(self.port, batch)
        self.stats.stored += len(result.report.added)
        self.stats.unchanged += len(result.report.unchanged)
        if self.on_events is not None and (result.report.story_of or result.merged):
            from samestory.events import events_for

            found = self._db(events_for, result.report, result.merged, self.options.with_diff)
            self.on_events(found)


def _poll_level(found: int) -> int:
    """The log level of a poll's line: INFO when it found something new or changed,
    DEBUG when it found nothing (every poll of a quiet source, each interval)."""
    return logging.INFO if found else logging.DEBUG


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.0f}m"
    return f"{seconds / 3600:.1f}h"
