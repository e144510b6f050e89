"""Speed, memory and accuracy of samestory and its peers on corpora of growing size.

``python benchmarks/speed.py [--sizes real,1000,10000,100000] [--peers minhash,minilm]
[--encoders default,use,static] [--add] [--profile] [--json]``

``real`` is the real-article corpus (:func:`corpus.real_corpus`: the ECB+, MEANTIME and
GVA dev articles, concatenated, about 2,300, mostly distinct: what a feed brings, where
few sentences repeat); the numbers are synthetic corpora of that size (below). After
the table the targets of issue 14 are printed with the figures that meet them or not.

Each (system, size) runs in a fresh child process (``speed.py --child ...``) so peak
RSS (``VmHWM`` of the child, which includes the corpus it builds) is per system.
samestory scores pairs in forked worker processes (``Config.workers``, one per CPU);
their memory is reported too, as the peak PSS of the child and its workers together
(sampled every 0.2 s; PSS counts pages the workers share with the parent once). The
synthetic corpus is :func:`corpus.build_corpus` (real ECB+/MEANTIME dev articles, then
labelled variants); ARI is against its gold stories. ``wall s`` is the steady-state time
of the run (models loaded before the clock starts); ``process s`` is the whole child
process, interpreter start, imports and model load included; ``CPU s`` is the user +
system CPU of the timed part, the child's and its reaped workers' (on a shared box wall
times stretch with the load, CPU times much less: compare both). Systems:

- ``samestory``: the steps of :func:`samestory.api.analyze` with the default config
  (since 2026-12-03 the static encoder: ``Config.encoder``; before, USE), timed one by
  one (features, candidates, scoring, grouping, stories);
  ``samestory-use`` / ``samestory-static``: the same with that ``Config.encoder``;
- ``minhash``: :class:`baseline.MinHashBaseline` (copies only: datasketch MinHash-LSH +
  union-find);
- ``minilm``: :class:`baseline.MiniLMBaseline` (all-MiniLM-L6-v2 + average link), only
  at sizes it can do in 10 minutes at about 18 docs/s (``N / 18 < 600``). Like
  samestory's encoder, its model is loaded before the clock starts;
- ``--add``: :meth:`samestory.store.Store.add` of 1,000 new articles into a store that
  already holds N (``add`` with the default encoder, ``add-use`` / ``add-static`` with
  that one; the store
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
from collections.abc import Callable
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


def cpu_s() -> float:
    """CPU seconds (user + system) of this process and of its reaped children (the
    forked scoring workers) so far: on a shared box the figure that does not stretch."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


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


# TreeMemory waits at least this many times as long as its last sample took: at most
# ~2% of a core goes to sampling (at 10x, ~10% of one of the two cores for a whole 100k
# run, 2026-12-04: ~9 s of its wall on a quiet box), and a sample every ~1-2 s at 100k
# still finds the stages' memory peaks, which last tens of seconds there.
SAMPLE_COST_RATIO = 50.0


class TreeMemory:
    """Peak proportional set size (PSS) of this process plus its worker processes.

    Forked scoring workers share most pages with the parent; RSS would count those pages
    once per process, PSS divides each shared page among its sharers, so the sum is the
    memory the whole tree really holds. Sampled in a thread every ``interval`` seconds, or
    every ``SAMPLE_COST_RATIO`` times as long as the last sample took if that is longer:
    reading ``smaps_rollup`` walks a process's page tables (~25 ms of kernel CPU for 1.5
    GB, 2026-12-03), so every 0.2 s over three 2 GB processes took ~30% of a core of
    the 2 that the timed run has (its CPU figure counts it, its wall time waits on it).
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
        wait = interval
        while not self._stop.wait(wait):
            start = time.perf_counter()
            children = sorted(_children(me))
            total = _pss_kb(me) + sum(_pss_kb(c) for c in children)
            # A worker forked (or retired) between the reads would count shared pages
            # twice: keep only samples taken while the set of workers stood still.
            if sorted(_children(me)) == children:
                self.peak_kb = max(self.peak_kb, total)
            wait = max(interval, SAMPLE_COST_RATIO * (time.perf_counter() - start))

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024.0


def _ari(gold: list[str], ids: list[str], groups: list[list[str]]) -> float:
    from sklearn.metrics import adjusted_rand_score

    label = {a: g for g, group in enumerate(groups) for a in group}
    return float(adjusted_rand_score(gold, [label[i] for i in ids]))


# ------------------------------------------------------------------------ children


def default_encoder() -> str:
    """The default config's encoder (corpus work): what ``samestory`` and ``add`` run."""
    from samestory.config import DEFAULT_CONFIG

    return DEFAULT_CONFIG.encoder


