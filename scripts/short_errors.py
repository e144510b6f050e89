"""Where a short form's pairs go wrong: the wrongly merged and missed pairs, by cause.

    python scripts/short_errors.py [--data ../shared/data] [--cache /tmp/samestory-fit-static]
        [--encoder static|use] [--sets ecbplus_dev,meantime_dev,gva_dev]
        [--forms full,lead,summary,headline] [--step] [--top 8]

Each set and form is built as ``scripts/short_ceiling.py`` builds it (production's
stages up to scoring under the encoder's own config), its candidate pairs scored by the
shipped model and grouped by production's ``group``; ``--step``: after the exclusive-names
step (``samestory.exclusive.contrasted``, copies counted as one version; with
``exclusive.with_versions`` where the library has it, a version grouped as one item).
Roundups are not run (as in the fits). ARI is counted in article pairs: every pair of one
gold story that the grouping keeps apart is *missed*, every pair of two gold stories it
puts together is *wrongly merged*. Missed pairs are put in the first cause that holds:

- ``no link``: one of the two texts has no pair scored >= the threshold with any text
  of its gold story (a lead that does not tell its event; nothing pair-level to find);
- ``dated apart``: both dated, more than 30 days apart (the gold event spans later
  coverage; the date gate cuts it);
- ``linked, linkage under``: the pair itself is scored >= the threshold, but the two
  parts' average linkage is not;
- ``scored under``: the pair is scored, under the threshold;
- ``not scored``: no index proposed it (counts 0 in the linkage).

Wrongly merged pairs are listed by the two gold stories they join, largest first.
Writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_story_model as fsm
import short_ceiling

from samestory import exclusive, relate, roundups
from samestory.config import DEFAULT_CONFIG, Config
from samestory.pipeline.group import group

CAUSES = ("no link", "dated apart", "linked, linkage under", "scored under", "not scored")
# Dates further apart than this (days) are the date gate's "far apart" (relate.DATE_GAP_DAYS).
FAR_DAYS = relate.DATE_GAP_DAYS


def production(dev: fsm.DevSet, config: Config, step: bool) -> tuple[np.ndarray, np.ndarray]:
    """The scores the grouping reads and each article's story label, without or with
    the exclusive-names step."""
    scores = dev.scores(relate.STORY_MODEL, config)
    if not step:
        return scores, dev.plain_grouping(scores, config)
    import fit_exclusive

    copies = fit_exclusive.copies_of(dev, config, exclusive.COPY_KINDS)
    specific = [roundups.specific_tokens(f) for f in dev.features]
    scored = [(i, j, s) for (i, j), s in zip(dev.pairs, scores.tolist(), strict=True)]
    after = exclusive.contrasted(scored, specific.__getitem__, copies=copies)
    copy_of = dev.copies.copy_of()
    with_versions = getattr(exclusive, "with_versions", None)
    if with_versions is not None:
        views = exclusive.WithCopies(roundups.NameViews(dev.features), copies)
        copy_of = with_versions(views, copy_of)
    labels = np.zeros(len(dev.features), dtype=int)
    for k, members in enumerate(group(len(dev.features), after, copy_of, config)):
        labels[members] = k
    return np.array([s for *_, s in after]), labels


def budget(
    dev: fsm.DevSet, scores: np.ndarray, labels: np.ndarray, threshold: float
) -> tuple[Counter[str], Counter[str]]:
    """(missed pairs by cause, wrongly merged pairs by the two gold stories joined)."""
    gold = dev.gold
    score = {}
    best = np.zeros(len(gold))  # each text's best score with a text of its gold story
    for (i, j), s in zip(dev.pairs, scores.tolist(), strict=True):
        score[i, j] = s
        if gold[i] == gold[j]:
            best[i], best[j] = max(best[i], s), max(best[j], s)
    missed: Counter[str] = Counter()
    merged: Counter[str] = Counter()
    n = len(gold)
    for i in range(n):
        for j in range(i + 1, n):
            if gold[i] == gold[j] and labels[i] != labels[j]:
                missed[_cause(dev, i, j, score.get((i, j)), best, threshold)] += 1
            elif gold[i] != gold[j] and labels[i] == labels[j]:
                merged["+".join(sorted((gold[i], gold[j])))] += 1
    return missed, merged


def _cause(
    dev: fsm.DevSet, i: int, j: int, s: float | None, best: np.ndarray, threshold: float
) -> str:
    if min(best[i], best[j]) < threshold:
        return "no link"
    gap = relate.date_gap(dev.features[i], dev.features[j])
    if gap is not None and gap > FAR_DAYS:
        return "dated apart"
    if s is None:
        return "not scored"
    return "linked, linkage under" if s >= threshold else "scored under"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    short_ceiling.add_set_arguments(parser)
    parser.add_argument("--step", action="store_true", help="group after the exclusive-names step")
    parser.add_argument("--top", type=int, default=8, help="merged story pairs listed")
    args = parser.parse_args(argv)
    cache = short_ceiling.cache_of(args)
    config = DEFAULT_CONFIG.replace(encoder=args.encoder)
    print("set:form  ARI  missed pairs (" + " / ".join(CAUSES) + ")  wrongly merged", flush=True)
    for base in args.sets.split(","):
        for form in args.forms.split(","):
            dev = short_ceiling.build(base, form, args.data, cache, args.encoder, config)
            scores, labels = production(dev, config, args.step)
            missed, merged = budget(dev, scores, labels, config.same_story_threshold)
            ari = adjusted_rand_score(dev.gold, labels)
            causes = " / ".join(str(missed[c]) for c in CAUSES)
            print(
                f"{dev.name}  {ari:.4f}  {sum(missed.values())} ({causes})  {sum(merged.values())}",
                flush=True,
            )
            top = ", ".join(f"{k} {v}" for k, v in merged.most_common(args.top))
            print(f"  merged: {top}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
