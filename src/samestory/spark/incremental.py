"""Incremental daily Spark runs: a day's new articles joined against a persisted past.

``samestory spark INPUT OUTPUT --state DIR`` keeps in ``DIR`` (:mod:`.state`) what the
next run needs, and a later run with new input computes only what the new articles
change:

1. **Features** of the new articles only (ids already in the state are skipped), in the
   job's 256-article batches. Article indices continue the past ones, so index order is
   arrival order, as in a full rerun over the days' inputs concatenated.
2. **Copies**: each new article's fingerprint is joined with the past fingerprints and
   its MinHash-LSH band keys with the stored band table; a bucket holding a new article
   is verified as the job verifies it (each new member against the earlier members not
   yet in its group, :func:`~samestory.overlap.is_copy`), with the past members'
   features read from the state. A new copy joins the earliest copy group it copies;
   when it copies articles of several past copy groups, they become one, as in a full
   run: the later groups' articles follow the earliest representative (scored as its
   copies), and the later representatives are *demoted* (``demoted`` table of the
   generation): their stored pairs, band rows and keyword postings are left out of
   every later search, grouping, story and output, and their components are
   re-clustered with the earliest one's.
3. **Candidates** for the new representatives: band buckets shared with past
   representatives, keyword neighbours over the stored and new postings of their
   words (the new articles' lists only), and vector neighbours searched among the past and new
   representatives' vectors (one cell, exact, while there are at most ``exact_limit``;
   IVF cells from centroids fixed when the state outgrew that). A past article's
   neighbour list is asked again when a new vector comes closer than its *reach*: the
   cosine of the first candidate its list stopped at (or ``ann_min_cosine``), stored
   per representative. Below its reach a new vector cannot change the list, so in exact
   mode the new pairs are exactly those a full rerun's search would add. So is a past
   list whose reach a vector demoted this run falls within: it is made again without
   it, and its pairs not scored before are scored (two past ends).
4. **Scoring**: only the new pairs (new–past, new–new, new copies with their
   representative), with :func:`samestory.spark.stages.score_pairs`.
5. **Grouping**: each representative's component of strong edges (score at or above the
   attach threshold) is stored. The components new strong edges touch are merged and
   re-clustered whole (their stored edges plus the new ones, with
   :func:`~samestory.spark.stages.cluster_components` and the members' name views: the
   roundup rule, as the job groups); as in the job, grouping per component is exact.
   Nothing else is re-clustered.
6. **Stories** are rebuilt only for groups holding a new or re-grouped article
   (:func:`~samestory.spark.stages.story_of_group`), with the ``roundups`` column of the
   flags found in their components. Untouched stories keep their row (flags included)
   and id; a rebuilt story keeps the id of the past story whose oldest article it holds
   (the oldest such), and only a story of new articles or a split-off part gets a new
   id (from its first version, as in a full run).
7. **Threads** of every day's stories, as the job threads them
   (:func:`~samestory.spark.stages.story_threads`), from what the state keeps: the
   stored representative pairs with their thread probabilities, the groups, each
   story's first date (stories table) and the roundups the grouping cut (``cuts``
   table); only the texts of undated pairs between two stories are read back (they take
   their stories' gap). A state written before threads (format 2) is refused with a
   message (:func:`~samestory.spark.state.unreadable_format`).

Where the result can differ from a full rerun over all days: see ``docs/spark.md``
("Incremental daily runs").
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import itertools
import json
import math
import operator
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from samestory import exclusive
from samestory.candidates import (
    EXACT_SEARCH_LIMIT,
    KEYWORDS,
    SATURATED_COSINE,
    SATURATED_KEYWORD_COSINE,
    day_number,
    keywords,
    route_day,
    saturation_test,
    select_neighbours,
)
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.models import Evidence, Relation, RelationKind
from samestory.overlap import is_copy
from samestory.pipeline import copies as copy_stage
from samestory.relate.date_gate import is_short_text
from samestory.relate.scoring import uncut_score
from samestory.roundups import name_view
from samestory.spark import stages
from samestory.spark.job import (
    _DATE_STRING,
    _roundup_flags,
    _roundup_rows,
    partition_count,
    read_input,
    roundups_type,
    row_to_article,
    screen_pairs,
)
from samestory.spark.state import StateDir
from samestory.spark.vectors import (
    CELL_COPIES,
    CELL_SIZE,
    KMEANS_SAMPLE,
    MAX_CELLS,
    MAX_TASK_FACTOR,
    Members,
    largest_accumulator,
    nearest_cells,
    row_floor,
    spherical_kmeans,
    split_oversized,
    under_firm_bar,
    widest_list,
)
from samestory.store.codec import decode_features, encode_features, scalar_doc, scalar_fields
from samestory.stories import DisjointSets

if TYPE_CHECKING:
    from pyspark import RDD, Accumulator
    from pyspark.sql import DataFrame, SparkSession

_NO_REACH = -2.0  # below every cosine: the list changes with any new vector
#: A past table is filtered by the day's keys (ids, words, band-key hashes: 8 bytes each)
#: with those keys broadcast when there are at most this many: the past is then only
#: scanned, never shuffled. The keys pass through the driver (~16 B each, well within a
#: 1 MB ``spark.driver.maxResultSize``); above the bound the filter is a shuffle join.
BROADCAST_KEYS = 20_000
_STORY_ID_BYTES = 80  # a story id (an article id or ``s-`` + 12 hex digits) in a row


# ------------------------------------------------------------------------ encoding rows


def feature_row(idx: int, f: DocFeatures) -> tuple[Any, ...]:
    """``(idx, id, doc_json, sentence_vectors, vector, minhash, slim_json)``."""
    doc, sentences, vector, minhash = encode_features(f)
    return (
        idx,
        f.id,
        doc,
        bytearray(sentences),
        bytearray(vector),
        bytearray(minhash),
        slim_json(f),
    )


def slim_json(f: DocFeatures) -> str:
    """The fields a story is built from (:func:`~samestory.spark.stages.slim`)."""
    return json.dumps({**scalar_doc(f), "sentences": f.sentences[:1]}, ensure_ascii=False)


def slim_features(text: str) -> DocFeatures:
    """A :class:`DocFeatures` with only what :func:`make_story` reads (no vectors)."""
    empty = np.zeros(0, dtype=np.float32)
    return DocFeatures(
        **scalar_fields(json.loads(text)),
        sentence_vectors=empty,
        vector=empty,
        minhash=None,  # type: ignore[arg-type]  # a story reads no MinHash
        entities=frozenset(),
        numbers=frozenset(),
        quotes=(),
        terms=(np.zeros(0, dtype=np.int64), empty),
    )


def _past_edge(stay: bool, row: Any) -> tuple[Any, ...]:
    """A stored representative pair as the grouping's edge (:func:`stages.grouping_edge`):
    ``(i, j, score, copy?)`` and, with ``stay`` (rule AS), its uncut score read from the
    stored evidence (its scores rounded to ``SCORE_DIGITS``)."""
    edge = (
        int(row.i),
        int(row.j),
        float(row.score),
        exclusive.stored_copy(row.kind, row.evidence_json),
    )
    return (*edge, uncut_score(relation_of(row))) if stay else edge


def relation_row(i: int, j: int, rep_pair: Any, r: Relation) -> tuple[Any, ...]:
    """A scored pair's row of the state's ``relations`` table (``rep_pair``: the pair's
    tag, :func:`stages.rep_tag`, read as a bool)."""
    evidence = json.dumps(r.evidence.to_dict(), ensure_ascii=False, sort_keys=True)
    return (
        i,
        j,
        bool(rep_pair),
        r.a,
        r.b,
        r.kind.value if r.kind else None,
        float(r.score),
        evidence,
    )


def relation_of(row: Any) -> Relation:
    return Relation(
        a=row.a,
        b=row.b,
        kind=RelationKind(row.kind) if row.kind else None,
        score=row.score,
        evidence=Evidence.from_dict(json.loads(row.evidence_json)),
    )


def _schemas() -> dict[str, Any]:
    from pyspark.sql import types as T

    long, string = T.LongType(), T.StringType()
    return {
        "features": T.StructType(
            [
                T.StructField("idx", long, False),
                T.StructField("id", string, False),
                T.StructField("doc_json", string, False),
                T.StructField("sentence_vectors", T.BinaryType(), False),
                T.StructField("vector", T.BinaryType(), False),
                T.StructField("minhash", T.BinaryType(), False),
                T.StructField("slim_json", string, False),
            ]
        ),
        "bands": T.StructType(
            [
                T.StructField("band", T.IntegerType(), False),
                T.StructField("key", T.BinaryType(), False),
                T.StructField("idx", long, False),
                T.StructField("rep", long, False),
            ]
        ),
        "keywords": T.StructType(
            [
                T.StructField("word", long, False),
                T.StructField("rank", T.IntegerType(), False),
                T.StructField("weight", T.DoubleType(), False),
                T.StructField("idx", long, False),
                T.StructField("id", string, False),
            ]
        ),
        "relations": T.StructType(
            [
                T.StructField("i", long, False),
                T.StructField("j", long, False),
                T.StructField("rep_pair", T.BooleanType(), False),
                T.StructField("a", string, False),
                T.StructField("b", string, False),
                T.StructField("kind", string, True),
                T.StructField("score", T.DoubleType(), False),
                T.StructField("evidence_json", string, False),
            ]
        ),
        "nodes": T.StructType(
            [
                T.StructField("idx", long, False),
                T.StructField("id", string, False),
                T.StructField("fingerprint", string, False),
                T.StructField("rep", long, False),
                T.StructField("comp", long, False),
                T.StructField("grp", long, False),
                T.StructField("story_id", string, False),
                T.StructField("reach", T.DoubleType(), True),
                T.StructField("cells", T.ArrayType(T.IntegerType(), False), True),
            ]
        ),
        "stories": T.StructType(
            [
                T.StructField("story_id", string, False),
                T.StructField("title", string, True),
                T.StructField("first", string, False),
                T.StructField("article_ids", T.ArrayType(string, False), False),
                T.StructField("size", T.IntegerType(), False),
                T.StructField("roundups", roundups_type(), False),
                T.StructField("grp", long, False),
                # The first version's date (ISO; None: undated): the thread id's key.
                T.StructField("first_date", string, True),
            ]
        ),
    }


def parquet_rows(path: str | os.PathLike[str]) -> int:
    """Rows of a Parquet table written to the (local, POSIX) state directory, from its
    files' footers: read on the driver, no Spark job."""
    import pyarrow.parquet as pq

    files = sorted(Path(path).glob("*.parquet"))
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


# ---------------------------------------------------------------------- vector search


def neighbour_list(
    row: int,
    keys: np.ndarray,
    matrix: np.ndarray,
    config: Config,
    words: Sequence[Mapping[int, float]] | None = None,
    floor: float | None = None,
) -> tuple[list[int], float]:
    """Row ``row``'s neighbour rows by the local rule, and the list's *reach*.

    The reach is the cosine of the first candidate after the last one the rule looked
    at (at least the row's floor): the rule stops there for a reason (budget, floor)
    that a vector ranked below it cannot change, so only a vector at least that close
    can change the list. ``words``: the rows' keywords, which some encoders' saturation
    test reads (:func:`~samestory.candidates.saturation_test`; None: none known).
    ``floor``: the row's vector floor (:func:`~samestory.candidates.vector_floor`;
    None: ``ann_min_cosine``).
    """
    chosen, reach, _ = _neighbours(row, keys, matrix, config, words, floor)
    return chosen, reach


def _neighbours(
    row: int,
    keys: np.ndarray,
    matrix: np.ndarray,
    config: Config,
    words: Sequence[Mapping[int, float]] | None = None,
    floor: float | None = None,
) -> tuple[list[int], float, np.ndarray]:
    """:func:`neighbour_list` and the row's cosines to every row (rule L's flags read
    them: :func:`_under_floor`)."""
    if floor is None:
        floor = config.ann_min_cosine
    budget = config.ann_neighbours + 1
    widest = min(widest_list(config), len(keys))
    cosines = matrix @ matrix[row]  # matrix-vector: as the local exact search
    order = np.argsort(-cosines, kind="stable")
    top = order[:widest]
    rule = (budget, floor, SATURATED_COSINE[config.encoder])
    test = None if words is None else saturation_test(config.encoder, words[row], words.__getitem__)
    chosen = select_neighbours(top, cosines[top], matrix, *rule, still_close=test) or []
    after = len(chosen)  # the rule looks at candidates in order and keeps each it looks at
    following = float(cosines[order[after]]) if after < len(order) else _NO_REACH
    return [int(r) for r in chosen], max(following, floor), cosines


