"""Fit the exclusive-names step (``samestory.exclusive``) between scoring and grouping, under CV.

    python scripts/fit_exclusive.py [--data ../shared/data] [--cache /tmp/samestory-fit-static]
        [--encoder static|use] [--sets ecbplus_dev,meantime_dev,gva_dev]
        [--forms full,lead,summary,headline] [--iterate] [--by-text | --with-rewrites]
        [--copy-share S] [--copy-containment C] [--text-items] [--max-sentences inf,5,10,20]
        [--own-partners off,0.4 | --agree off,0,0.1]
        [--out FILE | --dry-run | --check]

Every set and form is built as ``scripts/short_ceiling.py`` builds it (production's
stages up to scoring under the encoder's own production config) and its candidate pairs
scored by production's ``relate`` under the shipped model. The step
(:func:`samestory.exclusive.contrasted`) reads only those scores, each text's specific
names and which pairs are copies (production's relation exact or near-duplicate, or a
rewrite keeping ``--copy-containment`` of the shorter text's shingles: their texts
counted as one version; ``--with-rewrites``: every rewrite; ``--by-text``: every text a
witness, as before 2026-12-04 21:00); its two settings (``alpha``,
``factor``) are chosen on a grid:

- **fitted**: the grid point with the best mean ARI over every set and form (in sample),
  written to ``src/samestory/params/exclusive.json`` (``--out``) with the figures below;
- **under 5-fold cross-validation over topics** (``fit_story_model.fold_of_topics``: every
  form of a topic in one fold, GVA's topics its incidents): for each fold, the same
  choice made on the articles of the other folds only (ARI read on them); the pairs of
  the fold's topics are then rescored with that point and each set grouped by
  production's ``group``, each version merged as one item as ``group_with_roundups``
  merges it (``--text-items``: texts as items, production before 2026-12-05): the
  honest estimate. "without" is main's grouping before the hook (no step, texts as items).

Prints, per set and form, ARI without the step, under CV, and at each grid point (in
sample), and each fold's point. ``--dry-run`` writes nothing; ``--check`` compares the
fitted point with ``--out`` (SAME, or DIFFERS and exit 1).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Collection
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_story_model as fsm
import short_ceiling

from samestory import exclusive, params, relate, roundups
from samestory.config import DEFAULT_CONFIG, Config
from samestory.models import RelationKind
from samestory.pipeline.group import group

ALPHAS = (0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
FACTORS = (0.0, 0.25, 0.5)
Point = tuple[float, float]


def copies_of(
    dev: fsm.DevSet, config: Config, kinds: Collection[RelationKind]
) -> list[tuple[int, int]]:
    """The candidate pairs whose relation under production's ``relate`` (the shipped
    model) is of ``kinds`` (by default :data:`samestory.exclusive.COPY_KINDS`), or is a
    copy by :func:`samestory.exclusive.is_copy_relation` (a rewrite keeping most of the
    shorter text's shingles): the step counts their texts as one version, as production
    hands it the batch's relations."""
    out = []
    with relate.single_threaded_blas():
        for k, ((i, j), m) in enumerate(zip(dev.pairs, dev.measures, strict=True)):
            a, b = dev.features[i], dev.features[j]
            ps = relate.score_measures(m, relate.STORY_MODEL)
            r = relate.relation_of(a, b, ps, config, dev._aligner(k, a, b, m, config))
            containment = r.evidence.scores.get("shingle_containment", 0.0)
            if r.kind in kinds or exclusive.is_copy_relation(r.kind, containment):
                out.append((i, j))
    return out


def rescored(
    dev: fsm.DevSet,
    scores: np.ndarray,
    point: Point,
    iterate: bool,
    memo: dict,
    copies: list[tuple[int, int]],
    axis: str = "sentences",
) -> np.ndarray:
    """``scores`` after the step at ``point`` (``iterate``: twice, the second reading
    the first's scores), holders counted by version of ``copies``. ``memo`` keeps
    each set's names and first evidence. A third coordinate is a screened guard of
    ``axis``: a sentence cap, the own-partners bar (``own``) or the agreeing-sides
    margin (``agree``); ``inf``: off."""
    g = point[2] if len(point) > 2 and point[2] != float("inf") else None
    own = g if axis == "own" else None
    # Off unless screened, said explicitly (None would read the module's fitted margin):
    # an infinite margin counts every couple.
    agree = (g if g is not None else math.inf) if axis == "agree" else math.inf
    key = (dev.name, own, agree)
    if key not in memo:
        specific = [roundups.specific_tokens(f) for f in dev.features]
        chance = exclusive.exclusive_chance(
            scored_of(dev, scores),
            specific.__getitem__,
            copies=copies,
            own_partners=own,
            agree=agree,
        )
        memo[key] = (specific, np.array(chance))
    specific, evidence = memo[key]
    cut = evidence <= point[0]
    if len(point) > 2 and axis == "sentences":  # only pairs whose shorter text has fewer sentences
        sentences = [len(f.sentences) for f in dev.features]
        shorter = np.array([min(sentences[i], sentences[j]) for i, j in dev.pairs])
        cut &= shorter < point[2]
    out = np.where(cut, scores * point[1], scores)
    if iterate:
        out = np.array(
            [
                s
                for _, _, s in exclusive.contrasted(
                    scored_of(dev, out),
                    specific.__getitem__,
                    *point[:2],
                    copies=copies,
                    own_partners=own,
                    agree=agree,
                )
            ]
        )
    return out


def scored_of(dev: fsm.DevSet, scores: np.ndarray) -> list[tuple[int, int, float]]:
    return [(i, j, s) for (i, j), s in zip(dev.pairs, scores.tolist(), strict=True)]


def held_ari(dev: fsm.DevSet, labels: np.ndarray, keep: np.ndarray) -> float:
    gold = np.array(dev.gold)
    return float(adjusted_rand_score(gold[keep], labels[keep]))


def grouping(
    dev: fsm.DevSet, scores: np.ndarray, config: Config, copies: list[tuple[int, int]] | None
) -> np.ndarray:
    """Production's grouping of ``scores``: ``group`` with the versions of ``copies``
    (``exclusive.with_versions``) merged as one item each, as ``group_with_roundups``
    groups them; None: ``dev.plain_grouping`` (texts as items, as before 2026-12-05)."""
    if copies is None:
        return dev.plain_grouping(scores, config)
    views = exclusive.WithCopies(roundups.NameViews(dev.features), copies)
    copy_of = dev.copies.copy_of()
    versions = exclusive.with_versions(views, copy_of)
    groups = group(len(dev.features), scored_of(dev, scores), copy_of, config, versions)
    labels = np.zeros(len(dev.features), dtype=int)
    for k, members in enumerate(groups):
        labels[members] = k
    return labels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    short_ceiling.add_set_arguments(parser)
    parser.add_argument("--iterate", action="store_true", help="apply the step twice")
    parser.add_argument(
        "--by-text",
        action="store_true",
        help="count holders by text, not by version (the step before 2026-12-04 21:00)",
    )
    parser.add_argument(
        "--with-rewrites",
        action="store_true",
        help="versions joined by rewrite relations too, not only copies (screened: worse)",
    )
    parser.add_argument(
        "--copy-containment",
        type=float,
        default=exclusive.COPY_CONTAINMENT,
        help="shingle containment a rewrite keeps to be a copy (above 1: rewrites never)",
    )
    parser.add_argument(
        "--versions-as-copies",
        action="store_true",
        help="group each version as one item (production's grouping; the default)",
    )
    parser.add_argument(
        "--text-items",
        action="store_true",
        help="group texts as items, not versions (production before 2026-12-05)",
    )
    parser.add_argument(
        "--copy-share",
        type=float,
        default=exclusive.COPY_SHARE,
        help="share of the smaller name set a copy keeps to be one version",
    )
    parser.add_argument(
        "--max-sentences",
        default="",
        help="screen a guard (with --dry-run): the step cuts only pairs whose shorter text "
        "has fewer sentences than one of these, a grid (inf: no guard; first wins ties)",
    )
    parser.add_argument(
        "--own-partners",
        default="",
        help="screen the own-partners guard (with --dry-run): holders of one text's names "
        "scored this much or more with the other not counted, a grid (off: no guard; "
        "first wins ties)",
    )
    parser.add_argument(
        "--agree",
        default="",
        help="screen the agreeing-sides guard (with --dry-run): a couple counted only when "
        "each text scores as high with its own side's holders as with the other's, less "
        "one of these margins, a grid (off: no guard; first wins ties)",
    )
    parser.add_argument("--out", type=Path, default=Path(params.path_of(exclusive.PARAMS_FILE)))
    parser.add_argument("--dry-run", action="store_true", help="print, write nothing")
    parser.add_argument("--check", action="store_true", help="compare with --out, write nothing")
    args = parser.parse_args(argv)
    if args.max_sentences and not args.dry_run:
        parser.error("--max-sentences is a screen: use it with --dry-run")
    if args.own_partners and not args.dry_run:
        parser.error("--own-partners is a screen: use it with --dry-run")
    if sum(map(bool, (args.own_partners, args.max_sentences, args.agree))) > 1:
        parser.error("screen one guard at a time: --max-sentences, --own-partners or --agree")
    config: Config = DEFAULT_CONFIG.replace(encoder=args.encoder)
    sets = short_ceiling.build_all(args, config)
    grid: list[Point] = [(a, f) for a in ALPHAS for f in FACTORS]
    if args.max_sentences:  # a screen: the library has no such guard (2026-12-05, land)
        caps = [float(x) for x in args.max_sentences.split(",")]
        grid = [(a, f, c) for a, f in grid for c in caps]  # type: ignore[misc]
    axis = "own" if args.own_partners else "agree" if args.agree else "sentences"
    if args.own_partners or args.agree:  # screens: both guards are off (2026-12-05, hookguard)
        values = (args.own_partners or args.agree).split(",")
        bars = [float("inf") if x == "off" else float(x) for x in values]
        grid = [(a, f, b) for a, f in grid for b in bars]  # type: ignore[misc]
    plain = {dev.name: dev.scores(relate.STORY_MODEL, config) for dev in sets}
    exclusive.COPY_SHARE = args.copy_share
    exclusive.COPY_CONTAINMENT = args.copy_containment
    kinds = set(exclusive.COPY_KINDS) | ({RelationKind.REWRITE} if args.with_rewrites else set())
    copies = {dev.name: [] if args.by_text else copies_of(dev, config, kinds) for dev in sets}
    memo: dict = {}

    def grouped_copies(dev: fsm.DevSet) -> list[tuple[int, int]] | None:
        return None if args.text_items else copies[dev.name]

    scores = {
        (dev.name, p): rescored(dev, plain[dev.name], p, args.iterate, memo, copies[dev.name], axis)
        for dev in sets
        for p in grid
    }
    labels = {
        (dev.name, p): grouping(dev, scores[dev.name, p], config, grouped_copies(dev))
        for dev in sets
        for p in grid
    }
    fold_of = fsm.fold_of_topics(sets)
    folds = {dev.name: np.array([fold_of[t] for t in dev.topics]) for dev in sets}

    def best(keep_fold: int | None) -> Point:
        """The grid point with the best mean ARI, read on the articles not of ``keep_fold``
        (None: on all), smallest alpha and largest factor on ties."""

        def mean(p: Point) -> float:
            return float(
                np.mean(
                    [
                        held_ari(dev, labels[dev.name, p], folds[dev.name] != keep_fold)
                        for dev in sets
                    ]
                )
            )

        return max(grid, key=lambda p: (mean(p), -p[0], p[1]))

    chosen = [best(f) for f in range(fsm.TOPIC_FOLDS)]
    fitted = best(None)
    print(f"fitted (alpha, factor): {fitted}; fold points: {chosen}", flush=True)
    print("set:form  without  CV  | in sample: " + " ".join("/".join(map(str, p)) for p in grid))
    rows = {}
    for dev in sets:
        fold_i = np.array([folds[dev.name][i] for i, _ in dev.pairs])
        cv = plain[dev.name].copy()
        for f, p in enumerate(chosen):
            mask = fold_i == f
            cv[mask] = scores[dev.name, p][mask]
        row = {
            "without": round(
                adjusted_rand_score(dev.gold, dev.plain_grouping(plain[dev.name], config)), 4
            ),
            "topic_cv": round(
                adjusted_rand_score(dev.gold, grouping(dev, cv, config, grouped_copies(dev))), 4
            ),
            "fitted_in_sample": round(adjusted_rand_score(dev.gold, labels[dev.name, fitted]), 4),
        }
        rows[dev.name] = row
        grid_ari = " ".join(
            f"{adjusted_rand_score(dev.gold, labels[dev.name, p]):.3f}" for p in grid
        )
        print(f"{dev.name}  {row['without']:.4f}  {row['topic_cv']:.4f}  | {grid_ari}", flush=True)
    data = {
        "about": "samestory.exclusive: a pair whose exclusive couple of names has a chance "
        "(times the couples tried) <= alpha is scored factor x its score before grouping; "
        "written by scripts/fit_exclusive.py",
        "alpha": fitted[0],
        "factor": fitted[1],
        "agree_margin": _fitted_margin(fitted) if axis == "agree" else None,
        "fitted_on": {
            "encoder": args.encoder,
            "sets": args.sets.split(","),
            "forms": args.forms.split(","),
            "iterate": args.iterate,
            "by_version": not args.by_text,
            "version_kinds": sorted(k.value for k in kinds),
            "grid": {"alpha": list(ALPHAS), "factor": list(FACTORS)},
            "choice": "best mean ARI over every set and form (production's group)",
            "grouping": "texts as items" if args.text_items else "versions as items",
            "constants": {
                "neighbour_bar": exclusive.NEIGHBOUR_BAR,
                "min_holders": exclusive.MIN_HOLDERS,
                "variant_prefix": exclusive.VARIANT_PREFIX,
                "variant_share": exclusive.VARIANT_SHARE,
                "copy_share": exclusive.COPY_SHARE,
                "copy_containment": exclusive.COPY_CONTAINMENT,
            },
        },
        "cv": {"method": "5-fold over topics", "fold_points": [list(p) for p in chosen]},
        "ari": rows,
    }
    if args.check:
        shipped = json.loads(args.out.read_text())
        point = (shipped["alpha"], shipped["factor"], shipped.get("agree_margin"))
        same = point == (data["alpha"], data["factor"], data["agree_margin"])
        print("SAME" if same else f"DIFFERS: shipped {point}")
        return 0 if same else 1
    if not args.dry_run:
        args.out.write_text(json.dumps(data, indent=1) + "\n")
        print(f"wrote {args.out}")
    return 0


def _fitted_margin(point: tuple) -> float | None:
    """The agreeing-sides margin of a fitted grid point (None: the guard off)."""
    return None if point[2] == float("inf") else point[2]


if __name__ == "__main__":
    raise SystemExit(main())
