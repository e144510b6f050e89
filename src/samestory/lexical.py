"""Language identification and specificity-weighted word vectors.

Two reports of one event share its *specific* words: the victim's name, the town, the
magnitude, "rehab" or "airtanker"; two reports of one *topic* share only its common
words. A word's specificity is its information content in the language at large,

    idf(w) = max(0, Z_max - zipf(w)),     zipf(w) = log10(frequency per billion words),

read from the ``wordfreq`` tables (40+ languages, shipped inside the package, offline).
This is the background-corpus IDF of classic retrieval, but fixed: it does not depend on
which other articles happen to be in the batch, the store or the Spark partition, so a
pair scores the same in every mode. Articles are then sparse vectors with weights
``(1 + ln tf(w)) · idf(w)``, L2-normalised, stored as sorted 64-bit word hashes.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from samestory import normalize
from samestory.diskcache import cache_dir, write_atomically
from samestory.lru import LRUCache
from samestory.parallel import ForkSafeLock

log = logging.getLogger("samestory")

# Z_max: the Zipf value of the most frequent words, by definition of wordfreq's scale
# (log10 of frequency per billion words; "the" is about 7.7).
ZIPF_MAX = 8.0
_NEEDS_SEGMENTER = frozenset({"zh", "ja", "ko"})
# Languages the detector chooses among: those of the sentence encoder plus wordfreq's
# larger European languages (restricting the set makes detection faster and surer).
_DETECTABLE = tuple(
    """
    ARABIC CHINESE DUTCH ENGLISH FRENCH GERMAN ITALIAN JAPANESE KOREAN POLISH PORTUGUESE
    RUSSIAN SPANISH THAI TURKISH CZECH SWEDISH DANISH FINNISH GREEK HUNGARIAN ROMANIAN
    UKRAINIAN BULGARIAN CROATIAN CATALAN INDONESIAN HEBREW PERSIAN HINDI
    """.split()  # noqa: SIM905 - a word list reads best as text
)


@functools.lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    languages = [getattr(Language, name) for name in _DETECTABLE if hasattr(Language, name)]
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()


# Characters read to detect a language (measured: see detect_language).
LANGUAGE_SAMPLE_CHARS = 500

# The fast path of detect_language: each language's most frequent words (wordfreq's
# top 200 of its 42 languages; scripts/make_language_words.py writes the file).
LANGUAGE_WORDS_FILE = "language_words.json"
MARKER_WORDS_READ = 150  # the text's first words
MARKER_MIN_HITS = 8  # marker words of the winning language, at least
MARKER_MIN_RATIO = 4.0  # times the runner-up's
MARKER_MIN_SHARE = 0.05  # of the words read
# What the fast path may answer: the ISO 639-1 codes of _DETECTABLE (lingua's set).
# (A test checks them against lingua's codes for _DETECTABLE.)
_DETECTABLE_CODES = frozenset(
    """
    ar zh nl en fr de it ja ko pl pt ru es th tr cs sv da fi el hu ro uk bg hr ca id he fa hi
    """.split()  # noqa: SIM905 - a word list reads best as text
)


def detect_language(
    text: str, sample_chars: int = LANGUAGE_SAMPLE_CHARS, tokens: Sequence[str] | None = None
) -> str | None:
    """ISO 639-1 code of the text's language, or None if unsure.

    First by marker words (:func:`language_by_marker_words`, ~0.07 ms), when they are
    clear; otherwise lingua (offline, ~2 ms) on the first ``sample_chars`` characters.
    ``tokens``: the text's :func:`normalize.words`, when the caller has them.

    500 characters: on the SemEval and MEANTIME dev texts (10 languages) lingua agrees
    with the labelled language as often as on 1,000 (2,800 of 2,806), in half the time;
    300 loses two. The marker words decide 4,403 of the 4,878 texts of every dev set
    (SemEval's both sides included), always as lingua does (docs/history/benchmarks.md).
    """
    sample = text[:sample_chars]
    if not sample.strip():
        return None
    words = normalize.words(text[: 10 * MARKER_WORDS_READ]) if tokens is None else tokens
    fast = language_by_marker_words(words[:MARKER_WORDS_READ])
    if fast is not None:
        return fast
    language = _detector().detect_language_of(sample)
    return language.iso_code_639_1.name.lower() if language else None


def language_by_marker_words(words: Sequence[str]) -> str | None:
    """The language whose marker words (:func:`_marker_words`) the ``words`` hold at
    least ``MARKER_MIN_HITS`` times, ``MARKER_MIN_RATIO`` times as often as any other
    language's and as ``MARKER_MIN_SHARE`` of the words; None when no language is that
    clear, or the winner is not one the detector answers (a close neighbour of one)."""
    markers = _marker_words()
    hits = Counter(m for w in words if (m := markers.get(w)) is not None)
    if not hits:
        return None
    ranked = hits.most_common(2)
    best, count = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    clear = (
        count >= MARKER_MIN_HITS
        and count >= MARKER_MIN_RATIO * runner_up
        and count >= MARKER_MIN_SHARE * len(words)
    )
    return best if clear and best in _DETECTABLE_CODES else None


@functools.lru_cache(maxsize=1)
def _marker_words() -> dict[str, str]:
    """Word -> language, for the words among the most frequent of exactly one language
    (a word frequent in two languages, "de", "la", "in", tells neither)."""
    from samestory import params

    lists: dict[str, list[str]] = params.load(LANGUAGE_WORDS_FILE)["words"]
    owners: dict[str, set[str]] = {}
    for lang, words in lists.items():
        for word in words:
            owners.setdefault(word, set()).add(lang)
    return {word: langs.pop() for word, langs in owners.items() if len(langs) == 1}


# --- Background frequencies -------------------------------------------------------------
#
# ``wordfreq.zipf_frequency`` tokenises and normalises every word it is asked about (about
# 10 µs a word), while the answer for a plain lowercase word is one dict lookup. The fast
# path below reads wordfreq's own table (``get_frequency_dict``, loaded once per language
# and shared with wordfreq, so no second copy) and maps its ~600 distinct frequencies to
# idf values computed exactly as ``zipf_frequency`` rounds them. Only words it cannot be
# sure about go the reference way: digits (wordfreq "smashes" them), characters outside
# the scripts below (CJK, Thai, ... are segmented), uppercase, unnormalised Unicode, and
# the letters some languages rewrite (ß, final sigma, Romanian/Turkish s/t with cedilla).

# Lowercase letters of scripts without segmentation (Latin, Greek, Cyrillic, Armenian,
# Hebrew, Arabic; Arabic tatweel and digits excluded). Every one is a Unicode "ALetter" or
# "Hebrew_Letter", so a run of them is a single wordfreq token (tests check each character).
_PLAIN_WORD = re.compile(
    "[a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u024f\u1e00-\u1eff"
    "\u0386-\u03ce\u03d0-\u03ff\u0400-\u052f\u0561-\u0587"
    "\u05d0-\u05ea\u0620-\u063f\u0641-\u065f\u066e-\u06d3\u06d5\u06ee\u06ef\u06fa-\u06ff]+"
)
# Words whose idf the slow path keeps per language (chosen for memory; cleared when full).
_SLOW_CACHE_SIZE = 100_000
_MEMO_SIZE = 30_000  # per language: at most ~6 MB
# 1 + ln tf for counts up to 256, precomputed (by definition; larger counts computed).
_LOG_TF = [0.0] + [1.0 + math.log(c) for c in range(1, 257)]


class _Background:
    """One language's background frequencies: word -> idf, fast where it can be sure."""

    __slots__ = (
        "code",
        "freqs",
        "idf_of_freq",
        "lang",
        "memo",
        "normal_form",
        "slow",
        "unsafe",
    )

    def __init__(self, lang: str | None) -> None:
        self.lang = lang
        # The language _reference_zipf asks wordfreq about, whose table this is.
        self.code = code = "en" if not lang or lang in _NEEDS_SEGMENTER else lang
        stored = _stored_table(code)
        info = stored.info
        plain = (
            info["tokenizer"] == "regex"
            and info["transliteration"] is None
            and info["lookup_transliteration"] is None
        )
        # Letters this language's preprocessing would rewrite (or None: no fast path).
        unsafe = {"commas": "şţ", "cedillas": "șț"}.get(info["diacritics_under"], "")
        self.unsafe = unsafe if plain else None
        self.normal_form = info["normal_form"]
        # The table from the disk cache until _FULL_TABLE_AFTER lookups, then wordfreq's.
        self.freqs: Any = _StoredFreqs(stored, self)
        self.idf_of_freq: dict[float | None, float] = {f: _idf_of_freq(f) for f in stored.distinct}
        self.idf_of_freq[None] = _idf_of_freq(0.0)
        self.slow: dict[str, float] = {}
        # term_vector's memo of frequent words: word -> (8-byte blake2b digest, idf).
        self.memo: dict[str, tuple[bytes, float]] = {}

    def load_full_table(self) -> None:
        """Look words up in wordfreq's own dict from now on (as it calls it: one copy)."""
        if isinstance(self.freqs, _StoredFreqs):
            self.freqs = self.freqs.stored.full()

    def is_plain(self, word: str) -> bool:
        """True if wordfreq would look ``word`` up as itself, one token, no digits."""
        if self.unsafe is None:
            return False
        if word.isascii():
            return word.isalpha() and word.islower()
        return (
            _PLAIN_WORD.fullmatch(word) is not None
            and word.isalpha()  # letters only: the ranges above have a few gaps and marks
            and word.casefold() == word
            and unicodedata.is_normalized(self.normal_form, word)
            and not any(ch in word for ch in self.unsafe)
        )

    def idf(self, word: str) -> float:
        if self.is_plain(word):
            return self.idf_of_freq[self.freqs.get(word)]
        tokens = _ascii_tokens(word) if self.unsafe is not None else None
        if tokens is not None:
            return self._ascii_idf(tokens)
        idf = self.slow.get(word)
        if idf is None:
            if len(self.slow) >= _SLOW_CACHE_SIZE:
                self.slow.clear()
            idf = self._table_idf(word)
            if idf is None:
                idf = max(0.0, ZIPF_MAX - _reference_zipf(word, self.lang))
            self.slow[word] = idf
        return idf

    def _table_idf(self, word: str) -> float | None:
        """``idf`` as ``_reference_zipf`` computes it, read from this background's table
        instead of wordfreq's dict for the language (which wordfreq would load for the
        one word: 0.1 s each for Spanish, Italian, Dutch on the real corpus): wordfreq's
        own tokeniser and number smashing, then ``_word_frequency``'s sum and rounding.
        None where the table is not wordfreq's list for this language (English as a
        background, which wordfreq reads with English tokens) or tokens need more than
        the regex tokeniser (segmenters, transliteration)."""
        if self.unsafe is None or not _own_wordlist(self.code):
            return None
        from wordfreq.numbers import digit_freq, smash_numbers
        from wordfreq.tokens import lossy_tokenize

        one_over = 0.0
        for token in lossy_tokenize(word, self.code):
            smashed = smash_numbers(token)
            freq = self.freqs.get(smashed)
            if freq is None:  # a token not in the list: the word has the minimum
                return self.idf_of_freq[None]
            if smashed != token:
                freq *= digit_freq(token)
            one_over += 1.0 / freq
        if not one_over:  # no tokens: the minimum
            return self.idf_of_freq[None]
        return _idf_of_freq(1.0 / one_over)

    def _ascii_idf(self, tokens: list[str]) -> float:
        """``idf`` of a word wordfreq reads as ``tokens`` (:func:`_ascii_tokens`), as
        ``wordfreq.zipf_frequency`` computes it: in each token, every run of two or more
        digits looked up as zeros ("2025" as "0000", "11th" as "00th") and weighted by
        wordfreq's distribution of that run (``year_freq`` for four digits, else
        ``benford_freq``); the tokens' frequencies combined as ``1/f = Σ 1/f_i``, 0 if
        one is missing."""
        one_over = 0.0
        for token in tokens:
            smashed = _DIGIT_RUN.sub(lambda run: "0" * len(run.group()), token)
            freq = self.freqs.get(smashed)
            if freq is None:
                return self.idf_of_freq[None]
            if smashed != token:
                digits = 1.0
                for run in _DIGIT_RUN.findall(token):
                    digits *= _year_freq(run) if len(run) == 4 else _benford_freq(run)
                freq *= digits
            one_over += 1.0 / freq
        return _idf_of_freq(1.0 / one_over)


def _idf_of_freq(freq: float) -> float:
    """``ZIPF_MAX - zipf_frequency`` for a one-token word of table frequency ``freq``
    (0 if absent), rounded as ``wordfreq.word_frequency`` and ``zipf_frequency`` do."""
    unrounded = max(freq, 1e-9)  # zipf_frequency's default minimum, Zipf 0
    rounded = round(unrounded, math.floor(-math.log(unrounded, 10)) + 3)
    return max(0.0, ZIPF_MAX - round(math.log(rounded, 10) + 9, 2))


# --- Numbers, hyphens, apostrophes, as wordfreq reads them (its numbers.py, tokens.py) --
#
# Lowercase ASCII letters and digits joined by hyphens are wordfreq tokens split at the
# hyphens ("putin-trump", "ms08-078"); in a token each run of two or more digits is
# looked up as zeros and weighted by how often that run occurs among runs of its length:
# Benford's law on the first digit, or, for four digits, a distribution of years peaking
# 2019-2039. tests/test_lexical.py checks these against zipf_frequency.
_ASCII_TOKENS = re.compile("[a-z0-9]+(?:-[a-z0-9]+)*")
# Lowercase ASCII words with apostrophes ("we’ve", "o'brien") are one token, its curly
# apostrophes made straight, unless a straight one splits off a French-style elision
# ("l'heure": one or two letters, then a vowel or h).
_APOSTROPHE_WORD = re.compile("[a-z]+(?:['’][a-z]+)+")
_ELISION = re.compile("[a-z]{1,2}'[aehiouy]")


def _ascii_tokens(word: str) -> list[str] | None:
    """The tokens wordfreq reads ``word`` as, for the lowercase ASCII words this module
    is sure about (digits, hyphens, apostrophes); None for any other word."""
    if _ASCII_TOKENS.fullmatch(word):
        return word.split("-")
    if _APOSTROPHE_WORD.fullmatch(word) and not _ELISION.match(word):
        return [word.replace("’", "'")]
    return None


_DIGIT_RUN = re.compile("[0-9]{2,}")
_DIGIT_FREQS = (0.009, 0.300, 0.175, 0.124, 0.096, 0.078, 0.066, 0.057, 0.050, 0.045)
_YEAR_LOG_PEAK = -1.9185
_NOT_YEAR_PROB = 0.1
_REFERENCE_YEAR = 2019
_PLATEAU_WIDTH = 20


def _benford_freq(digits: str) -> float:
    return _DIGIT_FREQS[int(digits[0])] / 10 ** (len(digits) - 1)


def _year_freq(digits: str) -> float:
    year = int(digits)
    if year <= _REFERENCE_YEAR:
        year_log_freq = _YEAR_LOG_PEAK - 0.0083 * (_REFERENCE_YEAR - year)
    elif year <= _REFERENCE_YEAR + _PLATEAU_WIDTH:
        year_log_freq = _YEAR_LOG_PEAK
    else:
        year_log_freq = _YEAR_LOG_PEAK - 0.2 * (year - (_REFERENCE_YEAR + _PLATEAU_WIDTH))
    return 10.0**year_log_freq + _NOT_YEAR_PROB * _benford_freq(digits)


# --- The word tables from the disk cache -------------------------------------------------
#
# wordfreq's English table is 321,180 words: reading it (msgpack, then a dict) and
# importing wordfreq (langcodes' data, its tokenizer's regexes) cost ~0.35 s of CPU, while
# `samestory compare` looks up a few hundred words. So each language's table is kept in
# $SAMESTORY_CACHE (samestory.diskcache) as sorted 64-bit word hashes with each word's
# bytes (to check a match exactly) and an index into its ~600 distinct frequencies, which
# load in milliseconds. Words are looked up there (~10 µs each) until _FULL_TABLE_AFTER
# lookups, then in wordfreq's own dict, loaded then: a batch run pays what it always did.

# Lookups answered from the stored table before wordfreq's dict is loaded (chosen: the
# dict costs about as much CPU as this many table lookups).
_FULL_TABLE_AFTER = 20_000
# get_language_info fields _Background reads.
_INFO_FIELDS = (
    "tokenizer",
    "transliteration",
    "lookup_transliteration",
    "diacritics_under",
    "normal_form",
)


class _StoredTable:
    """One language's word table as stored: what ``get_frequency_dict(code, "best")``
    holds, plus the ``get_language_info`` fields ``_Background`` needs."""

    __slots__ = ("blob", "code", "codes", "distinct", "hashes", "info", "offsets")

    def __init__(self, code: str, arrays: dict[str, np.ndarray], info: dict[str, Any]):
        self.code, self.info = code, info
        self.hashes = arrays["hashes"]  # sorted uint64 blake2b-8 of each word
        self.offsets = arrays["offsets"]  # word k is blob[offsets[k]:offsets[k + 1]]
        self.blob = arrays["blob"].tobytes()
        self.codes = arrays["codes"]  # index of word k's frequency in distinct
        self.distinct = [float(f) for f in arrays["distinct"]]

    def get(self, word: str) -> float | None:
        data = word.encode("utf-8")
        key = int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")
        k = int(np.searchsorted(self.hashes, np.uint64(key)))
        while k < len(self.hashes) and int(self.hashes[k]) == key:
            if self.blob[int(self.offsets[k]) : int(self.offsets[k + 1])] == data:
                return self.distinct[int(self.codes[k])]
            k += 1
        return None

    def full(self) -> dict[str, float]:
        """wordfreq's own dict of this table (imports wordfreq)."""
        return _wordfreq_table(self.code)[0]


class _StoredFreqs:
    """``freqs.get`` from the stored table; after _FULL_TABLE_AFTER lookups the
    background switches to wordfreq's dict."""

    __slots__ = ("background", "lookups", "stored")

    def __init__(self, stored: _StoredTable, background: _Background) -> None:
        self.stored, self.background, self.lookups = stored, background, 0

    def get(self, word: str) -> float | None:
        self.lookups += 1
        if self.lookups >= _FULL_TABLE_AFTER:
            self.background.load_full_table()
        return self.stored.get(word)


def _wordfreq_table(code: str) -> tuple[dict[str, float], dict[str, Any]]:
    """wordfreq's table and language info for ``code``, as _Background always read them:
    English frequencies for a language without a wordlist, with its own tokenizer."""
    from wordfreq import get_frequency_dict
    from wordfreq.language_info import get_language_info

    info = get_language_info(code)
    try:
        freqs = get_frequency_dict(code, "best")  # as wordfreq calls it: one cached copy
    except LookupError:  # no wordlist: English as background, as in _reference_zipf
        freqs = get_frequency_dict("en", "best")
        info = {**get_language_info("en"), "tokenizer": info["tokenizer"]}
    return freqs, {k: info[k] for k in _INFO_FIELDS}


@functools.cache
def _own_wordlist(code: str) -> bool:
    """True if wordfreq has a word list under the code ``code`` itself (so
    ``get_frequency_dict(code)`` is that list; a code it only matches to another, such
    as "pt-BR", or none, English as background, is left to the reference path)."""
    from wordfreq import available_languages

    return code in available_languages("best")


def _wordfreq_digest() -> str:
    """Names, sizes and times of wordfreq's files: a new wordfreq makes new entries."""
    import importlib.util

    spec = importlib.util.find_spec("wordfreq")
    if spec is None or spec.origin is None:
        raise ImportError("wordfreq is not installed")
    root = Path(spec.origin).parent
    sha = hashlib.sha256()
    for path in sorted([root / "__init__.py", root / "language_info.py", *root.glob("data/*")]):
        stat = path.stat()
        sha.update(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return sha.hexdigest()[:12]


def _stored_table(code: str) -> _StoredTable:
    """``code``'s table from the disk cache, stored there from wordfreq the first time
    (or read from wordfreq directly when the cache cannot be written)."""
    path = cache_dir() / f"wordfreq-{code}-{_wordfreq_digest()}.npz"
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {k: archive[k] for k in archive.files}
        info = json.loads(arrays.pop("info").tobytes())
        return _StoredTable(code, arrays, info)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass
    freqs, info = _wordfreq_table(code)
    arrays = _table_arrays(freqs)
    arrays["info"] = np.frombuffer(json.dumps(info).encode(), dtype=np.uint8)
    try:
        write_atomically(path, lambda handle: np.savez(handle, **arrays))  # type: ignore[arg-type]
    except OSError as exc:  # a cache: the next process stores it again
        log.debug("could not cache %s: %s", path, exc)
    info = json.loads(arrays.pop("info").tobytes())
    return _StoredTable(code, arrays, info)


def _table_arrays(freqs: dict[str, float]) -> dict[str, np.ndarray]:
    words = [w.encode("utf-8") for w in freqs]
    keys = np.fromiter(
        (int.from_bytes(hashlib.blake2b(w, digest_size=8).digest(), "little") for w in words),
        dtype=np.uint64,
        count=len(words),
    )
    order = np.argsort(keys, kind="stable")
    values = list(freqs.values())
    distinct = sorted(set(values))
    index = {f: k for k, f in enumerate(distinct)}
    sorted_words = [words[k] for k in order]
    lengths = np.fromiter(map(len, sorted_words), dtype=np.int64, count=len(words))
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return {
        "hashes": keys[order],
        "offsets": offsets,
        "blob": np.frombuffer(b"".join(sorted_words), dtype=np.uint8),
        "codes": np.array([index[values[k]] for k in order], dtype=np.uint32),
        "distinct": np.array(distinct, dtype=np.float64),
    }


_BACKGROUNDS: dict[str | None, _Background] = {}
_BACKGROUND_LOCK = ForkSafeLock()  # worker processes use it too


def _background(lang: str | None) -> _Background:
    background = _BACKGROUNDS.get(lang)
    if background is None:
        with _BACKGROUND_LOCK:
            background = _BACKGROUNDS.get(lang)
            if background is None:
                background = _BACKGROUNDS[lang] = _Background(lang)
    return background


def load_backgrounds(langs: set[str | None]) -> None:
    """Load the word tables of ``langs`` now (each is otherwise loaded on first use)."""
    for lang in sorted(langs, key=str):
        _background(lang).load_full_table()  # shared with forked workers


def _reference_zipf(word: str, lang: str | None) -> float:
    """``zipf_frequency`` as specificity has always called it (the slow, sure path)."""
    from wordfreq import zipf_frequency

    if lang in _NEEDS_SEGMENTER:
        lang = "en"  # wordfreq needs jieba/MeCab there; unseen words get the top weight
    try:
        return zipf_frequency(word, lang or "en")
    except LookupError:  # a language wordfreq does not cover: English as background
        return zipf_frequency(word, "en")


# Words whose specificity is kept (chosen for memory; news vocabulary repeats).
SPECIFICITY_CACHE = 1 << 17


@functools.lru_cache(maxsize=SPECIFICITY_CACHE)
def specificity(word: str, lang: str | None) -> float:
    """``idf(w) = max(0, Z_max - zipf(w))``: 0 for "the", about 7 for a rare surname."""
    return _background(lang).idf(word)


def _hash(word: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little", signed=True
    )


def term_vector(
    text: str, lang: str | None, tokens: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(hashes, weights)``: sorted word hashes and their L2-normalised tf-idf weights.

    ``tokens``, if given, must be ``normalize.words(text)`` (saves tokenising again).
    """
    counts = Counter(normalize.words(text) if tokens is None else tokens)
    background = _background(lang)
    memo = background.memo
    ascii_ok = background.unsafe is not None
    freq_of = background.freqs.get
    idf_of_freq = background.idf_of_freq  # also maps None (not in the table)
    blake2b = hashlib.blake2b
    digests: list[bytes] = []
    raw: list[float] = []
    for w, c in counts.items():
        entry = memo.get(w)
        if entry is None:
            if len(w) < 2:
                continue
            # Inlined fast path of _Background.idf for plain ASCII words (most words).
            if ascii_ok and w.isascii() and w.isalpha() and w.islower():
                weight = idf_of_freq[freq_of(w)]
            else:
                weight = background.idf(w)
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            entry = memo[w] = (blake2b(w.encode("utf-8"), digest_size=8).digest(), weight)
        digests.append(entry[0])
        raw.append((_LOG_TF[c] if c < len(_LOG_TF) else 1.0 + math.log(c)) * entry[1])
    if not digests:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    # The digests read as little-endian signed 64-bit integers: exactly _hash(w).
    h = np.frombuffer(b"".join(digests), dtype="<i8").astype(np.int64)
    x = np.array(raw, dtype=np.float64)
    order = np.lexsort((x, h))  # by hash, then weight: as sorting (hash, weight) pairs
    h = h[order]
    weights = x[order].astype(np.float32)
    norm = float(np.linalg.norm(weights))
    if norm > 0:
        weights /= norm
    if len(h) > 1 and not (h[1:] > h[:-1]).all():  # a hash collision: keep the first
        h, first = np.unique(h, return_index=True)
        weights = weights[first]
    return h, weights


def cosine(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> float:
    """Cosine of two term vectors (dot product of the shared words' weights).

    The shared words are found by binary search of ``a``'s sorted hashes in ``b``'s
    (``O(|a| log |b|)``, a third of ``np.intersect1d``'s time, which sorts both), in
    ascending hash order as ``intersect1d`` gives them, so the sum is the same.
    """
    hashes_a, hashes_b = a[0], b[0]
    if not len(hashes_a) or not len(hashes_b):
        return 0.0
    at = np.searchsorted(hashes_b, hashes_a)
    np.minimum(at, len(hashes_b) - 1, out=at)
    shared = hashes_b[at] == hashes_a
    if not shared.any():
        return 0.0
    return float(np.dot(a[1][shared], b[1][at[shared]]))


def cosines_against(
    a: tuple[np.ndarray, np.ndarray], others: Sequence[tuple[np.ndarray, np.ndarray]]
) -> list[float]:
    """``[cosine(a, b) for b in others]``, bit for bit, with one binary search of all the
    others' hashes in ``a``'s.

    Each pair's shared words come out in ascending hash order (every term vector is
    sorted by hash), as :func:`cosine` takes them, and each pair's dot product is the
    same ``np.dot`` of the same float32 values in that order.
    """
    hashes_a, weights_a = a
    if not len(hashes_a) or not others:
        return [0.0] * len(others)
    hashes_b = np.concatenate([h for h, _ in others])
    weights_b = np.concatenate([w for _, w in others])
    at = np.searchsorted(hashes_a, hashes_b)
    np.minimum(at, len(hashes_a) - 1, out=at)
    shared = hashes_a[at] == hashes_b
    matched_a = weights_a[at[shared]]
    matched_b = weights_b[shared]
    # Shared words per pair, hence each pair's slice of the matched weights.
    shared_before = np.concatenate(([0], np.cumsum(shared)))
    ends = shared_before[np.cumsum([len(h) for h, _ in others])].tolist()
    out = []
    start = 0
    for end in ends:
        out.append(
            float(np.dot(matched_a[start:end], matched_b[start:end])) if end > start else 0.0
        )
        start = end
    return out


def weighted_jaccard(
    a: frozenset[str],
    b: frozenset[str],
    lang: str | None,
    shared: frozenset[str] | None = None,
) -> float:
    """Jaccard of two name sets with each name weighted by its specificity ``s``:

        J_w(A, B) = Σ_{x ∈ A∩B} s(x) / Σ_{x ∈ A∪B} s(x).

    Both sums are exactly rounded (``math.fsum``), so the value does not depend on the
    order the sets iterate in (Python's per-process string hashing; a plain sum differed
    in the last bit between runs, which could tip a score across a threshold). The union
    sum is ``fsum(P(A) + P(B) - [s(x) for x in A∩B])``, where ``P(X)`` are the exact
    non-overlapping partial sums of ``X``'s weights (Shewchuk), cached per set: their
    exact total is ``Σ_A + Σ_B - Σ_{A∩B} = Σ_{A∪B}``, so the result is bit-identical to
    summing the union, without visiting every name of both sets in every pair.
    ``shared``: ``a & b`` when the caller has it already (pair scoring reads it thrice).
    """
    if shared is None:
        shared = a & b
    if not shared:
        return 0.0
    weights = [specificity(x, lang) for x in shared]
    union = math.fsum(
        [*_exact_partials(a, lang), *_exact_partials(b, lang), *(-w for w in weights)]
    )
    return math.fsum(weights) / union if union else 0.0


# Exact partial sums of recently seen name sets: see _exact_partials.
_PARTIALS: LRUCache[tuple[int, str | None], tuple[frozenset[str], list[float]]] = LRUCache(4096)
_PARTIALS_LOCK = ForkSafeLock()


def _exact_partials(names: frozenset[str], lang: str | None) -> list[float]:
    """Non-overlapping floats whose exact sum is ``Σ specificity(x, lang)`` over ``names``.

    Cached by the set's identity (an article's names are compared in each of its pairs);
    an entry holds the set itself, so its id cannot be reused while cached.
    """
    key = (id(names), lang)
    with _PARTIALS_LOCK:
        hit = _PARTIALS.get(key)
    if hit is not None and hit[0] is names:
        return hit[1]
    partials = _msum([specificity(x, lang) for x in names])
    with _PARTIALS_LOCK:
        _PARTIALS.put(key, (names, partials))
    return partials


def _msum(values: list[float]) -> list[float]:
    """Shewchuk's exact summation: non-overlapping partials, smallest first, whose sum
    is exactly ``Σ values`` (the algorithm inside ``math.fsum``, partials kept)."""
    partials: list[float] = []
    for x in values:
        i = 0
        for y in partials:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                partials[i] = lo
                i += 1
            x = hi
        partials[i:] = [x]
    return partials
