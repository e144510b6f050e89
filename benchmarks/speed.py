"""Speed, memory and accuracy of samestory and its peers on corpora of growing size.

``python benchmarks/speed.py [--sizes 1000,10000,100000] [--peers minhash,minilm]
[--encoders use,static] [--add] [--profile] [--json]``

Each (system, size) runs in a fresh child process (``speed.py --child ...``) so peak
RSS (``VmHWM`` of the child, which includes the corpus it builds) is per system.
samestory scores pairs in forked worker processes (``Config.workers``, one per CPU);
their memory is reported too, as the peak PSS of the child and its workers together
(sampled every 0.2 s; PSS counts pages the workers share with the parent once). The
corpus is :func:`corpus.build_corpus` (real ECB+/MEANTIME dev articles, then labelled
variants); ARI is against its gold stories. Systems:

- ``samestory``: the steps of :func:`samestory.api.analyze` with the default config,
  timed one by one (features, candidates, scoring, grouping, stories);
  ``samestory-static``: the same with ``Config(encoder="static")``;
- ``minhash``: :class:`baseline.MinHashBaseline` (copies only: datasketch MinHash-LSH +
  union-find);
- ``minilm``: :class:`baseline.MiniLMBaseline` (all-MiniLM-L6-v2 + average link), only
  at sizes it can do in 10 minutes at about 18 docs/s (``N / 18 < 600``). Like
  samestory's encoder, its model is loaded before the clock starts;
- ``--add``: :meth:`samestory.store.Store.add` of 1,000 new articles into a store that
  already holds N (``add`` with USE, ``add-static`` with the static encoder; the store
  is filled first, then reopened; the timed add includes loading the candidate index
  from the store).

``--profile`` runs cProfile over ``analyze`` on 1,000 articles and prints the top entries
by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import platform
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

MINILM_DOCS_PER_S = 18.0
TIME_LIMIT_S = 600.0
ADD_BATCH = 1000


def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            out.extend(int(c) for c in task.read_text().split())
        except OSError:
            continue
    return out


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeMemory:
    """Peak proportional set size (PSS) of this process plus its worker processes.

    Forked scoring workers share most pages with the parent; RSS would count those pages
    once per process, PSS divides each shared page among its sharers, so the sum is the
    memory the whole tree really holds. Sampled every ``interval`` seconds in a thread.
    """

    def __init__(self, interval: float = 0.2) -> None:
        import threading

        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(interval,), daemon=True)

    def __enter__(self) -> TreeMemory:
        if Path("/proc/self/smaps_rollup").exists():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self, interval: float) -> None:
        me = os.getpid()
        while not self._stop.wait(interval):
            children = sorted(_children(me))
            total = _pss_kb(me) + sum(_pss_kb(c) for c in children)
            # A worker forked (or retired) between the reads would count shared pages
            # twice: keep only samples taken while the set of workers stood still.
            if sorted(_children(me)) == children:
                self.peak_kb = max(self.peak_kb, total)

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024.0


def _ari(gold: list[str], ids: list[str], groups: list[list[str]]) -> float:
    from sklearn.metrics import adjusted_rand_score

    label = {a: g for g, group in enumerate(groups) for a in group}
    return float(adjusted_rand_score(gold, [label[i] for i in ids]))


# ------------------------------------------------------------------------ children


def encoder_of(system: str) -> str:
    """``samestory`` / ``add`` use USE; ``samestory-static`` / ``add-static`` the static one."""
    return "static" if system.endswith("-static") else "use"


def run_samestory(n: int, seed: int, encoder_name: str = "use") -> dict[str, Any]:
    """``api.analyze`` on a corpus of ``n`` articles, with its per-stage timings."""
    from corpus import build_corpus

    from samestory.api import analyze
    from samestory.config import DEFAULT_CONFIG
    from samestory.embed import encoder_for

    config = DEFAULT_CONFIG.replace(encoder=encoder_name)
    articles, gold = build_corpus(n, seed)
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    encoder = encoder_for(encoder_name)
    encoder.encode(["warm up"])  # model load (or the static table's first build), apart
    stages["model_load"] = time.perf_counter() - t0
    start = time.perf_counter()
    with TreeMemory() as memory:
        analysis = analyze(articles, config, encoder, timings=stages)
    wall = time.perf_counter() - start
    stories = analysis.stories
    pairs = analysis.relations
    ids = [a.id for a in articles]
    return {
        "wall_s": wall,
        "stages_s": stages,
        "pairs": len(pairs),
        "stories": len(stories),
        "tree_pss_mb": memory.peak_mb,
        "ari": _ari(gold, ids, [list(s.articles) for s in stories]),
    }


def run_peer(name: str, n: int, seed: int) -> dict[str, Any]:
    import baseline  # written alongside; may be missing or incomplete
    from corpus import build_corpus

    articles, gold = build_corpus(n, seed)
    system = baseline.MinHashBaseline() if name == "minhash" else baseline.MiniLMBaseline()
    if name == "minilm":
        # Load the model before the clock starts, as samestory's encoder is loaded
        # before its clock starts (run_samestory): both rates are then steady state.
        system.embed(["warm up"])
    start = time.perf_counter()
    groups = system.cluster(articles)
    wall = time.perf_counter() - start
    return {
        "wall_s": wall,
        "stories": len(groups),
        "ari": _ari(gold, [a.id for a in articles], groups),
    }


def run_add(n: int, seed: int, encoder_name: str = "use") -> dict[str, Any]:
    """Fill a store with N articles, reopen it, time adding 1,000 more."""
    from corpus import build_corpus

    from samestory.config import DEFAULT_CONFIG
    from samestory.store import Store

    articles, _ = build_corpus(n + ADD_BATCH, seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t = time.perf_counter()
        with Store(path, config=DEFAULT_CONFIG.replace(encoder=encoder_name)) as store:
            store.add(articles[:n])
        fill = time.perf_counter() - t
        t = time.perf_counter()
        with Store(path) as store:
            store.add(articles[n:])
            held = len(store)
        add = time.perf_counter() - t
    return {"wall_s": add, "fill_s": fill, "held_after": held}


def child_main(system: str, n: int, seed: int) -> int:
    if system.startswith("samestory"):
        out = run_samestory(n, seed, encoder_of(system))
    elif system.startswith("add"):
        out = run_add(n, seed, encoder_of(system))
    else:
        out = run_peer(system, n, seed)
    out["peak_rss_mb"] = peak_rss_mb()
    print("RESULT " + json.dumps(out))
    return 0


def run_child(system: str, n: int, seed: int, timeout: float) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; errors come back as ``error``."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        system,
        str(n),
        "--seed",
        str(seed),
    ]
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail}"}


# -------------------------------------------------------------------------- profile


def profile_analyze(n: int = 1000, seed: int = 0, top: int = 10) -> str:
    """cProfile of ``api.analyze`` on ``n`` articles: the top entries by cumulative time."""
    from corpus import build_corpus

    from samestory.api import analyze
    from samestory.embed import default_encoder

    articles, _ = build_corpus(n, seed)
    default_encoder().encode(["warm up"])
    profiler = cProfile.Profile()
    profiler.enable()
    analyze(articles)
    profiler.disable()
    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


# ----------------------------------------------------------------------------- main


def _fmt_row(system: str, n: int, r: dict[str, Any]) -> str:
    if "error" in r:
        return f"{system:<16} {n:>7}  {r['error']}"
    done = ADD_BATCH if system.startswith("add") else n
    docs_s = done / r["wall_s"] if r["wall_s"] > 0 else float("inf")
    ari = f"{r['ari']:.4f}" if "ari" in r else "-"
    line = (
        f"{system:<16} {n:>7} {docs_s:>9.1f} {r['peak_rss_mb']:>9.0f} {ari:>7} {r['wall_s']:>9.1f}"
    )
    if system.startswith("samestory"):
        line += f"  {1000 * r['wall_s'] / n:.1f} ms/article; " + ", ".join(
            f"{k} {v:.1f}s" for k, v in r["stages_s"].items()
        )
        line += f"; peak PSS with scoring workers {r['tree_pss_mb']:.0f} MB"
    if system.startswith("add"):
        line += f"  (store fill {r['fill_s']:.0f}s; {ADD_BATCH} articles added into {n})"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000", help="comma-separated corpus sizes")
    parser.add_argument(
        "--peers",
        default="minhash,minilm",
        help="comma-separated peers: minhash, minilm ('' for none)",
    )
    parser.add_argument(
        "--encoders",
        default="use,static",
        help="comma-separated samestory encoders to measure: use, static",
    )
    parser.add_argument("--add", action="store_true", help="also time Store.add of 1,000")
    parser.add_argument("--profile", action="store_true", help="cProfile analyze on 1,000")
    parser.add_argument("--no-samestory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        help="seconds per measurement before it is abandoned",
    )
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--child", nargs=2, metavar=("SYSTEM", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child[0], int(args.child[1]), args.seed)

    sizes = [int(s) for s in args.sizes.split(",") if s]
    peers = [p for p in args.peers.split(",") if p]
    encoders = [e for e in args.encoders.split(",") if e]
    meta = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    notes: list[str] = []
    try:
        import baseline  # noqa: F401
    except Exception as exc:  # another engineer's file: skip peers if it is unusable
        notes.append(f"peers skipped: benchmarks/baseline.py unavailable ({exc})")
        peers = []
    results: list[dict[str, Any]] = []
    log = (lambda msg: print(msg, file=sys.stderr)) if args.json else print
    log(f"date {meta['date']}  cores {meta['cores']}  python {meta['python']}")
    log(f"{'system':<16} {'N':>7} {'docs/s':>9} {'RSS MB':>9} {'ARI':>7} {'wall s':>9}")
    for n in sizes:
        ours = [f"samestory{'' if e == 'use' else '-' + e}" for e in encoders]
        systems = [] if args.no_samestory else list(ours)
        for peer in peers:
            if peer == "minilm" and n / MINILM_DOCS_PER_S >= TIME_LIMIT_S:
                msg = (
                    f"minilm skipped at N={n}: ~{n / MINILM_DOCS_PER_S:.0f} s at "
                    f"{MINILM_DOCS_PER_S:.0f} docs/s exceeds {TIME_LIMIT_S:.0f} s"
                )
                notes.append(msg)
                log(msg)
                continue
            systems.append(peer)
        if args.add:
            try:
                import samestory.store  # noqa: F401

                systems += [f"add{'' if e == 'use' else '-' + e}" for e in encoders]
            except Exception as exc:
                notes.append(f"add skipped: samestory.store unavailable ({exc})")
        for system in systems:
            r = run_child(system, n, args.seed, args.timeout)
            results.append({"system": system, "n": n, **r})
            log(_fmt_row(system, n, r))
    profile = None
    if args.profile:
        profile = profile_analyze(1000, args.seed)
        log(profile)
    for note in notes:
        log(f"note: {note}")
    if args.json:
        print(
            json.dumps(
                {"meta": meta, "results": results, "notes": notes, "profile": profile}, indent=2
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
