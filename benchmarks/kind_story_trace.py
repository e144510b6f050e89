"""Which stories a change of relation kinds moved: dump one analysis, diff two dumps.

    python benchmarks/kind_story_trace.py dump --corpus 100000 --out OLD.json.gz
    python benchmarks/kind_story_trace.py diff OLD.json.gz NEW.json.gz

``dump`` runs :func:`samestory.api.analyze` on a corpus as ``run_digest.py`` does (the
synthetic corpus of ``corpus.build_corpus``, seed 0, or ``real``) with whatever
``samestory`` is first on ``PYTHONPATH`` (a ``git archive`` tree of an older commit
works: this script reads only the public API and ``corpus.py``), and writes every
story's members and thread, every article's gold label, and every relation's pair,
kind, score, date gap, thread probability and dates, with the digests and ARI.

``diff`` prints the stories of one dump that are not stories of the other (the articles
that moved, with their gold labels, and each side's groups of them), the relations
whose kind or score differs (counted by kind -> kind, with examples), and which of those
join the moved articles.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import gzip
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_digest import analysis_digests
from speed import _ari, load_corpus

import samestory
from samestory import exclusive
from samestory.api import Analysis, analyze
from samestory.config import DEFAULT_CONFIG
from samestory.embed import encoder_for
from samestory.models import SCORE_DIGITS, Relation, RelationKind
from samestory.parallel import frozen_heap
from samestory.pipeline.batch import assemble_analysis, fewer_collections
from samestory.pipeline.copies import collapse_copies
from samestory.pipeline.featurise import featurize_all, uncached
from samestory.pipeline.group import group_with_roundups
from samestory.pipeline.propose import propose_pairs
from samestory.pipeline.score import score_pairs
from samestory.relate.date_gate import _far_apart
from samestory.threads import THREAD_THRESHOLD


def _data(corpus: str, analysis: Analysis, ids: list[str], gold: list[str]) -> dict[str, Any]:
    relations_sha, stories_sha = analysis_digests(analysis)
    return {
        "corpus": corpus,
        "samestory": str(Path(samestory.__file__).parent),
        "relations_sha256": relations_sha[:12],
        "stories_sha256": stories_sha[:12],
        "ari": _ari(gold, ids, [list(s.articles) for s in analysis.stories]),
        "gold": dict(zip(ids, gold, strict=True)),
        "stories": [
            {"id": s.id, "articles": list(s.articles), "thread": s.thread} for s in analysis.stories
        ],
        "relations": [
            [
                r.a,
                r.b,
                r.kind.value if r.kind else None,
                r.score,
                r.evidence.date_gap_days,
                r.evidence.scores.get("thread"),
                r.evidence.dates,
                r.evidence.scores.get(exclusive.CONTAINMENT_SCORE),
                exclusive.copy_relation(r),
            ]
            for r in analysis.relations
        ],
    }


def _write(data: dict[str, Any], out: Path) -> dict[str, Any]:
    with gzip.open(out, "wt") as f:
        json.dump(data, f, default=str)
    keys = ("samestory", "relations_sha256", "stories_sha256", "ari")
    return {k: data[k] for k in keys} | {
        "stories": len(data["stories"]),
        "relations": len(data["relations"]),
    }


def dump(corpus: str, out: Path) -> dict[str, Any]:
    """Analyse ``corpus`` and write what :func:`diff_dumps` reads to ``out``."""
    articles, gold = load_corpus(corpus, 0)
    encoder = encoder_for("static")
    encoder.encode(["warm up"])
    analysis = analyze(articles, DEFAULT_CONFIG, encoder)
    return _write(_data(corpus, analysis, [a.id for a in articles], gold), out)


def before_text_far_rewrites(relation: Relation) -> Relation:
    """``relation`` as ``_is_follow_up`` made it before ``text_far_rewrites`` (e8988d8):
    a ``rewrite`` dated over ``DATE_GAP_DAYS`` apart whose thread probability passes
    ``THREAD_THRESHOLD`` was a ``follow_up``, its score the same. (Today such a rewrite
    is one whose far date was read from a text and whose score reached the story bar:
    published far apart or under the bar it is a ``follow_up`` still.)"""
    thread = relation.evidence.scores.get("thread", 0.0)
    if (
        relation.kind is RelationKind.REWRITE
        and _far_apart(relation.evidence.date_gap_days)
        and thread >= THREAD_THRESHOLD
    ):
        return dataclasses.replace(relation, kind=RelationKind.FOLLOW_UP)
    return relation


def _copied(
    pairs: list[tuple[int, int]], relations: list[Relation], follow_ups: bool
) -> list[tuple[int, int]]:
    """The pairs the exclusive-names step reads as copies (``grouping_views``), with
    ``follow_ups``: a ``follow_up`` keeping ``COPY_CONTAINMENT`` of the shorter text's
    shingles too."""

    def copy(r: Relation) -> bool:
        if exclusive.copy_relation(r):
            return True
        containment = r.evidence.scores.get(exclusive.CONTAINMENT_SCORE, 0.0)
        return (
            follow_ups
            and r.kind is RelationKind.FOLLOW_UP
            and round(containment, SCORE_DIGITS) >= exclusive.COPY_CONTAINMENT
        )

    return [p for p, r in zip(pairs, relations, strict=True) if copy(r)]


def replay(corpus: str, out_dir: Path) -> dict[str, Any]:
    """One featurisation, candidate search and scoring of ``corpus`` (the batch's own
    stages), then two assemblies: the relations as scored today (``new``) and with
    :func:`before_text_far_rewrites` (``old``), each dumped to ``out_dir``; and the
    grouping alone with each side's copy pairs (the exclusive-names step's versions)
    swapped, which says whether the copy test is where the kinds reach the members."""
    articles, gold = load_corpus(corpus, 0)
    ids = [a.id for a in articles]
    encoder = encoder_for("static")
    encoder.encode(["warm up"])
    config = DEFAULT_CONFIG
    encoder = uncached(encoder)
    with fewer_collections():
        features = featurize_all(articles, config, encoder, None)
        with frozen_heap():
            copies = collapse_copies(features, config)
            pairs = propose_pairs(features, copies, config)
        relations = score_pairs(features, copies.copies + pairs, config, None, lean=True)
        old_relations = [before_text_far_rewrites(r) for r in relations]
        result: dict[str, Any] = {
            "changed_kinds": sum(
                r.kind is not o.kind for r, o in zip(relations, old_relations, strict=True)
            )
        }
        for side, rels in (("new", relations), ("old", old_relations)):
            with frozen_heap():
                analysis = assemble_analysis(features, copies, pairs, rels, config)
            result[side] = _write(_data(corpus, analysis, ids, gold), out_dir / f"{side}.json.gz")
        # The members from the grouping alone, with the copy pairs of one side, and with
        # the follow_ups keeping COPY_CONTAINMENT of the shorter text's shingles counted as
        # copies too (a what-if: the copy test reading no thread label).
        pair_rels = relations[len(copies.copies) :]
        old_pair_rels = old_relations[len(copies.copies) :]
        scored = [(i, j, r.score) for (i, j), r in zip(pairs, pair_rels, strict=True)]
        variants: dict[str, list[tuple[int, int]]] = {
            "new_copies": _copied(pairs, pair_rels, follow_ups=False),
            "old_copies": _copied(pairs, old_pair_rels, follow_ups=False),
            "new_copies_and_follow_up_copies": _copied(pairs, pair_rels, follow_ups=True),
        }
        for name, copied in variants.items():
            groups, _ = group_with_roundups(
                exclusive.InContext(features, copies=copied), scored, copies.copy_of(), config
            )
            members = [[features[k].id for k in g] for g in groups]
            with gzip.open(out_dir / f"groups_{name}.json.gz", "wt") as f:
                json.dump(members, f)
            result[f"groups_with_{name}"] = {
                "ari": _ari(gold, ids, members),
                "groups": len(members),
                "copy_pairs": len(copied),
            }
    return result


def _load(path: Path) -> dict[str, Any]:
    with gzip.open(path, "rt") as f:
        return json.load(f)


def diff_dumps(old_path: Path, new_path: Path, examples: int = 10) -> dict[str, Any]:
    """What moved between two dumps of one corpus (see the module's docstring)."""
    old, new = _load(old_path), _load(new_path)
    gold = old["gold"]
    groups = {
        side: {frozenset(s["articles"]): s for s in d["stories"]}
        for side, d in (("old", old), ("new", new))
    }
    only_old = [s for g, s in groups["old"].items() if g not in groups["new"]]
    only_new = [s for g, s in groups["new"].items() if g not in groups["old"]]
    moved = {a for s in only_old + only_new for a in s["articles"]}

    def story_row(s: dict[str, Any]) -> dict[str, Any]:
        labels = collections.Counter(gold[a] for a in s["articles"])
        return {"n": len(s["articles"]), "gold": dict(labels.most_common()), "thread": s["thread"]}

    rels = {
        side: {(r[0], r[1]): r for r in d["relations"]} for side, d in (("old", old), ("new", new))
    }
    changed = collections.Counter()
    rows = []
    for key, r_old in rels["old"].items():
        r_new = rels["new"].get(key)
        if r_new is None:
            changed[(r_old[2], "<missing>")] += 1
            continue
        if r_old[2] != r_new[2] or r_old[3] != r_new[3]:
            changed[(r_old[2], r_new[2])] += 1
            a, b = key
            rows.append(
                {
                    "a": a,
                    "b": b,
                    "kind": [r_old[2], r_new[2]],
                    "score": [r_old[3], r_new[3]],
                    "date_gap": r_new[4],
                    "thread": r_new[5],
                    "dates": r_new[6],
                    "same_gold": gold[a] == gold[b],
                    "moved": a in moved or b in moved,
                }
            )
    for key in rels["new"].keys() - rels["old"].keys():
        changed[("<missing>", rels["new"][key][2])] += 1
    return {
        "ari": [old["ari"], new["ari"]],
        "digests": [
            [old["relations_sha256"], old["stories_sha256"]],
            [new["relations_sha256"], new["stories_sha256"]],
        ],
        "stories": [len(old["stories"]), len(new["stories"])],
        "stories_only_old": [story_row(s) for s in only_old],
        "stories_only_new": [story_row(s) for s in only_new],
        "moved_articles": len(moved),
        "moved_gold": dict(collections.Counter(gold[a] for a in moved).most_common()),
        "kinds_changed": {f"{k[0]} -> {k[1]}": n for k, n in changed.most_common()},
        "changed_same_gold": sum(r["same_gold"] for r in rows),
        "changed_touching_moved": sum(r["moved"] for r in rows),
        "changed_examples": rows[:examples],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--corpus", default="100000", help="real, or a synthetic size")
    d.add_argument("--out", type=Path, required=True)
    r = sub.add_parser("replay")
    r.add_argument("--corpus", default="100000", help="real, or a synthetic size")
    r.add_argument("--out-dir", type=Path, required=True)
    f = sub.add_parser("diff")
    f.add_argument("old", type=Path)
    f.add_argument("new", type=Path)
    f.add_argument("--examples", type=int, default=10)
    args = parser.parse_args(argv)
    if args.cmd == "dump":
        print(json.dumps(dump(args.corpus, args.out)))
    elif args.cmd == "replay":
        args.out_dir.mkdir(parents=True, exist_ok=True)
        print(json.dumps(replay(args.corpus, args.out_dir)))
    else:
        print(json.dumps(diff_dumps(args.old, args.new, args.examples), indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
