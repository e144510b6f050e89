"""Pair scoring by article: :func:`samestory.relate.measure_against` measures one article
against all its candidates with what every pair reads of the article read once; every
pair's measures must be :func:`samestory.relate.measure_pair`'s, bit for bit, and the
batch's relations :func:`samestory.relate.relate`'s (lean or full)."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from samestory import conflicts, lexical, overlap, relate, threads
from samestory.config import DEFAULT_CONFIG
from samestory.features import featurize
from samestory.models import Article
from samestory.overlap import shingle_overlap
from samestory.pairsims import summarise_against

CONFIG = DEFAULT_CONFIG.replace(workers=1)


@pytest.fixture(scope="module")
def features(ecb_records, meantime_records):
    # ECB+ (English, dated from the text) and MEANTIME (four languages: pairs across
    # languages read both languages' word frequencies).
    records = ecb_records[:25] + meantime_records[:25]
    return featurize([Article(id=r["id"], text=r["text"], lang=r.get("lang")) for r in records])


def _same(x: relate.PairMeasures, y: relate.PairMeasures) -> bool:
    # repr: floats compared by their shortest exact form, so -0.0 and NaN count too.
    return (
        x == y
        and repr(x.cues) == repr(y.cues)
        and repr(x.thread_features) == repr(y.thread_features)
    )


def _inputs_against(a, others):
    """What the measure step is given for ``a`` against ``others``: sentence summaries,
    term cosines and shingle overlaps, computed as production does."""
    summaries = summarise_against(
        a.sentence_vectors,
        [b.sentence_vectors for b in others],
        relate._close_thresholds(CONFIG),
    )
    cosines = lexical.cosines_against(a.terms, [b.terms for b in others])
    return summaries, cosines, [shingle_overlap(a, b) for b in others]


def test_measure_against_is_measure_pair_bit_for_bit(features):
    langs = {f.lang for f in features}
    assert len(langs) > 1  # the cross-language path is exercised
    crossed = 0
    for a in features[::4]:
        others = [b for b in features if b is not a]
        summaries, cosines, overlaps = _inputs_against(a, others)
        batch = relate.measure_against(a, others, summaries, cosines, overlaps)
        for b, s, c, o, m in zip(others, summaries, cosines, overlaps, batch, strict=True):
            assert _same(m, relate.measure_pair(a, b, s, c, o)), (a.id, b.id)
            crossed += a.lang != b.lang and bool(a.entities & b.entities)
    assert crossed  # pairs across languages sharing a name were measured


def test_batch_relations_are_relate_s(features):
    a, others = features[3], features[1:3] + features[4:]
    full = relate.relate_against(a, others, CONFIG)
    assert full == [relate.relate(a, b, CONFIG) for b in others]
    lean = relate.relate_against(a, others, CONFIG, lean=True)
    weak = 0
    for f, w in zip(full, lean, strict=True):
        if "similarity" in w.evidence.scores:
            assert w == f
            continue
        weak += 1
        # A weak relation's scores: the full one's, in the order of WEAK_SCORE_KEYS
        # (the order shows in the relation's repr and JSON).
        assert list(w.evidence.scores) == list(relate.WEAK_SCORE_KEYS)
        assert w.evidence.scores == {k: f.evidence.scores[k] for k in relate.WEAK_SCORE_KEYS}
    assert weak
    # The date notes are interned: one string object however many pairs repeat it.
    notes = [n for r in lean for n in r.evidence.dates]
    assert notes
    assert all(n is sys.intern(n) for n in notes)


def test_thread_inputs_given_or_read(features):
    a, b = features[0], features[1]
    named = sorted(a.entities & b.entities)
    inputs = (
        named,
        [threads._specificity(n, a, b) for n in named],
        len(threads.long_numbers_of(a.numbers) & b.numbers),
    )
    cues = (0.5,) * len(relate.CUE_NAMES)
    assert threads.thread_features(a, b, cues, 0.1, 40, inputs) == threads.thread_features(
        a, b, cues, 0.1, 40
    )


def test_conflict_share_is_number_conflict():
    a = frozenset({"year=36", "<route=52", "round=7"})
    b = frozenset({"year=32", "<route=52", "round=7", "round=8"})
    share = conflicts.conflict_share(conflicts.by_context(a), conflicts.by_context(b))
    assert share == conflicts.number_conflict(a, b) == 1 / 4


def test_shingle_overlaps_are_shingle_overlap_s(features):
    empty = featurize([Article(id="empty", text="!!!")])[0]  # no word: no shingle
    assert empty.n_shingles == 0
    everyone = [*features, empty]
    for a in [*features[::7], empty]:
        others = [b for b in everyone if b is not a]
        got = overlap.shingle_overlaps(a, others)
        assert got == [overlap.shingle_overlap(a, b) for b in others]
        assert [repr(x) for x in got] == [repr(overlap.shingle_overlap(a, b)) for b in others]


def test_weak_relations_from_columns_are_the_object_path_s(features):
    # Every pair's weak test and weak relation read from the columns must be what the
    # objects give (_score_all's PairScore, is_weak, weak_relation), bit for bit.
    model = relate.story_model_for(CONFIG.encoder)
    weak_pairs = strong_pairs = 0
    for a in features[::3]:
        others = [b for b in features if b is not a]
        summaries, cosines, overlaps = _inputs_against(a, others)
        columns = relate.measure_columns(a, others, summaries, cosines, overlaps)
        scores, weak = relate._score_all(columns.measures(range(len(others))), model, CONFIG)
        got = relate._weak_relations([(a, b) for b in others], columns, model, CONFIG)
        for b, ps, is_weak, relation in zip(others, scores, weak, got, strict=True):
            assert (relation is not None) == is_weak, (a.id, b.id)
            assert is_weak == relate.is_weak(ps.score, ps.thread, ps.jaccard, ps.summary, CONFIG)
            if relation is None:
                strong_pairs += 1
                continue
            weak_pairs += 1
            expected = relate.weak_relation(a, b, ps)
            assert relation == expected
            assert repr(relation) == repr(expected)
    assert weak_pairs and strong_pairs


def test_log1p_of_counts_is_math_log1p():
    counts = [0, 1, 2, 7, 80, 4095, 4096, 4097, 10**6]
    got = relate._log1p_of_counts(np.array(counts, dtype=np.float64)).tolist()
    assert got == [math.log1p(k) for k in counts]


def test_dot_columns_is_dot_row_by_row():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 9)) * rng.choice([1e-8, 1.0, 1e8], size=(200, 9))
    weights = tuple(rng.normal(size=9).tolist())
    got = relate._dot_columns(weights, x).tolist()
    assert got == [relate._dot(weights, row) for row in x.tolist()]


def test_relate_runs_is_relate_against_run_by_run(features):
    # A chunk's runs measured as one set of columns: the relations of each run alone.
    runs = [(a, [b for b in features[k + 1 : k + 12]]) for k, a in enumerate(features[:30:3])]
    for lean in (False, True):
        alone = [
            r for a, others in runs for r in relate.relate_against(a, others, CONFIG, None, lean)
        ]
        together = relate.relate_runs(runs, CONFIG, None, lean)
        assert together == alone
        assert [repr(r) for r in together] == [repr(r) for r in alone]
    assert relate.relate_runs([], CONFIG) == []
