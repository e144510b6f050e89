"""The Spark job: read once, run the stages, write stories, relations, assignments and
(with ``dedup``) the annotated input records."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from samestory.candidates import EXACT_SEARCH_LIMIT, TRANSLATION_COSINE, keywords, screened
from samestory.config import DEFAULT_CONFIG, Config
from samestory.dates import parse_date
from samestory.ingest._common import SkipError, clean_text, norm_lang, opt_str
from samestory.models import Article, Relation, Story
from samestory.spark import stages
from samestory.spark.stages import IndexRanges
from samestory.spark.vectors import (
    CELL_SIZE,
    exact_recall,
    largest_accumulator,
    vector_pairs,
)

if TYPE_CHECKING:
    from pyspark import RDD
    from pyspark.sql import DataFrame, SparkSession

OPTIONAL_COLUMNS = ("title", "date", "source", "url", "lang")
RECORD_SUFFIXES = (".jsonl", ".json", ".ndjson", ".jl")
#: Articles per partition when neither ``partitions`` nor spark.sql.shuffle.partitions
#: is set: 8 encoder batches (a task of a few minutes with USE on one core).
ARTICLES_PER_PARTITION = 2_048
_DATE_STRING = "__samestory_date"


@dataclasses.dataclass(frozen=True)
class DedupOptions:
    """``dedup`` output: which records (``keep``, ``by``) as in :mod:`samestory.dedup`."""

    keep: str = "all"
    by: str = "copy"


def input_format(input_path: str | os.PathLike[str]) -> str:
    """``"parquet"`` or ``"json"``, from the extension of the file or of the files in a
    folder. A :class:`ValueError` naming the path when it does not exist or holds
    neither, checked before Spark starts. A URL (``s3://``, ``hdfs://``) is not looked
    at here: its extension decides, and Spark reports a missing one."""
    text = os.fspath(input_path)
    remote = "://" in text and not text.startswith("file://")
    path = Path(text.removeprefix("file://"))
    if not remote and not path.exists():
        raise ValueError(f"{input_path}: no such file or folder")
    names = (
        [p.name.lower() for p in path.rglob("*") if p.is_file()]
        if not remote and path.is_dir()
        else [path.name.lower()]
    )
    if any(n.endswith(".parquet") for n in names):
        return "parquet"
    if any(n.endswith(RECORD_SUFFIXES) for n in names):
        return "json"
    if remote and "." not in path.name:  # a folder of part files
        return "parquet"
    raise ValueError(
        f"{input_path}: expected Parquet (.parquet) or JSON Lines "
        f"({', '.join(RECORD_SUFFIXES)}) input"
    )


def read_input(spark: SparkSession, input_path: str | os.PathLike[str]) -> DataFrame:
    """Parquet or JSON Lines, as :func:`input_format` tells."""
    if input_format(input_path) == "parquet":
        return spark.read.parquet(os.fspath(input_path))
    return spark.read.json(os.fspath(input_path))


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
        date=parse_date(row.get(_DATE_STRING, row.get("date"))),
        source=opt_str(row.get("source")),
        url=opt_str(row.get("url")),
        lang=norm_lang(opt_str(row.get("lang"))),
    )


def partition_count(spark: SparkSession, n: int, partitions: int | None) -> int:
    """``partitions``, else ``spark.sql.shuffle.partitions`` when set, else one per
    ``ARTICLES_PER_PARTITION`` articles (at least 2 per core)."""
    if partitions:
        return partitions
    conf = spark.sparkContext.getConf()
    if conf.contains("spark.sql.shuffle.partitions"):
        return int(str(conf.get("spark.sql.shuffle.partitions")))
    cores = spark.sparkContext.defaultParallelism
    return max(2 * cores, math.ceil(n / ARTICLES_PER_PARTITION))


def screen_pairs(pairs: RDD, views: RDD, config: Config, partitions: int) -> RDD:
    """The pairs ``(i, j)`` of ``pairs`` that pass the local index's screen
    (:func:`samestory.candidates.screened` at ``config.min_keyword_cosine``), given
    ``views``: ``(idx, (keywords, vector))`` of every end. Two joins (one shuffle of the
    pairs per end); none when the screen is off. A pair ``(i, j, flag)`` (rule L's
    floor flag) keeps its flag."""
    floor = config.min_keyword_cosine
    if not floor:
        return pairs
    close = TRANSLATION_COSINE[config.encoder]

    def passes(kv: tuple[int, tuple[tuple[int, Any, Any], Any]]) -> bool:
        (_, _, (words_i, vector_i)), (words_j, vector_j) = kv[1]
        return screened(words_i, words_j, vector_i, vector_j, floor, close)

    return (
        pairs.map(lambda p: (p[0], (p[1], p[2:])))
        .join(views, partitions)  # (i, ((j, rest), view_i))
        .map(lambda kv: (kv[1][0][0], (kv[0], kv[1][0][1], kv[1][1])))
        .join(views, partitions)  # (j, ((i, rest, view_i), view_j))
        .filter(passes)
        .map(lambda kv: (kv[1][0][0], kv[0], *kv[1][0][1]))
    )


def run(
    spark: SparkSession,
    input_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str],
    config: Config = DEFAULT_CONFIG,
    text_col: str = "text",
    id_col: str = "id",
    partitions: int | None = None,
    exact_limit: int = EXACT_SEARCH_LIMIT,
    dedup: DedupOptions | None = None,
    cell_size: int = CELL_SIZE,
    recall_sample: int = 0,
    task_bound: int | None = None,
) -> dict[str, Any]:
    """Group the articles of ``input_path`` into stories; write Parquet under ``output_path``.

    Rows without text are skipped (and written back unannotated by ``dedup``). Ids must
    be unique (a :class:`ValueError` otherwise). Vector search is exact up to
    ``exact_limit`` representatives, in IVF cells of about ``cell_size`` above. Returns
    counts: articles, skipped (records without usable text), partitions, copies,
    representatives, scored pairs, stories; with ``recall_sample`` and IVF search,
    ``vector_recall``: the share of the exact neighbour pairs of that many sampled
    articles that the IVF search found. With IVF search, ``largest_cell``: the most
    vectors one search task held (a cell over ``task_bound``, default
    ``vectors.MAX_TASK_FACTOR · cell_size``, is split on the executors first).
    """
    read = _read_articles(spark, input_path, config, text_col, id_col)
    if dedup is None:  # the input rows are written back only with dedup
        read.records.unpersist()
    p = partition_count(spark, read.n, partitions)
    _check_unique_ids(read.numbered, read.n, p, input_path)
    ranges = IndexRanges(read.n, p)
    # Computed and persisted here, once: later jobs read it from several branches.
    features = stages.featurize(read.numbered.mapValues(lambda ra: ra[1]), ranges, config, p)
    copy_of, n_copies = _copy_groups(features, read.n, ranges, config, p)
    reps = _representatives(features, copy_of, ranges)
    n_reps = read.n - n_copies  # every article that is no copy
    search = _Search(exact_limit, cell_size, task_bound, recall_sample)
    near, rep_pairs, largest, recall = _candidate_pairs(spark, reps, n_reps, config, p, search)
    pairs = copy_of.map(lambda kv: (kv[1], kv[0], False)).union(
        rep_pairs.map(lambda ij: (ij[0], ij[1], stages.rep_tag(ij)))
    )
    # (i, (j, representative pair?, relation)), in i's partition.
    scored = stages.score_pairs(features, pairs, ranges, config, p)
    stages.persist_large(scored)
    n_pairs = scored.count()
    grouping = _groups(features, copy_of, scored, ranges, config, p)
    built, threads = _stories(
        spark, read, features, copy_of, scored, grouping, ranges, output_path, dedup, p
    )
    n_stories = n_reps - grouping.joined  # one story a group
    counts = {
        "articles": read.n,
        "skipped": read.total_rows - read.n,
        "partitions": p,
        "representatives": n_reps,
        "copies": n_copies,
        "pairs": n_pairs,
        "stories": n_stories,
        "roundups": len(grouping.roundups),
        **recall,
    }
    if largest is not None:  # read after the jobs that computed the pairs
        counts["largest_cell"] = largest.value
    grouped = (grouping.found, grouping.group_of, grouping.grouped)
    outputs = (threads, built, *grouped, scored, near, rep_pairs)
    for rdd in (*outputs, reps, copy_of, features, read.marked, read.records):
        rdd.unpersist()
    return counts


@dataclasses.dataclass(frozen=True)
class _Input:
    """The input as the job reads it once: ``records`` (``(row, values)``, cached),
    ``marked`` (``(row, Article)`` or None of each record, cached), ``numbered``
    (``(idx, (row, Article))`` of the rows with text, derived from ``marked``), the input's
    ``path``, ``schema`` and column ``names``, ``n`` articles of ``total_rows`` rows."""

    path: str | os.PathLike[str]
    records: RDD
    schema: Any
    names: list[str]
    marked: RDD
    numbered: RDD
    n: int
    total_rows: int


def _read_articles(
    spark: SparkSession,
    input_path: str | os.PathLike[str],
    config: Config,
    text_col: str,
    id_col: str,
) -> _Input:
    """Read ``input_path`` once and number its articles (a :class:`ValueError` when it
    has no ``text_col`` or no article with text)."""
    df = read_input(spark, input_path)
    if text_col not in df.columns:
        raise ValueError(f"{input_path}: no text column {text_col!r} (got {df.columns})")
    schema = df.schema
    if "date" in df.columns:  # the written date, whatever type the input had
        df = df.withColumn(_DATE_STRING, df["date"].cast("string"))
    names = list(df.columns)
    # The input is read once: every later stage starts from this cache.
    records = df.rdd.map(tuple).zipWithIndex().map(lambda rw: (rw[1], rw[0]))
    stages.persist_large(records)

    def to_article(item: tuple[int, tuple[Any, ...]]) -> tuple[int, Article] | None:
        row, values = item
        article = row_to_article(
            dict(zip(names, values, strict=True)), row, config, text_col, id_col
        )
        return None if article is None else (row, article)

    # (row, Article) or None of every record, cached: one job counts both per partition
    # (the totals, and the offsets that number the articles), where zipWithIndex's own
    # counting job, a count of the articles and one of the records were three.
    marked = stages.persist_large(records.map(to_article))
    sizes = marked.mapPartitions(_marked_sizes).collect()
    n = sum(size[1] for size in sizes)
    if n == 0:
        raise ValueError(f"{input_path}: no article with text")
    starts = list(itertools.accumulate([0, *(size[1] for size in sizes[:-1])]))

    def number(part: int, items: Iterable[Any]) -> Iterator[tuple[int, Any]]:
        return enumerate((item for item in items if item is not None), starts[part])

    # Not cached again: the numbering runs in the same Python task as each reader.
    numbered = marked.mapPartitionsWithIndex(number)  # (idx, (row, article))
    total_rows = sum(size[0] for size in sizes)
    return _Input(input_path, records, schema, names, marked, numbered, n, total_rows)


def _marked_sizes(items: Iterable[Any]) -> list[tuple[int, int]]:
    """``(records, articles)`` of one partition of marked records (None: no article)."""
    rows = articles = 0
    for item in items:
        rows += 1
        articles += item is not None
    return [(rows, articles)]


def _check_unique_ids(
    numbered: RDD, n: int, partitions: int, input_path: str | os.PathLike[str]
) -> None:
    ids = numbered.map(lambda x: x[1][1].id)
    if ids.distinct(partitions).count() != n:
        raise ValueError(f"{input_path}: article ids are not unique")


def _copy_groups(
    features: RDD, n: int, ranges: IndexRanges, config: Config, p: int
) -> tuple[RDD, int]:
    """``(copy, representative)`` of every copy (persisted; verified bucket edges,
    components by large-star/small-star), and their number."""
    from pyspark import StorageLevel

    from samestory.spark.graph import connected_components

    # At most one edge an article per fingerprint and per band bucket: within the one
    # task bound the components skip counting the edges and themselves (two jobs), and
    # the count of the copies below computes them.
    bands, _ = stages.lsh_params(config)
    edges = stages.copy_edges(features, ranges, config, p)
    copy_components = connected_components(edges, p, most_edges=n * (bands + 1))
    copy_of = copy_components.filter(lambda kv: kv[0] != kv[1]).persist(
        StorageLevel.MEMORY_AND_DISK
    )
    n_copies = copy_of.count()
    copy_components.unpersist()
    return copy_of, n_copies


def _representatives(features: RDD, copy_of: RDD, ranges: IndexRanges) -> RDD:
    """``(idx, candidate view)`` of every article that is no copy (persisted; computed
    by the first job that reads it: their number is the articles' less the copies')."""
    flags = copy_of.mapValues(lambda _: True)

    def drop_copies(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[tuple[int, Any]]:
        own, copies = stages._split(items, 2)
        dropped = {i for i, _ in copies}
        return ((i, stages.candidate_view(f)) for i, f in own if i not in dropped)

    reps = stages.zip_by_index(ranges, features, flags).mapPartitions(drop_copies, True)
    return stages.persist_large(reps)


@dataclasses.dataclass(frozen=True)
class _Search:
    """The vector search's settings (:func:`run`'s arguments of the same names)."""

    exact_limit: int
    cell_size: int
    task_bound: int | None
    recall_sample: int


def _candidate_pairs(
    spark: SparkSession, reps: RDD, n_reps: int, config: Config, p: int, search: _Search
) -> tuple[RDD, RDD, Any, dict[str, Any]]:
    """The vector neighbours (``near``) and every candidate pair of representatives
    (``rep_pairs``, persisted), the largest search task's accumulator (None: exact
    search) and, with ``search.recall_sample`` and IVF search, the vector recall. With
    rule L (``switches.LONE_FLOOR_BAR``) each pair is ``(i, j, floor only?)``
    (:func:`_flagged_pairs`), ``near`` keyed by pair."""
    from pyspark import StorageLevel

    lone = stages.lone_on()
    # With each one's keywords (static's lists widen by the words they share) and word
    # count (a short text's list reaches lower: candidates.vector_floor).
    vectors = reps.mapValues(lambda f: (f.vector, keywords(f), f.n_words))
    ivf = n_reps > search.exact_limit
    largest = largest_accumulator(spark.sparkContext) if ivf else None
    near = vector_pairs(
        vectors,
        n_reps,
        config,
        p,
        search.exact_limit,
        search.cell_size,
        search.task_bound,
        largest,
        lone,
    )
    recall: dict[str, Any] = {}
    if search.recall_sample and ivf:
        near.persist(StorageLevel.MEMORY_AND_DISK)
        found = near.keys() if lone else near
        share, total = exact_recall(vectors, found, config, search.recall_sample, p)
        recall = {"vector_recall": share, "recall_pairs": total}
    views = reps.mapValues(lambda f: (keywords(f), f.vector))
    if lone:
        rep_pairs = _flagged_pairs(reps, near, views, config, p)
        return near, rep_pairs.persist(StorageLevel.MEMORY_AND_DISK), largest, recall
    # The vector, keyword and same-days neighbours pass the local index's screen; band pairs
    # always.
    proposed = (
        near.union(stages.keyword_pairs(reps, p)).union(stages.dated_pairs(reps, p)).distinct(p)
    )
    rep_pairs = (
        stages.lsh_pairs(reps, config, p)
        .union(screen_pairs(proposed, views, config, p))
        .distinct(p)
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    return near, rep_pairs, largest, recall


def _flagged_pairs(reps: RDD, near: RDD, views: RDD, config: Config, p: int) -> RDD:
    """:func:`_candidate_pairs`' pairs with rule L's flag, ``(i, j, floor only?)``, from
    the flagged vector neighbours ``near`` (``((i, j), floor)``: :func:`vector_pairs`):
    a pair is the floor's only when no proposal of it is firm (the keyword, same-days
    and shared-bucket routes' are; so are the vector lists' parts at ``ann_min_cosine``
    or over), as the batch's ``propose.propose_flagged_pairs``. The ANDs run in the
    shuffles that deduplicate the pairs without the rule."""
    routes = stages.keyword_pairs(reps, p).union(stages.dated_pairs(reps, p)).map(stages.firm)
    near = near.map(lambda kv: (*kv[0], kv[1]))
    proposed = stages.and_flags(near.union(routes), p)
    lsh = stages.lsh_pairs(reps, config, p).map(stages.firm)
    return stages.and_flags(lsh.union(screen_pairs(proposed, views, config, p)), p)


@dataclasses.dataclass(frozen=True)
class _Grouping:
    """:func:`_groups`' answer: ``grouped`` (``(rep, (group, roundup))``, persisted),
    ``found`` (``(group of the roundup, (its index, FoundRoundup in indices))``, a few an
    input, persisted), ``roundups`` (each one's ``(index, cut?)``, on the driver) and
    ``group_of`` (``(idx, group)`` of every article, partitioned as the features;
    persisted, computed by the first job that reads it: ``grouped`` stays cached until
    then); ``joined``: the representatives grouped under another (the stories are the
    representatives less these)."""

    grouped: RDD
    found: RDD
    roundups: list[tuple[int, bool]]
    group_of: RDD
    joined: int


def _groups(
    features: RDD, copy_of: RDD, scored: RDD, ranges: IndexRanges, config: Config, p: int
) -> _Grouping:
    """Grouping on executors: average linkage per component of strong representative
    edges, with the roundup rule (the representatives' name views travel with them)."""
    from pyspark import StorageLevel

    # Each edge says whether its pair are copies (the exclusive-names step's versions)
    # and, with rule AS, its score without the published-date cut.
    # With rule L, its floor flag (the pair's tag, stages.rep_tag).
    stay, lone = stages.stay_on(), stages.lone_on()
    rep_edges = scored.filter(lambda kv: kv[1][1]).map(
        lambda kv: stages.grouping_edge(
            kv[0], kv[1][0], kv[1][2], stay, kv[1][1] == stages.FLOOR_ONLY if lone else None
        )
    )
    grouped = stages.cluster_components(
        rep_edges,
        config.same_story_threshold,
        config.attach_threshold,
        p,
        views=stages.name_views(features, copy_of, ranges, stay or lone),
        stay=stay,
        lone=lone,
    )  # (rep, (group, roundup)) for reps in a strong edge; the others are their own group
    rep_group = grouped.mapValues(lambda v: v[0])
    found = grouped.filter(lambda kv: kv[1][1] is not None).map(
        lambda kv: (kv[1][0], (kv[0], kv[1][1]))
    )
    found.persist(StorageLevel.MEMORY_AND_DISK)
    # One job over the cached groups: the roundups (their number and the ones the
    # grouping cut, which chain no threads) and the representatives grouped under
    # another (each group is keyed by its smallest node, so every other node of it is).
    summaries = grouped.mapPartitions(_group_summary).collect()
    roundups = [r for _, found_here in summaries for r in found_here]
    group_of = stages.groups_of_all(features, copy_of, rep_group, ranges)
    group_of.persist(StorageLevel.MEMORY_AND_DISK)
    joined = sum(n for n, _ in summaries)
    return _Grouping(grouped, found, roundups, group_of, joined)


def _group_summary(items: Iterable[tuple[int, Any]]) -> list[tuple[int, list[tuple[int, bool]]]]:
    """Of a partition of ``(rep, (group, roundup))``: how many representatives are grouped
    under another, and each roundup's ``(index, cut?)``."""
    joined, roundups = 0, []
    for node, (group, roundup) in items:
        joined += node != group
        if roundup is not None:
            roundups.append((node, roundup.cut))
    return [(joined, roundups)]


def _stories(
    spark: SparkSession,
    read: _Input,
    features: RDD,
    copy_of: RDD,
    scored: RDD,
    grouping: _Grouping,
    ranges: IndexRanges,
    output_path: str | os.PathLike[str],
    dedup: DedupOptions | None,
    p: int,
) -> tuple[RDD, RDD]:
    """Build and write the stories (members: slim features, input row, representative;
    same-story relations; roundups; threads), the relations and assignments, and with
    ``dedup`` the annotated records. Returns what to release (the built rows, the
    threads)."""
    found, group_of = grouping.found, grouping.group_of
    meta = read.numbered.mapValues(lambda ra: (ra[0], len(ra[1].text)))
    members = stages.story_members(features, meta, copy_of, group_of, ranges)
    same = stages.same_story_relations(scored, group_of, ranges)
    keep = dedup or DedupOptions()
    annotate = _annotator(keep) if dedup is not None else None
    # A group's relations and roundups (tagged 0 and 1) go to its story's task.
    listed = same.mapValues(lambda v: (0, v)).union(found.mapValues(lambda v: (1, v)))
    built = stages.persist_large(
        members.cogroup(listed, p).flatMap(lambda item: _story_and_roundups(item, annotate))
    )
    stories = built.filter(lambda kv: kv[0] == "story").values()
    roundups = _roundup_flags(built, p)
    # The roundups the grouping cut chain no threads (their indices, a few an input).
    cut = frozenset(index for index, was_cut in grouping.roundups if was_cut)
    texts = stages.feature_views(features, ranges)
    inputs = stages.ThreadInputs(scored, group_of, copy_of, texts, ranges, p, cut)
    firsts = built.filter(lambda kv: kv[0] == "first").values()
    threads = stages.story_threads(inputs, firsts)
    out = Path(output_path)
    _write_stories(spark, stories, scored, out, roundups, p, threads)
    if dedup is not None:
        notes = built.filter(lambda kv: kv[0] == "note").values()
        _write_records(
            spark, read.records, read.schema, read.names, notes, out, read.path, read.total_rows, p
        )
    return built, threads


def _story_and_roundups(item: tuple[int, Any], annotate: Any) -> Iterator[tuple[str, Any]]:
    """:func:`~samestory.spark.stages.story_of_group` of one group, then ``("group",
    (group, story id))`` and, for each roundup that ended in the story, ``("roundup",
    (story id, its article id, FoundRoundup))`` (its parts name groups, not stories)."""
    group, (members, listed) = item
    relations = [value for tag, value in listed if tag == 0]
    for kind, value in stages.story_of_group((group, (members, relations)), annotate):
        yield kind, value
        if kind == "story":
            yield "group", (group, value.id)
            yield "first", (group, (value.id, _first_date(value, members)))
            id_of = {i: m[0].id for i, m in members}
            for tag, flag in listed:
                if tag == 1:
                    c, found = flag
                    yield "roundup", (value.id, id_of[c], found)


def _first_date(story: Story, members: Iterable[tuple[int, Any]]) -> Any:
    """The date of the story's first version (its members: ``(idx, (slim features, ...))``)."""
    return next(m[0].date for _, m in members if m[0].id == story.first)


def _roundup_flags(built: RDD, partitions: int) -> RDD:
    """``(story id, (article index, Roundup))`` of each roundup, on the story it ended in,
    its parts' groups named by their stories' ids (as
    :func:`~samestory.pipeline.assemble.mark_roundups` flags them locally)."""
    from samestory.models import Roundup, RoundupPart

    flags = built.filter(lambda kv: kv[0] == "roundup").map(lambda kv: (kv[1][1], kv[1]))
    sides = flags.flatMap(lambda kv: [(p.side, kv[0]) for p in kv[1][2].parts]).distinct(
        partitions
    )  # (group, roundup's article id)
    story_ids = built.filter(lambda kv: kv[0] == "group").values()
    named = sides.join(story_ids, partitions).map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))

    def flag(item: tuple[str, Any]) -> tuple[str, tuple[int, Roundup]]:
        article, (listed, sides_named) = item
        ((story, _, found),) = listed
        story_of = dict(sides_named)
        parts = tuple(
            RoundupPart(
                story=story_of[p.side],
                share=p.share,
                sentences=tuple(sorted(p.sentences)),
                names=tuple(sorted(p.names)),
            )
            for p in found.parts
        )
        return story, (found.index, Roundup(article, found.attached_to is not None, parts))

    return flags.cogroup(named, partitions).map(flag)


