"""Tests of the evaluation harness (metrics, runners, copy variants). No torch needed."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from samestory.evaluate import (
    cluster_metrics,
    evaluate_articles,
    evaluate_pairs,
    is_pair_file,
    load_records,
    make_copy_variants,
    pearson,
    read_labelled,
    story_errors,
)
from samestory.models import Article
from samestory.normalize import fingerprint, words

GOLD = ["a", "a", "a", "b", "b", "c"]


def test_perfect_clustering_scores_one() -> None:
    m = cluster_metrics(GOLD, ["x", "x", "x", "y", "y", "z"])
    for key in (
        "ari",
        "pair_precision",
        "pair_recall",
        "pair_f1",
        "bcubed_precision",
        "bcubed_recall",
        "bcubed_f1",
    ):
        assert m[key] == pytest.approx(1.0), key
    assert (m["stories"], m["gold_stories"], m["docs"]) == (3, 3, 6)


def test_all_in_one_cluster() -> None:
    m = cluster_metrics(GOLD, ["x"] * 6)
    # gold-same pairs: C(3,2)+C(2,2) = 4; predicted pairs: C(6,2) = 15
    assert m["pair_precision"] == pytest.approx(4 / 15)
    assert m["pair_recall"] == pytest.approx(1.0)
    assert m["pair_f1"] == pytest.approx(2 * (4 / 15) / (4 / 15 + 1))
    # B-cubed precision: (3·3/6 + 2·2/6 + 1·1/6) / 6 = 14/36
    assert m["bcubed_precision"] == pytest.approx(14 / 36)
    assert m["bcubed_recall"] == pytest.approx(1.0)
    assert m["ari"] == pytest.approx(0.0)
    assert m["stories"] == 1


def test_singletons() -> None:
    m = cluster_metrics(GOLD, [str(i) for i in range(6)])
    assert m["pair_precision"] == 1.0  # no predicted pair, none wrong
    assert m["pair_recall"] == 0.0
    assert m["pair_f1"] == 0.0
    assert m["bcubed_precision"] == pytest.approx(1.0)
    # B-cubed recall: (3·1/3 + 2·1/2 + 1·1) / 6 = 3/6
    assert m["bcubed_recall"] == pytest.approx(0.5)
    assert m["bcubed_f1"] == pytest.approx(2 * 0.5 / 1.5)
    assert m["ari"] == pytest.approx(0.0)
    assert m["stories"] == 6


def test_known_mixed_case() -> None:
    gold = [0, 0, 0, 1, 1, 1]
    pred = [0, 0, 1, 1, 2, 2]
    m = cluster_metrics(gold, pred)
    # TP: {0,1},{4,5} = 2; predicted pairs 3; gold pairs 6
    assert m["pair_precision"] == pytest.approx(2 / 3)
    assert m["pair_recall"] == pytest.approx(2 / 6)
    assert m["ari"] == pytest.approx(adjusted_rand_score(gold, pred))
    # B-cubed precision: docs 0,1 -> 1; doc 2 -> 1/2; doc 3 -> 1/2; docs 4,5 -> 1
    assert m["bcubed_precision"] == pytest.approx((1 + 1 + 0.5 + 0.5 + 1 + 1) / 6)
    # B-cubed recall: docs 0,1 -> 2/3; doc 2 -> 1/3; doc 3 -> 1/3; docs 4,5 -> 2/3
    assert m["bcubed_recall"] == pytest.approx((2 / 3 * 4 + 1 / 3 * 2) / 6)


def test_ari_matches_sklearn_larger() -> None:
    import random

    rng = random.Random(3)
    gold = [rng.randrange(20) for _ in range(500)]
    pred = [g if rng.random() < 0.7 else rng.randrange(30) for g in gold]
    assert cluster_metrics(gold, pred)["ari"] == pytest.approx(adjusted_rand_score(gold, pred))


def test_length_mismatch_raises() -> None:
    with pytest.raises(ValueError):
        cluster_metrics(["a"], ["a", "b"])


def test_empty_input() -> None:
    assert cluster_metrics([], [])["docs"] == 0


labels = st.lists(st.integers(0, 6), min_size=1, max_size=40)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_metrics_invariant_to_relabelling_and_bounded(data: st.DataObject) -> None:
    gold = data.draw(labels)
    pred = data.draw(st.lists(st.integers(0, 6), min_size=len(gold), max_size=len(gold)))
    perm = data.draw(st.permutations(list(range(7))))
    m = cluster_metrics(gold, pred)
    relabelled = cluster_metrics(gold, [f"id{perm[p]}" for p in pred])
    for key, value in m.items():
        assert relabelled[key] == pytest.approx(value), key
    for key in (
        "pair_precision",
        "pair_recall",
        "pair_f1",
        "bcubed_precision",
        "bcubed_recall",
        "bcubed_f1",
    ):
        assert 0.0 <= m[key] <= 1.0 + 1e-12, key
    assert m["ari"] == pytest.approx(adjusted_rand_score(gold, pred))


def test_pearson() -> None:
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(pearson([1, 1, 1], [1, 2, 3]))
    assert math.isnan(pearson([1], [1]))


def test_load_records_and_bad_line(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "1", "text": "x"}\n\n{"id": "2", "text": "y"}\n', encoding="utf-8")
    assert [r["id"] for r in load_records(good)] == ["1", "2"]
    assert not is_pair_file(load_records(good))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1"}\n{oops\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:2"):
        load_records(bad)
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text(json.dumps({"text1": "a", "text2": "b", "overall": 1}) + "\n")
    assert is_pair_file(load_records(pairs))


ARTICLE_RECORDS = [
    {"id": "1", "text": "Quake hits city.", "story": "q", "lang": "en", "date": "2020-01-02"},
    {"id": "2", "text": "City hit by quake.", "story": "q", "lang": "en"},
    {"id": "3", "text": "Singer enters rehab.", "story": "r", "lang": "en"},
    {"id": "4", "text": "Rehab for the singer.", "story": "r", "lang": "en"},
]


def test_evaluate_articles_with_trivial_cluster_fn() -> None:
    def by_story_word(articles: list[Article]) -> list[list[str]]:
        assert all(isinstance(a, Article) for a in articles)
        assert articles[0].date is not None and articles[0].date.year == 2020
        quake = [a.id for a in articles if "quake" in a.text.lower()]
        return [quake, [a.id for a in articles if a.id not in quake]]

    out = evaluate_articles(ARTICLE_RECORDS, by_story_word)
    assert out["ari"] == pytest.approx(1.0)
    assert out["stories"] == 2 and out["docs"] == 4 and out["unassigned"] == 0
    assert out["seconds"] >= 0

    assert out["errors"] == {"merged": [], "split": []}

    # ids left out become singletons
    partial = evaluate_articles(ARTICLE_RECORDS, lambda arts: [["1", "2"]])
    assert partial["unassigned"] == 2 and partial["stories"] == 3
    assert partial["errors"]["split"] == [{"story": "r", "pieces": [["3"], ["4"]]}]
    with pytest.raises(ValueError):
        evaluate_articles(ARTICLE_RECORDS, lambda arts: [["1", "nope"]])
    with pytest.raises(ValueError):
        evaluate_articles(ARTICLE_RECORDS, lambda arts: [["1", "2"], ["2"]])


def _pair_records(n: int = 30) -> list[dict]:
    out = []
    for i in range(n):
        lang2 = "en" if i % 2 else "de"
        out.append(
            {
                "pair_id": str(i),
                "lang1": "en",
                "lang2": lang2,
                "text1": f"t{i}",
                "text2": f"u{i}",
                "overall": 1 + (i % 4),
            }
        )
    return out


def test_evaluate_pairs_sign_and_breakdown() -> None:
    records = _pair_records(60)
    by_id = {r["pair_id"]: r for r in records}

    def good(pairs: list[tuple[Article, Article]]) -> list[float]:
        # similarity = 5 - overall: perfectly anti-correlated with overall
        return [5.0 - by_id[a.id.split(":")[0]]["overall"] for a, _ in pairs]

    out = evaluate_pairs(records, good)
    assert out["pearson"] == pytest.approx(1.0)
    assert out["pairs"] == 60
    assert set(out["by_language"]) == {"en-en", "en-de"}
    assert out["by_language"]["en-de"]["pairs"] == 30
    assert out["pearson_crosslingual"] == pytest.approx(1.0)

    bad = evaluate_pairs(records, lambda pairs: [-s for s in good(pairs)])
    assert bad["pearson"] == pytest.approx(-1.0)

    small = evaluate_pairs(_pair_records(30), lambda pairs: [0.1 * i for i in range(30)])
    assert all(v["pairs"] >= 20 for v in small["by_language"].values())


def test_evaluate_pairs_length_mismatch() -> None:
    with pytest.raises(ValueError):
        evaluate_pairs(_pair_records(4), lambda pairs: [1.0])


VARIANT_SOURCE = [
    {
        "id": f"d{i}",
        "story": "s",
        "text": (
            "Actress Tara Reid, 33, checked into Promises on Tuesday, her rep Jack Ketsoyan said.\n"
            f'"We appreciate your respect," he told People on day {i}.\n'
            "A friend said her family supported the decision, and that she is doing well."
        ),
    }
    for i in range(25)
] + [{"id": "short", "story": "t", "text": "tiny text here"}]


def test_make_copy_variants_deterministic_and_exact_normalises() -> None:
    recs1, exp1 = make_copy_variants(VARIANT_SOURCE, seed=7)
    recs2, exp2 = make_copy_variants(VARIANT_SOURCE, seed=7)
    assert recs1 == recs2 and exp1 == exp2
    recs3, _ = make_copy_variants(VARIANT_SOURCE, seed=8)
    assert recs3 != recs1

    texts = {r["id"]: r["text"] for r in VARIANT_SOURCE}
    texts.update({r["id"]: r["text"] for r in recs1})
    # the ten-word text is skipped (min_words=30 by default)
    assert len(exp1) == 2 * (len(VARIANT_SOURCE) - 1)
    assert not any(orig == "short" for orig, _, _ in exp1)
    assert len(make_copy_variants(VARIANT_SOURCE, seed=7, min_words=0)[1]) == 52
    kinds = {kind for _, _, kind in exp1}
    assert kinds == {"exact", "near_duplicate"}
    for orig, copy, kind in exp1:
        assert copy.startswith(orig + "#")
        if kind == "exact":
            assert words(texts[copy]) == words(texts[orig])
            assert fingerprint(texts[copy]) == fingerprint(texts[orig])
        else:
            a, b = words(texts[orig]), words(texts[copy])
            assert a != b
            # light edit: most 3-word shingles survive
            sa = {tuple(a[i : i + 3]) for i in range(len(a) - 2)}
            sb = {tuple(b[i : i + 3]) for i in range(len(b) - 2)}
            if len(a) > 20:
                assert len(sa & sb) / len(sa | sb) > 0.5
    # story labels are kept
    assert all(r["story"] in {"s", "t"} for r in recs1)


def test_make_copy_variants_limit() -> None:
    recs, exp = make_copy_variants(VARIANT_SOURCE, seed=1, limit=5)
    assert len(recs) == 10 and len(exp) == 10


def test_accuracy_cli_runs_on_tiny_data(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The benchmark command end to end with the torch-free MinHash system only."""
    import sys

    repo = Path(__file__).resolve().parents[1]
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))
    from benchmarks import accuracy

    with (tmp_path / "arts.jsonl").open("w", encoding="utf-8") as f:
        for r in ARTICLE_RECORDS:
            f.write(json.dumps(r) + "\n")
    with (tmp_path / "pairs.jsonl").open("w", encoding="utf-8") as f:
        for r in _pair_records(25):
            f.write(json.dumps(r) + "\n")
    assert accuracy.main(["--data", str(tmp_path), "--systems", "minhash,nope", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["results"]["arts"]["systems"]["minhash"]["docs"] == 4
    assert "pearson" in report["results"]["pairs"]["systems"]["minhash"]
    assert "not available" in report["results"]["arts"]["systems"]["nope"]["error"]
    assert accuracy.main(["--data", str(tmp_path), "--systems", "minhash"]) == 0
    assert "Article files" in capsys.readouterr().out
    # In parts: the short forms alone (no full file, no pair file).
    args = ["--data", str(tmp_path), "--systems", "minhash", "--no-full", "--json"]
    assert accuracy.main([*args, "--short-forms", "lead", "--no-independent"]) == 0
    assert set(json.loads(capsys.readouterr().out)["results"]) == {"arts:lead"}


def test_story_errors_lists_merges_and_splits_largest_first() -> None:
    ids = ["1", "2", "3", "4", "5", "6"]
    gold = ["a", "a", "b", "b", "b", "c"]
    pred = ["x", "y", "x", "z", "z", "z"]
    errors = story_errors(ids, gold, pred)
    assert errors["merged"] == [
        {"articles": 3, "gold": {"b": ["4", "5"], "c": ["6"]}},
        {"articles": 2, "gold": {"a": ["1"], "b": ["3"]}},
    ]
    assert errors["split"] == [
        {"story": "b", "pieces": [["4", "5"], ["3"]]},
        {"story": "a", "pieces": [["1"], ["2"]]},
    ]
    assert story_errors(ids, gold, gold) == {"merged": [], "split": []}


def test_read_labelled_skips_bad_lines_and_says_why(tmp_path) -> None:
    lines = [
        {"id": "1", "text": "Quake hits city.", "story": "q"},
        {"id": "2", "story": "q"},
        "not json",
        {"id": "1", "text": "Again.", "story": "q"},
        {"id": "3", "text": "Rehab.", "story": ""},
        [1, 2],
        {"id": 4, "text": "Singer enters rehab.", "story": "r"},
    ]
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines))
    records, problems = read_labelled(path)
    assert [r["id"] for r in records] == ["1", 4]
    assert [(p.source, p.error) for p in problems] == [
        (f"{path}:2", "no text"),
        (f"{path}:3", "invalid JSON: Expecting value"),
        (f"{path}:4", "id '1' already on line 1"),
        (f"{path}:5", "no story"),
        (f"{path}:6", "expected a JSON object, got list"),
    ]