def encoder_of(system: str) -> str:
    """``samestory`` / ``add``: the default encoder; ``samestory-X`` / ``add-X``: encoder X."""
    _, dash, name = system.partition("-")
    return name if dash else default_encoder()


def load_corpus(spec: str, seed: int) -> tuple[list[Any], list[str]]:
    """``"real"``: :func:`corpus.real_corpus`; a number: a synthetic corpus of that size."""
    from corpus import build_corpus, real_corpus

    return real_corpus() if spec == "real" else build_corpus(int(spec), seed)


def run_samestory(spec: str, seed: int, encoder_name: str) -> dict[str, Any]:
    """``api.analyze`` on the corpus ``spec``, with its per-stage timings."""
    from samestory.api import analyze
    from samestory.config import DEFAULT_CONFIG
    from samestory.embed import encoder_for

    config = DEFAULT_CONFIG.replace(encoder=encoder_name)
    articles, gold = load_corpus(spec, seed)
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    encoder = encoder_for(encoder_name)
    encoder.encode(["warm up"])  # model load (or the static table's first build), apart
    stages["model_load"] = time.perf_counter() - t0
    start, cpu = time.perf_counter(), cpu_s()
    with TreeMemory() as memory:
        analysis = analyze(articles, config, encoder, timings=stages)
    wall, cpu = time.perf_counter() - start, cpu_s() - cpu
    stories = analysis.stories
    pairs = analysis.relations
    ids = [a.id for a in articles]
    return {
        "n": len(articles),
        "wall_s": wall,
        "cpu_s": cpu,
        "stages_s": stages,
        "pairs": len(pairs),
        "stories": len(stories),
        "tree_pss_mb": memory.peak_mb,
        "ari": _ari(gold, ids, [list(s.articles) for s in stories]),
    }


def run_peer(name: str, spec: str, seed: int) -> dict[str, Any]:
    import baseline  # written alongside; may be missing or incomplete

    articles, gold = load_corpus(spec, seed)
    system = baseline.MinHashBaseline() if name == "minhash" else baseline.MiniLMBaseline()
    if name == "minilm":
        # Load the model before the clock starts, as samestory's encoder is loaded
        # before its clock starts (run_samestory): both rates are then steady state.
        system.embed(["warm up"])
    start, cpu = time.perf_counter(), cpu_s()
    groups = system.cluster(articles)
    wall, cpu = time.perf_counter() - start, cpu_s() - cpu
    return {
        "n": len(articles),
        "wall_s": wall,
        "cpu_s": cpu,
        "stories": len(groups),
        "ari": _ari(gold, [a.id for a in articles], groups),
    }


def run_add(spec: str, seed: int, encoder_name: str) -> dict[str, Any]:
    """Fill a store with N articles, reopen it, time adding 1,000 more."""
    from corpus import build_corpus

    from samestory.config import DEFAULT_CONFIG

    n = int(spec)
    from samestory.store import Store

    articles, _ = build_corpus(n + ADD_BATCH, seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t = time.perf_counter()
        with Store(path, config=DEFAULT_CONFIG.replace(encoder=encoder_name)) as store:
            store.add(articles[:n])
        fill = time.perf_counter() - t
        t, cpu = time.perf_counter(), cpu_s()
        with Store(path) as store:
            store.add(articles[n:])
            held = len(store)
        add, cpu = time.perf_counter() - t, cpu_s() - cpu
    return {"n": n, "wall_s": add, "cpu_s": cpu, "fill_s": fill, "held_after": held}


def child_main(system: str, spec: str, seed: int) -> int:
    if system.startswith("samestory"):
        out = run_samestory(spec, seed, encoder_of(system))
    elif system.startswith("add"):
        out = run_add(spec, seed, encoder_of(system))
    else:
        out = run_peer(system, spec, seed)
    out["peak_rss_mb"] = peak_rss_mb()
    print("RESULT " + json.dumps(out))
    return 0


def run_child(system: str, spec: str, seed: int, timeout: float) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; errors come back as ``error``."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        system,
        spec,
        "--seed",
        str(seed),
    ]
    start = time.perf_counter()
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
    process_s = time.perf_counter() - start
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return {**json.loads(line[len("RESULT ") :]), "process_s": process_s}
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"exit {proc.returncode}: {tail}"}


