"""Why ``compare``'s shipped pair model links a pair or not: each input's share of the
log-odds, ``w_k (x_k - μ_k) / σ_k`` (:class:`samestory.pair_model.PairModel`), largest first.

    python scripts/pair_contributions.py --set meantime_dev \\
        meantime:en:corpus_airbus/82548 meantime:en:corpus_airbus/82597 [ID_A ID_B ...] \\
        [--top 8] [--data $SAMESTORY_SHARED/data]

The ids are pairs of one dev set's records, read and featurised as ``compare`` reads them
(:func:`samestory.pipeline.compare.compare_pairs`: ``Config.for_pairs()``, each distinct
article once) and measured by production's own :func:`samestory.relate.measure_pair`.
Per pair: its gated probability against the file's threshold, the log-odds ``z`` (bias
plus the contributions; checked equal to the file's own scoring, ``probability_of_row``),
the date factor, then the ``--top`` inputs that push it up and the ones that push it
down, each with its value. The trace of MEANTIME's false links
(docs/history/accuracy.md, 2026-12-07 05:48, compare) was read this way.
"""

from __future__ import annotations

import argparse
import math
import os
from pathlib import Path

from samestory.config import DEFAULT_CONFIG
from samestory.evaluate.reading import read_labelled
from samestory.evaluate.systems import record_to_article
from samestory.features import DocFeatures
from samestory.pair_model import PairModel, input_names, load_pair_model, pair_design
from samestory.pipeline.featurise import featurize_all
from samestory.relate import measure_pair

DEFAULT_DATA = Path(os.environ.get("SAMESTORY_SHARED", "../shared")) / "data"


def contributions(
    model: PairModel, a: DocFeatures, b: DocFeatures
) -> tuple[dict[str, tuple[float, float]], float, float]:
    """``({input: (value, contribution)}, z, date factor)`` of the pair under ``model``."""
    m = measure_pair(a, b)
    row = pair_design(m, a, b, model.cross_lingual, model.offset_inputs)
    names = input_names(cross_lingual=model.cross_lingual) + list(model.offset_inputs)
    values = dict(zip(names, row, strict=True))
    out = {
        n: (values[n], w * (values[n] - mu) / sd)
        for n, mu, sd, w in zip(model.inputs, model.mean, model.scale, model.weights, strict=True)
    }
    z = model.bias + sum(c for _, c in out.values())
    p = 1.0 / (1.0 + math.exp(-z))
    expected = model.probability_of_row(row, m.date_factor)
    if not math.isclose(p * (m.date_factor if model.gate else 1.0), expected, abs_tol=1e-9):
        raise AssertionError(f"contributions give {p}, the file's scoring {expected}")
    return out, z, m.date_factor


def report(model: PairModel, a: DocFeatures, b: DocFeatures, top: int) -> str:
    """The lines :func:`contributions` prints for one pair."""
    out, z, factor = contributions(model, a, b)
    p = 1.0 / (1.0 + math.exp(-z)) * (factor if model.gate else 1.0)
    decided = "linked" if p >= model.threshold else "not linked"
    lines = [
        f"{a.id} ({a.lang}) / {b.id} ({b.lang}): P {p:.3f} against {model.threshold:.3f}"
        f" ({decided}); z {z:+.2f} = bias {model.bias:+.2f} + inputs; date factor {factor:.2f}"
    ]
    ranked = sorted(out.items(), key=lambda kv: kv[1][1], reverse=True)
    for label, part in (("up", ranked[:top]), ("down", ranked[::-1][:top])):
        cells = ", ".join(f"{n} = {v:.2f}: {c:+.2f}" for n, (v, c) in part)
        lines.append(f"  {label}: {cells}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", required=True, help="a dev set's name: ecbplus_dev, ...")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--top", type=int, default=8)
    parser.add_argument("ids", nargs="+", help="record ids, two a pair")
    args = parser.parse_args()
    if len(args.ids) % 2:
        parser.error("ids come in pairs")
    model = load_pair_model()
    if model is None:
        parser.error("no pair model is shipped")
    records, _ = read_labelled(args.data / f"{args.set}.jsonl")
    by_id = {str(r["id"]): r for r in records}
    missing = [i for i in args.ids if i not in by_id]
    if missing:
        parser.error(f"not in {args.set}: {', '.join(missing)}")
    distinct = list(dict.fromkeys(args.ids))
    articles = [record_to_article(by_id[i]) for i in distinct]
    features = dict(zip(distinct, featurize_all(articles, DEFAULT_CONFIG.for_pairs()), strict=True))
    for i in range(0, len(args.ids), 2):
        print(report(model, features[args.ids[i]], features[args.ids[i + 1]], args.top))


if __name__ == "__main__":
    main()
