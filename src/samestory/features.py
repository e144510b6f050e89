"""Per-article features: everything later stages need, computed once per article.

A :class:`DocFeatures` is plain data (NumPy arrays, sets, strings) so it can be stored,
pickled to Spark executors and compared without recomputing anything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from samestory import conflicts, lexical, name_roles, normalize
from samestory.config import DEFAULT_CONFIG, Config
from samestory.dates import WrittenDate, first_written_date
from samestory.embed import SentenceEncoder, encoder_for, normalize_rows
from samestory.minhash import Signature, item_digests, signature, signature_of_keys
from samestory.models import Article, slot_values

SENTENCE_DTYPE = np.float16
# An article's date is read from its start (a dateline, "said on Wednesday (Aug 6)"):
# dates further in are mostly of earlier events it recalls.
DATE_PREFIX_CHARS = 2000
# A title is a sentence of its own unless the text starts with its first this many
# characters (shipped with the readers, 2026-11-23; no measurement recorded).
TITLE_PREFIX_CHARS = 40
# Lines whose cues (LineCues) are remembered, per process: reposts, edited copies and
# wire stories repeat most of their original's lines (at 20k synthetic articles, 37% of
# the distinct texts' characters are in a line no earlier text had). About 2 KB a line.
LINE_CUES_CACHE = 1 << 14


@dataclasses.dataclass(slots=True)
class DocFeatures:
    """What samestory knows about one article.

    ``sentence_vectors`` are unit rows (one per sentence in ``sentences``, capped at
    ``Config.max_sentences``), kept as float16: they are most of an article's memory
    (about 17 KB instead of 35 KB for 17 sentences), and a cosine of float16 unit vectors
    is off by about 1e-3, far below any threshold. ``vector`` is their normalised mean,
    the document's point in the multilingual space. ``minhash`` estimates word-shingle
    Jaccard with other texts.
    """

    id: str
    lang: str | None
    date: dt.date | None
    date_from_text: bool
    title: str | None
    fingerprint: str
    n_words: int
    sentences: list[str]
    sentence_vectors: np.ndarray
    vector: np.ndarray
    minhash: Signature
    n_shingles: int
    entities: frozenset[str]
    numbers: frozenset[str]
    quotes: tuple[str, ...]
    # Specificity-weighted word vector (sorted word hashes, weights); see lexical.py.
    terms: tuple[np.ndarray, np.ndarray]
    # The date written near the start (with a year: where ``date`` came from when
    # ``date_from_text``; without one: resolved per pair, samestory.dates.pair_readings).
    written_date: WrittenDate | None = None
    # Numbers with their context words, and the latest year named (samestory.conflicts):
    # what two reports of different events state differently.
    number_contexts: frozenset[str] = frozenset()
    latest_year: int | None = None
    # (places, people): the names the text's own sentences mark as a place or institution
    # and as a person (samestory.name_roles.name_roles of ``sentences``), read once per
    # text here rather than in every scoring worker that meets the text (None: not read,
    # e.g. features stored before 2026-12-03 evening; pair scoring then reads them).
    roles: tuple[frozenset[str], frozenset[str]] | None = None
    # The name tokens the text names as local news names a town, before a resident or an
    # incident noun ("Allentown man": samestory.name_roles.local_places of ``sentences``),
    # read once per text with ``roles`` (one pass over each sentence) for the thread
    # input shared_place_any. None: not read (features from a store: not stored; pair
    # scoring then reads them from the sentences, cached per text).
    local_places: frozenset[str] | None = None

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return _unpickled_features, slot_values(self)


def _unpickled_features(*fields: Any) -> DocFeatures:
    """A DocFeatures from another process, its strings interned as :func:`text_features`
    interns them, so articles here share one copy of each sentence, name and quote."""
    f = DocFeatures(*fields)
    f.sentences = [sys.intern(s) for s in f.sentences]
    f.entities = frozenset(map(sys.intern, f.entities))
    f.numbers = frozenset(map(sys.intern, f.numbers))
    f.quotes = tuple(map(sys.intern, f.quotes))
    f.number_contexts = frozenset(map(sys.intern, f.number_contexts))
    if f.roles is not None:
        f.roles = (frozenset(map(sys.intern, f.roles[0])), frozenset(map(sys.intern, f.roles[1])))
    if f.local_places:
        f.local_places = frozenset(map(sys.intern, f.local_places))
    return f


# Chunks of lines (normalize.sentence_chunks) whose sentences are remembered, per
# process: reposts, edited copies and wire stories repeat their original's lines.
SENTENCE_CHUNKS_CACHE = 1 << 14


@functools.lru_cache(maxsize=SENTENCE_CHUNKS_CACHE)
def chunk_sentences(chunk: str) -> tuple[str, ...]:
    """``normalize.split_sentences(chunk)``, interned, cached: a chunk of lines no
    sentence spans (:func:`normalize.sentence_chunks`) splits the same in any text."""
    return tuple(map(sys.intern, normalize.split_sentences(chunk)))


# Hashes of the lines of recent texts whose sentences were split (as _lines_seen).
_sentence_lines_seen: set[int] = set()


def sentences_of(text: str) -> list[str]:
    """``normalize.split_sentences(text)``: from its chunks' :func:`chunk_sentences` when
    most of its lines were in texts split before (:func:`lines_seen_before`), else as a whole
    (cutting a text into chunks and caching them costs more than it saves on new lines:
    +25% on the real corpus, 2026-12-03). The same list either way."""
    if not lines_seen_before(text, _sentence_lines_seen):
        return normalize.split_sentences(text)
    chunks = normalize.sentence_chunks(text)
    if len(chunks) == 1:  # one chunk: not worth a cache entry
        return normalize.split_sentences(text)
    return list(itertools.chain.from_iterable(map(chunk_sentences, chunks)))


def body_sentences(article: Article, text: str | None = None) -> list[str]:
    """The article's sentences, title first when it is not already the opening line.

    ``text`` is the article's cleaned text (``normalize.clean_text``), if already known.
    """
    text = normalize.clean_text(article.text) if text is None else text
    sentences = sentences_of(text)
    title = normalize.headline(article.title or "")
    if title and not (sentences and sentences[0].startswith(title[:TITLE_PREFIX_CHARS])):
        sentences.insert(0, title)
    return sentences


def read_text(article: Article, config: Config = DEFAULT_CONFIG) -> tuple[str, list[str]]:
    """The article's cleaned text and its sentences (at most ``config.max_sentences``):
    the first step of :func:`text_features`, and all that the encoder needs."""
    text = normalize.clean_text(article.text)
    # Interned: reposts and edited copies repeat most sentences, and one string object
    # per distinct sentence (freed with its last article) keeps their memory shared.
    return text, [sys.intern(s) for s in body_sentences(article, text)[: config.max_sentences]]


def text_key(article: Article, text: str) -> tuple[str, str | None, str | None, bool]:
    """What :func:`text_features` reads of an article besides its id and date, given
    its cleaned ``text``: two articles with the same key get the same text features
    (:func:`same_text_features`), e.g. a repost whose added boilerplate cleaning drops.
    Whether the date is given is part of it: an undated article's date is read from its text.
    """
    return text, article.title, article.lang, article.date is None


def same_text_features(article: Article, features: DocFeatures) -> DocFeatures:
    """``text_features(article)`` from ``features``, those of an article with the same
    :func:`text_key`: the same values with the article's own id and date. Shares the
    arrays, sets and sentence list of ``features`` (no stage writes to them)."""
    date = features.date if article.date is None else article.date
    return dataclasses.replace(features, id=article.id, date=date)


@dataclasses.dataclass(frozen=True, slots=True)
class LineCues:
    """What :func:`text_features` reads of one line (of the text split at ``"\\n"``), none
    of which spans a line break: its word tokens (``normalize.words``), its numbers
    (``normalize.numbers_in_order``), its number contexts
    (``conflicts.number_contexts_in_order``) and the latest year it names. A text's are
    its lines' in line order (:func:`text_cues`)."""

    tokens: tuple[str, ...]
    numbers: tuple[str, ...]
    number_contexts: tuple[str, ...]
    latest_year: int | None


