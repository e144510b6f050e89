"""The thread model's far-apart links traced: which pairs of two stories written more than a
month apart the thread model links, right (one gold story) or wrong, which of its inputs
carry them, and what the two texts share (event words, or only a company's or a person's
name).

    python benchmarks/thread_far_trace.py [--data DIR] [--cache DIR] [--encoder static]
        [--cut reader] [--model FILE] [--tables meantime_dev.headline,...]
        [--examples 8] [--json FILE]

The tables are ``scripts/fit_thread_model.py``'s (production's pipeline up to the scores,
``--cache`` shared with it: give the fit's cache of the same encoder and cut), scored by
the thread model ``--model`` (default: the shipped file) as production scores them. A pair
counts when it joins two found stories (copy groups' representatives, roundups left out,
as threads are grouped), its two texts are more than
:data:`samestory.threads.FAR_APART_DAYS` apart (the gap the model reads: its own, or its
stories', :func:`samestory.threads.borrowed_gaps`) and its thread probability reaches the
attach bar (half the model's threshold). For each: one gold story or two ("right" /
"wrong"), whether the two stories end in one found thread, the model's terms (weight times
input) that carry it, the short correction's term, and what the texts share: a rare name
either text's roles read as a person, one read as a place or institution, another rare
name, and **event words**, the shared words of :data:`EVENT_WORD_SPECIFICITY` or more that
are in no name either text has (a verdict, a delay, a flight; a company's name is not
one). Per table it prints the counts by those shapes and the strongest pairs of each
kind with their first lines. Fits nothing, writes nothing but ``--json``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_thread_model as fit

from samestory import lexical, threads
from samestory.features import DocFeatures

TABLES = tuple(f"{s}.{f}" for s in fit.SETS for f in ("headline", "lead")) + fit.SETS
# A word this specific (samestory.lexical.specificity, Zipf units from the top) or more is
# read as content: "the", "said", "new" fall under it, "verdict", "delay", "flight" over.
EVENT_WORD_SPECIFICITY = 3.0
_WORD = re.compile(r"[^\W\d_]{3,}")


def event_words(a: DocFeatures, b: DocFeatures) -> list[str]:
    """The words both texts' sentences have (lower case, three letters or more) of
    :data:`EVENT_WORD_SPECIFICITY` or more in either text's language, less every word of
    a name either text has."""
    named = {w for name in a.entities | b.entities for w in _WORD.findall(name.lower())}
    shared = _words(a) & _words(b) - named
    return sorted(
        w
        for w in shared
        if min(lexical.specificity(w, a.lang), lexical.specificity(w, b.lang))
        >= EVENT_WORD_SPECIFICITY
    )


def _words(f: DocFeatures) -> set[str]:
    return {w for s in f.sentences for w in _WORD.findall(s.lower())}


def linked_pairs(table: dict, p: np.ndarray, bar: float) -> list[int]:
    """Indices of the table's pairs between two stories' representatives (roundups left
    out) at the bar or above."""
    reps, left_out, story_of = set(table["reps"]), table["left_out"], table["story_of"]
    return [
        k
        for k, (i, j) in enumerate(table["pairs"])
        if i in reps
        and j in reps
        and not left_out & {i, j}
        and story_of[i] != story_of[j]
        and p[k] >= bar
    ]


NAMES = fit.ROW_NAMES


def terms(row: np.ndarray, model: threads.ThreadModel) -> dict[str, float]:
    """The model's log-odds terms of one row: weight times input by input (non-zero),
    and the short correction's term as ``correction``."""
    out = {n: float(w * v) for n, w, v in zip(model.names, model.weights, row, strict=True)}
    out = {n: v for n, v in out.items() if abs(v) >= 0.005}
    if model.short_words >= 0:
        u = threads._shortness(float(row[model.short_words]))
        inputs = threads.short_columns(row[None, :], model.names, model.short_names)[0]
        out["correction"] = float(u * (model.short_bias + model.short_weights @ inputs))
    return out


def band(row: np.ndarray) -> str:
    """The pair's gap as the model reads it: far apart, within a month, or unknown."""
    if row[NAMES.index("far_apart")] > 0:
        return "far"
    return "unknown" if row[NAMES.index("gap_unknown")] > 0 else "near"


