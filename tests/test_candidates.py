"""Candidate generation: the vector neighbours of an article, copy groups."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samestory import candidates
from samestory.candidates import (
    EXPANSION,
    NEAR_TWIN_COSINE,
    SATURATED_COSINE,
    CandidateIndex,
    load_graph,
    select_neighbours,
)
from samestory.config import DEFAULT_CONFIG
from samestory.evaluate import make_copy_variants
from samestory.features import featurize
from samestory.models import Article
from samestory.pipeline.copies import copy_groups, copy_pairs, lsh_bands


def _doc(doc_id: str, vector: np.ndarray) -> SimpleNamespace:
    """Just what the index reads; n_shingles=0 keeps MinHash-LSH out of the test."""
    unit = (vector / np.linalg.norm(vector)).astype(np.float32)
    return SimpleNamespace(id=doc_id, vector=unit, fingerprint=doc_id, n_shingles=0)


def _near(base: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    return base + noise * rng.standard_normal(base.shape)


def test_near_twins_do_not_crowd_out_other_reports():
    rng = np.random.default_rng(0)
    dim, budget = 64, 3
    topic = rng.standard_normal(dim)
    original = _near(topic, rng, 0.3)
    twins = [_doc(f"twin{k}", _near(original, rng, 0.01)) for k in range(10)]
    others = [_doc(f"other{k}", _near(topic, rng, 0.6)) for k in range(3)]
    config = DEFAULT_CONFIG.replace(ann_neighbours=budget, ann_min_cosine=0.0)
    index = CandidateIndex(config, dim=dim)
    index.add([*twins, *others])
    query = _doc("query", original)
    found = index.neighbours(query)
    # All ten versions of the text are near-twins of each other, so they use up one
    # place of the budget and the other reports of the topic are still proposed.
    twin_cos = twins[0].vector @ twins[1].vector
    assert twin_cos >= NEAR_TWIN_COSINE
    assert {d.id for d in twins} <= set(found)
    assert {d.id for d in others} & set(found)
    assert len(found) <= (budget + 1) * 4


def test_distinct_neighbours_are_capped_by_the_budget():
    rng = np.random.default_rng(1)
    docs = [_doc(f"d{k}", rng.standard_normal(32)) for k in range(50)]
    config = DEFAULT_CONFIG.replace(ann_neighbours=5, ann_min_cosine=-1.0)
    index = CandidateIndex(config, dim=32)
    index.add(docs)
    found = index.neighbours(docs[0])
    assert docs[0].id not in found
    assert 5 <= len(found) <= 6  # the budget counts the article itself, dropped after


def _story(rng: np.random.Generator, n: int, dim: int = 64, spread: float = 0.5) -> np.ndarray:
    """``n`` unit vectors around one centre: versions of one story, pairwise cosine ~0.8
    (close, but not near-twins)."""
    centre = rng.standard_normal(dim)
    rows = centre + spread * np.linalg.norm(centre) / np.sqrt(dim) * rng.standard_normal((n, dim))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_a_saturated_neighbour_list_widens_up_to_the_expansion_limit():
    rng = np.random.default_rng(2)
    story = _story(rng, 60)
    cosines = story @ story[0]
    order = np.argsort(-cosines, kind="stable")
    assert cosines[order[5]] >= SATURATED_COSINE["use"] and cosines.max() < 1.0 + 1e-6
    twins = (story @ story.T)[np.triu_indices(60, 1)]
    assert twins.max() < NEAR_TWIN_COSINE  # every version is distinct
    chosen = select_neighbours(
        order, cosines[order], story, budget=5, min_cosine=0.0, saturated=0.7
    )
    assert len(chosen) == 5 * EXPANSION  # 5, then 10, then 20: still saturated, capped
    assert chosen == [int(k) for k in order[:20]]


def test_an_unsaturated_list_keeps_the_plain_budget():
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((60, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cosines = vectors @ vectors[0]
    order = np.argsort(-cosines, kind="stable")
    chosen = select_neighbours(
        order, cosines[order], vectors, budget=5, min_cosine=-1.0, saturated=0.7
    )
    assert chosen == [int(k) for k in order[:5]]  # unrelated vectors: cosine ~0 after 1st


def test_a_short_search_of_a_widening_list_asks_for_a_wider_one():
    rng = np.random.default_rng(4)
    story = _story(rng, 60)
    cosines = story @ story[0]
    order = np.argsort(-cosines, kind="stable")[:8]  # only budget 5 · 4 - 12 candidates
    assert select_neighbours(order, cosines[order], story, 5, 0.0, 0.7, complete=False) is None
    assert len(select_neighbours(order, cosines[order], story, 5, 0.0, 0.7)) == 8


def test_a_large_story_gets_its_pairs_from_the_index():
    rng = np.random.default_rng(5)
    docs = [_doc(f"v{k}", v) for k, v in enumerate(_story(rng, 60))]
    config = DEFAULT_CONFIG.replace(ann_neighbours=5, ann_min_cosine=0.0)
    index = CandidateIndex(config, dim=64)
    index.add(docs)
    # 6 places (the article itself included) widen to 24: 23 other versions.
    assert len(index.neighbours(docs[0])) == 6 * EXPANSION - 1


def _components(n: int, pairs: list[tuple[int, int]]) -> list[int]:
    """Smallest member of each item's connected component (reference union-find)."""
    label = list(range(n))
    changed = True
    while changed:
        changed = False
        for i, j in pairs:
            low = min(label[i], label[j])
            if label[i] != low or label[j] != low:
                label[i] = label[j] = low
                changed = True
    return label


