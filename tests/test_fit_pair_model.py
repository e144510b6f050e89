"""scripts/fit_pair_model.py: the CV error file says which pairs were decided wrongly,
with what, and the unrelated short pairs do not depend on the process's hash seed."""

from __future__ import annotations

import dataclasses
import json
import math
import pickle
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import fit_pair_model
from fit_pair_model import PairSet, write_cv_errors

from samestory.pair_model import PairModel, input_names


def _set(name: str, gold: list[bool], augment: bool = False) -> PairSet:
    n = len(gold)
    return PairSet(
        name=name,
        x=np.arange(2 * n, dtype=np.float64).reshape(n, 2),
        gold=np.array(gold),
        topics=np.array([f"{name}:t"] * n),
        topics_b=np.array([f"{name}:t"] * n),
        weight=np.array([1.0 if g else 2.5 for g in gold]),
        production=np.zeros(n, dtype=bool),
        threaded=np.array([True] + [False] * (n - 1)),
        factor=np.ones(n),
        copy=np.zeros(n, dtype=bool),
        ids=np.array([(f"{name}/{k}a", f"{name}/{k}b") for k in range(n)], dtype=object),
        augment=augment,
    )


def test_the_cv_error_file_holds_the_wrong_decisions_of_the_target_sets(tmp_path: Path):
    ecb = _set("ecbplus_dev", [True, False, True, False])
    gva = _set("gva_dev", [True, False, False])
    short = _set("ecbplus_dev:short", [True, False], augment=True)
    sets = [ecb, gva, short]
    cv = {
        "ecbplus_dev": np.array([False, True, True, False]),  # a miss and a false link
        "gva_dev": np.array([False, False, False]),  # its pair 0 is a follow_up: linked
        "ecbplus_dev:short": np.array([False, True]),  # augmenting: not written
    }
    p = {s.name: np.linspace(0.1, 0.9, len(s.gold)) for s in sets}
    t = {s.name: np.full(len(s.gold), 0.55) for s in sets}
    out = tmp_path / "errors.jsonl"
    write_cv_errors(out, sets, cv, p, t, ["first", "second"])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["set"], r["ids"], r["gold"]) for r in rows] == [
        ("ecbplus_dev", ["ecbplus_dev/0a", "ecbplus_dev/0b"], True),
        ("ecbplus_dev", ["ecbplus_dev/1a", "ecbplus_dev/1b"], False),
    ]
    miss, false_link = rows
    assert miss["threshold"] == 0.55 and miss["p"] == 0.1 and miss["weight"] == 1.0
    assert false_link["weight"] == 2.5 and false_link["inputs"] == {"first": 2.0, "second": 3.0}


@dataclass(frozen=True)
class _Doc:
    id: str


def test_the_unrelated_pairs_do_not_depend_on_the_order_a_set_is_read_in(
    monkeypatch: pytest.MonkeyPatch,
):
    """The unrelated pairs are drawn from an index of numbers and names built text by
    text; a set's order differs between processes (the hash seed), so the same items read
    in another order must give the same pairs (the fit is the same in every process)."""
    records = [{"id": f"d{k}", "topic": f"t{k % 3}"} for k in range(30)]
    docs = {r["id"]: _Doc(r["id"]) for r in records}
    numbers = {d: [str(k % 4), str(k % 5 + 10), str(k % 7 + 20)] for k, d in enumerate(docs)}
    names = {d: [f"n{k % 6}", f"m{k % 8}"] for k, d in enumerate(docs)}
    monkeypatch.setattr(fit_pair_model, "measure", lambda name, rows, *args, **kw: rows)

    def drawn(order: int) -> list[tuple[str, str]]:
        monkeypatch.setattr(fit_pair_model, "_numbers", lambda f: sorted(numbers[f.id])[::order])
        monkeypatch.setattr(fit_pair_model, "_names", lambda f: sorted(names[f.id])[::order])
        rows = fit_pair_model.unrelated_pair_set("s", records, {"lead": docs}, 20, False)
        return [(a.id, b.id) for a, b, *_ in rows]

    forward = drawn(1)
    assert len(forward) == 20
    assert drawn(-1) == forward


def test_measures_of_another_design_are_cached_under_another_name():
    args = ("use", 20_000, False, ["lead"], 2000, 1000, ["ecbplus_dev"], 0)
    names = fit_pair_model.input_names()
    base = fit_pair_model.measured_name(*args, names)
    assert base == fit_pair_model.measured_name(*args, list(names))
    assert base != fit_pair_model.measured_name(*args, names[:-1])
    assert base != fit_pair_model.measured_name(*args[:-1], 1, names)
    assert base.startswith("pairs.use.20000.0.lead.2000.1000.ecbplus_dev.inputs-")
    assert fit_pair_model.measured_name(*args, names, "abc").endswith(".models-abc.pkl")


def test_the_models_digest_changes_with_a_fitted_file_but_not_with_the_pair_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A refitted thread model gives the measured pairs another cache name (their
    follow_up links are its); rewriting the pair model's own file does not."""
    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "thread_model.json").write_text("{}")
    (folder / "pair_model.json").write_text("{}")
    monkeypatch.setattr(fit_pair_model.params, "path_of", lambda name: str(folder / name))
    first = fit_pair_model.models_digest()
    (folder / "pair_model.json").write_text('{"refitted": 1}')
    assert fit_pair_model.models_digest() == first
    (folder / "thread_model.json").write_text('{"refitted": 1}')
    assert fit_pair_model.models_digest() != first


@dataclass(frozen=True)
class _Labelled:
    id: str
    same: bool
    noise: float


def _screened_sets() -> tuple[list[PairSet], dict[str, list[tuple[_Labelled, _Labelled]]]]:
    """Three target sets of 10 topics x 12 pairs with two noisy inputs each (the gold
    shows through the first a little), and the articles of every pair."""
    rng = np.random.default_rng(5)
    sets, pairs = [], {}
    for name in ("ecbplus_dev", "meantime_dev", "gva_dev"):
        n = 120
        gold = rng.random(n) < 0.5
        x = np.column_stack([gold + rng.normal(0, 1.5, n), rng.normal(0, 1, n)])
        topics = np.array([f"{name}:t{k // 12}" for k in range(n)])
        ids = np.array([(f"{name}/{k}a", f"{name}/{k}b") for k in range(n)], dtype=object)
        sets.append(
            PairSet(
                name=name,
                x=x,
                gold=gold,
                topics=topics,
                topics_b=topics.copy(),
                weight=np.ones(n),
                production=np.zeros(n, dtype=bool),
                threaded=np.zeros(n, dtype=bool),
                factor=np.ones(n),
                copy=np.zeros(n, dtype=bool),
                ids=ids,
            )
        )
        pairs[name] = [
            (_Labelled(a, bool(g), float(v)), _Labelled(b, bool(g), float(v)))
            for (a, b), g, v in zip(ids, gold, rng.random(n), strict=True)
        ]
    return sets, pairs


