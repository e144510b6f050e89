"""Rule L's floor-only pairs, from one candidate search and from two, side by side.

    python benchmarks/floor_flags.py [--sets ecbplus_dev,meantime_dev,gva_dev]
        [--forms full,lead,summary,headline,mixed-headline] [--real] [--cache DIR]

Rule L (``switches.LONE_FLOOR_BAR``) reads the candidate pairs only the short-text
vector floor proposed (``short_text_ann_min_cosine``). The two-pass definition (the
screen's, docs/history/accuracy.md 2026-12-07 loneattach): production's pairs minus the
pairs proposed again with ``short_text_ann_min_cosine=None``, a second candidate search.
The batch flags them in its one search (:func:`samestory.pipeline.propose.
propose_flagged_pairs`: the vector list's part under ``ann_min_cosine``, no other route
from either end). For every set in every form (:func:`samestory.evaluate.
make_short_variants`; ``--real``: the real corpus too; features cached in ``--cache`` as
``headline_splits.load`` caches them) it prints the pairs, the floor-only pairs each
way, whether the pairs and the flags are equal, and each way's seconds. Exit status 1
when any set differs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from headline_splits import load

from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.pipeline.copies import CopyGroups, collapse_copies
from samestory.pipeline.propose import propose_flagged_pairs, propose_pairs

Pair = tuple[int, int]


def two_pass(
    features: list[DocFeatures], groups: CopyGroups, pairs: list[Pair], config: Config
) -> set[Pair]:
    """The pairs of ``pairs`` (production's under ``config``) a search without the floor
    does not propose: the screen's definition, a second candidate search."""
    if config.short_text_ann_min_cosine is None or config.short_text_words <= 0:
        return set()
    without = propose_pairs(features, groups, config.replace(short_text_ann_min_cosine=None))
    return set(pairs) - set(without)


def compare(features: list[DocFeatures], config: Config) -> dict[str, object]:
    """Both ways' pairs and floor-only pairs of ``features``, and their seconds."""
    groups = collapse_copies(features, config)
    start = time.perf_counter()
    pairs = propose_pairs(features, groups, config)
    old = two_pass(features, groups, pairs, config)
    old_s = time.perf_counter() - start
    start = time.perf_counter()
    flagged_pairs, new = propose_flagged_pairs(features, groups, config)
    new_s = time.perf_counter() - start
    return {
        "pairs": len(pairs),
        "two_pass": len(old),
        "one_pass": len(new),
        "pairs_equal": flagged_pairs == pairs,
        "flags_equal": old == new,
        "two_pass_s": round(old_s, 2),
        "one_pass_s": round(new_s, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="ecbplus_dev,meantime_dev,gva_dev", help="'' for none")
    parser.add_argument("--forms", default="full,lead,summary,headline,mixed-headline")
    parser.add_argument("--real", action="store_true", help="the real corpus too")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/floor_flags"))
    args = parser.parse_args(argv)
    config = DEFAULT_CONFIG
    specs = [
        name if form == "full" else f"{name}:{form}"
        for name in filter(None, args.sets.split(","))
        for form in args.forms.split(",")
    ]
    if args.real:
        specs.append("real")
    differs = 0
    for spec in specs:
        features, _gold = load(spec, config, args.cache)
        row = compare(features, config)
        differs += not (row["pairs_equal"] and row["flags_equal"])
        print(spec, " ".join(f"{k}={v}" for k, v in row.items()), flush=True)
    print(f"sets differing: {differs} of {len(specs)}")
    return 1 if differs else 0


if __name__ == "__main__":
    raise SystemExit(main())
