"""The Spark pipeline finds the same stories as the local one (samestory.api.cluster)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")
pyarrow_parquet = pytest.importorskip("pyarrow.parquet")

from conftest import keyword_docs  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from samestory import spark as samestory_spark  # noqa: E402
from samestory.api import cluster  # noqa: E402
from samestory.models import Article  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ECBPLUS = FIXTURES / "ecbplus_dev_subset.jsonl"  # the first four ECB+ dev topics
SEEDS = FIXTURES / "seeds"
MIN_RECORDS = 100

# PySpark starts a JVM and runs the pipeline twice (Spark and local): 30-200 s in all.
pytestmark = pytest.mark.slow


def _read_output(out: Path) -> tuple[dict[str, str], list[dict[str, object]], list[dict]]:
    assignments = pyarrow_parquet.read_table(out / "assignments.parquet").to_pylist()
    stories = pyarrow_parquet.read_table(out / "stories.parquet").to_pylist()
    relations = pyarrow_parquet.read_table(out / "relations.parquet").to_pylist()
    return {r["article_id"]: r["story_id"] for r in assignments}, stories, relations


def _compare(articles: list[Article], out: Path) -> None:
    local = cluster(articles)
    local_of = {a: s.id for s in local for a in s.articles}
    spark_of, stories, relations = _read_output(out)
    ids = [a.id for a in articles]
    assert set(spark_of) == set(ids)
    assert adjusted_rand_score([local_of[i] for i in ids], [spark_of[i] for i in ids]) == 1.0
    assert spark_of == local_of  # same story ids (from the same first versions)
    by_id = {s["story_id"]: s for s in stories}
    assert set(by_id) == {s.id for s in local}
    for story in local:
        row = by_id[story.id]
        assert row["article_ids"] == list(story.articles)
        assert row["first"] == story.first
        assert row["title"] == story.title
        assert row["size"] == len(story.articles)
    assert [s["size"] for s in stories] == sorted((s["size"] for s in stories), reverse=True)
    for r in relations:
        json.loads(r["evidence_json"])
        assert 0.0 <= r["score"] <= 1.0


def _ecbplus_records() -> list[dict[str, str]]:
    records: list[dict[str, str]] = []
    with ECBPLUS.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            record = json.loads(line)
            # Whole topics (the file is grouped by topic) until about MIN_RECORDS.
            if len(records) >= MIN_RECORDS and record["topic"] != records[-1]["topic"]:
                break
            records.append(record)
    assert len({r["topic"] for r in records}) >= 3  # several full topics
    return records


def _with_copies(records: list[dict[str, str]], every: int) -> list[dict[str, str]]:
    """Reposts (boilerplate around the text) and light edits of every ``every``-th record."""
    out = [{"id": r["id"], "text": r["text"], "story": r["story"]} for r in records]
    for k, r in enumerate(records[::every]):
        text = r["text"]
        if k % 2:
            text = text.replace(" the ", " a ", 1).replace(" said ", " stated ", 1)
        else:
            text = "Breaking News\n\n" + text + "\n\nShare this article"
        out.append({"id": f"{r['id']}~copy", "text": text, "story": r["story"]})
    return out


def test_spark_matches_local_on_ecbplus_with_copies_and_dedup(
    spark: object, tmp_path: Path
) -> None:
    """Exact search (under 5,000): same stories, ids and dedup annotations as locally."""
    from samestory.dedup import dedup_file

    records = _with_copies(_ecbplus_records(), every=9)
    records.append({"id": "no-text", "title": "a record without text"})  # type: ignore[typeddict-item]
    # Texts that clean to no words share the empty text's fingerprint: no copies of each
    # other (pipeline.copies.has_words), each its own story, as locally (_compare).
    wordless = ["Advertisement", "Sign up for one of our email newsletters.", "Share this article"]
    records += [{"id": f"wordless{k}", "text": t, "story": "none"} for k, t in enumerate(wordless)]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    counts = samestory_spark.run(spark, path, out, dedup=samestory_spark.DedupOptions())
    assert counts["copies"] >= len(records) // 10
    articles = [Article(id=r["id"], text=r["text"].strip()) for r in records if "text" in r]
    _compare(articles, out)
    spark_of = _read_output(out)[0]
    assert len({spark_of[f"wordless{k}"] for k in range(len(wordless))}) == len(wordless)
    local_out = tmp_path / "local.jsonl"
    dedup_file(path, local_out)
    local_rows = [json.loads(line) for line in local_out.read_text().splitlines()]
    spark_rows = _read_json_dir(out / "records.jsonl")
    assert [r["id"] for r in spark_rows] == [r["id"] for r in records]  # every record, in order
    assert spark_rows == local_rows


def _read_json_dir(folder: Path) -> list[dict]:
    rows = []
    for part in sorted(folder.glob("part-*")):
        rows += [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines()]
    # Spark's JSON writer leaves null fields out.
    columns = ("story_id", "copy_group", "first_version", "relation_to_first", "title", "text")
    return [{**dict.fromkeys(c for c in columns if c not in ("title", "text")), **r} for r in rows]


def test_spark_above_the_exact_search_size_agrees_with_local(spark: object, tmp_path: Path) -> None:
    """IVF cells (exact search limit lowered to 40, cells of ~30): ARI against local."""
    records = _with_copies(_ecbplus_records(), every=3)
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    counts = samestory_spark.run(spark, path, out, exact_limit=40, cell_size=30)
    assert counts["representatives"] > 40
    articles = [Article(id=r["id"], text=r["text"].strip()) for r in records]
    local_of = {a: s.id for s in cluster(articles) for a in s.articles}
    spark_of, _, _ = _read_output(out)
    ids = [a.id for a in articles]
    ari = adjusted_rand_score([local_of[i] for i in ids], [spark_of[i] for i in ids])
    print(f"IVF path: {counts['representatives']} representatives, ARI vs local {ari:.3f}")
    assert ari >= 0.9
    # The cells (~3 n / 5 vectors each) over a task bound of 40: split on the executors.
    bounded = tmp_path / "bounded"
    low = samestory_spark.run(spark, path, bounded, exact_limit=40, cell_size=30, task_bound=40)
    bounded_of, _, _ = _read_output(bounded)
    moved = adjusted_rand_score([spark_of[i] for i in ids], [bounded_of[i] for i in ids])
    print(f"largest search task {counts['largest_cell']} -> {low['largest_cell']}; ARI {moved}")
    assert counts["largest_cell"] > 40 >= low["largest_cell"]
    assert moved >= 0.99


def test_spark_reads_parquet(spark: object, tmp_path: Path) -> None:
    files = sorted(SEEDS.glob("*.txt"))
    import pyarrow as pa

    from samestory.ingest import read_paths

    articles = read_paths(files).articles
    table = pa.table(
        {
            "id": [a.id for a in articles],
            "text": [a.text for a in articles],
            "title": [a.title for a in articles],
            "date": [a.date for a in articles],
            "source": [a.source for a in articles],
        }
    )
    path = tmp_path / "in.parquet"
    pyarrow_parquet.write_table(table, path)
    out = tmp_path / "out"
    dedup = samestory_spark.DedupOptions(keep="first", by="story")
    samestory_spark.run(spark, path, out, partitions=2, dedup=dedup)
    _compare(
        [
            Article(id=a.id, text=a.text, title=a.title, date=a.date, source=a.source)
            for a in articles
        ],
        out,
    )
    kept = pyarrow_parquet.read_table(out / "records.parquet")
    assert kept.schema.field("date").type == table.schema.field("date").type
    rows = kept.to_pylist()
    assert len(rows) == 2  # the seeds are two stories
    assert all(r["id"] == r["first_version"] for r in rows)


def test_blocked_vector_search_matches_local(spark: object) -> None:
    """Several blocks, duplicated vectors (ties): the same neighbour pairs as locally."""
    import types

    import numpy as np

    from samestory.candidates import CandidateIndex
    from samestory.config import DEFAULT_CONFIG
    from samestory.embed import normalize_rows

    rng = np.random.default_rng(0)
    base = normalize_rows(rng.normal(size=(12, 16)).astype(np.float32))
    noise = rng.normal(scale=0.3, size=(90, 16)).astype(np.float32)
    vectors = normalize_rows(base[rng.integers(0, 12, 90)] + noise)
    vectors[50:60] = vectors[3]  # exact ties across blocks
    docs = [types.SimpleNamespace(id=f"d{i}", vector=v) for i, v in enumerate(vectors)]
    config = DEFAULT_CONFIG.replace(ann_neighbours=5)
    index = CandidateIndex(config, dim=16)
    index._pending = [d.vector for d in docs]
    index._ids = [d.id for d in docs]
    expected = set()
    for i, d in enumerate(docs):
        for other in index._vector_neighbours(d.vector, {}):
            j = int(other[1:])
            if j != i:
                expected.add((min(i, j), max(i, j)))
    rdd = spark.sparkContext.parallelize(list(enumerate(vectors)), 3)  # type: ignore[attr-defined]
    got = set(samestory_spark.vector_pairs(rdd, len(docs), config, partitions=3).collect())
    assert got == expected


def test_distributed_components_match_union_find(spark: object) -> None:
    """Large-star/small-star (forced: no one-task shortcut) finds the components."""
    import random

    from samestory.spark.graph import connected_components
    from samestory.stories import DisjointSets

    rng = random.Random(3)
    edges = [(rng.randrange(300), rng.randrange(300)) for _ in range(220)]
    edges += [(k, k + 1) for k in range(400, 460)]  # a long path: the slowest case
    sets = DisjointSets(461)
    for u, v in edges:
        sets.union(u, v)
    expected = {u: sets.find(u) for u, v in edges if u != v} | {
        v: sets.find(v) for u, v in edges if u != v
    }
    rdd = spark.sparkContext.parallelize(edges, 3)  # type: ignore[attr-defined]
    cached = _persisted(spark)
    for one_task_edges in (0, 10_000):  # the iteration, then the one-task union-find
        result = connected_components(rdd, 3, one_task_edges=one_task_edges)
        assert dict(result.collect()) == expected
        # Only the result stays cached (the rounds' edges are released), until the caller
        # releases it.
        assert _persisted(spark) == cached | {result.id()}
        result.unpersist()
        assert _persisted(spark) == cached
    # A caller that knows a bound on the edges: no counting job, the result persisted for
    # the caller's next job to compute, nothing else left cached.
    result = connected_components(rdd, 3, most_edges=len(edges))
    assert _persisted(spark) == cached | {result.id()}
    assert dict(result.collect()) == expected
    result.unpersist()
    assert _persisted(spark) == cached


def _persisted(spark: object) -> set[int]:
    """Ids of the RDDs the Spark context holds persisted."""
    held = spark.sparkContext._jsc.getPersistentRDDs()  # type: ignore[attr-defined]
    return {int(k) for k in held.keySet().toArray()}


def _clustered_vectors() -> list[tuple[int, Any]]:
    """1,200 unit vectors (32-d) around 40 random centres (noise 0.2), indexed."""
    import numpy as np

    from samestory.embed import normalize_rows

    rng = np.random.default_rng(1)
    centres = normalize_rows(rng.normal(size=(40, 32)).astype(np.float32))
    vectors = normalize_rows(
        centres[rng.integers(0, 40, 1200)] + rng.normal(scale=0.2, size=(1200, 32))
    ).astype(np.float32)
    return list(enumerate(vectors))


def test_ivf_cells_find_most_exact_neighbours(spark: object) -> None:
    """Above the exact-search size: k-means cells, each vector stored in 3 of them."""
    from samestory.config import DEFAULT_CONFIG

    config = DEFAULT_CONFIG.replace(ann_neighbours=5)
    rdd = spark.sparkContext.parallelize(_clustered_vectors(), 4)  # type: ignore[attr-defined]
    exact = set(samestory_spark.vector_pairs(rdd, 1200, config, partitions=4).collect())
    ivf = set(
        samestory_spark.vector_pairs(
            rdd, 1200, config, partitions=4, exact_limit=100, cell_size=100
        ).collect()
    )
    recall = len(exact & ivf) / len(exact)
    assert recall >= 0.9, recall
    assert len(ivf) <= 1.2 * len(exact)


def test_cells_over_the_task_bound_are_split_on_the_executors(
    spark: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four top-level cells of ~900 vectors over a task bound: each is split on the
    executors (sub-centroids fitted there) before its vectors are grouped, so no search
    task holds more than the bound; recall near the in-task split's (no bound)."""
    from samestory.config import DEFAULT_CONFIG
    from samestory.spark import vectors as ivf

    # The top level is fitted on the driver's side: four cells (each vector in 3).
    monkeypatch.setattr(ivf, "MAX_CELLS", 4)
    config = DEFAULT_CONFIG.replace(ann_neighbours=5)
    sc = spark.sparkContext  # type: ignore[attr-defined]
    rdd = sc.parallelize(_clustered_vectors(), 4)
    exact = set(ivf.vector_pairs(rdd, 1200, config, partitions=4).collect())

    def search(bound: int) -> tuple[set[tuple[int, int]], int]:
        largest = ivf.largest_accumulator(sc)
        found = ivf.vector_pairs(rdd, 1200, config, 4, 100, 30, bound, largest).collect()
        return set(found), largest.value

    in_task, whole = search(1 << 40)  # as before: cells of ~900 grouped whole, split in it
    recall_in_task = len(exact & in_task) / len(exact)
    assert whole > 720
    # At the default factor (24 cells' worth: 720) the sample fits 22 vectors a
    # sub-centroid: the in-task split's recall. At 200 the bound holds, but a sample of
    # 200 fits ~6 a sub-centroid (production: at least 50), so k-means is poorer.
    # Sub-cells at most 8 a split: level 1 leaves ~360 a sub-cell, so level 2 runs.
    for bound, fan_out, margin in ((720, 256, 0.02), (200, 256, 0.12), (200, 8, 0.12)):
        monkeypatch.setattr(ivf, "MAX_SUB_CELLS", fan_out)
        split, largest = search(bound)
        recall = len(exact & split) / len(exact)
        print(f"bound {bound}, {fan_out} sub-cells: largest task {whole} -> {largest}", end="; ")
        print(f"recall {recall_in_task:.3f} -> {recall:.3f}")
        assert 0 < largest <= bound
        assert recall >= recall_in_task - margin, (bound, recall_in_task, recall)
        assert len(split) <= 1.2 * len(exact)