def search_cell(
    item: tuple[Any, Iterable[tuple[Any, ...]]],
    config: Config,
    largest: Accumulator | None = None,
    flags: bool = False,
) -> Iterator[tuple[str, Any]]:
    """``("pair", (i, j))``, ``("past_pair", (i, j))`` and ``("reach", (idx, reach))`` of
    one cell's task; with ``flags`` (rule L) each pair ``(i, j, floor)``, ``floor``
    whether the list that proposed it holds it in its part under ``ann_min_cosine``
    (:func:`_under_floor`).

    Members are ``(idx, vector, role, reach)``, ``(idx, vector, role, reach,
    keywords)`` (read by static's saturation test; none: ``{}``) or ``(idx, vector,
    role, reach, keywords, word count)`` (a short text's vector floor: none, long);
    role ``q``: a new article querying this cell, ``n``: a new article stored here,
    ``r``: a past one whose list may be asked again here, ``p``: a past one only stored
    here, ``d``: a representative this run demotes (its copy group merged into an
    earlier one), no longer a candidate. A past
    list is asked again when a new vector, or a demoted one, is at least as close as
    its reach (the rule looked at it, or would): a full rerun's list is made without the
    demoted vector and with the new ones. ``pair``: a new end; ``past_pair`` (``i < j``):
    two past ends, from a list asked again for a demoted vector (the caller keeps those
    not scored before). ``largest`` (:func:`~samestory.spark.vectors.largest_accumulator`):
    gets the most members one cell's task held.
    """
    _, listed = item
    every = list(listed)
    if largest is not None:
        largest.add(len(every))
    gone = [m[1] for m in every if m[2] == "d"]
    members = sorted((m for m in every if m[2] != "d"), key=lambda m: m[0])
    if not members:
        return
    keys = np.array([m[0] for m in members], dtype=np.int64)
    matrix = np.ascontiguousarray(np.vstack([m[1] for m in members]), dtype=np.float32)
    roles = [m[2] for m in members]
    words: list[dict[int, float]] = [m[4] if len(m) > 4 else {} for m in members]
    floors = [row_floor(config, m[5] if len(m) > 5 else None) for m in members]
    new = np.array([r in "qn" for r in roles], dtype=bool)
    for row, role in enumerate(roles):
        if role == "q":
            chosen, reach, cosines = _neighbours(row, keys, matrix, config, words, floors[row])
            under = _under_floor(chosen, cosines, config, flags)
            yield "reach", (int(keys[row]), reach)
            for r in chosen:
                if r != row:
                    i, j = sorted((int(keys[row]), int(keys[r])))
                    yield "pair", (i, j, under[r]) if flags else (i, j)
    past = [row for row, role in enumerate(roles) if role == "r"]
    if not past or not (new.any() or gone):
        return
    lowest = np.full(len(past), -np.inf, dtype=np.float32)
    by_new = (matrix[past] @ matrix[new].T).max(axis=1) if new.any() else lowest
    by_gone = (matrix[past] @ np.vstack(gone).astype(np.float32).T).max(axis=1) if gone else lowest
    for k, row in enumerate(past):
        reach_of = members[row][3]
        again = by_gone[k] >= reach_of  # the list looked at a vector that is gone
        if by_new[k] < reach_of and not again:
            continue  # neither a new nor a demoted vector reaches into this list
        chosen, reach, cosines = _neighbours(row, keys, matrix, config, words, floors[row])
        under = _under_floor(chosen, cosines, config, flags)
        yield "reach", (int(keys[row]), reach)
        for r in chosen:
            if new[r]:
                pair = (int(keys[row]), int(keys[r]))
                yield "pair", (*pair, under[r]) if flags else pair
            elif again and r != row:
                i, j = sorted((int(keys[row]), int(keys[r])))
                yield "past_pair", (i, j, under[r]) if flags else (i, j)


def _under_floor(
    chosen: Sequence[int], cosines: np.ndarray, config: Config, flags: bool
) -> dict[int, bool]:
    """Rule L's flag of each of a row's neighbour rows ``chosen`` (none without
    ``flags``), from the row's ``cosines`` (:func:`_neighbours`): :func:`under_firm_bar`."""
    if not flags:
        return {}
    return {r: under_firm_bar(cosines[r], config) for r in chosen}


def _member_vector(member: tuple[Any, ...]) -> np.ndarray:
    return member[1]  # type: ignore[no-any-return]


def _member_stored(member: tuple[Any, ...], rank: int) -> tuple[Any, ...]:
    """A cell member as stored in its sub-cell of ``rank``: a list (role ``q`` or ``r``)
    is asked in the nearest sub-cell only, elsewhere its vector is only stored."""
    role = member[2]
    if rank == 0 or role not in "qr":
        return member
    return (member[0], member[1], "n" if role == "q" else "p", *member[3:])


def _member_kept(member: tuple[Any, ...]) -> bool:
    return member[2] != "d"  # a demoted vector is in no full rerun's cell: not sampled


#: How a split reads :func:`search_cell`'s members (see :class:`vectors.Members`).
CELL_MEMBERS = Members(_member_vector, _member_stored, _member_kept)


def _exact_members(new_items: RDD, past: RDD, gone: RDD, chunks: int) -> RDD:
    """:func:`search_cell`'s members in exact mode: one cell of every vector, queried in
    ``chunks`` tasks (a new vector queries, a past list may be asked again, in the chunk
    of its index; a demoted vector is in every chunk)."""

    def spread_new(item: tuple[int, Any]) -> Iterator[tuple[int, Any]]:
        i, (v, words, n_words) = item
        for c in range(chunks):
            yield c, (i, v, "q" if i % chunks == c else "n", 0.0, words, n_words)

    def spread_past(item: tuple[int, Any]) -> Iterator[tuple[int, Any]]:
        i, (v, reach, _, words, n_words) = item
        for c in range(chunks):
            yield c, (i, v, "r" if i % chunks == c else "p", reach, words, n_words)

    def spread_gone(item: tuple[int, Any]) -> Iterator[tuple[int, Any]]:
        i, (v, *_) = item
        for c in range(chunks):
            yield c, (i, v, "d", 0.0)

    return (
        new_items.flatMap(spread_new)
        .union(past.flatMap(spread_past))
        .union(gone.flatMap(spread_gone))
    )


def _placed(shared: Any, items: Iterable[Any]) -> Iterator[tuple[int, Any]]:
    """``(idx, (kind, vector, reach, cells, assigned now?, keywords, word count))`` of
    tagged search inputs (``(kind, (idx, (vector, reach, cells, keywords, word
    count)))``): a vector without stored cells gets its CELL_COPIES nearest of the
    broadcast centroids ``shared``."""
    listed = list(items)
    if not listed:
        return
    need = [k for k, (_, (_, (_, _, cells, *_))) in enumerate(listed) if cells is None]
    found = {}
    if need:
        matrix = np.vstack([listed[k][1][1][0] for k in need]).astype(np.float32)
        rows = nearest_cells(matrix, shared.value, CELL_COPIES)
        found = {k: [int(c) for c in row] for k, row in zip(need, rows, strict=True)}
    for k, (kind, (i, (v, reach, cells, words, n_words))) in enumerate(listed):
        yield i, (kind, v, reach, found.get(k, cells), k in found, words, n_words)


def _cell_members(item: tuple[int, Any]) -> Iterator[tuple[tuple[int], Any]]:
    """A placed vector as :func:`search_cell`'s member of each of its cells: a new one
    queries its nearest (``q``), a past list may be asked again in its nearest (``r``),
    a demoted one is in every cell it was stored in, as in a full rerun's (``d``)."""
    i, (kind, v, reach, cells, _, words, n_words) = item
    for rank, c in enumerate(cells):
        if kind == "gone":
            yield (c,), (i, v, "d", reach)
        elif kind == "new":
            yield (c,), (i, v, "q" if rank == 0 else "n", reach, words, n_words)
        else:
            yield (c,), (i, v, "r" if rank == 0 else "p", reach, words, n_words)


# ----------------------------------------------------------------------------- the run


def run_incremental(
    spark: SparkSession,
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    state_path: str | os.PathLike[str],
    config: Config | None = None,
    text_col: str = "text",
    id_col: str = "id",
    partitions: int | None = None,
    exact_limit: int = EXACT_SEARCH_LIMIT,
    cell_size: int = CELL_SIZE,
    task_bound: int | None = None,
) -> dict[str, Any]:
    """Join ``input_path``'s articles to the state at ``state_path``; write the updated
    stories (of every day) under ``output_path`` and the new state generation.

    Vector search: exact while the representatives are at most ``exact_limit``, then in
    IVF cells of about ``cell_size`` (centroids fixed when the state outgrew the limit);
    a cell over ``task_bound`` vectors (default ``MAX_TASK_FACTOR · cell_size``) is split
    on the executors before its vectors are grouped, as the job splits its cells
    (:func:`~samestory.spark.vectors.split_oversized`), so no search task outgrows it as
    the days accumulate.

    A new state directory makes this a full run that also writes the state. Ids already
    in the state are skipped (counted as ``known``). Without ``config``: the default
    with the state's encoder (:meth:`StateDir.keep_encoder`); a config whose encoder or
    other fixed fields differ from the state's is refused. Returns counts.
    """
    # The state is read once the lock is held; the session's settings are the caller's
    # again after the run (set or unset as they were), also when it fails.
    with StateDir.lock(state_path), _restored(spark, RUN_SETTINGS):
        for key in BROADCAST_SETTINGS:
            spark.conf.set(key, "-1")
        bound = task_bound if task_bound is not None else MAX_TASK_FACTOR * cell_size
        job = _Run(spark, config, state_path, partitions, exact_limit, cell_size, bound)
        try:
            return job.go(input_path, output_path, text_col, id_col)
        finally:
            job.release()


#: Spark decides to broadcast a join's side when its estimate of the side (for a state
#: table: its size on disk) is under these thresholds (10 MB by default), and a broadcast
#: side's rows pass through the driver: a table under 10 MB on disk can hold more than a
#: 1 MB ``spark.driver.maxResultSize`` of rows (the per-article table past ~50k
#: articles). A run sets them to -1, so only its own hints broadcast (``F.broadcast``:
#: sides it knows to be small, bounded by ``BROADCAST_KEYS``).
BROADCAST_SETTINGS = (
    "spark.sql.autoBroadcastJoinThreshold",
    "spark.sql.adaptive.autoBroadcastJoinThreshold",
)
#: What a run changes in the caller's session: the broadcast thresholds, and the shuffle
#: partitions (the DataFrame joins on the state use the run's partitions, not Spark SQL's
#: default 200: hundreds of tiny Python tasks a join made a day's run slower than a full
#: one).
RUN_SETTINGS = ("spark.sql.shuffle.partitions", *BROADCAST_SETTINGS)


@contextlib.contextmanager
def _restored(spark: SparkSession, keys: Sequence[str]) -> Iterator[None]:
    """The session's ``keys`` as they were before the block (a key not set is unset
    again: it falls back to Spark's default, or for the adaptive threshold to the
    other one)."""
    before = {key: spark.conf.get(key, None) for key in keys}
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


