"""The distributed stages of the Spark job: features, copies, candidates, scoring,
grouping and stories. See :mod:`samestory.spark` for how they fit together.

Every RDD of per-article data is keyed by the article's index ``idx`` (its position in
the local engine's article list) and partitioned by :class:`IndexRanges`: partition
``p`` holds a range of whole encoder batches. Two RDDs partitioned by the same
:class:`IndexRanges` are *zipped* (``union`` of co-partitioned RDDs keeps partition
``p`` of both together, Spark's ``PartitionerAwareUnionRDD``), which joins them without
moving the (large) features.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import logging
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from samestory import exclusive, switches
from samestory.candidates import (
    DATED_DAYS,
    MAX_KEYWORD_POSTINGS,
    dated_ranking,
    keyword_neighbours,
    keywords,
    route_day,
)
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures, set_vectors, text_features
from samestory.models import Article, Relation, Story
from samestory.overlap import is_copy
from samestory.pipeline import copies as copy_stage
from samestory.pipeline.batch import lone_floor_bar
from samestory.pipeline.featurise import FEATURE_BATCH, batch_sentences, uncached
from samestory.pipeline.group import FoundRoundup, LoneInput, StayInput, group_with_roundups
from samestory.relate import relate_against, relate_to
from samestory.relate.date_gate import is_short_text
from samestory.relate.scoring import uncut_score
from samestory.roundups import NameView, name_view
from samestory.spark import graph
from samestory.stories import DisjointSets, average_link

if TYPE_CHECKING:
    from pyspark import RDD

log = logging.getLogger("samestory")

#: A bucket (MinHash band or fingerprint) with more members than this is not verified
#: pair by pair: each member is verified against the bucket's first member only.
BUCKET_VERIFY_LIMIT = 1_000
#: An LSH bucket of representatives with more members than this proposes, instead of all
#: its pairs, each member with its BUCKET_WINDOW predecessors (in index order).
BUCKET_PAIR_LIMIT = 1_000
BUCKET_WINDOW = 100
#: A component of representatives linked by pairs at or above the attach threshold is
#: clustered (average link) in one task up to this many members: ~40 scored pairs a
#: member, ~200 B a pair in average_link, so ~160 MB and minutes of one core. Above, it
#: is cut at the merge threshold, then at SPLIT_SCORES in turn (see bounded_components).
COMPONENT_LIMIT = 20_000
SPLIT_SCORES = (0.5, 0.6, 0.7, 0.8)
_EMPTY = np.zeros(0, dtype=np.float32)
#: The Spark setting naming the storage level of the job's *large* cached datasets (input
#: rows, articles, features, scored relations: KBs an article). DISK_ONLY by default: a
#: cached block then streams to local disk as it is computed and is read back as a
#: stream, so no partition of them is ever held whole in the JVM heap. With
#: MEMORY_AND_DISK the 50k benchmark ran a 2 GB heap out of memory while caching 1.1 GB
#: of features (2026-12-02); on executors with room to spare it trades heap for less I/O.
CACHE_LEVEL_SETTING = "spark.samestory.cacheLevel"
DEFAULT_CACHE_LEVEL = "DISK_ONLY"


class IndexRanges:
    """Partitioner of article indices: ``per_part`` consecutive indices a partition.

    ``per_part`` is a multiple of ``FEATURE_BATCH``, so each partition encodes whole
    batches. Equal instances partition alike (Spark then skips re-partitioning).
    """

    def __init__(self, n: int, partitions: int) -> None:
        batches = max(1, -(-n // FEATURE_BATCH))
        self.partitions = max(1, min(partitions, batches))
        self.per_part = -(-batches // self.partitions) * FEATURE_BATCH

    def __call__(self, idx: int) -> int:
        return int(idx) // self.per_part

    def start(self, part: int) -> int:
        """An index in partition ``part`` (its first)."""
        return part * self.per_part

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, IndexRanges)
            and other.per_part == self.per_part
            and other.partitions == self.partitions
        )

    def __hash__(self) -> int:
        return hash((self.per_part, self.partitions))


def place(rdd: RDD, ranges: IndexRanges) -> RDD:
    """``rdd`` (keyed by index) partitioned by ``ranges`` (a no-op when it already is)."""
    return rdd.partitionBy(ranges.partitions, ranges)


def _tagged(tag: int, value: Any) -> tuple[int, Any]:
    return tag, value


def zip_by_index(ranges: IndexRanges, *rdds: RDD) -> RDD:
    """Co-partitioned RDDs side by side: values tagged with their RDD's position."""
    tagged = [
        place(rdd, ranges).mapValues(functools.partial(_tagged, tag))
        for tag, rdd in enumerate(rdds)
    ]
    out = tagged[0]
    for other in tagged[1:]:
        out = out.union(other)
    return out


def _split(items: Iterable[tuple[int, tuple[int, Any]]], count: int) -> list[list[Any]]:
    sides: list[list[Any]] = [[] for _ in range(count)]
    for key, (tag, value) in items:
        sides[tag].append((key, value))
    return sides


def cache_level(sc: Any) -> Any:
    """The :class:`~pyspark.StorageLevel` named by ``CACHE_LEVEL_SETTING`` (a
    :class:`ValueError` naming the setting for an unknown name)."""
    from pyspark import StorageLevel

    name = str(sc.getConf().get(CACHE_LEVEL_SETTING, DEFAULT_CACHE_LEVEL)).strip().upper()
    level = getattr(StorageLevel, name, None)
    if not isinstance(level, StorageLevel):
        raise ValueError(
            f"{CACHE_LEVEL_SETTING}={name}: not a storage level (e.g. DISK_ONLY, MEMORY_AND_DISK)"
        )
    return level


def persist_large(rdd: RDD) -> RDD:
    """``rdd`` persisted at the large datasets' level (see ``CACHE_LEVEL_SETTING``)."""
    return rdd.persist(cache_level(rdd.context))


# ----------------------------------------------------------------------------- features