def test_keyword_pairs_match_the_local_keyword_index(spark: object) -> None:
    """Shared, common (over MAX_KEYWORD_POSTINGS) and tied keywords: the local pairs."""
    from samestory.candidates import MAX_KEYWORD_POSTINGS, CandidateIndex, keywords
    from samestory.spark.stages import keyword_pairs

    n = MAX_KEYWORD_POSTINGS + 60
    docs = keyword_docs(n)
    index = CandidateIndex(dim=4)
    for d in docs:
        index.add_keywords(d.id, keywords(d))
    position = {d.id: i for i, d in enumerate(docs)}
    expected = set()
    for i, d in enumerate(docs):
        for other in index._keyword_neighbours(keywords(d), d.id):
            j = position[other]
            expected.add((min(i, j), max(i, j)))
    rdd = spark.sparkContext.parallelize(list(enumerate(docs)), 3)  # type: ignore[attr-defined]
    got = keyword_pairs(rdd, 3).collect()
    assert len(expected) > n
    assert set(got) == expected


def _two_topics() -> list[tuple[int, int, float]]:
    """Two clusters of 30 (a core of 10 at 0.9, the rest at 0.55 to the core) joined by
    weak pairs (0.25): one component at the attach threshold, two at the merge one."""
    import random

    rng = random.Random(7)
    edges = []
    for base in (0, 100):
        core = range(base, base + 10)
        edges += [(i, j, 0.9) for i in core for j in core if i < j]
        edges += [(i, base + rng.randrange(10), 0.55) for i in range(base + 10, base + 30)]
    edges += [(i, 100 + i, 0.25) for i in range(0, 30, 3)]
    return sorted((min(i, j), max(i, j), s) for i, j, s in edges)


