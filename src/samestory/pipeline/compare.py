"""Pairs judged on their own, no corpus: :func:`compare` (``samestory compare``, the REST
compare route), :func:`compare_pairs` and :func:`compare_features`.

Light beside the batch driver: featurising and relating two articles needs none of the
candidate indexes, the grouping or the roundup rule, so ``samestory compare`` imports this
module and not :mod:`samestory.api` (which re-exports these names), saving those modules'
import at its start-up (docs/history/benchmarks.md, 2026-12-06, tidy).
"""

from __future__ import annotations

from collections.abc import Sequence

from samestory import provenance
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import SentenceEncoder
from samestory.features import DocFeatures, featurize
from samestory.models import Article, Relation
from samestory.pair_model import decide, load_pair_model
from samestory.relate import (
    measure_pair,
    relation_of,
    score_measures,
    single_threaded_blas,
    story_model_for,
)


def compare(
    a: Article,
    b: Article,
    config: Config = DEFAULT_CONFIG,
    encoder: SentenceEncoder | None = None,
) -> Relation:
    """The relation between two articles (``kind`` None if not the same story).

    Derivation relations come back oriented source → copy. Featurised and scored with
    ``config.pair_encoder`` (:meth:`Config.for_pairs`).
    """
    config = config.for_pairs()
    fa, fb = featurize([a, b], config, encoder)
    return compare_features(fa, fb, config)


def compare_pairs(
    pairs: Sequence[tuple[Article, Article]],
    config: Config = DEFAULT_CONFIG,
    encoder: SentenceEncoder | None = None,
) -> list[Relation]:
    """:func:`compare` for each pair, each distinct article featurised once (by id): no
    corpus, each pair judged on its own."""
    # Here, not with the module: `samestory compare` needs no batch featurising.
    from samestory.pipeline.featurise import featurize_all

    config = config.for_pairs()
    distinct = list({a.id: a for pair in pairs for a in pair}.values())
    features = {f.id: f for f in featurize_all(distinct, config, encoder)}
    with single_threaded_blas():
        return [compare_features(features[a.id], features[b.id], config) for a, b in pairs]


def compare_features(fa: DocFeatures, fb: DocFeatures, config: Config = DEFAULT_CONFIG) -> Relation:
    """:func:`compare` of two featurised articles: production's relation of the pair,
    its same-story decision taken by the shipped pair model (``samestory.pair_model``:
    fitted for pairs on their own, no corpus), derivations oriented source → copy."""
    config = config.for_pairs()
    m = measure_pair(fa, fb)
    ps = score_measures(m, story_model_for(config.encoder))
    relation = relation_of(fa, fb, ps, config)
    model = load_pair_model()
    if model is not None:
        relation = decide(relation, m, ps.thread, model, fa, fb)
    if relation.kind is not None and relation.kind.is_derivation:
        relation, _ = provenance.orient(
            relation, {fa.id: fa.date, fb.id: fb.date}, {fa.id: fa.n_words, fb.id: fb.n_words}
        )
    return relation
