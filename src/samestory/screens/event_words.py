"""Do two texts tell another *kind* of event? A pair input of ``compare``, no corpus.

Two reports on one team, one company or one person share their names and much of the
background, and the cues that count shared names and aligned sentences link them; what
differs is the event their headlines tell: "Sixers Hire Maurice Cheeks as Head Coach"
against "The Philadelphia 76ers fired coach Maurice Cheeks", "Palin appointee under
federal indictment" against "Authorities suspect arson is to blame for the fire at
Wasilla Bible Church". Two reports of one event, however worded, mostly use the other's
event word somewhere ("fired" is in every report of the firing).

:func:`headline_words`: a text's *headline words* are the words of its first sentence that
holds at least :data:`MIN_WORDS` words (a date line or a byline is skipped), up to
:data:`HEADLINE_WORDS` words and cut before a written date (MEANTIME's headlines run into
their date line), less names (the text's ``entities``), numbers, words under
:data:`MIN_LETTERS` letters and common words (``lexical.specificity`` under
:data:`MIN_SPECIFICITY`: "the", "has", "said").

:func:`event_unmatched`: of each text's headline words, the share that the other text
never uses (a word *uses* another when they share a prefix of at least :data:`PREFIX`
letters, or all but the last letter of the shorter: "fire" / "fired", "cut" / "cuts",
"indictment" / "indicted"), the *smaller* of the two directions: high only when neither
text tells the other's headline event. Words are compared as strings, so the input is
read only when both texts are in one language (:func:`event_unmatched` is 0 otherwise,
as when either headline has no word left).

Not read in production: screened as inputs of ``compare``'s pair model
(``scripts/pair_inputs_event.py`` with ``scripts/fit_pair_model.py --screen``) on
2026-12-05 they did not separate ECB+'s binding false links and did not meet the target on
every seed under topic CV (docs/history/accuracy.md), so ``params/pair_model.json`` does not use
them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from samestory import lexical
from samestory.features import DocFeatures

MIN_WORDS = 3  # a headline holds at least this many words (a date line does not)
HEADLINE_WORDS = 15  # the headline's words read, at most: its event comes early
SUBJECT_WORDS = 6  # the subject (a name) is looked for among the first words
EVENT_WORDS = 2  # content words after the subject: the event
MIN_LETTERS = 3
MIN_SPECIFICITY = 2.0  # zipf <= 6: drops function words and "said", keeps "fired"
NAME_SPECIFICITY = 4.5  # in a title-case headline, a word rarer than zipf 3.5 is a name
TITLE_CASE = 0.6  # a headline whose longer words are mostly capitalised
PREFIX = 5  # two words share a stem when they share this many first letters

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W\d_]+)?")
_YEAR_OR_TIME = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}\s?:\s?\d\d\b")
# A written date ends the headline: MEANTIME's "Airbus announces job cuts of 10,000
# February 28, 2007 ...", "... 28 de febrero del 2007", "... 28-Feb-07".
_DATE = re.compile(
    r"\b\d{1,2}(?:[-/ ]|\s(?:de\s)?)[A-Za-z]{3,9}[-/ ,]+(?:del?\s)?\d{2,4}\b"
    r"|\b[A-Z][a-z]{2,8} \d{1,2}, \d{4}\b"
)
# Time words a headline or lead states beside its event (English).
_TIME_WORDS_TEXT = (
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tonight "
    "morning afternoon evening night weekend week month year january february march april "
    "june july august september october november december gmt updated posted published"
)
_TIME_WORDS = frozenset(_TIME_WORDS_TEXT.split())


Headline = tuple[tuple[str, ...], tuple[bool, ...]]  # its tokens, and which are names


@functools.lru_cache(maxsize=8192)
def _headline(sentences: tuple[str, ...], lang: str | None) -> Headline:
    """The tokens of the text's headline (its first sentence of :data:`MIN_WORDS` words,
    not a date line, cut before a written date) and which of them are names."""
    for k, sentence in enumerate(sentences[:4]):
        words = _WORD.findall(sentence)
        if len(words) < MIN_WORDS or (_YEAR_OR_TIME.search(sentence) and len(words) < 7):
            continue  # a date line or a byline
        head = sentence
        date = _DATE.search(head)
        if date and len(_WORD.findall(head[: date.start()])) >= MIN_WORDS:
            head = head[: date.start()]
        tokens = _TOKEN.findall(head)[:HEADLINE_WORDS]
        case = _case(sentences[:k] + sentences[k + 1 :])
        long = [t for t in tokens if len(t) >= 4 and not t[0].isdigit()]
        title = sum(t[0].isupper() for t in long) >= TITLE_CASE * max(1, len(long))
        names = tuple(_is_name(t, j, title, case, lang) for j, t in enumerate(tokens))
        return tuple(tokens), names
    return (), ()


def headline_phrase(f: DocFeatures) -> str:
    """``f``'s headline without its names and numbers: what happened, not to whom."""
    tokens, names = _headline(tuple(f.sentences), f.lang)
    return " ".join(t for t, name in zip(tokens, names, strict=True) if not name)


