"""Benchmark ``samestory follow`` against a local news server, with ``samestory add`` as peer.

A server on 127.0.0.1 (``tests/follow/newsserver.py``) serves ``--feeds`` RSS feeds and
``--pages`` article pages whose texts are the benchmark corpus (``benchmarks/corpus.py``:
the ECB+ and MEANTIME dev articles and realistic variants of them). Pages are spread
over the feeds round robin.

1. **Backlog**: the feeds list ``--backlog`` of the pages. A real ``samestory follow``
   process (continuous mode, ``--interval``) is started on an empty store; the time until
   every listed item is stored gives items/s (model loading included, reported apart).
2. **Live**: the remaining pages are published while it runs, ``--rate`` items a second
   across the feeds; for each one the time from its appearance in its feed to its story
   being visible in the store (the article committed with its story) is recorded.
   Median and 90th percentile; the polling interval bounds it from below.
3. Peak RSS of the follower process over the run (sampled every 0.2 s, and its VmHWM).

Peer, same run: ``samestory add`` of the same articles from one JSON-lines file into an
empty store (a process of its own, same encoder), articles/s.

    python benchmarks/follow.py --feeds 50 --pages 5000            # the full size
    python benchmarks/follow.py --feeds 50 --pages 500 --encoder static   # quick
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "follow"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus import build_corpus  # noqa: E402
from newsserver import NewsServer, article_html, rss  # noqa: E402

CLI = "from samestory.cli import app; app()"


class RssSampler:
    """Peak resident set size of one process, sampled in a thread (VmHWM at the end)."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.peak_kb = 0
        self.samples: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        self._thread.start()

    def _read(self, key: str) -> int:
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(key):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def _run(self, interval: float) -> None:
        while not self._stop.wait(interval):
            rss = self._read("VmRSS:")
            if rss:
                self.samples.append(rss)
            self.peak_kb = max(self.peak_kb, rss, self._read("VmHWM:"))

    def stop(self) -> None:
        self.peak_kb = max(self.peak_kb, self._read("VmHWM:"))
        self._stop.set()
        self._thread.join()


def serve(articles, feeds: int) -> tuple[NewsServer, list[list[str]]]:
    server = NewsServer()
    by_feed: list[list[str]] = [[] for _ in range(feeds)]
    for k, article in enumerate(articles):
        title = article.title or article.text.split(". ")[0][:80]
        page = article_html(title, article.text, date=str(article.date or "2026-11-30"))
        server.set(f"/p/{k}", page)
        by_feed[k % feeds].append(f"/p/{k}")
    return server, by_feed


def publish(server: NewsServer, by_feed: list[list[str]], shown: list[int]) -> None:
    """Feed j lists its first shown[j] pages, newest first (as real feeds do)."""
    for j, paths in enumerate(by_feed):
        items = [{"title": p, "link": server.url(p)} for p in reversed(paths[: shown[j]])]
        server.set(
            f"/f/{j}.xml",
            rss(items, title=f"Feed {j}"),
            content_type="application/rss+xml",
            etag=f'"{shown[j]}"',
        )


def stored_urls(db: Path, after: int) -> tuple[list[tuple[int, str]], int]:
    """Items settled since ``after`` (an updated_at order would miss same-second rows, so
    the whole settled set is read: cheap at these sizes). An item is settled when it is
    stored with its story, or skipped / given up (with its reason)."""
    if not db.exists():
        return [], after
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            rows = conn.execute(
                "SELECT rowid, url FROM follow_items WHERE state NOT IN ('pending', 'failed') "
                "AND rowid > ? ORDER BY rowid",
                (0,),
            ).fetchall()
    except sqlite3.OperationalError:
        return [], after
    return rows, after


