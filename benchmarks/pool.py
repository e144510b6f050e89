"""Worker pools for pair scoring: the hand-written fork pool against ProcessPoolExecutor.

``python benchmarks/pool.py [--data ../shared/data/ecbplus_dev.jsonl] [--repeats 3]
[--workers 2]``

Featurises the file once (cached in ``/tmp/samestory-pool-bench``), takes the pairs the
batch pipeline scores (copies + candidates) and scores them with
:func:`samestory.pipeline.score.score_pairs` under each pool in turn, alternating, each
run in a fresh child process: wall seconds and peak PSS of the child and its workers
(:class:`speed.TreeMemory`). Prints the median of each and the ratio executor / own, the
peer measured in the same run.

``own`` is :func:`samestory.parallel.map_chunks` as shipped. ``executor`` replaces its
chunk scheduler with a fork-context ``concurrent.futures.ProcessPoolExecutor`` (the task
registered before the fork, so closures need no pickling; gc frozen while it may fork).
CPython refuses ``max_tasks_per_child`` with the fork context, so its workers cannot
retire: they live for the whole map. See docs/experiments.md for the decision.
"""

from __future__ import annotations

import argparse
import gc
import json
import multiprocessing
import pickle
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
CACHE = Path("/tmp/samestory-pool-bench")
POOLS = ("own", "executor")


def features_of(data: Path) -> Path:
    """Pickled features and scored pairs of ``data`` (computed once)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    out = CACHE / f"{data.stem}.pkl"
    if not out.exists():
        from samestory.evaluate import read_labelled, record_to_article
        from samestory.pipeline.copies import collapse_copies
        from samestory.pipeline.featurise import featurize_all
        from samestory.pipeline.propose import propose_pairs

        records, _ = read_labelled(data)
        features = featurize_all([record_to_article(r) for r in records])
        copies = collapse_copies(features)
        pairs = copies.copies + propose_pairs(features, copies)
        out.write_bytes(pickle.dumps((features, pairs)))
    return out


_tasks: dict[int, Callable[[int, int], Sequence[Any]]] = {}


def _run_task(token: int, start: int, stop: int) -> Sequence[Any]:
    return _tasks[token](start, stop)


def _ignore_interrupts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def results_from_executor(
    task: Callable[[int, int], Sequence[Any]],
    bounds: list[tuple[int, int]],
    workers: int,
    chunks_per_worker: int | None,
    contiguous: bool,
) -> Iterator[tuple[int, Sequence[Any]]]:
    """``parallel._chunk_results`` on a fork-context ``ProcessPoolExecutor`` (chunks in
    order: ``contiguous`` is not honoured)."""
    from samestory import parallel

    if workers <= 1 or len(bounds) <= 1:
        for k, (start, stop) in enumerate(bounds):
            yield k, task(start, stop)
        return
    token = len(_tasks)
    _tasks[token] = task
    gc.freeze()
    executor = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_ignore_interrupts
    )
    try:
        futures = [executor.submit(_run_task, token, start, stop) for start, stop in bounds]
        for k, ((start, stop), future) in enumerate(zip(bounds, futures, strict=True)):
            try:
                yield k, future.result()
            except BrokenProcessPool:
                raise parallel.WorkerDied(f"items {start}-{stop - 1}") from None
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
        gc.unfreeze()
        del _tasks[token]


def child(path: Path, workers: int, pool: str) -> dict[str, float]:
    from speed import TreeMemory

    from samestory import parallel
    from samestory.config import Config
    from samestory.pipeline.score import score_pairs

    if pool == "executor":
        parallel._chunk_results = results_from_executor  # type: ignore[assignment]

    features, pairs = pickle.loads(path.read_bytes())
    config = Config(workers=workers)
    with TreeMemory() as memory:
        start = time.perf_counter()
        relations = score_pairs(features, pairs, config)
        seconds = time.perf_counter() - start
    assert len(relations) == len(pairs)
    return {"seconds": seconds, "pss_mb": memory.peak_mb, "pairs": len(pairs)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=HERE.parents[1] / "shared" / "data" / "ecbplus_dev.jsonl"
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pool", choices=POOLS, default="own", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.workers, args.pool)))
        return 0
    path = features_of(args.data)
    runs: dict[str, list[dict[str, float]]] = {pool: [] for pool in POOLS}
    for _ in range(args.repeats):
        for pool in POOLS:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    str(path),
                    "--workers",
                    str(args.workers),
                    "--pool",
                    pool,
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            runs[pool].append(json.loads(done.stdout.strip().splitlines()[-1]))
    medians = {
        pool: {k: statistics.median(r[k] for r in rs) for k in ("seconds", "pss_mb")}
        for pool, rs in runs.items()
    }
    pairs = int(runs["own"][0]["pairs"])
    for pool in POOLS:
        each = ", ".join(f"{r['seconds']:.2f}" for r in runs[pool])
        print(
            f"{pool:>8}: {pairs} pairs, {args.workers} workers, median of {args.repeats}: "
            f"{medians[pool]['seconds']:.2f} s, peak PSS {medians[pool]['pss_mb']:.0f} MB "
            f"(runs: {each} s)"
        )
    own, executor = medians["own"], medians["executor"]
    print(
        f"executor / own: time {executor['seconds'] / own['seconds']:.2f}x, "
        f"peak PSS {executor['pss_mb'] / own['pss_mb']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
