"""Incremental ``Store.add`` throughput, with the batch pipeline as peer.

Adds ``--articles`` articles of the benchmark corpus (``benchmarks/corpus.py``: the ECB+
and MEANTIME dev articles, then reposts, edits, cuts and reshuffles of them, as a feed
carries them) to an empty store ``--batch`` at a time (below the store's bulk-load size,
so every article goes through the incremental path: copy test, candidate search with
reverse neighbours, scoring, local re-clustering). Prints articles/s of the adds, and of
the peer measured in the same run: the batch pipeline (``analyze``, what ``samestory
cluster`` and a bulk load run) over the same articles, plus the ARI between the two.

``--data FILE`` adds the articles of a dev set instead (its first ``--articles`` records,
cut to ``--form``, e.g. ``lead``, by ``evaluate.make_short_variants``; shuffled by
``--seed``), as the store's GVA short-form checks do. ``--no-peer`` skips the batch peer;
``--keep DB`` keeps the store (``samestory stories --json --db DB`` digests its stories);
``--profile FILE`` writes a cProfile of the adds. The adds' CPU (process time) is printed
beside their wall time: the A/B figure on a shared box.

``--preload N`` first fills the store with N more articles of the corpus in one bulk load
(untimed), so the timed adds are those of a feed arriving at a large store: reads that
grow with the store (a scan where an index is missing) show there and not in an empty one.

    python benchmarks/store_add.py --articles 1000 --encoder static
    python benchmarks/store_add.py --articles 320 --preload 20000
    python benchmarks/store_add.py --data /work/shared/data/gva_dev.jsonl --form lead \
        --articles 400 --batch 25 --encoder static --no-peer
"""

from __future__ import annotations

import argparse
import cProfile
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import build_corpus

from samestory.config import DEFAULT_CONFIG
from samestory.embed import encoder_for
from samestory.evaluate import cluster_metrics, make_short_variants, record_to_article
from samestory.models import Article
from samestory.pipeline.batch import analyze
from samestory.pipeline.featurise import featurize_all
from samestory.store import Store


def reads_to(store: Store, ids: list[str]) -> str:
    """How long the read each re-clustering add makes of the scores *to* its articles
    (the exclusive-names step's context) takes in this store: median of 5."""
    from samestory.exclusive import NEIGHBOUR_BAR
    from samestory.store.regroup import relations_to

    rows = store._conn.execute("SELECT count(*) FROM weak_scores").fetchone()[0]
    laps = []
    for _ in range(5):
        start = time.perf_counter()
        found = len(relations_to(store._conn, ids, NEIGHBOUR_BAR))
        laps.append(time.perf_counter() - start)
    return (
        f"weak_scores {rows} rows; scores to {len(ids)} articles ({found} rows) read in "
        f"{1000 * statistics.median(laps):.1f} ms (median of 5)"
    )


def dev_articles(path: Path, form: str, n: int, seed: int) -> list[Article]:
    """The first ``n`` records of a dev set cut to ``form`` (``full``: whole), shuffled."""
    lines = path.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines if line]
    if form != "full":
        records = make_short_variants(records, form)
    articles = [record_to_article(r) for r in records[:n]]
    random.Random(seed).shuffle(articles)
    return articles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=32, help="articles per add")
    parser.add_argument("--encoder", choices=("use", "static"), default="static")
    parser.add_argument("--seed", type=int, default=0, help="corpus and arrival order")
    parser.add_argument(
        "--preload", type=int, default=0, help="articles bulk-loaded first, untimed"
    )
    parser.add_argument("--data", type=Path, help="a dev set's JSONL instead of the corpus")
    parser.add_argument("--form", default="full", help="--data's short form (lead, ...)")
    parser.add_argument("--no-peer", action="store_true", help="skip the batch peer")
    parser.add_argument("--keep", type=Path, help="write the store here (kept)")
    parser.add_argument("--profile", type=Path, help="a cProfile of the adds")
    args = parser.parse_args(argv)
    if args.data is not None:
        articles = dev_articles(args.data, args.form, args.articles + args.preload, args.seed)
    else:
        articles, _ = build_corpus(args.articles + args.preload, args.seed)
        random.Random(args.seed).shuffle(articles)
    preload, timed = articles[: args.preload], articles[args.preload :]
    config = DEFAULT_CONFIG.replace(encoder=args.encoder, workers=1)
    encoder = encoder_for(args.encoder)
    featurize_all(articles[:8], config, encoder)  # load the model outside the timings

    with tempfile.TemporaryDirectory() as tmp:
        db = args.keep if args.keep is not None else Path(tmp) / "s.db"
        db.unlink(missing_ok=True)
        with Store(db, config, encoder) as store:
            if preload:
                store.add(preload)
            profile = cProfile.Profile() if args.profile else None
            start, cpu = time.perf_counter(), time.process_time()
            if profile is not None:
                profile.enable()
            for begin in range(0, len(timed), args.batch):
                store.add(timed[begin : begin + args.batch])
            if profile is not None:
                profile.disable()
                profile.dump_stats(args.profile)
            add_s, add_cpu = time.perf_counter() - start, time.process_time() - cpu
            store_of = {a.id: store.story_of(a.id) for a in articles}
            reads = reads_to(store, [a.id for a in timed[:500]])

    n, total = len(timed), len(articles)
    if args.no_peer:
        print(
            f"{n} articles added to a store of {len(preload)}, encoder {args.encoder}, adds "
            f"of {args.batch}, one worker: store add {n / add_s:.1f} articles/s "
            f"({add_s:.1f} s wall, {add_cpu:.1f} s CPU)"
        )
        print(reads)
        return 0

    start = time.perf_counter()
    analysis = analyze(articles, config, encoder)
    batch_s = time.perf_counter() - start
    batch_of = {a: s.id for s in analysis.stories for a in s.articles}
    ids = [a.id for a in articles]
    ari = cluster_metrics([batch_of[i] for i in ids], [store_of[i] for i in ids])["ari"]
    print(
        f"{n} articles added to a store of {len(preload)}, encoder {args.encoder}, adds of "
        f"{args.batch}, one worker: store add {n / add_s:.1f} articles/s ({add_s:.1f} s wall, "
        f"{add_cpu:.1f} s CPU); "
        f"peer batch analyze of all {total} {total / batch_s:.1f} articles/s ({batch_s:.1f} s); "
        f"ratio {(n / add_s) / (total / batch_s):.2f}; ARI(store, batch) {ari:.4f}"
    )
    print(reads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