def test_the_screen_adds_each_candidate_to_the_same_cv_and_its_base_is_the_fit_s_own():
    """Each row: the CV figures with the candidate added, its weight, and each target
    set's recall at P 0.9 (the ranking, fold thresholds set aside)."""
    sets, pairs = _screened_sets()
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    train = ["ecbplus_dev", "meantime_dev", "gva_dev"]
    candidates = {
        "gold": lambda a, b: 1.0 if a.same else 0.0,
        "noise": lambda a, b: a.noise,
    }
    rows = fit_pair_model.screen(sets, train, options, pairs, candidates)
    assert [r[0] for r in rows] == ["base", "gold", "noise"]
    cv, *_ = fit_pair_model.cross_validate(sets, sets, options)
    assert rows[0][1] == fit_pair_model.target_figures(sets, cv)  # the fit's own CV
    assert rows[0][2] == 0.0
    _, figures, weight, at_precision, wrong = rows[1]
    assert all(p >= 0.98 and r == 1.0 for p, r in figures.values()) and weight > 1.0
    assert at_precision == dict.fromkeys(figures, 1.0)  # the gold column ranks every pair
    assert all(0.0 <= r <= 1.0 for r in rows[2][3].values())
    assert abs(rows[2][2]) < weight / 5  # a column of noise earns little weight
    assert all(s.x.shape == (120, 2) for s in sets)  # the measured sets are not changed
    assert rows[0][4] == fit_pair_model.false_links(sets, cv)
    assert all(v <= rows[0][4][k] for k, v in wrong.items())  # the gold links fewer wrongly


def test_the_screen_by_topic_sets_each_candidate_s_topic_errors_beside_the_base_s(
    capsys: pytest.CaptureFixture[str],
):
    """``--screen --by-topic``: a table a target set and candidate, the base's errors
    against the candidate's, each at its own R@P.9 point; the rows stay the screen's."""
    sets, pairs = _screened_sets()
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    candidates = {"gold": lambda a, b: 1.0 if a.same else 0.0}
    train = ["ecbplus_dev", "meantime_dev", "gva_dev"]
    rows = fit_pair_model.screen(sets, train, options, pairs, candidates, by_topic=True)
    out = capsys.readouterr().out
    assert out.count("by topic: false links base / gold, misses base / gold") == 3
    assert rows == fit_pair_model.screen(sets, train, options, pairs, candidates)
    capsys.readouterr()
    fit_pair_model.screen_differences(sets, train, options, pairs, candidates, [0], by_topic=True)
    assert "by topic: false links base / gold" in capsys.readouterr().out  # --screen-differences


def test_false_links_weigh_each_wrong_link_by_its_pair_s_weight_gva_s_follow_ups_linked():
    ecb = _set("ecbplus_dev", [True, False, False, True])  # negatives weigh 2.5
    gva = _set("gva_dev", [False, False, True])  # pair 0 threaded: linked though not decided
    short = _set("ecbplus_dev:short", [False, False], augment=True)
    decided = {
        "ecbplus_dev": np.array([True, True, False, False]),
        "gva_dev": np.zeros(3, dtype=bool),
        "ecbplus_dev:short": np.ones(2, dtype=bool),
    }
    wrong = fit_pair_model.false_links([ecb, gva, short], decided)
    assert wrong == {"ecbplus_dev": 2.5, "gva_dev": 2.5}  # no augmenting set


def test_held_thresholds_decide_each_fold_at_the_threshold_given_for_it():
    """``--hold-thresholds``: the fold's own fit ranks the pairs, the held threshold
    decides them; holding a fit's own thresholds changes nothing."""
    sets, _ = _screened_sets()
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    cv, cv_p, _, own = fit_pair_model.cross_validate(sets, sets, options, 1)
    same = fit_pair_model.cross_validate(sets, sets, options, 1, own)
    assert all(np.array_equal(same[0][s.name], cv[s.name]) for s in sets)
    held = [0.9, 0.1, 0.5, 0.3, 0.7]
    moved, moved_p, moved_t, thresholds = fit_pair_model.cross_validate(
        sets, sets, options, 1, held
    )
    assert thresholds == held
    for s in sets:
        assert np.array_equal(moved_p[s.name], cv_p[s.name])  # the ranking is the fit's
        assert set(moved_t[s.name].tolist()) <= set(held)
        assert np.array_equal(moved[s.name], moved_p[s.name] >= moved_t[s.name])
    folds = fit_pair_model.fold_of(sets, 1)
    first = sets[0].topics == sorted(folds, key=folds.__getitem__)[0]
    assert set(moved_t[sets[0].name][first].tolist()) == {held[0]}  # fold 0 at held[0]
    with pytest.raises(ValueError, match="2 held thresholds for 5 folds"):
        fit_pair_model.cross_validate(sets, sets, options, 1, [0.5, 0.5])


def test_the_split_screen_can_hold_the_base_s_fold_thresholds_and_sums_false_links(
    capsys: pytest.CaptureFixture[str],
):
    """``--screen --fold-seeds --hold-thresholds``: each candidate's splits are decided at
    the base's fold thresholds of the same seed; every table sums the false links."""
    sets, pairs = _screened_sets()
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    base = fit_pair_model.print_splits(sets, sets, options, options, [3, 4])
    held = [b.thresholds for b in base]
    runs = fit_pair_model.print_splits(sets, sets, options, options, [3, 4], held)
    assert [r.thresholds for r in runs] == held
    assert [r.figures for r in runs] == [b.figures for b in base]  # its own: no change
    out = capsys.readouterr().out
    total = sum(b.figures["meantime_dev"][3] for b in base)
    assert "meantime_dev: " in out and f"sum {total:.1f}" in out
    train = ["ecbplus_dev", "meantime_dev", "gva_dev"]
    candidates = {"noise": lambda a, b: a.noise}
    fit_pair_model.screen_splits(sets, train, options, pairs, candidates, [3, 4], hold=True)
    out = capsys.readouterr().out
    assert "noise (the base's fold thresholds held):" in out
    assert "noise minus base, meantime_dev: R@P.9" in out and "false links sum" in out


def test_the_screen_refuses_pairs_that_are_not_the_measured_ones():
    sets, pairs = _screened_sets()
    pairs["gva_dev"] = pairs["gva_dev"][::-1]
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    with pytest.raises(SystemExit, match="gva_dev: the regenerated pairs"):
        fit_pair_model.screen(sets, ["ecbplus_dev"], options, pairs, {})


