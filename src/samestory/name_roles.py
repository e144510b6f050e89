"""Which names of a text are places and institutions, which are people.

Two reports of different shootings in one city share its real names: the hospital the
wounded were taken to ("Stroger", "Sinai"), the neighbourhood ("Englewood"), the county
police ("Allegheny"). Those names are rare in the language at large (high
:func:`samestory.lexical.specificity`), so they read as strong evidence of one incident,
yet they are common to every incident of the place. A victim's or a suspect's name is
not: it is what later coverage of one incident repeats.

The role of a name is read from the text itself, so a pair scores the same in the batch,
the store and Spark (nothing is counted over a corpus). A capitalised run of words (the
names of :func:`samestory.normalize.entities`) is

- a **place** when a place or institution word follows it ("Stroger Hospital", "Allegheny
  County", "Penn Avenue", "Englewood neighborhood") or a locative word comes before it
  ("in Wilkinsburg", "taken to Stroger", "near Garfield"); with
  ``switches.LOCATIVE_TO_NARROW`` on, not a "to" after a word of
  :data:`TO_NOT_LOCATIVE_AFTER` ("according to TMZ", "spoke to ONE News");
- a **person** when an age follows it ("Chanetta Powell, 26,") or a title or a role comes
  before it ("Officer", "Sgt.", "suspect", "victim").

English words only: in other languages no name gets a role, and the thread model reads
the names as before.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from samestory import normalize, switches

# Words that make the capitalised run before them a place or an institution.
PLACE_HEADS = frozenset(
    """
    hospital hospitals medical clinic center centre county counties parish township borough
    city village town district ward precinct neighborhood neighbourhood community area
    police department sheriff sheriff's office station street st avenue ave road rd
    boulevard blvd drive lane way place court highway hwy interstate route parkway park
    square plaza mall market store apartments apartment complex homes school academy
    elementary university college church temple mosque bar lounge club restaurant hotel
    motel bank airport bridge river lake creek heights hills valley beach side
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# Words that make the capitalised run after them a place.
LOCATIVES = frozenset(
    ["in", "at", "near", "to", "into", "outside", "inside", "across", "toward", "towards"]
)
# Words before "to" after which it marks no place (with switches.LOCATIVE_TO_NARROW on):
# "to" there names a source, a cause or a reference ("according to TMZ", "due to Apple",
# "in addition to Jones"), a hearer ("spoke to ONE News", "confirmed to People", "in a
# statement to Access") or an owner or a relative ("belonged to Phillips", "heir to Peyton
# Manning", "married to Caron"), not where someone went. Left out on purpose, as they
# also name where: "responded to", "called to", "up to", "out to", "sent to", "next to".
# Three classes of English, not a list read off the judged pairs
# (docs/history/accuracy.md, 2026-12-07, locative).
TO_NOT_LOCATIVE_AFTER = frozenset(
    """
    according thanks due owing prior addition response contrary regard relation reference
    similar compared related
    spoke speak speaks speaking talked talk talks talking confirmed confirms explained
    replied wrote apologized listen listens listened statement objected recommended
    belonged belongs belong belonging married engaged heir connected linked
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# Titles and roles that make the capitalised run after them a person.
PERSON_TITLES = frozenset(
    """
    officer officers sgt sergeant det detective lt lieutenant capt captain chief deputy
    trooper agent mr mrs ms miss dr rev judge attorney prosecutor sen rep mayor gov governor
    spokesman spokeswoman suspect suspects victim victims identified named son daughter
    brother sister mother father wife husband boyfriend girlfriend uncle aunt cousin
    grandmother grandfather friend neighbor neighbour
    """.split()  # noqa: SIM905 - a word list reads best as text
)
# ", 26," or ", 26 " after a run: a person's age.
_AGE = re.compile(r",\s*\d{1,3}\b")
_WORD = re.compile(r"[\w'’\-]+")
# Words after a name that make it a town as local news writes it: a resident ("Allentown
# man", "Labadieville teen") or an incident ("Wilkinsburg mass shooting", "Allentown
# homicide"), within the name's next two words. Read for threads' shared_place_any only
# (the rare places of the thread model's base inputs are the roles alone). GVA
# headlines' later coverage 8-30 days apart: 9 of 18 right pairs share a town only so
# (docs/history/accuracy.md, 2026-12-06 threadfile, afternoon: screen Z2).
LOCAL_HEADS = frozenset(
    """
    man men woman women teen teens teenager boy girl child toddler mother father family
    couple resident residents shooting shootings homicide murder killing slaying stabbing
    ambush standoff crash
    """.split()  # noqa: SIM905 - a word list reads best as text
)
CACHE_TEXTS = 4096
# Sentences whose roles are kept (~0.2 KB each; the 100k synthetic corpus has 58,839
# distinct sentences, the real corpus ~50k; a worker's few thousand pairs read fewer).
CACHE_SENTENCES = 1 << 15
_NONE: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=CACHE_TEXTS)
def name_roles(sentences: tuple[str, ...]) -> tuple[frozenset[str], frozenset[str]]:
    """``(places, people)``: the name tokens (lowercased, as
    :func:`samestory.normalize.entities` gives them) that some run of ``sentences``
    marks as a place or institution, and those some run marks as a person. (Cached: a
    text meets many partners.)

    The union of :func:`sentence_roles` over the sentences: a run's role is read from
    its own sentence alone, so a text's roles are its sentences' roles put together."""
    places: set[str] = set()
    people: set[str] = set()
    for sentence in sentences:
        sentence_places, sentence_people, _ = sentence_readings(sentence)
        places.update(sentence_places)
        people.update(sentence_people)
    return frozenset(places), frozenset(people)


def sentence_roles(sentence: str) -> tuple[frozenset[str], frozenset[str]]:
    """``(places, people)`` of one sentence's name runs (see :func:`name_roles`): the
    first two of its cached :func:`sentence_readings`."""
    places, people, _ = sentence_readings(sentence)
    return places, people


@functools.lru_cache(maxsize=CACHE_SENTENCES)
def sentence_readings(sentence: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """``(places, people, local)`` of one sentence's name runs: the roles of
    :func:`name_roles` and the towns of :func:`local_places`, read in one pass (both read
    the same two words after each run).

    Cached by sentence: a repost, an edited or a truncated copy of a text brings back
    most of its sentences, but as a new text, which the per-text cache does not know
    (at 10k synthetic articles, the copy pairs computed :func:`name_roles` 7,725 times,
    a third of their scoring)."""
    places: set[str] = set()
    people: set[str] = set()
    local: set[str] = set()
    for match in normalize.NAME_RUN.finditer(sentence):
        run = match.group(1)
        # normalize.entities(run): the run is one whole match of the names' pattern on
        # its own (nothing in the pattern reads past it), so its names are its tokens.
        tokens = normalize.run_tokens(run)
        if not tokens:
            continue
        before = _word_before(sentence[: match.start()])
        after = sentence[match.end() :]
        following = [w.lower() for w in _WORD.findall(after[:40])[:2]]
        if LOCAL_HEADS.intersection(following):
            local.update(tokens)
        if _is_place(run, before, following):
            places.update(tokens)
        elif before in PERSON_TITLES or _AGE.match(after):
            people.update(tokens)
        elif run.split()[0].lower().strip(".") in PERSON_TITLES:
            people.update(normalize.entities(run.split(maxsplit=1)[-1]))
    # Most sentences mark no name: they share one empty set instead of new ones each.
    return _frozen(places), _frozen(people), _frozen(local)


def clear_caches() -> None:
    """Forget every cached reading (after ``switches.LOCATIVE_TO_NARROW`` or a word list
    here changed: the caches hold readings of one setting)."""
    sentence_readings.cache_clear()
    name_roles.cache_clear()
    local_places.cache_clear()


def _frozen(names: set[str]) -> frozenset[str]:
    return frozenset(names) if names else _NONE


def _is_place(run: str, before: str, following: list[str]) -> bool:
    """Whether a run is a place, from its last word, the word before it and the two
    (lowercased) words after it."""
    last = run.split()[-1].lower()
    return last in PLACE_HEADS or before in LOCATIVES or bool(PLACE_HEADS.intersection(following))


@functools.lru_cache(maxsize=CACHE_TEXTS)
def local_places(sentences: tuple[str, ...]) -> frozenset[str]:
    """The name tokens of ``sentences`` some run of which a word of :data:`LOCAL_HEADS`
    follows within two words ("Allentown man", "Wilkinsburg mass shooting"): towns as
    local news names them, for :func:`samestory.threads.shares_place_any`. (Cached, as
    :func:`name_roles`; the features stage reads them once per text into
    ``DocFeatures.local_places``.)"""
    out: set[str] = set()
    for sentence in sentences:
        out.update(sentence_readings(sentence)[2])
    return _frozen(out)


def _last_word(text: str) -> str:
    words = _WORD.findall(text[-30:])
    return words[-1].lower() if words else ""


def _word_before(text: str) -> str:
    """The word before a run (the end of ``text``), lowercased; "" for a "to" that marks
    no place (after a word of :data:`TO_NOT_LOCATIVE_AFTER`, when
    ``switches.LOCATIVE_TO_NARROW`` is on)."""
    word = _last_word(text)
    narrow = word == "to" and switches.LOCATIVE_TO_NARROW
    return "" if narrow and word_before_to(text) in TO_NOT_LOCATIVE_AFTER else word


def word_before_to(text: str) -> str:
    """The word before a final "to" of ``text`` (lowercased; "" when there is none)."""
    words = _WORD.findall(text[-60:])
    return words[-2].lower() if len(words) >= 2 and words[-1].lower() == "to" else ""


# A text's (places, people), as name_roles gives them.
Roles = tuple[frozenset[str], frozenset[str]]


def shared_roles(
    a_sentences: Sequence[str],
    b_sentences: Sequence[str],
    shared: frozenset[str] | set[str],
    a_roles: Roles | None = None,
    b_roles: Roles | None = None,
) -> tuple[set[str], set[str]]:
    """Of the ``shared`` names of two texts, those read as a person in either text, and
    those read only as a place or institution (in one text at least, a person in
    neither). Texts sharing no name are not read (most candidate pairs). ``a_roles``,
    ``b_roles``: the texts' :func:`name_roles` when known already (``DocFeatures.roles``,
    read once per text by the features stage); read from the sentences otherwise."""
    if not shared:
        return set(), set()
    a_places, a_people = name_roles(tuple(a_sentences)) if a_roles is None else a_roles
    b_places, b_people = name_roles(tuple(b_sentences)) if b_roles is None else b_roles
    people = {n for n in shared if n in a_people or n in b_people}
    places = {n for n in shared if (n in a_places or n in b_places) and n not in people}
    return people, places
