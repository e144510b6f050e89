"""Stage 2, collapse copies: which articles are copies of one text, and who represents them.

Copies (same normalised text, or high word-shingle overlap; the test is
:func:`samestory.overlap.is_copy`) are joined with union-find; each group is represented
by its smallest index. Later stages see representatives only, and each copy follows its
representative into its story. The same pieces serve every driver: the batch driver calls
:func:`collapse_copies`; Spark proposes pairs with :func:`band_keys` (the MinHash-LSH
buckets of :func:`lsh_bands`) and fingerprint groups and verifies them on its executors.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

import numpy as np

# lsh_bands lives with the index that uses it; read here too (Spark, the copy stage).
from samestory.candidates import band_bytes
from samestory.candidates import lsh_bands as lsh_bands
from samestory.config import DEFAULT_CONFIG, Config
from samestory.features import DocFeatures
from samestory.normalize import EMPTY_FINGERPRINT
from samestory.overlap import is_copy
from samestory.stories import DisjointSets


@dataclasses.dataclass(frozen=True)
class CopyGroups:
    """``representative[i]``: the index of article ``i``'s copy-group representative
    (the group's smallest index; ``i`` itself when ``i`` is no copy)."""

    representative: Sequence[int]

    @property
    def reps(self) -> list[int]:
        """The representatives, ascending."""
        return sorted(set(self.representative))

    @property
    def copies(self) -> list[tuple[int, int]]:
        """``(representative, copy)`` for every article that is a copy, by copy index."""
        return [(r, i) for i, r in enumerate(self.representative) if i != r]

    def copy_of(self) -> list[int | None]:
        """Each article's representative, None for the representatives themselves."""
        return [None if i == r else r for i, r in enumerate(self.representative)]

    def copy_ids(self, features: Sequence[DocFeatures]) -> dict[str, str]:
        """Each copy's id → the id of the representative it was collapsed onto."""
        return {features[i].id: features[r].id for r, i in self.copies}


def collapse_copies(features: Sequence[DocFeatures], config: Config = DEFAULT_CONFIG) -> CopyGroups:
    """The copy groups of ``features`` (see :func:`copy_groups`)."""
    return CopyGroups(copy_groups(features, config))


def copy_groups(features: Sequence[DocFeatures], config: Config = DEFAULT_CONFIG) -> list[int]:
    """For each article, the index of its copy group's representative (smallest index).

    Copies (exact hash, or MinHash-LSH candidates that pass :func:`is_copy`) are joined
    with union-find; a text without words is no copy (:func:`has_words`). Later stages
    work on representatives only: a corpus with many reposts then neither pays to score
    every repost against every other report, nor lets reposts crowd the other reports
    out of an article's nearest neighbours. A candidate already in the article's group
    is not verified again: with ``k`` reposts of one text that saves ``O(k²)`` checks
    (the groups are the same as joining every copy pair).
    """
    sets = DisjointSets(len(features))
    for j, i, certain in _copy_candidates(features, config, skip_exact=True):
        if sets.find(i) != sets.find(j) and (certain or is_copy(features[j], features[i], config)):
            sets.union(i, j)
    return sets.roots()


def copy_pairs(
    features: Sequence[DocFeatures], config: Config = DEFAULT_CONFIG
) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, that are copies (hash or LSH candidates, verified)."""
    return sorted(
        {
            (j, i)
            for j, i, certain in _copy_candidates(features, config)
            if certain or is_copy(features[j], features[i], config)
        }
    )


def _copy_candidates(
    features: Sequence[DocFeatures], config: Config, skip_exact: bool = False
) -> Iterator[tuple[int, int, bool]]:
    """``(j, i, certain)`` with ``j < i``: ``i``'s first exact copy (certain) and its
    MinHash-LSH candidates among earlier articles (to verify), ascending.

    The candidates are those of datasketch's in-memory ``MinHashLSH`` (its bands,
    :func:`lsh_bands`, and its buckets: two signatures share one when a band's values
    are equal), kept in one dict a band: it hashes each band's bytes once, where
    datasketch byte-swaps and copies them for the insert and again for the query
    (10k synthetic: 17 of the copy collapse's 27 s under cProfile).

    ``skip_exact``: an exact copy yields only its first copy. Enough for the copy
    groups: the same normalised text has the same shingles, so the same signature and
    the same copy tests, and whatever its candidates are copies of is tested against
    its first copy already (earlier articles when the first was indexed, later ones
    when they find the first in its buckets). The groups are the connected components
    of the verified candidate pairs, whatever order they come in.
    """
    bands, rows = lsh_bands(config.lsh_threshold, config.num_perm)
    buckets: list[dict[bytes, list[int]]] = [{} for _ in range(bands)]
    by_fingerprint: dict[str, int] = {}
    for i, f in enumerate(features):
        first = by_fingerprint.setdefault(f.fingerprint, i) if has_words(f) else i
        if first != i:
            yield first, i, True
            if skip_exact:
                continue
        if not f.n_shingles:
            continue
        found: set[int] = set()
        for table, key in zip(buckets, band_bytes(f.minhash.hashvalues, bands, rows), strict=True):
            members = table.get(key)
            if members is None:
                table[key] = [i]
            else:
                found.update(members)
                members.append(i)
        for j in sorted(found):
            yield j, i, False


def has_words(f: DocFeatures) -> bool:
    """Whether ``f``'s text has words after cleaning, so its fingerprint can make it an
    exact copy.

    Every text that cleaning leaves without words (a lone "Advertisement" or "Related
    Coverage" paragraph, a headline of outlet furniture) has the empty text's
    fingerprint: sharing it says nothing about being anyone's copy. Such a text is its
    own representative, in every driver (the batch here, Spark's fingerprint join, the
    store's exact-copy look-up, the candidate index's fingerprint route); it has no
    shingles, so no MinHash test makes it a copy either. Read from the fingerprint
    (``normalize.EMPTY_FINGERPRINT``), which every stand-in for features has.
    """
    return f.fingerprint != EMPTY_FINGERPRINT


def band_keys(hashvalues: np.ndarray, bands: int, rows: int) -> Iterator[tuple[int, bytes]]:
    """The MinHash-LSH bucket keys of one signature: ``(band, its rows' bytes)``.

    Two signatures share a bucket of the in-memory index exactly when they share a key.
    Articles without shingles get no key (the local index neither inserts nor queries
    empty signatures): pass only those with ``n_shingles``.
    """
    yield from enumerate(band_bytes(hashvalues, bands, rows))
