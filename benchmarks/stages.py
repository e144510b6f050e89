"""CPU per article of every stage of ``analyze``, against the floor (reading once).

    python benchmarks/stages.py [--every 2] [--encoder static] [--json]
    python benchmarks/stages.py --digest [--every 1] [--corpus real|N] [--encoder static]
                                [--workers 0]
    python benchmarks/stages.py --timeline [--corpus real|N] [--encoder static] [--workers 0]
    python benchmarks/stages.py --run-timeline [--corpus real|N] [--encoder static] [--workers 0]

Takes every ``--every``-th article of the real corpus (:func:`corpus.real_corpus`: the
dev sets' distinct articles) and runs the stages of :mod:`samestory.pipeline` one by one
in this process (``workers=1``, so no time hides in worker processes), timing each with
``time.process_time``. The floor is reading each text once: ``normalize.clean_text``
then ``normalize.words``. Prints milliseconds per article and multiples of the floor,
the parts of the text features (indented; language detection and dates in text timed on
every article, as when a feed gives no ``lang`` or ``date``), and the CPU time per
candidate pair. The encoder's table or model and the word tables of
the corpus's languages are loaded before the clock starts. Timings on a shared machine
are noisy: compare runs made back to back.

``--digest`` instead runs the features stage as ``analyze`` does
(:func:`~samestory.pipeline.featurise.featurize_all`, ``--workers`` as ``Config.workers``)
and prints the SHA-256 over every field of every ``DocFeatures`` (arrays' dtype, shape
and bytes, sets sorted), with the stage's wall time and CPU time (this process, with the
encoder thread, and its workers): two versions of the code give the same features when
the digests are equal. ``--corpus N`` takes the synthetic corpus of N articles
(:func:`corpus.build_corpus`, seed 0) instead of the real one.

``--timeline`` runs the same features stage and prints when each of its phases ends
(wall seconds from the call) with the CPU used until then by the parent's main thread,
its encoder thread, its other threads (BLAS) and the workers: warm-up (until the pool
is forked), round 1 (every text read: cleaned, split, keyed), round 2 (the workers'
last text features), the encoder after the workers, assembly, the word tables loaded
for scoring. The phase whose end is last and whose CPU grows while the others wait is
the critical path.

``--run-timeline`` runs the whole ``analyze`` as ``speed.py`` times it (corpus read and
encoder loaded first, then :func:`samestory.pipeline.batch.analyze`) and prints, for the
set-up and each lap of the pipeline's stage clock, its wall time and the CPU of the
parent's main thread, its other threads and its child processes (every pool's workers),
the lap's *serial* CPU (the main thread's, while no worker or other thread ran: what
leaves the second core idle on a quiet box, whatever the load now) and how long 0, 1
or 2 workers were busy (:class:`RunTimeline`).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from corpus import build_corpus, real_corpus

from samestory import conflicts, lexical, normalize
from samestory.config import DEFAULT_CONFIG, Config
from samestory.dates import first_written_date
from samestory.embed import encoder_for
from samestory.features import (
    DATE_PREFIX_CHARS,
    DocFeatures,
    add_vectors,
    body_sentences,
    minhash_of,
    text_features,
)
from samestory.models import Article
from samestory.pipeline import featurise
from samestory.pipeline.assemble import assign_threads, build_stories, find_threads, mark_roundups
from samestory.pipeline.batch import grouping_views
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.featurise import featurize_all
from samestory.pipeline.group import group_with_roundups
from samestory.pipeline.propose import propose_pairs
from samestory.pipeline.score import score_pairs

FLOOR = "read once (clean + tokenise)"
PART = "  text: "  # rows that break down "text features" (not added to the total)


def text_breakdown(articles: list[Article], config: Config) -> dict[str, float]:
    """CPU seconds of each part of :func:`text_features`, called one by one as it calls
    them; language detection on every article (the corpus has ``lang``: what it costs
    when a feed gives none), dates as for an article without a ``date``."""
    parts: dict[str, float] = dict.fromkeys(
        f"{PART}{name}"
        for name in (
            "clean",
            "tokenise",
            "sentences",
            "shingles",
            "MinHash (SHA-1 per shingle)",
            "language detection (if no lang)",
            "dates in text (if no date)",
            "names, numbers, quotes",
            "term vector (word frequencies)",
            "number contexts, latest year",
        )
    )
    for key in parts:
        parts[key] = 0.0
    keys = list(parts)
    clock = time.process_time
    for a in articles:
        laps = [clock()]
        text = normalize.clean_text(a.text)
        laps.append(clock())
        tokens = normalize.words(text)
        laps.append(clock())
        body_sentences(a, text)[: config.max_sentences]
        laps.append(clock())
        shingle_set = normalize.shingles(tokens, config.shingle_size)
        laps.append(clock())
        minhash_of(shingle_set, config.num_perm, config.seed)
        laps.append(clock())
        lexical.detect_language(text)
        laps.append(clock())
        _dates, spans = normalize.dates_and_spans(text[:DATE_PREFIX_CHARS])
        first_written_date(text[:DATE_PREFIX_CHARS], a.lang, spans)
        laps.append(clock())
        full = f"{a.title or ''}\n{text}"
        normalize.entities(full), normalize.numbers(full), normalize.quotes(text)
        laps.append(clock())
        lexical.term_vector(full, a.lang, normalize.words(a.title or "") + tokens)
        laps.append(clock())
        conflicts.number_contexts(full), conflicts.latest_year(full)
        laps.append(clock())
        for key, begin, end in zip(keys, laps[:-1], laps[1:], strict=True):
            parts[key] += end - begin
    return parts


def measure(every: int, encoder_name: str) -> dict[str, object]:
    config = DEFAULT_CONFIG.replace(encoder=encoder_name, workers=1)
    articles = real_corpus()[0][::every]
    encoder = encoder_for(encoder_name)
    encoder.encode(["warm up"])
    text_features(articles[0], config)
    lexical.detect_language(articles[0].text)  # detector loaded
    # Every language's word tables (the term vectors' and wordfreq's, read for names in
    # pair scoring) loaded before the clock, as the encoder is: a fixed cost per process
    # (~0.5 s per language), not a cost per article.
    langs = {a.lang for a in articles}
    lexical.load_backgrounds(langs)
    for lang in langs:
        lexical._reference_zipf("warm", lang)
    cpu: dict[str, float] = {}
    clock = time.process_time

    start = clock()
    for a in articles:
        normalize.words(normalize.clean_text(a.text))
    cpu[FLOOR] = clock() - start
    start = clock()
    features = [text_features(a, config) for a in articles]
    cpu["text features"] = clock() - start
    cpu.update(text_breakdown(articles, config))
    start = clock()
    add_vectors(features, encoder)
    cpu[f"{encoder_name} encoder"] = clock() - start
    collapse_copies(features[:2], config)  # imports datasketch's LSH (0.6-2 s, once)
    start = clock()
    copies = collapse_copies(features, config)
    cpu["copies"] = clock() - start
    start = clock()
    pairs = propose_pairs(features, copies, config)
    cpu["candidates"] = clock() - start
    start = clock()
    relations = score_pairs(features, copies.copies + pairs, config, lean=True)  # as analyze
    cpu["pair scoring"] = clock() - start
    pair_relations = relations[len(copies.copies) :]
    scored = [(i, j, r.score) for (i, j), r in zip(pairs, pair_relations, strict=True)]
    start = clock()
    views = grouping_views(features, pairs, pair_relations)  # as analyze: copies are versions
    groups, roundups = group_with_roundups(views, scored, copies.copy_of(), config)
    cpu["grouping (with roundups)"] = clock() - start
    start = clock()
    # As analyze does: stories with provenance, roundups marked, threads.
    stories = mark_roundups(build_stories(features, relations, groups), roundups, features, groups)
    left_out = {r.index for r in roundups if r.cut}
    kept = [k for k, p in enumerate(pairs) if not left_out & set(p)]
    threads = find_threads(
        features, copies.reps, [pairs[k] for k in kept], [pair_relations[k] for k in kept], groups
    )
    assign_threads(stories, threads, relations, {f.id: f.date for f in features})
    cpu["stories (provenance, threads)"] = clock() - start
    cpu["total (after the floor)"] = sum(
        v for k, v in cpu.items() if k != FLOOR and not k.startswith(PART)
    )
    n = len(articles)
    return {
        "articles": n,
        "pairs": len(pairs),
        "ms_per_article": {k: v / n * 1e3 for k, v in cpu.items()},
        "x_floor": {k: v / cpu[FLOOR] for k, v in cpu.items()},
        "ms_per_pair": cpu["pair scoring"] / max(len(pairs) + len(copies.copies), 1) * 1e3,
    }


def _canonical(value: object) -> bytes:
    """A byte string equal for equal field values (and, in practice, only for them):
    arrays by dtype, shape and bytes, sets sorted, dataclasses field by field."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype}{value.shape}".encode() + value.tobytes()
    if isinstance(value, frozenset | set):
        return repr(sorted(value)).encode()
    if isinstance(value, tuple | list):
        return b"[" + b",".join(_canonical(v) for v in value) + b"]"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value).__name__.encode() + _canonical(
            [getattr(value, f.name) for f in dataclasses.fields(value)]
        )
    if value is None or isinstance(value, str | int | float | bool | dt.date):
        return repr(value).encode()
    raise TypeError(f"no canonical bytes for {type(value).__name__}")


