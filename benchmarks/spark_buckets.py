"""What the Spark job's copy stage ships, counted without Spark.

``python benchmarks/spark_buckets.py [--sizes 5000,20000]``

For each size the corpus of :mod:`benchmarks.spark` (:func:`corpus.build_corpus`) is
shingled (:func:`samestory.features.text_features`, no encoder) and its MinHash-LSH band
buckets formed as the job forms them (buckets of two or more members, one per distinct
member list). Each membership is one article shipped to one bucket: before the copy
sketches, its whole features (~19 KB, from the 5k run: 414 MB over 21,400 memberships);
now its copy sketch (pickled size printed, the peer in the same run).
"""

from __future__ import annotations

import argparse
import collections
import os
import pickle
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
FEATURES_PER_MEMBERSHIP = 414e6 / 21_400  # bytes: the 5k run before the fix


def main(argv: list[str] | None = None) -> int:
    import corpus

    from samestory.config import DEFAULT_CONFIG
    from samestory.features import text_features
    from samestory.pipeline.copies import band_keys, lsh_bands
    from samestory.spark.stages import copy_sketch

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5000,20000")
    args = parser.parse_args(argv)
    shared = os.environ.get("SAMESTORY_SHARED")
    data = Path(shared) / "data" if shared else corpus.DATA
    bands, rows = lsh_bands(DEFAULT_CONFIG.lsh_threshold, DEFAULT_CONFIG.num_perm)
    for n in (int(s) for s in args.sizes.split(",")):
        start = time.perf_counter()
        articles, _ = corpus.build_corpus(n, data=data)
        features = [text_features(a, DEFAULT_CONFIG) for a in articles]
        buckets: dict[tuple[int, bytes], list[int]] = collections.defaultdict(list)
        for k, f in enumerate(features):
            if f.n_shingles:
                for key in band_keys(f.minhash.hashvalues, bands, rows):
                    buckets[key].append(k)
        distinct = {tuple(m) for m in buckets.values() if len(m) > 1}
        memberships = sum(len(m) for m in distinct)
        sample = features[:500]
        sketch = sum(len(pickle.dumps(copy_sketch(f))) for f in sample) / len(sample)
        print(
            f"{n:>7} articles: {len(distinct)} buckets, {memberships} memberships "
            f"({memberships / n:.2f} an article, largest bucket {max(map(len, distinct))}); "
            f"shipped: features ~{memberships * FEATURES_PER_MEMBERSHIP / 1e9:.2f} GB, "
            f"sketches {memberships * sketch / 1e9:.2f} GB ({sketch:.0f} B each); "
            f"{time.perf_counter() - start:.0f} s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
