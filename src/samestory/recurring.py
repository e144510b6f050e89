"""Who a report keeps naming: its recurring names, and the share another report lacks.

Two reports of one kind of event share the setting's names (the champion, the team, the
company) and differ in who it happened to: Klitschko beats Rahman in one report and
Thompson in the other; one report's arrested Chargers player is Vincent Jackson, the
other's Jamal Williams (ECB+). The name a report comes back to sentence after sentence is
who it is about; a report of the same event names that person too.

A lower-layer cue (it reads only :class:`~samestory.features.DocFeatures` and
:mod:`samestory.normalize`): ``compare``'s pair model (:mod:`samestory.pair_model`) and
the event model (:mod:`samestory.relate`) both read it.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Set as AbstractSet

from samestory import normalize
from samestory.features import DocFeatures

# A name in at least this many of a text's sentences is one of its recurring names: who
# or what the text is about (the boxer's opponent, the arrested player), not a passing
# mention.
RECURRING_SENTENCES = 3


@functools.lru_cache(maxsize=4096)
def recurring_names(sentences: tuple[str, ...]) -> dict[str, int]:
    """The names (:func:`samestory.normalize.entities_in_order`, one word each) named in
    at least :data:`RECURRING_SENTENCES` of ``sentences``, with how many of them name
    each."""
    counts = Counter(name for s in sentences for name in set(normalize.entities_in_order(s)))
    return {n: c for n, c in counts.items() if c >= RECURRING_SENTENCES}


def recurring_names_unshared(a: DocFeatures, b: DocFeatures) -> float:
    """How much of what one text keeps naming the other never names:

        max over (x, y) in {(a, b), (b, a)} of  Σ_{n ∈ R(x), n ∉ N(y)} c_x(n) / Σ_{n ∈ R(x)} c_x(n)

    with ``R(x)`` the recurring names of ``x`` (:func:`recurring_names`), ``c_x(n)`` the
    number of its sentences naming ``n`` and ``N(y)`` all names of ``y``; 0 when neither
    text has a recurring name (a headline or a lead never has one)."""
    return max(
        unshared_share(tuple(a.sentences), b.entities),
        unshared_share(tuple(b.sentences), a.entities),
    )


def unshared_share(sentences: tuple[str, ...], other_names: AbstractSet[str]) -> float:
    """``Σ_{n ∈ R, n ∉ other_names} c(n) / Σ_{n ∈ R} c(n)`` over the recurring names
    ``R`` of ``sentences`` (:func:`recurring_names`, ``c`` their sentence counts); 0
    without any."""
    counts = recurring_names(sentences)
    total = sum(counts.values())
    missing = sum(c for n, c in counts.items() if n not in other_names)
    return missing / total if total else 0.0