def test_read_labelled_checks_pairs_for_texts_and_a_numeric_overall(tmp_path) -> None:
    good = {"text1": "a", "text2": "b", "overall": 2}
    lines = [good, {**good, "overall": "high"}, {"text1": "a", "text2": None, "overall": 1}]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines))
    records, problems = read_labelled(path)
    assert records == [good]
    assert [(p.source, p.error) for p in problems] == [
        (f"{path}:2", "overall is not a number: 'high'"),
        (f"{path}:3", "no text2"),
    ]


def test_short_variants_cut_each_article_and_keep_labels():
    from samestory.evaluate import make_short_variants

    record = {
        "id": "1",
        "story": "s",
        "topic": "t",
        "date": "2025-08-06",
        "text": (
            "Quake hits northern Japan\n"
            "A magnitude 7.1 earthquake struck off the coast of northern Japan on Friday, the "
            "agency said. Residents were told to move to higher ground at once. The quake hit "
            "at 5:23 p.m. local time at a depth of 10 kilometres. Trains were halted. " * 3
        ),
    }
    (headline,) = make_short_variants([record], "headline")
    assert headline["text"] == "Quake hits northern Japan"
    assert headline["story"] == "s" and headline["date"] == "2025-08-06"
    (lead,) = make_short_variants([record], "lead")
    assert lead["text"].startswith("A magnitude 7.1 earthquake")
    assert 30 <= len(lead["text"].split()) <= 60
    (summary,) = make_short_variants([record], "summary")
    assert len(summary["text"]) <= 302 and summary["text"].endswith("…")
    titled = {**record, "title": "Japan quake", "text": record["text"].split("\n", 1)[1]}
    assert make_short_variants([titled], "headline")[0]["text"] == "Japan quake"
    assert make_short_variants([titled], "headline")[0]["title"] is None


