"""The short-text vector floor: an article under ``short_text_words`` words takes its
own vector neighbours down to ``short_text_ann_min_cosine`` (screen S, 2026-12-07), in
the batch index, the store (one insert at a time, restored from its tables) and Spark."""

from __future__ import annotations

import sqlite3
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import store_tables, stories_partition

from samestory import candidates
from samestory.api import cluster
from samestory.candidates import CandidateIndex, lowest_vector_floor, vector_floor
from samestory.config import DEFAULT_CONFIG
from samestory.embed import encoder_for
from samestory.errors import ConfigError
from samestory.evaluate import make_short_variants, record_to_article
from samestory.pipeline.featurise import featurize_all
from samestory.store import Store, backlog

ON = DEFAULT_CONFIG.replace(short_text_words=25, short_text_ann_min_cosine=0.25)
OFF = ON.replace(short_text_ann_min_cosine=None)


def _doc(doc_id: str, vector: np.ndarray, n_words: int) -> SimpleNamespace:
    unit = (vector / np.linalg.norm(vector)).astype(np.float32)
    return SimpleNamespace(
        id=doc_id, vector=unit, fingerprint=doc_id, n_shingles=0, n_words=n_words
    )


def _pair_at(cosine: float, words_a: int, words_b: int) -> list[SimpleNamespace]:
    """Two articles at document cosine ``cosine`` and one far from both."""
    dim = 8
    e = np.eye(dim)
    return [
        _doc("a", e[0], words_a),
        _doc("b", cosine * e[0] + np.sqrt(1 - cosine**2) * e[1], words_b),
        _doc("far", e[5], 200),
    ]


def test_the_floor_is_the_querying_articles_own():
    assert vector_floor(ON, 24) == 0.25 and vector_floor(ON, 25) == 0.35
    assert vector_floor(OFF, 3) == 0.35
    assert lowest_vector_floor(ON) == 0.25 and lowest_vector_floor(OFF) == 0.35
    assert lowest_vector_floor(ON.replace(short_text_words=0)) == 0.35
    assert lowest_vector_floor(ON.replace(short_text_ann_min_cosine=0.5)) == 0.35
    with pytest.raises(ConfigError, match="short_text_words"):
        DEFAULT_CONFIG.replace(short_text_words=-1)
    with pytest.raises(ConfigError, match="short_text_ann_min_cosine"):
        DEFAULT_CONFIG.replace(short_text_ann_min_cosine=1.5)


@pytest.mark.parametrize(
    ("words_a", "words_b", "config", "proposed"),
    [
        (10, 200, ON, True),  # the short one's own list reaches 0.3
        (200, 10, ON, True),
        (200, 200, ON, False),  # both long: 0.35 for both
        (10, 10, OFF, False),  # the rule off
        (24, 200, ON, True),
        (25, 200, ON, False),
    ],
)
def test_a_short_pair_at_cosine_03_is_proposed_in_the_batch(words_a, words_b, config, proposed):
    docs = _pair_at(0.3, words_a, words_b)
    pairs = candidates.candidate_pairs(docs, config)
    assert ((0, 1) in pairs) is proposed
    assert (0, 2) not in pairs and (1, 2) not in pairs


@pytest.mark.parametrize("words", [(10, 200), (200, 10), (200, 200)])
def test_inserting_keeps_the_batch_pairs_with_short_articles(words):
    """The store's incremental index: the new article's own list and the reverse walk
    (a short article's list a new one enters below the long floor)."""
    docs = _pair_at(0.3, *words)
    for order in ([0, 1, 2], [1, 0, 2], [2, 1, 0]):
        index = CandidateIndex(ON, dim=8)
        pairs: set[frozenset[str]] = set()
        for k in order:
            change = index.insert(docs[k])
            pairs |= {frozenset(p) for p in change.gained}
            pairs -= {frozenset(p) for p in change.lost}
        expected = {
            frozenset((docs[i].id, docs[j].id)) for i, j in candidates.candidate_pairs(docs, ON)
        }
        assert pairs == expected, order


