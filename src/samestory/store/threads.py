"""Story threads in the store: kept up to date on every add, read with each story.

The batch pipeline ties stories of one incident into threads from the thread
probabilities of its scored pairs (:mod:`samestory.threads`). The store keeps those
probabilities (``thread_scores``: one row per scored pair, as ``weak_scores`` keeps the
story scores) and each story's thread (``story_threads``), and after each add
re-threads the neighbourhood the add touched, as ``_Work._regroup`` re-clusters the
stories it touched:

- the stories that gained or lost an article;
- every story with a scored pair of thread probability ``>= THREAD_THRESHOLD / 2`` to
  one of them (below that no average can reach the lower attach level, ``threshold / 2``,
  since an average is at most its largest term);
- every story sharing a thread with one of those, so threads are re-made whole.

Average link over those stories' pairs (:func:`samestory.threads.thread_groups`, each
story one unit) gives the threads; a thread's id is :func:`samestory.threads.thread_id`
of its first story (earliest first version, then story id), as in the batch.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sqlite3
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from samestory.config import Config
from samestory.features import DocFeatures
from samestory.lru import LRUCache
from samestory.models import Evidence, Relation, RelationKind
from samestory.pipeline.assemble import thread_inputs
from samestory.relate import relate
from samestory.store.codec import decode_features, relation_row
from samestory.store.reading import chunks, first_dates, marks, story_of_article
from samestory.store.reading import follow_up_rows as follow_up_rows
from samestory.store.reading import thread_of as thread_of
from samestory.store.reading import thread_stories as thread_stories
from samestory.store.roundups import cut_roundups
from samestory.threads import (
    MODEL,
    MODEL_DIGEST,
    THREAD_THRESHOLD,
    borrowed_gaps,
    first_story_key,
    thread_groups,
    thread_id,
    thread_probabilities,
    thread_probability,
    with_gap,
)

log = logging.getLogger("samestory")

# Articles beyond which a neighbourhood is not re-threaded on add (new stories then
# get a thread of their own), as Config.regroup_limit bounds re-clustering.
THREAD_MEMBER_LIMIT = 10_000


def write_thread_scores(
    conn: sqlite3.Connection, relations: Iterable[Relation], features: Mapping[str, DocFeatures]
) -> None:
    """Keep the thread probability of every scored pair (``evidence.scores['thread']``),
    its date gap and the thread model's inputs (``features`` holds both ends' features):
    threads re-score an undated pair with its stories' gap, and every pair when the
    thread model changes (:func:`refresh_if_changed`)."""
    conn.executemany(
        "INSERT OR REPLACE INTO thread_scores (a, b, score, gap, inputs) VALUES (?, ?, ?, ?, ?)",
        [
            (r.a, r.b, float(p), r.evidence.date_gap_days, _inputs_blob(r, features))
            for r in relations
            if (p := r.evidence.scores.get("thread", 0.0)) > 0.0
        ],
    )


def _inputs_blob(relation: Relation, features: Mapping[str, DocFeatures]) -> bytes | None:
    """A pair's thread inputs as little-endian float64 bytes (exact; a tenth of JSON's
    cost to write, 192 bytes); None for a copy relation (it has none: it keeps its
    thread probability, 1, whatever the gap its stories lend it or the model, as the
    batch threads it). Stores before the ``thread_model`` step kept an undated pair's
    inputs only, as a JSON list (:func:`read_inputs` reads both); that step reads the
    others' from the stored features, so from then on NULL inputs mean a copy."""
    x = thread_inputs(features[relation.a], features[relation.b], relation)
    return None if x is None else np.asarray(x, dtype=_FLOATS).tobytes()


_FLOATS = np.dtype("<f8")


def read_inputs(stored: bytes | str | None) -> list[float] | None:
    """Stored thread inputs (float64 bytes, or the JSON list older stores wrote)."""
    if stored is None:
        return None
    if isinstance(stored, str):
        return [float(v) for v in json.loads(stored)]
    return np.frombuffer(stored, dtype=_FLOATS).tolist()