def test_a_set_s_pairs_go_to_the_measure_it_is_given(monkeypatch: pytest.MonkeyPatch):
    """``article_pairs`` regenerates the pairs through ``measure_fn``: the sampling is the
    one the measured sets had."""
    records = [{"id": f"d{k}", "topic": f"t{k % 3}"} for k in range(12)]
    docs = {r["id"]: _Doc(r["id"]) for r in records}
    monkeypatch.setattr(fit_pair_model, "_numbers", lambda f: [f.id[-1]])
    monkeypatch.setattr(fit_pair_model, "_names", lambda f: [])
    monkeypatch.setattr(fit_pair_model, "measure", lambda *a, **k: pytest.fail("not this"))
    seen = {}

    def collect(name, rows, *args, **kw):
        seen[name] = [(a.id, b.id) for a, b, *_ in rows]
        return rows

    fit_pair_model.unrelated_pair_set("s", records, {"lead": docs}, 8, False, 0, collect)
    assert seen["s:unrelated"] and all(a != b for a, b in seen["s:unrelated"])


def test_load_inputs_reads_the_file_s_inputs_or_says_what_is_missing(tmp_path: Path):
    good = tmp_path / "good.py"
    good.write_text("INPUTS = {'one': lambda a, b: 1.0}\n")
    assert list(fit_pair_model.load_inputs(good)) == ["one"]
    bad = tmp_path / "bad.py"
    bad.write_text("OTHER = 1\n")
    with pytest.raises(SystemExit, match="defines no INPUTS"):
        fit_pair_model.load_inputs(bad)


def test_article_pairs_keeps_the_articles_of_the_pairs_the_sampling_draws():
    a, b, c = _Doc("a"), _Doc("b"), _Doc("c")

    def sample(measure_fn):
        return [
            measure_fn("s", [(a, b, True, "t", "t"), (b, c, False, "t", "u")], 1.0, False),
            measure_fn("s:short", [(c, a, False, "u", "t")], 1.0, False, augment=True),
        ]

    assert fit_pair_model.article_pairs(sample) == {"s": [(a, b), (b, c)], "s:short": [(c, a)]}


def test_recall_at_precision_moves_every_fold_s_threshold_by_one_offset():
    gold = [True] * 10 + [False] * 2
    s = dataclasses.replace(
        _set("ecbplus_dev", gold), weight=np.ones(12), threaded=np.zeros(12, dtype=bool)
    )
    p = np.array([0.8] * 9 + [0.55, 0.6, 0.6])
    t = np.full(12, 0.5)  # at the fold thresholds: P 10 / 12
    assert fit_pair_model.precision_recall(s.gold, p >= t, s.weight)[0] < 0.9
    recall, delta = fit_pair_model.recall_at_precision(s, p, t)
    # Past the two negatives at 0.6 the positive at 0.55 is lost too: P 1, R 0.9.
    assert recall == pytest.approx(0.9) and delta == pytest.approx(0.101)
    nothing = fit_pair_model.recall_at_precision(s, np.full(12, 0.6), t)
    assert nothing[0] == 0.0 and math.isnan(nothing[1])


def test_screen_with_appends_each_input_as_a_column_in_order():
    s = _set("ecbplus_dev", [True, False])
    pairs = {"ecbplus_dev": [("a0", "b0"), ("a1", "b1")]}
    inputs = {"first": lambda a, b: float(a[-1]), "second": lambda a, b: 10.0 + float(b[-1])}
    (out,) = fit_pair_model.with_inputs([s], pairs, inputs)
    assert out.x.tolist() == [[0.0, 1.0, 0.0, 10.0], [2.0, 3.0, 1.0, 11.0]]
    assert s.x.shape == (2, 2)  # the measured set is left as it was


def test_target_offsets_are_the_fold_threshold_moves_at_which_a_set_meets_the_target(
    capsys: pytest.CaptureFixture[str],
):
    gold = [True] * 10 + [False] * 2
    s = dataclasses.replace(
        _set("ecbplus_dev", gold),
        weight=np.array([1.0] * 10 + [0.6] * 2),
        threaded=np.zeros(12, dtype=bool),
    )
    p = np.array([0.9] * 7 + [0.6205, 0.6, 0.1] + [0.61, 0.4475])
    t = np.full(12, 0.5)
    # Thresholds in (0.4475, 0.6205]: the negative at 0.4475 out (P >= 9 / 9.6), at most
    # the positive at 0.6 lost (R >= 0.8); at or below 0.4475 P 9 / 10.2, above 0.6205 R 0.7.
    offsets = fit_pair_model.target_offsets(s, p, t)
    assert offsets.min() == pytest.approx(-0.052) and offsets.max() == pytest.approx(0.12)
    assert len(offsets) == 173  # every step between
    other = dataclasses.replace(s, name="gva_dev")
    fit_pair_model.print_operating_points(
        [s, other], {"ecbplus_dev": p, "gva_dev": p - 0.3}, {"ecbplus_dev": t, "gva_dev": t}
    )
    out = capsys.readouterr().out
    assert "ecbplus_dev -0.052..+0.120" in out
    assert "gva_dev -0.200..-0.180" in out and "every target set: none" in out


def test_the_topic_table_sums_to_the_set_s_figures_and_names_its_large_topics(
    capsys: pytest.CaptureFixture[str],
):
    """Summed over topics the table gives the pooled figures; a resample of the topics
    is a set of whole topics, and two models' resamples are the same draws."""
    sets, _ = _screened_sets()
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    cv, cv_p, cv_t, _ = fit_pair_model.cross_validate(sets, sets, options)
    s = sets[0]
    table = fit_pair_model.topic_table(s, cv_p[s.name], cv_t[s.name])
    assert len(table.topics) == 10 and table.weight.sum() == pytest.approx(1.0)
    p, r, at_precision = fit_pair_model.table_figures(
        table.tp.sum(axis=0, keepdims=True),
        table.fp.sum(axis=0, keepdims=True),
        table.positives.sum(keepdims=True),
    )
    assert (p[0], r[0]) == pytest.approx(fit_pair_model.target_figures(sets, cv)[s.name])
    assert at_precision[0] == pytest.approx(
        fit_pair_model.recall_at_precision(s, cv_p[s.name], cv_t[s.name])[0]
    )
    draws = fit_pair_model.topic_bootstrap(table)
    assert all(len(d) == fit_pair_model.BOOTSTRAP for d in draws)
    assert np.array_equal(draws[0], fit_pair_model.topic_bootstrap(table)[0])
    tables = fit_pair_model.print_topic_intervals(sets, cv_p, cv_t, against={s.name: table})
    out = capsys.readouterr().out
    assert set(tables) == {"ecbplus_dev", "meantime_dev", "gva_dev"}
    # Against itself the paired difference is 0 in every resample.
    assert "R@P.9 minus the logistic's 0.000..0.000" in out
    assert "topics P / R: ecbplus_dev:t0 (10%)" in out  # 10 equal topics: each at the line