def test_copy_groups_are_the_components_of_all_copy_pairs(ecb_records):
    records, _ = make_copy_variants(ecb_records[:40], seed=3)
    # Each text three times over (original, exact and edited copies), reposts of the edits
    # too, in an order that interleaves the versions.
    texts = [r["text"] for r in ecb_records[:40]] + [r["text"] for r in records]
    texts += [t + "\nShare this article" for t in texts[40:60]]
    articles = [Article(id=f"a{k}", text=t) for k, t in enumerate(texts)]
    order = np.random.default_rng(0).permutation(len(articles))
    features = featurize([articles[k] for k in order], DEFAULT_CONFIG.replace(encoder="static"))
    pairs = copy_pairs(features)
    assert len(pairs) > 60  # the check only means something if there are many copies
    assert copy_groups(features) == _components(len(features), pairs)


def test_adding_one_at_a_time_finds_what_adding_all_at_once_does():
    rng = np.random.default_rng(2)
    docs = [_doc(f"d{k}", rng.standard_normal(16)) for k in range(40)]
    config = DEFAULT_CONFIG.replace(ann_neighbours=4, ann_min_cosine=-1.0)
    growing, whole = CandidateIndex(config, dim=16), CandidateIndex(config, dim=16)
    whole.add(docs)
    for doc in docs:  # queried between adds, so the vector buffer grows many times
        growing.neighbours(doc)
        growing.add([doc])
    for doc in docs:
        assert growing.neighbours(doc) == whole.neighbours(doc)