def set_threads(conn: sqlite3.Connection, thread_of: dict[str, str]) -> None:
    """Record ``story -> thread`` for the given stories."""
    conn.executemany(
        "INSERT OR REPLACE INTO story_threads VALUES (?, ?)", sorted(thread_of.items())
    )


def _articles_of(conn: sqlite3.Connection, stories: Sequence[str]) -> dict[str, str]:
    """article id -> story id, for the members of ``stories``."""
    out: dict[str, str] = {}
    for chunk in chunks(stories):
        out.update(
            conn.execute(
                f"SELECT id, story_id FROM articles WHERE story_id IN ({marks(len(chunk))})",
                chunk,
            ).fetchall()
        )
    return out


def _scores_touching(
    conn: sqlite3.Connection, ids: Sequence[str], floor: float = 0.0
) -> list[tuple[str, str, float]]:
    """Thread scores of pairs with an end in ``ids`` (both directions), at least ``floor``."""
    out: list[tuple[str, str, float]] = []
    for chunk in chunks(ids):
        slots = marks(len(chunk))
        for column in ("a", "b"):
            out += conn.execute(
                f"SELECT a, b, score FROM thread_scores WHERE {column} IN ({slots}) AND score >= ?",
                [*chunk, floor],
            ).fetchall()
    return out


def _threadmates(conn: sqlite3.Connection, stories: Sequence[str]) -> set[str]:
    """Stories sharing a thread with one of ``stories`` (those included)."""
    out = set(stories)
    for chunk in chunks(stories):
        slots = marks(len(chunk))
        out.update(
            r[0]
            for r in conn.execute(
                "SELECT story FROM story_threads WHERE thread IN (SELECT thread FROM "
                f"story_threads WHERE story IN ({slots}))",
                chunk,
            )
        )
    return out


def _existing(conn: sqlite3.Connection, stories: Iterable[str]) -> list[str]:
    return sorted(
        s for s in set(stories) if conn.execute("SELECT 1 FROM stories WHERE id=?", (s,)).fetchone()
    )


def update_threads(
    conn: sqlite3.Connection, touched: Iterable[str], threshold: float = THREAD_THRESHOLD
) -> None:
    """Re-thread the neighbourhood of the ``touched`` stories (see the module docstring).

    Stories of ``touched`` that no longer exist lose their row; a story too large a
    neighbourhood to re-thread keeps its thread (a new one gets a thread of its own).
    """
    touched = set(touched)
    gone = sorted(touched - set(_existing(conn, touched)))
    conn.executemany("DELETE FROM story_threads WHERE story=?", [(s,) for s in gone])
    alive = _existing(conn, touched)
    if not alive:
        return
    members = _articles_of(conn, alive)
    near = _scores_touching(conn, list(members), threshold / 2)
    linked = {s for a, b, _ in near for s in (story_of_article(conn, a), story_of_article(conn, b))}
    stories = sorted(_threadmates(conn, sorted({*alive, *linked})))
    members = _articles_of(conn, stories)
    if len(members) > THREAD_MEMBER_LIMIT:
        _thread_alone(conn, alive)
        return
    set_threads(conn, compute_threads(conn, members, threshold))


def _thread_alone(conn: sqlite3.Connection, stories: Sequence[str]) -> None:
    """A thread of its own for each of ``stories`` that has none yet."""
    conn.executemany(
        "INSERT OR IGNORE INTO story_threads VALUES (?, ?)", [(s, thread_id(s)) for s in stories]
    )


