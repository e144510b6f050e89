"""Stage 1, featurise: ``Article`` → ``DocFeatures``, everything later stages read."""

from __future__ import annotations

import collections
import hashlib
import queue
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

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
from samestory.parallel import WorkerPool, usable_cpus, worker_count
from samestory.static_encoder import blas_threads_at_most

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
# Texts of a language from which its full word table (wordfreq's dict) is loaded before
# forking, for the workers to share: about where loading it (0.1-0.2 s) costs less than
# looking its texts' words up in the stored table (~10 us each; a text brings ~65 words
# not seen before, so ~20,000 lookups, lexical._FULL_TABLE_AFTER, at ~300 texts). The
# real corpus's 60-text languages (es, it, nl: ~3,600 words each) are not worth it.
FULL_TABLE_TEXTS = 300


@runtime_checkable
class PieceEncoder(Protocol):
    """An encoder that can be given its sentences' pieces, tokenised elsewhere (USE:
    :meth:`~samestory.embed.UniversalSentenceEncoder.pieces`), with the same vectors."""

    dim: int

    def encode(
        self, sentences: list[str], pieces_of: Mapping[str, list[int]] | None = None
    ) -> np.ndarray: ...

    def pieces(self, sentences: Sequence[str]) -> list[list[int]]: ...


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
    # Scoring workers fork from here next: give them the word tables worth a full load.
    lexical.load_backgrounds(table_languages([f.lang for f in out]))
    return out


def table_languages(langs: Sequence[str | None], scale: float = 1.0) -> set[str | None]:
    """The languages of ``langs`` (texts' languages; ``scale`` texts each, for a sample)
    whose full word table is worth loading before forking: those of ``FULL_TABLE_TEXTS``
    texts or more. A language's other words are looked up in its stored table (~10 us a
    word, where a full table costs 0.1-0.2 s to build, serially, before the fork), and a
    process that looks up ``lexical._FULL_TABLE_AFTER`` words loads its own."""
    counts = collections.Counter(langs)
    return {lang for lang, count in counts.items() if count * scale >= FULL_TABLE_TEXTS}


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

    def __init__(
        self,
        batches: Sequence[Sequence[list[str]]],
        encoder: SentenceEncoder,
        complete: bool = True,
    ) -> None:
        self.encoder = encoder
        self.last: dict[str, int] = {}
        self.known = 0  # batches given (the constructor's, then extend's)
        self.next = 0  # batches encoded
        self.complete = False
        self.vectors: dict[str, np.ndarray] = {}
        # Each sentence list's vectors, by the list's id (the list kept, so that the id is
        # not reused): articles sharing a text's features (same_text_features) share one
        # list, and then share its arrays too (equal: a sentence has one vector a run).
        self.done: dict[int, tuple[list[str], Vectors]] = {}
        # Sentences' pieces tokenised elsewhere (PieceEncoder): taken when encoded.
        self.pieces_of: dict[str, list[int]] | None = None
        for batch in batches:
            self.extend(batch)
        if complete:
            self.finish()

    def extend(self, batch: Sequence[list[str]]) -> None:
        """Give the next batch (``complete=False``: batches may arrive while earlier
        ones are encoded; until :meth:`finish`, no vector is dropped, since a later
        batch may still hold its sentence)."""
        for sentences in batch:
            for sentence in sentences:
                self.last[sentence] = self.known
        self.known += 1

    def finish(self) -> None:
        """Every batch is given: drop the vectors no batch still to encode holds, and
        from now on each batch's once it is done."""
        self.complete = True
        for sentence in [s for s in self.vectors if self.last[s] < self.next]:
            del self.vectors[sentence]

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
            if self.pieces_of is not None and isinstance(self.encoder, PieceEncoder):
                given = {s: p for s in todo if (p := self.pieces_of.pop(s, None)) is not None}
                encoded = self.encoder.encode(todo, given)
            else:
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
        self.next = number + 1
        if self.complete:
            for sentence in distinct:
                if self.last[sentence] == number:
                    del self.vectors[sentence]
        return out