@pytest.mark.parametrize(
    ("limit", "cut"),
    [(1000, None), (40, "0.40"), (20, "0.60"), (5, "one")],
)
def test_giant_components_are_cut_past_the_limit(
    spark: object, caplog: pytest.LogCaptureFixture, limit: int, cut: str | None
) -> None:
    import logging

    from samestory.spark.stages import group_components
    from samestory.stories import average_link

    edges = _two_topics()
    rdd = spark.sparkContext.parallelize(edges, 3)  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="samestory"):
        got = dict(group_components(rdd, 0.4, 0.2, 3, limit=limit).collect())
    groups: dict[int, list[int]] = {}
    for node, group in got.items():
        groups.setdefault(group, []).append(node)
    found = sorted(sorted(g) for g in groups.values() if len(g) > 1)
    whole = [g for g in average_link(130, edges, 0.4, 0.2) if len(g) > 1]
    messages = [r.getMessage() for r in caplog.records if "story component" in r.getMessage()]
    if cut is None:
        assert found == whole and not messages  # within the limit: the local groups
    elif cut == "0.40":
        assert found == whole  # cut at the merge threshold: merges kept
        assert len(messages) == 1 and "of 60 representatives" in messages[0]
        assert "cut at edge score 0.40" in messages[0]
    elif cut == "0.60":
        assert found == [list(range(10)), list(range(100, 110))]  # the cores
        assert "cut at edge score 0.60" in messages[-1]
    else:
        assert found == [list(range(10)), list(range(100, 110))]  # cores, single link
        assert sum("grouped as one" in m for m in messages) == 2
    assert all(group == min(groups[group]) for group in groups)