@functools.lru_cache(maxsize=LINE_CUES_CACHE)
def line_cues(line: str) -> LineCues:
    """:class:`LineCues` of ``line`` (cached: a line reads the same in any text). Its
    strings are interned: tokens, numbers and contexts recur across lines and texts."""
    intern = sys.intern
    return LineCues(
        tokens=tuple(map(intern, normalize.words(line))),
        numbers=tuple(map(intern, normalize.numbers_in_order(line))),
        number_contexts=tuple(map(intern, conflicts.number_contexts_in_order(line))),
        latest_year=conflicts.latest_year(line),
    )


@dataclasses.dataclass(frozen=True, slots=True)
class TextCues:
    """The cues of an article's ``full = f"{title}\\n{text}"`` from its lines'
    :class:`LineCues`: ``title_tokens`` and ``tokens`` are ``normalize.words`` of the
    title and of the text, ``numbers`` is ``normalize.numbers(full)``, ``number_contexts``
    ``conflicts.number_contexts(full)`` (each set built in the same order as those
    functions build theirs, so equal entry for entry) and ``latest_year``
    ``conflicts.latest_year(full)``."""

    title_tokens: list[str]
    tokens: list[str]
    line_words: list[int]  # of the text's tokens, how many each of its lines has
    numbers: set[str]
    number_contexts: frozenset[str]
    latest_year: int | None


