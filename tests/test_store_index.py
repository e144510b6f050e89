"""The store's SQLite-backed LSH."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from datasketch import MinHashLSH

from samestory.config import DEFAULT_CONFIG
from samestory.features import featurize
from samestory.models import Article
from samestory.store import Store
from samestory.store.index import StoredLSH


def test_the_stored_lsh_proposes_what_datasketch_does(tmp_path: Path, ecb_records):
    articles = [Article(id=r["id"], text=r["text"], lang=r["lang"]) for r in ecb_records[:30]]
    articles += [
        dataclasses.replace(a, id=a.id + "-copy", text=a.text.replace(" the ", " a ", 2))
        for a in articles[:10]
    ]
    features = featurize(articles, DEFAULT_CONFIG)
    memory = MinHashLSH(threshold=DEFAULT_CONFIG.lsh_threshold, num_perm=DEFAULT_CONFIG.num_perm)
    with Store(tmp_path / "stories.db") as store:
        stored = StoredLSH(store._conn, store.config)
        added = set(store.add(articles).added)
        assert len(added) == 40
        for f in features:
            memory.insert(f.id, f.minhash)
        for f in features:
            assert stored.query(f.minhash) == set(memory.query(f.minhash))
        assert any(len(stored.query(f.minhash)) > 1 for f in features)


def candidate_pairs(db: Path) -> tuple[set[frozenset[str]], set[frozenset[str]]]:
    """(the candidate pairs a store keeps scored, those an index built over its stored
    articles proposes from either end): representatives only, as the batch pairs them."""
    import sqlite3

    with Store(db) as store:
        index = store._candidate_index()
        proposed = {
            frozenset((f.id, other))
            for f in store.features(index.ids)
            for other in index.neighbours(f)
        }
    with sqlite3.connect(db) as conn:
        stored = {
            frozenset((a, b))
            for table in ("relations", "weak_scores")
            for a, b in conn.execute(f"SELECT a, b FROM {table}")
            if a in index and b in index
        }
    return stored, proposed


def test_adds_keep_exactly_the_candidate_pairs_the_batch_proposes(tmp_path: Path, ecb_records):
    """An add scores the new article against its own candidates and the stored articles
    that now propose it, nothing more: an insert that lets an article into a third one's
    list (a keyword list reshuffled) gains a pair between those two, not with the new one
    (it once was scored with the new one too)."""
    articles = [Article(id=r["id"], text=r["text"], lang=r["lang"]) for r in ecb_records[:40]]
    db = tmp_path / "stories.db"
    with Store(db, config=dataclasses.replace(DEFAULT_CONFIG, encoder="static")) as store:
        for start in range(0, len(articles), 5):
            store.add(articles[start : start + 5])
    stored, proposed = candidate_pairs(db)
    assert len(proposed) > 200
    assert stored == proposed


def test_proposers_holds_every_article_that_proposes_an_indexed_one(ecb_records) -> None:
    """``CandidateIndex.proposers(f)``: the reverse neighbours an upgrade re-proposes
    around a re-cleaned text; every indexed article proposing ``f`` is among them."""
    from samestory.candidates import CandidateIndex

    articles = [Article(id=r["id"], text=r["text"], lang=r["lang"]) for r in ecb_records[:40]]
    features = featurize(articles, dataclasses.replace(DEFAULT_CONFIG, encoder="static"))
    index = CandidateIndex(DEFAULT_CONFIG, dim=len(features[0].vector))
    index.add(features)
    proposes = {f.id: set(index.neighbours(f)) for f in features}
    for f in features:
        proposing = {x for x, theirs in proposes.items() if f.id in theirs}
        assert proposing <= set(index.proposers(f)) | {f.id}
    assert sum(len(index.proposers(f)) for f in features) > len(features)
