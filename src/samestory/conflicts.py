"""Disagreement cues: what two reports of *different* events of one kind state differently.

The event model's other cues measure agreement (shared names, numbers, sentences), and two
reports of one kind of event about one recurring actor agree on most of them: a boxer's
two title defences, one team's two players arrested for drink-driving. What tells them
apart is what they state differently:

- **Numbers in the same context**: each number is kept with the content word after it and
  the one before it ("36-year-old" gives ``year=36``, "Route 52" gives ``<route=52``,
  "stopped in the seventh round" gives ``round=7``). Two texts that both state a number
  about the same word but no common value ("32-year-old" against "36-year-old")
  disagree; a shared value agrees.
- **The latest year named**: a report names no year later than its own (a 2012 report
  may recall 2001; a 2008 one cannot name 2012), so two reports whose latest years differ
  were most likely written in different years. Read only for a pair that lacks a
  publication date on either side: when both have one, the date gate of
  :mod:`samestory.relate` reads the real gap, and the latest year named in a crawled page
  (sidebars, captions, "© 2017") is noise beside it (GVA dev, whose records are all
  dated: independent-report ARI 0.959 -> 0.945 with the year read, 0.959 without).

Both are read from the whole text (title included) when an article is featurised
(:func:`number_contexts`, :func:`latest_year`) and compared per pair in
:mod:`samestory.relate`, whose fitted model weighs them.
"""

from __future__ import annotations

import functools
import re

# Words and numbers (decimals kept whole: "6.1" is one token).
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+", re.UNICODE)
# Function words are no context ("in 2008", "of 12"): a number's key is a content word.
_FUNCTION_WORDS = frozenset(
    """
    the a an of in on at to for and or by with from as is was were be been are has had have
    that this it its his her their he she they we you after before about than more less over
    under up down out into per some all any each other such only also just then there
    de la el le les des du di del der die das und en het van een y e o et los las lo il al
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# Small numbers written as words: in English reports the round, the rank and the toll
# are as often "seventh" or "three" as digits. "one" and "first" are left out: they are
# mostly pronoun and adjective ("one of them", "the first time").
_CARDINALS = "zero one two three four five six seven eight nine ten eleven twelve"
_ORDINALS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth"
)
_NUMBER_WORDS = {
    word: str(value)
    for words in (_CARDINALS, _ORDINALS)
    for value, word in enumerate(words.split())
    if value >= 2
}
# A context word is at least this long ("a.m." and unit letters say nothing of the event).
MIN_CONTEXT_CHARS = 3
# Years a report may name as its own: four digits, not part of a larger number, a time or
# a grouped number ("2,000" is a quantity, "10:20" a time).
_YEAR = re.compile(r"(?<![\d.,:/])(?:19[5-9]\d|20[0-4]\d)(?![\d])")
# A gap of this many years or more between two texts' latest years is read as certain.
YEAR_GAP_CAP = 5
# Disagreements and agreements weigh against one pseudo-count: one number stated
# differently in short texts is weaker evidence than in long ones (as the number cue).
CONFLICT_PSEUDO_COUNT = 1


def _number_value(token: str) -> str | None:
    if token[0].isdigit():
        return token.replace(",", ".")
    return _NUMBER_WORDS.get(token)


def _context(token: str) -> str | None:
    if token[0].isdigit() or len(token) < MIN_CONTEXT_CHARS or token in _FUNCTION_WORDS:
        return None
    return token


def number_contexts(text: str) -> frozenset[str]:
    """Each number of ``text`` with its context words, as ``"word=value"`` (the content
    word after it) and ``"<word=value"`` (the one before it), lowercased."""
    return frozenset(set(number_contexts_in_order(text)))


def number_contexts_in_order(text: str) -> list[str]:
    """:func:`number_contexts` of ``text`` as a list, in the order they are first found
    (a set built from it is the set :func:`number_contexts` builds, entry for entry).
    Contexts are read line by line, so a text's are its lines', in line order."""
    found: dict[str, None] = {}
    number_words = _NUMBER_WORDS
    for line in text.splitlines():
        tokens = _TOKEN.findall(line.lower())
        # The numbers' places first, in one comprehension (_number_value's test): most
        # tokens are words, and a call for each cost more than the rest of the loop.
        for k in [k for k, t in enumerate(tokens) if t[0].isdigit() or t in number_words]:
            token = tokens[k]
            value = token.replace(",", ".") if token[0].isdigit() else number_words[token]
            after = _context(tokens[k + 1]) if k + 1 < len(tokens) else None
            before = _context(tokens[k - 1]) if k > 0 else None
            if after:
                found[f"{after}={value}"] = None
            if before:
                found[f"<{before}={value}"] = None
    return list(found)


def latest_year(text: str) -> int | None:
    """The latest year ``text`` names (1950-2049), or None."""
    return max(map(int, _YEAR.findall(text)), default=None)


def number_conflict(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the context words both texts state a number about on which they share no
    value: ``conflicts / (conflicts + agreements + 1)``."""
    return conflict_share(by_context(a), by_context(b))


def conflict_share(
    values_a: dict[str, frozenset[str]], values_b: dict[str, frozenset[str]]
) -> float:
    """:func:`number_conflict` of two texts' :func:`by_context` values."""
    shared = values_a.keys() & values_b.keys()
    conflicts = sum(1 for key in shared if not values_a[key] & values_b[key])
    return conflicts / (len(shared) + CONFLICT_PSEUDO_COUNT)


# Articles whose number contexts are kept grouped (each recurs in every pair of its article).
CONTEXT_CACHE = 1 << 14


@functools.lru_cache(maxsize=CONTEXT_CACHE)
def by_context(contexts: frozenset[str]) -> dict[str, frozenset[str]]:
    """The values stated about each context word (cached per article: read, not written)."""
    out: dict[str, set[str]] = {}
    for item in contexts:
        key, _, value = item.rpartition("=")
        out.setdefault(key, set()).add(value)
    return {key: frozenset(values) for key, values in out.items()}


def year_gap(a: int | None, b: int | None, *, both_published: bool = False) -> float:
    """``min(|a - b|, 5) / 5`` for two texts' latest years; 0 when either names none, or
    when both texts have a publication date (``both_published``: their gap is read from
    the dates themselves)."""
    if a is None or b is None or both_published:
        return 0.0
    return min(abs(a - b), YEAR_GAP_CAP) / YEAR_GAP_CAP