def text_cues(title: str, text: str) -> TextCues:
    """:class:`TextCues` of ``title`` and ``text`` from their lines' :func:`line_cues`."""
    chain = itertools.chain.from_iterable
    title_lines = [line_cues(line) for line in title.split("\n")]
    cues = title_lines + [line_cues(line) for line in text.split("\n")]
    years = [c.latest_year for c in cues if c.latest_year is not None]
    return TextCues(
        title_tokens=list(chain(c.tokens for c in title_lines)),
        tokens=list(chain(c.tokens for c in cues[len(title_lines) :])),
        line_words=[len(c.tokens) for c in cues[len(title_lines) :]],
        numbers=set(chain(c.numbers for c in cues)),
        number_contexts=frozenset(set(chain(c.number_contexts for c in cues))),
        latest_year=max(years, default=None),
    )


# Hashes of the lines of recent texts, at most this many (then forgotten): a text is
# read line by line (its lines' features cached) when most of its lines were seen
# before, else as a whole. Both give the same values; line by line costs more a line
# that is new (about 0.4 ms more a distinct real article, 2026-12-03), and saves most
# of the work of a line seen before (reposts, edited copies, wire stories).
LINES_SEEN = 1 << 16
_lines_seen: set[int] = set()


def repeats_lines(text: str) -> bool:
    """True when at least half of ``text``'s lines were in texts this process read
    before (by hash: a collision only chooses the other, equal, path); notes its lines."""
    return lines_seen_before(text, _lines_seen)


def lines_seen_before(text: str, seen_before: set[int]) -> bool:
    """True when at least half of ``text``'s lines are in ``seen_before`` (hashes of at
    most ``LINES_SEEN`` lines); adds its lines there."""
    hashes = list(map(hash, text.split("\n")))
    seen = sum(1 for h in hashes if h in seen_before)
    if len(seen_before) + len(hashes) > LINES_SEEN:
        seen_before.clear()
    seen_before.update(hashes)
    return 2 * seen >= len(hashes)


