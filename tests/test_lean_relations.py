"""Lean relations: a scored pair that is no relation whatever its alignment would say
(:func:`samestory.relate.is_weak`) gets :func:`samestory.relate.weak_relation` in the
batch, the store and Spark: the kind, score, thread probability, cues and date gap of
:func:`samestory.relate.relation_of`, without the evidence nothing reads of it."""

from __future__ import annotations

import pytest

from samestory import relate
from samestory.config import DEFAULT_CONFIG
from samestory.features import featurize
from samestory.models import Article
from samestory.pipeline.batch import analyze_features
from samestory.pipeline.score import score_pairs

CONFIG = DEFAULT_CONFIG.replace(workers=1)
# What the lean relation keeps of the full one, value for value.
KEPT = (
    "story",
    "event_probability",
    "thread",
    "rewrite_evidence",
    "shingle_jaccard",
    "shingle_containment",
    *relate.CUE_SCORE_KEYS,
    *relate.CONFLICT_SCORE_KEYS,
)


@pytest.fixture(scope="module")
def features(ecb_records):
    return featurize([Article(id=r["id"], text=r["text"]) for r in ecb_records[:30]])


def _check(full, lean):
    weak = 0
    for f, w in zip(full, lean, strict=True):
        assert (w.a, w.b, w.kind, w.score) == (f.a, f.b, f.kind, f.score)
        assert w.evidence.date_gap_days == f.evidence.date_gap_days
        assert w.evidence.dates == f.evidence.dates
        if "similarity" in w.evidence.scores:  # not weak: the full relation
            assert w == f
            continue
        weak += 1
        assert f.kind is None
        assert f.evidence.aligned == ()  # relation_of did not align it either
        assert {k: w.evidence.scores[k] for k in KEPT} == {k: f.evidence.scores[k] for k in KEPT}
        assert set(w.evidence.scores) == set(KEPT)
    return weak


def test_lean_relations_keep_kind_score_thread_and_cues(features):
    a, others = features[0], features[1:]
    full = relate.relate_against(a, others, CONFIG)
    assert full == [relate.relate(a, b, CONFIG) for b in others]  # the default is full
    lean = relate.relate_against(a, others, CONFIG, lean=True)
    assert 0 < _check(full, lean) < len(others)
    b = features[5]
    rest = [f for f in features if f is not b]
    _check(relate.relate_to(rest, b, CONFIG), relate.relate_to(rest, b, CONFIG, lean=True))


def test_is_weak_means_no_relation_whatever_the_alignment(features):
    # Aligning a weak pair anyway gives relation_of's kind None and score all the same.
    for b in features[1:]:
        ps = relate.pair_score(features[0], b, CONFIG)
        summary = ps.sim if ps.summary is None else ps.summary
        if relate.is_weak(ps.score, ps.thread, ps.jaccard, summary, CONFIG):
            alignment = relate.align_pair(features[0], b, ps.sim)
            aligned = relate.relation_of(features[0], b, ps, CONFIG, align=lambda x=alignment: x)
            assert (aligned.kind, aligned.score) == (None, ps.score)


def test_the_batch_gives_the_stories_of_full_relations(features, monkeypatch):
    lean = analyze_features(list(features), CONFIG)
    # The same run with every pair related in full.
    import samestory.pipeline.batch as batch_module

    def full(features, pairs, config, progress=None, model=None, lean=True):
        return score_pairs(features, pairs, config, progress, model)

    monkeypatch.setattr(batch_module, "score_pairs", full)
    reference = analyze_features(list(features), CONFIG)
    assert lean.stories == reference.stories
    assert len(lean.relations) == len(reference.relations)
    assert any("similarity" not in r.evidence.scores for r in lean.relations)
    assert all("similarity" in r.evidence.scores for r in reference.relations)


def test_score_pairs_is_full_by_default_and_lean_on_request(features):
    pairs = [(0, j) for j in range(1, 12)]
    full = score_pairs(features, pairs, CONFIG)
    assert full == [relate.relate(features[i], features[j], CONFIG) for i, j in pairs]
    _check(full, score_pairs(features, pairs, CONFIG, lean=True))