def test_mixed_variants_cut_half_the_articles_the_same_ones_every_run():
    from samestory.evaluate import make_short_variants

    text = "Quake hits northern Japan\n" + "A magnitude 7.1 earthquake struck on Friday. " * 20
    records = [{"id": f"a{k}", "story": "s", "text": text, "title": "Quake"} for k in range(40)]
    mixed = make_short_variants(records, "mixed-headline")
    assert [r["id"] for r in mixed] == [r["id"] for r in records]
    cut = [r["id"] for r in mixed if r["text"] == "Quake"]
    assert 10 <= len(cut) <= 30  # about half, by a hash of the id
    assert all(r["title"] is None for r in mixed if r["id"] in cut)
    assert all(r == records[k] for k, r in enumerate(mixed) if r["id"] not in cut)
    assert cut == [
        r["id"] for r in make_short_variants(records, "mixed-headline") if r["text"] == "Quake"
    ]
    with pytest.raises(ValueError, match="mixed-lead"):
        make_short_variants(records, "mixed-tweet")


def test_hard_negative_pairs_are_the_pairs_of_each_topic():
    from samestory.evaluate import decision_metrics, hard_negative_pairs

    records = [
        {"id": "a", "story": "1", "topic": "quakes"},
        {"id": "b", "story": "1", "topic": "quakes"},
        {"id": "c", "story": "2", "topic": "quakes"},
        {"id": "d", "story": "3", "topic": "rehab"},
        {"id": "e", "story": "4"},
    ]
    pairs = hard_negative_pairs(records)
    assert pairs == [(0, 1, True), (0, 2, False), (1, 2, False)]
    metrics = decision_metrics([True, False, False], [True, True, False])
    assert (metrics["precision"], metrics["recall"], metrics["positives"]) == (0.5, 1.0, 1)


