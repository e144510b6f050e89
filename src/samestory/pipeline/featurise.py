"""Stage 1, featurise: ``Article`` → ``DocFeatures``, everything later stages read."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from samestory import lexical
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import CachedEncoder, SentenceEncoder, encoder_for
from samestory.features import (
    DocFeatures,
    read_text,
    same_text_features,
    set_vectors,
    text_features,
    text_key,
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
    With ``config.workers`` allowing it, the per-article Python work (cleaning, then
    :func:`~samestory.features.text_features` of the distinct texts) runs in worker
    processes first; this process then encodes in the same batches as without workers,
    with the same BLAS threads, so the features are the same either way.
    """
    progress = progress or no_progress
    encoder = encoder or encoder_for(config.encoder)
    workers = worker_count(config.workers, len(articles), MIN_ARTICLES_PER_WORKER)
    if workers > 1:
        texts = _text_features_in_workers(articles, config, workers, progress)
    else:
        texts = _text_features_here(articles, config, progress)
    batches = [texts[k : k + FEATURE_BATCH] for k in range(0, len(texts), FEATURE_BATCH)]
    vectors = FirstBatchVectors(batches, encoder)
    out: list[DocFeatures] = []
    for number, batch in enumerate(batches):
        out.extend(vectors.add(number, batch))
        progress("embedding", len(out), len(articles))
    if workers > 1:
        # Scoring workers fork from here next: give them every language's word table.
        lexical.load_backgrounds({f.lang for f in out})
    return out


def batch_sentences(batch: Sequence[DocFeatures]) -> list[str]:
    """The distinct sentences of a batch, in order of first appearance: what one call of
    the encoder gets for it (less those an earlier batch encoded)."""
    return list(dict.fromkeys(s for f in batch for s in f.sentences))


class FirstBatchVectors:
    """The sentence vectors of one featurising run over ``batches``.

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

    def __init__(self, batches: Sequence[Sequence[DocFeatures]], encoder: SentenceEncoder):
        self.encoder = encoder
        self.last: dict[str, int] = {}
        for number, batch in enumerate(batches):
            for f in batch:
                for sentence in f.sentences:
                    self.last[sentence] = number
        self.vectors: dict[str, np.ndarray] = {}
        # The first article set with each sentence list, by the list's id: the articles
        # sharing a text's features (same_text_features) share one list, and then share
        # its vectors too (equal: a sentence has one vector in the run).
        self.set_with: dict[int, DocFeatures] = {}

    def add(self, number: int, batch: list[DocFeatures]) -> list[DocFeatures]:
        """Set the vectors of batch ``number`` (the batches in order, each once)."""
        distinct = batch_sentences(batch)
        todo = [s for s in distinct if s not in self.vectors]
        if todo:
            encoded = self.encoder.encode(todo)
            # Copies, not views: a view would keep its whole batch array alive.
            self.vectors.update((s, row.copy()) for s, row in zip(todo, encoded, strict=True))
        for f in batch:
            first = self.set_with.setdefault(id(f.sentences), f)
            if first is f:
                set_vectors(f, self.rows(f.sentences), self.encoder.dim)
            else:
                f.sentence_vectors, f.vector = first.sentence_vectors, first.vector
        for sentence in distinct:
            if self.last[sentence] == number:
                del self.vectors[sentence]
        return batch

    def rows(self, sentences: Sequence[str]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self.encoder.dim), dtype=np.float32)
        return np.stack([self.vectors[s] for s in sentences])


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


def _text_features_in_workers(
    articles: Sequence[Article], config: Config, workers: int, progress: Progress
) -> list[DocFeatures]:
    """:func:`~samestory.features.text_features` of every article, on ``workers`` processes.

    Two rounds: every text is cleaned and split into sentences
    (:func:`~samestory.features.read_text`), then the rest of the text features are
    computed for the first article of each distinct :func:`~samestory.features.text_key`
    only, by workers forked after the first round (they inherit its results). All of it
    before any encoding: the encoder's BLAS threads would otherwise compete with the
    workers for the same cores.
    """
    # Load here what every worker needs (language detector, the word tables of the
    # languages a sample of the articles is in), so the forks inherit it instead of each
    # loading it: 32 articles featurised twice.
    for article in articles[:: max(1, len(articles) // WARM_UP_SAMPLE)]:
        text_features(article, config)

    def read_chunk(start: int, stop: int) -> list[tuple[str, list[str]]]:
        return [read_text(a, config) for a in articles[start:stop]]

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

    def text_chunk(start: int, stop: int) -> list[DocFeatures]:
        return [text_features(articles[k], config, reads[k]) for k in firsts[start:stop]]

    distinct = map_chunks(
        text_chunk,
        len(firsts),
        worker_count(config.workers, len(firsts), MIN_ARTICLES_PER_WORKER),
        FEATURE_BATCH,
        on_chunk=lambda done: progress("reading", done, len(firsts)),
        chunks_per_worker=None,
    )
    return [
        distinct[p] if firsts[p] == k else same_text_features(article, distinct[p])
        for k, (article, p) in enumerate(zip(articles, source, strict=True))
    ]