def whole_text_cues(title: str, text: str) -> TextCues:
    """:func:`text_cues` from the whole-text functions (nothing cached)."""
    full = f"{title}\n{text}"
    return TextCues(
        title_tokens=normalize.words(title),
        tokens=normalize.words(text),
        line_words=[],
        numbers=normalize.numbers(full),
        number_contexts=conflicts.number_contexts(full),
        latest_year=conflicts.latest_year(full),
    )


# Runs of lines a name may span (normalize.name_chunks) whose names are remembered, per
# process (a few names a line).
NAME_CHUNKS_CACHE = 1 << 14


@functools.lru_cache(maxsize=NAME_CHUNKS_CACHE)
def chunk_entities(chunk: str) -> tuple[str, ...]:
    """``normalize.entities_in_order(chunk)``, interned, cached: a chunk of lines no name
    spans (:func:`normalize.name_chunks`) holds the same names in any text."""
    return tuple(map(sys.intern, normalize.entities_in_order(chunk)))


def entities_of(text: str) -> set[str]:
    """``normalize.entities(text)`` from its chunks' :func:`chunk_entities` (the set
    built in the same order)."""
    chunks = normalize.name_chunks(text)
    return set(itertools.chain.from_iterable(chunk_entities(c) for c in chunks))


# Lines whose shingles' keys (line_shingle_keys) are remembered, per process: about
# 0.4 KB a line (8 bytes a shingle).
LINE_SHINGLES_CACHE = 1 << 14


@functools.lru_cache(maxsize=LINE_SHINGLES_CACHE)
def line_shingle_keys(line: str, size: int) -> bytes:
    """The :func:`~samestory.minhash.item_digests` of the shingles of ``size`` words that
    lie within ``line`` (none when it has fewer words), cached: most of MinHash's cost is
    hashing each shingle, and a line's shingles are the same in any text."""
    tokens = line_cues(line).tokens
    if len(tokens) < size:
        return b""
    return item_digests(s.encode("utf-8") for s in normalize.shingles(list(tokens), size))


def shingle_sketch(
    text: str, tokens: list[str], config: Config, line_words: Sequence[int] | None = None
) -> tuple[Signature, int]:
    """``(minhash_of(S), len(S))`` for ``S = normalize.shingles(tokens, size)``, the
    shingles of ``text`` (whose :func:`normalize.words` are ``tokens``; ``line_words``,
    if known, the number of them on each line), from its lines.

    A shingle lies within one line or spans a line break. Those within a line are its
    :func:`line_shingle_keys` (cached); those spanning a break (the ``size - 1`` starting
    before each) are hashed here. The signature is the minimum over all their keys, which
    is the minimum over ``S`` (repeats are harmless), so it is ``minhash_of(S)`` exactly;
    ``len(S)`` is the number of distinct keys, which differs from it only if two of the
    text's shingles share 64 bits of SHA-1 (probability about ``n^2 / 2^65``, ~3e-14 for
    a text of 1,000 shingles)."""
    size = config.shingle_size
    if len(tokens) < size:  # the whole text is its one shingle (or there is none)
        shingle_set = normalize.shingles(tokens, size)
        return minhash_of(shingle_set, config.num_perm, config.seed), len(shingle_set)
    lines = text.split("\n")
    if line_words is None:
        line_words = [len(line_cues(line).tokens) for line in lines]
    starts: set[int] = set()  # shingles spanning a line break start here
    last = len(tokens) - size
    end = 0
    for count in line_words[:-1]:
        end += count  # a break after token end - 1
        starts.update(range(max(0, end - size + 1), min(end - 1, last) + 1))
    parts = [line_shingle_keys(line, size) for line in lines]
    parts.append(item_digests(" ".join(tokens[k : k + size]).encode("utf-8") for k in starts))
    keys = np.sort(np.frombuffer(b"".join(parts), dtype="<u8"))
    distinct = int(np.count_nonzero(keys[1:] != keys[:-1])) + 1
    return signature_of_keys(keys, config.num_perm, config.seed), distinct