def test_sampled_negatives_are_weighted_back_in_precision():
    from samestory.evaluate import decision_metrics, sample_negatives

    pairs = [(k, k + 1, k < 10) for k in range(1000)]  # 10 positives, 990 negatives
    assert sample_negatives(pairs, 5000) == (pairs, 1.0)
    sample, weight = sample_negatives(pairs, 100)
    assert len(sample) == 100 and sum(p[2] for p in sample) == 10
    assert weight == 990 / 90 and sample_negatives(pairs, 100) == (sample, weight)
    # A decision that says yes to every positive and to every tenth negative: in full,
    # precision 10 / (10 + 99); the sample's weighted precision estimates it.
    decide = lambda p: p[2] or p[0] % 10 == 0  # noqa: E731
    full = decision_metrics([p[2] for p in pairs], [decide(p) for p in pairs])
    sampled = decision_metrics([p[2] for p in sample], [decide(p) for p in sample], weight)
    assert full["precision"] == pytest.approx(10 / 109)
    assert sampled["precision"] == pytest.approx(full["precision"], abs=0.05)
    assert sampled["recall"] == full["recall"] == 1.0


def test_compare_is_scored_on_the_pairs_of_a_topic(ecb_records):
    from benchmarks.accuracy import (
        COMPARE_BARS,
        FALSE_LINK_CAUSES,
        MISSED_LINK_CAUSES,
        compare_on_hard_negatives,
    )

    topic = ecb_records[0]["topic"]
    by_story: dict[str, list[dict]] = {}
    for record in ecb_records:
        if record["topic"] == topic:
            by_story.setdefault(record["story"], []).append(record)
    records = [r for rs in list(by_story.values())[:2] for r in rs[:3]]
    result = compare_on_hard_negatives(records, "static")
    assert result["pairs"] == 15 and result["positives"] == 6
    assert result["precision"] >= 0.5 and result["recall"] >= 0.5
    # Counting follow-ups as links can only add links: recall at least the story level's.
    assert result["thread_recall"] >= result["recall"]
    # Every wrong decision has one cause: the missed links are the positives not linked,
    # the false links what precision counts against; the evidence of each comes back.
    errors: list[dict] = []
    again = compare_on_hard_negatives(records, "static", errors=errors)
    assert again["recall"] == result["recall"] and again["precision"] == result["precision"]
    missed = sum(again["missed_links"].values())
    false = sum(again["false_links"].values())
    assert missed == round(6 * (1 - again["recall"]))
    linked = 6 - missed + false
    assert false == (round(linked * (1 - again["precision"])) if linked else 0)
    assert len(errors) == missed + false
    assert all(
        e["cause"] in (MISSED_LINK_CAUSES if e["gold"] else FALSE_LINK_CAUSES) for e in errors
    )
    # A higher bar on the story score links fewer pairs: recall never rises.
    recalls = [again["at_bars"][str(t)]["recall"] for t in COMPARE_BARS]
    assert recalls == sorted(recalls, reverse=True)