def test_a_saved_graph_restores_the_index(tmp_path, monkeypatch):
    monkeypatch.setattr(candidates.index, "EXACT_SEARCH_LIMIT", 10)  # an HNSW graph from 11 on
    rng = np.random.default_rng(3)
    docs = [_doc(f"d{k}", rng.standard_normal(16)) for k in range(40)]
    config = DEFAULT_CONFIG.replace(ann_neighbours=4, ann_min_cosine=-1.0)
    built = CandidateIndex(config, dim=16)
    built.add(docs)
    path = tmp_path / "graph.usearch"
    assert built.save_ann(path) and not built.ann_changed
    graph, vectors = load_graph(path, dim=16)
    assert np.array_equal(vectors, np.stack([d.vector for d in docs]))  # in key order
    restored = CandidateIndex(config, dim=16)
    restored.restore([d.id for d in docs], [d.fingerprint for d in docs], vectors, graph)
    assert not restored.ann_changed
    assert [restored.neighbours(d) for d in docs] == [built.neighbours(d) for d in docs]
    new = _doc("new", docs[0].vector)
    restored.add([new])
    assert restored.ann_changed and "new" in restored.neighbours(docs[0])
    with pytest.raises(ValueError, match="prefix of these articles"):
        CandidateIndex(config, dim=16).restore(
            [d.id for d in docs[:-1]], [d.fingerprint for d in docs[:-1]], vectors[:-1], graph
        )
    older = CandidateIndex(config, dim=16)  # a graph saved before the last 10 were added
    older.add(docs[:30])
    assert older.save_ann(tmp_path / "older.usearch")
    extended = CandidateIndex(config, dim=16)
    extended.restore(
        [d.id for d in docs],
        [d.fingerprint for d in docs],
        vectors,
        load_graph(tmp_path / "older.usearch", dim=16)[0],
    )
    assert len(extended._ann) == 40 and extended.ann_changed
    assert "d39" in extended.neighbours(_doc("probe", docs[39].vector))
    assert load_graph(path, dim=8) is None
    (tmp_path / "broken.usearch").write_bytes(b"not a graph")
    assert load_graph(tmp_path / "broken.usearch", dim=16) is None
    assert load_graph(tmp_path / "missing.usearch", dim=16) is None
    small = CandidateIndex(config, dim=16)
    small.add(docs[:5])
    assert not small.save_ann(tmp_path / "small.usearch")  # searched exactly: no graph


@pytest.mark.parametrize(
    ("threshold", "num_perm"), [(0.5, 128), (0.3, 64), (0.8, 128), (0.6, 256), (0.9, 32)]
)
def test_lsh_bands_are_those_of_datasketch(threshold, num_perm):
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    assert lsh_bands(threshold, num_perm) == (lsh.b, lsh.r)


def _colliding_signatures(rng: np.random.Generator, num_perm: int, bases: int):
    """Signatures drawn from few values around ``bases`` random ones, so that LSH bands
    collide often: each a base with a random share of its values redrawn."""
    from samestory.minhash import from_values

    base_values = rng.integers(0, 3, size=(bases, num_perm), dtype=np.uint32)
    while True:
        values = base_values[rng.integers(bases)].copy()
        flip = rng.random(num_perm) < rng.random()
        values[flip] = rng.integers(0, 3, size=int(flip.sum()), dtype=np.uint32)
        yield from_values(values, seed=1)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 40), st.sampled_from([(0.5, 128), (0.3, 64)]))
def test_copy_candidates_are_those_of_datasketchs_lsh(seed, n, setting):
    # Signatures drawn from few values, so that bands collide often; some texts repeat
    # (same fingerprint, same signature) and some have no shingles.
    from datasketch import MinHashLSH

    from samestory.pipeline.copies import _copy_candidates

    threshold, num_perm = setting
    config = DEFAULT_CONFIG.replace(lsh_threshold=threshold, num_perm=num_perm)
    rng = np.random.default_rng(seed)
    drawn = _colliding_signatures(rng, num_perm, 4)
    docs = []
    for k in range(n):
        if k and rng.random() < 0.2:  # an exact copy of an earlier text
            docs.append(SimpleNamespace(**{**vars(docs[rng.integers(k)]), "id": f"d{k}"}))
            continue
        fields = {"fingerprint": f"f{k}", "n_shingles": int(rng.random() > 0.1)}
        docs.append(SimpleNamespace(id=f"d{k}", minhash=next(drawn), **fields))
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    position = {d.id: k for k, d in enumerate(docs)}
    first: dict[str, int] = {}
    expected = []
    for i, d in enumerate(docs):
        if first.setdefault(d.fingerprint, i) != i:
            expected.append((first[d.fingerprint], i, True))
        if d.n_shingles:
            expected += [
                (position[o], i, False) for o in sorted(lsh.query(d.minhash), key=position.get)
            ]
            lsh.insert(d.id, d.minhash)
    assert list(_copy_candidates(docs, config)) == expected  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31), st.integers(1, 30), st.sampled_from([(0.5, 128), (0.3, 64)]))