class _Encoding(threading.Thread):
    """Every batch's vectors (:meth:`FirstBatchVectors.batch_vectors`), in order, on a
    thread of this process, each batch as soon as it is given (:meth:`add`): the
    encoder's products release the GIL, so it runs beside the text-feature workers
    from their first chunk on. Started only once the workers are forked: forking while
    a thread runs could copy a lock it holds."""

    def __init__(
        self,
        encoder: SentenceEncoder,
        pieces_of: dict[str, list[int]] | None = None,
        blas_threads: int | None = None,
    ) -> None:
        super().__init__(name="samestory-encode", daemon=True)
        self.encoder = encoder
        self.pieces_of = pieces_of
        # At most this many BLAS threads for the static encoder's products (None: its
        # own): the cores the workers leave (see static_encoder.blas_threads_at_most).
        self.blas_threads = blas_threads
        self.given: queue.SimpleQueue[list[list[str]] | None] = queue.SimpleQueue()
        self.articles = 0  # articles given
        self.vectors: list[Vectors] = []
        self.error: BaseException | None = None
        self.stopping = False

    def add(self, batch: list[list[str]]) -> None:
        """The next batch's sentence lists (one an article)."""
        self.articles += len(batch)
        self.given.put(batch)

    def close(self) -> None:
        """No more batches."""
        self.given.put(None)

    def run(self) -> None:
        if self.blas_threads is None:
            self._run()
        else:
            with blas_threads_at_most(self.blas_threads):
                self._run()

    def _run(self) -> None:
        try:
            first = FirstBatchVectors((), self.encoder, complete=False)
            first.pieces_of = self.pieces_of
            waiting: collections.deque[list[list[str]]] = collections.deque()
            number = 0
            while not self.stopping:
                # Take every batch given so far (so that FirstBatchVectors knows them),
                # waiting for one only when there is nothing to encode.
                got = [self.given.get()] if not waiting and not first.complete else []
                while not self.given.empty():
                    got.append(self.given.get())
                for batch in got:
                    if batch is None:
                        first.finish()
                    else:
                        first.extend(batch)
                        waiting.append(batch)
                if not waiting:
                    if first.complete:
                        return
                    continue
                self.vectors.extend(first.batch_vectors(number, waiting.popleft()))
                number += 1
        except BaseException as exc:  # re-raised by the caller, in result()
            self.error = exc

    def result(self, progress: Progress) -> list[Vectors]:
        """The vectors of every article, once encoded (progress reported meanwhile)."""
        self.close()
        while self.is_alive():
            progress("embedding", len(self.vectors), self.articles)
            self.join(0.5)
        if self.error is not None:
            raise self.error
        progress("embedding", len(self.vectors), self.articles)
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

    One pool of workers (:class:`~samestory.parallel.WorkerPool`), two kinds of job on
    each batch of ``FEATURE_BATCH`` articles: *read* cleans the texts and splits them
    into sentences (:func:`~samestory.features.read_text`), keeps them in the worker
    and sends back each text's key digest (:func:`_key_digest`) and its sentences
    (once a worker); then this process, taking the batches in order, gives each batch's
    sentences to the encoder (:class:`_Encoding`, a thread that starts once the pool is
    forked and runs beside it) and sends *features* of the batch's first article of
    each distinct :func:`~samestory.features.text_key` to the worker that read it, which
    computes the rest of their text features from what it kept (an idle worker takes
    another's last such job and reads those texts again). Reads go first: the encoder
    waits for them, and it is the stage's longest thread with USE.

    The workers' side is :class:`_WorkerReads`, this process's :class:`_TextsInOrder`.
    """
    _load_before_fork(articles, config)
    n = len(articles)
    bounds = [(s, min(s + FEATURE_BATCH, n)) for s in range(0, n, FEATURE_BATCH)]
    # An encoder that can tokenise apart (USE): the workers tokenise the sentences they
    # send, and the encoder thread takes their pieces (pieces_of).
    tokenise = encoder.pieces if isinstance(encoder, PieceEncoder) else None
    if tokenise is not None:
        tokenise(["warm up"])  # the tokenizer loaded here, inherited by the workers
    # Sentences' pieces from the workers, until the encoder takes them.
    pieces_of: dict[str, list[int]] = {}
    encoding = _Encoding(
        encoder,
        pieces_of if tokenise is not None else None,
        blas_threads=max(1, usable_cpus() - workers),
    )
    texts = _TextsInOrder(bounds, workers, encoding, pieces_of)
    with WorkerPool(_WorkerReads(articles, config, bounds, tokenise).handle, workers) as pool:
        encoding.start()  # every worker is forked
        try:
            texts.run(pool, progress)
            vectors = encoding.result(progress)
        finally:
            encoding.stopping = True
            encoding.close()
    return texts.features(articles, vectors)


def _load_before_fork(articles: Sequence[Article], config: Config) -> None:
    """Load here what every worker needs, so the forks inherit it instead of each
    loading it: the language detector and the word tables of the languages a sample of
    the articles is in (``WARM_UP_SAMPLE`` articles featurised twice)."""
    sample = [
        text_features(article, config)
        for article in articles[:: max(1, len(articles) // WARM_UP_SAMPLE)]
    ]
    # The full word tables of the languages many texts are in (table_languages, by the
    # sample's shares), now rather than after the workers: the scoring workers need them
    # anyway, and inherited they spare each worker its first 20,000 lookups in the
    # stored table (~10 us each) and, past those, loading its own copy. A language of
    # few texts stays on its stored table (its load would be serial here).
    lexical.load_backgrounds(table_languages([f.lang for f in sample], len(articles) / len(sample)))


class _WorkerReads:
    """The jobs of :func:`_featurize_in_workers`' pool, as each forked worker runs them
    (:meth:`handle`); its sets are each worker's own copies after the fork."""

    def __init__(
        self,
        articles: Sequence[Article],
        config: Config,
        bounds: list[tuple[int, int]],
        tokenise: Callable[[Sequence[str]], list[list[int]]] | None,
    ) -> None:
        self.articles = articles
        self.config = config
        self.bounds = bounds
        self.tokenise = tokenise
        # The reads this worker has not featurised, and the keys whose sentences it sent.
        self.held: dict[int, tuple[str, list[str]]] = {}
        self.sent: set[bytes] = set()
        # Sentences (by hash) this worker tokenised: each once a worker (a collision only
        # leaves a sentence for the encoder to tokenise).
        self.tokenised: set[int] = set()

    def handle(self, job: _Job) -> _ReadChunk | list[DocFeatures]:
        """One job: a batch's reads, or the text features of some of its articles."""
        kind, number, todo = job
        start, stop = self.bounds[number]
        if kind == _READ:
            return self.read(start, stop)
        return self.text_features(start, stop, todo)

    def read(self, start: int, stop: int) -> _ReadChunk:
        """Read articles ``start`` to ``stop`` and keep the reads; send each one's key
        digest, with its sentences and their pieces the first time the key is sent."""
        out = _ReadChunk()
        for k in range(start, stop):
            self.held[k] = read = read_text(self.articles[k], self.config)
            key = _key_digest(text_key(self.articles[k], read[0]))
            if key in self.sent:
                out.append((key, None, None))
                continue
            self.sent.add(key)
            out.append((key, read[1], self.pieces(read[1])))
        return out

    def pieces(self, sentences: list[str]) -> list[list[int] | None] | None:
        """Each sentence's pieces, None for one this worker tokenised before (None
        without a :class:`PieceEncoder`)."""
        if self.tokenise is None:
            return None
        new = [s for s in dict.fromkeys(sentences) if hash(s) not in self.tokenised]
        self.tokenised.update(map(hash, new))
        of = dict(zip(new, self.tokenise(new), strict=True))
        return [of.pop(s, None) for s in sentences]

    def text_features(self, start: int, stop: int, todo: list[int]) -> list[DocFeatures]:
        """The text features of articles ``todo`` of batch ``start`` to ``stop``, from
        the reads kept (without sentences: the parent has them)."""
        reads = [self.held.pop(k, None) for k in range(start, stop)]
        features = []
        for k in todo:
            # None: another worker read it (this one took its job): read it again.
            read = reads[k - start] or read_text(self.articles[k], self.config)
            f = text_features(self.articles[k], self.config, read)
            f.sentences = []  # this process has them
            features.append(f)
        return features


class _TextsInOrder:
    """:func:`_featurize_in_workers`' side in this process: hands out the jobs, takes
    the read batches in order (keys, sentences to the encoder, features jobs of new
    texts), and puts every article's features together at the end."""

    def __init__(
        self,
        bounds: list[tuple[int, int]],
        workers: int,
        encoding: _Encoding,
        pieces_of: dict[str, list[int]],
    ) -> None:
        self.bounds = bounds
        self.encoding = encoding
        self.pieces_of = pieces_of
        # Each text's first article computes its features; the others copy them.
        self.first: dict[bytes, int] = {}
        self.firsts: list[int] = []
        self.source: list[int] = []  # for each article, its text's position in firsts
        self.sentences: list[list[str]] = []  # each article's: its text's first one's list
        self.computed: dict[int, DocFeatures] = {}  # by article
        self.read_chunks: dict[int, _ReadChunk] = {}  # read, not yet taken in order
        self.reader: dict[int, int] = {}  # batch -> the worker that read it
        self.queued: list[collections.deque[_Job]] = [collections.deque() for _ in range(workers)]
        self.next_read = self.taken = 0

    def run(self, pool: WorkerPool, progress: Progress) -> None:
        """Keep the workers busy until every job is done (or the encoder failed)."""
        while True:
            self.submit(pool)
            if not pool.busy or self.encoding.error is not None:
                return
            _, job, result = pool.next_result()
            self.receive(job, result, progress)

    def submit(self, pool: WorkerPool) -> None:
        """A job for each idle worker: the next read, else a features job."""
        for w in pool.idle():
            if self.next_read < len(self.bounds):
                pool.submit(w, (_READ, self.next_read, []))
                self.reader[self.next_read] = w
                self.next_read += 1
            elif (job := _features_job(w, self.queued)) is not None:
                pool.submit(w, job)

    def receive(self, job: _Job, result: Any, progress: Progress) -> None:
        """A finished job's result: reads taken in batch order, features kept."""
        kind, number, todo = job
        n = self.bounds[-1][1]
        if kind == _READ:
            self.read_chunks[number] = result
            while self.taken in self.read_chunks:
                self.take(self.taken)
                self.taken += 1
            progress("cleaning", self.bounds[self.taken - 1][1] if self.taken else 0, n)
        else:
            self.computed.update(zip(todo, result, strict=True))
            progress("reading", len(self.computed), len(self.firsts))
            progress("embedding", len(self.encoding.vectors), n)

    def take(self, number: int) -> None:
        """Key batch ``number``'s articles (read, and every earlier batch taken), give
        its sentences to the encoder and queue the features of its new texts."""
        start, stop = self.bounds[number]
        todo = []
        chunk = self.read_chunks.pop(number)
        for k, (key, read_sentences, pieces) in zip(range(start, stop), chunk, strict=True):
            position = self.first.setdefault(key, len(self.firsts))
            if position == len(self.firsts):
                assert read_sentences is not None  # a worker sends a key's sentences first
                self.firsts.append(k)
                todo.append(k)
                self.sentences.append(read_sentences)
                for sentence, ids in zip(read_sentences, pieces or [], strict=pieces is not None):
                    if ids is not None:
                        self.pieces_of.setdefault(sentence, ids)
            else:
                self.sentences.append(self.sentences[self.firsts[position]])
            self.source.append(position)
        self.encoding.add(self.sentences[start:stop])
        if todo:
            self.queued[self.reader[number]].append((_FEATURES, number, todo))

    def features(self, articles: Sequence[Article], vectors: list[Vectors]) -> list[DocFeatures]:
        """Every article's features: its text's first article's, copied for the others,
        with the shared sentence list and the article's vectors."""
        out: list[DocFeatures] = []
        computed, firsts = self.computed, self.firsts
        for k, (article, p) in enumerate(zip(articles, self.source, strict=True)):
            f = computed[k] if firsts[p] == k else same_text_features(article, computed[firsts[p]])
            f.sentences = self.sentences[k]  # the one list the copies share
            f.sentence_vectors, f.vector = vectors[k]
            out.append(f)
        return out


def _features_job(worker: int, queued: list[collections.deque[_Job]]) -> _Job | None:
    """The features job idle ``worker`` takes from the queues (``queued[w]``: worker
    ``w``'s, of the batches it read): its own oldest, else the last of the longest
    other queue (it reads those texts again, ~0.5 ms an article against ~3.5 for the
    rest of their features: less than a core left idle), else None."""
    if queued[worker]:
        return queued[worker].popleft()
    longest = max(queued, key=len)
    return longest.pop() if longest else None


# The jobs of _featurize_in_workers' pool: (kind, batch number, articles to featurise).
_READ, _FEATURES = 0, 1
_Job = tuple[int, int, list[int]]


def _key_digest(key: TextKey) -> bytes:
    """A 128-bit digest of a :func:`~samestory.features.text_key` (each part length-
    prefixed, so distinct keys give distinct inputs; equal keys, equal digests): what a
    worker sends instead of the cleaned text for this process to find repeated texts."""
    text, title, lang, undated = key
    h = hashlib.blake2b(digest_size=16)
    for part in (text, title, lang):
        if part is None:
            h.update(b"-")
        else:
            data = part.encode("utf-8", "surrogatepass")
            h.update(b"%d:" % len(data))
            h.update(data)
    h.update(b"1" if undated else b"0")
    return h.digest()


# A read job's result for an article: its text's key digest, and, unless the worker
# sent them before, its sentences and (PieceEncoder) their pieces, None for a sentence
# the worker tokenised before.
_Read = tuple[bytes, list[str] | None, list[list[int] | None] | None]


class _ReadChunk(list[_Read]):
    """A read job's results, its sentences interned again where it is unpickled (as a
    DocFeatures' are), so articles share one copy."""

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return _unpickled_reads, (list(self),)


def _unpickled_reads(reads: list[_Read]) -> _ReadChunk:
    return _ReadChunk(
        (key, None if sentences is None else [sys.intern(s) for s in sentences], pieces)
        for key, sentences, pieces in reads
    )