def test_compare_error_causes_are_read_in_order() -> None:
    from benchmarks.accuracy import compare_error_cause as cause

    right = dict(gap_days=None, cross_lingual=False, shorter_words=300, score=0.5)
    assert cause("same_event", True, True, **right) is None
    assert cause(None, False, False, **{**right, "score": 0.1}) is None
    # False links: the text route first, then dates, languages, length, else names.
    assert cause("rewrite", True, False, **{**right, "gap_days": 90}) == "derived text"
    assert cause("same_event", True, False, **{**right, "gap_days": 90}) == "far apart by dates"
    assert cause("same_event", True, False, **{**right, "gap_days": 30}) == "same names"
    assert cause("same_event", True, False, **{**right, "cross_lingual": True}) == "cross-lingual"
    assert cause("same_event", True, False, **{**right, "shorter_words": 40}) == "short text"
    # Missed links: a follow_up first, then dates, languages, length, then how close.
    assert cause("follow_up", False, True, **{**right, "gap_days": 90}) == "follow_up"
    assert cause(None, False, True, **{**right, "gap_days": 31, "score": 0.2}) == (
        "far apart by dates"
    )
    assert cause(None, False, True, **{**right, "score": 0.35}) == "near the bar"
    assert cause(None, False, True, **{**right, "score": 0.25}) == "weak evidence"
    assert cause(None, False, True, **{**right, "score": 0.25}, bar=0.3) == "near the bar"