def compute_threads(
    conn: sqlite3.Connection, story_of: dict[str, str], threshold: float = THREAD_THRESHOLD
) -> dict[str, str]:
    """story -> thread id for the stories of ``story_of`` (article -> story), from the
    stored thread scores among those articles. Copies are left out: a story weighs as
    many articles as it has copy groups, as the batch threads its representatives. So
    are the pairs of a roundup the grouping cut (:func:`samestory.store.roundups.
    cut_roundups`): they chain no thread, as in the batch (``assemble_analysis``)."""
    articles = sorted(set(story_of) - _copies(conn, list(story_of)))
    position = {a: k for k, a in enumerate(articles)}
    stories = sorted(set(story_of.values()))
    unit = {s: k for k, s in enumerate(stories)}
    cut = cut_roundups(conn, articles)
    rows = [
        row
        for row in _rows_touching(conn, articles)
        if row[0] in position
        and row[1] in position
        and story_of[row[0]] != story_of[row[1]]
        and row[0] not in cut
        and row[1] not in cut
    ]
    pairs = [(position[a], position[b]) for a, b, *_ in rows]
    story_unit = [unit[story_of[a]] for a in articles]
    gaps = borrowed_gaps(pairs, [gap for *_, gap, _ in rows], story_unit)
    edges = [
        (i, j, _threaded_score(score, gap, inputs, borrowed))
        for (i, j), (_, _, score, gap, inputs), borrowed in zip(pairs, rows, gaps, strict=True)
    ]
    groups = thread_groups(len(articles), edges, story_unit, threshold)
    firsts = first_dates(conn, stories)
    out: dict[str, str] = {}
    for group in groups:
        in_group = sorted({story_of[articles[k]] for k in group})
        lead = min(in_group, key=lambda s: first_story_key(s, firsts[s]))
        out.update(dict.fromkeys(in_group, thread_id(lead)))
    return out


def _threaded_score(
    score: float, gap: int | None, inputs: bytes | str | None, borrowed: int | None
) -> float:
    """A pair's thread probability as the batch threads it: an undated pair re-scored
    with its stories' gap (``borrowed``) when its inputs are stored. Inputs stored under
    a thread model reading other features (a store older than the shipped model) are
    not read: the pair keeps its stored score, as a pair stored without inputs does."""
    if gap is not None or borrowed is None or inputs is None:
        return score
    x = read_inputs(inputs)
    assert x is not None
    if len(x) != len(MODEL.names):
        return score
    return thread_probability(with_gap(x, borrowed))


def _rows_touching(
    conn: sqlite3.Connection, ids: Sequence[str]
) -> list[tuple[str, str, float, int | None, bytes | str | None]]:
    """``(a, b, score, gap, inputs)`` of the thread scores with an end in ``ids``, each
    pair once; the inputs of undated pairs only (None for the others)."""
    out: dict[tuple[str, str], tuple[str, str, float, int | None, bytes | str | None]] = {}
    for chunk in chunks(ids):
        slots = marks(len(chunk))
        for column in ("a", "b"):
            for row in conn.execute(
                # Only an undated pair's inputs are read here (re-scored with a gap).
                "SELECT a, b, score, gap, CASE WHEN gap IS NULL THEN inputs END "
                f"FROM thread_scores WHERE {column} IN ({slots})",
                chunk,
            ):
                out[(row[0], row[1])] = row
    return list(out.values())