def shape(row: np.ndarray, words: list[str]) -> str:
    """What the pair shares, by the inputs the model reads and the event words."""
    people = row[NAMES.index("log_rare_shared_people")] > 0
    places = row[NAMES.index("log_rare_shared_places")] > 0
    other = row[NAMES.index("log_rare_shared_names")] > 0 and not (people or places)
    name = "person" if people else "place" if places else "other name" if other else "no name"
    return f"{name}, {'event words' if words else 'no event word'}"


def trace_table(name: str, args: argparse.Namespace, model: threads.ThreadModel) -> dict[str, Any]:
    """One table's far links: counts by (right / wrong, one thread or not, shape) and
    the pairs themselves."""
    config = fit.fit_config(args.encoder, fit.DEFAULT_CONFIG.min_keyword_cosine)
    table = fit.pair_table(name, args.data, args.cache, config, args.cut)
    features = fit.article_features(name, args.data, args.cache, args.encoder, args.cut)
    p = np.array(threads.thread_probabilities(table["x"], model))
    thread_of = fit.found_threads(table, p, model.threshold)
    story_of, gold = table["story_of"], table["gold"]
    rows = []
    for k in linked_pairs(table, p, model.threshold / 2):
        i, j = table["pairs"][k]
        x = table["x"][k]
        words = event_words(features[i], features[j])
        rows.append(
            {
                "pair": [features[i].id, features[j].id],
                "right": gold[i] == gold[j],
                "one_thread": thread_of[story_of[i]] == thread_of[story_of[j]],
                "p": round(float(p[k]), 3),
                "days": round(float(np.expm1(x[NAMES.index("log_gap")]))),
                "band": band(x),
                "shape": shape(x, words),
                "event_words": words,
                "names": sorted(features[i].entities & features[j].entities),
                "terms": {n: round(v, 2) for n, v in terms(x, model).items()},
                "lines": [features[i].sentences[0][:90], features[j].sentences[0][:90]],
            }
        )
    return {"table": name, "pairs": rows}


def report(result: dict[str, Any], examples: int) -> None:
    rows = result["pairs"]
    print(f"\n== {result['table']}: {len(rows)} pairs of two stories at the attach bar or above")
    counts = Counter((r["right"], r["one_thread"], r["band"], r["shape"]) for r in rows)
    for (right, one, gap, kind), n in sorted(counts.items(), key=lambda c: (-c[1], str(c[0]))):
        verdict = "right" if right else "wrong"
        print(f"  {n:5d}  {verdict:5s}  {'one thread' if one else 'apart':10s}  {gap:7s}  {kind}")
    for right in (False, True):
        picked = sorted(
            (r for r in rows if r["right"] is right and r["one_thread"]), key=lambda r: -r["p"]
        )
        label = "right" if right else "wrong"
        for r in picked[:examples]:
            top = sorted(r["terms"].items(), key=lambda t: -abs(t[1]))[:6]
            print(f"  [{label}] p {r['p']:.3f}, {r['days']} days ({r['band']}), {r['shape']}")
            print(f"      names {r['names'][:5]}  event words {r['event_words'][:8]}")
            print(f"      terms {', '.join(f'{n} {v:+.2f}' for n, v in top)}")
            print(f"      {r['lines'][0]!r}")
            print(f"      {r['lines'][1]!r}")


def table_options(parser: argparse.ArgumentParser, tables: tuple[str, ...], examples: int) -> None:
    """The options of a trace over the fit's tables (this one's and thread_shared_kinds')."""
    parser.add_argument("--data", type=Path, default=fit.DEFAULT_DATA)
    parser.add_argument("--cache", type=Path, default=None)
    parser.add_argument("--encoder", choices=("use", "static"), default=fit.DEFAULT_CONFIG.encoder)
    parser.add_argument("--cut", choices=fit.SHORT_CUTS, default="reader")
    parser.add_argument("--model", type=Path, default=fit.OUT)
    parser.add_argument("--tables", default=",".join(tables))
    parser.add_argument("--examples", type=int, default=examples)
    parser.add_argument("--json", type=Path, default=None)


def parsed(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """The options, the cache defaulting to the encoder's and claimed for it."""
    args = parser.parse_args(argv)
    args.cache = args.cache or fit.DEFAULT_CACHE / args.encoder
    fit.claim_cache(args.cache, args.encoder)
    return args


def read_model(path: Path) -> threads.ThreadModel:
    return threads.model_from_data(json.loads(path.read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    table_options(parser, TABLES, 8)
    args = parsed(parser, argv)
    model = read_model(args.model)
    results = []
    for name in [n for n in args.tables.split(",") if n]:
        results.append(trace_table(name, args, model))
        report(results[-1], args.examples)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