def test_the_monotone_boosted_learner_keeps_its_inputs_directions():
    """Boosted trees constrained by MONOTONE: a constrained input never lowers (+1) or
    raises (-1) the probability, whatever the training pairs say."""
    rng = np.random.default_rng(3)
    n = 600
    gold = rng.random(n) < 0.5
    x = np.column_stack([gold + rng.normal(0, 1, n), rng.normal(0, 1, n)])
    s = dataclasses.replace(_set("ecbplus_dev", list(gold)), x=x, weight=np.ones(n))
    s.topics = np.array([f"t{k % 5}" for k in range(n)])
    names = ("lexical_cosine", "log_gap")
    fitted = fit_pair_model.fit_boosted(
        [s], [np.ones(n, dtype=bool)], names, fit_pair_model.Boosting(leaf=20), "f1", False, 0.5
    )
    grid = np.linspace(-3, 3, 25)
    rises = fitted.predict(np.column_stack([grid, np.zeros(25)]), np.ones(25))
    falls = fitted.predict(np.column_stack([np.zeros(25), grid]), np.ones(25))
    assert np.all(np.diff(rises) >= 0) and rises[-1] > rises[0] + 0.3
    assert np.all(np.diff(falls) <= 0)  # log_gap is -1 though it is noise here
    assert 0.01 <= fitted.threshold <= 0.99


def test_the_bounded_logistic_is_scikit_learn_s_fit_unbounded_and_keeps_its_signs():
    """Unbounded: scikit-learn's L2 logistic fit (converged); bounded: no weight of the
    wrong sign, and a weight the data pull the other way sits at 0."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(11)
    n = 400
    y = rng.random(n) < 0.4
    z = np.column_stack([y + rng.normal(0, 1, n), -(y + rng.normal(0, 1, n)), rng.normal(0, 1, n)])
    w = rng.uniform(0.5, 2.0, n)
    free, bias = fit_pair_model.bounded_logistic(z, y, w, 0.1, [0, 0, 0])
    reference = LogisticRegression(C=0.1, tol=1e-10, max_iter=10_000).fit(z, y, sample_weight=w)
    assert free == pytest.approx(reference.coef_[0], abs=1e-4)
    assert bias == pytest.approx(reference.intercept_[0], abs=1e-4)
    bounded, _ = fit_pair_model.bounded_logistic(z, y, w, 0.1, [-1, 1, 0])  # both wrong
    assert bounded[0] == pytest.approx(0.0, abs=1e-9) and bounded[1] == pytest.approx(0.0, abs=1e-9)
    kept, _ = fit_pair_model.bounded_logistic(z, y, w, 0.1, [1, -1, 0])  # both right
    assert kept == pytest.approx(free, abs=1e-6)


def test_the_fold_seed_deals_the_same_topics_into_other_folds():
    """``--fold-seed 0`` is the split of every earlier run; another seed deals the same
    topics, every fold still holding two of the ten."""
    sets, _ = _screened_sets()
    default = fit_pair_model.fold_of(sets)
    order = np.random.RandomState(0).permutation(30)
    topics = sorted({t for s in sets for t in s.topics})
    assert default == {t: int(order[k]) % 5 for k, t in enumerate(topics)}
    assert fit_pair_model.fold_of(sets, 0) == default
    other = fit_pair_model.fold_of(sets, 3)
    assert other != default and set(other) == set(default)
    assert sorted(np.bincount(list(other.values()))) == [6] * 5
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    _, cv_p, _, _ = fit_pair_model.cross_validate(sets, sets, options, fold_seed=3)
    _, base_p, _, _ = fit_pair_model.cross_validate(sets, sets, options)
    assert any(not np.allclose(cv_p[s.name], base_p[s.name]) for s in sets)


def test_print_splits_gives_each_split_s_cv_and_the_paired_difference(
    capsys: pytest.CaptureFixture[str],
):
    """A line a fold seed equal to that split's own CV, medians over the splits, and for
    another learner its difference from the logistic model's recall at P 0.9."""
    sets, _ = _screened_sets()
    base = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    runs = fit_pair_model.print_splits(sets, sets, base, base, 3)
    cv, *_ = fit_pair_model.cross_validate(sets, sets, base, 2)
    assert {k: v[:2] for k, v in runs[2].figures.items()} == fit_pair_model.target_figures(sets, cv)
    out = capsys.readouterr().out
    assert out.count("fold seed ") == 3 and "median over 3 splits ecbplus_dev" in out
    assert "minus the base fit" not in out
    names = ("lexical_cosine", "log_gap")
    bounded = dataclasses.replace(base, bounded=True, names=names)
    fit_pair_model.print_splits(sets, sets, bounded, base, 2)
    assert "R@P.9 minus the base fit's median" in capsys.readouterr().out


def test_fold_seed_one_topic_leaves_each_topic_out_alone():
    """``--fold-seed -1``: a fold a topic, every pair decided by a model fitted without
    its own topic and with every other."""
    sets, _ = _screened_sets()
    folds = fit_pair_model.fold_of(sets, fit_pair_model.ONE_TOPIC)
    assert sorted(folds.values()) == list(range(30))
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    _, cv_p, _, thresholds = fit_pair_model.cross_validate(
        sets, sets, options, fit_pair_model.ONE_TOPIC
    )
    assert len(thresholds) == 30
    s, topic = sets[1], sets[1].topics[0]
    held = s.topics == topic
    trained = [~fit_pair_model._in_fold(t, folds, folds[topic]) for t in sets]
    alone = options.fit(sets, trained).predict(s.x[held], s.factor[held])
    assert cv_p[s.name][held] == pytest.approx(alone)


def test_follow_ups_out_takes_gva_s_thread_linked_positives_out_of_the_loss():
    """``--follow-ups-out``: a GVA positive the thread model links weighs 0 (compare calls
    it follow_up whatever the pair model says); other sets' pairs and GVA's negatives keep
    their weights, and each set still weighs the same in total."""
    gva = _set("gva_dev", [True, True, False, False])  # pair 0 is threaded
    ecb = _set("ecbplus_dev", [True, False])  # its pair 0 is threaded too: kept
    masks = [np.ones(4, dtype=bool), np.ones(2, dtype=bool)]
    _, _, kept = fit_pair_model._training_rows([gva, ecb], masks, 0.5, None)
    _, _, out = fit_pair_model._training_rows([gva, ecb], masks, 0.5, None, True)
    assert kept[0] > 0 and out[0] == 0.0
    assert out[1:4] / out[1] == pytest.approx([1.0, 2.5, 2.5])  # the rest as they were
    # GVA against ECB+ weighs as before: the positive's weight went to its set's others.
    assert out[:4].sum() / out[4:].sum() == pytest.approx(kept[:4].sum() / kept[4:].sum())
    assert out[4] / out[5] == pytest.approx(kept[4] / kept[5])