def features_digest(features: list[DocFeatures]) -> str:
    """SHA-256 over every field of every ``DocFeatures``, in order (:func:`_canonical`)."""
    h = hashlib.sha256()
    for f in features:
        for field in dataclasses.fields(f):
            h.update(field.name.encode() + b"=" + _canonical(getattr(f, field.name)) + b";")
    return h.hexdigest()


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its ended children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def load_articles(corpus: str, every: int) -> list[Article]:
    """Every ``every``-th article of ``corpus``: ``real`` or a synthetic size."""
    articles = real_corpus()[0] if corpus == "real" else build_corpus(int(corpus))[0]
    return articles[::every]


def digest_run(
    every: int, encoder_name: str, workers: int, corpus: str = "real"
) -> dict[str, object]:
    """The features stage of ``analyze`` on every ``every``-th article of ``corpus``:
    digest, wall and CPU seconds (the encoder loaded before the clock, as ``speed.py``
    does)."""
    config = DEFAULT_CONFIG.replace(encoder=encoder_name, workers=workers)
    articles = load_articles(corpus, every)
    encoder = encoder_for(encoder_name)
    encoder.encode(["warm up"])
    encoder = getattr(encoder, "encoder", encoder)  # uncached, as analyze encodes
    start, (own, children) = time.perf_counter(), _cpu()
    features = featurize_all(articles, config, encoder)
    wall, (own_after, children_after) = time.perf_counter() - start, _cpu()
    return {
        "articles": len(articles),
        "digest": features_digest(features),
        "wall_s": round(wall, 2),
        "cpu_s": round(own_after - own + children_after - children, 2),
        "parent_cpu_s": round(own_after - own, 2),
        "workers_cpu_s": round(children_after - children, 2),
    }