def _copies(conn: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
    """The articles of ``ids`` stored as copies of another."""
    out: set[str] = set()
    for chunk in chunks(sorted(ids)):
        out.update(
            r[0]
            for r in conn.execute(
                f"SELECT id FROM articles WHERE id IN ({marks(len(chunk))}) "
                "AND copy_of IS NOT NULL",
                chunk,
            )
        )
    return out


def rethread_all(conn: sqlite3.Connection) -> None:
    """Thread every stored story from the stored thread scores (a migration's fill)."""
    story_of = dict(conn.execute("SELECT id, story_id FROM articles").fetchall())
    set_threads(conn, compute_threads(conn, story_of))
    stories = [r[0] for r in conn.execute("SELECT id FROM stories")]
    _thread_alone(conn, stories)


# ------------------------------------------------------------- a changed thread model

# The meta rows holding the digest of the thread model the stored scores were made with,
# and its threshold (which pairs are stored as follow-ups).
MODEL_KEY = "thread_model"
THRESHOLD_KEY = "thread_threshold"
# Stored features decoded at once while inputs are read again (tens of KB each).
_FEATURE_CACHE = 2_000


@dataclasses.dataclass(frozen=True)
class Refreshed:
    """What :func:`refresh` did: pairs re-scored, pairs whose inputs were read again from
    the stored features (stored before every pair kept them, or under other inputs), and
    pairs whose relation changed kind (a ``follow_up`` gained or lost)."""

    pairs: int
    filled: int
    relabelled: int


def stored_model(conn: sqlite3.Connection) -> str | None:
    """The digest of the thread model the store's thread scores were made with (None:
    a store older than the record)."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (MODEL_KEY,)).fetchone()
    return None if row is None else str(row[0])


def refresh_if_changed(
    conn: sqlite3.Connection,
    config: Config,
    where: object,
    read_only: bool = False,
    busy: bool = False,
) -> Refreshed | None:
    """Re-score and re-thread the store when its thread model is not this samestory's
    (:data:`samestory.threads.MODEL_DIGEST`), with one line on the ``samestory`` logger;
    None when it is. Runs inside the caller's transaction. A read-only store is not
    written: one line says its threads are shown as stored (``busy``: because another
    process holds the write lock, and the next write re-threads)."""
    if stored_model(conn) == MODEL_DIGEST:
        return None
    if read_only:
        log.warning(
            "%s: threads made by another thread model, shown as stored %s",
            where,
            "while another process writes (its next write here re-threads)"
            if busy
            else "(open it once with write access to re-thread)",
        )
        return None
    done = refresh(conn, config)
    log.info(
        "%s: the thread model changed; re-scored %d pairs from their stored inputs "
        "(%d read again from stored features, %d follow-ups changed) and re-threaded",
        where,
        done.pairs,
        done.filled,
        done.relabelled,
    )
    return done


def refresh(conn: sqlite3.Connection, config: Config, fill_missing: bool = False) -> Refreshed:
    """Every stored pair's thread probability under this samestory's thread model, from
    its stored inputs (no text is analysed again); a pair stored with inputs another
    version computed (and, ``fill_missing``, one stored without: the ``thread_model``
    step) is related again from its stored features (:func:`samestory.relate.relate`,
    as it was scored) to read them; a copy has none and keeps its probability. A pair whose
    ``follow_up`` status changes is related again and its row rewritten; every other
    relation keeps its kind with its evidence's thread probability updated. Then every
    story is threaded again, and the model's digest recorded. Runs inside the caller's
    transaction."""
    reader = _StoredFeatures(conn)
    rows = conn.execute("SELECT a, b, score, inputs FROM thread_scores").fetchall()
    related: dict[tuple[str, str], Relation] = {}
    width = len(MODEL.names)
    inputs: dict[tuple[str, str], list[float]] = {}
    filled = []
    for a, b, _, stored in rows:
        x = read_inputs(stored)
        if (x is None and fill_missing) or (x is not None and len(x) != width):
            pair = reader.get(a, b)
            if pair is None:  # an end without features: the row stays as it is
                continue
            relation = related[(a, b)] = relate(*pair, config)
            y = thread_inputs(*pair, relation)
            x = None if y is None else list(y)
            filled.append((None if y is None else np.asarray(y, _FLOATS).tobytes(), a, b))
        if x is not None:
            inputs[(a, b)] = x
    conn.executemany("UPDATE thread_scores SET inputs=? WHERE a=? AND b=?", filled)
    keys = list(inputs)
    scores = dict(zip(keys, thread_probabilities([inputs[k] for k in keys]), strict=True))
    old = {(a, b): score for a, b, score, _ in rows}
    conn.executemany(
        "UPDATE thread_scores SET score=? WHERE a=? AND b=?",
        [(p, a, b) for (a, b), p in scores.items() if p != old[(a, b)]],
    )
    relabelled = _relabel(conn, config, scores, old, related, reader)
    rethread_all(conn)
    conn.executemany(
        "INSERT OR REPLACE INTO meta VALUES (?, ?)",
        [(MODEL_KEY, MODEL_DIGEST), (THRESHOLD_KEY, repr(THREAD_THRESHOLD))],
    )
    return Refreshed(pairs=len(scores), filled=len(filled), relabelled=relabelled)


def _relabel(
    conn: sqlite3.Connection,
    config: Config,
    scores: Mapping[tuple[str, str], float],
    old: Mapping[tuple[str, str], float],
    related: dict[tuple[str, str], Relation],
    reader: _StoredFeatures,
) -> int:
    """Rewrite the relations whose kind the new thread probabilities may change, related
    again from the stored features: a pair is a ``follow_up`` when it is no relation, or
    a rewrite too weak or too late to be the same story, and its thread probability
    reaches the threshold (:func:`samestory.relate.relation_of`), so such a pair whose
    probability crossed the threshold (the one it was stored under, to this model's).
    Set the new probability in the other relations' evidence. Returns how many pairs
    were rewritten."""
    before = _stored_threshold(conn)
    kinds = {(a, b): kind for a, b, kind in conn.execute("SELECT a, b, kind FROM relations")}
    changed = 0
    evidence_updates = []
    for key, p in scores.items():
        kind = kinds.get(key)
        crossed = (old[key] >= before) != (p >= THREAD_THRESHOLD)
        if crossed and kind in (None, "rewrite", "follow_up"):
            pair = reader.get(*key)
            if pair is None:
                continue
            relation = related.get(key) or relate(*pair, config)
            conn.execute("DELETE FROM relations WHERE a=? AND b=?", key)
            conn.execute("DELETE FROM weak_scores WHERE a=? AND b=?", key)
            if relation.kind is not None:
                row = relation_row(relation, {f.id: f for f in pair})
                conn.execute("INSERT INTO relations VALUES (?, ?, ?, ?, ?, ?)", row)
            elif relation.score > 0:
                conn.execute("INSERT INTO weak_scores VALUES (?, ?, ?)", (*key, relation.score))
            changed += relation.kind != (None if kind is None else RelationKind(kind))
        elif kind is not None and p != old[key]:
            evidence_updates.append((key, p))
    for (a, b), p in evidence_updates:
        found = conn.execute("SELECT evidence_json FROM relations WHERE a=? AND b=?", (a, b))
        evidence = Evidence.from_dict(json.loads(found.fetchone()[0]))
        evidence = dataclasses.replace(evidence, scores={**evidence.scores, "thread": p})
        conn.execute(  # written as the add writes it (Evidence.to_dict rounds the scores)
            "UPDATE relations SET evidence_json=? WHERE a=? AND b=?",
            (json.dumps(evidence.to_dict(), ensure_ascii=False), a, b),
        )
    return changed


def _stored_threshold(conn: sqlite3.Connection) -> float:
    """The thread threshold the stored relations were decided under (this model's when
    the store is older than the record: every shipped model has had 0.6)."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (THRESHOLD_KEY,)).fetchone()
    return THREAD_THRESHOLD if row is None else float(row[0])


class _StoredFeatures:
    """Stored features of pairs' ends, decoded once while they are in a bounded cache."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.cache: LRUCache[str, DocFeatures] = LRUCache(_FEATURE_CACHE)

    def get(self, a: str, b: str) -> tuple[DocFeatures, DocFeatures] | None:
        fa, fb = self._one(a), self._one(b)
        return None if fa is None or fb is None else (fa, fb)

    def _one(self, article: str) -> DocFeatures | None:
        f = self.cache.get(article)
        if f is None:
            row = self.conn.execute(
                "SELECT doc_json, sentence_vectors, vector, minhash FROM features WHERE id=?",
                (article,),
            ).fetchone()
            f = None if row is None else decode_features(*row)
            if f is not None:
                self.cache.put(article, f)
        return f
