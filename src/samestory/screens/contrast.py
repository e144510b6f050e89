"""Names in the same slot: two texts that tell one kind of event about different people.

"Wladimir Klitschko stopped Tony Thompson in the sixth round" and "Wladimir Klitschko
stopped Hasim Rahman in the seventh round" agree in almost every word, vector and name
cue; what tells the two fights apart is that each names someone the other never does,
*in the same place of the sentence*: after "stopped", before "round". Two outlets'
reports of one event name different people too (one quotes a spokesman, the other a
witness), but seldom in one slot of sentences that otherwise read alike.

:func:`slot_contrast` counts such names: a name run of one text whose specific words the
other text never names, with a name run of the other text of the same kind, sharing a
content word just before or just after it. It reads the two texts' sentences and names
only (no corpus), so a pair scores the same in the batch, the store and Spark.

Not read by production scoring: screened under topic CV on 2026-12-04 it cost ECB+ full
texts more than it gave short ones (docs/history/accuracy.md); ``scripts/screen_contrast.py``
screens it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

from samestory import lexical, name_roles, normalize

# Words that say nothing of a slot: function words, reporting verbs (every outlet quotes
# someone: "said X" is no slot of the event), titles (a role, not what happened).
NOT_CONTEXT = frozenset(
    """
    the a an and but or nor if in on at to of for with by from as into onto over under
    about after before during since until while than then this that these those it its
    is are was were be been being has have had will would can could may might shall should
    he she they we his her their our who whom whose which what when where there here
    said says say told tells according added adding reported reports spokesman
    spokeswoman mr mrs ms dr also not no new
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# Content words either side of a name run that make its slot.
CONTEXT_WORDS = 2
# Slot words two runs must share (before and after together) to stand in one slot.
MIN_SLOT_WORDS = 1
# A name's word counts when it is at least this rare (lexical.specificity, zipf units
# below the most frequent word): surnames and places, not "Saturday" or "President".
MIN_SPECIFICITY = 3.0
# Month abbreviations read as names ("Feb", "Sept"): a dateline, not a slot's filler.
MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())  # noqa: SIM905
CACHE_TEXTS = 4096
_WORD = re.compile(r"[\w'’\-]+")

# One name run of a text: its specific words, and the content words before and after it.
Slot = tuple[frozenset[str], frozenset[str], frozenset[str]]


@functools.lru_cache(maxsize=CACHE_TEXTS)
def name_slots(sentences: tuple[str, ...], lang: str | None) -> tuple[Slot, ...]:
    """Every name run of ``sentences`` with a specific word, and its slot (cached: a
    text meets many partners)."""
    out = []
    for sentence in sentences:
        places = name_roles.sentence_roles(sentence)[0]
        for match in normalize.NAME_RUN.finditer(sentence):
            run = match.group(1)
            # Acronyms are a belt, an agency or a ticker, no one's name.
            acronyms = {w.strip("'’-").lower() for w in run.split() if w.isupper()}
            names = frozenset(
                t
                for t in normalize.entities(run)
                if t not in MONTHS
                and t not in acronyms
                and lexical.specificity(t, lang) >= MIN_SPECIFICITY
            )
            # Places are left out: two reports of one event place it at different
            # scales ("Newport Beach", "California"), not in different places.
            if not names or names <= places:
                continue
            before = _context(reversed(_WORD.findall(sentence[: match.start()])))
            after = _context(_WORD.findall(sentence[match.end() :]))
            out.append((names, before, after))
    return tuple(out)


def _context(words: Iterable[str]) -> frozenset[str]:
    """The first :data:`CONTEXT_WORDS` content words of ``words`` (nearest first)."""
    found: list[str] = []
    for word in words:
        w = word.lower()
        if w in NOT_CONTEXT or w.isdigit():
            continue
        found.append(w)
        if len(found) == CONTEXT_WORDS:
            break
    return frozenset(found)


def slot_contrast(
    a_sentences: Sequence[str],
    b_sentences: Sequence[str],
    a_entities: frozenset[str],
    b_entities: frozenset[str],
    a_lang: str | None = None,
    b_lang: str | None = None,
) -> int:
    """How many names of one text stand where the other text has a name of its own:
    the fewer, over the two texts, of name runs that the other text never names (none
    of their specific words is among its entities) and that share a slot word (a content
    word just before, or just after) with such a run of the other text."""
    a_own = [s for s in name_slots(tuple(a_sentences), a_lang) if not s[0] & b_entities]
    if not a_own:
        return 0
    b_own = [s for s in name_slots(tuple(b_sentences), b_lang) if not s[0] & a_entities]
    if not b_own:
        return 0
    a_hit: set[frozenset[str]] = set()
    b_hit: set[frozenset[str]] = set()
    for a_names, a_before, a_after in a_own:
        for b_names, b_before, b_after in b_own:
            if len(a_before & b_before) + len(a_after & b_after) >= MIN_SLOT_WORDS:
                a_hit.add(a_names)
                b_hit.add(b_names)
    return min(len(a_hit), len(b_hit))