@functools.lru_cache(maxsize=8192)
def _headline_words(sentences: tuple[str, ...], lang: str | None) -> tuple[str, ...]:
    """The first content words after the subject (the first name among the first words)."""
    tokens, names = _headline(sentences, lang)
    start = 0
    for k in range(min(SUBJECT_WORDS, len(tokens))):
        if names[k]:
            start = k + 1
            while start < len(tokens) and names[start]:
                start += 1
            break
    out: list[str] = []
    for t, name in zip(tokens[start:], names[start:], strict=True):
        w = t.lower()
        if name or len(w) < MIN_LETTERS or not w.isalpha() or w in _TIME_WORDS:
            continue
        if lexical.specificity(w, lang) >= MIN_SPECIFICITY and w not in out:
            out.append(w)
            if len(out) == EVENT_WORDS:
                break
    return tuple(out)


def _is_name(token: str, k: int, title: bool, case: _Case, lang: str | None) -> bool:
    if any(c.isdigit() for c in token):  # "76ers", "A380": a name's part
        return True
    if not token[0].isupper():
        return False
    w = token.lower()
    if title or k == 0:  # capitals say nothing here: ask the rest of the text
        lower, capital = case
        if w in lower:
            return False
        return w in capital or lexical.specificity(w, lang) >= NAME_SPECIFICITY
    return True


_Case = tuple[frozenset[str], frozenset[str]]


def _case(sentences: Sequence[str]) -> _Case:
    """The words (lower-cased) the sentences write in lower case, and those they
    capitalise after a sentence's first word."""
    lower: set[str] = set()
    capital: set[str] = set()
    for sentence in sentences:
        for k, t in enumerate(_WORD.findall(sentence)):
            if t[0].islower():
                lower.add(t)
            elif k:
                capital.add(t.lower())
    return frozenset(lower), frozenset(capital)


def headline_words(f: DocFeatures) -> tuple[str, ...]:
    """``f``'s headline words (lower case, first-seen order): see the module's docstring."""
    return _headline_words(tuple(f.sentences), f.lang)


@functools.lru_cache(maxsize=8192)
def _text_words(sentences: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """The text's distinct lower-case words, by their first three letters."""
    out: dict[str, set[str]] = {}
    for sentence in sentences:
        for m in _WORD.findall(sentence):
            w = m.lower()
            out.setdefault(w[:3], set()).add(w)
    return {k: frozenset(v) for k, v in out.items()}


def _uses(word: str, words: dict[str, frozenset[str]]) -> bool:
    for other in words.get(word[:3], ()):
        need = min(PREFIX, max(3, min(len(word), len(other)) - 1))
        if word[:need] == other[:need]:
            return True
    return False


def unmatched_share(a: DocFeatures, b: DocFeatures) -> float | None:
    """The share of ``a``'s headline words that ``b`` never uses; None when ``a`` has
    none."""
    words = headline_words(a)
    if not words:
        return None
    theirs = _text_words(tuple(b.sentences))
    return sum(not _uses(w, theirs) for w in words) / len(words)


def event_unmatched(a: DocFeatures, b: DocFeatures) -> float:
    """The smaller of the two texts' :func:`unmatched_share`: how far *neither* text tells
    the other's headline event. 0 when the texts differ in language or a headline has no
    word left."""
    if a.lang != b.lang or a.lang is None:
        return 0.0
    x, y = unmatched_share(a, b), unmatched_share(b, a)
    return 0.0 if x is None or y is None else min(x, y)


def event_conflict(a: DocFeatures, b: DocFeatures) -> float:
    """1 when the two texts, in one language, each have headline event words and
    neither text uses any of the other's, else 0."""
    if a.lang != b.lang or a.lang is None:
        return 0.0
    x, y = unmatched_share(a, b), unmatched_share(b, a)
    return float(x is not None and y is not None and x == 1.0 and y == 1.0)
