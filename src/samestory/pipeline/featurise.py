"""Stage 1, featurise: ``Article`` → ``DocFeatures``, everything later stages read."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence

import numpy as np

from samestory import lexical
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import CachedEncoder, SentenceEncoder, encoder_for
from samestory.features import (
    DocFeatures,
    read_text,
    same_text_features,
    text_features,
    text_key,
    vectors_of_many,
)
from samestory.models import Article
from samestory.parallel import map_chunks, worker_count

# progress(stage, done, total): called as work advances, for progress bars.
Progress = Callable[[str, int, int], None]
# Articles encoded per call of the sentence encoder. Its floating-point output depends
# slightly on the batch it runs in (USE: the last bits of a sentence's vector change with
# the other sentences of its micro-batch), so every driver (Spark's tasks too) encodes in
# these same batches, each sentence in the first batch that holds it (FirstBatchVectors),
# to get bit-identical features.
FEATURE_BATCH = 256
# Articles per worker below which featurising in worker processes does not pay.
MIN_ARTICLES_PER_WORKER = 300
# Articles featurised before forking, spread over the input, so the workers inherit the
# language detector and the word tables of its languages (docs/experiments.md, 2026-11-29).
WARM_UP_SAMPLE = 32


def no_progress(stage: str, done: int, total: int) -> None:
    """The default :data:`Progress`: report nothing."""
    return None


def featurize_all(
    articles: Sequence[Article],
    config: Config = DEFAULT_CONFIG,
    encoder: SentenceEncoder | None = None,
    progress: Progress | None = None,
) -> list[DocFeatures]:
    """Features for every article, encoded in batches of ``FEATURE_BATCH``, each distinct
    sentence once, in the first batch that holds it (:class:`FirstBatchVectors`).

    The text features of each distinct cleaned text are computed once
    (:func:`~samestory.features.text_key`): an article whose cleaned text, title and
    language an earlier one has gets that one's features with its own id and date.
    With ``config.workers`` allowing it, the per-article Python work runs in worker
    processes (:func:`_featurize_in_workers`) while this process encodes, in the same
    batches as without workers, so the features are the same either way.
    """
    progress = progress or no_progress
    encoder = encoder or encoder_for(config.encoder)
    workers = worker_count(config.workers, len(articles), MIN_ARTICLES_PER_WORKER)
    if workers <= 1:
        texts = _text_features_here(articles, config, progress)
        batches = [texts[k : k + FEATURE_BATCH] for k in range(0, len(texts), FEATURE_BATCH)]
        vectors = FirstBatchVectors([[f.sentences for f in b] for b in batches], encoder)
        out: list[DocFeatures] = []
        for number, batch in enumerate(batches):
            out.extend(vectors.add(number, batch))
            progress("embedding", len(out), len(articles))
        return out
    out = _featurize_in_workers(articles, config, encoder, workers, progress)
    # Scoring workers fork from here next: give them every language's word table.
    lexical.load_backgrounds({f.lang for f in out})
    return out


def batch_sentences(batch: Sequence[DocFeatures]) -> list[str]:
    """The distinct sentences of a batch, in order of first appearance: what one call of
    the encoder gets for it (less those an earlier batch encoded)."""
    return list(dict.fromkeys(s for f in batch for s in f.sentences))


# An article's vectors: its sentence vectors (SENTENCE_DTYPE) and its document vector.
Vectors = tuple[np.ndarray, np.ndarray]


class FirstBatchVectors:
    """The sentence vectors of one featurising run over ``batches`` (each article's
    sentence list, in batches of ``FEATURE_BATCH`` articles).

    A sentence is encoded once, with the other sentences of the first batch that holds
    it and no earlier one, and its vector is kept until the last batch that holds it
    (then dropped: memory is what spans batches, not the whole run). So the vector of
    every sentence, bits included, is a function of the input alone: the same in any
    process, whatever it encoded before, and what a Spark task computes for the batches
    of its partition (:func:`samestory.spark.stages.featurize`) when told which
    sentences an earlier partition's batch holds. A process-wide cache
    (:class:`~samestory.embed.CachedEncoder`) would make a vector depend on what the
    process encoded before, e.g. on which Spark partitions a Python worker ran earlier.
    """

    def __init__(self, batches: Sequence[Sequence[list[str]]], encoder: SentenceEncoder):
        self.encoder = encoder
        self.last: dict[str, int] = {}
        for number, batch in enumerate(batches):
            for sentences in batch:
                for sentence in sentences:
                    self.last[sentence] = number
        self.vectors: dict[str, np.ndarray] = {}
        # Each sentence list's vectors, by the list's id (the list kept, so that the id is
        # not reused): articles sharing a text's features (same_text_features) share one
        # list, and then share its arrays too (equal: a sentence has one vector a run).
        self.done: dict[int, tuple[list[str], Vectors]] = {}

    def add(self, number: int, batch: list[DocFeatures]) -> list[DocFeatures]:
        """Set the vectors of batch ``number`` (the batches in order, each once)."""
        for f, (sentence_vectors, vector) in zip(
            batch, self.batch_vectors(number, [f.sentences for f in batch]), strict=True
        ):
            f.sentence_vectors, f.vector = sentence_vectors, vector
        return batch

    def batch_vectors(self, number: int, batch: Sequence[list[str]]) -> list[Vectors]:
        """The vectors of each article of batch ``number`` (the batches in order, each once)."""
        distinct = list(dict.fromkeys(s for sentences in batch for s in sentences))
        todo = [s for s in distinct if s not in self.vectors]
        if todo:
            encoded = self.encoder.encode(todo)
            # Copies, not views: a view would keep its whole batch array alive.
            self.vectors.update((s, row.copy()) for s, row in zip(todo, encoded, strict=True))
        new: dict[int, list[str]] = {}  # the batch's sentence lists without vectors yet
        for sentences in batch:
            done = self.done.get(id(sentences))
            if done is None or done[0] is not sentences:
                new[id(sentences)] = sentences
        lists = list(new.values())
        for sentences, vectors in zip(
            lists, vectors_of_many(lists, self.vectors, self.encoder.dim), strict=True
        ):
            self.done[id(sentences)] = (sentences, vectors)
        out = [self.done[id(sentences)][1] for sentences in batch]
        for sentence in distinct:
            if self.last[sentence] == number:
                del self.vectors[sentence]
        return out


class _Encoding(threading.Thread):
    """Every batch's vectors (:meth:`FirstBatchVectors.batch_vectors`), in order, on a
    thread of this process: the encoder's products release the GIL, so it runs beside
    the text-feature workers, and this process's own Python work then (receiving their
    results) is small. Started only once the workers are forked: forking while a thread
    runs could copy a lock it holds."""

    def __init__(self, batches: list[list[list[str]]], encoder: SentenceEncoder) -> None:
        super().__init__(name="samestory-encode", daemon=True)
        self.batches = batches
        self.encoder = encoder
        self.vectors: list[Vectors] = []
        self.error: BaseException | None = None
        self.stopping = False

    def run(self) -> None:
        try:
            first = FirstBatchVectors(self.batches, self.encoder)
            for number, batch in enumerate(self.batches):
                if self.stopping:
                    return
                self.vectors.extend(first.batch_vectors(number, batch))
        except BaseException as exc:  # re-raised by the caller, in result()
            self.error = exc

    def start_once(self) -> None:
        if self.ident is None:
            self.start()

    def result(self, progress: Progress) -> list[Vectors]:
        """The vectors of every article, once encoded (progress reported meanwhile)."""
        self.start_once()
        total = sum(map(len, self.batches))  # articles
        while self.is_alive():
            progress("embedding", len(self.vectors), total)
            self.join(0.5)
        if self.error is not None:
            raise self.error
        progress("embedding", len(self.vectors), total)
        return self.vectors


def uncached(encoder: SentenceEncoder) -> SentenceEncoder:
    """``encoder`` without the process-wide sentence cache around it: a run's vectors
    then depend on the run's input only (see :class:`FirstBatchVectors`)."""
    return encoder.encoder if isinstance(encoder, CachedEncoder) else encoder