_TICK = os.sysconf("SC_CLK_TCK")


def _stat_cpu(path: str) -> float:
    """User + system CPU seconds from a ``/proc/.../stat`` file (0 if it is gone)."""
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


class Timeline:
    """Stamps of the features stage: wall time and the CPU of the parent's main
    thread, its encoder thread, its other threads and the pool's workers."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.main_tid = threading.main_thread().native_id
        self.encoder_tid: int | None = None
        self.encoder_cpu = 0.0
        self.worker_pids: list[int] = []
        self.worker_cpu: dict[int, float] = {}  # last seen, kept after they exit
        self.rows: list[dict[str, object]] = []
        self.seen: set[str] = set()
        self.zero = self.sample()

    def sample(self) -> dict[str, float]:
        """CPU seconds so far by part."""
        parent = _stat_cpu("/proc/self/stat")  # every thread's, ended ones included
        main = _stat_cpu(f"/proc/self/task/{self.main_tid}/stat")
        if self.encoder_tid is not None:
            # Kept once its thread has ended.
            self.encoder_cpu = _stat_cpu(f"/proc/self/task/{self.encoder_tid}/stat") or (
                self.encoder_cpu
            )
        enc = self.encoder_cpu
        for pid in self.worker_pids:
            cpu = _stat_cpu(f"/proc/{pid}/stat")
            if cpu:
                self.worker_cpu[pid] = cpu
        return {
            "main": main,
            "encoder": enc,
            "other threads": parent - main - enc,
            "workers": sum(self.worker_cpu.values()),
        }

    def stamp(self, phase: str, **extra: object) -> None:
        """Record the end of ``phase`` (the first time only)."""
        if phase in self.seen:
            return
        self.seen.add(phase)
        cpu = self.sample()
        row: dict[str, object] = {"phase": phase, "wall_s": time.perf_counter() - self.start}
        row.update({k: cpu[k] - self.zero.get(k, 0.0) for k in cpu})
        row.update(extra)
        self.rows.append(row)


def timeline_run(corpus: str, encoder_name: str, workers: int) -> dict[str, object]:
    """:func:`featurize_all` on ``corpus`` with its phases stamped (:class:`Timeline`),
    by wrapping the stage's pool, encoder thread, progress and word-table load."""
    config = DEFAULT_CONFIG.replace(encoder=encoder_name, workers=workers)
    articles = load_articles(corpus, 1)
    encoder = encoder_for(encoder_name)
    encoder.encode(["warm up"])
    encoder = getattr(encoder, "encoder", encoder)
    n = len(articles)
    line = Timeline()
    pool_class, encoding_class = featurise.WorkerPool, featurise._Encoding
    load_backgrounds = lexical.load_backgrounds

    class Pool(pool_class):  # type: ignore[misc,valid-type]
        def __enter__(self) -> Pool:
            super().__enter__()
            line.worker_pids = [w.process.pid for w in self.workers]
            line.stamp("warm-up (until the fork)")
            return self

    class Encoding(encoding_class):  # type: ignore[misc,valid-type]
        def run(self) -> None:
            line.encoder_tid = threading.get_native_id()
            super().run()

        def result(self, progress: featurise.Progress) -> list[featurise.Vectors]:
            line.stamp("round 2 (workers' text features)", encoded=len(self.vectors))
            out = super().result(progress)
            line.stamp("encoder after the workers")
            return out

    def stamped_load(langs: set[str]) -> None:
        if "encoder after the workers" not in line.seen:  # the warm-up's
            load_backgrounds(langs)
            return
        line.stamp("assembly")
        load_backgrounds(langs)
        line.stamp("word tables for scoring")

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "cleaning" and done == n:
            line.stamp("round 1 (read, keyed, given to the encoder)")

    featurise.WorkerPool, featurise._Encoding = Pool, Encoding
    lexical.load_backgrounds = stamped_load
    try:
        line.start = time.perf_counter()
        line.zero = line.sample()
        own, children = _cpu()
        featurize_all(articles, config, encoder, progress)
        line.stamp("assembly")
        own_after, children_after = _cpu()
    finally:
        featurise.WorkerPool, featurise._Encoding = pool_class, encoding_class
        lexical.load_backgrounds = load_backgrounds
    return {
        "articles": n,
        "encoder": encoder_name,
        "load": os.getloadavg()[0],
        "parent_cpu_s": round(own_after - own, 2),
        "workers_cpu_s": round(children_after - children, 2),
        "phases": line.rows,
    }


