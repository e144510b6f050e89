"""A candidate option for short texts judged under topic cross-validation.

    python benchmarks/short_floor_cv.py [--sets ecbplus_dev,meantime_dev,gva_dev]
        [--forms full,lead,summary,headline] [--options floor:0.25+words:25,floor:0.2]
        [--fold-seeds 100,101,102] [--cache DIR] [--json FILE]

Each option is one of ``benchmarks/headline_splits.py``'s (``floor:X``, ``budget:K``,
``unscreened``, ``words:N``, ``+``-joined: :func:`headline_splits.option_pairs`): the
pairs it proposes beyond production's are added to production's candidate pairs
(``headline_splits.aris``' patch of ``batch.propose_pairs``) and every set in every form
(:func:`samestory.evaluate.make_short_variants`, the reader's cut) goes through
production's batch analysis (``DEFAULT_CONFIG``). Printed per set and form: the story
and thread ARI of production (``base``) and of each option, in sample.

Then, for each fold seed, the sets' topics (named by the dev file, so that every form of
a topic is in one fold) are dealt to 5 folds; each fold's option (``base`` among them)
is the one with the best mean story ARI over every set and form on the *other* folds'
articles; the cross-validated figure proposes, for each pair, what the option chosen
without its topics' fold proposes (a pair touching two folds is added when either fold's
option adds it), and is printed beside ``base``. An option chosen by every fold on every
seed is judged by its in-sample rows.

``--floor-off`` takes production without screen S's short-text vector floor
(``short_text_ann_min_cosine=None``) as the base the options add to, so that variants of
the floor can be judged against the shipped one (``floor:0.25+words:25``); each set's
line then says how many pairs the shipped floor adds in production (``floor pairs``) and
how many each option's pairs differ from them (``differs``). An option's part
``lone:BAR`` (``story``: ``same_story_threshold``, ``attach``: ``attach_threshold``, or a
number) adds no pairs: it runs rule L (``switches.LONE_FLOOR_BAR``) on the option's added
pairs, which on the ``--floor-off`` base are the pairs only the floor proposes (its
``differs`` 0 says so): in a lone short text's attach linkage they count only at ``BAR``
or over (``batch.propose_flagged_pairs`` and ``batch.lone_floor_bar`` patched; one ``BAR`` a
run). Under CV a pair is read by rule L when a fold it touches chose a ``lone`` option.
``--against NAME`` judges
the options against option ``NAME`` instead of ``base``: the folds choose among the
options only (``base`` is not a choice), and each CV row is printed minus ``NAME``'s
in-sample row (``minus_against``). Writes nothing but ``--json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DATA
from headline_splits import load, option_pairs, widened_analysis
from sklearn.metrics import adjusted_rand_score

from samestory import candidates, switches
from samestory.config import DEFAULT_CONFIG, Config
from samestory.evaluate import make_short_variants, read_labelled
from samestory.features import DocFeatures
from samestory.pipeline import batch
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.propose import propose_pairs

FOLDS = 5
Pair = tuple[int, int]


def topics_of(spec: str) -> list[str]:
    """Each record's topic of ``FILE[:FORM]``, in :func:`headline_splits.load`'s order."""
    name, _, form = spec.partition(":")
    records, _ = read_labelled(DATA / f"{name}.jsonl")
    if form:
        records = make_short_variants(records, form)
    return [str(r.get("topic") or name) for r in records]


def lone_bar(option: str, config: Config) -> tuple[str, float | None]:
    """``option`` without its ``lone:BAR`` part, and that bar (None: no rule L)."""
    parts, bar = [], None
    for part in option.split("+"):
        name, _, value = part.partition(":")
        if name != "lone":
            parts.append(part)
        elif value == "story":
            bar = config.same_story_threshold
        elif value == "attach":
            bar = config.attach_threshold
        else:
            bar = float(value)
    return "+".join(parts), bar


def labels(
    features: list[DocFeatures],
    extra: set[Pair],
    config: Config,
    flagged: frozenset[Pair] = frozenset(),
    bar: float | None = None,
) -> tuple[list, list]:
    """Story and thread label of each article with ``extra`` article pairs proposed too,
    and rule L at ``bar`` on the ``flagged`` ones (none: the switch as it is)."""
    if bar is None:
        analysis = widened_analysis(features, extra, config)
    else:
        analysis = lone_analysis(features, extra, config, flagged, bar)
    story = {a: s.id for s in analysis.stories for a in s.articles}
    thread = {a: s.thread or s.id for s in analysis.stories for a in s.articles}
    return [story[f.id] for f in features], [thread[f.id] for f in features]


def lone_analysis(
    features: list[DocFeatures],
    extra: set[Pair],
    config: Config,
    flagged: frozenset[Pair],
    bar: float,
) -> batch.Analysis:
    """:func:`headline_splits.widened_analysis` with rule L on: ``flagged`` taken as the
    pairs only the floor proposed, read at ``bar``."""
    saved = switches.LONE_FLOOR_BAR, batch.propose_flagged_pairs, batch.lone_floor_bar

    def flagged_as_given(feats: Any, groups: Any, cfg: Config) -> tuple[list[Pair], set[Pair]]:
        # batch.propose_pairs at call time: widened_analysis's widened one.
        return batch.propose_pairs(feats, groups, cfg), set(flagged)

    switches.LONE_FLOOR_BAR = True
    batch.propose_flagged_pairs = flagged_as_given  # type: ignore[assignment]
    batch.lone_floor_bar = lambda cfg: bar  # type: ignore[assignment]
    try:
        return widened_analysis(features, extra, config)
    finally:
        switches.LONE_FLOOR_BAR, batch.propose_flagged_pairs, batch.lone_floor_bar = saved


class SetRun:
    """One set in one form: its features, gold, topics and each option's added pairs."""

    def __init__(self, spec: str, options: list[str], config: Config, cache: Path) -> None:
        self.spec = spec
        self.features, gold = load(spec, config, cache)
        self.gold = np.array(gold)
        self.topics = topics_of(spec)
        assert len(self.topics) == len(self.features)
        copies = collapse_copies(self.features, config)
        reps = copies.reps
        rows = [self.features[r] for r in reps]
        row_of = {r: k for k, r in enumerate(reps)}
        proposed = {(row_of[i], row_of[j]) for i, j in propose_pairs(self.features, copies, config)}
        index = candidates.candidate_index(rows, config)
        self.added: dict[str, set[Pair]] = {"base": set()}
        self.bar: dict[str, float | None] = {"base": None}
        found: dict[str, set[Pair]] = {}
        for name in options:
            pairs_option, self.bar[name] = lone_bar(name, config)
            if pairs_option not in found:
                pairs = option_pairs(index, rows, config, pairs_option) - proposed
                found[pairs_option] = {(reps[i], reps[j]) for i, j in pairs}
            self.added[name] = found[pairs_option]
        self.floor_pairs: set[Pair] | None = None
        if config.short_text_ann_min_cosine is None:
            shipped = propose_pairs(self.features, copies, DEFAULT_CONFIG)
            self.floor_pairs = {(i, j) for i, j in shipped} - {
                (reps[i], reps[j]) for i, j in proposed
            }
        self.config = config
        self.memo: dict[tuple, tuple[list, list]] = {}

    def flagged(self, name: str) -> frozenset[Pair]:
        """The pairs option ``name``'s rule L reads (none without a ``lone`` part)."""
        return frozenset() if self.bar[name] is None else frozenset(self.added[name])

    def run(
        self, extra: set[Pair], flagged: frozenset[Pair] = frozenset(), bar: float | None = None
    ) -> tuple[list, list]:
        key = (frozenset(extra), flagged, bar)
        if key not in self.memo:
            self.memo[key] = labels(self.features, extra, self.config, flagged, bar)
        return self.memo[key]

    def option_ari(self, name: str, keep: np.ndarray | None = None) -> tuple[float, float]:
        """:meth:`ari` of option ``name`` (its pairs, its rule L)."""
        return self.ari(self.added[name], keep, self.flagged(name), self.bar[name])

    def ari(
        self,
        extra: set[Pair],
        keep: np.ndarray | None = None,
        flagged: frozenset[Pair] = frozenset(),
        bar: float | None = None,
    ) -> tuple[float, float]:
        story, thread = (np.array(x) for x in self.run(extra, flagged, bar))
        kept = slice(None) if keep is None else keep
        return (
            float(adjusted_rand_score(self.gold[kept], story[kept])),
            float(adjusted_rand_score(self.gold[kept], thread[kept])),
        )


