"""What a short form loses against its full texts, pair by pair, and why.

    python scripts/short_trace.py [--data ../shared/data] [--cache /tmp/samestory-fit-static]
        [--encoder static|use] [--sets ecbplus_dev,meantime_dev] [--forms lead,headline]
        [--floor] [--json OUT]

Each set is built in full and in each short form as ``scripts/short_ceiling.py`` builds
it (production's stages up to scoring under the encoder's own config), scored by the
shipped model and grouped by production's grouping (``DevSet.grouping``: the
exclusive-names step, versions as items, roundups). Article pairs are then compared:

- *lost, missed*: one gold story, together in the full texts' grouping, apart in the
  short form's;
- *lost, merged*: two gold stories, apart in the full texts, together in the short form.

(And the reverse, *won*, for the net.) A lost missed pair goes to the first class that
holds, read on the short form:

- ``not proposed``: no candidate route proposed the pair (counts 0 in the linkage);
- ``linked``: scored >= the threshold after the exclusive-names step, the two parts'
  average linkage under it;
- ``cut by the step``: >= the threshold as scored, under it after the step;
- ``just under``: scored in [threshold - 0.1, threshold);
- ``far under``: scored under threshold - 0.1.

For the scored classes it says what holds the score down (``held by``): the date factor
(the score without it would reach the threshold), the conflict part, the short part
(negative), else the cues themselves. For every lost pair it says whether the two short
texts share any evidence at all: a name, a number, or a date within 30 days (``bare``:
none of the three; no text model reaches those, the floor of the gap). Writes nothing
but ``--json``.

``--floor``: ARI of the short form with its proposed pairs scored by the gold (1 same
story, 0 not) and grouped by production, all of them (``oracle``), only the same-story
or only the different-story ones (the others as scored), and all but the ones no pair
evidence reaches, kept as scored: the bare same-story pairs (``but bare``), and also the
different-story pairs with no date difference (gap unknown or at most 7 days), no year
gap and no number conflict (``but bare, indistinct``; a bound of what fixing every pair
with evidence gives, never proposed pairs left out).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_story_model as fsm
import short_ceiling

from samestory import exclusive, relate
from samestory.config import DEFAULT_CONFIG, Config

MISSED = ("not proposed", "linked", "cut by the step", "just under", "far under")
HELD = ("date factor", "conflicts", "short part", "cues")
JUST_UNDER = 0.1
# Story pairs listed by the merges they lose (all of them in --json).
TOP = 10
# Dates at most this many days apart tell two texts' events apart no more than no date:
# the near step's (params: event_model.date_gate.near_days).
NEAR_DAYS = 7


class Scored:
    """One form's grouping and each proposed pair's scores and score parts."""

    def __init__(self, dev: fsm.DevSet, config: Config) -> None:
        self.dev = dev
        model = relate.STORY_MODEL
        scores = dev.scores(model, config)
        self.labels = dev.grouping(scores, config)
        copied = dev.shipped_copies(config)
        copies = [p for p, c in zip(dev.pairs, copied.tolist(), strict=True) if c]
        views = exclusive.WithCopies(dev.name_views, copies)
        after = exclusive.before_grouping(views, dev._scored(scores))
        self.rep = dev.copies.copy_of()
        self.pair: dict[tuple[int, int], dict[str, Any]] = {}
        for k, ((i, j), s, (_, _, s2)) in enumerate(zip(dev.pairs, scores, after, strict=True)):
            self.pair[min(i, j), max(i, j)] = self._parts(k, float(s), float(s2), model)

    def _parts(self, k: int, score: float, after: float, model: relate.StoryModel) -> dict:
        m = self.dev.measures[k]
        c = m.cues
        x = c.vector()
        u = model.short_strength(c.shorter_words, c.shortness, c.longer_words)
        short = u * (model.short_bias + float(np.dot(model.short_weights, x)))
        conflicts = float(np.dot(model.conflict_weights, c.conflicts()))
        logit = model.event_logit(c)
        factor = relate._date_factor(m, model)
        return {
            "score": score,
            "after_step": after,
            "logit": logit,
            "short": short,
            "conflicts": conflicts,
            "factor": factor,
            "rewrite": m.rewrite_evidence,
            "gap": m.date_gap,
        }

    def scored(self, i: int, j: int) -> dict[str, Any] | None:
        """The pair's parts, read between the two texts' copy representatives."""
        a, b = self._root(i), self._root(j)
        if a == b:
            return {"score": 1.0, "after_step": 1.0, "copy": True}
        return self.pair.get((min(i, j), max(i, j))) or self.pair.get((min(a, b), max(a, b)))

    def _root(self, i: int) -> int:
        r = self.rep[i]
        return i if r is None else r


def held_by(parts: dict[str, Any], threshold: float) -> str:
    """Which input alone, taken out, would lift a scored pair to ``threshold``."""
    p = 1.0 / (1.0 + np.exp(-parts["logit"]))
    best = max(p, parts["rewrite"])
    if parts["factor"] < 1.0 and best >= threshold:
        return "date factor"
    f = parts["factor"]
    for name in ("conflicts", "short"):
        if parts[name] < 0 and max(_p(parts["logit"] - parts[name]), parts["rewrite"]) * f >= (
            threshold
        ):
            return "short part" if name == "short" else name
    return "cues"


def _p(logit: float) -> float:
    return float(1.0 / (1.0 + np.exp(-logit)))


def evidence(a: Any, b: Any) -> dict[str, Any]:
    """What two short texts share: names, numbers, a date within 30 days."""
    gap = relate.date_gap(a, b)
    return {
        "names": sorted(a.entities & b.entities),
        "numbers": sorted(a.numbers & b.numbers),
        "date": gap is not None and gap <= relate.DATE_GAP_DAYS,
        "gap": gap,
    }


def bare(ev: dict[str, Any]) -> bool:
    return not ev["names"] and not ev["numbers"] and not ev["date"]


def trace(full: Scored, short: Scored, threshold: float) -> dict[str, Any]:
    """The pairs the short form loses and wins against the full texts, by class."""
    gold = dict(zip((f.id for f in full.dev.features), full.dev.gold, strict=True))
    ids = [f.id for f in short.dev.features]
    fl = {f.id: full.labels[k] for k, f in enumerate(full.dev.features)}
    fk = {f.id: k for k, f in enumerate(full.dev.features)}
    missed: Counter[str] = Counter()
    held: Counter[str] = Counter()
    merged: Counter[str] = Counter()
    merged_how: Counter[str] = Counter()
    bare_missed = bare_merged = won_missed = won_merged = 0
    rows = []
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            same = gold[ids[i]] == gold[ids[j]]
            together_full = fl[ids[i]] == fl[ids[j]]
            together = short.labels[i] == short.labels[j]
            if together_full == together:
                continue
            if together_full == same:  # the full texts right, the short form wrong: lost
                parts = short.scored(i, j)
                ev = evidence(short.dev.features[i], short.dev.features[j])
                if same:
                    cls = _missed_class(parts, threshold)
                    missed[cls] += 1
                    bare_missed += bare(ev)
                    if cls in ("just under", "far under"):
                        held[f"{cls}: {held_by(parts, threshold)}"] += 1
                else:
                    merged["+".join(sorted((gold[ids[i]], gold[ids[j]])))] += 1
                    merged_how[_merged_class(parts, threshold)] += 1
                    bare_merged += bare(ev)
                row = _row(ids[i], ids[j], same, parts, ev, gold)
                row["full"] = full.scored(fk[ids[i]], fk[ids[j]])
                rows.append(row)
            elif same:
                won_missed += 1
            else:
                won_merged += 1
    return {
        "lost_missed": sum(missed.values()),
        "lost_merged": sum(merged.values()),
        "won_missed": won_missed,
        "won_merged": won_merged,
        "missed": dict(missed),
        "held": dict(held),
        "bare_missed": bare_missed,
        "merged_by_stories": dict(merged.most_common()),
        "merged_how": dict(merged_how),
        "bare_merged": bare_merged,
        "rows": rows,
    }


def floor(dev: fsm.DevSet, config: Config) -> dict[str, float]:
    """ARI of ``dev`` with some of its proposed pairs scored by the gold (``--floor``)."""
    scores = dev.scores(relate.STORY_MODEL, config)
    same = np.array([dev.gold[i] == dev.gold[j] for i, j in dev.pairs], dtype=bool)
    gold = same.astype(np.float64)
    bare_pair = np.zeros(len(dev.pairs), dtype=bool)
    indistinct = np.zeros(len(dev.pairs), dtype=bool)
    for k, (i, j) in enumerate(dev.pairs):
        bare_pair[k] = bare(evidence(dev.features[i], dev.features[j]))
        m = dev.measures[k]
        near = m.date_gap is None or m.date_gap <= NEAR_DAYS
        indistinct[k] = near and m.cues.year_gap == 0 and m.cues.number_conflict == 0
    kept_bare = same & bare_pair
    kept = kept_bare | (~same & indistinct)
    runs = {
        "shipped": scores,
        "oracle": gold,
        "oracle, same-story pairs only": np.where(same, gold, scores),
        "oracle, different-story pairs only": np.where(same, scores, gold),
        "oracle but bare": np.where(kept_bare, scores, gold),
        "oracle but bare, indistinct": np.where(kept, scores, gold),
    }
    return {
        name: round(float(adjusted_rand_score(dev.gold, dev.grouping(s, config))), 4)
        for name, s in runs.items()
    }


def _missed_class(parts: dict[str, Any] | None, threshold: float) -> str:
    if parts is None:
        return "not proposed"
    if parts["after_step"] >= threshold:
        return "linked"
    if parts["score"] >= threshold:
        return "cut by the step"
    return "just under" if parts["score"] >= threshold - JUST_UNDER else "far under"


def _merged_class(parts: dict[str, Any] | None, threshold: float) -> str:
    """A wrongly merged pair: linked itself (>= the threshold after the step), or joined
    through other texts (scored under, or not proposed)."""
    if parts is None:
        return "chained, not proposed"
    if parts.get("copy"):
        return "copies"
    return "linked" if parts["after_step"] >= threshold else "chained, scored under"


def _row(a: str, b: str, same: bool, parts: Any, ev: dict[str, Any], gold: dict) -> dict:
    out = {"a": a, "b": b, "same": same, "stories": [gold[a], gold[b]], **ev}
    if parts is not None:
        out.update({k: v for k, v in parts.items() if k != "copy"})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    short_ceiling.add_set_arguments(parser)
    parser.set_defaults(sets="ecbplus_dev,meantime_dev", forms="lead,headline")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--floor", action="store_true", help="the gold-scored bounds too")
    args = parser.parse_args(argv)
    cache = short_ceiling.cache_of(args)
    config = DEFAULT_CONFIG.replace(encoder=args.encoder)
    threshold = config.same_story_threshold
    out: dict[str, Any] = {}
    for base in args.sets.split(","):
        full = Scored(
            short_ceiling.build(base, "full", args.data, cache, args.encoder, config), config
        )
        print(f"{base} full ARI {adjusted_rand_score(full.dev.gold, full.labels):.4f}", flush=True)
        for form in args.forms.split(","):
            if form == "full":
                continue
            dev = short_ceiling.build(base, form, args.data, cache, args.encoder, config)
            short = Scored(dev, config)
            t = trace(full, short, threshold)
            ari = adjusted_rand_score(dev.gold, short.labels)
            print(f"{dev.name} ARI {ari:.4f}", flush=True)
            for key in ("lost_missed", "won_missed", "lost_merged", "won_merged"):
                print(f"  {key}: {t[key]}")
            print(f"  missed by class: {t['missed']}  bare {t['bare_missed']}")
            print(f"  scored under, held by: {t['held']}")
            print(f"  merged by how: {t['merged_how']}  bare {t['bare_merged']}")
            top = dict(list(t["merged_by_stories"].items())[:TOP])
            print(f"  merged by stories (largest {TOP}): {top}", flush=True)
            out[dev.name] = t
            if args.floor:
                t["floor"] = floor(dev, config)
                print(f"  floor: {t['floor']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
