"""Relation kinds across the date gate: which pairs more than a month apart production
labels, with what kind, and whether the gold labels agree.

    python benchmarks/far_kinds.py [--sets gva_dev,gva_dev:headline] [--cache DIR]
        [--examples 10] [--json FILE]

Each set (a dev file's stem in ``$SAMESTORY_SHARED/data``, ``:FORM`` a short form of it,
:func:`samestory.evaluate.make_short_variants`) goes through production's batch
(:func:`samestory.pipeline.batch.analyze_features`, ``DEFAULT_CONFIG``; features cached
in ``--cache`` as ``benchmarks/headline_splits.py`` caches them). Every relation whose
two dates are more than :data:`samestory.relate.DATE_GAP_DAYS` apart (the gap its
evidence reports) is counted by kind and by gold (same story or not); the ``rewrite``
ones also by their story score (at or over the story bar, the attach band), the
sentences of the shorter text, its words, the shingle containment (a copy's share,
:data:`samestory.exclusive.COPY_CONTAINMENT`) and where the dates came from (both
published, or one read from the text). ``--examples N`` prints N of the far rewrites'
texts. Writes nothing but ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from headline_splits import load, report_sets

from samestory.config import DEFAULT_CONFIG, Config
from samestory.exclusive import CONTAINMENT_SCORE, COPY_CONTAINMENT
from samestory.models import Relation, RelationKind
from samestory.pipeline.batch import analyze_features
from samestory.relate import DATE_GAP_DAYS, SHORT_TEXT_WORDS


def far(relation: Relation) -> bool:
    gap = relation.evidence.date_gap_days
    return gap is not None and gap > DATE_GAP_DAYS


def date_source(relation: Relation) -> str:
    """``published`` when both dates the gap read are publication dates, else ``text``."""
    notes = relation.evidence.dates
    return "published" if notes and all("published" in n for n in notes) else "text"


def kind_name(relation: Relation) -> str:
    return relation.kind.value if relation.kind is not None else "none"


def rewrite_view(relation: Relation, by_id: dict[str, Any], gold: dict[str, str], config: Config):
    a, b = by_id[relation.a], by_id[relation.b]
    shorter = a if len(a.sentences) <= len(b.sentences) else b
    score = relation.score
    return {
        "same_gold": gold[relation.a] == gold[relation.b],
        "band": "story bar" if score >= config.same_story_threshold else "attach band",
        "shorter_sentences": min(len(a.sentences), len(b.sentences)),
        "short": min(a.n_words, b.n_words) < SHORT_TEXT_WORDS,
        "copy_containment": relation.evidence.scores.get(CONTAINMENT_SCORE, 0.0)
        >= COPY_CONTAINMENT,
        "dates": date_source(relation),
        "gap": relation.evidence.date_gap_days,
        "score": round(score, 3),
        "texts": (shorter.sentences[0][:100], (b if shorter is a else a).sentences[0][:100]),
    }


def count(views: list[dict[str, Any]], field: str) -> dict[str, list[int]]:
    """``value -> [same gold, different gold]``."""
    out: dict[str, list[int]] = {}
    for v in views:
        slot = out.setdefault(str(v[field]), [0, 0])
        slot[0 if v["same_gold"] else 1] += 1
    return dict(sorted(out.items()))


def survey(spec: str, config: Config, cache: Path, examples: int) -> dict[str, Any]:
    features, labels = load(spec, config, cache)
    gold = {f.id: g for f, g in zip(features, labels, strict=True)}
    analysis = analyze_features(list(features), config)
    by_id = {f.id: f for f in features}
    far_relations = [r for r in analysis.relations if far(r)]
    kinds = Counter(
        (kind_name(r), "same" if gold[r.a] == gold[r.b] else "different") for r in far_relations
    )
    rewrites = [
        rewrite_view(r, by_id, gold, config)
        for r in far_relations
        if r.kind is RelationKind.REWRITE
    ]
    row = {
        "set": spec,
        "relations": len(analysis.relations),
        "far": len(far_relations),
        "far_kinds": {f"{k}/{g}": n for (k, g), n in sorted(kinds.items())},
        "far_rewrites": len(rewrites),
        "far_rewrites_same_gold": sum(v["same_gold"] for v in rewrites),
        "rewrites_by": {
            field: count(rewrites, field)
            for field in ("band", "shorter_sentences", "short", "copy_containment", "dates")
        },
    }
    for v in rewrites[:examples]:
        print(json.dumps({"set": spec, **v}), flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="gva_dev,gva_dev:headline")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/headline_splits"))
    parser.add_argument("--examples", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    return report_sets(
        args.sets, lambda spec: survey(spec, DEFAULT_CONFIG, args.cache, args.examples), args.json
    )


if __name__ == "__main__":
    raise SystemExit(main())