def print_timeline(result: dict[str, object]) -> None:
    """The timeline as a table: phase end, then CPU so far by part."""
    print(
        f"{result['articles']} articles, {result['encoder']}, load {result['load']:.1f}; "
        f"parent CPU {result['parent_cpu_s']} s, workers {result['workers_cpu_s']} s"
    )
    parts = ("main", "encoder", "other threads", "workers")
    print(f"{'phase':<45} {'ends s':>8} " + " ".join(f"{p:>13}" for p in parts))
    for row in result["phases"]:  # type: ignore[attr-defined]
        extra = f"  (encoded {row['encoded']} articles)" if "encoded" in row else ""
        print(
            f"{row['phase']:<45} {row['wall_s']:>8.2f} "
            + " ".join(f"{row[p]:>13.2f}" for p in parts)
            + extra
        )


def _live_children_cpu() -> dict[int, float]:
    """CPU seconds of each live (not yet reaped) child of this process, from ``/proc``."""
    out: dict[int, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            pids = (task / "children").read_text().split()
        except OSError:
            continue
        out.update((int(pid), _stat_cpu(f"/proc/{pid}/stat")) for pid in pids)
    return out


class RunTimeline:
    """CPU of the whole ``analyze`` run by part, sampled every ``interval`` seconds on a
    thread (reading ``/proc`` stat files: ~0.1 ms a sample) and stamped at each lap.

    Parts: this process's main thread, its other threads (the encoder thread, BLAS and
    this sampler) and its child processes (reaped ones from ``RUSAGE_CHILDREN``, live
    ones from ``/proc``: every pool's workers). A lap's *serial* CPU is the main
    thread's CPU in the samples where neither the children nor the other threads used
    more than a tenth of the interval: the work that leaves the second core idle on a
    quiet box, whatever the load is now.
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.main_tid = threading.main_thread().native_id
        self.samples: list[tuple[float, float, float, float]] = []
        self.laps: list[tuple[str, int]] = []  # (lap, index of its last sample)
        self.child_samples: list[tuple[float, dict[int, float]]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.start = time.perf_counter()

    def sample(self) -> tuple[float, float, float, float]:
        """(wall s, main thread CPU, other threads CPU, children CPU) now."""
        parent = _stat_cpu("/proc/self/stat")
        main = _stat_cpu(f"/proc/self/task/{self.main_tid}/stat")
        reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
        live = _live_children_cpu()
        self.child_samples.append((time.perf_counter() - self.start, live))
        children = reaped.ru_utime + reaped.ru_stime + sum(live.values())
        return (time.perf_counter() - self.start, main, parent - main, children)

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            self.samples.append(self.sample())

    def active_workers(self, begin: float, end: float) -> dict[int, float]:
        """Seconds of ``[begin, end)`` during which k children used CPU, by k (a child
        counts in a sampling interval where its CPU grew: a coarse view, ticks are 10 ms)."""
        out: dict[int, float] = {}
        samples = sorted(self.child_samples, key=lambda x: x[0])
        for (t0, a), (t1, b) in itertools.pairwise(samples):
            if t0 < begin or t1 > end:
                continue
            k = sum(1 for pid, cpu in b.items() if cpu > a.get(pid, 0.0))
            out[k] = out.get(k, 0.0) + t1 - t0
        return {k: round(v, 2) for k, v in sorted(out.items())}

    def __enter__(self) -> RunTimeline:
        self.start = time.perf_counter()
        self.samples.append(self.sample())
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def lap(self, name: str) -> None:
        """The end of lap ``name`` (called on the main thread)."""
        self.samples.append(self.sample())
        self.laps.append((name, len(self.samples) - 1))

    def rows(self) -> list[dict[str, object]]:
        """Per lap: wall, CPU by part, serial CPU (see the class) and cores used."""
        out: list[dict[str, object]] = []
        begin = 0
        samples = sorted(self.samples)  # the sampler's and the laps', by wall time
        for name, last_sample in self.laps:
            end = samples.index(self.samples[last_sample])
            part = samples[begin : end + 1]
            serial = 0.0
            for a, b in itertools.pairwise(part):
                span = b[0] - a[0]
                if b[3] - a[3] <= 0.1 * span and b[2] - a[2] <= 0.1 * span:
                    serial += b[1] - a[1]
            first, last = part[0], part[-1]
            wall = last[0] - first[0]
            cpu = [last[k] - first[k] for k in (1, 2, 3)]
            out.append(
                {
                    "lap": name,
                    "ends_s": round(last[0], 2),
                    "wall_s": round(wall, 2),
                    "main_cpu_s": round(cpu[0], 2),
                    "threads_cpu_s": round(cpu[1], 2),
                    "workers_cpu_s": round(cpu[2], 2),
                    "serial_cpu_s": round(serial, 2),
                    "cores": round(sum(cpu) / wall, 2) if wall > 0 else 0.0,
                    "workers_active_s": self.active_workers(first[0], last[0]),
                }
            )
            begin = end
        return out


def run_timeline(corpus: str, encoder_name: str, workers: int) -> dict[str, object]:
    """The whole ``analyze`` (as ``speed.py`` times it: the encoder loaded first, then
    :func:`samestory.pipeline.batch.analyze`) with each lap's CPU by part
    (:class:`RunTimeline`), and the set-up before it: reading the corpus, loading the
    encoder. Stamps each lap through the pipeline's own stage clock."""
    from samestory.pipeline import batch

    config = DEFAULT_CONFIG.replace(encoder=encoder_name, workers=workers)
    line = RunTimeline()
    clock_class = batch._StageClock

    class Clock(clock_class):  # type: ignore[misc,valid-type]
        def lap(self, stage: str) -> None:
            super().lap(stage)
            line.lap(stage)

    batch._StageClock = Clock
    try:
        with line:
            articles = load_articles(corpus, 1)
            line.lap("set-up: corpus read")
            encoder = encoder_for(encoder_name)
            encoder.encode(["warm up"])
            line.lap("set-up: encoder loaded")
            analysis = batch.analyze(articles, config, encoder)
    finally:
        batch._StageClock = clock_class
    rows = line.rows()
    timed = [r for r in rows if not str(r["lap"]).startswith("set-up")]
    return {
        "articles": len(articles),
        "encoder": encoder_name,
        "load": [round(x, 1) for x in os.getloadavg()],
        "stories": len(analysis.stories),
        "laps": rows,
        "analyze_wall_s": round(sum(float(r["wall_s"]) for r in timed), 2),  # type: ignore[arg-type]
        "analyze_cpu_s": round(
            sum(
                float(r[k])  # type: ignore[arg-type]
                for r in timed
                for k in ("main_cpu_s", "threads_cpu_s", "workers_cpu_s")
            ),
            2,
        ),
        "analyze_serial_cpu_s": round(sum(float(r["serial_cpu_s"]) for r in timed), 2),  # type: ignore[arg-type]
    }


def print_run_timeline(result: dict[str, object]) -> None:
    """The whole run's laps as a table."""
    print(
        f"{result['articles']} articles, {result['encoder']}, load {result['load']}, "
        f"{result['stories']} stories; analyze: wall {result['analyze_wall_s']} s, "
        f"CPU {result['analyze_cpu_s']} s, serial {result['analyze_serial_cpu_s']} s"
    )
    cols = ("ends_s", "wall_s", "main_cpu_s", "threads_cpu_s", "workers_cpu_s", "serial_cpu_s")
    print(f"{'lap':<24} " + " ".join(f"{c.removesuffix('_s'):>13}" for c in cols) + "  cores")
    for row in result["laps"]:  # type: ignore[attr-defined]
        print(
            f"{row['lap']:<24} "
            + " ".join(f"{row[c]:>13.2f}" for c in cols)
            + f"  {row['cores']:>5.2f}"
            + f"  workers busy (k: s) {row['workers_active_s']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=2, help="take every N-th article")
    parser.add_argument("--encoder", default="static", choices=("static", "use"))
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--digest", action="store_true", help="the features stage's digest, wall and CPU"
    )
    parser.add_argument(
        "--timeline", action="store_true", help="the features stage's phases, wall and CPU"
    )
    parser.add_argument(
        "--run-timeline",
        action="store_true",
        help="the whole analyze's laps: wall, CPU by part, serial CPU",
    )
    parser.add_argument(
        "--corpus", default="real", help="with --digest/--timeline: real, or a synthetic size"
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="with --digest/--timeline: Config.workers"
    )
    args = parser.parse_args(argv)
    if args.digest:
        print(json.dumps(digest_run(args.every, args.encoder, args.workers, args.corpus)))
        return 0
    # (runner, printer) of each timeline: the whole analyze, or the features stage alone.
    timelines = {"run_timeline": (run_timeline, print_run_timeline)}
    timelines["timeline"] = (timeline_run, print_timeline)
    for flag, (runner, printer) in timelines.items():
        if getattr(args, flag):
            result = runner(args.corpus, args.encoder, args.workers)
            if args.json:
                print(json.dumps(result))
            else:
                printer(result)
            return 0
    result = measure(args.every, args.encoder)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{result['articles']} articles, {result['pairs']} candidate pairs")
    print(f"{'stage':<40} {'ms/article':>10} {'x floor':>8}")
    for stage, ms in result["ms_per_article"].items():  # type: ignore[attr-defined]
        print(f"{stage:<40} {ms:>10.2f} {result['x_floor'][stage]:>8.1f}")  # type: ignore[index]
    print(f"pair scoring: {result['ms_per_pair']:.3f} ms per pair")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