def test_a_replacing_candidate_takes_the_place_of_the_input_it_names(tmp_path: Path):
    """``REPLACES``: the candidate's rows drop the named input and append its own column;
    a candidate not named there joins the inputs."""
    file = tmp_path / "inputs.py"
    file.write_text(
        "INPUTS = {'new': lambda a, b: 1.0, 'more': lambda a, b: 2.0}\n"
        "REPLACES = {'new': 'second'}\n"
    )
    assert fit_pair_model.load_replaces(file) == {"new": "second"}
    s = _set("ecbplus_dev", [True, False])
    pairs = {"ecbplus_dev": [("a0", "b0"), ("a1", "b1")]}
    inputs = fit_pair_model.load_inputs(file)
    (replaced,) = fit_pair_model._with_candidate([s], pairs, inputs["new"], 1)
    assert replaced.x.tolist() == [[0.0, 1.0], [2.0, 1.0]]
    (joined,) = fit_pair_model._with_candidate([s], pairs, inputs["more"])
    assert joined.x.tolist() == [[0.0, 1.0, 2.0], [2.0, 3.0, 2.0]]
    assert s.x.shape == (2, 2)


def test_the_screen_over_splits_gives_each_candidate_s_differences_from_the_base(
    capsys: pytest.CaptureFixture[str],
):
    """``--screen FILE --fold-seeds N``: the base's splits, each candidate's, and its
    split-by-split differences; a candidate replacing the noise input by the gold ranks
    every pair."""
    sets, pairs = _screened_sets()
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    train = ["ecbplus_dev", "meantime_dev", "gva_dev"]
    candidates = {"gold": lambda a, b: 1.0 if a.same else 0.0}
    fit_pair_model.screen_splits(sets, train, options, pairs, candidates, 2, {"gold": 1})
    out = capsys.readouterr().out
    assert out.startswith("base:\n") and "\ngold:\n" in out
    assert out.count("fold seed ") == 4
    assert "gold minus base, ecbplus_dev: R@P.9 +" in out and "(> 0 on 2, < 0 on 0)" in out
    assert all(s.x.shape == (120, 2) for s in sets)


def test_topic_errors_split_each_topic_s_errors_in_sample_and_held_out(
    capsys: pytest.CaptureFixture[str],
):
    """``--by-topic``: a topic's false links and misses at each side's own R@P.9 point; a
    false link made in sample and held out alike is there in both columns."""
    gold = [True, True, False, True, True, False]
    s = dataclasses.replace(
        _set("ecbplus_dev", gold), weight=np.ones(6), threaded=np.zeros(6, dtype=bool)
    )
    s.topics = np.array(["t1", "t1", "t1", "t2", "t2", "t2"])
    t = np.full(6, 0.5)
    # In sample: t1's negative (0.9) above every positive, so no offset reaches P 0.9 and
    # both sides are read at their thresholds.
    in_sample = np.array([0.8, 0.8, 0.9, 0.8, 0.8, 0.2])
    # Held out: t2's positives fall under its negative too.
    held_out = np.array([0.8, 0.8, 0.9, 0.3, 0.3, 0.2])
    rows = fit_pair_model.topic_errors(s, (in_sample, t), (held_out, t))
    assert rows == [("t2", 0, 0, 0, 2, 2), ("t1", 1, 1, 0, 0, 2)]
    fit_pair_model.print_topic_errors(rows, "ecbplus_dev")
    out = capsys.readouterr().out
    assert "ecbplus_dev by topic" in out and out.rstrip().endswith("1     1       0     2")


def test_error_classes_tell_misses_only_held_out_from_misses_both_ways(
    capsys: pytest.CaptureFixture[str],
):
    """``--by-topic``'s class table: a positive linked in sample and missed held out is
    variance, one missed both ways bias; each input's mean is read by class."""
    gold = [True, True, False, True, True, False]
    s = dataclasses.replace(
        _set("ecbplus_dev", gold), weight=np.ones(6), threaded=np.zeros(6, dtype=bool)
    )
    t = np.full(6, 0.5)
    in_sample = np.array([0.8, 0.8, 0.9, 0.8, 0.3, 0.2])
    held_out = np.array([0.8, 0.8, 0.9, 0.3, 0.3, 0.2])
    classes = fit_pair_model.error_classes(s, (in_sample, t), (held_out, t))
    assert np.flatnonzero(classes["linked both"]).tolist() == [0, 1]
    assert np.flatnonzero(classes["missed held out only"]).tolist() == [3]
    assert np.flatnonzero(classes["missed both"]).tolist() == [4]
    assert np.flatnonzero(classes["false link held out"]).tolist() == [2]
    assert np.flatnonzero(classes["true negative held out"]).tolist() == [5]
    names = [f"input{k}" for k in range(s.x.shape[1])]
    fit_pair_model.print_error_classes(s, classes, names)
    out = capsys.readouterr().out
    assert "ecbplus_dev by class" in out and "missed held out only" in out
    means = out.splitlines()[-s.x.shape[1] :]
    assert means[0].split()[0] == "input0"
    assert float(means[0].split()[2]) == pytest.approx(float(s.x[3, 0]), abs=1e-3)


