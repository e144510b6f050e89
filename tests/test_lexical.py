"""Specificity weights and term vectors: the fast path must equal wordfreq's own answer."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections import Counter

import numpy as np
from wordfreq import iter_wordlist
from wordfreq.tokens import lossy_tokenize

from samestory import lexical, normalize, params

SAMPLE = {
    "en": "The 33-year-old actress checked into Promises on Tuesday; COVID19 rose 40% in 2008.",
    "de": "Die Straße in Göttingen: Großeltern äußern Bedenken über 1.000 Tierversuche.",
    "fr": "L'homme s'est rendu à l'hôpital d'Orléans où l'œuvre a été volée.",
    "es": "El niño pidió perdón en Cataluña; señaló que mañana habrá elecciones.",
    "tr": "İstanbul'da IŞIK kişinin ACELAŞI hakkında açıklama yaptı; ılık şehir.",
    "ro": "Același om și-a țesut șapte ştiri în Timișoara.",
    "el": "Η λέξις του σεισμού ΣΟΦΟΣ ΟΔΥΣΣΕΑΣ στην Αθήνα.",
    "ru": "Президент России Владимир Путин встретился с Уиткоффом в Ёлках.",
    "ar": "الحمــــــد لله، كَلِمَة الرئيس في القاهرة ٢٠٢٤ يوم الاثنين.",
    "he": "ראש הממשלה נפגש עם נשיא ארצות הברית בירושלים.",
    "pl": "Prezydent Żółć spotkał się z ministrem w Łodzi.",
    "zh": "我们走了。他来了！北京时间2024年发生地震 Beijing",
    "ja": "東京で地震がありました。カタカナ",
    "th": "ประเทศไทย กรุงเทพ Bangkok flood",
    "xx": "An unknown language code falls back to English word frequencies.",
    None: "No language at all: English as background, Reid and Ketsoyan.",
}


def _reference_specificity(word: str, lang: str | None) -> float:
    return max(0.0, lexical.ZIPF_MAX - lexical._reference_zipf(word, lang))


def _reference_term_vector(text: str, lang: str | None) -> tuple[np.ndarray, np.ndarray]:
    """term_vector as first written: one zipf_frequency call per distinct word."""
    counts = Counter(w for w in normalize.words(text) if len(w) > 1)
    if not counts:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    items = sorted(
        (lexical._hash(w), (1.0 + math.log(c)) * _reference_specificity(w, lang))
        for w, c in counts.items()
    )
    hashes = np.array([h for h, _ in items], dtype=np.int64)
    weights = np.array([x for _, x in items], dtype=np.float32)
    norm = float(np.linalg.norm(weights))
    if norm > 0:
        weights /= norm
    hashes, first = np.unique(hashes, return_index=True)
    return hashes, weights[first]


def test_fast_and_reference_specificity_agree_on_a_multilingual_sample():
    for lang, text in SAMPLE.items():
        tokens = normalize.words(text) + [w.upper() for w in normalize.words(text)]
        tokens += [*sorted(normalize.entities(text)), "o'brien", "jean-pierre", "x_y", "²", "ⅻ"]
        for word in tokens:
            assert lexical.specificity(word, lang) == _reference_specificity(word, lang), (
                word,
                lang,
            )


def test_fast_path_agrees_on_wordlists():
    """Frequent and rare words of each table, as plain words and through the fast path."""
    for lang in ["en", "de", "tr", "ro", "el", "ru", "ar", "he", "pl", "fr"]:
        words = list(iter_wordlist(lang))
        sample = words[:1500] + words[-1500:] + words[len(words) // 2 :: max(1, len(words) // 1500)]
        background = lexical._background(lang)
        n_plain = 0
        for word in sample:
            if background.is_plain(word):
                n_plain += 1
                assert lossy_tokenize(word, lang) == [word], (word, lang)
            assert lexical.specificity(word, lang) == _reference_specificity(word, lang), (
                word,
                lang,
            )
        assert n_plain > len(sample) // 2


def test_plain_word_characters_never_split_a_token():
    chars = [chr(c) for c in [*range(0x80, 0x800), *range(0x1E00, 0x1F00)]]
    for lang in ["en", "ar", "tr", "ro"]:
        background = lexical._background(lang)
        for ch in chars:
            for word in (f"a{ch}a", f"{ch}{ch}", f"\u05d0{ch}\u05d0", f"\u0628{ch}\u0628"):
                if background.is_plain(word):
                    assert lossy_tokenize(word, lang) == [word], (hex(ord(ch)), lang)


def test_term_vector_equals_reference():
    texts = [
        *SAMPLE.items(),
        ("en", "storm " * 300 + "the " * 5 + "tornado"),
        ("en", "a I"),
        ("en", ""),
    ]
    for lang, text in texts:
        hashes, weights = lexical.term_vector(text, lang)
        ref_hashes, ref_weights = _reference_term_vector(text, lang)
        assert hashes.dtype == np.int64 and weights.dtype == np.float32
        np.testing.assert_array_equal(hashes, ref_hashes)
        np.testing.assert_array_equal(weights, ref_weights)


def test_term_vector_does_not_depend_on_what_came_before():
    text = SAMPLE["de"]
    first = lexical.term_vector(text, "de")
    for other in SAMPLE.values():
        lexical.term_vector(other, "de")
    lexical._background("de").memo.clear()
    again = lexical.term_vector(text, "de")
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])


def test_weighted_jaccard_prefers_shared_rare_names():
    a = frozenset({"the", "ketsoyan", "reid"})
    assert lexical.weighted_jaccard(a, a, "en") == 1.0
    rare = lexical.weighted_jaccard(a, frozenset({"ketsoyan", "reid", "said"}), "en")
    common = lexical.weighted_jaccard(a, frozenset({"the", "said"}), "en")
    assert rare > 0.8 > common
    assert lexical.weighted_jaccard(frozenset(), frozenset(), "en") == 0.0


def test_weighted_jaccard_does_not_depend_on_string_hashing():
    # Set iteration order follows Python's per-process string hashing; the score must
    # be the same bits in every process (Spark executors, reruns), not just close.
    code = (
        "import itertools\n"
        "from wordfreq import iter_wordlist\n"
        "from samestory.lexical import weighted_jaccard\n"
        "words = list(itertools.islice(iter_wordlist('en'), 3000, 3100))\n"
        "a, b = frozenset(words[:70]), frozenset(words[30:])\n"
        "print(repr(weighted_jaccard(a, b, 'en')))\n"
    )
    # The three processes run at once: each spends its time importing, not computing.
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        for seed in ("1", "2", "3")
    ]
    results = [(*p.communicate(), p.returncode) for p in processes]
    assert all(rc == 0 for _, _, rc in results), [err for _, err, _ in results]
    assert len({out for out, _, _ in results}) == 1


def test_exact_partials_sum_exactly_to_their_values():
    """Shewchuk's partials: fsum of partials plus more values equals fsum of all values."""
    rng = np.random.default_rng(7)
    for _ in range(300):
        values = [float(v) for v in rng.uniform(0.0, 8.0, rng.integers(0, 60))]
        extra = [float(v) for v in rng.uniform(-8.0, 8.0, rng.integers(0, 5))]
        partials = lexical._msum(values)
        assert math.fsum([*partials, *extra]) == math.fsum([*values, *extra])