def minhash_of(shingle_set: set[str] | frozenset[str], num_perm: int, seed: int) -> Signature:
    """MinHash signature: P[min-hash equal] = Jaccard(A, B) for each of ``num_perm`` hashes
    (:mod:`samestory.minhash`: the values datasketch's ``MinHash`` gives)."""
    return signature([s.encode("utf-8") for s in shingle_set], num_perm, seed)


def featurize(
    articles: Sequence[Article],
    config: Config = DEFAULT_CONFIG,
    encoder: SentenceEncoder | None = None,
) -> list[DocFeatures]:
    """Compute features for many articles, encoding all their sentences in one batch."""
    encoder = encoder or encoder_for(config.encoder)
    return add_vectors([text_features(a, config) for a in articles], encoder)


def text_features(
    article: Article,
    config: Config = DEFAULT_CONFIG,
    read: tuple[str, list[str]] | None = None,
) -> DocFeatures:
    """Every feature of ``article`` except its vectors, which :func:`add_vectors` sets.

    This is the per-article Python work (cleaning, sentences, names, shingles, word
    weights); it needs no encoder, so it can run in worker processes. ``read`` is
    :func:`read_text` of the article when already known (the same features either way).
    """
    text, sents = read_text(article, config) if read is None else read
    # The headline without the site's name and tagline (normalize.headline).
    title = normalize.headline(article.title or "")
    full = f"{title}\n{text}"
    if repeats_lines(text):
        # Most lines an earlier text had: read line by line, each line's cues, shingle
        # digests and names once a process (cached).
        cues = text_cues(title, text)
        tokens = cues.tokens
        minhash, n_shingles = shingle_sketch(text, tokens, config, cues.line_words)
        entities = entities_of(full)
    else:  # read as a whole: the same values without the per-line work
        cues = whole_text_cues(title, text)
        tokens = cues.tokens
        shingle_set = normalize.shingles(tokens, config.shingle_size)
        minhash = minhash_of(shingle_set, config.num_perm, config.seed)
        n_shingles = len(shingle_set)
        entities = normalize.entities(full)
    lang = article.lang or lexical.detect_language(text, tokens=tokens)
    date, from_text, written = article.date, False, None
    if date is None:
        prefix = text[:DATE_PREFIX_CHARS]
        found, spans = normalize.dates_and_spans(prefix)  # searched once for both
        date = found[0] if found else None
        from_text = date is not None
        written = first_written_date(prefix, lang, spans)
    sentence_key = tuple(sents)  # the name readings' cache key
    return DocFeatures(
        id=article.id,
        lang=lang,
        date=date,
        date_from_text=from_text,
        title=article.title,
        fingerprint=normalize.fingerprint_of_words(tokens),
        n_words=len(tokens),
        sentences=sents,
        sentence_vectors=_NO_VECTORS,
        vector=_NO_VECTOR,
        minhash=minhash,
        n_shingles=n_shingles,
        # Interned: names, numbers and quotes recur across articles (a third of their
        # memory), and relations from scoring workers then share them (models.py).
        entities=frozenset(map(sys.intern, entities)),
        numbers=frozenset(map(sys.intern, cues.numbers)),
        quotes=tuple(map(sys.intern, normalize.quotes(text))),
        # words(title + "\n" + text) is words(title) + words(text): tokenise text once.
        terms=lexical.term_vector(full, lang, cues.title_tokens + tokens),
        written_date=written,
        number_contexts=frozenset(map(sys.intern, cues.number_contexts)),
        latest_year=cues.latest_year,
        roles=name_roles.name_roles(sentence_key),
        local_places=name_roles.local_places(sentence_key),
    )


# Placeholders until add_vectors runs (shared: never written to, only replaced).
_NO_VECTORS = np.zeros((0, 0), dtype=SENTENCE_DTYPE)
_NO_VECTOR = np.zeros(0, dtype=np.float32)


