"""The slow path's idf from the background's own table equals wordfreq's ``zipf_frequency``.

``_Background._table_idf`` answers words the fast paths are not sure about (hyphens
joining non-ASCII words, digits inside words, uppercase, underscores, mixed scripts)
with wordfreq's tokeniser and the table the background already holds, where
``_reference_zipf`` made wordfreq load its own dict of the language for one word.
"""

from __future__ import annotations

import itertools
import random

import pytest
from wordfreq import iter_wordlist

from samestory import lexical

# Words the real corpus sends down the slow path, and others of the same kinds.
HARD_WORDS = [
    "sídney-singapur",
    "región140",
    "Región140",
    "colts-don't",
    "capaldi's-same",
    "id'ed",
    "impd_news",
    "___",
    "ŞTIRI-2024",
    "straße-nord",
    "İstanbul'da",
    "l'hôpital-d'orléans",
    "ΣΟΦΟΣ-οδός",
    "12,000-mile",
    "covid-19",
    "3.5bn",
    "x86_64",
    "naïve-café",
    "Москва-сити",
    "tel-aviv/yafo",
    "foo—bar",
    "😀-smile",
    "ǅemal",
    "ﬁnance",
    "a\u0301b-c",
    "",
    "-",
    "1999-2024",
]
LANGS = ["en", "es", "it", "nl", "de", "fr", "tr", "ro", "el", "ru", "ar", "pl", "pt"]
# Languages the table path must leave to the reference: no word list of their own
# (English is the background, read with English tokens) or only a near match ("pt-BR"),
# or a segmenter's language.
OTHER_LANGS = ["xx", "pt-BR", "zh", "ja", None]


def _reference_idf(word: str, lang: str | None) -> float:
    return max(0.0, lexical.ZIPF_MAX - lexical._reference_zipf(word, lang))


def _compounds(lang: str, n: int, seed: int) -> list[str]:
    """``n`` words of ``lang``'s list joined as the corpora join them (hyphens,
    apostrophes, underscores, digits), some in capitals."""
    rng = random.Random(seed)
    words = list(itertools.islice(iter_wordlist(lang), 2000))
    out = []
    for _ in range(n):
        word = rng.choice(words) + rng.choice(["-", "'", "_", "’", "", "-2019-", "19"])
        word += rng.choice(words)
        if rng.random() < 0.2:
            word = word.upper()
        if rng.random() < 0.1:
            word += str(rng.randint(0, 99_999))
        out.append(word)
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_table_idf_equals_zipf_frequency(lang):
    background = lexical._Background(lang)
    answered = 0
    for word in [*HARD_WORDS, *_compounds(lang, 150, 0)]:
        idf = background._table_idf(word)
        assert idf is not None, (word, lang)
        assert idf == _reference_idf(word, lang), (word, lang)
        answered += 1
    assert answered > 150


@pytest.mark.parametrize("lang", OTHER_LANGS)
def test_table_idf_leaves_other_languages_to_the_reference(lang):
    background = lexical._Background(lang)
    for word in HARD_WORDS:
        idf = background._table_idf(word)
        if lang in ("xx", "pt-BR"):
            assert idf is None
        if idf is not None:  # zh, ja and None read English, as the reference does
            assert idf == _reference_idf(word, lang), (word, lang)
        assert background.idf(word) == _reference_idf(word, lang), (word, lang)


def test_the_slow_path_loads_no_wordfreq_dict(monkeypatch):
    """A hyphenated Spanish word is answered from the Spanish background's table: the
    real corpus's one such word cost a load of wordfreq's Spanish dict (~0.1 s)."""
    import wordfreq

    expected = _reference_idf("sídney-singapur", "es")
    background = lexical._Background("es")
    monkeypatch.setattr(wordfreq, "get_frequency_dict", _no_dict)
    assert background.idf("sídney-singapur") == expected


def _no_dict(*args, **kwargs):
    raise AssertionError("wordfreq's dict loaded")