def item_states(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        return dict(conn.execute("SELECT state, count(*) FROM follow_items GROUP BY state"))


def skip_reasons(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
        rows = conn.execute(
            "SELECT substr(last_error, 1, 60), count(*) FROM follow_items "
            "WHERE state != 'stored' GROUP BY 1"
        )
        return dict(rows)


def run_follow(args: argparse.Namespace, articles, workdir: Path) -> dict:
    server, by_feed = serve(articles, args.feeds)
    backlog = int(len(articles) * args.backlog)
    shown = [sum(1 for k in range(backlog) if k % args.feeds == j) for j in range(args.feeds)]
    publish(server, by_feed, shown)
    db = workdir / "follow.db"
    command = [
        sys.executable, "-c", CLI, "follow",
        *(server.url(f"/f/{j}.xml") for j in range(args.feeds)),
        "--db", str(db), "--encoder", args.encoder, "--interval", f"{args.interval}s",
        "--delay", "0", "--per-host", str(args.workers), "--workers", str(args.workers),
        "--batch", "32", "--no-diff", "--quiet",
        "--events", str(workdir / "events.jsonl"),
    ]  # fmt: skip
    seen: dict[str, float] = {}
    after = 0
    start = time.perf_counter()
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    memory = RssSampler(process.pid)
    first_store = None
    try:
        while len(seen) < backlog:
            rows, after = stored_urls(db, after)
            now = time.perf_counter()
            fresh = [url for _, url in rows if url not in seen]
            for url in fresh:
                seen[url] = now
            rows = fresh
            if rows and first_store is None:
                first_store = now
            if rows:
                print(
                    f"  backlog: {len(seen)}/{backlog} stored at {now - start:.1f} s",
                    file=sys.stderr,
                )
            if process.poll() is not None:
                raise RuntimeError(f"follow exited: {process.stderr.read()[-2000:]}")
            time.sleep(0.1)
        backlog_s = time.perf_counter() - start
        # Live phase: publish the rest at --rate items/s, round robin over the feeds.
        appeared: dict[str, float] = {}
        pending = list(range(backlog, len(articles)))
        next_at = time.perf_counter()
        while pending or len(seen) < len(articles):
            now = time.perf_counter()
            if pending and now >= next_at:
                k = pending.pop(0)
                shown[k % args.feeds] += 1
                publish(server, by_feed, shown)
                appeared[server.url(f"/p/{k}")] = time.perf_counter()
                next_at = now + 1.0 / args.rate
            rows, after = stored_urls(db, after)
            rows = [(k, url) for k, url in rows if url not in seen]
            for _, url in rows:
                seen[url] = time.perf_counter()
            if rows:
                print(
                    f"  live: {len(seen)}/{len(articles)} stored at {now - start:.1f} s",
                    file=sys.stderr,
                )
            if process.poll() is not None:
                raise RuntimeError(f"follow exited: {process.stderr.read()[-2000:]}")
            if now - start > args.limit:
                raise RuntimeError("time limit reached")
            time.sleep(0.02)
        states, reasons = item_states(db), skip_reasons(db)
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        memory.stop()
        server.close()
    latencies = sorted(seen[u] - t for u, t in appeared.items())
    samples = memory.samples
    return {
        "backlog_items": backlog,
        "backlog_s": backlog_s,
        "first_store_s": (first_store - start) if first_store else None,
        "items_per_s": backlog / backlog_s,
        "items_per_s_after_first": (backlog - 1) / (backlog_s - (first_store - start))
        if first_store
        else None,
        "live_items": len(latencies),
        "latency_median_s": statistics.median(latencies) if latencies else None,
        "latency_p90_s": latencies[int(0.9 * (len(latencies) - 1))] if latencies else None,
        "peak_rss_mb": memory.peak_kb / 1024,
        "rss_mid_mb": samples[len(samples) // 2] / 1024 if samples else None,
        "rss_end_mb": samples[-1] / 1024 if samples else None,
        "exit_code": process.returncode,
        "item_states": states,
        "not_stored_reasons": reasons,
    }


def run_add(args: argparse.Namespace, articles, workdir: Path) -> dict:
    """The peer: ``samestory add`` of the same articles from one JSON-lines file."""
    path = workdir / "articles.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for article in articles:
            out.write(json.dumps(article.to_dict(), ensure_ascii=False) + "\n")
    command = [
        sys.executable, "-c", CLI, "add", str(path), "--db", str(workdir / "add.db"),
        "--encoder", args.encoder, "--quiet",
    ]  # fmt: skip
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    memory = RssSampler(process.pid)
    code = process.wait()
    wall = time.perf_counter() - start
    memory.stop()
    return {
        "wall_s": wall,
        "items_per_s": len(articles) / wall,
        "peak_rss_mb": memory.peak_kb / 1024,
        "exit_code": code,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--backlog", type=float, default=0.9, help="share listed at start")
    parser.add_argument("--rate", type=float, default=2.0, help="live items per second")
    parser.add_argument("--interval", type=float, default=2.0, help="follow --interval (s)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--encoder", choices=("use", "static"), default="use")
    parser.add_argument("--limit", type=float, default=3600.0, help="seconds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    articles, _ = build_corpus(args.pages, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        follow = run_follow(args, articles, workdir)
        peer = run_add(args, articles, workdir)
    print(
        f"follow: {args.pages} pages in {args.feeds} feeds, encoder {args.encoder}, "
        f"interval {args.interval:g}s, {os.cpu_count()} CPUs"
    )
    print(json.dumps({"follow": follow, "peer_add": peer}, indent=2))
    print(
        f"backlog {follow['backlog_items']} items in {follow['backlog_s']:.1f} s = "
        f"{follow['items_per_s']:.1f} items/s (first stored after "
        f"{follow['first_store_s'] or 0:.1f} s: start-up and model load); "
        f"peer `samestory add` {peer['items_per_s']:.1f} articles/s "
        f"(ratio {follow['items_per_s'] / peer['items_per_s']:.2f})"
    )
    if follow["latency_median_s"] is not None:
        print(
            f"feed-to-story latency over {follow['live_items']} live items: median "
            f"{follow['latency_median_s']:.1f} s, p90 {follow['latency_p90_s']:.1f} s "
            f"(poll interval {args.interval:g} s)"
        )
    print(
        f"peak RSS: follow {follow['peak_rss_mb']:.0f} MB (mid-run {follow['rss_mid_mb']:.0f}, "
        f"end {follow['rss_end_mb']:.0f}), peer add {peer['peak_rss_mb']:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
