"""The one writer of a store inside a process: a thread that owns the write connection.

SQLite allows one writer at a time. Web handlers run on many threads; if each opened the
store and called :meth:`Store.add`, concurrent requests would fail with "database is
locked" and each would rebuild the candidate index. Instead every write is a job on a
bounded queue, run in arrival order by one thread that keeps the :class:`Store` (and so
its candidate index and encoder) open and warm.

Use it from anything that writes inside the server (the web handlers; ``serve --follow``
runs its follower through it)::

    writer = StoreWriter("news.db", config)
    report = writer.submit(articles)          # blocks until this batch is stored
    future = writer.submit_async(articles)    # or a concurrent.futures.Future
    writer.close()                            # drains the queue, saves the index

Errors: :class:`WriterBusy` when ``max_pending`` batches are queued already (the server
answers 503), :class:`StoreLocked` when another process (``samestory add``) held the
store's lock for longer than ``lock_wait`` seconds, :class:`WriterClosed` after
:meth:`close`. Anything :meth:`Store.add` raises is raised by :meth:`submit` as well.

Another process may write the same file meanwhile (``samestory add``): the store waits
for its lock (``lock_wait`` seconds, SQLite's busy timeout) and, seeing that another
connection wrote (``PRAGMA data_version``), reloads its candidate index so the new
articles are compared with those too.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from samestory.config import Config
from samestory.embed import SentenceEncoder
from samestory.models import Article
from samestory.store import AddReport, Store, StoreBusy
from samestory.store.core import Within

T = TypeVar("T")


class WriterBusy(Exception):
    """The write queue is full; try again later."""


class WriterClosed(Exception):
    """The writer was closed; nothing more is accepted."""


class StoreLocked(Exception):
    """Another process held the store's write lock for too long."""


class _Job:
    __slots__ = ("articles", "fn", "future", "within")

    def __init__(self, articles: Sequence[Article], within: Within | None, fn: Any = None) -> None:
        self.articles = list(articles)
        self.within = within
        self.fn = fn  # a call job: fn(store) on the writer thread instead of an add
        self.future: Future[Any] = Future()


class StoreWriter:
    """Serialises every write to one store through a single thread.

    ``max_pending`` bounds the queue (batches, not articles); ``lock_wait`` is how long a
    batch waits for another process's write lock before failing with
    :class:`StoreLocked`. ``on_commit`` is called (on the writer thread) after each batch
    is stored, with its report.
    """

    def __init__(
        self,
        db_path: str | Path,
        config: Config | None = None,
        encoder: SentenceEncoder | None = None,
        max_pending: int = 64,
        lock_wait: float = 30.0,
        on_commit: Callable[[AddReport], None] | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.lock_wait = lock_wait
        self._on_commit = on_commit
        self._queue: queue.Queue[_Job | None] = queue.Queue(maxsize=max_pending)
        self._closed = False
        self._commits = 0
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._store: Store | None = None
        self._thread = threading.Thread(
            target=self._run, args=(config, encoder), name="samestory-writer", daemon=True
        )
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            raise self._startup_error

    # -- public

    @property
    def config(self) -> Config:
        """The store's config (as stored when the store was created)."""
        assert self._store is not None
        return self._store.config

    @property
    def pending(self) -> int:
        """Batches waiting in the queue (not counting the one being written)."""
        return self._queue.qsize()

    @property
    def commits(self) -> int:
        """Batches written by this writer since it started."""
        return self._commits

    def submit_async(
        self, articles: Sequence[Article], within: Within | None = None
    ) -> Future[AddReport]:
        """Queue ``articles`` as one batch; the future holds its :class:`AddReport`.

        ``within(conn)`` runs inside the add's transaction (see :meth:`Store.add`): rows
        it writes commit with the articles or roll back with them.

        Raises :class:`WriterBusy` at once when the queue is full.
        """
        if self._closed:
            raise WriterClosed("the store writer is closed")
        job = _Job(articles, within)
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            raise WriterBusy(
                f"{self._queue.maxsize} batches are waiting to be written; retry shortly"
            ) from None
        return job.future

    def submit(
        self,
        articles: Sequence[Article],
        within: Within | None = None,
        timeout: float | None = None,
    ) -> AddReport:
        """Queue ``articles`` and wait until they are stored; returns the add report."""
        return self.submit_async(articles, within).result(timeout)

    def call(self, fn: Callable[[Store], T], timeout: float | None = None) -> T:
        """Run ``fn(store)`` on the writer thread, in turn with the batches, and return
        its result (``serve --follow`` reads and writes its follow state this way, so
        one writer serves both). Waits for room in the queue rather than raising
        :class:`WriterBusy`."""
        if self._closed:
            raise WriterClosed("the store writer is closed")
        job = _Job([], None, fn)
        self._queue.put(job, timeout=timeout)
        result: T = job.future.result(timeout)
        return result

    def close(self) -> None:
        """Write what is queued, then close the store (saving its candidate graph)."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the writer thread

    def _run(self, config: Config | None, encoder: SentenceEncoder | None) -> None:
        try:
            self._store = Store(
                self.db_path, config=config, encoder=encoder, busy_timeout=self.lock_wait
            )
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            while (job := self._queue.get()) is not None:
                if not job.future.set_running_or_notify_cancel():
                    continue
                if job.fn is not None:
                    self._call(job)
                else:
                    self._write(job)
        finally:
            self._store.close()

    def _call(self, job: _Job) -> None:
        try:
            job.future.set_result(job.fn(self._store))
        except BaseException as exc:
            job.future.set_exception(exc)

    def _write(self, job: _Job) -> None:
        assert self._store is not None
        try:
            # The store waits up to ``lock_wait`` for another process's lock
            # (busy_timeout), and reloads its candidate index if another process wrote.
            report = self._store.add(job.articles, within=job.within)
        except StoreBusy as exc:
            job.future.set_exception(
                StoreLocked(f"{self.db_path} is locked by another writer; retry later ({exc})")
            )
            return
        except BaseException as exc:
            job.future.set_exception(exc)
            return
        self._commits += 1
        job.future.set_result(report)
        if self._on_commit is not None:
            self._on_commit(report)