def _ill_conditioned(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Near-collinear standardised inputs, as the pair model's cosines are, with weights:
    where lbfgs at scikit-learn's default tolerance stops before the optimum."""
    rng = np.random.default_rng(seed)
    base = rng.normal(size=n)
    z = np.column_stack([base + 0.01 * rng.normal(size=n) for _ in range(3)])
    z = np.column_stack([z, rng.normal(size=n)])
    y = rng.random(n) < 1.0 / (1.0 + np.exp(-(-2.0 + 2.0 * base + z[:, 3])))
    return z, y, rng.uniform(0.5, 2.0, n)


def test_the_converged_fit_is_at_the_optimum_and_below_the_old_stop_s_objective():
    from sklearn.linear_model import LogisticRegression

    z, y, w = _ill_conditioned()
    fits = {}
    for tol in (fit_pair_model.STOP_TOL, fit_pair_model.CONVERGED_TOL):
        model = LogisticRegression(C=3.0, tol=tol, max_iter=fit_pair_model.MAX_ITER)
        model = fit_pair_model.ftm.fit_logistic(model, z, y, w)
        coef, bias = model.coef_[0], float(model.intercept_[0])
        fits[tol] = (fit_pair_model.objective(z, y, w, 3.0, coef, bias), coef)
    (stopped, _), (converged, _) = fits.values()
    assert converged < stopped
    # scipy's tight L-BFGS-B on the same objective finds the converged fit's value.
    bounded, bound_bias = fit_pair_model.bounded_logistic(z, y, w, 3.0, [0, 0, 0, 0])
    assert converged == pytest.approx(
        fit_pair_model.objective(z, y, w, 3.0, bounded, bound_bias), abs=1e-6
    )


def test_a_fit_stopped_by_its_iteration_limit_fails_loudly():
    from sklearn.linear_model import LogisticRegression

    z, y, w = _ill_conditioned()
    short = LogisticRegression(C=3.0, tol=fit_pair_model.CONVERGED_TOL, max_iter=3)
    with pytest.raises(fit_pair_model.NotConverged, match=r"C=3\.0"):
        fit_pair_model.ftm.fit_logistic(short, z, y, w)


def test_the_fit_reports_its_objective_and_iterations_and_tol_moves_it():
    sets, _ = _screened_sets()
    masks = [np.ones(len(s.gold), dtype=bool) for s in sets]
    stopped = fit_pair_model.fit_logistic(sets, masks, 0.1, "target", False, 0.5)
    converged = fit_pair_model.fit_logistic(
        sets, masks, 0.1, "target", False, 0.5, tol=fit_pair_model.CONVERGED_TOL
    )
    assert 0 < stopped.iterations <= converged.iterations
    assert converged.objective <= stopped.objective + 1e-9
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    assert options.tol == fit_pair_model.STOP_TOL  # every shipped file's fit


def test_the_command_line_names_tol_and_the_first_fold_seed_only_when_not_the_default():
    from argparse import Namespace

    line = fit_pair_model._command_line(
        Namespace(C=0.1, tol=fit_pair_model.STOP_TOL, fold_seeds_from=0, convergence=False)
    )
    assert line == "--C 0.1"
    line = fit_pair_model._command_line(Namespace(C=0.3, tol=1e-10, fold_seeds_from=10))
    assert line == "--C 0.3 --tol 1e-10 --fold-seeds-from 10"


def test_print_splits_runs_the_fold_seeds_it_is_given(capsys: pytest.CaptureFixture[str]):
    sets, _ = _screened_sets()
    base = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    runs = fit_pair_model.print_splits(sets, sets, base, base, range(4, 6))
    cv, *_ = fit_pair_model.cross_validate(sets, sets, base, 5)
    assert {k: v[:2] for k, v in runs[1].figures.items()} == fit_pair_model.target_figures(sets, cv)
    out = capsys.readouterr().out
    assert "fold seed 4:" in out and "fold seed 5:" in out and "fold seed 0:" not in out
    assert "median over 2 splits" in out


def test_print_convergence_compares_the_old_stop_with_the_converged_fit(
    capsys: pytest.CaptureFixture[str],
):
    sets, _ = _screened_sets()
    options = fit_pair_model.FitOptions(
        0.1, "target", False, 0.5, {}, tol=fit_pair_model.CONVERGED_TOL
    )
    fit_pair_model.print_convergence(sets, sets, options, ["first", "second"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "fit at tol 0.0001 against tol 1e-10 (C 0.1)"
    assert lines[1].startswith("in sample: objective ")
    assert [line.split(":")[0] for line in lines[2:]] == [f"fold {f} of seed 0" for f in range(5)]


def test_the_screen_s_differences_are_the_pairs_a_candidate_decides_otherwise(
    capsys: pytest.CaptureFixture[str],
):
    """``--screen FILE --screen-differences OUT``: on each fold seed, the target pairs
    the candidate's CV decides otherwise than the base's, with the candidate's value."""
    sets, pairs = _screened_sets()
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    train = ["ecbplus_dev", "meantime_dev", "gva_dev"]
    gold = {"gold": lambda a, b: 1.0 if a.same else 0.0}
    rows = fit_pair_model.screen_differences(sets, train, options, pairs, gold, [0, 1])
    assert capsys.readouterr().out.count("fold seed ") == 2
    for seed in (0, 1):
        base, *_ = fit_pair_model.cross_validate(sets, sets, options, seed)
        extended = fit_pair_model._with_candidate(sets, pairs, gold["gold"])
        cv, *_ = fit_pair_model.cross_validate(extended, extended, options, seed)
        expected = {
            (s.name, *s.ids[k]) for s in sets for k in np.flatnonzero(base[s.name] != cv[s.name])
        }
        found = [r for r in rows if r["fold_seed"] == seed]
        assert expected and {(r["set"], *r["ids"]) for r in found} == expected
        for r in found:
            assert r["candidate"] == "gold" and r["base"] != r["candidate_links"]
            assert r["value"] == float(r["gold"])
    assert sum(r["candidate_links"] == r["gold"] for r in rows) > 0.9 * len(rows)


def _cached(tmp_path: Path, sets: list[PairSet]) -> Path:
    """A cache folder holding ``sets`` as a run with the default measures' options over
    every dev set reads them (``--no-cross-lingual``, no short forms)."""
    cache = tmp_path / "cache"
    cache.mkdir()
    measured = fit_pair_model.measured_name(
        "use",
        20_000,
        False,
        [],
        2000,
        0,
        list(fit_pair_model.SETS),
        0,
        fit_pair_model.input_names(),
        fit_pair_model.models_digest(),
    )
    (cache / measured).write_bytes(pickle.dumps(sets))
    return cache


def test_screen_with_runs_the_single_cv_and_its_in_sample_fit_without_a_production_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """``--screen-with`` without ``--fold-seeds`` (leave-one-topic-out's run): the CV and
    the in-sample fit with an input production does not compute, which a ``PairModel``
    would refuse; nothing is written."""
    sets, pairs = _screened_sets()
    names = fit_pair_model.input_names()
    kept = names[:2]  # the synthetic sets' two columns
    cache = _cached(tmp_path, sets)
    train = ["ecbplus_dev", "meantime_dev", "gva_dev"]
    monkeypatch.setattr(fit_pair_model, "article_pairs", lambda sample: pairs)
    (tmp_path / "venue.py").write_text(
        "INPUTS = {'not_in_production': lambda a, b: 1.0 if a.same else -1.0}\n"
    )
    drop = ",".join(n for n in names if n not in kept)
    argv = ["fit_pair_model.py", "--data", str(tmp_path), "--cache", str(cache)]
    argv += ["--train", ",".join(train), "--rule", "target", "--no-cross-lingual"]
    argv += ["--drop", drop, "--fold-seed", "-1", "--screen-with", str(tmp_path / "venue.py")]
    monkeypatch.setattr(sys, "argv", argv)
    fit_pair_model.main()
    out = capsys.readouterr().out
    assert "threshold in sample" in out and "per fold" in out
    assert out.count(", ") > 29  # a fold threshold a topic (30 topics)
    assert "CV recall at precision >= 0.9: ecbplus_dev 1.0000" in out  # the input is gold


def _with_sparse_evidence(sets: list[PairSet]) -> list[PairSet]:
    """The sets with a last column that is mostly 0 and otherwise +1 on positives, -1 on
    negatives (a venue input's shape: most pairs carry no evidence)."""
    out = []
    for s in sets:
        sign = np.where(s.gold, 1.0, -1.0)
        column = np.where(np.arange(len(s.gold)) % 4 == 0, sign, 0.0)
        out.append(dataclasses.replace(s, x=np.column_stack([s.x, column])))
    return out


def test_the_offset_fit_keeps_the_base_s_weights_threshold_and_its_pairs_without_evidence():
    """``fit_offset``: one weight on top of the base's log-odds; a pair whose added input is
    0 keeps the base's probability exactly, and the model reads as production reads it."""
    base_sets, _ = _screened_sets()
    sets = _with_sparse_evidence(base_sets)
    masks = [np.ones(len(s.gold), dtype=bool) for s in sets]
    options = fit_pair_model.FitOptions(0.1, "target", True, 0.5, {})
    base = options.fit(base_sets, masks)
    on_top = dataclasses.replace(options, offset=1).fit(sets, masks)
    assert on_top.bias == base.bias and on_top.threshold == base.threshold
    assert np.array_equal(on_top.weights[:-1], base.weights) and on_top.weights[-1] > 0.5
    assert on_top.mean[-1] == 0.0 and on_top.scale[-1] == 1.0
    for s, b in zip(sets, base_sets, strict=True):
        factor = np.linspace(0.5, 1.0, len(s.gold))  # the gate reads the date factor
        ours, theirs = on_top.predict(s.x, factor), base.predict(b.x, factor)
        zero = s.x[:, -1] == 0.0
        assert np.array_equal(ours[zero], theirs[zero])  # exactly the base's
        assert np.all((ours > theirs)[s.x[:, -1] > 0]) and np.all((ours < theirs)[s.x[:, -1] < 0])
        model = PairModel(
            inputs=("doc_cosine", "best_sentence", "age_agreement"),
            mean=tuple(on_top.mean),
            scale=tuple(on_top.scale),
            weights=tuple(on_top.weights),
            bias=on_top.bias,
            threshold=on_top.threshold,
        )
        row = [0.0] * len(input_names())
        for k in range(10):
            for name, v in zip(model.inputs, s.x[k], strict=True):
                row[input_names().index(name)] = v
            assert model.probability_of_row(row, factor[k]) == pytest.approx(ours[k], abs=1e-12)


def test_the_offset_screen_decides_a_candidate_s_zero_pairs_as_the_base_does():
    """``--screen --offset-fit``: under CV every pair the candidate decides otherwise has
    a value; the candidate's fold thresholds are the base's."""
    base_sets, pairs = _screened_sets()
    sets = _with_sparse_evidence(base_sets)
    value = {a.id: v for s in sets for (a, _), v in zip(pairs[s.name], s.x[:, -1], strict=True)}
    candidates = {"venue": lambda a, b: value[a.id]}
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    train = ["ecbplus_dev", "meantime_dev", "gva_dev"]
    found: list[dict] = []
    rows = fit_pair_model.screen(
        base_sets, train, options, pairs, candidates, 2, differences=found, offset=True
    )
    assert [r[0] for r in rows] == ["base", "venue"] and rows[1][2] > 0.5
    assert found and all(row["value"] != 0.0 for row in found)
    _, _, _, own = fit_pair_model.cross_validate(base_sets, base_sets, options, 2)
    on_top = dataclasses.replace(options, offset=1)
    _, _, _, thresholds = fit_pair_model.cross_validate(sets, sets, on_top, 2)
    assert thresholds == own
    with pytest.raises(SystemExit, match="no REPLACES"):
        fit_pair_model.screen(
            base_sets, train, options, pairs, candidates, 2, {"venue": 0}, offset=True
        )


def test_check_says_same_for_the_shipped_file_and_names_what_moved(
    capsys: pytest.CaptureFixture[str],
):
    """``--check``: the shipped file against itself is SAME; a weight moved beyond the
    tolerance, or another input list, DIFFERS and says what."""
    from samestory.pair_model import load_pair_model

    shipped = load_pair_model()
    assert shipped is not None
    assert fit_pair_model.check_model(shipped) == 0
    assert "SAME" in capsys.readouterr().out
    weights = list(shipped.weights)
    weights[2] += 1e-3
    moved = dataclasses.replace(shipped, weights=tuple(weights))
    assert fit_pair_model.check_model(moved) == 1
    assert f"{shipped.inputs[2]} weight" in capsys.readouterr().out
    tiny = list(shipped.weights)
    tiny[0] += 1e-9  # solver rounding: still the same model
    assert (
        fit_pair_model.model_differences(shipped, dataclasses.replace(moved, weights=tuple(tiny)))
        == []
    )
    fewer = dataclasses.replace(
        shipped,
        inputs=shipped.inputs[:-1],
        mean=shipped.mean[:-1],
        scale=shipped.scale[:-1],
        weights=shipped.weights[:-1],
    )
    assert fit_pair_model.model_differences(shipped, fewer)[0].startswith("inputs:")


def test_a_fixed_model_keeps_its_weights_in_every_fold_and_chooses_only_its_threshold():
    """``--cv-fixed``: each fold decides by the written model's weights (its probabilities
    are the model's on every pair, whatever the fold), at the threshold its rule chooses
    on the fold's training pairs; the fit of every pair read as that model gives the same
    figures as a refit only where the refit chooses the same weights."""
    sets, _ = _screened_sets()
    options = fit_pair_model.FitOptions(0.1, "target", True, 0.5, {})
    everything = [np.ones(len(s.gold), dtype=bool) for s in sets]
    whole = options.fit(sets, everything)
    model = PairModel(
        inputs=("doc_cosine", "best_sentence"),
        mean=tuple(whole.mean),
        scale=tuple(whole.scale),
        weights=tuple(whole.weights),
        bias=whole.bias,
        threshold=whole.threshold,
    )
    fixed = dataclasses.replace(options, fixed=model)
    _, cv_p, cv_t, thresholds = fit_pair_model.cross_validate(sets, sets, fixed, 3)
    refit_p = fit_pair_model.cross_validate(sets, sets, options, 3)[1]
    folds = fit_pair_model.fold_of(sets, 3)
    for s in sets:
        assert np.allclose(cv_p[s.name], whole.predict(s.x, s.factor), atol=1e-12)
        assert not np.allclose(refit_p[s.name], cv_p[s.name])  # the refit's weights move
    for k, f in enumerate(sorted(set(folds.values()))):
        masks = [~fit_pair_model._in_fold(s, folds, f) for s in sets]
        chosen = fit_pair_model.choose_threshold(
            [whole.predict(s.x[m], s.factor[m]) for s, m in zip(sets, masks, strict=True)],
            sets,
            masks,
            "target",
        )
        assert thresholds[k] == min(max(chosen, 0.01), 0.99)
    assert set(np.concatenate([cv_t[s.name] for s in sets]).tolist()) <= set(thresholds)


def test_the_offset_input_on_top_of_a_written_file_keeps_its_numbers_and_threshold():
    """``--offset-inputs --keep-shipped-base`` (``fit_on_top``): the written file's inputs
    keep their numbers, bias and threshold; the offset input is fitted on top, last; refit
    on the file it wrote (``--check``) it is the same model."""
    base_sets, _ = _screened_sets()
    sets = _with_sparse_evidence(base_sets)
    masks = [np.ones(len(s.gold), dtype=bool) for s in sets]
    options = fit_pair_model.FitOptions(0.1, "target", True, 0.5, {})
    shipped, _ = fit_pair_model.fit(
        base_sets, masks, 0.1, "target", True, ("doc_cosine", "best_sentence"), 0.5, {}
    )
    names = ("doc_cosine", "best_sentence", "local_venue_agreement")
    on_top = dataclasses.replace(options, offset=1)
    model, _ = fit_pair_model.fit_on_top(shipped, sets, masks, names, on_top)
    assert model.inputs == names and model.offset_inputs == ("local_venue_agreement",)
    assert model.bias == shipped.bias and model.threshold == shipped.threshold
    assert model.weights[:2] == shipped.weights and model.weights[2] > 0.5
    again, _ = fit_pair_model.fit_on_top(model, sets, masks, names, on_top)
    assert fit_pair_model.model_differences(model, again) == []
    with pytest.raises(SystemExit, match="base inputs"):
        fit_pair_model.fit_on_top(shipped, sets, masks, ("doc_cosine", "x", "y"), on_top)


def _two_language_sets() -> tuple[list[PairSet], dict[str, list[tuple[_Labelled, _Labelled]]]]:
    """:func:`_screened_sets` with MEANTIME's even pairs across two languages (its odd
    ones in one) and the other sets in English."""
    sets, pairs = _screened_sets()
    languages = {}
    for s in sets:
        for k, (a, b) in enumerate(s.ids):
            languages[a] = "en"
            languages[b] = "es" if s.name == "meantime_dev" and k % 2 == 0 else "en"
    fit_pair_model.with_languages(sets, languages)
    return sets, pairs


def test_a_set_of_two_languages_is_reported_by_language_the_others_are_not():
    sets, _ = _two_language_sets()
    ecb, meantime, gva = sets
    assert meantime.cross is not None and meantime.cross.tolist() == [
        k % 2 == 0 for k in range(120)
    ]
    assert fit_pair_model.language_parts(ecb) == {} == fit_pair_model.language_parts(gva)
    parts = fit_pair_model.language_parts(meantime)
    assert list(parts) == ["same-language", "cross-language"]
    assert np.array_equal(parts["cross-language"], ~parts["same-language"])
    unread = _set("meantime_dev", [True, False])  # a cache's set, languages not read
    assert unread.cross is None and fit_pair_model.language_parts(unread) == {}
    short = _set("meantime_dev:short", [True, False], augment=True)
    fit_pair_model.with_languages([short], {"meantime_dev:short/0a": "en"})
    assert short.cross is None  # an augmenting set is no row


def test_the_parts_of_a_set_sum_to_its_false_links_and_a_part_without_positives_has_no_recall():
    sets, _ = _two_language_sets()
    meantime = sets[1]
    decided = np.arange(120) % 3 == 0
    whole = fit_pair_model.false_links(sets, dict.fromkeys([s.name for s in sets], decided))
    parts = {
        k: fit_pair_model.part_figures(meantime, decided, m)
        for k, m in fit_pair_model.language_parts(meantime).items()
    }
    assert math.isclose(sum(f[2] for f in parts.values()), whole["meantime_dev"])
    assert math.isclose(sum(f[3] for f in parts.values()), float(decided.sum()))
    meantime.gold = meantime.cross.copy()  # MEANTIME's: only translations are positives
    same = fit_pair_model.part_figures(meantime, decided, ~meantime.cross)
    assert same[0] == 0.0 and math.isnan(same[1]) and same[2] == same[3] > 0


def test_the_splits_report_the_same_and_cross_language_pairs_apart(
    capsys: pytest.CaptureFixture[str],
):
    """``--fold-seeds``: each split's MEANTIME row by language (P / R / false links), their
    medians and sums; ``--screen``: each candidate's false links by language minus the
    base's."""
    sets, pairs = _two_language_sets()
    options = fit_pair_model.FitOptions(0.1, "target", False, 0.5, {})
    runs = fit_pair_model.print_splits(sets, sets, options, options, [3, 4])
    for run in runs:
        assert list(run.parts) == ["meantime_dev same-language", "meantime_dev cross-language"]
        assert math.isclose(sum(f[2] for f in run.parts.values()), run.figures["meantime_dev"][3])
    out = capsys.readouterr().out
    assert out.count("  by language: meantime_dev same-language P ") == 2
    total = sum(run.parts["meantime_dev same-language"][2] for run in runs)
    assert "median over 2 splits meantime_dev same-language: P " in out
    assert f"sum {total:.1f}" in out
    train = ["ecbplus_dev", "meantime_dev", "gva_dev"]
    candidates = {"noise": lambda a, b: a.noise}
    fit_pair_model.screen_splits(sets, train, options, pairs, candidates, [3, 4], hold=True)
    out = capsys.readouterr().out
    assert "noise minus base, meantime_dev same-language: false links " in out
    assert "noise minus base, meantime_dev cross-language: false links " in out
    assert "ecbplus_dev same-language" not in out


def test_a_one_fit_run_prints_a_two_language_set_s_rows_by_language(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    """A run without ``--fold-seeds``: MEANTIME's row, then its same-language and
    cross-language rows (production, CV, in sample, both, each with its false links); the
    languages are the records' (here given), read after the cache."""
    sets, pairs = _screened_sets()
    names = fit_pair_model.input_names()
    cache = _cached(tmp_path, sets)
    train = ["ecbplus_dev", "meantime_dev", "gva_dev"]
    languages = {}
    for s in sets:
        for k, (a, b) in enumerate(s.ids):
            languages[a] = "en"
            languages[b] = "nl" if s.name == "meantime_dev" and k % 2 else "en"
    monkeypatch.setattr(fit_pair_model, "record_languages", lambda data: languages)
    (tmp_path / "more.py").write_text("INPUTS = {'noise': lambda a, b: a.noise}\n")
    drop = ",".join(names[2:])
    argv = ["fit_pair_model.py", "--data", str(tmp_path), "--cache", str(cache)]
    argv += ["--train", ",".join(train), "--rule", "target", "--no-cross-lingual"]
    argv += ["--drop", drop, "--screen-with", str(tmp_path / "more.py")]
    monkeypatch.setattr(fit_pair_model, "article_pairs", lambda sample: pairs)
    monkeypatch.setattr(sys, "argv", argv)
    fit_pair_model.main()
    lines = capsys.readouterr().out.splitlines()
    at = next(k for k, line in enumerate(lines) if line.startswith("meantime_dev "))
    same = re.sub(r"\(\s+", "(", lines[at + 1]).split()
    assert same[:3] == ["same-language", "60", f"({int(sets[1].gold[0::2].sum())})"]
    assert lines[at + 2].split()[0] == "cross-language" and lines[at + 2].count(" fl ") == 4
    assert not any(line.strip().startswith("same-language") for line in lines[:at])
