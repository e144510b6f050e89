"""Local venues a text names, and whether two texts agree on one: a pair-model input.

A *local venue* is where one incident happened: a street, a bar, an airport, a school. It
is a capitalised name run (:data:`samestory.normalize.NAME_RUN`) whose last word, or the
one lowercase word right after it (whitespace alone between them, not after "a" / "an"),
is a word of :data:`LOCAL_HEADS`, read as its :func:`samestory.normalize.entities`
tokens less the words that tell no place alone (:data:`GENERIC`: "Avenue", "South",
"High"). Not venues: a business's premises (a company's "App Store" is named in every
report about it) and the places where one community's events recur (a church, a campus,
a park: two events of one kind at one place).

A venue run's *possessor* is its words up to its last possessive word ("Singapore" of
"Singapore's Changi Airport", "Nick" of "Nick's Bar"); its tokens never make two texts
agree alone: the other text must name a token of the run after the possessive
("Changi"). :func:`local_venue_agreement` is

- +1 when the other text names a venue token of either text that is not only a
  possessor's (anywhere, marked or not: "the shooting at Lucky Star", "Changi");
- 0 when the texts share venue tokens, but only possessors';
- -1 when both texts name a local venue and neither names a token of the other's;
- 0 otherwise (no venue evidence).

Read by :mod:`samestory.pair_model` (``compare`` alone) as the input
``local_venue_agreement``, fitted on top of the shipped file's other inputs
(docs/history/accuracy.md, 2026-12-07 02:25, compare; the screens it comes from:
``scripts/pair_inputs_venues_head.py``, ``scripts/pair_inputs_venues_after.py``).
"""

from __future__ import annotations

import functools
import re

from samestory import normalize
from samestory.features import DocFeatures
from samestory.name_roles import PLACE_HEADS

#: Words that make the run before them a street, a venue or a building (R5's specific
#: heads less a business's premises and the places where one community's events recur).
LOCAL_HEADS = frozenset(
    """
    academy airport apartment apartments arena ave avenue bar blvd boulevard bridge cafe
    cinema club complex drive elementary gym highway homes hotel hwy interstate lane
    lounge motel nightclub parkway plaza rd restaurant road school square st stadium
    street theater theatre
    """.split()  # noqa: SIM905 - a word list reads best as text
)
#: R5's specific heads, every one a word of a kind of place (no place alone; also the
#: screen ``scripts/pair_inputs_specific_places.py``'s list).
SPECIFIC_HEADS = LOCAL_HEADS | frozenset(
    """
    bank church college factory mall market mosque park plant shop store supermarket
    synagogue temple university warehouse
    """.split()  # noqa: SIM905
)
#: Tokens no place is told by alone: kinds of place, compass and rank words.
GENERIC = (
    PLACE_HEADS
    | SPECIFIC_HEADS
    | frozenset(
        """
        north south east west northeast northwest southeast southwest upper lower high
        middle junior senior new old state national international main central mount
        saint
        """.split()  # noqa: SIM905
    )
)
# The one word right after a run: whitespace alone between them, a lowercase word.
_NEXT_WORD = re.compile(r"[ \t]+([a-z][\w'’\-]*)\b")
# A run after "a" / "an": a kind of place of the name, not a named place.
_INDEFINITE = re.compile(r"(?:^|\s)(?:a|an|A|An)\s+$")
# A possessive word: "Singapore's", "Singapore’s", "Orleans'", "Orleans’".
_POSSESSIVE = re.compile(r"(?:['’][sS]|[sS]['’])$")
CACHE_SENTENCES = 1 << 15

# One venue run: (its tokens, its possessor's tokens among them).
Run = tuple[frozenset[str], frozenset[str]]


def head_of(before: str, run: str, after: str) -> str | None:
    """The word of :data:`LOCAL_HEADS` that makes ``run`` a venue: its last word, or the one
    word right after it ("the Lucky Star lounge"), joined by whitespace alone and lowercase;
    None otherwise. Not across a comma or another mark, nor a capitalised word, nor after
    an indefinite article ("a Queens street" is a street of a borough, not a named place)."""
    last = run.split()[-1].lower()
    if last in LOCAL_HEADS:
        return last
    following = _NEXT_WORD.match(after)
    if following is None or _INDEFINITE.search(before) or run.split()[0] == "An":
        return None
    word = following.group(1)
    return word if word in LOCAL_HEADS else None


def possessor(run: str) -> str:
    """The words of ``run`` up to its last possessive word ("" when it has none)."""
    words = run.split()
    for i in range(len(words) - 1, -1, -1):
        if _POSSESSIVE.search(words[i]):
            return " ".join(words[: i + 1])
    return ""


@functools.lru_cache(maxsize=CACHE_SENTENCES)
def sentence_venues(sentence: str) -> tuple[Run, ...]:
    """The venue runs of one sentence (see :data:`Run`): each run's tokens less
    :data:`GENERIC`, and those of them only its possessor names."""
    venues: list[Run] = []
    for match in normalize.NAME_RUN.finditer(sentence):
        run = match.group(1)
        if head_of(sentence[: match.start()], run, sentence[match.end() :]) is None:
            continue
        found = frozenset(t for t in normalize.entities(run) if t not in GENERIC)
        owner = possessor(run)
        rest = normalize.entities(run[len(owner) :]) if owner else set()
        owned = frozenset(t for t in normalize.entities(owner) if t in found) - rest
        venues.append((found, owned))
    return tuple(venues)


def venue_tokens(f: DocFeatures) -> tuple[frozenset[str], frozenset[str]]:
    """``(every, after)``: the tokens of every venue run ``f`` names, and those a run gives
    after its possessive (a run without one gives all of its tokens)."""
    every: set[str] = set()
    after: set[str] = set()
    for s in f.sentences:
        for found, owned in sentence_venues(s):
            every |= found
            after |= found - owned
    return frozenset(every), frozenset(after)


def local_venue_agreement(a: DocFeatures, b: DocFeatures) -> float:
    """+1 a venue token after any possessive shared, 0 only possessors shared, -1 none
    shared while both name a venue, 0 no evidence (see the module)."""
    every_a, after_a = venue_tokens(a)
    every_b, after_b = venue_tokens(b)
    if (after_a & b.entities) or (after_b & a.entities):
        return 1.0
    if (every_a & b.entities) or (every_b & a.entities):
        return 0.0  # shared only through a possessor: "Singapore" is no venue alone
    return -1.0 if every_a and every_b else 0.0