def _recurring_sentence_articles(n: int, per_article: int = 4) -> list[Article]:
    """``n`` articles of ``per_article`` sentences drawn from a pool of real ECB+
    sentences: every sentence recurs in many encoder batches, with other companions in
    each (what copies and reposts do on a crawl)."""
    import random
    import re

    pool: list[str] = []
    for record in _ecbplus_records():
        pool += [s for s in re.split(r"(?<=[.!?])\s+", record["text"]) if len(s.split()) > 6]
    pool = list(dict.fromkeys(pool))[:300]
    rng = random.Random(5)
    return [Article(id=f"r{k}", text=" ".join(rng.sample(pool, per_article))) for k in range(n)]


def test_spark_features_are_the_local_features_bit_for_bit(spark: object) -> None:
    """USE's last bits depend on the batch a sentence is encoded in. Each Spark task
    must encode a sentence in the batch the local engine does (the first holding it),
    whatever its Python worker encoded before (a process-wide sentence cache made the
    5k benchmark's stories differ from local: ARI 0.986)."""
    from samestory.config import DEFAULT_CONFIG
    from samestory.embed import encoder_for
    from samestory.features import DocFeatures
    from samestory.pipeline.featurise import FEATURE_BATCH, featurize_all, uncached
    from samestory.spark.stages import IndexRanges, featurize

    config = DEFAULT_CONFIG.replace(encoder="use")
    articles = _recurring_sentence_articles(2 * FEATURE_BATCH + 100)  # three batches
    local = featurize_all(articles, config, uncached(encoder_for("use")))
    ranges = IndexRanges(len(articles), 3)  # a batch a partition
    rdd = spark.sparkContext.parallelize(list(enumerate(articles)), 2)  # type: ignore[attr-defined]
    features = featurize(rdd, ranges, config, 3)

    def bits(f: DocFeatures) -> tuple[str, str, int]:
        """A digest of an article's document and sentence vectors, bit for bit (a nested
        function: Spark pickles it by value, the test module is not importable there)."""
        import hashlib

        vector, sentences = f.vector, f.sentence_vectors
        return (
            hashlib.sha1(vector.tobytes()).hexdigest(),
            hashlib.sha1(sentences.tobytes()).hexdigest(),
            len(sentences),
        )

    remote = dict(features.mapValues(bits).collect())  # digests: 1 MB may reach the driver
    features.unpersist()
    assert len(remote) == len(articles)
    assert sum(remote[k] != bits(f) for k, f in enumerate(local)) == 0


