"""What two stories' texts share when the thread model links them with no shared rare
person or place: every shared name of any specificity, by the role either text gives it
(a person, a place or institution, none), right (one gold story) or wrong.

    python benchmarks/thread_shared_kinds.py [--data DIR] [--cache DIR] [--encoder static]
        [--cut reader] [--model FILE] [--other FILE]
        [--tables gva_dev.headline,meantime_dev.headline,...] [--examples 6] [--json FILE]

The tables are ``scripts/fit_thread_model.py``'s (``--cache`` shared with it: give the
fit's cache of the same encoder and cut), scored by the thread model ``--model`` (default:
the shipped file) and, if given, ``--other`` (a candidate file) as production scores them.
A pair counts when it joins two found stories (copy groups' representatives, roundups left
out, :func:`thread_far_trace.linked_pairs`), either model puts it at the attach bar (half
the threshold) or above, and its texts share no rare name read as a person or a place
(the pairs ``samestory.threads``' correction-only inputs
``far_apart_no_person_place`` and ``weeks_apart_no_person_place`` read). For each: the gap
band the model reads (0-7, 8-30, > 30 days, unknown), one language or two, and each shared
name with its specificity and role (:func:`samestory.name_roles.name_roles` over either
text's sentences, read for every shared name, not only the rare ones). Per table it prints
the counts by (band, right / wrong, what is shared, whether ``--other`` keeps the pair at
the bar) and examples. Fits nothing, writes nothing but ``--json``.

Why: a town common to every incident of the place (GVA's later coverage of one shooting)
and a company common to one company's news (MEANTIME's two events) are both "no rare
person or place" to the stored inputs (docs/history/accuracy.md, 2026-12-06 threadfile).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import fit_thread_model as fit
from thread_far_trace import NAMES, linked_pairs, parsed, read_model, table_options

from samestory import lexical, name_roles, threads
from samestory.features import DocFeatures

TABLES = tuple(
    f"{s}.{f}" for s in ("gva_dev", "meantime_dev", "ecbplus_dev") for f in ("headline", "lead")
)


def gap_band(row: np.ndarray) -> str:
    """The gap the model reads, in the bands the correction-only inputs cut."""
    if row[NAMES.index("gap_unknown")] > 0:
        return "unknown"
    days = float(np.expm1(row[NAMES.index("log_gap")]))
    if days > threads.FAR_APART_DAYS:
        return ">30"
    return "8-30" if days > threads.NEAR_DAYS else "0-7"


def no_rare_person_or_place(row: np.ndarray) -> bool:
    return (
        row[NAMES.index("log_rare_shared_people")] == 0.0
        and row[NAMES.index("log_rare_shared_places")] == 0.0
    )


def shared_names(a: DocFeatures, b: DocFeatures) -> list[dict[str, Any]]:
    """Every name both texts have, with its specificity and the role either text reads."""
    a_places, a_people = name_roles.name_roles(tuple(a.sentences))
    b_places, b_people = name_roles.name_roles(tuple(b.sentences))
    out = []
    for name in sorted(a.entities & b.entities):
        if name in a_people or name in b_people:
            role = "person"
        elif name in a_places or name in b_places:
            role = "place"
        else:
            role = "none"
        value = lexical.specificity(name, a.lang)
        if a.lang != b.lang:
            value = 0.5 * (value + lexical.specificity(name, b.lang))
        out.append({"name": name, "role": role, "specificity": round(value, 2)})
    return out


def what_is_shared(names: list[dict[str, Any]]) -> str:
    """A pair's shape: a person of any specificity, else a place, else names with no
    role (a company, a word a headline capitalises), else nothing."""
    roles = {n["role"] for n in names}
    for role in ("person", "place"):
        if role in roles:
            return f"{role} (any)"
    return "names, no role" if names else "no name"


def trace_table(
    name: str,
    args: argparse.Namespace,
    model: threads.ThreadModel,
    other: threads.ThreadModel | None,
) -> dict[str, Any]:
    config = fit.fit_config(args.encoder, fit.DEFAULT_CONFIG.min_keyword_cosine)
    table = fit.pair_table(name, args.data, args.cache, config, args.cut)
    features = fit.article_features(name, args.data, args.cache, args.encoder, args.cut)
    p = np.array(threads.thread_probabilities(table["x"], model))
    q = np.array(threads.thread_probabilities(table["x"], other)) if other else p
    bar = model.threshold / 2
    thread_of = fit.found_threads(table, p, model.threshold)
    story_of, gold = table["story_of"], table["gold"]
    rows = []
    for k in linked_pairs(table, np.maximum(p, q), bar):
        x = table["x"][k]
        if not no_rare_person_or_place(x):
            continue
        i, j = table["pairs"][k]
        names = shared_names(features[i], features[j])
        rows.append(
            {
                "pair": [features[i].id, features[j].id],
                "right": gold[i] == gold[j],
                "one_thread": thread_of[story_of[i]] == thread_of[story_of[j]],
                "p": round(float(p[k]), 3),
                "p_other": round(float(q[k]), 3),
                "band": gap_band(x),
                "days": round(float(np.expm1(x[NAMES.index("log_gap")]))),
                "languages": "one" if features[i].lang == features[j].lang else "two",
                "shared": what_is_shared(names),
                "names": names,
                "lines": [features[i].sentences[0][:90], features[j].sentences[0][:90]],
            }
        )
    return {"table": name, "pairs": rows, "bar": bar}


def report(result: dict[str, Any], examples: int, other: bool) -> None:
    rows, bar = result["pairs"], result["bar"]
    print(f"\n== {result['table']}: {len(rows)} pairs of two stories, no rare person or place")
    counts = Counter(
        (
            r["band"],
            "right" if r["right"] else "wrong",
            r["shared"],
            r["languages"],
            "kept" if r["p_other"] >= bar else "under",
        )
        for r in rows
    )
    print("  count  band     verdict  shared          languages  other model")
    for key, n in sorted(counts.items()):
        kept = key[4] if other else "-"
        print(f"  {n:5d}  {key[0]:7s}  {key[1]:7s}  {key[2]:15s} {key[3]:9s}  {kept}")
    for band in ("8-30", ">30"):
        for right in (True, False):
            picked = [r for r in rows if r["band"] == band and r["right"] is right]
            picked.sort(key=lambda r: -r["p"])
            label = "right" if right else "wrong"
            for r in picked[:examples]:
                names = ", ".join(
                    f"{n['name']}:{n['role']}:{n['specificity']}" for n in r["names"][:8]
                )
                print(
                    f"  [{band} {label}] p {r['p']:.3f} -> {r['p_other']:.3f}, {r['days']} days, "
                    f"{r['languages']} language(s), {'one thread' if r['one_thread'] else 'apart'}"
                )
                print(f"      {names}")
                print(f"      {r['lines'][0]!r}")
                print(f"      {r['lines'][1]!r}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    table_options(parser, TABLES, 6)
    parser.add_argument("--other", type=Path, default=None, help="a candidate thread file")
    args = parsed(parser, argv)
    model = read_model(args.model)
    other = read_model(args.other) if args.other else None
    results = []
    for name in [n for n in args.tables.split(",") if n]:
        results.append(trace_table(name, args, model, other))
        report(results[-1], args.examples, other is not None)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