def test_weighted_jaccard_equals_the_sums_over_union_and_intersection():
    """The cached partial sums give exactly the ratio of fsums over A∩B and A∪B."""
    rng = np.random.default_rng(3)
    vocabulary = [w for w, _ in zip(iter_wordlist("en"), range(1500), strict=False)][500:]
    vocabulary += ["Ketsoyan", "Promises", "Lindsay Lohan", "Cathedral City", "Reid"]
    for _ in range(150):
        a = frozenset(rng.choice(vocabulary, rng.integers(0, 40)).tolist())
        b = frozenset(rng.choice(vocabulary, rng.integers(0, 40)).tolist()) | set(
            list(a)[: rng.integers(0, 5)]
        )
        lang = str(rng.choice(["en", "de", "es"]))
        union = math.fsum(lexical.specificity(x, lang) for x in a | b)
        shared = math.fsum(lexical.specificity(x, lang) for x in a & b)
        expected = shared / union if union else 0.0
        assert lexical.weighted_jaccard(a, b, lang) == expected
        assert lexical.weighted_jaccard(a, b, lang) == expected  # cached partials too


def test_term_cosine_equals_the_dot_product_over_shared_hashes():
    """Binary search of shared words gives what np.intersect1d gives, bit for bit."""
    rng = np.random.default_rng(5)
    pool = np.unique(rng.integers(-(1 << 62), 1 << 62, 400, dtype=np.int64))
    for _ in range(300):
        vectors = []
        for size in rng.integers(0, 120, 2):
            hashes = np.sort(rng.choice(pool, size, replace=False))
            weights = rng.random(size).astype(np.float32)
            vectors.append((hashes, weights / max(float(np.linalg.norm(weights)), 1e-9)))
        a, b = vectors
        _, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
        expected = float(np.dot(a[1][ia], b[1][ib])) if len(ia) else 0.0
        assert lexical.cosine(a, b) == expected


