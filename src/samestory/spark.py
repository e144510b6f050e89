"""The samestory pipeline on PySpark: the same stories as :func:`samestory.api.cluster`.

``python -m samestory.spark INPUT OUTPUT [--master local[2]]`` reads Parquet or JSON
Lines (a file, or a directory of part files) with an ``id`` and a ``text`` column and
optional ``title``/``date``/``source``/``url``/``lang`` columns, and writes

- ``OUTPUT/stories.parquet``: ``story_id, title, first, article_ids, size``;
- ``OUTPUT/relations.parquet``: ``a, b, kind, score, evidence_json``, one row per scored
  candidate pair (as :attr:`samestory.api.Analysis.relations`: ``a`` is the pair's
  earlier input row, ``kind`` null when the pair is not the same story);
- ``OUTPUT/assignments.parquet``: ``article_id, story_id``.

How each stage is distributed
-----------------------------
Every record gets its input row number ``idx`` (``zipWithIndex``), which plays the role
of the position in the local engine's article list and breaks every tie the same way.

1. **Features** (``mapPartitions``): rows are partitioned by ``idx // FEATURE_BATCH``,
   so each task encodes exactly the batch :func:`samestory.api.featurize_all` encodes
   (the sentence encoder's floating-point output depends slightly on the batch it is
   run in; aligned batches make the features bit-identical to the local run). The
   encoder is loaded once per Python worker (``encoder_for`` is cached and Spark
   reuses workers). Features stay in a cached RDD of picklable ``DocFeatures``.
2. **Copies** (as :func:`samestory.candidates.copy_groups`): fingerprint groups and
   LSH buckets propose pairs, :func:`~samestory.relate.is_copy` verifies them on the
   executors, and only the verified ``(i, j)`` list reaches the driver for union-find.
   Every later stage runs on the representatives (plus one copy relation per copy).
   **Candidates** among representatives, three sources unioned, as in
   :mod:`samestory.candidates`:

   a. exact fingerprint: group by fingerprint, all pairs in a group;
   b. MinHash-LSH banding: the ``(b, r)`` that datasketch's ``MinHashLSH`` picks for
      ``lsh_threshold``/``num_perm``; each article emits ``(band, hashvalues[band])``
      keys, group by key, all pairs in a bucket: the same pairs as the local index;
   c. vector neighbours by a blocked self-join: articles are cut into blocks of
      ``VECTOR_BLOCK`` rows, every block pair is scored with NumPy (cartesian of
      blocks, cost ``O(n²)`` in total, ``O(VECTOR_BLOCK²)`` per task), each task keeps
      every row's top ``k = (ann_neighbours + 1) · EXPANSION · TWIN_SEARCH_FACTOR`` by
      ``(-cosine, idx)`` and a ``reduceByKey`` merges them into the global top ``k``;
      each neighbour's vector is joined in and the neighbours are picked from that list
      by :func:`samestory.candidates.select_neighbours`, the local engine's rule
      (near-twins skipped over, saturated lists widened); the article itself is dropped. Up to
      ``EXACT_SEARCH_LIMIT`` articles the cosines are computed row by row
      (matrix-vector products, bit-identical to the local exact search), so the pairs
      are exactly the local ones. Above it the local
      engine switches to a usearch HNSW graph (approximate); the Spark path stays exact
      (block matrix products): it proposes the true top ``k``, at ``O(n²)`` cost, which
      can differ slightly from what HNSW finds.
3. **Scoring** (``mapPartitions``): each pair is joined to both sides' features and
   scored with :func:`samestory.relate.relate` (``a`` = lower ``idx``, as locally).
   The joins ship each article's features once per candidate pair it is part of, so
   shuffle volume is about ``2 · pairs · feature size`` (sentence vectors dominate:
   up to ``max_sentences × 512`` float32 per article).
4. **Grouping**: average linkage is not decomposable (a merge depends on every edge
   between the two groups, and merges change later linkages), so the scored edges,
   ``(i, j, score)`` only, are collected and clustered with
   :func:`samestory.stories.average_link` on the driver. The corpus is never collected:
   only ``O(pairs)`` numbers.
5. **Stories and provenance**: the index → group map is broadcast; features and
   same-story relations are grouped by story (``cogroup``) and each story is built with
   :func:`samestory.api.make_story` on its members in a task (members and relations in
   the local order), so the result equals :func:`samestory.api.build_stories`.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from samestory.api import FEATURE_BATCH, make_story
from samestory.candidates import (
    EXACT_SEARCH_LIMIT,
    EXPANSION,
    SATURATED_COSINE,
    TWIN_SEARCH_FACTOR,
    select_neighbours,
)
from samestory.config import DEFAULT_CONFIG, ENCODERS, Config
from samestory.dates import parse_date
from samestory.features import DocFeatures
from samestory.ingest._common import SkipError, clean_text, norm_lang, opt_str
from samestory.models import Article, Relation, Story
from samestory.relate import is_copy, relate
from samestory.stories import DisjointSets, average_link

if TYPE_CHECKING:  # pyspark is an optional dependency
    from pyspark import RDD
    from pyspark.sql import DataFrame, SparkSession

#: Rows per block of the vector self-join.
VECTOR_BLOCK = 1024
OPTIONAL_COLUMNS = ("title", "date", "source", "url", "lang")
RECORD_SUFFIXES = (".jsonl", ".json", ".ndjson", ".jl")


# ----------------------------------------------------------------------------- input


def read_input(spark: SparkSession, input_path: str | os.PathLike[str]) -> DataFrame:
    """Parquet or JSON Lines, chosen by the extension of the file or of the files in a dir."""
    path = Path(input_path)
    names = (
        [p.name.lower() for p in path.rglob("*") if p.is_file()]
        if path.is_dir()
        else [path.name.lower()]
    )
    if any(n.endswith(".parquet") for n in names):
        return spark.read.parquet(str(path))
    if any(n.endswith(RECORD_SUFFIXES) for n in names):
        return spark.read.json(str(path))
    raise ValueError(f"{input_path}: expected Parquet or JSON Lines input")


def row_to_article(
    row: dict[str, Any], idx: int, config: Config, text_col: str, id_col: str
) -> Article | None:
    """An :class:`Article` from one input row, cleaned as the ingest layer does.

    Returns None for a row without usable text. A row without id gets ``row:<idx>``.
    """
    raw = row.get(text_col)
    if raw is None or not isinstance(raw, str):
        return None
    try:
        text = clean_text(raw, config.max_text_chars)
    except SkipError:
        return None
    return Article(
        id=opt_str(row.get(id_col)) or f"row:{idx}",
        text=text,
        title=opt_str(row.get("title")),
        date=parse_date(row.get("date")),
        source=opt_str(row.get("source")),
        url=opt_str(row.get("url")),
        lang=norm_lang(opt_str(row.get("lang"))),
    )


# -------------------------------------------------------------------------- features


def _featurize_partition(
    rows: Iterable[tuple[int, Article]], config: Config
) -> Iterator[tuple[int, DocFeatures]]:
    """Features of one batch, encoded in one call (the encoder is cached per worker)."""
    from samestory.embed import encoder_for
    from samestory.features import featurize

    batch = sorted(rows, key=lambda item: item[0])
    if not batch:
        return iter(())
    features = featurize([a for _, a in batch], config, encoder_for(config.encoder))
    return iter([(i, f) for (i, _), f in zip(batch, features, strict=True)])


# ------------------------------------------------------------------------ candidates


def _all_pairs(members: Iterable[int]) -> Iterator[tuple[int, int]]:
    ordered = sorted(set(members))
    return itertools.combinations(ordered, 2)


def lsh_params(config: Config) -> tuple[int, int]:
    """Bands ``b`` and rows ``r`` that datasketch's ``MinHashLSH`` uses for ``config``."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(config.lsh_threshold, config.num_perm, 0.5, 0.5)


