"""``serve --follow``: the follower running inside the server, through its one writer.

The :class:`~samestory.follow.Follower` runs on a thread of its own (fetching on its
worker threads) and reaches the store only through the server's
:class:`~samestory.server.writer.StoreWriter` (``CallPort(writer.call)``): its reads,
its state writes and its adds are jobs of the same queue as the web handlers' writes,
so there is one writer for both. Its events are kept in a bounded ring
(:data:`EVENT_RING`) that ``GET /api/follow/events?after=N`` serves.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Sequence
from typing import Any

from samestory.server.writer import StoreWriter

EVENT_RING = 1000
log = logging.getLogger("samestory.follow")


class FollowThread:
    """Start with :meth:`start`, stop with :meth:`stop` (finishes the work in hand)."""

    def __init__(self, writer: StoreWriter, sources: Sequence[str], options: Any) -> None:
        from samestory.follow import Follower
        from samestory.follow.state import CallPort

        self.writer = writer
        self._events: collections.deque[dict[str, Any]] = collections.deque(maxlen=EVENT_RING)
        self._seq = 0
        self._lock = threading.Lock()
        self.follower = Follower(
            None, sources, options, on_events=self._keep, port=CallPort(writer.call)
        )
        self._thread = threading.Thread(target=self._run, name="samestory-follow", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self.follower.stop()
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            stats = self.follower.run()
            log.info("follow: %s", stats.line())
        except Exception:  # the server keeps serving; the reason is logged
            log.exception("the follower stopped")

    def _keep(self, events: list[dict[str, Any]]) -> None:
        with self._lock:
            for event in events:
                self._seq += 1
                self._events.append({"seq": self._seq, **event})

    def events_after(self, seq: int, limit: int = 200) -> dict[str, Any]:
        """Events with a sequence number above ``seq`` (oldest first), and the last one."""
        with self._lock:
            found = [e for e in self._events if e["seq"] > seq][:limit]
            return {"events": found, "last": self._seq}

    def sources(self) -> list[dict[str, Any]]:
        from samestory.follow import state

        return [row.to_dict() for row in self.writer.call(state.sources)]