class _Run:
    def __init__(
        self,
        spark: SparkSession,
        config: Config | None,
        state_path: str | os.PathLike[str],
        partitions: int | None,
        exact_limit: int,
        cell_size: int,
        task_bound: int,
    ) -> None:
        self.spark = spark
        self.sc = spark.sparkContext
        self.state = StateDir(state_path)
        self.config = self.state.keep_encoder(DEFAULT_CONFIG) if config is None else config
        self.state.check_config(self.config)
        self.partitions = partitions
        self.exact_limit = exact_limit
        self.cell_size = cell_size
        self.task_bound = task_bound
        # The most vectors one search task held (read once the pairs are computed).
        self.largest = largest_accumulator(self.sc)
        self.schemas = _schemas()
        self.base = self.state.next_idx
        self.has_past = self.state.manifest is not None
        self.nodes: DataFrame | None = None
        self.p = 2
        self.m = 0  # new articles this run
        self.n_copies = 0  # of them copies
        self.n_pairs = 0  # pairs scored this run
        self.n_past_reps = 0  # representatives in the state
        self.n_reps_new = 0  # new representatives this run
        # Former representatives (``idx``) and the representative of their copy group now
        # (``rep``), this run's merges included; None while no copy groups were merged.
        self.demoted: DataFrame | None = None
        self.n_demoted = 0
        self.merges: DataFrame | None = None  # (idx, rep): the groups this run merges
        self.n_merged = 0
        self.persisted: list[Any] = []
        self.inputs: list[Any] = []
        # The roundups the grouping cut, every day's (their pairs chain no threads).
        self.cuts: frozenset[int] = frozenset()
        # Rule L (switches.LONE_FLOOR_BAR), read on the driver: pairs carry the floor flag.
        self.lone = stages.lone_on()

    # ----------------------------------------------------------------- helpers

    def _keep(self, rdd: Any, large: bool = False) -> Any:
        """``rdd`` persisted (``large``: at the large datasets' level,
        :func:`stages.persist_large`) and released with the run."""
        from pyspark import StorageLevel

        if large:
            stages.persist_large(rdd)
        else:
            rdd.persist(StorageLevel.MEMORY_AND_DISK)
        self.persisted.append(rdd)
        return rdd

    def _past_table(self, table: str) -> DataFrame | None:
        paths = self.state.part_paths(table)
        return self.spark.read.parquet(*paths) if paths else None

    def _idx_frame(self, idx: RDD, column: str = "idx") -> DataFrame:
        return self.spark.createDataFrame(idx.map(lambda i: (int(i),)), f"{column} long")

    def _semi(
        self,
        table: DataFrame,
        keys: DataFrame,
        column: str,
        how: str = "left_semi",
        key_bytes: int = 16,
        most: int | None = None,
    ) -> DataFrame:
        """``table``'s rows whose ``column`` is (``left_anti``: is not) in ``keys``.

        The day's keys are few and the past is large: up to ``BROADCAST_KEYS`` keys are
        broadcast, so the past table is scanned and filtered where it lies instead of
        being shuffled to meet them (a sort-merge join moved every past row each run).
        ``key_bytes`` (a long: 16) scales the bound for longer keys. ``most``: an upper
        bound on the rows of ``keys`` known from the run's sizes; when it is within the
        bound, the keys are broadcast as they are (a semi or anti join ignores repeated
        keys), without the job that would count them.
        """
        from pyspark.sql import functions as F

        if most is not None and most * key_bytes <= BROADCAST_KEYS * 16:
            return table.join(F.broadcast(keys.select(column)), column, how)
        distinct = keys.select(column).distinct().persist()
        self.persisted.append(distinct)
        few = distinct.count() * key_bytes <= BROADCAST_KEYS * 16
        small = F.broadcast(distinct) if few else distinct
        return table.join(small, column, how)

    def _hashed_semi(self, table: DataFrame, values: RDD, column: str, most: int) -> DataFrame:
        """``table``'s rows whose string ``column`` may be one of ``values``: matched on a
        64-bit hash (8 bytes a broadcast key, whatever the strings' length). A collision
        only adds a row; callers match the strings exactly on the few rows returned."""
        from pyspark.sql import functions as F

        hashed = F.xxhash64(column).alias("h")
        keys = self.spark.createDataFrame(values.map(lambda v: (v,)), f"{column} string")
        return self._semi(table.select("*", hashed), keys.select(hashed), "h", most=most).drop("h")

    def _broadcast_if(self, frame: DataFrame, rows: int) -> DataFrame:
        """``frame`` marked for broadcast when its ``rows`` (a few longs each) are few: a
        left join of the past's per-article table with it then moves no past row."""
        from pyspark.sql import functions as F

        return F.broadcast(frame) if rows <= BROADCAST_KEYS // 2 else frame

    def _without_demoted(self, table: DataFrame, *columns: str) -> DataFrame:
        """``table``'s rows with no former representative in ``columns`` (its pairs,
        postings and band rows as a representative are not a full rerun's)."""
        from pyspark.sql import functions as F

        if self.demoted is None:
            return table
        for column in columns:
            former = self.demoted.select(F.col("idx").alias(column))
            table = self._semi(table, former, column, "left_anti", most=self.n_demoted)
        return table

    def _current_rep(self, rows: DataFrame) -> DataFrame:
        """``rows`` (stored band rows) with ``rep`` the copy group's representative now:
        a stored ``rep`` that an earlier run merged into another group is replaced."""
        from pyspark.sql import functions as F

        if self.demoted is None:
            return rows
        now = self._broadcast_if(self.demoted.toDF("rep", "rep_now"), self.n_demoted)
        return (
            rows.join(now, "rep", "left")
            .withColumn("rep", F.coalesce("rep_now", "rep"))
            .drop("rep_now")
        )

    def _demote(self, merged: RDD, n_merged: int) -> None:
        """Record this run's merged copy groups ``(later rep, earlier rep)``: the later
        representatives are demoted to copies, and an earlier demotion that pointed at
        one of them now points at its new representative."""
        from pyspark.sql import functions as F

        merges = self.spark.createDataFrame(merged, "idx long, rep long").persist()
        self.persisted.append(merges)
        self.merges, self.n_merged = merges, n_merged
        demoted = merges
        if self.demoted is not None:
            moved = self._broadcast_if(merges.toDF("rep", "rep_now"), n_merged)
            earlier = self.demoted.join(moved, "rep", "left").select(
                "idx", F.coalesce("rep_now", "rep").alias("rep")
            )
            demoted = earlier.unionByName(merges)
        self.demoted, self.n_demoted = demoted, self.n_demoted + n_merged

    def _regrouped(self) -> RDD:
        """``(past article, new rep)`` of every article of a group merged this run (its
        former representative too): each is scored as a copy of the new representative,
        as a full rerun scores it."""
        assert self.nodes is not None and self.merges is not None
        moved = self._broadcast_if(self.merges.toDF("rep", "rep_new"), self.n_merged)
        rows = self.nodes.select("idx", "rep").join(moved, "rep")
        return rows.rdd.map(lambda r: (int(r.idx), int(r.rep_new)))

    def _merged_comps(self) -> RDD:
        """``(rep, stored component)`` of both representatives of each merge."""
        from pyspark.sql import functions as F

        assert self.nodes is not None and self.merges is not None
        reps = self.merges.select("idx").unionByName(self.merges.select(F.col("rep").alias("idx")))
        return self._semi(
            self.nodes.where("idx = rep").select("idx", "comp"), reps, "idx", most=2 * self.n_merged
        ).rdd.map(lambda r: (int(r.idx), int(r.comp)))

    def _past_features(self, wanted: RDD, most: int | None = None) -> RDD:
        """``(idx, DocFeatures)`` of the past articles in ``wanted`` (read, not computed)."""
        table = self._past_table("features")
        if table is None:
            return self.sc.emptyRDD()
        rows = self._semi(
            table.select("idx", "doc_json", "sentence_vectors", "vector", "minhash"),
            self._idx_frame(wanted),
            "idx",
            most=most,
        )
        return rows.rdd.map(
            lambda r: (
                int(r.idx),
                decode_features(
                    r.doc_json, bytes(r.sentence_vectors), bytes(r.vector), bytes(r.minhash)
                ),
            )
        )

    def _past_views(self, wanted: RDD, most: int) -> RDD:
        """``(idx, NameView)`` of the past articles in ``wanted``
        (:func:`~samestory.roundups.name_view` of the stored features; the vectors, most
        of a stored row, are not read)."""
        table = self._past_table("features")
        if table is None:
            return self.sc.emptyRDD()
        rows = self._semi(
            table.select("idx", "doc_json", "minhash"), self._idx_frame(wanted), "idx", most=most
        )
        return rows.rdd.map(
            lambda r: (
                int(r.idx),
                name_view(decode_features(r.doc_json, b"", b"", bytes(r.minhash))),
            )
        )

    def _shortness(self, members: RDD, n_touched: int, features: RDD, copy_of: RDD) -> RDD:
        """``(rep, short)`` of the touched representatives (``members``' keys): whether
        every text of the copy group is short (rule AS's stay step reads an item so, as
        :func:`stages.copy_group_shortness` in the full job): this run's new articles
        through ``copy_of`` (``(copy, rep)``), the stored ones through the nodes table."""
        base = self.base
        rep_of_new = features.map(lambda kv: (kv[0], is_short_text(kv[1]))).leftOuterJoin(
            copy_of, self.p
        )
        new = rep_of_new.map(lambda kv: (kv[1][1] if kv[1][1] is not None else kv[0], kv[1][0]))
        past = self._past_shortness(members.keys().filter(lambda i: i < base), n_touched)
        return (
            members.keys()
            .map(lambda i: (i, None))
            .join(new.union(past).reduceByKey(operator.and_, self.p), self.p)
            .mapValues(lambda v: v[1])
        )

    def _past_shortness(self, wanted: RDD, most: int) -> RDD:
        """``(rep, short)`` of each stored text whose representative is in ``wanted``
        (:func:`~samestory.relate.date_gate.is_short_text` of its stored features; the
        vectors not read)."""
        table = self._past_table("features")
        if table is None or self.nodes is None:
            return self.sc.emptyRDD()
        texts = self._semi(
            self.nodes.select("idx", "rep"), self._idx_frame(wanted, "rep"), "rep", most=most
        )
        rows = self._semi(table.select("idx", "doc_json", "minhash"), texts.select("idx"), "idx")
        short = rows.rdd.map(
            lambda r: (
                int(r.idx),
                is_short_text(decode_features(r.doc_json, b"", b"", bytes(r.minhash))),
            )
        )
        return texts.rdd.map(lambda r: (int(r.idx), int(r.rep))).join(short, self.p).values()

    def _past_sketches(self, wanted: RDD) -> RDD:
        """``(idx, copy sketch)`` (:func:`~samestory.spark.stages.copy_sketch`) of the
        past articles in ``wanted``: only the JSON and MinHash columns are read (not the
        vectors, most of a stored row)."""
        table = self._past_table("features")
        if table is None:
            return self.sc.emptyRDD()
        rows = self._semi(
            table.select("idx", "doc_json", "minhash"), self._idx_frame(wanted), "idx"
        )
        return rows.rdd.map(
            lambda r: (
                int(r.idx),
                stages.copy_sketch(decode_features(r.doc_json, b"", b"", bytes(r.minhash))),
            )
        )

    # -------------------------------------------------------------------- run

    def go(
        self,
        input_path: str | os.PathLike[str],
        output_path: str | os.PathLike[str],
        text_col: str,
        id_col: str,
    ) -> dict[str, Any]:
        self.state.clean_leftovers()
        if self.has_past:
            self.nodes = self.spark.read.parquet(self.state.table_path("nodes")).cache()
            if self.state.has_table("demoted"):
                self.demoted = self.spark.read.parquet(self.state.table_path("demoted"))
                self.n_demoted = parquet_rows(self.state.table_path("demoted"))
        numbered, readable, m = self._read_new(input_path, text_col, id_col)
        if m == 0 and not self.has_past:
            raise ValueError(f"{input_path}: no article with text")
        known = readable - m
        past_n = self.base  # indices are 0 .. base - 1, one an article
        self.p = partition_count(self.spark, max(m, 1), self.partitions)
        self.spark.conf.set("spark.sql.shuffle.partitions", str(self.p))
        self.m = m
        features = self._features(numbered, m)
        for rdd in self.inputs:
            rdd.unpersist()
        components = self._copies(features)  # computed and persisted
        base = self.base
        copy_of = components.filter(lambda kv: kv[0] >= base and kv[0] != kv[1])
        # (past representative, the earlier one): copy groups of past days a new copy joins
        merged = components.filter(lambda kv: kv[0] < base and kv[0] != kv[1])
        sizes = components.mapPartitions(lambda kvs: [_copy_kinds(kvs, base)]).collect()
        n_copies = self.n_copies = sum(size[0] for size in sizes)
        if n_merged := sum(size[1] for size in sizes):
            self._demote(merged, n_merged)
        flags = copy_of.mapValues(lambda _: True)
        # Representatives' vectors and signatures only (not their whole features).
        light = features.mapValues(_Light.of)
        reps_new = self._keep(
            light.leftOuterJoin(flags, self.p)
            .filter(lambda kv: kv[1][1] is None)
            .map(lambda kv: (kv[0], kv[1][0])),
            large=True,
        )
        n_reps_new = self.n_reps_new = m - n_copies  # every new article that is not a copy
        rep_pairs, reach, centroids, cells = self._candidates(reps_new, n_reps_new)
        pairs = copy_of.map(lambda kv: (kv[1], kv[0], False)).union(
            rep_pairs.map(lambda ij: (ij[0], ij[1], stages.rep_tag(ij)))
        )
        if self.merges is not None:  # a merged group's articles: copies of its new rep
            pairs = pairs.union(self._regrouped().map(lambda kv: (kv[1], kv[0], False)))
        scored = self._keep(self._score(features, pairs), large=True)
        n_pairs = self.n_pairs = scored.count()
        part, gen = self.state.staging()
        self._write_parts(part, features, copy_of, scored)
        self.spark.createDataFrame(
            reps_new.flatMap(lambda item: item[1].keyword_entries(item[0])).map(
                lambda kv: (kv[0], *kv[1])
            ),
            self.schemas["keywords"],
        ).write.parquet(str(part / "keywords.parquet"))
        counts = self._group_and_write(gen, features, copy_of, scored, reach, cells)
        counts.update(
            articles=past_n + m,
            new=m,
            known=known,
            partitions=self.p,
            copies=n_copies,
            merged_copy_groups=self.n_merged,
            new_representatives=n_reps_new,
            representatives=self.n_past_reps + n_reps_new,
            pairs=n_pairs,
            largest_search_task=self.largest.value,
        )
        self._write_output(Path(output_path), part, gen)
        self.state.commit(part, gen, self.base + m, self.config, counts, centroids)
        return counts

    def release(self) -> None:
        """Unpersist what the run cached (also when it failed: a long-lived session
        would otherwise keep a failed run's data cached until it ends)."""
        for rdd in self.persisted:  # the inputs too (kept, released early when done)
            rdd.unpersist()
        if self.nodes is not None:
            self.nodes.unpersist()

    def _read_new(
        self, input_path: str | os.PathLike[str], text_col: str, id_col: str
    ) -> tuple[RDD, int, int]:
        """``(k, Article)`` of the input's readable articles not in the state, ``k`` from
        0 in input order; how many articles were readable, and how many are new."""
        df = read_input(self.spark, input_path)
        if text_col not in df.columns:
            raise ValueError(f"{input_path}: no text column {text_col!r} (got {df.columns})")
        if "date" in df.columns:
            df = df.withColumn(_DATE_STRING, df["date"].cast("string"))
        names = list(df.columns)
        config = self.config

        def to_article(item: tuple[tuple[Any, ...], int]) -> tuple[int, Any] | None:
            values, row = item
            article = row_to_article(
                dict(zip(names, values, strict=True)), row, config, text_col, id_col
            )
            return None if article is None else (row, article)

        rows, total = _indexed(cast("RDD", df.rdd.map(tuple)))
        readable = self._keep(rows.map(to_article).filter(lambda x: x is not None), large=True)
        # One shuffle by id finds repeated ids and the ids the state already holds (a
        # past id matched by its broadcast hash); one by row range puts the rest back
        # in input order; one job counts what is left per partition, which numbers it.
        by_id: RDD = readable.map(lambda ra: (ra[1].id, ra))
        if self.nodes is not None:
            new_ids = readable.map(lambda ra: ra[1].id)
            past_ids = self._hashed_semi(self.nodes.select("id"), new_ids, "id", total)
            by_id = by_id.union(past_ids.rdd.map(lambda r: (r.id, None)))
        p0 = partition_count(self.spark, max(total, 1), self.partitions)
        per_part = -(-max(total, 1) // p0)
        sorted_rows = (
            by_id.groupByKey(p0)
            .flatMap(_arrivals_of_id)
            .partitionBy(p0, functools.partial(_row_range, per_part))
            .mapPartitions(lambda items: sorted(items, key=lambda kv: kv[0]), True)
        )
        kinds = self._keep(sorted_rows, large=True)
        sizes = kinds.mapPartitions(_kind_counts).collect()
        readable.unpersist()  # read twice (ids broadcast, then grouped), now in ``kinds``
        fresh, known, repeated = (sum(size[k] for size in sizes) for k in range(3))
        if repeated:
            raise ValueError(f"{input_path}: article ids are not unique")
        starts = list(itertools.accumulate([0, *(size[0] for size in sizes[:-1])]))

        def number(part: int, items: Iterable[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
            articles = (article for _, (kind, article) in items if kind == _FRESH)
            return enumerate(articles, starts[part])

        numbered = self._keep(kinds.mapPartitionsWithIndex(number), large=True)
        self.inputs = [kinds, numbered]  # released once the features are computed
        return numbered, fresh + known, fresh

    def _features(self, numbered: RDD, m: int) -> RDD:
        """``(idx, DocFeatures)`` of the new articles: the job's features of the day's
        input (:func:`stages.featurize`, each sentence encoded in the first batch of the
        day holding it), numbered after the past's articles."""
        base = self.base
        ranges = stages.IndexRanges(max(m, 1), self.p)
        day = stages.featurize(numbered, ranges, self.config, self.p)  # computed, persisted
        self.persisted.append(day)
        # Not cached again: the shift runs in the same Python task as each later reader.
        return day.map(lambda kf: (kf[0] + base, kf[1]))

    # ----------------------------------------------------------------- copies

    def _copies(self, features: RDD) -> RDD:
        """``(node, component)`` of the copy edges with a new end: a new copy's
        component is its representative (the earliest copy group it joins); a past
        representative's is the representative of the groups it is merged with (itself
        when not merged). Past nodes are current representatives."""
        from samestory.spark.graph import connected_components

        base, config, p = self.base, self.config, self.p
        # Texts without words share the empty text's fingerprint, and no copy by it.
        worded = features.filter(lambda kf: copy_stage.has_words(kf[1]))
        new_fp = worded.map(lambda kf: (kf[1].fingerprint, (kf[0], kf[0])))
        if self.nodes is not None:
            past_fp = self._hashed_semi(
                self.nodes.select("fingerprint", "idx", "rep"),
                worded.map(lambda kf: kf[1].fingerprint),
                "fingerprint",
                self.m,
            ).rdd.map(lambda r: (r.fingerprint, (int(r.idx), int(r.rep))))
            new_fp = new_fp.union(
                past_fp.join(new_fp.mapValues(lambda _: None), p)
                .mapValues(lambda v: v[0])
                .distinct(p)
            )
        # Certain copies: every new article with a fingerprint seen before links to the
        # first article that had it (a past one stands for its copy group).
        certain = (
            new_fp.groupByKey(p)
            .mapValues(lambda members: sorted(set(members)))
            .flatMap(lambda kv: [(kv[1][0][1], i) for i, _ in kv[1][1:] if i >= base])
        )
        bands, rows = stages.lsh_params(config)
        new_keys = features.flatMap(lambda item: stages.band_keys(item, bands, rows))
        members = new_keys.map(lambda ki: (ki[0], (ki[1], ki[1])))
        past_bands = self._past_table("bands")
        if past_bands is not None:
            matched = self._current_rep(
                self._past_bands(past_bands, new_keys.keys(), self.m * bands)
            ).rdd.map(lambda r: ((int(r.band), bytes(r.key)), (int(r.idx), int(r.rep))))
            members = members.union(matched)
        buckets = (
            members.groupByKey(p)
            .map(lambda kv: tuple(sorted(set(kv[1]))))
            .filter(lambda ms: len(ms) > 1 and ms[-1][0] >= base)
            .distinct(p)
        )
        requests = buckets.flatMap(
            lambda ms: [(i, (stages._bucket_id([k for k, _ in ms]), rep)) for i, rep in ms]
        )
        past_wanted = requests.keys().filter(lambda i: i < base)
        # What the copy test reads travels to the buckets, not the features (as the job).
        loaded = features.mapValues(stages.copy_sketch).union(self._past_sketches(past_wanted))
        verified = (
            requests.join(loaded, p)
            .map(lambda kv: (kv[1][0][0], (kv[0], kv[1][0][1], kv[1][1])))
            .groupByKey(p)
            .flatMap(lambda item: _new_copy_edges(item[1], base, config))
        )
        # Edges: one per new article's fingerprint and at most one per band bucket of a
        # new article (each a union), a bound known without counting them.
        edges = certain.union(verified)
        # The smallest node of a component is a past representative when it holds one;
        # a past representative in another's component is a copy group merged now.
        return self._keep(connected_components(edges, p, most_edges=self.m * (bands + 1)))

    # ------------------------------------------------------------- candidates

    def _candidates(
        self, reps_new: RDD, n_reps_new: int
    ) -> tuple[RDD, RDD, np.ndarray | None, RDD | None]:
        """Pairs among representatives with a new end; updated reaches ``(idx, reach)``;
        IVF centroids (None in exact mode); new cells ``(idx, cells)`` (IVF only)."""
        base, p = self.base, self.p
        bands, rows = stages.lsh_params(self.config)
        new_keys = reps_new.flatMap(lambda item: item[1].band_keys(item[0], bands, rows))
        members = new_keys
        past_bands = self._past_table("bands")
        if past_bands is not None:
            members = members.union(
                self._without_demoted(
                    self._past_bands(
                        past_bands.where("idx = rep"), new_keys.keys(), n_reps_new * bands
                    ),
                    "idx",
                ).rdd.map(lambda r: ((int(r.band), bytes(r.key)), int(r.idx)))
            )
        lsh = (
            members.groupByKey(p)
            .flatMap(lambda kv: stages._bucket_pairs(list(kv[1])))
            .filter(lambda ij: ij[1] >= base)
        )
        near, reach, centroids, cells = self._vector_pairs(reps_new, n_reps_new)
        # The vector and keyword neighbours pass the local index's screen (as the full
        # job's); band pairs always. Rule L: each pair (i, j, floor only?), the AND of its
        # proposals' flags (the other routes' are firm) where the pairs are deduplicated.
        routes = self._keyword_pairs(reps_new, n_reps_new).union(
            self._dated_pairs(reps_new, n_reps_new)
        )
        if self.lone:
            proposed = stages.and_flags(near.union(routes.map(stages.firm)), p)
        else:
            proposed = near.union(routes).distinct(p)
        if self.config.min_keyword_cosine:
            proposed = self._keep(proposed)
            views = self._screen_views(reps_new, proposed)
            proposed = screen_pairs(proposed, views, self.config, p)
        if self.lone:
            return (
                stages.and_flags(lsh.map(stages.firm).union(proposed), p),
                reach,
                centroids,
                cells,
            )
        return lsh.union(proposed).distinct(p), reach, centroids, cells

    def _screen_views(self, reps_new: RDD, pairs: RDD) -> RDD:
        """``(idx, (keywords, vector))`` of every end of ``pairs``: the new
        representatives' from their features, the past ones' from the stored keyword and
        feature tables (their keywords with the weights the local index reads)."""
        base = self.base
        views = reps_new.mapValues(lambda light: (dict(light.keywords), light.vector))
        words, table = self._past_table("keywords"), self._past_table("features")
        if words is None or table is None:
            return views
        ends = self._idx_frame(pairs.flatMap(lambda ij: [e for e in ij[:2] if e < base]))
        past_words = (
            self._semi(words, ends, "idx")
            .rdd.map(lambda r: (int(r.idx), (int(r.word), float(r.weight))))
            .groupByKey(self.p)
            .mapValues(dict)
        )
        past_vectors = self._semi(table.select("idx", "vector"), ends, "idx").rdd.map(
            lambda r: (int(r.idx), np.frombuffer(bytes(r.vector), dtype="<f4").astype(np.float32))
        )
        # An end without stored keywords (none were written: no term vector) has none.
        past = past_vectors.leftOuterJoin(past_words, self.p).mapValues(
            lambda v: (v[1] or {}, v[0])
        )
        return views.union(past)

    def _past_bands(self, table: DataFrame, keys: RDD, most: int) -> DataFrame:
        """The rows of the stored band table ``table`` whose key is one of ``keys``
        (``(band, key bytes)``), matched on a 64-bit hash of the key (the broadcast is
        then 8 bytes a key, not 44); a hash collision only adds a row whose bucket holds
        no new article, which the callers drop."""
        from pyspark.sql import functions as F

        hashed = F.xxhash64("band", "key").alias("h")
        new = self.spark.createDataFrame(
            keys.map(lambda k: (k[0], bytearray(k[1]))), "band int, key binary"
        ).select(hashed)
        return self._semi(table.select("*", hashed), new, "h", most=most)

    def _keyword_pairs(self, reps_new: RDD, n_reps_new: int) -> RDD:
        """The new representatives' keyword neighbours among past and new ones: each new
        word's posting (the stored entries of that word and the new ones) bounded as
        :func:`stages.keyword_pairs` bounds it, sent to its new articles only."""
        entries = reps_new.flatMap(lambda item: item[1].keyword_entries(item[0]))
        past = self._past_table("keywords")
        if past is not None:
            words = self._idx_frame(entries.keys(), "word")
            entries = entries.union(
                self._without_demoted(
                    self._semi(past, words, "word", most=n_reps_new * KEYWORDS), "idx"
                ).rdd.map(lambda r: (int(r.word), (int(r.rank), float(r.weight), int(r.idx), r.id)))
            )
        return self._new_pairs_of_postings(entries, stages._share_posting, stages._keyword_pairs_of)

    def _dated_pairs(self, reps_new: RDD, n_reps_new: int) -> RDD:
        """The new representatives' same-days neighbours among past and new ones
        (:func:`stages.dated_pairs`): each new word's posting as :meth:`_keyword_pairs`
        reads it, the past entries with their stored dates, sent to its new articles."""
        from pyspark.sql import functions as F

        entries = reps_new.flatMap(lambda item: item[1].dated_entries(item[0]))
        past, table = self._past_table("keywords"), self._past_table("features")
        if past is not None and table is not None:
            words = self._idx_frame(entries.keys(), "word")
            rows = self._without_demoted(
                self._semi(past, words, "word", most=n_reps_new * KEYWORDS), "idx"
            )
            dates = table.select(
                "idx",
                F.get_json_object("doc_json", "$.date").alias("date"),
                F.get_json_object("doc_json", "$.date_from_text").alias("from_text"),
            )
            entries = entries.union(
                rows.join(dates, "idx", "left").rdd.map(
                    lambda r: (
                        int(r.word),
                        (
                            int(r.rank),
                            float(r.weight),
                            int(r.idx),
                            r.id,
                            _day_of_iso(r.date, r.from_text),
                        ),
                    )
                )
            )
        return self._new_pairs_of_postings(
            entries, stages._share_dated_posting, stages._dated_pairs_of
        )

    def _new_pairs_of_postings(self, entries: RDD, share: Callable, pairs_of: Callable) -> RDD:
        """Each word's posting (``entries`` grouped by word) shared out by ``share`` to its
        articles, kept for the new ones only (index >= ``base``), whose pairs ``pairs_of``
        ranks: the keyword and same-days routes' last steps, as the job's."""
        base, p = self.base, self.p
        return (
            entries.groupByKey(p)
            .flatMap(share)
            .filter(lambda kv: kv[0] >= base)
            .groupByKey(p)
            .flatMap(pairs_of)
        )

    def _past_vectors(self, n_past: int | None) -> RDD:
        """``(idx, (vector, reach, cells, keywords, word count))`` of the past
        representatives. When
        they are few (``n_past``, from the state), their rows of the per-article table
        are broadcast to the stored vectors, which are then scanned, not shuffled. Their
        keywords are read only for an encoder whose saturation test reads them."""
        if self.nodes is None:
            return self.sc.emptyRDD()
        reps = self._without_demoted(self.nodes.where("idx = rep"), "idx")
        words = SATURATED_KEYWORD_COSINE.get(self.config.encoder) is not None
        return self._vectors_of(reps.select("idx", "reach", "cells"), n_past, words)

    def _demoted_vectors(self) -> RDD:
        """``(idx, (vector, reach, cells, {}, word count))`` of the representatives this
        run demotes."""
        if self.nodes is None or self.merges is None:
            return self.sc.emptyRDD()
        rows = self._semi(
            self.nodes.select("idx", "reach", "cells"),
            self.merges.select("idx"),
            "idx",
            most=self.n_merged,
        )
        return self._vectors_of(rows, self.n_merged)

    def _vectors_of(self, reps: DataFrame, n: int | None, words: bool = False) -> RDD:
        """``(idx, (vector, reach, cells, keywords, word count))`` of the stored articles
        in ``reps`` (``idx, reach, cells``; broadcast to the stored vectors when ``n``,
        their number, is known and small); keywords from the stored keyword table with
        ``words``, else ``{}``; the word count (a short text's vector floor) from the
        stored features' ``slim_json``."""
        from pyspark.sql import functions as F

        table = self._past_table("features")
        if table is None:
            return self.sc.emptyRDD()
        if n is not None:
            reps = self._broadcast_if(reps, n)
        n_words = F.get_json_object("slim_json", "$.n_words").cast("int").alias("n_words")
        rows = table.select("idx", "vector", n_words).join(reps, "idx")
        stored = self._past_table("keywords") if words else None
        if stored is not None:
            listed = stored.groupBy("idx").agg(
                F.collect_list(F.struct("word", "weight")).alias("words")
            )
            rows = rows.join(listed, "idx", "left")
        else:
            rows = rows.withColumn("words", F.lit(None))
        return rows.rdd.map(
            lambda r: (
                int(r.idx),
                (
                    np.frombuffer(bytes(r.vector), dtype="<f4").astype(np.float32),
                    _NO_REACH if r.reach is None else float(r.reach),
                    None if r.cells is None else list(r.cells),
                    {int(w.word): float(w.weight) for w in r.words or ()},
                    None if r.n_words is None else int(r.n_words),
                ),
            )
        )

    def _vector_pairs(
        self, reps_new: RDD, n_reps_new: int
    ) -> tuple[RDD, RDD, np.ndarray | None, RDD | None]:
        """The new representatives' vector candidates: pairs ``(i, j)`` (with a new end,
        and the past pairs a demoted vector's lists gained, :meth:`_searched`), updated
        reaches ``(idx, reach)``, the IVF centroids (None in exact mode) and the cells
        assigned now ``(idx, cells)`` (IVF only)."""
        new_items = reps_new.mapValues(lambda f: (f.vector, dict(f.keywords), f.n_words))
        past, n_past = self._searchable_past()
        # The vectors this run demotes: the past lists that looked at them are asked again.
        gone: RDD = self._demoted_vectors()
        centroids = self._search_centroids(reps_new, past, n_past + n_reps_new)
        if centroids is None:
            chunks = max(1, min(self.p, math.ceil(max(n_reps_new, 1) / 256)))  # query tasks
            members, new_cells = _exact_members(new_items, past, gone, chunks), None
        else:
            most = n_past + n_reps_new + self.n_merged  # a cell holds each vector once
            members, new_cells = self._ivf_members(new_items, past, gone, centroids, most)
        pairs, reach = self._searched(members)
        return pairs, reach, centroids, new_cells

    def _searchable_past(self) -> tuple[RDD, int]:
        """The past representatives still searched (``_past_vectors``, kept) and their
        number: the state's count less those merged away now, else counted."""
        stored = self.state.manifest.counts if self.state.manifest is not None else {}
        known_past = cast("int | None", stored.get("representatives"))
        if known_past is not None:
            known_past -= self.n_merged  # merged into an earlier group: no longer searched
        past = self._keep(self._past_vectors(known_past), large=True)
        n_past = known_past if known_past is not None else past.count()
        self.n_past_reps = n_past
        return past, n_past

    def _search_centroids(self, reps_new: RDD, past: RDD, n: int) -> np.ndarray | None:
        """The state's IVF centroids; fitted now (:meth:`_centroids`) when the ``n``
        representatives first outgrow exact search; None while they do not."""
        centroids = self.state.centroids()
        if centroids is None and n > self.exact_limit:
            new_vectors = reps_new.mapValues(lambda f: f.vector)
            centroids = self._centroids(new_vectors.union(past.mapValues(lambda v: v[0])))
        return centroids

    def _ivf_members(
        self, new_items: RDD, past: RDD, gone: RDD, centroids: np.ndarray, most: int
    ) -> tuple[RDD, RDD]:
        """:func:`search_cell`'s members keyed by cell path (a cell over the task bound
        split on the executors, as the job's cells: its members go to their nearest
        sub-cells, a list is asked in the nearest), and the cells assigned now ``(idx,
        cells)``: the new vectors' (stored ones do not change)."""
        shared = self.sc.broadcast(centroids.astype(np.float32))
        tagged: RDD = (
            new_items.map(lambda iv: ("new", (iv[0], (iv[1][0], 0.0, None, iv[1][1], iv[1][2]))))
            .union(past.map(lambda item: ("past", item)))
            .union(gone.map(lambda item: ("gone", item)))
        )
        placed = self._keep(tagged.mapPartitions(functools.partial(_placed, shared)))
        members = split_oversized(
            placed.flatMap(_cell_members), most, self.p, self.cell_size, self.task_bound,
            CELL_MEMBERS,
        )  # fmt: skip
        new_cells = placed.filter(lambda item: item[1][4] and item[1][0] != "gone").map(
            lambda item: (item[0], item[1][3])
        )
        return members, new_cells

    def _searched(self, members: RDD) -> tuple[RDD, RDD]:
        """Each cell searched (:func:`search_cell`): the distinct pairs with a new end,
        with the past pairs a demoted vector's lists gained that no day scored, and the
        updated reaches ``(idx, reach)``."""
        config, p, largest = self.config, self.p, self.largest
        flags = self.lone
        found = self._keep(
            members.groupByKey(p).flatMap(lambda item: search_cell(item, config, largest, flags))
        )
        pairs = found.filter(lambda kv: kv[0] == "pair").values()
        if self.merges is not None:
            again = found.filter(lambda kv: kv[0] == "past_pair").values()
            pairs = pairs.union(self._unscored(again.distinct(p)))
        reach = found.filter(lambda kv: kv[0] == "reach").values()
        return (stages.and_flags(pairs, p) if flags else pairs.distinct(p)), reach

    def _unscored(self, pairs: RDD) -> RDD:
        """The pairs ``(i, j)`` (``i < j``, past articles) not scored on an earlier day:
        the stored pairs are filtered by the candidates' keys (``i << 32 | j``), not
        shuffled."""
        from pyspark.sql import functions as F

        table = self._past_table("relations")
        if table is None:
            return pairs
        keyed = pairs.map(lambda ij: (ij[0] << 32 | ij[1], ij))
        wanted = self.spark.createDataFrame(keyed.keys().map(lambda k: (k,)), "key long")
        key = F.shiftleft(F.least("i", "j"), 32).bitwiseOR(F.greatest("i", "j")).alias("key")
        stored = self._semi(table.select(key), wanted, "key")
        return keyed.subtractByKey(stored.rdd.map(lambda r: (int(r.key), None)), self.p).values()

    def _centroids(self, vectors: RDD) -> np.ndarray:
        """Spherical k-means on a sample (one task), as the job's IVF cells; fixed from
        now on (stored in the state)."""
        n = vectors.count()
        k = max(2, min(MAX_CELLS, math.ceil(n / self.cell_size)))
        fraction = min(1.0, KMEANS_SAMPLE / max(n, 1))

        def kmeans_task(rows: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
            listed = list(rows)
            if listed:
                yield spherical_kmeans(np.vstack(listed).astype(np.float32), k)

        sample = vectors.sample(False, fraction, seed=17).values().coalesce(1)
        found = sample.mapPartitions(kmeans_task).collect()
        if not found:
            raise ValueError("no vectors to bucket")
        return cast(np.ndarray, found[0].astype(np.float16).astype(np.float32))

    # ---------------------------------------------------------------- scoring

    def _score(self, features: RDD, pairs: RDD) -> RDD:
        base = self.base
        pairs = self._keep(pairs)
        n_candidates = pairs.count()  # computed once here; bounds the past ends below
        wanted = pairs.flatMap(lambda t: [t[0], t[1]]).filter(lambda i: i < base).distinct()
        work = features.union(self._past_features(wanted, min(2 * n_candidates, base)))
        ranges = stages.IndexRanges(base + max(self.m, 1), self.p)
        return stages.score_pairs(stages.place(work, ranges), pairs, ranges, self.config, self.p)

    # --------------------------------------------------------------- grouping

    def _group_and_write(
        self,
        gen: Path,
        features: RDD,
        copy_of: RDD,
        scored: RDD,
        reach: RDD,
        cells: RDD | None,
    ) -> dict[str, Any]:
        """Re-cluster the touched components; write ``nodes`` and ``stories`` to ``gen``."""
        # Each edge says whether its pair are copies (the exclusive-names step's versions)
        # and, with rule AS, its score without the published-date cut.
        # With rule L, its floor flag (the pair's tag, stages.rep_tag).
        stay, lone = stages.stay_on(), self.lone
        new_edges = scored.filter(lambda kv: kv[1][1]).map(
            lambda kv: stages.grouping_edge(
                kv[0], kv[1][0], kv[1][2], stay, kv[1][1] == stages.FLOOR_ONLY if lone else None
            )
        )
        members = self._touched_members(new_edges)
        n_touched = members.count()  # bounds the keys below (and is one row an update)
        grouped = self._regroup(members, n_touched, new_edges, features, copy_of, stay, lone)
        # (group of the roundup, (its node, FoundRoundup in node ids)): a few a run.
        found = self._keep(
            grouped.filter(lambda kv: kv[1][1] is not None).map(
                lambda kv: (kv[1][0], (kv[0], kv[1][1]))
            )
        )
        n_found = found.count()
        self.cuts = self._cuts(found, n_found, members)
        self.spark.createDataFrame([(i,) for i in sorted(self.cuts)], "idx long").write.parquet(
            str(gen / "cuts.parquet")
        )
        rep_group = grouped.mapValues(lambda v: v[0])
        updates = self._keep(
            members.leftOuterJoin(rep_group, self.p).map(
                lambda kv: (kv[0], kv[1][0], kv[1][1] if kv[1][1] is not None else kv[0])
            )
        )  # (rep, comp, group) of every re-clustered representative
        nodes = self._updated_nodes(updates, n_touched, reach, cells, features, copy_of)
        return self._write_stories(gen, nodes, features, scored, found, n_found, n_touched)

    def _touched_members(self, new_edges: RDD) -> RDD:
        """``(rep, new component)`` of every representative, past and new, of a component
        that the new strong edges (or this run's merged copy groups) touch: computed and
        persisted."""
        from samestory.spark.graph import connected_components

        config, base, p = self.config, self.base, self.p
        same, attach = config.same_story_threshold, config.attach_threshold
        bar = same if attach is None else min(same, attach)
        # (rule AS: an edge reaches a component at its uncut score, stages.edge_reach)
        strong = new_edges.filter(lambda e: stages.edge_reach(e) >= bar).map(lambda e: (e[0], e[1]))
        ends = strong.flatMap(lambda e: list(e)).filter(lambda i: i < base)
        past_reps = self._past_reps()
        ends_comp: RDD = (
            self.sc.emptyRDD()
            if past_reps is None
            else self._semi(
                past_reps.select("idx", "comp"), self._idx_frame(ends), "idx", most=2 * self.n_pairs
            ).rdd.map(lambda r: (int(r.idx), int(r.comp)))
        )  # (past end of a new strong edge, its stored component)
        if self.merges is not None:
            # Merged copy groups: both representatives' components are re-clustered as
            # one (a superset of the components left once the later one's edges go).
            ends_comp = ends_comp.union(self._merged_comps())
            strong = strong.union(self.merges.rdd.map(lambda r: (int(r.idx), int(r.rep))))
        ends_comp = self._keep(ends_comp)
        links = strong.union(
            ends_comp.filter(lambda kv: kv[0] != kv[1]).map(lambda kv: (kv[1], kv[0]))
        )
        # (node, new component); links: the new strong edges and one per their past ends
        # (and one per merged group and two per its representatives)
        bound = self.n_pairs + self.n_merged
        merged = self._keep(connected_components(links, p, most_edges=3 * bound))
        touched_old = ends_comp.values().distinct(p).map(lambda c: (c, None))
        new_comp_of_old = touched_old.join(merged, p).mapValues(lambda v: v[1])  # old comp -> new
        past_members: RDD = (
            self.sc.emptyRDD()
            if past_reps is None
            else self._semi(
                past_reps.select("idx", "comp"),
                self._idx_frame(ends_comp.values(), "comp"),
                "comp",
                most=2 * bound,
            )
            .rdd.map(lambda r: (int(r.comp), int(r.idx)))
            .join(new_comp_of_old, p)
            .values()
        )
        new_members = merged.filter(lambda kv: kv[0] >= base)
        return self._keep(past_members.union(new_members).distinct(p))  # type: ignore[no-any-return]

    def _past_reps(self) -> DataFrame | None:
        """The stored rows of the current past representatives (None: no past)."""
        if self.nodes is None:
            return None
        return self._without_demoted(self.nodes.where("idx = rep"), "idx")

    def _regroup(
        self,
        members: RDD,
        n_touched: int,
        new_edges: RDD,
        features: RDD,
        copy_of: RDD,
        stay: bool = False,
        lone: bool = False,
    ) -> RDD:
        """:func:`stages.cluster_components` over the touched components' stored and new
        edges, with the roundup rule: ``(rep, (group, FoundRoundup or None))``, computed
        and persisted (released with the run). ``stay`` (rule AS): the edges carry their
        uncut scores (the stored ones read from their evidence) and the views each copy
        group's shortness (:meth:`_shortness`). ``lone`` (rule L): the edges carry their
        floor flags too (the stored ones from the days' ``floor_pairs``,
        :meth:`_with_floor_flags`), and the views the shortness."""
        base = self.base
        past_edges_table = self._past_table("relations")
        past_edges = (
            self.sc.emptyRDD()
            if past_edges_table is None
            else self._without_demoted(
                self._semi(
                    past_edges_table.where("rep_pair").select(
                        "i", "j", "score", "kind", "evidence_json", *(("a", "b") if stay else ())
                    ),
                    self._idx_frame(members.keys(), "i"),
                    "i",
                    most=n_touched,
                ),
                "j",
            ).rdd.map(functools.partial(_past_edge, stay))
        )
        if lone:
            past_edges = self._with_floor_flags(past_edges, stay)
        stored_pairs = sum(parquet_rows(path) for path in self.state.part_paths("relations"))
        # The roundup rule reads the members' name views: the new articles' made in
        # place, the past members' from their stored features (the vectors not read).
        views = features.mapValues(name_view).union(
            self._past_views(members.keys().filter(lambda i: i < base), n_touched)
        )
        if stay or lone:
            views = views.join(self._shortness(members, n_touched, features, copy_of))
        grouped = stages.cluster_components(
            past_edges.union(new_edges),
            self.config.same_story_threshold,
            self.config.attach_threshold,
            self.p,
            most_edges=stored_pairs + self.n_pairs,
            views=views,
            stay=stay,
            lone=lone,
        )  # computed and persisted: released with the rest
        self.persisted.append(grouped)
        return grouped

    def _with_floor_flags(self, edges: RDD, stay: bool) -> RDD:
        """Rule L: stored edges (:func:`_past_edge`) as :func:`stages.grouping_edge` makes
        them with the flag: ``(i, j, score, copy?, uncut, floor)``, ``uncut`` the score
        itself without ``stay``, ``floor`` whether the pair is in a day's ``floor_pairs``
        (a day run with the switch off wrote none: its pairs read as firm)."""
        paths = [path for path in self.state.part_paths("floor_pairs") if Path(path).exists()]
        keyed = edges.map(lambda e: ((e[0], e[1]), e))
        if paths:
            floor = self.spark.read.parquet(*paths).rdd.map(lambda r: ((int(r.i), int(r.j)), True))
            flagged = keyed.leftOuterJoin(floor, self.p).values()
        else:
            flagged = keyed.values().map(lambda e: (e, None))
        return flagged.map(lambda v: (*v[0][:4], v[0][4] if stay else v[0][2], bool(v[1])))

    def _updated_nodes(
        self,
        updates: RDD,
        n_touched: int,
        reach: RDD,
        cells: RDD | None,
        features: RDD,
        copy_of: RDD,
    ) -> DataFrame:
        """The nodes table, updated (persisted): the new articles' rows added, past rows
        re-grouped through their representative (``updates``: ``(rep, comp, group)``),
        new reaches and cells; ``touched`` (new or re-clustered) and ``head`` (a past
        group's oldest article, before the update) flag the rows for the rebuild."""
        from pyspark.sql import functions as F

        base = self.base
        upd_df = self._broadcast_if(
            self.spark.createDataFrame(updates, "rep long, comp_new long, grp_new long"),
            n_touched,
        )
        nodes = self._old_rows().unionByName(self._new_rows(features, copy_of))
        nodes = (
            nodes.join(upd_df, "rep", "left")
            .join(self._reach_and_cells_frame(reach, cells), "idx", "left")
            .withColumn(
                "comp",
                F.when(F.col("idx") == F.col("rep"), F.coalesce("comp_new", "comp")).otherwise(
                    F.col("comp")
                ),
            )
        )
        # A copy's group is its representative's: a re-clustered representative's new
        # group reaches its copies through the join on ``rep`` above; a new copy of an
        # untouched past representative takes that one's stored group, a new copy of an
        # untouched new representative the representative itself.
        rep_grp = self._broadcast_if(self._past_groups_of_reps(copy_of), self.n_copies)
        own_rep = F.when(F.col("rep") >= base, F.col("rep")).otherwise(F.col("rep_grp"))
        nodes = (
            nodes.join(rep_grp, "rep", "left")
            .withColumn("touched", F.col("new") | F.col("grp_new").isNotNull())
            .withColumn("head", ~F.col("new") & (F.col("idx") == F.col("grp")))
            .withColumn(
                "grp",
                F.coalesce(
                    "grp_new",
                    F.when(F.col("new") & (F.col("idx") != F.col("rep")), own_rep),
                    "grp",
                ),
            )
            .withColumn("reach", F.coalesce("reach_new", "reach"))
            .withColumn("cells", F.coalesce("cells_new", "cells"))
            .drop("comp_new", "grp_new", "reach_new", "cells_new", "rep_grp")
        )
        nodes = nodes.persist()
        self.persisted.append(nodes)
        return nodes

    def _reach_and_cells_frame(self, reach: RDD, cells: RDD | None) -> DataFrame:
        """``(idx, reach_new, cells_new)``: the new reaches and cells in one table (one
        broadcast, one join), one row a representative at most: no count needed to bound
        it. Each side fills one half of (reach, cells); _reach_and_cells merges them."""
        per_idx: RDD = reach.map(lambda kv: (int(kv[0]), (float(kv[1]), None)))
        if cells is not None:
            per_idx = per_idx.union(
                cells.map(lambda kv: (int(kv[0]), (None, [int(c) for c in kv[1]])))
            )
        per_idx = self._keep(per_idx.reduceByKey(_reach_and_cells, self.p))
        return self._broadcast_if(
            self.spark.createDataFrame(
                per_idx.map(lambda kv: (kv[0], *kv[1])),
                "idx long, reach_new double, cells_new array<int>",
            ),
            self.n_past_reps + self.n_reps_new,
        )

    def _new_rows(self, features: RDD, copy_of: RDD) -> DataFrame:
        """The new articles' rows of the nodes table (``new``), each its own component
        and group until the updates join; a copy's ``rep`` its representative."""
        from pyspark.sql import functions as F

        new_rows: RDD = features.mapValues(lambda f: (f.id, f.fingerprint)).leftOuterJoin(
            copy_of, self.p
        )
        return self.spark.createDataFrame(
            new_rows.map(
                lambda kv: (
                    kv[0],
                    kv[1][0][0],
                    kv[1][0][1],
                    kv[1][1] if kv[1][1] is not None else kv[0],
                )
            ),
            "idx long, id string, fingerprint string, rep long",
        ).select(
            "*",
            F.col("idx").alias("comp"),
            F.col("idx").alias("grp"),
            F.lit(None).cast("string").alias("story_id"),
            F.lit(None).cast("double").alias("reach"),
            F.lit(None).cast("array<int>").alias("cells"),
            F.lit(True).alias("new"),
        )

    def _old_rows(self) -> DataFrame:
        """The stored rows of the nodes table (not ``new``; none for a new state), a
        group merged this run following its earlier representative."""
        from pyspark.sql import functions as F

        old_df = (
            self.nodes.select("*", F.lit(False).alias("new"))
            if self.nodes is not None
            else self.spark.createDataFrame([], self.schemas["nodes"]).select(
                "*", F.lit(False).alias("new")
            )
        )
        if self.merges is not None:  # a merged group's articles follow its earlier rep
            moved = self._broadcast_if(self.merges.toDF("rep", "rep_merged"), self.n_merged)
            old_df = (
                old_df.join(moved, "rep", "left")
                .withColumn("rep", F.coalesce("rep_merged", "rep"))
                .drop("rep_merged")
            )
        return old_df

    def _write_stories(
        self,
        gen: Path,
        nodes: DataFrame,
        features: RDD,
        scored: RDD,
        found: RDD,
        n_found: int,
        n_touched: int,
    ) -> dict[str, Any]:
        """Rebuild the changed groups' stories; write ``stories``, ``nodes`` (with the
        stories' ids) and ``demoted`` to ``gen``; the group phase's counts."""
        from pyspark.sql import functions as F

        changed = nodes.where("touched").select("grp").distinct()
        # A changed group holds a new article or a re-clustered one.
        in_changed = self._semi(nodes, changed, "grp", most=self.m + n_touched).persist()
        self.persisted.append(in_changed)
        story_rows, n_rebuilt = self._rebuilt_rows(in_changed, features, scored)
        kept = self._kept_stories(in_changed, n_touched)
        story_df = self._fresh_ids(story_rows, kept, n_rebuilt)
        story_df = self._with_roundups(story_df, found, n_found, nodes, n_touched).persist()
        self.persisted.append(story_df)
        fields = self.schemas["stories"].fieldNames()
        all_stories = story_df.select(*fields)
        if kept is not None:
            all_stories = kept.select(*fields).unionByName(all_stories)
        all_stories.write.mode("overwrite").parquet(str(gen / "stories.parquet"))
        ids = self._broadcast_if(
            story_df.select("grp", F.col("story_id").alias("story_new")), n_rebuilt
        )
        final = (
            nodes.join(ids, "grp", "left")
            .withColumn("story_id", F.coalesce("story_new", "story_id"))
            .select(*self.schemas["nodes"].fieldNames())
        )
        final.write.mode("overwrite").parquet(str(gen / "nodes.parquet"))
        if self.demoted is not None:  # carried to the next generation, reps now current
            written = self.spark.read.parquet(str(gen / "nodes.parquet")).select("idx", "rep")
            self._semi(written, self.demoted, "idx", most=self.n_demoted).write.parquet(
                str(gen / "demoted.parquet")
            )
        total = (
            self.spark.read.parquet(str(gen / "stories.parquet"))
            .select(F.sum(F.size("roundups")))
            .first()
        )  # the flags of every story, kept or rebuilt
        return {
            "touched_representatives": n_touched,
            "stories_rebuilt": n_rebuilt,
            "stories": parquet_rows(gen / "stories.parquet"),
            "roundups": int(total[0] or 0) if total is not None else 0,
            "roundups_found": n_found,
        }

    def _rebuilt_rows(
        self, in_changed: DataFrame, features: RDD, scored: RDD
    ) -> tuple[DataFrame, int]:
        """The changed groups' story rows (:meth:`_rebuild`) as a persisted table, and
        their number."""
        stories = self._rebuild(in_changed, features, scored)  # (grp, story row)
        # Built once (the rebuild is the group phase's heaviest lineage; its rows are read
        # three times by the id check) and counted: the count bounds the check's keys.
        story_rows = self.spark.createDataFrame(
            stories,
            "grp long, story_id string, title string, first string, "
            "article_ids array<string>, size int, kept boolean, first_date string",
        ).persist()
        self.persisted.append(story_rows)
        return story_rows, story_rows.count()

    def _kept_stories(self, in_changed: DataFrame, n_touched: int) -> DataFrame | None:
        """The stored stories that no changed group holds a member of (None: no past)."""
        if not self.has_past:
            return None
        removed = in_changed.where("story_id IS NOT NULL").select("story_id").distinct()
        return self._semi(
            self.spark.read.parquet(self.state.table_path("stories")),
            removed,
            "story_id",
            "left_anti",
            key_bytes=_STORY_ID_BYTES,
            # a changed group's past stories: its untouched members' (one a group)
            # and its re-clustered members' (one a re-clustered representative)
            most=self.m + 2 * n_touched,
        )

    def _cuts(self, found: RDD, n_found: int, members: RDD) -> frozenset[int]:
        """The roundups the grouping cut (their indices: a few an input): the stored ones
        outside the components re-clustered now (``members``: ``(rep, component)``), and
        those the re-clustering found."""
        now = (
            found.filter(lambda kv: kv[1][1].cut).map(lambda kv: kv[1][0]).collect()
            if n_found
            else []
        )
        stored: set[int] = set()
        if self.has_past:
            table = self.spark.read.parquet(self.state.table_path("cuts"))
            stored = {int(row.idx) for row in table.collect()}
        if stored:
            regrouped = members.keys().filter(lambda i: i in stored).collect()
            stored.difference_update(regrouped)
        return frozenset(stored.union(now))

    def _with_roundups(
        self, stories: DataFrame, found: RDD, n_found: int, nodes: DataFrame, n_touched: int
    ) -> DataFrame:
        """The rebuilt ``stories`` (``grp``, final ``story_id``, ...) with their
        ``roundups`` column: the flags found in the re-clustered components (``found``:
        ``(group, (node, FoundRoundup))``, its parts' sides groups), named by the
        stories' ids as the job names them. A roundup's partners are in its component
        and a touched component is re-clustered whole, so every story a flag names is
        rebuilt here, and an untouched story's stored flags stay valid."""
        from pyspark.sql import functions as F
        from pyspark.sql import types as T

        column = roundups_type()
        if n_found == 0:  # the usual day: no shuffle for the flags
            return stories.withColumn("roundups", F.from_json(F.lit("[]"), column))
        p = self.p
        ids = stories.select("grp", "story_id").rdd.map(lambda r: (int(r.grp), r.story_id))
        at_node = found.map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))  # (node, (group, f))
        article = self._semi(
            nodes.select("idx", "id"), self._idx_frame(at_node.keys()), "idx", most=n_touched
        ).rdd.map(lambda r: (int(r.idx), r.id))
        named = at_node.join(article, p).map(lambda kv: (kv[1][0][0], (kv[1][1], kv[1][0][1])))
        built = (
            named.join(ids, p)
            .map(lambda kv: ("roundup", (kv[1][1], kv[1][0][0], kv[1][0][1])))
            .union(ids.map(lambda gs: ("group", gs)))
        )
        rows = _roundup_flags(built, p).groupByKey(p).mapValues(_roundup_rows)
        flags = self.spark.createDataFrame(
            rows,
            T.StructType(
                [
                    T.StructField("story_id", T.StringType(), False),
                    T.StructField("roundups", column, False),
                ]
            ),
        )
        return stories.join(flags, "story_id", "left").withColumn(
            "roundups", F.coalesce("roundups", F.from_json(F.lit("[]"), column))
        )

    def _past_groups_of_reps(self, copy_of: RDD) -> DataFrame:
        """``(rep, rep_grp)``: the stored group of each past representative that a new
        copy joined (read for those only, not for the whole past)."""
        frame = "rep long, rep_grp long"
        if self.nodes is None:
            return self.spark.createDataFrame([], frame)
        base = self.base
        wanted = self._idx_frame(copy_of.values().filter(lambda r: r < base), "idx")
        return self._semi(
            self.nodes.where("idx = rep").select("idx", "grp"), wanted, "idx", most=self.n_copies
        ).toDF("rep", "rep_grp")

    def _rebuild(self, in_changed: DataFrame, features: RDD, scored: RDD) -> RDD:
        """``(grp, story_id, title, first, article_ids, size, kept, first_date)`` of each
        changed group, its id kept from the past story whose oldest article it holds (the
        oldest; ``kept``), ``first_date`` its first version's (ISO, None: undated)."""
        base, p = self.base, self.p
        grp_of = in_changed.select("idx", "grp").rdd.map(lambda r: (int(r.idx), int(r.grp)))
        grp_of = self._keep(grp_of)
        slim_new = features.mapValues(lambda f: stages.slim(f))
        slim_past: RDD = self.sc.emptyRDD()
        table = self._past_table("features")
        # The past members of the changed groups: counted once for both reads below.
        past_in = in_changed.where(f"idx < {base}").select("idx").persist()
        self.persisted.append(past_in)
        n_past_in = past_in.count() if table is not None else 0
        if table is not None:
            slim_past = self._semi(
                table.select("idx", "slim_json"), past_in, "idx", most=n_past_in
            ).rdd.map(lambda r: (int(r.idx), slim_features(r.slim_json)))
        members = grp_of.join(slim_new.union(slim_past), p).map(
            lambda kv: (kv[1][0], (kv[0], (kv[1][1],)))
        )
        new_rel = scored.map(lambda kv: (kv[0], (kv[1][0], kv[1][2])))
        past_rel: RDD = self.sc.emptyRDD()
        rel_table = self._past_table("relations")
        if rel_table is not None:
            past_rel = self._without_demoted(
                self._semi(
                    rel_table.where("kind IS NOT NULL"),
                    past_in.select(_idx_as_i()),
                    "i",
                    most=n_past_in,
                ),
                "i",
                "j",
            ).rdd.map(lambda r: (int(r.i), (int(r.j), relation_of(r))))
        same = new_rel.union(past_rel).filter(lambda kv: kv[1][1].same_story)
        # A relation goes to the group of its first end (one join, not one an end); the
        # group keeps those whose other end is one of its members.
        by_i = same.join(grp_of, p).map(lambda kv: (kv[1][1], ((kv[0], kv[1][0][0]), kv[1][0][1])))
        # A past story's oldest article: the smallest index among its members, which
        # is its stored group id (a group is named by its smallest member), flagged
        # ``head`` before the groups were updated (no second pass over the past).
        heads = (
            in_changed.where("head AND story_id IS NOT NULL")
            .select("grp", "idx", "story_id")
            .rdd.map(lambda r: (int(r.grp), (int(r.idx), r.story_id)))
        )

        def build(item: tuple[int, Any]) -> Iterator[tuple[Any, ...]]:
            g, (listed, relations, heads_of) = item
            members_of = list(listed)
            inside = {idx for idx, _ in members_of}
            kept = [rel for rel in relations if rel[0][1] in inside]
            head = min(heads_of, default=None)
            date_of = {m[0].id: m[0].date for _, m in members_of}
            for kind, story in stages.story_of_group((g, (members_of, kept))):
                if kind == "story":
                    sid = story.id if head is None else head[1]
                    first_date = date_of[story.first]
                    yield (
                        g,
                        sid,
                        story.title,
                        story.first,
                        list(story.articles),
                        len(story.articles),
                        head is not None,
                        None if first_date is None else first_date.isoformat(),
                    )

        # Members, relations and past heads meet in one shuffle.
        return members.groupWith(by_i, heads).flatMap(build)

    def _fresh_ids(self, stories: DataFrame, kept: DataFrame | None, n_stories: int) -> DataFrame:
        """A new id (from the first version) that a kept story already has, untouched
        or rebuilt, becomes ``story_id(first#group)``."""
        from pyspark.sql import functions as F

        taken = stories.where("kept").select("story_id")
        if kept is not None:
            taken = taken.unionByName(kept.select("story_id"))
        fresh = stories.where(~F.col("kept")).select(F.col("story_id").alias("taken"))
        # Only the taken ids among the fresh ones (the past's ids are scanned, not moved).
        taken = self._semi(
            taken.select(F.col("story_id").alias("taken")),
            fresh,
            "taken",
            key_bytes=_STORY_ID_BYTES,
            most=n_stories,
        )
        taken = taken.distinct().select("taken", F.lit(True).alias("clash"))
        out = stories.join(taken, stories["story_id"] == taken["taken"], "left")
        salted = F.concat(F.col("first"), F.lit("#"), F.col("grp").cast("string"))
        suffixed = F.concat(F.lit("s-"), F.substring(F.sha1(salted), 1, 12))
        clash = F.col("clash").isNotNull() & ~F.col("kept")
        return out.withColumn(
            "story_id", F.when(clash, suffixed).otherwise(F.col("story_id"))
        ).drop("taken", "clash", "kept")

    # ------------------------------------------------------------------ writes

    def _write_parts(self, part: Path, features: RDD, copy_of: RDD, scored: RDD) -> None:
        """The run's immutable part: new features, their band keys, the scored pairs."""
        config = self.config
        schemas = self.schemas
        self.spark.createDataFrame(
            features.map(lambda kf: feature_row(kf[0], kf[1])), schemas["features"]
        ).write.parquet(str(part / "features.parquet"))
        bands, rows = stages.lsh_params(config)
        # The band keys meet the copies' representatives, not the features (~20 KB an
        # article: joining those shuffled every article's features once more).
        keys_of = features.mapValues(
            lambda f: [key for key, _ in stages.band_keys((0, f), bands, rows)]
        )

        def keys(item: tuple[int, Any]) -> Iterator[tuple[Any, ...]]:
            i, (listed, rep) = item
            for band, key in listed:
                yield band, bytearray(key), i, i if rep is None else rep

        self.spark.createDataFrame(
            keys_of.leftOuterJoin(copy_of, self.p).flatMap(keys), schemas["bands"]
        ).write.parquet(str(part / "bands.parquet"))
        self.spark.createDataFrame(
            scored.map(lambda kv: relation_row(kv[0], kv[1][0], kv[1][1], kv[1][2])),
            schemas["relations"],
        ).write.parquet(str(part / "relations.parquet"))
        if self.lone:  # rule L: the pairs only the short-text floor proposed
            self.spark.createDataFrame(
                scored.filter(lambda kv: kv[1][1] == stages.FLOOR_ONLY).map(
                    lambda kv: (kv[0], kv[1][0])
                ),
                "i long, j long",
            ).write.parquet(str(part / "floor_pairs.parquet"))

    def _write_output(self, out: Path, part: Path, gen: Path) -> None:
        """``stories`` (with their threads), ``assignments`` and ``relations`` of every
        day, as the job writes them."""
        from pyspark.sql import functions as F

        stories = self.spark.read.parquet(str(gen / "stories.parquet"))
        # A story in no thread with others is its own: threads.thread_id of its id.
        own = F.concat(F.lit("t-"), F.substring(F.sha1(F.col("story_id")), 1, 12))
        threaded = stories.drop("grp", "first_date").join(
            self._threads(part, gen), "story_id", "left"
        )
        threaded.withColumn("thread", F.coalesce("thread", own)).orderBy(
            F.desc("size"), "first"
        ).write.mode("overwrite").parquet(str(out / "stories.parquet"))
        nodes = self.spark.read.parquet(str(gen / "nodes.parquet"))
        nodes.select(F.col("id").alias("article_id"), "story_id").write.mode("overwrite").parquet(
            str(out / "assignments.parquet")
        )
        paths = [*self.state.part_paths("relations"), str(part / "relations.parquet")]
        # A former representative's pairs are not the full rerun's (its copies are
        # scored against the merged group's representative instead).
        self._without_demoted(self.spark.read.parquet(*paths), "i", "j").select(
            "a", "b", "kind", "score", "evidence_json"
        ).write.mode("overwrite").parquet(str(out / "relations.parquet"))

    def _threads(self, part: Path, gen: Path) -> DataFrame:
        """``(story_id, thread)`` of the stories in a thread with others, every day's
        stories threaded again as the job threads them (:func:`stages.story_threads`):
        from the stored representative pairs (this run's part included, a demoted
        representative's left out), the groups of the new generation, the stories' first
        dates and the roundups the grouping cut. The pairs are read whole, as the output
        copies them; only the texts of undated pairs between stories are read back
        (their thread probability takes the stories' gap)."""

        nodes = self.spark.read.parquet(str(gen / "nodes.parquet"))
        group_of = nodes.where("idx = rep").select("idx", "grp").rdd.map(tuple)
        paths = [*self.state.part_paths("relations"), str(part / "relations.parquet")]
        pairs = self._without_demoted(self.spark.read.parquet(*paths).where("rep_pair"), "i", "j")
        scored = pairs.rdd.map(lambda r: (int(r.i), (int(r.j), True, relation_of(r))))
        ranges = stages.IndexRanges(self.base + max(self.m, 1), self.p)
        inputs = stages.ThreadInputs(
            scored,
            group_of,
            self.sc.emptyRDD(),
            self._stored_views(part),
            ranges,
            self.p,
            self.cuts,
        )
        stories = self.spark.read.parquet(str(gen / "stories.parquet"))
        firsts = stories.select("grp", "story_id", "first_date").rdd.map(
            lambda r: (int(r.grp), (r.story_id, r.first_date))
        )
        threads = self._keep(stages.story_threads(inputs, firsts))
        return self.spark.createDataFrame(threads, "story_id string, thread string")

    def _stored_views(self, part: Path) -> Callable[[RDD], RDD]:
        """:attr:`stages.ThreadInputs.views` of the state: the wanted articles'
        :func:`stages.thread_view` decoded from every part's features (this run's too),
        the vectors not read."""
        paths = [*self.state.part_paths("features"), str(part / "features.parquet")]

        def views_of(ends: RDD) -> RDD:
            table = self.spark.read.parquet(*paths).select("idx", "doc_json", "minhash")
            rows = self._semi(table, self._idx_frame(ends.keys()), "idx")
            return rows.rdd.map(
                lambda r: (
                    int(r.idx),
                    stages.thread_view(decode_features(r.doc_json, b"", b"", bytes(r.minhash))),
                )
            )

        return views_of


def _day_of_iso(date: str | None, from_text: str | None) -> int | None:
    """The day number (:func:`~samestory.candidates.day_number`) of a stored ISO date and
    its ``date_from_text`` (``doc_json``'s, as JSON text)."""
    return day_number(dt.date.fromisoformat(date) if date else None, from_text == "true")


@dataclasses.dataclass(frozen=True)
class _Light:
    """What candidate search needs of a representative: its vector and signature."""

    id: str
    vector: np.ndarray
    hashvalues: np.ndarray
    n_shingles: int
    keywords: tuple[tuple[int, float], ...]
    day: int | None = None  # candidates.day_number of its date (the same-days route)
    n_words: int | None = None  # its vector floor's (candidates.vector_floor)

    @classmethod
    def of(cls, f: DocFeatures) -> _Light:
        words = tuple(keywords(f).items())
        hashvalues = np.asarray(f.minhash.hashvalues)
        return cls(f.id, f.vector, hashvalues, f.n_shingles, words, route_day(f), f.n_words)

    def dated_entries(
        self, idx: int
    ) -> Iterator[tuple[int, tuple[int, float, int, str, int | None]]]:
        """``(word, (rank, weight, idx, id, day))`` as :func:`stages._dated_entries`."""
        for rank, (word, weight) in enumerate(self.keywords):
            yield word, (rank, weight, idx, self.id, self.day)

    def keyword_entries(self, idx: int) -> Iterator[tuple[int, tuple[int, float, int, str]]]:
        """``(word, (rank, weight, idx, id))`` as :func:`stages._keyword_entries`."""
        for rank, (word, weight) in enumerate(self.keywords):
            yield word, (rank, weight, idx, self.id)

    def band_keys(self, idx: int, bands: int, rows: int) -> Iterator[tuple[Any, int]]:
        if not self.n_shingles:  # as the job: empty signatures have no bucket
            return
        for key in copy_stage.band_keys(self.hashvalues, bands, rows):
            yield key, idx


_FRESH, _KNOWN, _REPEATED = 0, 1, 2  # what the input says of an id (see _arrivals_of_id)


def _indexed(rdd: RDD) -> tuple[RDD, int]:
    """``(value, position)`` of ``rdd``'s values, and their number: ``zipWithIndex``
    whose one counting job also gives the total (no second ``count``)."""
    sizes = rdd.mapPartitions(lambda items: [sum(1 for _ in items)]).collect()
    starts = list(itertools.accumulate([0, *sizes[:-1]]))

    def number(part: int, items: Iterable[Any]) -> Iterator[tuple[Any, int]]:
        return ((value, k) for k, value in enumerate(items, starts[part]))

    return rdd.mapPartitionsWithIndex(number), sum(sizes)


def _arrivals_of_id(item: tuple[str, Iterable[Any]]) -> Iterator[tuple[int, tuple[int, Any]]]:
    """``(row, (kind, article))`` for one id: the input's ``(row, Article)`` values and
    a None for each past article with that id. Fresh: the article (once in the input,
    not in the state); known: the row of an id the state holds; repeated: the first row
    of an id the input holds twice (no article)."""
    _, values = item
    listed = list(values)
    arrived = sorted(v for v in listed if v is not None)
    if not arrived:
        return  # a past id whose 64-bit hash only collided with a day's id
    if len(arrived) > 1:
        yield arrived[0][0], (_REPEATED, None)
    elif len(arrived) < len(listed):
        yield arrived[0][0], (_KNOWN, None)
    else:
        yield arrived[0][0], (_FRESH, arrived[0][1])


def _copy_kinds(items: Iterable[tuple[int, int]], base: int) -> list[int]:
    """``[new copies, merged past representatives]`` among one partition's
    ``(node, component)`` rows (the two counted in one job)."""
    counts = [0, 0]
    for node, component in items:
        if node != component:
            counts[0 if node >= base else 1] += 1
    return counts


def _row_range(per_part: int, row: int) -> int:
    return row // per_part


def _kind_counts(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[list[int]]:
    counts = [0, 0, 0]
    for _, (kind, _) in items:
        counts[kind] += 1
    yield counts


def _reach_and_cells(a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
    """Merge two ``(reach, cells)`` updates of one article: the largest reach (its list
    was asked in several cells), the cells given."""
    reaches = [r for r in (a[0], b[0]) if r is not None]
    return (max(reaches) if reaches else None, a[1] if a[1] is not None else b[1])


def _idx_as_i() -> Any:
    from pyspark.sql import functions as F

    return F.col("idx").alias("i")


def _new_copy_edges(
    listed: Iterable[tuple[int, int, DocFeatures]], base: int, config: Config
) -> Iterator[tuple[int, int]]:
    """Copy edges of one band bucket holding new articles: each new member (in index
    order) verified against the earlier members not yet in its group, as the job does;
    past members already in one copy group start joined, and an edge to a past member
    goes to its representative."""
    members = sorted({m[0]: m for m in listed}.values(), key=lambda m: m[0])
    sets = DisjointSets(len(members))
    first_of: dict[int, int] = {}
    for k, (i, rep, _) in enumerate(members):
        if i < base:
            if rep in first_of:
                sets.union(first_of[rep], k)
            else:
                first_of[rep] = k
    for b, (j, _, f_b) in enumerate(members):
        if j < base:
            continue
        earlier = range(b) if len(members) <= stages.BUCKET_VERIFY_LIMIT else range(min(b, 1))
        for a in earlier:
            i, rep, f_a = members[a]
            if sets.find(a) != sets.find(b) and is_copy(f_a, f_b, config):
                sets.union(a, b)
                yield (rep if i < base else i), j
