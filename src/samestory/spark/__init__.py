"""The samestory pipeline on PySpark: the same stories as :func:`samestory.api.cluster`.

``samestory spark INPUT OUTPUT`` (or ``python -m samestory.spark``) reads Parquet or JSON
Lines (a file, or a directory of part files) with an ``id`` and a ``text`` column and
optional ``title``/``date``/``source``/``url``/``lang`` columns, and writes

- ``OUTPUT/stories.parquet``: ``story_id, title, first, article_ids, size, roundups``
  (``roundups``: the story's texts covering several stories, as ``Story.roundups``:
  ``article, attached, parts`` of ``story, share, sentences, names``);
- ``OUTPUT/relations.parquet``: ``a, b, kind, score, evidence_json``, one row per scored
  candidate pair (``a`` is the pair's earlier input row, ``kind`` null when the pair is
  not the same story);
- ``OUTPUT/assignments.parquet``: ``article_id, story_id``;
- with ``--dedup``: ``OUTPUT/records.parquet`` (or ``records.jsonl``, as the input): the
  input records, every column kept, with the columns of :mod:`samestory.dedup`.

How each stage is distributed
-----------------------------
Each record gets its input row number (``zipWithIndex``) and each readable article its
index ``idx`` among readable articles: the position in the local engine's article list,
which breaks every tie the same way. The input is read once (the numbered records are
cached). ``P`` partitions (``--partitions``, else ``spark.sql.shuffle.partitions`` when
set, else one per 2,048 articles and at least two per core) are used by every shuffle.

1. **Features** (:func:`~samestory.spark.stages.featurize`): partition ``p`` holds a
   range of whole 256-article encoder batches
   (:class:`~samestory.spark.stages.IndexRanges`); each sentence is encoded once, in the
   first batch that holds it, as :func:`samestory.api.featurize_all` encodes it (a
   shuffle of sentence hashes tells each partition which batch owns each of its
   sentences; a vector owned by another partition is shipped from there): features
   bit-identical to the local run. Features stay in place (cached) from here on: other
   data is co-partitioned with them and zipped, so they move only to be scored against
   another partition's article.
2. **Copies** (as :func:`samestory.pipeline.copies.copy_groups`): fingerprint groups link
   their members to their first (certain copies); each MinHash-LSH band bucket of two or
   more articles gets its members' features and, in its task, verifies them as the
   local engine does (each against the earlier members not yet in its group, with
   :func:`~samestory.relate.is_copy`), linking each group to its first member: ``O(m)``
   edges per bucket. Copy groups are the connected components of these edges
   (:func:`~samestory.spark.graph.connected_components`, large-star/small-star; nothing
   collected). Later stages run on one representative per group (its first article).
3. **Candidates** among representatives: MinHash-LSH bucket pairs, and vector neighbours
   (:mod:`samestory.spark.vectors`): exact up to 5,000 representatives (the local
   engine's pairs, exactly), IVF cells above.
4. **Scoring**: each pair ``(i, j)`` is scored in ``i``'s partition; ``j``'s features are
   shipped there once per partition that needs them.
5. **Grouping** on executors: the connected components of representative pairs scoring at
   least the attach threshold bound every merge and attachment, so ``average_link`` and
   splinter attachment run per component in a task and give the local groups; the
   members' name views (:class:`~samestory.roundups.NameView`) travel with the edges and
   the task runs the local roundup rule
   (:func:`~samestory.pipeline.group.group_with_roundups`), whose partners are in the
   component.
6. **Stories** are built per group (members and relations in the local order) with
   :func:`samestory.api.make_story`; with ``--dedup`` the same task annotates each
   member (:func:`samestory.dedup.story_annotations`) and the annotations are joined
   back onto the cached input records.

See ``docs/spark.md`` for running it, sizing a cluster, and the limits.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from samestory.config import DEFAULT_CONFIG, ENCODERS, Config
from samestory.spark.job import (
    DedupOptions,
    build_session,
    input_format,
    partition_count,
    read_input,
    row_to_article,
    run,
)
from samestory.spark.state import StateDir
from samestory.spark.vectors import vector_pairs

__all__ = [
    "DedupOptions",
    "build_session",
    "input_format",
    "main",
    "partition_count",
    "read_input",
    "row_to_article",
    "run",
    "vector_pairs",
]


def parser() -> argparse.ArgumentParser:
    from samestory.dedup import GROUP_BY, KEEP_MODES

    p = argparse.ArgumentParser(prog="samestory-spark", description=__doc__.split("\n")[0])
    p.add_argument("input", help="Parquet or JSON Lines file or directory")
    p.add_argument("output", help="output directory (Parquet tables are written here)")
    p.add_argument(
        "--master",
        default=None,
        help="Spark master, e.g. local[2] (default: as spark-submit sets it; "
        "local[*] under plain python)",
    )
    p.add_argument("--text-col", default="text")
    p.add_argument("--id-col", default="id")
    p.add_argument(
        "--encoder",
        choices=ENCODERS,
        default=None,
        help=f"sentence encoder (default: with --state, the one the state was made with; "
        f"else {DEFAULT_CONFIG.encoder})",
    )
    p.add_argument(
        "--partitions",
        type=int,
        default=None,
        help="partitions of every stage (default: spark.sql.shuffle.partitions if set, "
        "else one per 2,048 articles, at least 2 per core)",
    )
    p.add_argument("--dedup", action="store_true", help="also write the annotated records")
    p.add_argument("--keep", choices=KEEP_MODES, default="all")
    p.add_argument("--by", choices=GROUP_BY, default="copy")
    p.add_argument(
        "--conf", action="append", default=[], help="Spark setting KEY=VALUE (repeatable)"
    )
    p.add_argument(
        "--state",
        default=None,
        help="state directory of incremental daily runs: read (when present), joined "
        "with INPUT's new articles, updated (see docs/spark.md)",
    )
    return p


def run_config(encoder: str | None, state: str | None) -> Config:
    """The run's config: the default with ``encoder`` when given; without it, with
    ``state``, the encoder the state was made with (a USE state stays USE under the
    static default, as a store does); else the default's. A given encoder that is not
    the state's is refused (``ValueError``: the state's vectors are another encoder's)."""
    config = DEFAULT_CONFIG if encoder is None else DEFAULT_CONFIG.replace(encoder=encoder)
    if state is None:
        return config
    stored = StateDir(state)
    if encoder is None:
        config = stored.keep_encoder(config)
    stored.check_config(config)
    return config


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m samestory.spark INPUT OUTPUT [--master local[2]] [--dedup] ...``."""
    args = parser().parse_args(argv)
    try:
        input_format(args.input)  # a missing or unreadable path fails before Spark starts
        config = run_config(args.encoder, args.state)  # and so does a state's other encoder
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    from pyspark.errors import AnalysisException

    dedup = DedupOptions(args.keep, args.by) if args.dedup else None
    if args.state and dedup is not None:
        print("error: --dedup cannot be combined with --state yet", file=sys.stderr)
        return 2
    spark = build_session(args.master, conf=args.conf)
    try:
        if args.state:
            return _incremental(spark, args, config)
        counts = run(
            spark,
            args.input,
            args.output,
            config=config,
            text_col=args.text_col,
            id_col=args.id_col,
            partitions=args.partitions,
            dedup=dedup,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except AnalysisException as exc:  # e.g. files Spark cannot read as the format says
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"error: {args.input}: {reason}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    out = Path(args.output)
    extra = ", records" if dedup else ""
    skipped = f", {counts['skipped']} records without text skipped" if counts["skipped"] else ""
    print(
        f"{counts['articles']} articles, {counts['stories']} stories ({counts['partitions']} "
        f"partitions{skipped}): wrote {out / 'stories.parquet'}, relations, "
        f"assignments{extra}"
    )
    return 0


def _incremental(spark: object, args: argparse.Namespace, config: object) -> int:
    from samestory.spark.incremental import run_incremental

    counts = run_incremental(
        spark,  # type: ignore[arg-type]
        args.input,
        args.output,
        args.state,
        config=config,  # type: ignore[arg-type]
        text_col=args.text_col,
        id_col=args.id_col,
        partitions=args.partitions,
    )
    print(
        f"{counts['new']} new articles ({counts['known']} already in the state), "
        f"{counts['articles']} in all, {counts['stories']} stories "
        f"({counts['stories_rebuilt']} rebuilt): wrote {Path(args.output) / 'stories.parquet'}, "
        f"relations, assignments; state {args.state}"
    )
    return 0