def featurize(articles: RDD, ranges: IndexRanges, config: Config, partitions: int) -> RDD:
    """``(idx, DocFeatures)`` of ``(idx, Article)``, partitioned by ``ranges``: the local
    engine's features bit for bit (:func:`~samestory.pipeline.featurise.featurize_all`).

    Locally each distinct sentence is encoded once, in the first ``FEATURE_BATCH`` batch
    that holds it, with that batch's other new sentences (the encoder's last bits depend
    on them). Here: the text features in place; each sentence's *owner* batch (the first
    holding it) from a shuffle of ``(sentence hash, batch)`` pairs, told to every
    partition holding the sentence; each task encodes, batch after batch, the sentences
    its batches own, in the local order; the vector of a sentence owned by an earlier
    partition is shipped from there once to each partition that needs it. Shuffle: ~16 B
    a distinct sentence and batch, plus 2 KB (512 float32) a sentence and partition it
    is shipped to; each sentence of the input is encoded once.
    """
    # Rule BS's cleaning is read at call time (normalize.clean_text) and Spark's Python
    # workers do not inherit the driver's module state: the driver's setting travels with
    # the task, as rule AS's does (_score_at).
    by_sentence = switches.BOILERPLATE_BY_SENTENCE
    texts = place(articles, ranges).mapPartitions(
        lambda rows: _text_features_of(rows, config, by_sentence), True
    )
    persist_large(texts)
    plan = (
        texts.mapPartitions(_sentence_batches)
        .groupByKey(partitions)
        .flatMap(functools.partial(_sentence_plan, ranges))
    )
    owners = plan.filter(lambda kv: kv[1][0] == _OWNER).mapValues(lambda v: v[1:])
    wanted = plan.filter(lambda kv: kv[1][0] == _WANTED).mapValues(lambda v: v[1:])
    owned = zip_by_index(ranges, texts, owners).mapPartitions(
        lambda items: _encode_owned(items, config), True
    )  # keyed by batch start: stays in its partition
    persist_large(owned)

    def ship(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[tuple[int, Any]]:
        vectors, wants = _split(items, 2)
        vector_of = dict(value for _, value in vectors)
        for _, (key, destination) in wants:
            yield destination, (key, vector_of[key])

    shipped = zip_by_index(ranges, owned, wanted).mapPartitions(ship)
    features = zip_by_index(ranges, texts, owned, shipped).mapPartitions(
        lambda items: _with_vectors(items, config), True
    )
    persist_large(features)
    features.count()
    owned.unpersist()
    texts.unpersist()
    return features


_OWNER, _WANTED = 0, 1


def encoder_of(config: Config) -> Any:
    """The process's encoder for ``config`` (loaded on first use in each Python worker)."""
    from samestory.embed import encoder_for

    return encoder_for(config.encoder)


def sentence_key(sentence: str) -> bytes:
    """A sentence's 128-bit hash: what the owner shuffle moves instead of its text."""
    return hashlib.blake2b(sentence.encode("utf-8"), digest_size=16).digest()


def _text_features_of(
    rows: Iterable[tuple[int, Article]], config: Config, by_sentence: bool
) -> Iterator[tuple[int, DocFeatures]]:
    switches.BOILERPLATE_BY_SENTENCE = by_sentence  # the driver's rule BS (featurize)
    for idx, article in sorted(rows, key=lambda item: item[0]):
        yield idx, text_features(article, config)


def _batches(rows: Iterable[tuple[int, DocFeatures]]) -> Iterator[tuple[int, list[Any]]]:
    """``(batch number, [(idx, features), ...])`` of a partition's rows, in index order."""
    ordered = sorted(rows, key=lambda item: item[0])
    for number, batch in itertools.groupby(ordered, key=lambda item: item[0] // FEATURE_BATCH):
        yield number, list(batch)


def _sentence_batches(rows: Iterable[tuple[int, DocFeatures]]) -> Iterator[tuple[bytes, int]]:
    """``(sentence key, batch number)`` for each distinct sentence of each batch."""
    for number, batch in _batches(rows):
        for sentence in batch_sentences([f for _, f in batch]):
            yield sentence_key(sentence), number


def _sentence_plan(
    ranges: IndexRanges, item: tuple[bytes, Iterable[int]]
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """For one sentence and the batches holding it: ``(partition start, (_OWNER, key,
    owner batch))`` to each partition holding it, and ``(owner's partition start,
    (_WANTED, key, partition start))`` for each other one (it needs the vector)."""
    key, batches = item
    numbers = set(batches)
    owner = min(numbers)
    home = ranges.start(ranges(owner * FEATURE_BATCH))
    for start in sorted({ranges.start(ranges(b * FEATURE_BATCH)) for b in numbers}):
        yield start, (_OWNER, key, owner)
        if start != home:
            yield home, (_WANTED, key, start)


def _encode_owned(
    items: Iterable[tuple[int, tuple[int, Any]]], config: Config
) -> Iterator[tuple[int, tuple[bytes, np.ndarray]]]:
    """Vectors of the sentences the partition's batches own, encoded batch after batch
    as :class:`~samestory.pipeline.featurise.FirstBatchVectors` encodes them."""
    rows, owners = _split(items, 2)
    owner_of = dict(value for _, value in owners)
    encoder = None
    for number, batch in _batches(rows):
        todo = [
            s for s in batch_sentences([f for _, f in batch]) if owner_of[sentence_key(s)] == number
        ]
        if not todo:
            continue
        encoder = encoder or uncached(encoder_of(config))
        encoded = encoder.encode(todo)
        start = number * FEATURE_BATCH
        for sentence, row in zip(todo, encoded, strict=True):
            yield start, (sentence_key(sentence), row.copy())


def _with_vectors(
    items: Iterable[tuple[int, tuple[int, Any]]], config: Config
) -> Iterator[tuple[int, DocFeatures]]:
    """The partition's features with their vectors (owned and shipped ones), set as
    :func:`~samestory.features.add_vectors` sets them."""
    rows, owned, shipped = _split(items, 3)
    dim = encoder_of(config).dim
    vector_of = {key: row for _, (key, row) in owned}
    vector_of.update(value for _, value in shipped)
    empty = np.zeros((0, dim), dtype=np.float32)
    for idx, f in sorted(rows, key=lambda item: item[0]):
        keys = [sentence_key(s) for s in f.sentences]
        vectors = np.stack([vector_of[k] for k in keys]) if keys else empty
        yield idx, set_vectors(f, vectors, dim)


def slim(f: DocFeatures) -> DocFeatures:
    """The fields a story is built from (ids, dates, lengths, title, first sentence)."""
    return dataclasses.replace(
        f,
        sentences=f.sentences[:1],
        sentence_vectors=_EMPTY,
        vector=_EMPTY,
        entities=frozenset(),
        numbers=frozenset(),
        quotes=(),
        terms=(_EMPTY, _EMPTY),
    )


def copy_sketch(f: DocFeatures) -> DocFeatures:
    """The fields :func:`~samestory.overlap.is_copy` reads (fingerprint, word and shingle
    counts, MinHash: ~0.8 KB pickled, against ~22 KB for the whole features), so the copy
    stage ships these to every band bucket an article is in, not its features."""
    # The candidate view without what candidate search alone reads.
    return dataclasses.replace(candidate_view(f), title=None, vector=_EMPTY, terms=(_EMPTY, _EMPTY))


def candidate_view(f: DocFeatures) -> DocFeatures:
    """The fields candidate search reads (vector, MinHash, term vector for the keywords),
    without the sentences and sentence vectors (most of the features' size): what the
    job keeps cached per representative while proposing pairs."""
    return dataclasses.replace(
        f,
        sentences=[],
        sentence_vectors=_EMPTY,
        entities=frozenset(),
        numbers=frozenset(),
        quotes=(),
        written_date=None,
        number_contexts=frozenset(),
    )


# ------------------------------------------------------------------------------- copies


def lsh_params(config: Config) -> tuple[int, int]:
    """Bands ``b`` and rows ``r`` of the local engine's MinHash-LSH for ``config``."""
    return copy_stage.lsh_bands(config.lsh_threshold, config.num_perm)


def band_keys(
    item: tuple[int, DocFeatures], bands: int, rows: int
) -> Iterator[tuple[tuple[int, bytes], int]]:
    """``((band, band hash values), idx)`` for each band of the article's MinHash."""
    idx, f = item
    if not f.n_shingles:  # the local index neither inserts nor queries empty signatures
        return
    for key in copy_stage.band_keys(f.minhash.hashvalues, bands, rows):
        yield key, idx


def _bucket_id(members: Sequence[int]) -> tuple[int, bytes]:
    digest = hashlib.blake2b(np.asarray(members, dtype=np.int64).tobytes(), digest_size=8)
    return members[0], digest.digest()


def _copy_edges_of_bucket(
    item: tuple[Any, Iterable[tuple[int, DocFeatures]]], config: Config
) -> Iterator[tuple[int, int]]:
    """Copy edges ``(first, member)`` among one LSH bucket's members.

    As the local engine: members in index order, each verified (``is_copy(earlier,
    later)``) against the earlier members not already in its group; a group is linked
    to its smallest member. ``O(m)`` edges; ``O(m)`` checks when the bucket is copies of
    one text, ``O(m²)`` when nothing in it is a copy (hence ``BUCKET_VERIFY_LIMIT``).
    """
    _, listed = item
    members = sorted(listed, key=lambda m: m[0])
    if len(members) > BUCKET_VERIFY_LIMIT:
        first, f_first = members[0]
        for i, f in members[1:]:
            if is_copy(f_first, f, config):
                yield first, i
        return
    sets = DisjointSets(len(members))
    for b in range(1, len(members)):
        for a in range(b):
            if sets.find(a) != sets.find(b) and is_copy(members[a][1], members[b][1], config):
                sets.union(a, b)
    for b, root in enumerate(sets.roots()):
        if root != b:
            yield members[root][0], members[b][0]


def copy_edges(features: RDD, ranges: IndexRanges, config: Config, partitions: int) -> RDD:
    """Edges ``(i, j)`` whose connected components are the local engine's copy groups."""
    exact = (
        # Not the texts without words: they all share the empty text's fingerprint.
        features.filter(lambda item: copy_stage.has_words(item[1]))
        .map(lambda item: (item[1].fingerprint, item[0]))
        .groupByKey(partitions)
        .flatMap(lambda kv: _star(sorted(kv[1])))
    )
    bands, rows = lsh_params(config)
    buckets = (
        features.flatMap(lambda item: band_keys(item, bands, rows))
        .groupByKey(partitions)
        .map(lambda kv: sorted(kv[1]))
        .filter(lambda members: len(members) > 1)
        .map(lambda members: (_bucket_id(members), members))
        .reduceByKey(lambda a, b: a, partitions)  # one bucket per distinct member list
    )
    requests = buckets.flatMap(lambda kv: [(i, kv[0]) for i in kv[1]])

    def ship(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[tuple[Any, Any]]:
        own, wanted = _split(items, 2)
        by_idx = dict(own)
        for i, bucket in wanted:
            yield bucket, (i, by_idx[i])

    # Each article goes to every distinct bucket it is in (up to one per band): only what
    # the copy test reads travels, not the features (a 20x larger shuffle otherwise).
    sketches = features.mapValues(copy_sketch)
    verified = (
        zip_by_index(ranges, sketches, requests)
        .mapPartitions(ship)
        .groupByKey(partitions)
        .flatMap(lambda item: _copy_edges_of_bucket(item, config))
    )
    return exact.union(verified)


def _star(members: Sequence[int]) -> Iterator[tuple[int, int]]:
    return ((members[0], m) for m in members[1:])


# --------------------------------------------------------------------------- candidates


def _bucket_pairs(members: Sequence[int]) -> Iterator[tuple[int, int]]:
    ordered = sorted(set(members))
    if len(ordered) <= BUCKET_PAIR_LIMIT:
        yield from itertools.combinations(ordered, 2)
        return
    for k, j in enumerate(ordered):
        for i in ordered[max(0, k - BUCKET_WINDOW) : k]:
            yield i, j


def lsh_pairs(features: RDD, config: Config, partitions: int) -> RDD:
    """Pairs sharing a MinHash-LSH band bucket: the local index's LSH candidates."""
    bands, rows = lsh_params(config)
    return (
        features.flatMap(lambda item: band_keys(item, bands, rows))
        .groupByKey(partitions)
        .flatMap(lambda kv: _bucket_pairs(list(kv[1])))
    )


def _keyword_entries(item: tuple[int, DocFeatures]) -> Iterator[tuple[int, Any]]:
    """``(word, (rank, weight, idx, id))`` for each of the article's keywords."""
    idx, f = item
    for rank, (word, weight) in enumerate(keywords(f).items()):
        yield word, (rank, weight, idx, f.id)


def _share_posting(item: tuple[int, Iterable[Any]]) -> Iterator[tuple[int, Any]]:
    """A keyword's posting list, sent to each of its articles: ``(idx, (rank, word,
    weight, id, posting))``. A word only one article has proposes nothing, and one with
    more than ``MAX_KEYWORD_POSTINGS`` articles counts nowhere (as in the local index),
    so neither is sent: at most ``KEYWORDS · MAX_KEYWORD_POSTINGS`` keys per article."""
    word, listed = item
    members = list(listed)
    if not 2 <= len(members) <= MAX_KEYWORD_POSTINGS:
        return
    posting = sorted((article_id, idx) for _, _, idx, article_id in members)
    for rank, weight, idx, article_id in members:
        yield idx, (rank, word, weight, article_id, posting)


def _keyword_pairs_of(item: tuple[int, Iterable[Any]]) -> Iterator[tuple[int, int]]:
    """The local index's keyword neighbours of one article, as pairs ``(i, j)``, ``i < j``:
    :func:`~samestory.candidates.keyword_neighbours` over the posting lists sent to it,
    its words in their order (so the weights are summed in the local order)."""
    idx, listed = item
    entries = sorted(listed, key=lambda e: e[0])
    words = {word: weight for _, word, weight, _, _ in entries}
    postings = {word: posting for _, word, _, _, posting in entries}
    me = (entries[0][3], idx)
    for _, j in keyword_neighbours(words, lambda word: postings.get(word, ()), me):
        yield (idx, j) if idx < j else (j, idx)


def keyword_pairs(features: RDD, partitions: int) -> RDD:
    """Pairs ``(i, j)`` the local keyword index proposes among ``features``.

    Postings are exploded (``(word, article)``), grouped by word, bounded as locally,
    and each bounded posting is joined back onto its articles, where the local ranking
    runs (:func:`~samestory.candidates.keyword_neighbours`, keys ``(id, idx)`` so ties
    break by id as locally). Shuffle: at most ``KEYWORDS · MAX_KEYWORD_POSTINGS`` keys
    an article (4,000), usually far fewer.
    """
    return (
        features.flatMap(_keyword_entries)
        .groupByKey(partitions)
        .flatMap(_share_posting)
        .groupByKey(partitions)
        .flatMap(_keyword_pairs_of)
    )


def _dated_entries(item: tuple[int, DocFeatures]) -> Iterator[tuple[int, Any]]:
    """``(word, (rank, weight, idx, id, day))`` for each of the article's keywords (day
    None when undated: such an article asks nothing, but counts in a posting's length)."""
    idx, f = item
    day = route_day(f)
    for rank, (word, weight) in enumerate(keywords(f).items()):
        yield word, (rank, weight, idx, f.id, day)


def _share_dated_posting(item: tuple[int, Iterable[Any]]) -> Iterator[tuple[int, Any]]:
    """A keyword's posting, bounded as :func:`_share_posting` bounds it, sent to each
    dated article of it cut to the articles dated within ``DATED_DAYS`` of it (itself
    included): ``(idx, (rank, word, weight, id, day, [((id, idx), day), ...]))``; not
    sent where no other article is that near."""
    word, listed = item
    members = list(listed)
    if not 2 <= len(members) <= MAX_KEYWORD_POSTINGS:
        return
    dated = sorted(((i, idx), day) for _, _, idx, i, day in members if day is not None)
    for rank, weight, idx, article_id, day in members:
        if day is None:
            continue
        near = [(key, d) for key, d in dated if abs(d - day) <= DATED_DAYS]
        if len(near) > 1:
            yield idx, (rank, word, weight, article_id, day, near)


def _dated_pairs_of(item: tuple[int, Iterable[Any]]) -> Iterator[tuple[int, int]]:
    """The local index's same-days neighbours of one article, as pairs ``(i, j)``,
    ``i < j``: :func:`~samestory.candidates.dated_ranking` over the postings sent to it,
    its words in their order (so the weights are summed in the local order)."""
    idx, listed = item
    entries = sorted(listed, key=lambda e: e[0])
    words = {word: weight for _, word, weight, _, _, _ in entries}
    postings = {word: [key for key, _ in near] for _, word, _, _, _, near in entries}
    days = {key: d for *_, near in entries for key, d in near}
    me, day = (entries[0][3], idx), entries[0][4]
    for (_, j), _ in dated_ranking(words, lambda w: postings.get(w, ()), days.get, day, me):
        yield (idx, j) if idx < j else (j, idx)


def dated_pairs(features: RDD, partitions: int) -> RDD:
    """Pairs ``(i, j)`` the local index's same-days route proposes among ``features``
    (:func:`~samestory.candidates.dated_ranking`): as :func:`keyword_pairs`, each
    bounded posting joined back onto its dated articles, cut to the days near each."""
    return (
        features.flatMap(_dated_entries)
        .groupByKey(partitions)
        .flatMap(_share_dated_posting)
        .groupByKey(partitions)
        .flatMap(_dated_pairs_of)
    )


# ------------------------------------------------------------------------------ scoring


def score_pairs(
    features: RDD, pairs: RDD, ranges: IndexRanges, config: Config, partitions: int
) -> RDD:
    """``(i, (j, tag, Relation))``, ``relate(features[i], features[j])`` for each pair
    ``(i, j, tag)``, ``i < j``, partitioned as ``features`` by ``i``.

    A representative pair (``tag`` True) is scored in ``i``'s partition, ``j``'s features
    shipped there; a copy pair (representative ``i``, copy ``j``) in the copy's partition,
    ``i``'s features shipped there. Features travel once to each partition that needs
    them (not once per pair), so copies never move: a representative with ``c`` copies
    is shipped to at most ``min(c, P)`` partitions instead of ``c`` copies to one, and
    only the (small) relations of copy pairs are re-partitioned by ``i`` afterwards.
    """
    at_i = pairs.filter(lambda p: p[2]).map(lambda p: (p[0], (p[1], p[2], True)))
    at_j = pairs.filter(lambda p: not p[2]).map(lambda p: (p[1], (p[0], p[2], False)))
    in_place = _score_at(features, at_i, ranges, config, partitions, True)
    moved = place(_score_at(features, at_j, ranges, config, partitions, False), ranges)
    return in_place.union(moved)


def _score_at(
    features: RDD, work: RDD, ranges: IndexRanges, config: Config, partitions: int, keep: bool
) -> RDD:
    """Pairs ``(home, (other, tag, home is i?))`` scored in ``home``'s partition, as
    ``(i, (j, tag, relate(features[i], features[j])))``; ``other``'s features shipped
    once to each partition that needs them. ``keep``: the output stays partitioned as
    ``features`` (true when every ``home`` is ``i``)."""
    requests = work.map(lambda kv: (kv[1][0], ranges.start(ranges(kv[0])))).distinct(partitions)

    def ship(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[tuple[int, Any]]:
        own, wanted = _split(items, 2)
        by_idx = dict(own)
        for j, destination in wanted:
            yield destination, (j, by_idx[j])

    shipped = zip_by_index(ranges, features, requests).mapPartitions(ship)
    # Rule AS's cut is read at call time (relate.scoring::_date_factor_of) and Spark's
    # Python workers do not inherit the driver's module state: the driver's setting
    # travels with the task, so a run (or a test) that sets the switch scores with it.
    year_cut = switches.PUBLISHED_YEAR_CUT

    def score(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[Any]:
        from samestory.relate import single_threaded_blas

        switches.PUBLISHED_YEAR_CUT = year_cut
        own, arrived, wanted = _split(items, 3)
        by_idx = dict(own)
        by_idx.update(value for _, value in arrived)
        with single_threaded_blas():
            # Each home article's pairs at once (relate_against / relate_to: the
            # relations of relate, bit for bit); every run has one home_first.
            for (home, home_first), run in itertools.groupby(sorted(wanted), key=_home_side):
                pairs = [(other, tag) for _, (other, tag, _) in run]
                others = [by_idx[other] for other, _ in pairs]
                relations = (  # lean, as the batch (relate.weak_relation)
                    relate_against(by_idx[home], others, config, lean=True)
                    if home_first
                    else relate_to(others, by_idx[home], config, lean=True)
                )
                for (other, tag), relation in zip(pairs, relations, strict=True):
                    i, j = (home, other) if home_first else (other, home)
                    yield i, (j, tag, relation)

    return zip_by_index(ranges, features, shipped, work).mapPartitions(score, keep)


def _home_side(item: tuple[int, tuple[int, Any, bool]]) -> tuple[int, bool]:
    home, (_, _, home_first) = item
    return home, home_first


# ----------------------------------------------------------------------------- grouping


def stay_on() -> bool:
    """Whether the groupings run rule AS's stay step (``switches.PUBLISHED_YEAR_CUT``),
    read on the driver and handed to the tasks (:func:`cluster_components`' ``stay``)."""
    return switches.PUBLISHED_YEAR_CUT


def lone_on() -> bool:
    """Whether the groupings run rule L (``switches.LONE_FLOOR_BAR``), read on the driver
    and handed to the tasks (:func:`cluster_components`' ``lone``)."""
    return switches.LONE_FLOOR_BAR


#: A scored representative pair's tag (:func:`score_pairs`' ``tag``) when only the
#: short-text vector floor proposed it (rule L, the job's flags): truthy, as every
#: representative pair's (True), so every reader of the tag reads it as one.
FLOOR_ONLY = 2


def rep_tag(pair: Sequence[Any]) -> Any:
    """The :func:`score_pairs` tag of a representative pair ``(i, j)`` or, with rule L's
    flag, ``(i, j, floor only?)``: True, or :data:`FLOOR_ONLY`."""
    return FLOOR_ONLY if len(pair) > 2 and pair[2] else True


def and_flags(flagged: RDD, partitions: int) -> RDD:
    """``(i, j, floor)`` triples of ``flagged`` once a pair, ``floor`` true when it is in
    every triple of the pair (rule L: a pair is the floor's only when every proposal of
    it is): the shuffle that deduplicates the pairs without the rule."""
    return (
        flagged.map(lambda t: ((t[0], t[1]), t[2]))
        .reduceByKey(operator.and_, partitions)
        .map(lambda kv: (*kv[0], kv[1]))
    )


def firm(pair: Sequence[int]) -> tuple[int, int, bool]:
    """A pair ``(i, j)`` some route other than the short-text floor proposed, flagged so
    (rule L)."""
    return pair[0], pair[1], False


def grouping_edge(
    i: int, j: int, relation: Relation, stay: bool, floor: bool | None = None
) -> tuple[Any, ...]:
    """The grouping's edge of representatives ``i < j`` scored ``relation``: ``(i, j,
    score, copy?)`` (whether the pair's relation is a copy's: the exclusive-names step's
    versions) and, with ``stay`` (rule AS), its score without the published-date cut
    (:func:`~samestory.relate.scoring.uncut_score`), as the batch's
    :class:`~samestory.pipeline.group.StayInput` reads it. With ``floor`` (rule L: whether
    only the short-text vector floor proposed the pair) ``(i, j, score, copy?, uncut,
    floor)``, ``uncut`` the score itself without ``stay`` (:func:`edge_reach` its score)."""
    edge = (i, j, relation.score, exclusive.copy_relation(relation))
    if floor is not None:
        return (*edge, uncut_score(relation) if stay else relation.score, floor)
    return (*edge, uncut_score(relation)) if stay else edge


def edge_reach(edge: Sequence[Any]) -> float:
    """The score at which ``edge`` joins a component: its score or, on an edge with its
    uncut score (rule AS, :func:`grouping_edge`), the higher of the two. The stay step
    reads a lone short text's best target without the cut; linkage never exceeds an
    edge, so a target at the bar without the cut has an edge there, and in the
    component the text is grouped in the answer is the batch's."""
    return max(edge[2], edge[4]) if len(edge) > 4 else edge[2]


def group_components(
    edges: RDD,
    threshold: float,
    attach_threshold: float | None,
    partitions: int,
    limit: int = COMPONENT_LIMIT,
    most_edges: int | None = None,
) -> RDD:
    """``(node, group)``: :func:`cluster_components` without roundups (plain
    :func:`average_link` per component). Computed and persisted: the caller unpersists
    it."""
    grouped = cluster_components(edges, threshold, attach_threshold, partitions, limit, most_edges)
    return graph.computed(grouped.mapValues(_group_only), grouped)


def _group_only(value: tuple[int, FoundRoundup | None]) -> int:
    return value[0]


def cluster_components(
    edges: RDD,
    threshold: float,
    attach_threshold: float | None,
    partitions: int,
    limit: int = COMPONENT_LIMIT,
    most_edges: int | None = None,
    views: RDD | None = None,
    stay: bool = False,
    lone: bool = False,
) -> RDD:
    """``(node, (group, roundup))``: the grouping of the edges ``(i, j, score)`` (or
    ``(i, j, score, copy?)``: whether the pair's relation is a copy's), run
    per connected component of the edges at or above the attach threshold, in tasks
    (:func:`cluster_component`); ``roundup`` is the node's
    :class:`~samestory.pipeline.group.FoundRoundup` (in node ids) or None.

    No merge or attachment crosses a weaker edge: a linkage is an average of edges, so
    it never exceeds the strongest edge between two groups. The component's nodes keep
    their order (and its edges theirs), so ties break as in one global run and the
    groups are the local ones. ``group`` is the group's smallest node; nodes in no
    edge at or above the bar are left out (each is its own group). A component of more
    than ``limit`` nodes is cut first (:func:`bounded_components`). With ``views``
    (``(node, NameView)`` of every node, :func:`name_views`) each component's views
    travel with its edges and the roundup rule runs there
    (:func:`~samestory.pipeline.group.group_with_roundups`): a roundup's partners score
    at least ``attach_threshold`` with it, at or above the component bar, so they are
    in its component and the local answer holds (not when ``attach_threshold`` is None,
    nor across the cuts of a giant component). The result comes back computed and
    persisted: the caller unpersists it. ``most_edges``: a bound on the edges when the
    caller knows one (see :func:`graph.connected_components`).

    ``stay`` (rule AS, with ``views``): each edge ends with its uncut score
    (:func:`grouping_edge`) and each view is ``(NameView, short)``
    (:func:`name_views`); components join at :func:`edge_reach`, and the grouping's
    attach step leaves a lone short text alone as the batch's does
    (:class:`~samestory.pipeline.group.StayInput`). ``lone`` (rule L, with ``views`` as
    for ``stay``): each edge is :func:`grouping_edge`'s with its floor flag, and the
    grouping reads a lone short item's linkage without the floor's pairs under the story
    bar (:class:`~samestory.pipeline.group.LoneInput`; leaving pairs out of a linkage
    lowers it, so the components hold the batch's answer).
    """
    bar = threshold if attach_threshold is None else min(threshold, attach_threshold)
    cuts = sorted({bar, threshold, *(t for t in SPLIT_SCORES if t > threshold)})
    reach = edges.map(lambda e: (e[0], e[1], edge_reach(e))) if stay else edges
    bounded = bounded_components(reach, cuts, limit, partitions, most_edges)
    component = bounded.filter(lambda kv: kv[1][1]).mapValues(lambda value: value[0])
    # Past the last cut: the component at the highest score is the group (single link).
    linked = bounded.filter(lambda kv: not kv[1][1]).mapValues(lambda value: (value[0], None))
    # (i, (j, (score, copy?))): an edge's score and, where given, its copy flag.
    by_i = edges.map(lambda e: (e[0], (e[1], tuple(e[2:])))).join(component, partitions)
    by_j = by_i.map(lambda kv: (kv[1][0][0], (kv[0], kv[1][0][1], kv[1][1])))
    inside = by_j.join(component, partitions).flatMap(
        lambda kv: (
            [(kv[1][0][2], (kv[1][0][0], kv[0], *kv[1][0][1]))] if kv[1][0][2] == kv[1][1] else []
        )
    )

    with_views = views is not None  # (the task must not hold the RDD)

    def cluster(item: tuple[int, Any]) -> Iterator[tuple[int, tuple[int, FoundRoundup | None]]]:
        _, (listed, viewed) = item
        view_of = dict(viewed) if with_views else None
        groups, found = cluster_component(listed, threshold, attach_threshold, view_of, stay, lone)
        flag = {f.index: f for f in found}
        for node, group in groups:
            yield node, (group, flag.get(node))

    work: RDD
    if views is None:
        work = inside.groupByKey(partitions).mapValues(lambda listed: (listed, ()))
    else:
        # (component, (node, view)) of every node of a component: shipped once, names only.
        located = component.join(views, partitions).map(lambda kv: (kv[1][0], (kv[0], kv[1][1])))
        work = inside.cogroup(located, partitions)
    return graph.computed(work.flatMap(cluster).union(linked), bounded)


def cluster_component(
    edges: Iterable[tuple[Any, ...]],
    threshold: float,
    attach_threshold: float | None,
    views: Mapping[int, Any] | None = None,
    stay: bool = False,
    lone: bool = False,
) -> tuple[list[tuple[int, int]], list[FoundRoundup]]:
    """One component's grouping: ``(node, group)`` for each node of ``edges`` (``group``
    the smallest node of its group) and the roundups found, in node ids (``index`` the
    roundup's node; each part's ``side`` and ``attached_to`` a group's smallest node).

    Edges and nodes are put in index order, so ties break as in one global run. With
    ``views`` (node -> :class:`~samestory.roundups.NameView`, every node of the edges)
    the grouping is :func:`~samestory.pipeline.group.group_with_roundups`' at these two
    thresholds, else :func:`average_link` (no roundups) as :func:`group` runs it.
    ``stay`` (rule AS, with ``views``): each view is ``(NameView, short)`` and each edge
    ends with its uncut score (:func:`grouping_edge`): the grouping's
    :class:`~samestory.pipeline.group.StayInput`. ``lone`` (rule L, with ``views`` as
    for ``stay``): each edge ends with its floor flag (:func:`grouping_edge`), the
    grouping's :class:`~samestory.pipeline.group.LoneInput` at the story bar."""
    ordered = sorted(edges)
    nodes = sorted({e[0] for e in ordered} | {e[1] for e in ordered})
    local = {node: k for k, node in enumerate(nodes)}
    scored = [(local[e[0]], local[e[1]], e[2]) for e in ordered]
    # Pairs related as copies (the edge's fourth item): the exclusive-names step of the
    # grouping counts their texts as one version, as the batch's does. Edges without the
    # flag say nothing of copies: the step does not run (it would count copies as
    # independent witnesses).
    flagged = any(len(e) > 3 for e in ordered)
    copies = [(local[e[0]], local[e[1]]) for e in ordered if len(e) > 3 and e[3]]
    found: list[FoundRoundup] = []
    if views is None:
        groups = average_link(
            len(nodes),
            scored,
            threshold,
            attach_threshold,
            lone_attach=True,  # as the local grouping (pipeline.group.group)
        )
    else:
        config = DEFAULT_CONFIG.replace(
            same_story_threshold=threshold, attach_threshold=attach_threshold
        )
        short = [views[node][1] for node in nodes] if stay or lone else []
        rule_as = None  # rule AS, only when on: the uncut scores and the texts' shortness
        if stay:
            rule_as = StayInput([(local[e[0]], local[e[1]], e[4]) for e in ordered], short)
        rule_l = None  # rule L, only when on: the pairs only the floor proposed
        if lone:
            only = {(local[e[0]], local[e[1]]) for e in ordered if e[5]}
            rule_l = LoneInput(only, lone_floor_bar(config), short)
        named = [views[node][0] if stay or lone else views[node] for node in nodes]
        groups, found = group_with_roundups(
            exclusive.WithCopies(named, copies) if flagged else named,
            scored,
            [None] * len(nodes),
            config,
            stay=rule_as,
            lone=rule_l,
        )
    key = [nodes[min(group)] for group in groups]
    out = [(nodes[k], key[g]) for g, group in enumerate(groups) for k in group]
    flags = [
        FoundRoundup(
            nodes[f.index],
            tuple(dataclasses.replace(p, side=key[p.side]) for p in f.parts),
            None if f.attached_to is None else key[f.attached_to],
            f.cut,
        )
        for f in found
    ]
    return out, flags


def name_views(features: RDD, copy_of: RDD, ranges: IndexRanges, stay: bool = False) -> RDD:
    """``(idx, NameView)`` of the representatives (``copy_of``: ``(copy, rep)``), made
    in place from the cached features (:func:`~samestory.roundups.name_view`); with
    ``stay`` (rule AS) ``(idx, (NameView, short))``, ``short`` from
    :func:`copy_group_shortness`."""

    def of_reps(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[tuple[int, NameView]]:
        own, copies = _split(items, 2)
        dropped = {i for i, _ in copies}
        return ((i, name_view(f)) for i, f in own if i not in dropped)

    views = zip_by_index(ranges, features, copy_of).mapPartitions(of_reps, True)
    return views.join(copy_group_shortness(features, copy_of, ranges)) if stay else views


def copy_group_shortness(features: RDD, copy_of: RDD, ranges: IndexRanges) -> RDD:
    """``(rep, short)``: whether every text of the representative's copy group is short
    (:func:`~samestory.relate.date_gate.is_short_text`), the item the batch's stay step
    reads (a copy may be a longer or shorter text than its representative)."""

    def of_all(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[tuple[int, bool]]:
        own, copies = _split(items, 2)
        rep_of = dict(copies)
        return ((rep_of.get(i, i), is_short_text(f)) for i, f in own)

    return zip_by_index(ranges, features, copy_of).mapPartitions(of_all).reduceByKey(operator.and_)


def bounded_components(
    edges: RDD,
    cuts: Sequence[float],
    limit: int,
    partitions: int,
    most_edges: int | None = None,
) -> RDD:
    """``(node, (component, linkage?))``: connected components of the edges scoring at
    least ``cuts[0]``, none over ``limit`` nodes, for one task each to cluster.

    A component over ``limit`` nodes (a dense topic: many independent reports linked by
    weak pairs) is cut into the components of its edges scoring at least the next cut,
    and so on (a line on the ``samestory`` logger each time). The first cut is the
    merge threshold: every average-link merge needs a pair at or above it, so only
    splinter attachments across the cut are lost; higher cuts can also lose merges.
    Nodes left without an edge at the cut are their own groups. A component still over
    ``limit`` at the last cut is not clustered (``linkage?`` False): it is one group,
    single linkage at that score. Each level costs a count per component; the ids of
    the components over the limit (at most ``n / limit``) reach the driver. The result
    comes back computed and persisted, each level's components released.
    """
    strong = edges.filter(lambda e: e[2] >= cuts[0]).map(lambda e: (e[0], e[1]))
    # Persisted; computed here or, given ``most_edges``, by the count of its sizes below.
    component = graph.connected_components(strong, partitions, most_edges=most_edges)
    levels = [component]
    done: RDD | None = None
    for level, cut in enumerate(cuts):
        sizes = component.map(lambda kv: (kv[1], 1)).reduceByKey(operator.add, partitions)
        giants = dict(sizes.filter(lambda kv: kv[1] > limit).collect())
        last = level == len(cuts) - 1
        big = frozenset(giants)
        kept = component.filter(functools.partial(_component_in, big, False))
        kept = kept.mapValues(lambda c: (c, True))
        done = kept if done is None else done.union(kept)
        if not giants:
            break
        inside = component.filter(functools.partial(_component_in, big, True))
        if last:
            for c, size in sorted(giants.items()):
                log.warning(
                    "spark: a story component of %d representatives (from %d) is over the "
                    "limit of %d at edge score %.2f: grouped as one (single linkage)",
                    size, c, limit, cut,
                )  # fmt: skip
            done = done.union(inside.mapValues(lambda c: (c, False)))
            break
        above = cuts[level + 1]
        for c, size in sorted(giants.items()):
            log.warning(
                "spark: a story component of %d representatives (from %d) is over the "
                "limit of %d: cut at edge score %.2f",
                size, c, limit, above,
            )  # fmt: skip
        cut_edges = (
            edges.filter(functools.partial(_scores_at_least, above))
            .map(lambda e: (e[0], e[1]))
            .join(inside, partitions)
            .map(lambda kv: (kv[0], kv[1][0]))
        )
        component = graph.connected_components(cut_edges, partitions)
        levels.append(component)
    assert done is not None
    return graph.computed(done, *levels)


def _component_in(components: frozenset[int], wanted: bool, kv: tuple[int, int]) -> bool:
    return (kv[1] in components) is wanted


def _scores_at_least(cut: float, edge: tuple[int, int, float]) -> bool:
    return edge[2] >= cut


def groups_of_all(features: RDD, copy_of: RDD, rep_group: RDD, ranges: IndexRanges) -> RDD:
    """``(idx, group)`` of every article, partitioned as ``features``: a representative's
    group from ``rep_group`` (itself when absent), a copy's that of its representative."""

    def copies_group(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[tuple[int, int]]:
        groups, copies = _split(items, 2)
        group = dict(groups)
        for rep, copy in copies:
            yield copy, group.get(rep, rep)

    by_rep = copy_of.map(lambda kv: (kv[1], kv[0]))
    copy_group = zip_by_index(ranges, rep_group, by_rep).mapPartitions(copies_group)

    def assign(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[tuple[int, int]]:
        own, groups, copy_groups = _split(items, 3)
        group = dict(groups)
        group.update(copy_groups)
        for i, _ in own:
            yield i, group.get(i, i)

    keys = features.mapValues(lambda _: None)
    return zip_by_index(ranges, keys, rep_group, copy_group).mapPartitions(assign, True)


def story_members(
    features: RDD, meta: RDD, copy_of: RDD, group_of: RDD, ranges: IndexRanges
) -> RDD:
    """``(group, (idx, (slim features, (input row, text length), representative)))``."""

    def rows(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[tuple[int, Any]]:
        own, metas, copies, groups = _split(items, 4)
        meta_of, rep_of, group = dict(metas), dict(copies), dict(groups)
        for i, f in own:
            yield group[i], (i, (slim(f), meta_of[i], rep_of.get(i, i)))

    return zip_by_index(ranges, features, meta, copy_of, group_of).mapPartitions(rows)


def same_story_relations(scored: RDD, group_of: RDD, ranges: IndexRanges) -> RDD:
    """``(group, ((i, j), relation))`` for the same-story relations inside a group."""

    def with_group_of_i(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[Any]:
        groups, relations = _split(items, 2)
        group = dict(groups)
        for i, (j, _, relation) in relations:
            if relation.same_story:  # as build_stories: follow-ups are other stories
                yield j, (i, group[i], relation)

    def with_group_of_j(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[Any]:
        groups, relations = _split(items, 2)
        group = dict(groups)
        for j, (i, group_i, relation) in relations:
            if group[j] == group_i:
                yield group_i, ((i, j), relation)

    by_j = zip_by_index(ranges, group_of, scored).mapPartitions(with_group_of_i)
    return zip_by_index(ranges, group_of, by_j).mapPartitions(with_group_of_j)


# ------------------------------------------------------------------------------ stories


def story_of_group(
    item: tuple[int, tuple[Iterable[tuple[int, Any]], Iterable[tuple[tuple[int, int], Relation]]]],
    annotate: Callable[[Story, list[tuple[int, Any]]], Iterator[Any]] | None = None,
) -> Iterator[Any]:
    """The :class:`Story` of one group (members and relations in the local order), and
    with ``annotate`` what it makes of the story and its members."""
    from samestory.pipeline.assemble import make_story

    _, (members, relations) = item
    ordered = sorted(members, key=lambda m: m[0])
    rels = [r for _, r in sorted(relations, key=lambda p: p[0])]
    story = make_story([m[1][0] for m in ordered], rels)
    yield ("story", story)
    if annotate is not None:
        for row in annotate(story, ordered):
            yield ("note", row)


# ------------------------------------------------------------------------------ threads


#: Pairs between stories up to which one task finds every thread of the input
#: (:func:`threads_in_one_task`: ~200 B a pair in Python), without the distributed
#: components' jobs and joins (a few seconds of fixed cost a stage on a small input).
THREAD_ONE_TASK_PAIRS = 200_000
_EDGE, _SIZE, _FIRST = 0, 1, 2  # what a row of threads_in_one_task's input holds


@dataclasses.dataclass(frozen=True)
class ThreadInputs:
    """What the thread stage reads, from the job's data or an incremental run's state.

    ``scored``: ``(i, (j, representative pair?, relation))`` (only the representative
    pairs are read); ``group_of``: ``(idx, group)`` of the articles (the representatives
    at least); ``copy_of``: ``(copy, representative)`` of any copies in ``group_of``;
    ``views``: ``(idx, None)`` of some articles -> their ``(idx, thread_view)``, read
    only for undated pairs of two stories; ``left_out``: the roundups the grouping cut
    (their pairs chain no threads)."""

    scored: RDD
    group_of: RDD
    copy_of: RDD
    views: Callable[[RDD], RDD]
    ranges: IndexRanges
    partitions: int
    left_out: frozenset[int] = frozenset()


def feature_views(features: RDD, ranges: IndexRanges) -> Callable[[RDD], RDD]:
    """:attr:`ThreadInputs.views` of the job: the wanted texts' :func:`thread_view` read
    from ``features`` (partitioned by ``ranges``) in one pass (only those leave it)."""

    def views_of(ends: RDD) -> RDD:
        def wanted_views(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[Any]:
            own, wanted = _split(items, 2)
            needed = {i for i, _ in wanted}
            return ((i, thread_view(f)) for i, f in own if i in needed)

        return zip_by_index(ranges, features, ends).mapPartitions(wanted_views)

    return views_of


def story_threads(inputs: ThreadInputs, firsts: RDD, limit: int = COMPONENT_LIMIT) -> RDD:
    """``(story id, thread id)`` of the stories in a thread with others (computed and
    persisted; any other story is its own thread), as the local
    :func:`~samestory.pipeline.assemble.find_threads` and ``assign_threads``, given
    ``firsts``: ``(group, (story id, date of its first version))``.

    Up to ``THREAD_ONE_TASK_PAIRS`` pairs between stories, one task finds every thread
    (:func:`threads_in_one_task`); above, the story graph's components are found and
    clustered across tasks (:func:`thread_components`), as the grouping's are."""
    from pyspark import StorageLevel

    edges, split, n_edges = thread_edges(inputs)
    sizes = representatives_per_group(
        inputs.group_of, inputs.copy_of, inputs.ranges, inputs.partitions
    )
    if n_edges <= THREAD_ONE_TASK_PAIRS:
        rows = (
            edges.map(functools.partial(_tagged, _EDGE))
            .union(sizes.map(functools.partial(_tagged, _SIZE)))
            .union(firsts.map(functools.partial(_tagged, _FIRST)))
            .map(lambda row: (0, row))
        )
        ids = rows.groupByKey(1).flatMap(lambda kv: threads_in_one_task(kv[1], limit))
        return graph.computed(ids, split)
    edges.persist(StorageLevel.MEMORY_AND_DISK)
    threads = thread_components(edges, sizes, inputs.partitions, limit)
    return graph.computed(thread_ids(threads, firsts, inputs.partitions), threads, edges, split)


def thread_edges(inputs: ThreadInputs) -> tuple[RDD, RDD, int]:
    """``(i, j, group i, group j, p)`` of the scored pairs of representatives (less
    those with an end in ``inputs.left_out``) between two stories, each with its thread
    probability (:func:`story_pair_scores`: an undated pair re-scored with its stories'
    gap); the persisted pairs they are read from (the caller releases them); and their
    number (one job, which also says whether any pair is re-scored)."""
    from pyspark import StorageLevel

    pairs = cross_story_pairs(inputs.scored, inputs.group_of, inputs.ranges, inputs.left_out)
    split = pairs.groupByKey(inputs.partitions).flatMap(story_pair_scores)
    split.persist(StorageLevel.MEMORY_AND_DISK)
    kinds = split.map(lambda kv: kv[0]).countByValue()
    edges = split.filter(lambda kv: kv[0] == 0).values()
    if kinds.get(1):  # undated pairs of two stories with a known gap
        todo = split.filter(lambda kv: kv[0] == 1).values()
        edges = edges.union(_rescored(todo, inputs.views, inputs.partitions))
    return edges, split, sum(kinds.values())


def _thread_cuts() -> list[float]:
    """The scores the story graph is cut at (:func:`bounded_components`): a thread's
    merges and attachments need a linkage of at least half the threshold, an average
    of pair probabilities, so a pair at half the threshold or more under every one."""
    from samestory.threads import THREAD_THRESHOLD

    return sorted(
        {THREAD_THRESHOLD / 2, THREAD_THRESHOLD, *(t for t in SPLIT_SCORES if t > THREAD_THRESHOLD)}
    )


def thread_components(edges: RDD, sizes: RDD, partitions: int, limit: int = COMPONENT_LIMIT) -> RDD:
    """``(group, thread)`` of the groups (stories) that share a thread pair ``edges``
    with another one (``sizes``: ``(group, representatives)``): ``thread`` the smallest
    group of its thread; a group left out is its own thread.

    As :func:`samestory.pipeline.assemble.find_threads`:
    :func:`samestory.threads.thread_groups` over stories weighing their
    representatives, each connected component of the stories linked by pairs at half
    the threshold or more (:func:`_thread_cuts`) clustered in one task
    (:func:`thread_component`), a giant one cut as the grouping cuts one
    (:func:`bounded_components`). Computed and persisted: the caller unpersists.
    """
    from samestory.threads import THREAD_THRESHOLD

    story_edges = (
        edges.map(lambda e: ((min(e[2], e[3]), max(e[2], e[3])), e[4]))
        .reduceByKey(max, partitions)
        .map(lambda kv: (kv[0][0], kv[0][1], kv[1]))
    )
    bounded = bounded_components(story_edges, _thread_cuts(), limit, partitions)
    component = bounded.filter(lambda kv: kv[1][1]).mapValues(lambda value: value[0])
    # Past the last cut: the component is one thread (single link at that score).
    whole = bounded.filter(lambda kv: not kv[1][1]).mapValues(lambda value: value[0])
    by_i = edges.map(lambda e: (e[2], e)).join(component, partitions)
    inside = (
        by_i.map(lambda kv: (kv[1][0][3], kv[1]))
        .join(component, partitions)
        .flatMap(lambda kv: [(kv[1][1], kv[1][0][0])] if kv[1][0][1] == kv[1][1] else [])
    )  # (component, pair)
    in_component = sizes.join(component, partitions).map(
        lambda kv: (kv[1][1], (kv[0], kv[1][0]))
    )  # (component, (group, representatives))
    clustered = inside.cogroup(in_component, partitions).flatMap(
        lambda kv: thread_component(kv[1][0], kv[1][1], THREAD_THRESHOLD)
    )
    return graph.computed(clustered.union(whole), bounded)


def threads_in_one_task(
    rows: Iterable[tuple[int, Any]], limit: int = COMPONENT_LIMIT
) -> Iterator[tuple[str, str]]:
    """``(story id, thread id)`` of every story of a thread pair, found in one task from
    ``rows``: the pairs ``(_EDGE, (i, j, group i, group j, p))``, the groups' sizes
    ``(_SIZE, (group, representatives))`` and first versions ``(_FIRST, (group, (story
    id, date)))``. The same threads as :func:`thread_components` then
    :func:`thread_ids`: the story graph's components cut as :func:`bounded_components`
    cuts them (:func:`_bounded_local`), each clustered by :func:`thread_component`."""
    from samestory.threads import THREAD_THRESHOLD, first_story_key, thread_id

    edges, sizes, firsts = _split(((0, row) for row in rows), 3)
    pairs = [e for _, e in edges]
    size_of = {g: n for _, (g, n) in sizes}
    first_of = dict(value for _, value in firsts)
    strongest: dict[tuple[int, int], float] = {}
    for _, _, a, b, p in pairs:
        key = (min(a, b), max(a, b))
        strongest[key] = max(p, strongest.get(key, p))
    thread_of: dict[int, int] = {}
    clustered: list[set[int]] = []
    for members, linkage in _bounded_local(strongest, _thread_cuts(), limit):
        if linkage:
            clustered.append(members)
        else:  # one thread: single link at the last cut
            thread_of.update((g, min(members)) for g in members)
    # Each pair goes to its component's list in one pass (not one scan of every pair per
    # component: quadratic with many small components); order kept.
    component_of = {g: k for k, members in enumerate(clustered) for g in members}
    inside: list[list[Any]] = [[] for _ in clustered]
    for e in pairs:
        k = component_of.get(e[2])
        if k is not None and component_of.get(e[3]) == k:
            inside[k].append(e)
    for k, members in enumerate(clustered):
        listed = [(g, size_of[g]) for g in members]
        thread_of.update(thread_component(inside[k], listed, THREAD_THRESHOLD))
    stories_of: dict[int, list[tuple[str, Any]]] = {}
    for group, thread in thread_of.items():
        if group in first_of:  # as thread_ids' join: a group without a story names none
            stories_of.setdefault(thread, []).append(first_of[group])
    for stories in stories_of.values():
        first = min(stories, key=lambda s: first_story_key(s[0], s[1]))[0]
        yield from ((story, thread_id(first)) for story, _ in stories)


def _bounded_local(
    edges: Mapping[tuple[int, int], float], cuts: Sequence[float], limit: int
) -> Iterator[tuple[set[int], bool]]:
    """:func:`bounded_components` in one task: the components of the ``edges`` (story
    pairs and their best score) at ``cuts[0]``, one over ``limit`` nodes cut into those
    of its edges at the next cut, and so on; ``(nodes, linkage?)``, False for one still
    over ``limit`` at the last cut (one thread)."""
    listed = [(a, b, p) for (a, b), p in edges.items()]
    for level, cut in enumerate(cuts):
        last = level == len(cuts) - 1
        giants: set[int] = set()
        for members in _components_at(listed, cut):
            if len(members) <= limit:
                yield members, True
                continue
            log.warning(
                "spark: a story component of %d stories (from %d) is over the limit of %d"
                " at edge score %.2f: %s",
                len(members), min(members), limit, cut,
                "one thread (single linkage)" if last else "cut further",
            )  # fmt: skip
            if last:
                yield members, False
            giants |= members
        if not giants or last:
            return
        above = cuts[level + 1]
        listed = [e for e in listed if e[2] >= above and e[0] in giants]


def _components_at(edges: Sequence[tuple[int, int, float]], cut: float) -> list[set[int]]:
    """Connected components of the nodes of ``edges`` scoring at least ``cut``."""
    strong = [(a, b) for a, b, p in edges if p >= cut]
    nodes = sorted({n for edge in strong for n in edge})
    index = {n: k for k, n in enumerate(nodes)}
    sets = DisjointSets(len(nodes))
    for a, b in strong:
        sets.union(index[a], index[b])
    found: dict[int, set[int]] = {}
    for n in nodes:
        found.setdefault(sets.find(index[n]), set()).add(n)
    return list(found.values())


def cross_story_pairs(
    scored: RDD, group_of: RDD, ranges: IndexRanges, left_out: frozenset[int]
) -> RDD:
    """``((group a, group b), (i, j, group i, group j, gap, thread probability, relation
    or None))`` for each scored representative pair of two stories (``a < b``), the
    relation kept only for an undated pair (it may be re-scored with its stories' gap)."""

    def with_group_of_i(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[Any]:
        groups, relations = _split(items, 2)
        group = dict(groups)
        for i, (j, rep_pair, relation) in relations:
            if rep_pair and i not in left_out and j not in left_out:
                yield j, (i, group[i], relation)

    def with_group_of_j(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[Any]:
        groups, relations = _split(items, 2)
        group = dict(groups)
        for j, (i, group_i, relation) in relations:
            group_j = group[j]
            if group_j == group_i:
                continue
            gap = relation.evidence.date_gap_days
            p = relation.evidence.scores.get("thread", 0.0)
            key = (min(group_i, group_j), max(group_i, group_j))
            yield key, (i, j, group_i, group_j, gap, p, relation if gap is None else None)

    by_j = zip_by_index(ranges, group_of, scored).mapPartitions(with_group_of_i)
    return zip_by_index(ranges, group_of, by_j).mapPartitions(with_group_of_j)


def story_pair_scores(
    item: tuple[tuple[int, int], Iterable[tuple[Any, ...]]],
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """The pairs between two stories with their thread probabilities: ``(0, (i, j, group
    i, group j, p))``, or ``(1, (i, j, group i, group j, gap, relation))`` for an undated
    pair that takes its stories' gap (:func:`samestory.threads.borrowed_gaps`) and is
    re-scored from its texts (:func:`_rescored`)."""
    from samestory.threads import borrowed_gaps

    _, listed = item
    rows = sorted(listed, key=lambda row: (row[0], row[1]))
    story_of = {k: g for row in rows for k, g in ((row[0], row[2]), (row[1], row[3]))}
    gaps = borrowed_gaps([(r[0], r[1]) for r in rows], [r[4] for r in rows], story_of)
    for (i, j, group_i, group_j, own, p, relation), gap in zip(rows, gaps, strict=True):
        if gap is None or own is not None:
            yield 0, (i, j, group_i, group_j, p)
        else:
            yield 1, (i, j, group_i, group_j, gap, relation)


def thread_view(f: DocFeatures) -> DocFeatures:
    """The fields the thread model's inputs read of a text (names, numbers, sentences
    and their name roles, dates, lengths): the features without their vectors."""
    return dataclasses.replace(f, sentence_vectors=_EMPTY, vector=_EMPTY, terms=(_EMPTY, _EMPTY))


def _rescored(todo: RDD, views_of: Callable[[RDD], RDD], partitions: int) -> RDD:
    """``(i, j, group i, group j, p)`` of the undated pairs ``todo`` re-scored with their
    stories' gap (as :func:`samestory.pipeline.assemble.thread_scores`), the two texts'
    :func:`thread_view` from ``views_of`` (:attr:`ThreadInputs.views`)."""
    from samestory.pipeline.assemble import pair_thread_probability

    ends = todo.flatMap(lambda t: [(t[0], None), (t[1], None)]).distinct(partitions)
    views = views_of(ends)
    by_i = todo.map(lambda t: (t[0], t)).join(views, partitions)
    by_j = by_i.map(lambda kv: (kv[1][0][1], kv[1])).join(views, partitions)

    def score(kv: tuple[int, Any]) -> tuple[int, int, int, int, float]:
        _, ((row, view_i), view_j) = kv
        i, j, group_i, group_j, gap, relation = row
        return i, j, group_i, group_j, pair_thread_probability(view_i, view_j, relation, gap)

    return by_j.map(score)


def representatives_per_group(
    group_of: RDD, copy_of: RDD, ranges: IndexRanges, partitions: int
) -> RDD:
    """``(group, representatives)``: how many of a group's articles are not copies."""

    def count(items: Iterable[tuple[int, tuple[int, Any]]]) -> Iterator[tuple[int, int]]:
        groups, copies = _split(items, 2)
        dropped = {i for i, _ in copies}
        counts: dict[int, int] = {}
        for i, group in groups:
            if i not in dropped:
                counts[group] = counts.get(group, 0) + 1
        return iter(counts.items())

    return (
        zip_by_index(ranges, group_of, copy_of)
        .mapPartitions(count)
        .reduceByKey(operator.add, partitions)
    )


def thread_component(
    pairs: Iterable[tuple[int, int, int, int, float]],
    sizes: Iterable[tuple[int, int]],
    threshold: float,
) -> list[tuple[int, int]]:
    """One component's threads: ``(group, thread)`` for each of its ``sizes``' groups
    (``(group, representatives)``), ``thread`` the smallest group of its thread, by
    :func:`samestory.threads.thread_groups` over the pairs ``(i, j, group i, group j,
    p)``, each group standing for as many items as it has representatives."""
    from samestory.threads import thread_groups

    count = dict(sizes)
    ordered = sorted(pairs)
    reps: dict[int, set[int]] = {g: set() for g in count}
    for i, j, group_i, group_j, _ in ordered:
        reps.setdefault(group_i, set()).add(i)
        reps.setdefault(group_j, set()).add(j)
    item: dict[int, int] = {}
    story_of: list[int] = []
    for group in sorted(reps):  # a group's scored representatives, then its others
        for rep in sorted(reps[group]):
            item[rep] = len(story_of)
            story_of.append(group)
        story_of.extend([group] * max(0, count.get(group, 0) - len(reps[group])))
    edges = [(item[i], item[j], p) for i, j, _, _, p in ordered]
    out: list[tuple[int, int]] = []
    for thread in thread_groups(len(story_of), edges, story_of, threshold):
        groups = sorted({story_of[k] for k in thread})
        out.extend((group, groups[0]) for group in groups)
    return out


def thread_ids(threads: RDD, firsts: RDD, partitions: int) -> RDD:
    """``(story id, thread id)`` of the stories of ``threads`` (``(group, thread)``),
    given ``firsts``: ``(group, (story id, date of its first version))``. The id is
    :func:`samestory.threads.thread_id` of the thread's first story, as
    :func:`samestory.pipeline.assemble.assign_threads` picks it (earliest first version,
    undated last, then story id). A story in no thread is its own (not listed)."""
    from samestory.threads import first_story_key, thread_id

    def ids(item: tuple[int, Iterable[tuple[str, Any]]]) -> Iterator[tuple[str, str]]:
        stories = list(item[1])
        first = min(stories, key=lambda s: first_story_key(s[0], s[1]))[0]
        return ((story, thread_id(first)) for story, _ in stories)

    return (
        threads.join(firsts, partitions).map(lambda kv: kv[1]).groupByKey(partitions).flatMap(ids)
    )