def test_accuracy_gives_samestory_thread_rows_and_independent_report_sets(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """samestory's rows come with the same run's threads; the independent-report sets
    are built from the dev files when they are there (here: a tiny GVA-like file)."""
    import sys

    repo = Path(__file__).resolve().parents[1]
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))
    from benchmarks import accuracy

    third = {"id": "5", "text": "The quake shook the city.", "story": "q", "lang": "en"}
    records = [
        {**r, "date": "2016-03-0" + str(k % 3 + 1), "source": f"outlet{k}.com", "topic": "t"}
        for k, r in enumerate([*ARTICLE_RECORDS, third])
    ]
    with (tmp_path / "gva_dev.jsonl").open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    args = ["--data", str(tmp_path), "--systems", "samestory-static", "--short-forms", ""]
    assert accuracy.main([*args, "--json"]) == 0
    results = json.loads(capsys.readouterr().out)["results"]
    assert results["gva_dev"]["systems"]["samestory-static"]["thread"]["docs"] == 5
    # The one story told by three outlets.
    assert results["gva_dev:independent"]["systems"]["samestory-static"]["docs"] == 3
    assert accuracy.main(args) == 0
    assert "gva_dev (thread)" in capsys.readouterr().out


def test_accuracy_compare_only_runs_compare_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """``--compare-only``: compare on the pairs of one topic of each article file, and
    nothing else (no clustering rows, no kind checks)."""
    import sys

    repo = Path(__file__).resolve().parents[1]
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))
    from benchmarks import accuracy

    with (tmp_path / "arts.jsonl").open("w", encoding="utf-8") as f:
        for r in ARTICLE_RECORDS:
            f.write(json.dumps({**r, "topic": "t"}) + "\n")
    with (tmp_path / "pairs.jsonl").open("w", encoding="utf-8") as f:
        for r in _pair_records(5):
            f.write(json.dumps(r) + "\n")
    args = ["--data", str(tmp_path), "--systems", "samestory-static", "--compare-only"]
    assert accuracy.main([*args, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["results"] == {} and report["gold_pair_kinds"] == {}
    compared = report["compare_hard_negatives"]
    assert set(compared) == {"arts / samestory-static"}
    assert compared["arts / samestory-static"]["pairs"] == len(ARTICLE_RECORDS) * 3 // 2
    assert accuracy.main(args) == 0
    assert "compare on its own" in capsys.readouterr().out


def test_samestory_rows_of_short_forms_are_clustered_anew(ecb_records):
    # A short variant keeps its articles' ids: the benchmark's remembered grouping must
    # not be given back for another form of the same articles.
    import sys

    repo = Path(__file__).resolve().parents[1]
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))
    from benchmarks.accuracy import load_system
    from samestory.evaluate import make_short_variants, record_to_article

    system = load_system("samestory-static")
    records = [r for r in ecb_records if r["topic"] == ecb_records[0]["topic"]]
    full = [record_to_article(r) for r in records]
    headline = [record_to_article(r) for r in make_short_variants(records, "headline")]
    assert [a.id for a in headline] == [a.id for a in full]
    assert system.cluster is not None
    first = sorted(map(sorted, system.cluster(full)))
    assert sorted(map(sorted, system.cluster(headline))) != first or len(first) == 1
    assert sorted(map(sorted, system.cluster(full))) == first
