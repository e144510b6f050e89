"""Benchmark ``samestory serve``: many concurrent requests, and how soon a POST is visible.

1. Builds a store of ``--n`` synthetic articles (:mod:`benchmarks.corpus`, static encoder
   by default so it builds fast), or reuses ``--db`` if it holds articles already.
2. Starts the real server (``samestory serve``) on a free loopback port.
3. **Load**: ``--requests`` GET requests (story list pages, searches, story pages,
   articles, health) with at most ``--concurrency`` in flight, from one
   ``httpx.AsyncClient`` bounded by a semaphore. Reports how many were answered (and
   with which status), p50/p90/p99 latency and requests/s. **Peer in the same run**: the
   same mix one request at a time (latency without queueing), and the same number of
   ``/api/health`` requests at the same concurrency (what the HTTP stack and the client
   cost on this machine, with next to no work per request).
4. **POST to visible**: ``--probes`` new articles (variants of stored ones), each POSTed
   alone and then looked up with ``GET /api/stories/{story}`` until it is listed; timed
   idle and again while a load runs. **Peer in the same run**: ``samestory add`` of one
   such article from the command line on the same store while the server runs (a cold
   process: it loads the encoder and the candidate index), then ``samestory show``.

    python benchmarks/serve.py --n 10000 --requests 5000 --concurrency 1000
    python benchmarks/serve.py --n 2000 --requests 1000 --concurrency 200   # quick

Stops by itself; the server is stopped at the end. Prints one JSON object at the end too.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import build_corpus, make_variant  # noqa: E402
from samestory.config import DEFAULT_CONFIG  # noqa: E402
from samestory.store import Store  # noqa: E402

CLI = [sys.executable, "-c", "from samestory.cli import app; app()"]
RUN = time.strftime("%Y%m%dT%H%M%S")
SEARCH_WORDS = ("police", "earthquake", "president", "fire", "killed", "court", "storm")


def build_store(db: Path, n: int, encoder: str) -> float:
    """Fill ``db`` with ``n`` corpus articles unless it has some; returns seconds taken."""
    if db.exists():
        with Store(db) as store:
            if len(store):
                print(f"reusing {db}: {len(store)} articles")
                return 0.0
    articles, _ = build_corpus(n)
    start = time.perf_counter()
    with Store(db, config=DEFAULT_CONFIG.replace(encoder=encoder)) as store:
        store.add(articles)
    took = time.perf_counter() - start
    print(f"built {db}: {n} articles in {took:.1f} s ({encoder} encoder)")
    return took


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: Path, log: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    start = time.perf_counter()
    env = {**os.environ, "SAMESTORY_TOKEN": ""}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*CLI, "serve", "--db", str(db), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    base = f"http://127.0.0.1:{port}"
    while time.perf_counter() - start < 300:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()}")
        try:
            if httpx.get(f"{base}/api/health", timeout=5).status_code == 200:
                return process, base, time.perf_counter() - start
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("server did not start within 300 s")


def request_mix(base: str, count: int, seed: int = 1) -> list[str]:
    """URLs of a realistic read mix: lists, searches, stories, articles, health."""
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=60) as client:
        total = client.get("/api/stories", params={"limit": 1}).json()["total"]
        stories = [
            s["id"]
            for offset in range(0, min(total, 1000), 200)
            for s in client.get("/api/stories", params={"limit": 200, "offset": offset}).json()[
                "stories"
            ]
        ]
        articles = [
            v["id"]
            for sid in stories[:50]
            for v in client.get(f"/api/stories/{sid}").json()["versions"][:5]
        ]
    urls = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.25:
            urls.append(f"/api/stories?limit=20&offset={rng.randrange(0, max(1, total - 20))}")
        elif roll < 0.35:
            urls.append(f"/api/stories?q={rng.choice(SEARCH_WORDS)}&limit=20")
        elif roll < 0.65:
            urls.append(f"/api/stories/{rng.choice(stories)}")
        elif roll < 0.95:
            urls.append(f"/api/articles/{rng.choice(articles)}")
        else:
            urls.append("/api/health")
    return urls


# Connections per client: httpx's pool scans its connections on every request, so one
# client holding 1,000 connections spends most of the run in its own pool; a few
# clients of 50 keep the same number of requests in flight without that cost.
CONNECTIONS_PER_CLIENT = 50


async def run_load(base: str, urls: list[str], concurrency: int) -> dict[str, Any]:
    """Every URL once, at most ``concurrency`` in flight; latencies and statuses."""
    per_client = min(concurrency, CONNECTIONS_PER_CLIENT)
    limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
    clients = [
        httpx.AsyncClient(base_url=base, limits=limits, timeout=300)
        for _ in range(-(-concurrency // per_client))
    ]
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    peak = 0
    in_flight = 0

    async def one(k: int, url: str) -> None:
        nonlocal peak, in_flight
        async with gate:
            in_flight += 1
            peak = max(peak, in_flight)
            start = time.perf_counter()
            try:
                response = await clients[k % len(clients)].get(url)
                statuses[str(response.status_code)] += 1
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1
            finally:
                latencies.append(time.perf_counter() - start)
                in_flight -= 1

    start = time.perf_counter()
    try:
        await asyncio.gather(*(one(k, u) for k, u in enumerate(urls)))
    finally:
        wall = time.perf_counter() - start
        for client in clients:
            await client.aclose()
    return summarise(latencies, statuses, wall, peak)


def summarise(
    latencies: list[float], statuses: Counter[str], wall: float, peak: int
) -> dict[str, Any]:
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

    return {
        "requests": len(latencies),
        "answered_2xx": sum(v for k, v in statuses.items() if k.startswith("2")),
        "statuses": dict(statuses),
        "peak_in_flight": peak,
        "wall_s": round(wall, 2),
        "requests_per_s": round(len(latencies) / wall, 1),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def sequential(base: str, urls: list[str]) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    with httpx.Client(base_url=base, timeout=60) as client:
        start = time.perf_counter()
        for url in urls:
            t = time.perf_counter()
            statuses[str(client.get(url).status_code)] += 1
            latencies.append(time.perf_counter() - t)
        wall = time.perf_counter() - start
    return summarise(latencies, statuses, wall, 1)


def probe_articles(count: int, seed: int) -> list[dict[str, Any]]:
    """New articles (variants of corpus originals with fresh ids) as API records."""
    originals, _ = build_corpus(200)
    rng = random.Random(seed)
    records = []
    for k in range(count):
        variant = make_variant(rng.choice(originals), 3, 10_000_000 + seed * 1000 + k, rng)
        variant = dataclasses.replace(variant, text=f"{variant.text}\n\nUpdated {RUN}.")
        record = variant.to_dict()
        record.pop("origin")
        record["id"] = f"probe-{RUN}-{seed}-{k}"  # new on every run, even on a reused store
        records.append(record)
    return records


def post_to_visible(base: str, records: list[dict[str, Any]]) -> list[dict[str, float]]:
    """For each record: POST time, and time from POST start until GET lists it."""
    out = []
    with httpx.Client(base_url=base, timeout=300) as client:
        for record in records:
            start = time.perf_counter()
            response = client.post("/api/articles", json=record)
            posted = time.perf_counter() - start
            response.raise_for_status()
            story = response.json()["articles"][0]["story"]
            while True:
                versions = client.get(f"/api/stories/{story}").json()["versions"]
                if any(v["id"] == record["id"] for v in versions):
                    break
                time.sleep(0.01)
            out.append({"post_s": posted, "visible_s": time.perf_counter() - start})
    return out


def median_ms(rows: list[dict[str, float]], key: str) -> float:
    return round(statistics.median(r[key] for r in rows) * 1000, 1)


def cli_peer(db: Path, record: dict[str, Any]) -> dict[str, Any]:
    """``samestory add`` of one article on the same store while the server runs, then
    ``samestory show`` of its story: the cold command-line path."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, f"{record['id']}.jsonl")
        path.write_text(json.dumps(record) + "\n", encoding="utf-8")
        start = time.perf_counter()
        added = subprocess.run(
            [*CLI, "add", str(path), "--db", str(db), "--json", "--quiet"],
            capture_output=True,
            text=True,
            check=False,
        )
        add_s = time.perf_counter() - start
        if added.returncode != 0:
            return {"ok": False, "error": added.stderr.strip()[-300:]}
        story = json.loads(added.stdout)["stories"][record["id"]]
        shown = subprocess.run(
            [*CLI, "show", story, "--db", str(db), "--json"],
            capture_output=True,
            text=True,
            check=False,
        )
    return {
        "ok": shown.returncode == 0 and record["id"] in shown.stdout,
        "add_s": round(add_s, 2),
        "add_and_show_s": round(time.perf_counter() - start, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="articles in the store")
    parser.add_argument("--requests", type=int, default=5_000)
    parser.add_argument("--concurrency", type=int, default=1_000)
    parser.add_argument("--sequential", type=int, default=300, help="requests of the peer")
    parser.add_argument("--probes", type=int, default=5)
    parser.add_argument("--encoder", default="static", choices=("static", "use"))
    parser.add_argument("--db", type=Path, help="store to build or reuse (default: temporary)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="samestory-serve-bench-") as folder:
        db = args.db or Path(folder, "bench.db")
        build_s = build_store(db, args.n, args.encoder)
        process, base, startup_s = start_server(db, Path(folder, "server.log"))
        print(f"server up in {startup_s:.1f} s at {base}")
        try:
            urls = request_mix(base, args.requests)
            peer = sequential(base, urls[: args.sequential])
            print(f"peer, one at a time: {json.dumps(peer)}")
            load = asyncio.run(run_load(base, urls, args.concurrency))
            print(f"load, {args.concurrency} in flight: {json.dumps(load)}")
            health = asyncio.run(run_load(base, ["/api/health"] * len(urls), args.concurrency))
            print(f"peer, /api/health only, {args.concurrency} in flight: {json.dumps(health)}")
            idle = post_to_visible(base, probe_articles(args.probes, 1))
            print(
                f"POST -> visible, idle: median post {median_ms(idle, 'post_s')} ms, "
                f"visible {median_ms(idle, 'visible_s')} ms"
            )

            async def under_load() -> tuple[dict[str, Any], list[dict[str, float]]]:
                task = asyncio.create_task(run_load(base, urls, args.concurrency))
                probes = await asyncio.to_thread(
                    post_to_visible, base, probe_articles(args.probes, 2)
                )
                return await task, probes

            load2, busy = asyncio.run(under_load())
            print(
                f"POST -> visible, under load: median post {median_ms(busy, 'post_s')} ms, "
                f"visible {median_ms(busy, 'visible_s')} ms (load meanwhile: "
                f"{load2['requests_per_s']} req/s, p99 {load2['p99_ms']} ms, "
                f"{load2['answered_2xx']}/{load2['requests']} answered 2xx: {load2['statuses']})"
            )
            cli = cli_peer(db, probe_articles(1, 3)[0])
            print(f"peer, `samestory add` + `show` of one article while serving: {cli}")
        finally:
            process.terminate()
            process.wait(timeout=60)
        result = {
            "n": args.n,
            "encoder": args.encoder,
            "build_s": round(build_s, 1),
            "startup_s": round(startup_s, 1),
            "sequential_peer": peer,
            "load": load,
            "health_only_peer": health,
            "post_to_visible_idle_ms": {
                "post": median_ms(idle, "post_s"),
                "visible": median_ms(idle, "visible_s"),
            },
            "load_during_posts": load2,
            "post_to_visible_under_load_ms": {
                "post": median_ms(busy, "post_s"),
                "visible": median_ms(busy, "visible_s"),
            },
            "cli_peer": cli,
        }
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
