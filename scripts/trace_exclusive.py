"""Which stories the exclusive-names step splits on a corpus, traced by gold story.

    python scripts/trace_exclusive.py [--set 100000] [--cache /tmp/samestory-screen]
        [--out /tmp/excl2/100000.pkl]

Runs production's pipeline from the cached features (``benchmarks/candidate_screen.py``'s
cache: copy collapse, ``propose_pairs``, lean ``score_pairs``), then plain ``group`` of
the pairs as scored and after ``exclusive.before_grouping`` (copies as the batch hands
them), and pickles what a trace reads: pairs, scores before/after, copy pairs, copy_of,
gold, both groupings (``--out``). ``--load`` reads that pickle instead and prints the
trace: gold stories split with the step and not without, and the cut pairs inside them.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from candidate_screen import features_of, load, scored_candidates  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from samestory import exclusive  # noqa: E402
from samestory.config import DEFAULT_CONFIG  # noqa: E402
from samestory.models import SCORE_DIGITS, Relation, RelationKind  # noqa: E402
from samestory.pipeline.group import group  # noqa: E402
from samestory.stories import DisjointSets  # noqa: E402

# Branch excl-hook2's copy rule (exclusive.is_copy_relation there): an exact or
# near-duplicate relation, or a rewrite keeping this share of the shorter text's shingles.
COPY_CONTAINMENT = 0.5


def is_copy(r: Relation) -> bool:
    if r.kind in exclusive.COPY_KINDS:
        return True
    containment = r.evidence.scores.get("shingle_containment", 0.0)
    return r.kind is RelationKind.REWRITE and round(containment, SCORE_DIGITS) >= COPY_CONTAINMENT


def compute(name: str, cache: Path) -> dict[str, Any]:
    config = DEFAULT_CONFIG
    t = time.process_time()
    articles, gold = load(name)
    features = features_of(name, articles, config, cache)
    print("features", len(features), round(time.process_time() - t, 1), flush=True)
    run = scored_candidates(features, config)
    pairs, rel, scored = run.pairs, run.relations, run.scored
    kinds = [r.kind.value if r.kind else None for r in rel]
    copied = [p for p, r in zip(pairs, rel, strict=True) if is_copy(r)]
    copy_of = run.copy_of
    print("scored", len(scored), "copy pairs", len(copied), flush=True)
    views = exclusive.InContext(features, copies=copied)
    grouped = list(exclusive.before_grouping(views, scored))
    names = {k: views.specific(k) for p in pairs for k in p}
    plain = group(len(features), scored, copy_of, config)
    stepped = group(len(features), grouped, copy_of, config)
    return {
        "gold": [str(g) for g in gold],
        "ids": [f.id for f in features],
        "scored": scored,
        "grouped": grouped,
        "kinds": kinds,
        "copied": copied,
        "copy_of": copy_of,
        "names": names,
        "plain": plain,
        "stepped": stepped,
    }


def ari(gold: list[str], groups: list[list[int]]) -> float:
    label = {i: k for k, g in enumerate(groups) for i in g}
    return float(adjusted_rand_score(gold, [label[i] for i in range(len(gold))]))


def report(d: dict[str, Any], top: int) -> None:
    gold = d["gold"]
    print(
        "ARI plain", round(ari(gold, d["plain"]), 4), "stepped", round(ari(gold, d["stepped"]), 4)
    )
    for key in ("plain", "stepped"):
        together: Counter[str] = Counter()
        for g in d[key]:
            for gg, c in Counter(gold[i] for i in g).items():
                together[gg] += c * (c - 1) // 2
        apart_in: Counter[str] = Counter()
        for g, c in Counter(gold).items():
            apart_in[g] = c * (c - 1) // 2 - together[g]
        d[f"apart_{key}"] = apart_in
        merged = sum(len(g) * (len(g) - 1) // 2 for g in d[key]) - sum(together.values())
        print(
            key,
            "same-story pairs apart",
            sum(apart_in.values()),
            "two-story pairs together",
            merged,
        )
        parts: dict[str, set[int]] = defaultdict(set)
        for k, g in enumerate(d[key]):
            for i in g:
                parts[gold[i]].add(k)
        d[f"parts_{key}"] = {g: len(v) for g, v in parts.items()}
    split = [g for g in d["parts_stepped"] if d["parts_stepped"][g] > d["parts_plain"][g]]
    print("gold stories", len(d["parts_plain"]), "split more with the step", len(split))
    cut = [
        (a[0], a[1], a[2], b[2], k)
        for a, b, k in zip(d["scored"], d["grouped"], d["kinds"], strict=True)
        if b[2] < a[2]
    ]
    print("pairs cut", len(cut), "same-gold", sum(gold[i] == gold[j] for i, j, *_ in cut))
    print("cut by kind (same gold)", Counter(k for i, j, s, t, k in cut if gold[i] == gold[j]))
    print("cut by kind (two golds)", Counter(k for i, j, s, t, k in cut if gold[i] != gold[j]))
    size = Counter(gold)
    loss = {g: d["apart_stepped"][g] - d["apart_plain"][g] for g in size}
    print(
        "same-story pairs newly apart, top stories:",
        sorted(loss.items(), key=lambda x: -x[1])[:top],
    )
    for g in sorted(split, key=lambda g: -loss[g])[:top]:
        inside = [c for c in cut if gold[c[0]] == g and gold[c[1]] == g]
        links = [p for p in d["scored"] if gold[p[0]] == g and gold[p[1]] == g]
        print(
            f"{g}: {size[g]} texts, parts {d['parts_plain'][g]} -> {d['parts_stepped'][g]}, "
            f"scored pairs inside {len(links)}, cut {len(inside)}"
        )
        trace_versions(d, inside)
        trace_linkage(d, d, g)
        for i, j, s, t, k in inside[:3]:
            ni, nj = d["names"][i], d["names"][j]
            only_i, only_j = sorted(ni - nj)[:6], sorted(nj - ni)[:6]
            print(f"   {d['ids'][i]} {d['ids'][j]} {k} {s:.3f}->{t:.3f} {only_i} / {only_j}")


def copy_chains(d: dict[str, Any]) -> Any:
    """Each text's copy component: joined by any copy pair, names aside."""
    parent: dict[int, int] = {}

    def find(k: int) -> int:
        while parent.get(k, k) != k:
            k = parent[k]
        return k

    for i, j in d["copied"]:
        a, b = find(i), find(j)
        if a != b:
            parent[a] = b
    return find