def test_spark_places_and_flags_a_roundup_as_local(
    spark: object, ecb_records: list[dict], tmp_path: Path
) -> None:
    """A roundup of two ECB+ events (the built case of tests/test_roundups.py, topic 11,
    mapped static encoder) among the topic's versions: the local stories, ids and
    roundup flags (the ``roundups`` column holds ``Story.roundups``)."""
    from test_roundups import STATIC, built_case

    from samestory.ingest._common import clean_text

    versions, _, roundup, _ = built_case(ecb_records, "ecb:11")
    records = [{"id": a.id, "text": a.text} for a in versions] + [{"id": "r", "text": roundup}]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "out"
    counts = samestory_spark.run(spark, path, out, config=STATIC)
    articles = [
        Article(id=r["id"], text=clean_text(r["text"], STATIC.max_text_chars)) for r in records
    ]
    local = cluster(articles, STATIC)
    flags = {s.id: [r.to_dict() for r in s.roundups] for s in local}
    assert [r["article"] for f in flags.values() for r in f] == ["r"]
    assert counts["roundups"] == 1
    spark_of, stories, _ = _read_output(out)
    assert spark_of == {a: s.id for s in local for a in s.articles}
    for row in stories:
        for flag in row["roundups"]:
            for part in flag["parts"]:
                part["share"] = round(part["share"], 4)  # as Story.to_dict rounds it
        assert row["roundups"] == flags[row["story_id"]]
