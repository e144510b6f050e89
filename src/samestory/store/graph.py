"""The candidate index over a store's representatives, and its HNSW graph file.

The index (:class:`samestory.candidates.CandidateIndex`) is built from the store on
first use: ids and fingerprints from SQL, the MinHash-LSH and keyword postings left in
their tables, the document vectors read in rowid order. Rebuilding the HNSW graph is
most of opening a large store (about 40 s for 100,000 articles), so it is saved beside
the database as ``<store>.usearch`` when a handle closes (atomically, with its SHA-256
and the articles it holds recorded in ``meta.ann_index``) and reused when it was saved
with the first stored representatives and its bytes match; representatives added
since are added to it. A file that matches nothing or fails its checksum is not loaded
(its vectors would send articles to the wrong stories): the graph is rebuilt.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from samestory.candidates import CandidateIndex, load_graph
from samestory.config import Config
from samestory.store.index import StoredKeywords, StoredLSH
from samestory.store.schema import Transaction


def graph_path(store: Path) -> Path | None:
    """Where the HNSW graph of the store at ``store`` is kept: ``<store>.usearch``."""
    if str(store) == ":memory:":
        return None
    return store.with_name(store.name + ".usearch")


def load_index(
    conn: sqlite3.Connection, config: Config, dim: int, path: Path | None
) -> CandidateIndex:
    """The candidate index over every stored representative, with the graph saved at
    ``path`` reused (with its vectors) when it was saved with the first of them (see
    :func:`_saved_graph`)."""
    index = CandidateIndex(
        config,
        dim=dim,
        lsh=StoredLSH(conn, config),
        keywords_index=StoredKeywords(conn),
    )
    ids, fingerprints, rowids, n_words = [], [], [], []
    # Copies are not indexed (as in the batch, their representative stands for
    # them); the LSH still holds them, for copy detection. The word counts set each
    # article's vector floor (candidates.vector_floor).
    for rowid, article_id, fingerprint, words in conn.execute(
        "SELECT f.rowid, f.id, a.fingerprint, f.n_words FROM features f "
        "JOIN articles a ON a.id = f.id WHERE a.copy_of IS NULL ORDER BY f.rowid"
    ):
        rowids.append(rowid)
        ids.append(article_id)
        fingerprints.append(fingerprint)
        n_words.append(int(words or 0))
    saved = _saved_graph(conn, ids, dim, path)
    graph, done = (saved[0], len(saved[1])) if saved is not None else (None, 0)
    vectors = np.zeros((len(ids), dim), dtype=np.float32)
    if saved is not None:
        vectors[:done] = saved[1]
    # Vectors the saved graph lacks (all of them without one), in rowid order.
    for k, (blob,) in enumerate(
        conn.execute(
            "SELECT f.vector FROM features f JOIN articles a ON a.id = f.id "
            "WHERE f.rowid > ? AND a.copy_of IS NULL ORDER BY f.rowid",
            (rowids[done - 1] if done else -1,),
        ),
        start=done,
    ):
        vectors[k] = np.frombuffer(blob, dtype="<f4")
    index.restore(ids, fingerprints, vectors, graph, n_words)
    return index


def _saved_graph(
    conn: sqlite3.Connection, ids: Sequence[str], dim: int, path: Path | None
) -> tuple[Any, np.ndarray] | None:
    """The saved HNSW graph and its vectors, if it was saved with the first articles
    of ``ids`` (all of them, or fewer when a process added articles and stopped
    before saving it: those are added to it, not the whole graph rebuilt) and its
    bytes have the SHA-256 recorded when it was saved. A damaged file is not loaded
    (its vectors would send articles to the wrong stories): the graph is rebuilt
    from the stored vectors and saved again."""
    record = conn.execute("SELECT value FROM meta WHERE key='ann_index'").fetchone()
    if record is None or path is None or not path.exists():
        return None
    saved_with = json.loads(record[0])
    if not saved_with.get("representatives_only"):
        return None  # saved with copies in it, before they were left out: rebuilt
    count, last = saved_with.get("count", 0), saved_with.get("last")
    if not 0 < count <= len(ids) or ids[count - 1] != last:
        return None
    if saved_with.get("sha256") != file_digest(path):
        warnings.warn(
            f"{path} is damaged or was saved without a checksum; "
            "rebuilding the candidate graph from the stored vectors",
            stacklevel=4,
        )
        return None
    saved = load_graph(path, dim)
    return saved if saved is not None and len(saved[1]) == count else None


def save_graph(conn: sqlite3.Connection, index: CandidateIndex, path: Path) -> None:
    """Save ``index``'s HNSW graph at ``path`` if it changed (atomically: written to a
    temporary file, then renamed), and record which articles it holds and the SHA-256
    of its bytes, in one transaction."""
    if not index.ann_changed:
        return
    tmp = path.with_name(path.name + ".tmp")
    try:
        if not index.save_ann(tmp):
            return
        record = json.dumps(
            {
                "count": len(index),
                "last": index.ids[-1],
                "representatives_only": True,
                "sha256": file_digest(tmp),
            }
        )
        with Transaction(conn):
            conn.execute("DELETE FROM meta WHERE key='ann_index'")
            os.replace(tmp, path)
            conn.execute("INSERT INTO meta VALUES ('ann_index', ?)", (record,))
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)  # a half-written file must not fill the disk


def file_digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