def trace_versions(d: dict[str, Any], inside: list[Any]) -> None:
    """For a split story's cut pairs: the two versions' sizes, the pairs scored between
    them and how many were cut, and whether a copy chain joins them."""
    if "version" not in d:
        d["version"] = exclusive.versions_of(d["copied"], lambda k: d["names"].get(k, frozenset()))
        d["chain"] = copy_chains(d)
        members: dict[int, int] = Counter()
        for k in range(len(d["gold"])):
            if d["copy_of"][k] is None:
                members[d["version"](k)] += 1
        d["vsize"] = members
        between: dict[tuple[int, int], list[bool]] = defaultdict(list)
        for a, b in zip(d["scored"], d["grouped"], strict=True):
            x, y = sorted((d["version"](a[0]), d["version"](a[1])))
            between[(x, y)].append(b[2] < a[2])
        d["between"] = between
    v = d["version"]
    rows = Counter()
    for i, j, *_ in inside:
        x, y = sorted((v(i), v(j)))
        cuts = d["between"][(x, y)]
        same_original = d["ids"][i].split("~")[0] == d["ids"][j].split("~")[0]
        rows[
            (
                d["vsize"][x],
                d["vsize"][y],
                len(cuts),
                sum(cuts),
                d["chain"](i) == d["chain"](j),
                same_original,
            )
        ] += 1
    print("   (version sizes, pairs between, cut, copy chain, same original): count")
    for key, n in rows.most_common(6):
        print("   ", key, n)


def original(text_id: str) -> str:
    """The synthetic corpus's original of a text (its id before ``~v``)."""
    return text_id.split("~")[0]


