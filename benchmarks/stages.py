"""CPU per article of every stage of ``analyze``, against the floor (reading once).

    python benchmarks/stages.py [--every 2] [--encoder static] [--json]

Takes every ``--every``-th article of the real corpus (:func:`corpus.real_corpus`: the
dev sets' distinct articles) and runs the stages of :mod:`samestory.pipeline` one by one
in this process (``workers=1``, so no time hides in worker processes), timing each with
``time.process_time``. The floor is reading each text once: ``normalize.clean_text``
then ``normalize.words``. Prints milliseconds per article and multiples of the floor,
and the CPU time per candidate pair. The encoder's table or model and the word tables of
the corpus's languages are loaded before the clock starts. Timings on a shared machine
are noisy: compare runs made back to back.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import real_corpus

from samestory import lexical, normalize
from samestory.config import DEFAULT_CONFIG
from samestory.embed import encoder_for
from samestory.features import add_vectors, text_features
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.group import group
from samestory.pipeline.propose import propose_pairs
from samestory.pipeline.score import score_pairs

FLOOR = "read once (clean + tokenise)"


def measure(every: int, encoder_name: str) -> dict[str, object]:
    config = DEFAULT_CONFIG.replace(encoder=encoder_name, workers=1)
    articles = real_corpus()[0][::every]
    encoder = encoder_for(encoder_name)
    encoder.encode(["warm up"])
    text_features(articles[0], config)  # detector loaded
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
    start = clock()
    add_vectors(features, encoder)
    cpu[f"{encoder_name} encoder"] = clock() - start
    start = clock()
    copies = collapse_copies(features, config)
    cpu["copies"] = clock() - start
    start = clock()
    pairs = propose_pairs(features, copies, config)
    cpu["candidates"] = clock() - start
    start = clock()
    relations = score_pairs(features, copies.copies + pairs, config)
    cpu["pair scoring"] = clock() - start
    scored = [
        (i, j, r.score) for (i, j), r in zip(pairs, relations[len(copies.copies) :], strict=True)
    ]
    start = clock()
    group(len(features), scored, copies.copy_of(), config)
    cpu["grouping"] = clock() - start
    cpu["total (after the floor)"] = sum(v for k, v in cpu.items() if k != FLOOR)
    n = len(articles)
    return {
        "articles": n,
        "pairs": len(pairs),
        "ms_per_article": {k: v / n * 1e3 for k, v in cpu.items()},
        "x_floor": {k: v / cpu[FLOOR] for k, v in cpu.items()},
        "ms_per_pair": cpu["pair scoring"] / max(len(pairs) + len(copies.copies), 1) * 1e3,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=2, help="take every N-th article")
    parser.add_argument("--encoder", default="static", choices=("static", "use"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.every, args.encoder)
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{result['articles']} articles, {result['pairs']} candidate pairs")
    print(f"{'stage':<30} {'ms/article':>10} {'x floor':>8}")
    for stage, ms in result["ms_per_article"].items():  # type: ignore[attr-defined]
        print(f"{stage:<30} {ms:>10.2f} {result['x_floor'][stage]:>8.1f}")  # type: ignore[index]
    print(f"pair scoring: {result['ms_per_pair']:.3f} ms per pair")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