TextKey = tuple[str, str | None, str | None, bool]


def _text_features_here(
    articles: Sequence[Article], config: Config, progress: Progress
) -> list[DocFeatures]:
    """:func:`~samestory.features.text_features` of every article in this process, each
    distinct :func:`~samestory.features.text_key` once."""
    first: dict[TextKey, DocFeatures] = {}
    texts: list[DocFeatures] = []
    for article in articles:
        read = read_text(article, config)
        key = text_key(article, read[0])
        seen = first.get(key)
        if seen is None:
            first[key] = text = text_features(article, config, read)
        else:
            text = same_text_features(article, seen)
        texts.append(text)
        if len(texts) % FEATURE_BATCH == 0 or len(texts) == len(articles):
            progress("reading", len(texts), len(articles))
    return texts


def _featurize_in_workers(
    articles: Sequence[Article],
    config: Config,
    encoder: SentenceEncoder,
    workers: int,
    progress: Progress,
) -> list[DocFeatures]:
    """:func:`featurize_all` with the Python work on ``workers`` processes.

    Two rounds: every text is cleaned and split into sentences
    (:func:`~samestory.features.read_text`); then, while this process encodes the
    sentences (:class:`_Encoding`), workers forked after the first round (they inherit
    its results) compute the rest of the text features of the first article of each
    distinct :func:`~samestory.features.text_key` only.
    """
    # Load here what every worker needs (language detector, the word tables of the
    # languages a sample of the articles is in), so the forks inherit it instead of each
    # loading it: 32 articles featurised twice.
    for article in articles[:: max(1, len(articles) // WARM_UP_SAMPLE)]:
        text_features(article, config)

    def read_chunk(start: int, stop: int) -> _Reads:
        return _Reads(read_text(a, config) for a in articles[start:stop])

    reads = map_chunks(
        read_chunk,
        len(articles),
        workers,
        FEATURE_BATCH,
        on_chunk=lambda done: progress("cleaning", done, len(articles)),
        chunks_per_worker=None,
    )
    # Each text's first article computes its features; the others copy them.
    first: dict[TextKey, int] = {}
    firsts: list[int] = []
    source: list[int] = []  # for each article, its text's position in firsts
    for k, (article, (text, _)) in enumerate(zip(articles, reads, strict=True)):
        position = first.setdefault(text_key(article, text), len(firsts))
        if position == len(firsts):
            firsts.append(k)
        source.append(position)
    del first
    # Each article's sentences: its text's first article's list (copies share it).
    sentences = [reads[firsts[p]][1] for p in source]
    encoding = _Encoding(
        [sentences[k : k + FEATURE_BATCH] for k in range(0, len(sentences), FEATURE_BATCH)],
        encoder,
    )

    def text_chunk(start: int, stop: int) -> list[DocFeatures]:
        return [text_features(articles[k], config, reads[k]) for k in firsts[start:stop]]

    def on_chunk(done: int) -> None:
        # map_chunks has forked its workers by the first chunk's return, and forks no
        # more (chunks_per_worker=None): the encoding thread may start.
        encoding.start_once()
        progress("reading", done, len(firsts))
        progress("embedding", len(encoding.vectors), len(articles))

    try:
        distinct = map_chunks(
            text_chunk,
            len(firsts),
            worker_count(config.workers, len(firsts), MIN_ARTICLES_PER_WORKER),
            FEATURE_BATCH,
            on_chunk=on_chunk,
            chunks_per_worker=None,
        )
        vectors = encoding.result(progress)
    finally:
        encoding.stopping = True
    out: list[DocFeatures] = []
    for k, (article, p) in enumerate(zip(articles, source, strict=True)):
        f = distinct[p] if firsts[p] == k else same_text_features(article, distinct[p])
        f.sentences = sentences[k]  # equal; the one list the copies share
        f.sentence_vectors, f.vector = vectors[k]
        out.append(f)
    return out


class _Reads(list[tuple[str, list[str]]]):
    """A chunk of :func:`~samestory.features.read_text` results, its sentences interned
    again where it is unpickled (as a DocFeatures' are), so articles share one copy."""

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return _unpickled_reads, (list(self),)


def _unpickled_reads(reads: list[tuple[str, list[str]]]) -> _Reads:
    return _Reads((text, [sys.intern(s) for s in sentences]) for text, sentences in reads)