def _band_keys(
    item: tuple[int, DocFeatures], bands: int, rows: int
) -> Iterator[tuple[tuple[int, bytes], int]]:
    idx, f = item
    if not f.n_shingles:  # the local index neither inserts nor queries empty signatures
        return
    values = np.asarray(f.minhash.hashvalues)
    for band in range(bands):
        yield (band, values[band * rows : (band + 1) * rows].tobytes()), idx


def _block_matrix(items: Iterable[tuple[int, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    ordered = sorted(items, key=lambda item: item[0])
    keys = np.array([i for i, _ in ordered], dtype=np.int64)
    matrix = np.ascontiguousarray(np.vstack([v for _, v in ordered]), dtype=np.float32)
    return keys, matrix


def _block_top_k(
    pair: tuple[
        tuple[int, tuple[np.ndarray, np.ndarray]], tuple[int, tuple[np.ndarray, np.ndarray]]
    ],
    k: int,
    exact_rows: bool,
) -> Iterator[tuple[int, list[tuple[float, int]]]]:
    """For each row of the left block, its top ``k`` rows of the right block.

    Candidates are ``(cosine, idx)``, best first by ``(-cosine, idx)``: the stable
    ``argsort`` of the local engine over insertion order.
    """
    (_, (left_keys, left)), (_, (right_keys, right)) = pair
    if exact_rows:
        # Matrix-vector products, as the local exact search does: bit-identical cosines.
        cosines = np.stack([right @ left[r] for r in range(len(left))])
    else:
        cosines = left @ right.T
    take = min(k, len(right_keys))
    for r, key in enumerate(left_keys):
        row = cosines[r]
        order = np.argsort(-row, kind="stable")[:take]
        yield int(key), [(float(row[o]), int(right_keys[o])) for o in order]


def _merge_top_k(
    a: list[tuple[float, int]], b: list[tuple[float, int]], k: int
) -> list[tuple[float, int]]:
    return heapq.nsmallest(k, a + b, key=lambda c: (-c[0], c[1]))


def vector_pairs(features: RDD, n: int, config: Config, block: int = VECTOR_BLOCK) -> RDD:
    """Pairs ``(i, j)``, ``i < j``: each article with its distinct nearest neighbours."""
    budget = config.ann_neighbours + 1
    k = budget * EXPANSION * TWIN_SEARCH_FACTOR  # the widest list select_neighbours reads
    exact_rows = n <= EXACT_SEARCH_LIMIT
    min_cosine = config.ann_min_cosine
    saturated = SATURATED_COSINE[config.encoder]
    vectors = features.map(lambda item: (item[0], item[1].vector))
    blocks = (
        vectors.map(lambda item: (item[0] // block, item)).groupByKey().mapValues(_block_matrix)
    )
    top = (
        blocks.cartesian(blocks)
        .flatMap(lambda pair: _block_top_k(pair, k, exact_rows))
        .reduceByKey(lambda a, b: _merge_top_k(a, b, k))
    )
    # Join each neighbour's vector in, keyed back by the article: (i, (rank, cos, j, v_j)).
    ranked = top.flatMap(
        lambda item: [(j, (item[0], rank, cos)) for rank, (cos, j) in enumerate(item[1])]
    )
    with_vectors = ranked.join(vectors).map(
        lambda kv: (kv[1][0][0], (kv[1][0][1], kv[1][0][2], kv[0], kv[1][1]))
    )

    def keep(
        item: tuple[int, Iterable[tuple[int, float, int, np.ndarray]]],
    ) -> Iterator[tuple[int, int]]:
        i, neighbours = item
        ranked = sorted(neighbours, key=lambda x: x[0])
        vectors = {j: vector for _, _, j, vector in ranked}
        chosen = select_neighbours(
            [j for _, _, j, _ in ranked],
            [c for _, c, _, _ in ranked],
            vectors,
            budget,
            min_cosine,
            saturated,
        )
        for j in chosen or ():
            if j != i:
                yield (min(i, j), max(i, j))

    return with_vectors.groupByKey().flatMap(keep).distinct()


def candidate_pairs(features: RDD, n: int, config: Config = DEFAULT_CONFIG) -> RDD:
    """Every candidate pair ``(i, j)``, ``i < j``, as the local ``candidate_pairs``."""
    exact = (
        features.map(lambda item: (item[1].fingerprint, item[0]))
        .groupByKey()
        .flatMap(lambda kv: _all_pairs(kv[1]))
    )
    bands, rows = lsh_params(config)
    lsh = (
        features.flatMap(lambda item: _band_keys(item, bands, rows))
        .groupByKey()
        .flatMap(lambda kv: _all_pairs(kv[1]))
    )
    return exact.union(lsh).union(vector_pairs(features, n, config)).distinct()


def copy_representatives(features: RDD, n: int, config: Config = DEFAULT_CONFIG) -> np.ndarray:
    """For each article its copy group's representative, as ``candidates.copy_groups``.

    Hash groups and LSH buckets propose pairs, :func:`is_copy` verifies them on the
    executors, and union-find over the verified pairs runs on the driver.
    """
    exact = (
        features.map(lambda item: (item[1].fingerprint, item[0]))
        .groupByKey()
        .flatMap(lambda kv: _all_pairs(kv[1]))
    )
    bands, rows = lsh_params(config)
    lsh = (
        features.flatMap(lambda item: _band_keys(item, bands, rows))
        .groupByKey()
        .flatMap(lambda kv: _all_pairs(kv[1]))
    )
    proposed = exact.union(lsh).distinct()
    left = proposed.join(features).map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))
    verified = (
        left.join(features)
        .filter(lambda kv: is_copy(kv[1][0][1], kv[1][1], config))
        .map(lambda kv: (kv[1][0][0], kv[0]))
    )
    sets = DisjointSets(n, compact=True)
    for i, j in sorted(verified.collect()):
        sets.union(i, j)
    return np.array(sets.roots(), dtype=np.int64)


# ------------------------------------------------------------------- scoring, stories


def score_pairs(features: RDD, pairs: RDD, config: Config) -> RDD:
    """``((i, j), Relation)`` for every pair, ``relate(features[i], features[j])``."""
    left = pairs.join(features).map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))
    both = left.join(features)  # (j, ((i, f_i), f_j))

    def relate_partition(
        items: Iterable[tuple[int, tuple[tuple[int, DocFeatures], DocFeatures]]],
    ) -> Iterator[tuple[tuple[int, int], Relation]]:
        for j, ((i, fi), fj) in items:
            yield (i, j), relate(fi, fj, config)

    return both.mapPartitions(relate_partition)


def _story_of_group(
    item: tuple[
        int, tuple[Iterable[tuple[int, DocFeatures]], Iterable[tuple[tuple[int, int], Relation]]]
    ],
) -> Story:
    _, (members, relations) = item
    ordered = [f for _, f in sorted(members, key=lambda m: m[0])]
    rels = [r for _, r in sorted(relations, key=lambda p: p[0])]
    return make_story(ordered, rels)


def build_stories(features: RDD, scored: RDD, groups: Sequence[Sequence[int]]) -> RDD:
    """Stories (with provenance) of ``groups``, one task per group of stories."""
    sc = features.context
    group_of = np.empty(sum(len(g) for g in groups), dtype=np.int64)
    for g, group in enumerate(groups):
        group_of[list(group)] = g
    shared = sc.broadcast(group_of)
    members = features.map(lambda item: (int(shared.value[item[0]]), item))

    def same_story(item: tuple[tuple[int, int], Relation]) -> bool:
        (i, j), r = item
        return r.kind is not None and shared.value[i] == shared.value[j]

    relations = scored.filter(same_story).map(lambda item: (int(shared.value[item[0][0]]), item))
    return members.cogroup(relations).map(_story_of_group)


# ------------------------------------------------------------------------------- run


def run(
    spark: SparkSession,
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    config: Config = DEFAULT_CONFIG,
    text_col: str = "text",
    id_col: str = "id",
) -> None:
    """Group the articles of ``input_path`` into stories; write Parquet under ``output_path``.

    Rows without text are skipped. Ids must be unique (a :class:`ValueError` otherwise).
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    df = read_input(spark, input_path)
    if text_col not in df.columns:
        raise ValueError(f"{input_path}: no text column {text_col!r} (got {df.columns})")
    wanted = [c for c in (id_col, text_col, *OPTIONAL_COLUMNS) if c in df.columns]
    df = df.select(*dict.fromkeys(wanted))
    # ISO strings keep dates readable by parse_date whatever type the input had.
    if "date" in df.columns:
        df = df.withColumn("date", df["date"].cast("string"))

    raw = df.rdd.map(lambda row: row.asDict()).zipWithIndex()
    articles = (
        raw.map(lambda ri: row_to_article(ri[0], ri[1], config, text_col, id_col))
        .filter(lambda a: a is not None)
        .zipWithIndex()
        .map(lambda ai: (ai[1], ai[0]))
    )
    n = articles.count()
    if n == 0:
        raise ValueError(f"{input_path}: no article with text")
    if articles.map(lambda ia: ia[1].id).distinct().count() != n:
        raise ValueError(f"{input_path}: article ids are not unique")

    n_batches = -(-n // FEATURE_BATCH)
    features = (
        articles.map(lambda ia: (ia[0] // FEATURE_BATCH, ia))
        .partitionBy(n_batches, lambda batch: batch)
        .values()
        .mapPartitions(lambda rows: _featurize_partition(rows, config))
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    # Copies first, as the local engine: only the (small) list of verified copy pairs
    # reaches the driver, where union-find picks each group's representative.
    representative = copy_representatives(features, n, config)
    shared_rep = spark.sparkContext.broadcast(representative)
    reps = [int(i) for i in np.flatnonzero(representative == np.arange(n))]
    rep_features = features.filter(lambda item: shared_rep.value[item[0]] == item[0])
    rep_pairs = candidate_pairs(rep_features, len(reps), config)
    copies = spark.sparkContext.parallelize(
        [(int(r), i) for i, r in enumerate(representative) if r != i], 1
    )
    scored = score_pairs(features, copies.union(rep_pairs), config).persist(
        StorageLevel.MEMORY_AND_DISK
    )

    # Average linkage needs the whole (small) edge list: ids and scores only.
    rank = {r: k for k, r in enumerate(reps)}
    edges = sorted(
        (rank[i], rank[j], score)
        for i, j, score in scored.filter(lambda item: shared_rep.value[item[0][1]] == item[0][1])
        .map(lambda item: (item[0][0], item[0][1], item[1].score))
        .collect()
    )
    rep_groups = average_link(
        len(reps), edges, config.same_story_threshold, config.attach_threshold
    )
    members: dict[int, list[int]] = {}
    for i, r in enumerate(representative):
        members.setdefault(int(r), []).append(i)
    groups = [sorted(i for k in group for i in members[reps[k]]) for group in rep_groups]
    stories = build_stories(features, scored, groups).persist(StorageLevel.MEMORY_AND_DISK)

    out = Path(output_path)
    story_schema = T.StructType(
        [
            T.StructField("story_id", T.StringType(), False),
            T.StructField("title", T.StringType(), True),
            T.StructField("first", T.StringType(), False),
            T.StructField("article_ids", T.ArrayType(T.StringType(), False), False),
            T.StructField("size", T.IntegerType(), False),
        ]
    )
    story_rows = stories.map(lambda s: (s.id, s.title, s.first, list(s.articles), len(s.articles)))
    (
        spark.createDataFrame(story_rows, story_schema)
        .orderBy(F.desc("size"), "first")
        .write.mode("overwrite")
        .parquet(str(out / "stories.parquet"))
    )

    assignment_schema = T.StructType(
        [
            T.StructField("article_id", T.StringType(), False),
            T.StructField("story_id", T.StringType(), False),
        ]
    )
    assignment_rows = stories.flatMap(lambda s: [(a, s.id) for a in s.articles])
    (
        spark.createDataFrame(assignment_rows, assignment_schema)
        .write.mode("overwrite")
        .parquet(str(out / "assignments.parquet"))
    )

    relation_schema = T.StructType(
        [
            T.StructField("a", T.StringType(), False),
            T.StructField("b", T.StringType(), False),
            T.StructField("kind", T.StringType(), True),
            T.StructField("score", T.DoubleType(), False),
            T.StructField("evidence_json", T.StringType(), False),
        ]
    )
    relation_rows = scored.map(lambda item: _relation_row(item[1]))
    (
        spark.createDataFrame(relation_rows, relation_schema)
        .write.mode("overwrite")
        .parquet(str(out / "relations.parquet"))
    )

    for rdd in (stories, scored, features):
        rdd.unpersist()


def _relation_row(r: Relation) -> tuple[str, str, str | None, float, str]:
    evidence = json.dumps(r.evidence.to_dict(), ensure_ascii=False, sort_keys=True)
    return r.a, r.b, r.kind.value if r.kind else None, float(r.score), evidence


def build_session(master: str | None = None, app_name: str = "samestory") -> SparkSession:
    """A SparkSession whose Python workers use this interpreter."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    return builder.getOrCreate()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m samestory.spark INPUT OUTPUT [--master local[2]]``."""
    parser = argparse.ArgumentParser(prog="samestory-spark", description=__doc__.split("\n")[0])
    parser.add_argument("input", help="Parquet or JSON Lines file or directory")
    parser.add_argument("output", help="output directory (Parquet tables are written here)")
    parser.add_argument(
        "--master",
        default=None,
        help="Spark master, e.g. local[2] (default: as spark-submit sets it; "
        "local[*] under plain python)",
    )
    parser.add_argument("--text-col", default="text")
    parser.add_argument("--id-col", default="id")
    parser.add_argument(
        "--encoder",
        choices=ENCODERS,
        default=DEFAULT_CONFIG.encoder,
        help="sentence encoder (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    config = DEFAULT_CONFIG.replace(encoder=args.encoder)
    spark = build_session(args.master)
    try:
        run(
            spark,
            args.input,
            args.output,
            config=config,
            text_col=args.text_col,
            id_col=args.id_col,
        )
    finally:
        spark.stop()
    print(f"wrote {Path(args.output) / 'stories.parquet'}, relations.parquet, assignments.parquet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