def fold_of_topics(runs: list[SetRun], seed: int) -> dict[str, int]:
    topics = sorted({t for r in runs for t in r.topics})
    order = np.random.RandomState(seed).permutation(len(topics))
    return {t: int(order[k] % FOLDS) for k, t in enumerate(topics)}


def cross_validated(runs: list[SetRun], names: list[str], seed: int) -> dict[str, Any]:
    """Each fold's option (best mean story ARI off the fold) and the sets' CV ARIs."""
    fold_of = fold_of_topics(runs, seed)
    folds = [np.array([fold_of[t] for t in r.topics]) for r in runs]
    choices = []
    for f in range(FOLDS):
        means = {
            name: float(
                np.mean(
                    [r.option_ari(name, fold != f)[0] for r, fold in zip(runs, folds, strict=True)]
                )
            )
            for name in names
        }
        choices.append(max(names, key=lambda n: means[n]))
    rows = {}
    for r in runs:
        fold_at = {i: fold_of[t] for i, t in enumerate(r.topics)}
        extra = {
            p
            for f, name in enumerate(choices)
            for p in r.added[name]
            if f in (fold_at[p[0]], fold_at[p[1]])
        }
        # Rule L on a pair when a fold it touches chose a lone option (one bar a run).
        flagged = frozenset(
            p
            for f, name in enumerate(choices)
            for p in r.flagged(name)
            if f in (fold_at[p[0]], fold_at[p[1]])
        )
        bars = {r.bar[name] for name in choices} - {None}
        rows[r.spec] = r.ari(extra, None, flagged, next(iter(bars)) if bars else None)
    return {"seed": seed, "choices": choices, "ari": rows}


