"""Incremental ``Store.add`` throughput, with the batch pipeline as peer.

Adds ``--articles`` articles of the benchmark corpus (``benchmarks/corpus.py``: the ECB+
and MEANTIME dev articles, then reposts, edits, cuts and reshuffles of them, as a feed
carries them) to an empty store ``--batch`` at a time (below the store's bulk-load size,
so every article goes through the incremental path: copy test, candidate search with
reverse neighbours, scoring, local re-clustering). Prints articles/s of the adds, and of
the peer measured in the same run: the batch pipeline (``analyze``, what ``samestory
cluster`` and a bulk load run) over the same articles, plus the ARI between the two.

    python benchmarks/store_add.py --articles 1000 --encoder static
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import build_corpus

from samestory.config import DEFAULT_CONFIG
from samestory.embed import encoder_for
from samestory.evaluate import cluster_metrics
from samestory.pipeline.batch import analyze
from samestory.pipeline.featurise import featurize_all
from samestory.store import Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=32, help="articles per add")
    parser.add_argument("--encoder", choices=("use", "static"), default="static")
    parser.add_argument("--seed", type=int, default=0, help="corpus and arrival order")
    args = parser.parse_args(argv)
    articles, _ = build_corpus(args.articles, args.seed)
    random.Random(args.seed).shuffle(articles)
    config = DEFAULT_CONFIG.replace(encoder=args.encoder, workers=1)
    encoder = encoder_for(args.encoder)
    featurize_all(articles[:8], config, encoder)  # load the model outside the timings

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.db", config, encoder) as store:
        start = time.perf_counter()
        for begin in range(0, len(articles), args.batch):
            store.add(articles[begin : begin + args.batch])
        add_s = time.perf_counter() - start
        store_of = {a.id: store.story_of(a.id) for a in articles}

    start = time.perf_counter()
    analysis = analyze(articles, config, encoder)
    batch_s = time.perf_counter() - start
    batch_of = {a: s.id for s in analysis.stories for a in s.articles}
    ids = [a.id for a in articles]
    ari = cluster_metrics([batch_of[i] for i in ids], [store_of[i] for i in ids])["ari"]
    n = len(articles)
    print(
        f"{n} articles, encoder {args.encoder}, adds of {args.batch}, one worker: "
        f"store add {n / add_s:.1f} articles/s ({add_s:.1f} s); peer batch analyze "
        f"{n / batch_s:.1f} articles/s ({batch_s:.1f} s); ratio {batch_s / add_s:.2f}; "
        f"ARI(store, batch) {ari:.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