def _story(rng: np.random.Generator, n: int, dim: int, spread: float) -> list[np.ndarray]:
    centre = rng.standard_normal(dim)
    return [centre + spread * rng.standard_normal(dim) for _ in range(n)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inserting_one_at_a_time_keeps_the_batch_pairs_of_mixed_lengths(seed):
    """Random stories whose versions are half short: the pairs kept by insert equal the
    batch's after every step, and the rule adds pairs here."""
    rng = np.random.default_rng(seed)
    docs = []
    for s in range(6):
        for k, vector in enumerate(_story(rng, int(rng.integers(3, 10)), 32, 1.6)):
            docs.append(_doc(f"s{s}-{k}", vector, int(rng.choice([8, 60]))))
    config = ON.replace(ann_neighbours=3, ann_min_cosine=0.35, short_text_ann_min_cosine=0.1)
    index = CandidateIndex(config, dim=32)
    pairs: set[frozenset[str]] = set()
    order = rng.permutation(len(docs))
    for step, k in enumerate(order, 1):
        change = index.insert(docs[k])
        pairs |= {frozenset(p) for p in change.gained}
        pairs -= {frozenset(p) for p in change.lost}
        if step % 7 == 0 or step == len(docs):
            so_far = [docs[j] for j in sorted(order[:step])]
            expected = {
                frozenset((so_far[i].id, so_far[j].id))
                for i, j in candidates.candidate_pairs(so_far, config)
            }
            assert pairs == expected, step
    without = candidates.candidate_pairs(docs, config.replace(short_text_ann_min_cosine=None))
    assert len(pairs) > len(without)


def test_a_restored_index_reads_the_word_counts():
    docs = _pair_at(0.3, 10, 200)
    restored = CandidateIndex(ON, dim=8)
    vectors = np.stack([d.vector for d in docs])
    restored.restore([d.id for d in docs], [d.id for d in docs], vectors, None, [10, 200, 200])
    assert restored.neighbours(docs[0]) == ["b"]
    assert restored._floors_of(["a", "b"]) == {"a": 0.25, "b": 0.35}
    unknown = CandidateIndex(ON, dim=8)  # no counts, no store: taken as long
    unknown.restore([d.id for d in docs], [d.id for d in docs], vectors)
    assert unknown._floors_of(["a"]) == {"a": 0.35}
    with pytest.raises(ValueError, match="n_words"):
        CandidateIndex(ON, dim=8).restore(["a"], ["a"], vectors[:1], None, [1, 2])


def test_the_store_reads_its_articles_word_counts(tmp_path: Path, ecb_records):
    """Headlines (all under 25 words) stored 10 at a time, the store closed and opened
    again half-way: its index floors them at 0.25 from the features' ``n_words``, and its
    stories are the batch's over the same arrival order."""
    heads = [record_to_article(r) for r in make_short_variants(ecb_records[:40], "headline")]
    encoder = encoder_for(ON.encoder)
    path = tmp_path / "h.db"
    for start in range(0, len(heads), 10):
        with Store(path, config=ON, encoder=encoder) as store:  # reopened every add
            store.add(heads[start : start + 10])
    with Store(path, config=ON, encoder=encoder) as store:
        story_of = {a.id: store.story_of(a.id) for a in heads}
        index = store._candidate_index()
        floors = index._floors_of(index.ids)
        counts = index._keywords.word_counts(index.ids)
    groups: dict[str, set[str]] = {}
    for article_id, story in story_of.items():
        groups.setdefault(story, set()).add(article_id)
    stored = frozenset(frozenset(g) for g in groups.values())
    assert stored == stories_partition(cluster(heads, ON, encoder=encoder))
    assert counts and all(n < 25 for n in counts.values())
    assert set(floors.values()) == {0.25}
    features = featurize_all(heads, ON)
    assert len(candidates.candidate_pairs(features, ON)) > len(
        candidates.candidate_pairs(features, OFF)
    )  # the rule adds pairs here


def _spark_rows(words_a: int, words_b: int) -> tuple[np.ndarray, list[int]]:
    docs = _pair_at(0.3, words_a, words_b)
    return np.stack([d.vector for d in docs]).astype(np.float32), [d.n_words for d in docs]


@pytest.mark.parametrize("words", [(10, 200), (200, 10), (200, 200)])
def test_the_spark_cell_search_applies_each_querys_floor(words):
    """The job's cell search (``vectors.cell_neighbours`` through ``_search_cell``, no
    Spark): the batch's pairs, from word counts carried as the search input's third part."""
    from samestory.spark.vectors import _search_cell, with_words

    matrix, n_words = _spark_rows(*words)
    members = [(i, with_words((matrix[i], {}, n_words[i])), True) for i in range(3)]
    got = set(_search_cell((0, members), ON, 1 << 20))
    docs = _pair_at(0.3, *words)
    assert got == set(candidates.candidate_pairs(docs, ON))
    assert ((0, 1) in got) is (min(words) < 25)
    bare = [(i, with_words(matrix[i]), True) for i in range(3)]  # no counts: long
    assert set(_search_cell((0, bare), ON, 1 << 20)) == set()


@pytest.mark.parametrize("words", [(10, 200), (200, 10), (200, 200)])
def test_the_incremental_search_asks_a_short_past_list_again(words):
    """Day two's cell search (``incremental.search_cell``, no Spark): a new article at
    cosine 0.3 enters a short past article's list (its reach is its own floor, 0.25),
    and a new short article's own list reaches the past one; two long ones stay apart."""
    from samestory.spark.incremental import neighbour_list, search_cell
    from samestory.spark.vectors import row_floor

    matrix, n_words = _spark_rows(*words)
    keys = np.arange(3)
    floors = [row_floor(ON, n) for n in n_words]
    # Day one held the past article (row 1) and the far one: the past list's reach.
    _, reach = neighbour_list(0, keys[1:], matrix[1:], ON, [{}, {}], floors[1])
    assert reach == floors[1]
    members = [
        (0, matrix[0], "q", 0.0, {}, n_words[0]),  # new, querying this cell
        (1, matrix[1], "r", reach, {}, n_words[1]),  # past: its list may be asked again
        (2, matrix[2], "p", 0.35, {}, n_words[2]),
    ]
    pairs = {tuple(sorted(p)) for kind, p in search_cell((0, members), ON) if kind == "pair"}
    assert pairs == ({(0, 1)} if min(words) < 25 else set())


def test_the_spark_jobs_vector_pairs_carry_the_word_counts(spark: object) -> None:
    """``vector_pairs`` over an RDD of ``(idx, (vector, keywords, word count))``, as the
    job builds it: the batch's pairs."""
    from samestory.spark.vectors import vector_pairs

    for words in [(10, 200), (200, 200)]:
        matrix, n_words = _spark_rows(*words)
        rows = [(i, (matrix[i], {}, n_words[i])) for i in range(3)]
        rdd = spark.sparkContext.parallelize(rows, 2)  # type: ignore[attr-defined]
        got = set(vector_pairs(rdd, 3, ON, partitions=2).collect())
        assert got == set(candidates.candidate_pairs(_pair_at(0.3, *words), ON))


def _store_tables(db: Path) -> dict[str, list[tuple]]:
    stories = ("stories", "id, title, first, size")
    return store_tables(db, extra=(stories,))


def test_an_upgrade_to_the_floor_pairs_the_short_articles_only(
    tmp_path: Path, ecb_records, monkeypatch
):
    """A store written without the floor, opened by a samestory whose routes name it:
    its pairing backlog is its held articles under ``short_text_words`` words (the
    floor lengthens only their own lists), and pairing those leaves the store a backlog
    of every held article leaves."""
    records = ecb_records[:30]
    articles = [
        a
        for pair in zip(
            [record_to_article(r) for r in records],
            [record_to_article(r) for r in make_short_variants(records, "headline")],
            strict=True,
        )
        for a in pair
    ]
    short_route = backlog.short_floor_route(ON)
    assert short_route is not None
    without = backlog.ROUTES - {short_route}
    encoder = encoder_for(ON.encoder)
    old = tmp_path / "old.db"
    monkeypatch.setattr(backlog, "ROUTES", without)
    with Store(old, config=OFF, encoder=encoder) as store:
        for start in range(0, len(articles), 10):
            store.add(articles[start : start + 10])
    narrow, whole = tmp_path / "narrow.db", tmp_path / "whole.db"
    narrow.write_bytes(old.read_bytes())
    whole.write_bytes(old.read_bytes())
    conn = sqlite3.connect(old)
    short_held = conn.execute(
        "SELECT count(*) FROM features f JOIN articles a ON a.id = f.id "
        "WHERE a.copy_of IS NULL AND f.n_words < 25"
    ).fetchone()[0]
    held = conn.execute("SELECT count(*) FROM articles WHERE copy_of IS NULL").fetchone()[0]
    conn.close()
    assert 0 < short_held < held
    monkeypatch.setattr(backlog, "ROUTES", without | {short_route})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Store(narrow, config=ON, encoder=encoder) as store:
            assert store.unpaired() == short_held
            paired = store.upgrade(chunk=7)
            assert paired.articles == short_held and paired.pairs > 0
            assert store.unpaired() == 0
        monkeypatch.setattr(backlog, "ROUTES", without | {short_route, "next_route"})
        with Store(whole, config=ON, encoder=encoder) as store:
            assert store.unpaired() == held  # two routes new: every held article
            assert store.upgrade(chunk=7).pairs == paired.pairs
    assert _store_tables(narrow) == _store_tables(whole)