def floor_off(config: Config) -> Config:
    """``config`` without screen S's short-text vector floor."""
    return config.replace(short_text_ann_min_cosine=None)


def minus(
    rows: dict[str, tuple[float, float]], other: dict[str, tuple[float, float]]
) -> dict[str, list[float]]:
    """Each set's (story, thread) ARI minus ``other``'s, to 4 decimals."""
    return {
        spec: [round(a - b, 4) for a, b in zip(row, other[spec], strict=True)]
        for spec, row in rows.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="ecbplus_dev,meantime_dev,gva_dev")
    parser.add_argument("--forms", default="full,lead,summary,headline")
    parser.add_argument("--options", default="floor:0.25+words:25,floor:0.2+words:25,floor:0.2")
    parser.add_argument("--fold-seeds", default="100,101,102")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/short_floor_cv"))
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--floor-off", action="store_true", help="the base is production without the short floor"
    )
    parser.add_argument("--against", default=None, help="judge the options against this one")
    args = parser.parse_args(argv)
    options = [o for o in args.options.split(",") if o]
    names = ["base", *options]
    if args.against is not None and args.against not in options:
        parser.error(f"--against {args.against!r} is not one of --options")
    choices = options if args.against else names
    config = floor_off(DEFAULT_CONFIG) if args.floor_off else DEFAULT_CONFIG
    bars = {lone_bar(o, config)[1] for o in options} - {None}
    if len(bars) > 1:
        parser.error(f"one lone bar a run, got {sorted(b for b in bars if b is not None)}")
    specs = [
        s if form == "full" else f"{s}:{form}"
        for s in args.sets.split(",")
        for form in args.forms.split(",")
    ]
    runs = []
    in_sample: dict[str, dict[str, Any]] = {}
    for spec in specs:
        r = SetRun(spec, options, config, args.cache)
        runs.append(r)
        in_sample[spec] = {
            name: {"added": len(r.added[name]), "ari": [round(x, 4) for x in r.option_ari(name)]}
            for name in names
        }
        if r.floor_pairs is not None:
            in_sample[spec]["floor pairs"] = len(r.floor_pairs)
            in_sample[spec]["differs"] = {n: len(r.added[n] ^ r.floor_pairs) for n in options}
        print(json.dumps({"set": spec, **in_sample[spec]}), flush=True)
    cv = []
    for seed in (int(s) for s in args.fold_seeds.split(",")):
        row = cross_validated(runs, choices, seed)
        base = {r.spec: r.ari(set()) for r in runs}
        row["minus_base"] = minus(row["ari"], base)
        if args.against:
            against = {r.spec: r.option_ari(args.against) for r in runs}
            row["minus_against"] = minus(row["ari"], against)
        row["ari"] = {k: [round(x, 4) for x in v] for k, v in row["ari"].items()}
        cv.append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps({"in_sample": in_sample, "cv": cv}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