def test_the_memory_lsh_answers_as_datasketchs(seed, n, setting):
    from datasketch import MinHashLSH

    threshold, num_perm = setting
    config = DEFAULT_CONFIG.replace(lsh_threshold=threshold, num_perm=num_perm)
    drawn = _colliding_signatures(np.random.default_rng(seed), num_perm, 3)
    signatures = [next(drawn) for _ in range(n)]
    ours = candidates.memory_lsh(config)
    theirs = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for k, sig in enumerate(signatures):
        assert set(ours.query(sig)) == set(theirs.query(sig))
        ours.insert(f"d{k}", sig)
        theirs.insert(f"d{k}", sig)
    index = CandidateIndex(config, dim=4, lsh=ours)
    keys = [f"d{k}" for k in range(n)]
    for a in keys[:5]:
        for b in keys:
            expected = any(
                x == y for x, y in zip(theirs.keys.get(a), theirs.keys.get(b), strict=True)
            )
            assert index._share_bucket(a, b) == expected
    with pytest.raises(ValueError, match="already"):
        ours.insert("d0", signatures[0])


def _doc_with_terms(doc_id: str, vector: np.ndarray, words: np.ndarray, rng) -> SimpleNamespace:
    doc = _doc(doc_id, vector)
    doc.terms = (words.astype(np.int64), rng.random(len(words)).astype(np.float32))
    return doc


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inserting_one_at_a_time_keeps_the_batch_candidate_pairs(monkeypatch, seed):
    """After each insert, the pairs gained minus the pairs lost are the pairs
    candidate_pairs proposes over everything inserted so far, in any insertion order:
    reverse neighbours, lists pushed out or widened (saturation), keywords ranked out or
    made too common to count."""
    monkeypatch.setattr(candidates.keyword_routes, "KEYWORD_NEIGHBOURS", 3)
    monkeypatch.setattr(candidates.keyword_routes, "MAX_KEYWORD_POSTINGS", 12)
    rng = np.random.default_rng(seed)
    docs = []
    for s in range(6):  # stories of 4 to 14 versions, sharing words of their topic
        vocabulary = rng.integers(0, 10**6, size=30)
        for k, vector in enumerate(_story(rng, int(rng.integers(4, 15)), dim=32, spread=0.8)):
            words = np.concatenate([rng.choice(vocabulary, 6), rng.integers(0, 60, 4)])
            docs.append(_doc_with_terms(f"s{s}-{k}", vector, np.unique(words), rng))
    # USE's saturation cosine (0.7): these synthetic stories widen lists at it, not at 0.8.
    config = DEFAULT_CONFIG.replace(ann_neighbours=3, ann_min_cosine=0.2, encoder="use")
    index = CandidateIndex(config, dim=32)
    pairs: set[frozenset[str]] = set()
    order = rng.permutation(len(docs))
    lost = between_others = 0
    for step, k in enumerate(order, 1):
        change = index.insert(docs[k])
        pairs |= {frozenset(p) for p in change.gained}
        pairs -= {frozenset(p) for p in change.lost}
        lost += len(change.lost)
        between_others += sum(docs[k].id not in p for p in change.gained)
        if step % 10 == 0 or step == len(docs):
            so_far = [docs[j] for j in sorted(order[:step])]
            expected = {
                frozenset((so_far[i].id, so_far[j].id))
                for i, j in candidates.candidate_pairs(so_far, config)
            }
            assert pairs == expected, step
    assert lost and between_others  # the test exercises pairs leaving and widening lists


def test_best_first_is_the_stable_argsort_prefix():
    rng = np.random.default_rng(5)
    for n, most in [(50, 10), (50, 49), (50, 50), (50, 80), (7, 1)]:
        cosines = np.round(rng.random(n).astype(np.float32), 1)  # many ties
        expected = np.argsort(-cosines, kind="stable")[:most]
        assert np.array_equal(candidates.best_first(cosines, most), expected)