def _annotator(options: DedupOptions) -> Any:
    """Per story: ``(row, story_id, copy_group, first_version, relation_to_first, keep)``."""

    def annotate(story: Story, members: list[tuple[int, Any]]) -> Iterator[tuple[Any, ...]]:
        from samestory.dedup import story_annotations

        by_idx = {i: value for i, value in members}
        id_of = {i: value[0].id for i, value in members}
        copy_of = {id_of[i]: id_of[value[2]] for i, value in members if value[2] != i}
        lengths = {id_of[i]: value[1][1] for i, value in members}
        order = {id_of[i]: value[1][0] for i, value in members}
        notes = story_annotations(story, copy_of, lengths, order, options.keep, options.by)
        for i, value in by_idx.items():
            note = notes[id_of[i]]
            yield (
                value[1][0],
                note.story_id,
                note.copy_group,
                note.first_version,
                note.relation_to_first,
                note.keep,
            )

    return annotate


def _write_stories(
    spark: SparkSession,
    stories: Any,
    scored: Any,
    out: Path,
    roundups: Any,
    partitions: int,
    threads: Any,
) -> None:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    story_schema = T.StructType(
        [
            T.StructField("story_id", T.StringType(), False),
            T.StructField("title", T.StringType(), True),
            T.StructField("first", T.StringType(), False),
            T.StructField("article_ids", T.ArrayType(T.StringType(), False), False),
            T.StructField("size", T.IntegerType(), False),
            T.StructField("roundups", roundups_type(), False),
            T.StructField("thread", T.StringType(), False),
        ]
    )
    # Each story's roundups (Story.roundups: in article index order), few in all.
    flags = roundups.groupByKey(partitions).mapValues(_roundup_rows)
    story_rows = (
        stories.map(lambda s: (s.id, (s.title, s.first, list(s.articles))))
        .leftOuterJoin(flags, partitions)
        .leftOuterJoin(threads, partitions)
        .map(lambda kv: _story_row(kv[0], kv[1][0][0], kv[1][0][1], kv[1][1]))
    )
    story_df = spark.createDataFrame(story_rows, story_schema)
    story_df.orderBy(F.desc("size"), "first").write.mode("overwrite").parquet(
        str(out / "stories.parquet")
    )
    assignment_schema = T.StructType(
        [
            T.StructField("article_id", T.StringType(), False),
            T.StructField("story_id", T.StringType(), False),
        ]
    )
    assignment_rows = stories.flatMap(lambda s: [(a, s.id) for a in s.articles])
    spark.createDataFrame(assignment_rows, assignment_schema).write.mode("overwrite").parquet(
        str(out / "assignments.parquet")
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
    relation_rows = scored.map(lambda item: _relation_row(item[1][2]))
    spark.createDataFrame(relation_rows, relation_schema).write.mode("overwrite").parquet(
        str(out / "relations.parquet")
    )


def _story_row(
    story: str, listed: tuple[Any, ...], flags: list[Any] | None, thread: str | None
) -> tuple[Any, ...]:
    """A ``stories.parquet`` row; a story in no thread with others is its own thread."""
    from samestory.threads import thread_id

    return (story, *listed, len(listed[2]), flags or [], thread or thread_id(story))


def roundups_type() -> Any:
    """The Spark type of the ``roundups`` column: ``Story.roundups`` as ``to_dict``
    lists them (``article, attached, parts`` of ``story, share, sentences, names``)."""
    from pyspark.sql import types as T

    part_type = T.StructType(
        [
            T.StructField("story", T.StringType(), False),
            T.StructField("share", T.DoubleType(), False),
            T.StructField("sentences", T.ArrayType(T.IntegerType(), False), False),
            T.StructField("names", T.ArrayType(T.StringType(), False), False),
        ]
    )
    roundup_type = T.StructType(
        [
            T.StructField("article", T.StringType(), False),
            T.StructField("attached", T.BooleanType(), False),
            T.StructField("parts", T.ArrayType(part_type, False), False),
        ]
    )
    return T.ArrayType(roundup_type, False)


def _roundup_rows(listed: Iterable[tuple[int, Any]]) -> list[tuple[Any, ...]]:
    """The ``roundups`` column of a story: its flags as Story.to_dict lists them."""
    return [
        (
            r.article,
            r.attached,
            [(p.story, p.share, list(p.sentences), list(p.names)) for p in r.parts],
        )
        for _, r in sorted(listed, key=lambda item: item[0])
    ]


def _write_records(
    spark: SparkSession,
    records: Any,
    schema: Any,
    names: Sequence[str],
    notes: Any,
    out: Path,
    input_path: str | os.PathLike[str],
    total_rows: int,
    partitions: int,
) -> None:
    """The input records with the dedup columns, in input order, as Parquet or JSON.

    Records and annotations are placed by row ranges (one shuffle of the records) and
    merged in row order inside each partition, so the partitions are written in input
    order without a join's shuffle followed by a sort's (two shuffles of the whole text).
    """
    from pyspark.sql import types as T

    from samestory.dedup import ADDED_COLUMNS, format_of

    fields = [f for f in schema.fields if f.name not in ADDED_COLUMNS]
    keep_at = [names.index(f.name) for f in fields]
    out_schema = T.StructType(
        [*fields, *(T.StructField(c, T.StringType(), True) for c in ADDED_COLUMNS)]
    )
    by_row = notes.map(lambda note: (note[0], note[1:]))
    empty = (None, None, None, None, True)

    def merge(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[tuple[Any, ...]]:
        own, notes = stages._split(items, 2)
        note_of = dict(notes)
        for row, values in sorted(own, key=lambda rv: rv[0]):
            note = note_of.get(row, empty)
            if note[4]:
                yield tuple(values[k] for k in keep_at) + tuple(note[:4])

    rows = stages.zip_by_index(IndexRanges(total_rows, partitions), records, by_row)
    frame = spark.createDataFrame(rows.mapPartitions(merge), out_schema)
    kind = format_of(Path(input_path))
    target = out / f"records.{'parquet' if kind == 'parquet' else 'jsonl'}"
    if kind == "parquet":
        frame.write.mode("overwrite").parquet(str(target))
    else:
        frame.write.mode("overwrite").json(str(target))


def _relation_row(r: Relation) -> tuple[str, str, str | None, float, str]:
    evidence = json.dumps(r.evidence.to_dict(), ensure_ascii=False, sort_keys=True)
    return r.a, r.b, r.kind.value if r.kind else None, float(r.score), evidence


def build_session(
    master: str | None = None, app_name: str = "samestory", conf: Sequence[str] = ()
) -> SparkSession:
    """A SparkSession whose Python workers use this interpreter and are forked from
    :mod:`samestory.spark.daemon` (what the tasks import loaded once); ``conf``:
    ``KEY=VALUE``, applied after (a ``spark.python.daemon.module`` given wins)."""
    from pyspark.sql import SparkSession

    from samestory.spark.daemon import DAEMON_CONF

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name).config(*DAEMON_CONF)
    if master:
        builder = builder.master(master)
    for item in conf:
        key, _, value = item.partition("=")
        builder = builder.config(key.strip(), value.strip())
    return builder.getOrCreate()