# -------------------------------------------------------------------------- profile


def profile_analyze(spec: str = "real", seed: int = 0, top: int = 25) -> str:
    """cProfile of ``api.analyze`` (default config) on the corpus ``spec``: the top
    entries by internal time, then by cumulative time."""
    from samestory.api import analyze
    from samestory.config import DEFAULT_CONFIG
    from samestory.embed import encoder_for

    articles, _ = load_corpus(spec, seed)
    # One process, so the profile sees all the work (workers would hide it).
    config = DEFAULT_CONFIG.replace(workers=1)
    encoder_for(config.encoder).encode(["warm up"])
    return profile_report(lambda: analyze(articles, config), top)


def profile_report(call: Callable[[], object], top: int) -> str:
    """cProfile of ``call()``: the ``top`` functions by own time, then by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


# ----------------------------------------------------------------------------- main

# Issue 14's targets.
TARGET_SPEEDUP = 10.0  # default docs/s over MiniLM's on the real corpus
TARGET_100K_S = 180.0
TARGET_100K_MB = 4096.0


def _docs_s(system: str, r: dict[str, Any]) -> float:
    done = ADD_BATCH if system.startswith("add") else r["n"]
    return done / r["wall_s"] if r["wall_s"] > 0 else float("inf")


def _fmt_row(system: str, spec: str, r: dict[str, Any]) -> str:
    if "error" in r:
        return f"{system:<18} {spec:>7}  {r['error']}"
    ari = f"{r['ari']:.4f}" if "ari" in r else "-"
    line = (
        f"{system:<18} {r['n']:>7} {_docs_s(system, r):>9.1f} {r['peak_rss_mb']:>9.0f} "
        f"{ari:>7} {r['wall_s']:>9.1f} {r['process_s']:>10.1f} {r['cpu_s']:>9.1f}"
    )
    if system.startswith("samestory"):
        line += f"  {1000 * r['wall_s'] / r['n']:.1f} ms/article; " + ", ".join(
            f"{k} {v:.1f}s" for k, v in r["stages_s"].items()
        )
        line += f"; peak PSS with scoring workers {r['tree_pss_mb']:.0f} MB"
    if system.startswith("add"):
        line += f"  (store fill {r['fill_s']:.0f}s; {ADD_BATCH} articles added into {r['n']})"
    return line


def targets(results: list[dict[str, Any]]) -> list[str]:
    """Issue 14's targets, each with the measured figures and met / NOT met."""
    ok = {r["system"] + "@" + r["spec"]: r for r in results if "error" not in r}
    lines: list[str] = []
    default, minilm = ok.get("samestory@real"), ok.get("minilm@real")
    if default and minilm:
        ratio = _docs_s("samestory", default) / _docs_s("minilm", minilm)
        cpu_ratio = minilm["cpu_s"] / default["cpu_s"]
        lines.append(
            f"real corpus: default ({default_encoder()}) {ratio:.1f}x MiniLM's docs/s (target >= "
            f"{TARGET_SPEEDUP:.0f}x): {'met' if ratio >= TARGET_SPEEDUP else 'NOT met'}; "
            f"{cpu_ratio:.1f}x less CPU"
        )
    encoders = {k: r for k, r in ok.items() if k.startswith("samestory-") and k.endswith("@real")}
    if default and encoders:
        best_key = max(encoders, key=lambda k: encoders[k]["ari"])
        best = encoders[best_key]["ari"]
        lines.append(
            f"real corpus: default ({default_encoder()}) ARI {default['ari']:.4f}, best encoder "
            f"{best_key.split('@')[0]} {best:.4f} (target default >= best): "
            f"{'met' if default['ari'] >= best - 1e-9 else 'NOT met'}"
        )
    big = ok.get("samestory@100000")
    if big:
        memory = max(big["peak_rss_mb"], big["tree_pss_mb"])
        met = big["wall_s"] <= TARGET_100K_S and memory <= TARGET_100K_MB
        lines.append(
            f"100k synthetic: {big['wall_s']:.0f} s, {memory:.0f} MB (target <= "
            f"{TARGET_100K_S:.0f} s and <= {TARGET_100K_MB:.0f} MB): "
            f"{'met' if met else 'NOT met'}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="real,1000",
        help="comma-separated corpora: 'real' (the dev sets' real articles) or a size",
    )
    parser.add_argument(
        "--peers",
        default="minhash,minilm",
        help="comma-separated peers: minhash, minilm ('' for none)",
    )
    parser.add_argument(
        "--encoders",
        default="default,use,static",
        help="comma-separated samestory encoders: default (the default config, whose "
        "encoder is static since 2026-12-03: the same runs as 'static'), use, static",
    )
    parser.add_argument("--add", action="store_true", help="also time Store.add of 1,000")
    parser.add_argument(
        "--profile",
        nargs="?",
        const="real",
        help="cProfile analyze (one process) on a corpus: 'real' (default) or a size",
    )
    parser.add_argument("--no-samestory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        help="seconds per measurement before it is abandoned",
    )
    parser.add_argument("--json", action="store_true", help="print results as JSON")
    parser.add_argument("--child", nargs=2, metavar=("SYSTEM", "CORPUS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child[0], args.child[1], args.seed)

    specs = [s.strip() for s in args.sizes.split(",") if s.strip()]
    peers = [p for p in args.peers.split(",") if p]
    encoders = [e for e in args.encoders.split(",") if e]
    meta = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_average_at_start": os.getloadavg(),
        "default_encoder": default_encoder(),
    }
    notes: list[str] = []
    try:
        import baseline  # noqa: F401
    except Exception as exc:  # another engineer's file: skip peers if it is unusable
        notes.append(f"peers skipped: benchmarks/baseline.py unavailable ({exc})")
        peers = []
    results: list[dict[str, Any]] = []
    log = (lambda msg: print(msg, file=sys.stderr, flush=True)) if args.json else print
    log(
        f"date {meta['date']}  cores {meta['cores']}  python {meta['python']}  "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    log(f"samestory / add: the default config, encoder {default_encoder()}")
    log(
        f"{'system':<18} {'N':>7} {'docs/s':>9} {'RSS MB':>9} {'ARI':>7} {'wall s':>9} "
        f"{'process s':>10} {'CPU s':>9}"
    )
    for spec in specs:
        size = 2400 if spec == "real" else int(spec)
        ours = [f"samestory{'' if e == 'default' else '-' + e}" for e in encoders]
        # The first samestory system, then the peers, then the other encoders: every ratio
        # needs the peer, so it is measured before the slow encoders (a run stopped early
        # still has it).
        systems = [] if args.no_samestory else ours[:1]
        for peer in peers:
            if peer == "minilm" and size / MINILM_DOCS_PER_S >= TIME_LIMIT_S:
                msg = (
                    f"minilm skipped at N={size}: ~{size / MINILM_DOCS_PER_S:.0f} s at "
                    f"{MINILM_DOCS_PER_S:.0f} docs/s exceeds {TIME_LIMIT_S:.0f} s"
                )
                notes.append(msg)
                log(msg)
                continue
            systems.append(peer)
        if not args.no_samestory:
            systems += ours[1:]
        if args.add and spec != "real":
            try:
                import samestory.store  # noqa: F401

                systems += [f"add{'' if e == 'default' else '-' + e}" for e in encoders]
            except Exception as exc:
                notes.append(f"add skipped: samestory.store unavailable ({exc})")
        for system in systems:
            r = run_child(system, spec, args.seed, args.timeout)
            results.append({"system": system, "spec": spec, **r})
            log(_fmt_row(system, spec, r))
    meta["load_average_at_end"] = os.getloadavg()
    log(f"load average at the end {os.getloadavg()[0]:.1f} (2 cores: above 2 is a busy box)")
    checks = targets(results)
    for line in checks:
        log(f"target: {line}")
    profile = None
    if args.profile:
        profile = profile_analyze(args.profile, args.seed)
        log(profile)
    for note in notes:
        log(f"note: {note}")
    if args.json:
        print(
            json.dumps(
                {
                    "meta": meta,
                    "results": results,
                    "targets": checks,
                    "notes": notes,
                    "profile": profile,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