def trace_linkage(d: dict[str, Any], sides_from: dict[str, Any], g: str) -> None:
    """Gold story ``g``'s two largest parts with the step in ``sides_from`` (their
    originals), and in ``d`` the average linkage between those originals' copy groups
    (sum of the scores between them over the product of their counts: unscored pairs
    are 0), as scored and after the step, and the share of item pairs scored."""
    ref = sides_from
    group_of = {i: k for k, members in enumerate(ref["stepped"]) for i in members}
    big = Counter(group_of[i] for i in range(len(ref["gold"])) if ref["gold"][i] == g)
    if len(big) < 2:
        return
    (a, _), (b, _) = big.most_common(2)
    sides = [{original(ref["ids"][i]) for i in ref["stepped"][x]} for x in (a, b)]
    items = [
        {
            k
            for k in range(len(d["gold"]))
            if d["copy_of"][k] is None and d["gold"][k] == g and original(d["ids"][k]) in side
        }
        for side in sides
    ]
    A, B = items
    everyone = A | B
    inside = sum(1 for p in d["scored"] if p[0] in everyone and p[1] in everyone)
    n = len(everyone)
    print(f"   items {len(A)} + {len(B)}, item pairs scored {inside} of {n * (n - 1) // 2}")
    for key in ("scored", "grouped"):
        total = sum(p[2] for p in d[key] if (p[0] in A and p[1] in B) or (p[0] in B and p[1] in A))
        print(
            f"   {key}: linkage between the parts {total / (len(A) * len(B)):.3f} (sum {total:.1f})"
        )


def versions_as_copies(d: dict[str, Any]) -> None:
    """ARI of plain ``group`` with each version (``exclusive.versions_of``) made one copy
    group beside the copy collapse's, and with one copy group per synthetic original (an
    oracle: the grouping without the non-copy variants' diluted linkage)."""
    n = len(d["gold"])
    version = exclusive.versions_of(d["copied"], lambda k: d["names"].get(k, frozenset()))
    by_original: dict[str, int] = {}
    oracle = [by_original.setdefault(original(t), k) for k, t in enumerate(d["ids"])]
    for label, key_of in (("versions", version), ("originals (oracle)", oracle.__getitem__)):
        sets = DisjointSets(n)
        for i, j in enumerate(d["copy_of"]):
            if j is not None:
                sets.union(i, j)
        for k in range(n):
            sets.union(k, key_of(k))
        root = sets.roots()
        first: dict[int, int] = {}
        copy_of = [None if first.setdefault(root[k], k) == k else first[root[k]] for k in range(n)]
        items = len(first)
        for key in ("scored", "grouped"):
            groups = group(n, d[key], copy_of, DEFAULT_CONFIG)
            print(
                f"{label} as copy groups ({items} items), {key}: ARI {ari(d['gold'], groups):.4f}"
            )
            # Production's: merged as one item, weighing their copy groups for splinters.
            groups = group(n, d[key], d["copy_of"], DEFAULT_CONFIG, versions=copy_of)
            print(f"{label} as production groups them, {key}: ARI {ari(d['gold'], groups):.4f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="100000")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/samestory-screen"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/excl2/100000.pkl"))
    parser.add_argument("--load", action="store_true", help="trace a pickle written before")
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument(
        "--versions", action="store_true", help="regroup with versions / originals as copy groups"
    )
    parser.add_argument(
        "--sides-from",
        type=Path,
        help="a pickle whose split parts (by original) to read the linkage of",
    )
    args = parser.parse_args(argv)
    if args.load:
        d = pickle.loads(args.out.read_bytes())
    else:
        d = compute(args.set, args.cache)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(pickle.dumps(d))
    report(d, args.top)
    if args.versions:
        versions_as_copies(d)
    if args.sides_from:
        ref = pickle.loads(args.sides_from.read_bytes())
        gold_sizes = Counter(ref["gold"])
        for g in sorted(gold_sizes, key=lambda g: -gold_sizes[g]):
            if len(
                {k for k, m in enumerate(ref["stepped"]) for i in m if ref["gold"][i] == g}
            ) > len({k for k, m in enumerate(ref["plain"]) for i in m if ref["gold"][i] == g}):
                print(g, "parts as split in", args.sides_from)
                trace_linkage(d, ref, g)
    return 0


if __name__ == "__main__":
    sys.exit(main())
