"""The short-form rows under both of the builder's cuts, in one run: story and thread ARI
of production's batch (``benchmarks/accuracy.py``'s ``samestory`` system) on each dev
set's headline, lead and summary, cut ``first-sentence`` (the cut before 2026-12-06, the
one the params files were fitted on) and ``reader`` (:data:`samestory.evaluate.SHORT_CUTS`).

    python benchmarks/short_cuts.py [--data DIR] [--sets ecbplus_dev,gva_dev]
        [--forms headline,lead,summary] [--json]

The two cuts of one set and form run one after the other (old, then new). A form whose
texts are the same under both cuts (the summary: the cuts differ only in headline and
lead) is run once and said to be so. Each row prints as it finishes (stderr); the table
at the end (stdout).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.accuracy import load_system  # noqa: E402
from samestory.evaluate import evaluate_articles, load_records, make_short_variants  # noqa: E402

DEFAULT_DATA = Path("/work/shared/data")
DEFAULT_SETS = "ecbplus_dev,meantime_dev,gva_dev"
DEFAULT_FORMS = "headline,lead,summary"
OLD_CUT, NEW_CUT = "first-sentence", "reader"


def rows_of(
    records: list[dict[str, Any]], form: str, system: Any, log: Any
) -> dict[str, dict[str, Any]]:
    """Story and thread ARI of ``form`` under each cut, and how many texts differ."""
    cuts = {cut: make_short_variants(records, form, cut) for cut in (OLD_CUT, NEW_CUT)}
    old_texts = {r["id"]: r["text"] for r in cuts[OLD_CUT]}
    changed = sum(1 for r in cuts[NEW_CUT] if old_texts.get(r["id"]) != r["text"])
    changed += len(set(old_texts) ^ {r["id"] for r in cuts[NEW_CUT]})
    out: dict[str, dict[str, Any]] = {}
    for cut in (OLD_CUT, NEW_CUT):
        if cut == NEW_CUT and not changed:
            out[cut] = {**out[OLD_CUT], "same_texts": True}
            break
        story = evaluate_articles(cuts[cut], system.cluster)
        thread = evaluate_articles(cuts[cut], system.threads)
        out[cut] = {
            "ari": story["ari"],
            "thread_ari": thread["ari"],
            "texts": len(cuts[cut]),
            "changed_texts": changed,
        }
        log(f"  {form} {cut}: {out[cut]}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="dev data directory")
    parser.add_argument("--sets", default=DEFAULT_SETS, help="comma-separated file stems")
    parser.add_argument("--forms", default=DEFAULT_FORMS, help="comma-separated short forms")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    system = load_system("samestory")
    if system.error or system.cluster is None or system.threads is None:
        parser.error(f"samestory not available: {system.error}")
    results: dict[str, Any] = {}
    for name in args.sets.split(","):
        records = load_records(args.data / f"{name}.jsonl")
        for form in args.forms.split(","):
            log(f"{name}:{form} ...")
            results[f"{name}:{form}"] = rows_of(records, form, system, log)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    print("| row | texts changed | story: old cut -> reader | thread: old cut -> reader |")
    print("| --- | --- | --- | --- |")
    for row, cuts in results.items():
        old, new = cuts[OLD_CUT], cuts[NEW_CUT]
        print(
            f"| {row} | {old['changed_texts']} of {old['texts']} | {old['ari']:.3f} -> "
            f"{new['ari']:.3f} | {old['thread_ari']:.3f} -> {new['thread_ari']:.3f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
