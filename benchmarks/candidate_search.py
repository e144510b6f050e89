"""The candidate search alone, in one process: its CPU and the digest of its pairs.

    python benchmarks/candidate_search.py [--sets real,10000] [--cache DIR] [--repeat 3]
        [--profile FILE]

For each set it loads the features cached by ``candidate_screen.py`` (``--cache``, the same
files: computed there once), collapses copies, builds the index over the representatives
(``candidate_index``) and then asks every representative's neighbours (``pairs_of_rows``,
what ``propose_pairs`` runs on its workers) in this process with one BLAS thread. It
prints the CPU seconds (``process_time``) of the index and of the search, the number of
pairs and the SHA-256 of the sorted pairs: run it under two ``PYTHONPATH``\\ s (main's and a
branch's ``src``) to compare both. ``--dense-codes-per-entry 0`` makes the keyword
ranking take its sorted path (:func:`samestory.candidates.coded_ranking`). ``--profile``
writes cProfile stats of the last search.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import pickle
import statistics
import time
from pathlib import Path

from samestory import candidates
from samestory.candidates import candidate_index, pairs_of_rows
from samestory.config import DEFAULT_CONFIG
from samestory.encoders import one_blas_thread
from samestory.pipeline.copies import collapse_copies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default="real,10000")
    parser.add_argument("--encoder", default=DEFAULT_CONFIG.encoder)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-screen"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", type=Path, default=None)
    parser.add_argument(
        "--dense-codes-per-entry",
        type=int,
        default=None,
        help="set candidates.DENSE_CODES_PER_ENTRY (0: the keyword ranking always sorts codes)",
    )
    args = parser.parse_args(argv)
    if args.dense_codes_per_entry is not None:
        candidates.keyword_routes.DENSE_CODES_PER_ENTRY = args.dense_codes_per_entry
    config = DEFAULT_CONFIG.replace(encoder=args.encoder, workers=1)
    for name in args.sets.split(","):
        file = args.cache / f"{name}-{config.encoder}.features.pkl"
        features = pickle.loads(file.read_bytes())
        copies = collapse_copies(features, config)
        rows = [features[r] for r in copies.reps]
        index_cpu, search_cpu = [], []
        digest = ""
        pairs: list[tuple[int, int]] = []
        for k in range(args.repeat):
            start = time.process_time()
            index = candidate_index(rows, config)
            index_cpu.append(time.process_time() - start)
            profiler = cProfile.Profile() if args.profile and k == args.repeat - 1 else None
            with one_blas_thread():
                start = time.process_time()
                if profiler:
                    profiler.enable()
                pairs = sorted(set(pairs_of_rows(index, rows, 0, len(rows))))
                if profiler:
                    profiler.disable()
                search_cpu.append(time.process_time() - start)
            if profiler and args.profile:
                profiler.dump_stats(str(args.profile))
            digest = hashlib.sha256(repr(pairs).encode()).hexdigest()[:16]
        print(
            json.dumps(
                {
                    "set": name,
                    "rows": len(rows),
                    "pairs": len(pairs),
                    "digest": digest,
                    "index_cpu_s": [round(t, 3) for t in index_cpu],
                    "search_cpu_s": [round(t, 3) for t in search_cpu],
                    "search_median_s": round(statistics.median(search_cpu), 3),
                }
            ),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
