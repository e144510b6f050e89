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