def add_vectors(features: list[DocFeatures], encoder: SentenceEncoder) -> list[DocFeatures]:
    """Encode the articles' sentences, each distinct sentence once (reposts and edited
    copies repeat most of them), and set each one's sentence and document vectors."""
    flat = [s for f in features for s in f.sentences]
    distinct = list(dict.fromkeys(flat))
    position = {sentence: k for k, sentence in enumerate(distinct)}
    encoded = encoder.encode(distinct) if distinct else np.zeros((0, encoder.dim), np.float32)
    vectors = encoded[[position[s] for s in flat]] if flat else encoded
    start = 0
    for f in features:
        set_vectors(f, vectors[start : start + len(f.sentences)], encoder.dim)
        start += len(f.sentences)
    return features


def set_vectors(f: DocFeatures, sentence_vectors: np.ndarray, dim: int) -> DocFeatures:
    """Set ``f``'s sentence vectors (stored as ``SENTENCE_DTYPE``) and its document
    vector from ``sentence_vectors`` (float32, one row per sentence, in order)."""
    f.sentence_vectors, f.vector = vectors_of(f.sentences, sentence_vectors, dim)
    return f


def vectors_of(
    sentences: list[str], sentence_vectors: np.ndarray, dim: int
) -> tuple[np.ndarray, np.ndarray]:
    """What :func:`set_vectors` sets: the sentence vectors as ``SENTENCE_DTYPE`` and the
    document vector, from ``sentence_vectors`` (float32, a row for each of ``sentences``)."""
    return sentence_vectors.astype(SENTENCE_DTYPE), document_vector(
        sentences, sentence_vectors, dim
    )


def vectors_of_many(
    lists: Sequence[list[str]], rows: Mapping[str, np.ndarray], dim: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``[vectors_of(s, np.stack([rows[x] for x in s]), dim) for s in lists]``, bit for
    bit, from one stack, one cast, one weighting and one normalisation over all the
    lists' sentences (``rows``: a float32 vector for each sentence) instead of a few
    small array operations a list; each list's weighted rows are summed by
    ``sum(axis=0)`` as :func:`document_vector` sums them, and a row's norm depends on
    that row alone."""
    flat = [s for sentences in lists for s in sentences]
    empty = np.zeros((0, dim), dtype=np.float32)
    if not flat:
        return [vectors_of(sentences, empty, dim) for sentences in lists]
    matrix = np.stack([rows[s] for s in flat])
    halves = matrix.astype(SENTENCE_DTYPE)
    weights = np.fromiter((max(len(s.split()), 1) for s in flat), dtype=np.float32, count=len(flat))
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    ends = np.cumsum(counts)
    bounds = list(zip((ends - counts).tolist(), ends.tolist(), strict=True))
    weighted = weights[:, None] * matrix
    # Each list's rows summed by sum(axis=0) as document_vector sums them (np.add.reduceat
    # adds in another order: other bits).
    sums = np.stack([weighted[start:end].sum(axis=0) for start, end in bounds if end > start])
    documents = normalize_rows(sums).astype(np.float32)
    out = []
    k = 0
    for sentences, (start, end) in zip(lists, bounds, strict=True):
        if start == end:
            out.append(vectors_of(sentences, empty, dim))
        else:  # copies: a view would keep the whole batch's array alive
            out.append((halves[start:end].copy(), documents[k].copy()))
            k += 1
    return out


def document_vector(sentences: list[str], sentence_vectors: np.ndarray, dim: int) -> np.ndarray:
    """Mean of the sentence vectors weighted by sentence length in words, normalised.

    A one-word line says less than a full sentence; normalised, so the dot product of
    two document vectors is their cosine.
    """
    if not len(sentence_vectors):
        return np.zeros(dim, dtype=np.float32)
    weights = np.array([max(len(s.split()), 1) for s in sentences], dtype=np.float32)
    doc = normalize_rows((weights[:, None] * sentence_vectors).sum(axis=0, keepdims=True))[0]
    return doc.astype(np.float32)