# Numbers, hyphenated words and apostrophes, read without wordfreq (lexical._ascii_idf).
ASCII_WORDS = [
    *(str(year) for year in range(990, 2101, 7)),
    *("0", "7", "00", "007", "10", "99", "100", "2040", "2041", "10000000000", "123456"),
    *("11th", "1st", "20s", "1990s", "x86", "a380", "ms08", "news4", "76ers", "covid19"),
    *("putin-trump", "year-old", "ms08-078", "10-15", "covid-19", "a-b-c", "zzqx-trump"),
    *("we’ve", "we've", "i'm", "o'brien", "l'heure", "l’heure", "d'italia", "qu'un", "it's"),
    *("rock'n'roll", "rock’n’roll", "l'a", "aa'eb", "abc'e", "a'b", "hb's", "y'all", "zq'zx"),
]


def test_numbers_hyphens_and_apostrophes_score_as_wordfreq_scores_them():
    for lang in ["en", "de", "tr", "ru", "zh", None]:
        background = lexical._background(lang)
        for word in ASCII_WORDS:
            assert not background.is_plain(word) or word.isalpha()
            assert background.idf(word) == _reference_specificity(word, lang), (word, lang)
            tokens = lexical._ascii_tokens(word)
            if tokens is not None:  # as _reference_zipf reads it: English for zh and None
                table = "en" if lang in (None, "zh") else lang
                assert lossy_tokenize(word, table) == tokens, (word, lang)


def test_the_stored_table_holds_what_wordfreq_holds(tmp_path, monkeypatch):
    from wordfreq import get_frequency_dict

    monkeypatch.setenv("SAMESTORY_CACHE", str(tmp_path))
    lang = "is"  # a small wordlist (only wordfreq's "small" one): quick to store
    stored = lexical._stored_table(lang)  # stored now
    again = lexical._stored_table(lang)  # read back
    (entry,) = tmp_path.glob(f"wordfreq-{lang}-*.npz")
    full = get_frequency_dict(lang, "best")
    words = [*full, "zzqxv", "", "ß" * 40, "the"]
    for table in (stored, again):
        assert [table.get(w) for w in words] == [full.get(w) for w in words]
    entry.write_bytes(b"damaged")
    rebuilt = lexical._stored_table(lang)  # stored again
    assert [rebuilt.get(w) for w in words[::50]] == [full.get(w) for w in words[::50]]


def test_a_background_moves_to_wordfreqs_dict_after_many_lookups(monkeypatch):
    background = lexical._Background("en")
    assert isinstance(background.freqs, lexical._StoredFreqs)
    monkeypatch.setattr(lexical, "_FULL_TABLE_AFTER", 3)
    values = [background.freqs.get(w) for w in ("the", "house", "zzqxv")]
    assert isinstance(background.freqs, dict)
    assert values == [background.freqs.get(w) for w in ("the", "house", "zzqxv")]


def test_marker_words_answer_only_languages_lingua_is_asked_about():
    from lingua import Language

    codes = {getattr(Language, name).iso_code_639_1.name.lower() for name in lexical._DETECTABLE}
    assert codes == lexical._DETECTABLE_CODES
    # Every marker word belongs to one language's list alone.
    lists = params.load(lexical.LANGUAGE_WORDS_FILE)["words"]
    for word, lang in list(lexical._marker_words().items())[:2000]:
        assert [code for code, words in lists.items() if word in words] == [lang]


def test_language_by_marker_words_agrees_with_lingua_or_defers(ecb_records, meantime_records):
    # Real dev articles in four languages: a clear answer is lingua's; headlines defer.
    texts = [r["text"] for r in ecb_records[:20]] + [r["text"] for r in meantime_records]
    decided = 0
    for text in texts:
        cleaned = normalize.clean_text(text)
        tokens = normalize.words(cleaned)
        fast = lexical.language_by_marker_words(tokens[: lexical.MARKER_WORDS_READ])
        lingua_alone = lexical._detector().detect_language_of(cleaned[:500])
        expected = lingua_alone.iso_code_639_1.name.lower() if lingua_alone else None
        if fast is not None:
            decided += 1
            assert fast == expected
        assert lexical.detect_language(cleaned, tokens=tokens) == expected
        assert lexical.detect_language(cleaned) == expected
    assert decided >= len(texts) * 3 // 4
    headline = normalize.words("Lindsay Lohan checks into rehab at Betty Ford")
    assert lexical.language_by_marker_words(headline) is None


def test_marker_words_need_a_clear_winner():
    english = ["with", "which", "would", "their", "been", "were", "there", "about"] * 2
    assert lexical.language_by_marker_words(english) == "en"
    # As many German markers as English ones: not clear, lingua decides.
    german = ["und", "nicht", "auch", "sich", "wird", "ist", "eine", "werden"] * 2
    assert lexical.language_by_marker_words(english + german) is None
    # Clear, but a language lingua is not asked about (Bokmål): lingua decides.
    bokmal = params.load(lexical.LANGUAGE_WORDS_FILE)["words"]["nb"]
    markers = [w for w in bokmal if lexical._marker_words().get(w) == "nb"][:10]
    assert len(markers) == 10 and lexical.language_by_marker_words(markers * 2) is None
