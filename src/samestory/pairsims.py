"""What pair scoring reads of a pair's sentence cosine matrix, for many pairs at once.

For articles ``A`` and ``B`` with L2-normalised sentence vectors, ``S = A Bᵀ`` (clipped
to ``[-1, 1]``, :func:`samestory.align.sentence_similarity`). The cues and the
alignment test read only:

- ``rows[i] = max_j S[i, j]`` (each of A's sentences' best match) and
  ``columns[j] = max_i S[i, j]`` (B's);
- ``best = max S`` and ``top3``, the mean of the three largest entries of ``S``.

One article is scored against its ~20 candidates in a row, so :func:`summarise_against`
summarises all of them together: the per-pair matrices side by side in one block
``[S_1 | S_2 | … | S_k]`` (``|A| × Σ|B_p|``), whose column maxima give every pair's
``columns`` and ``best`` (``np.maximum.reduceat``) in one call each, likewise the row maxima
per pair, and whose per-column three largest entries (``np.partition``) hold each pair's
three largest (an entry among a pair's top three is among its column's top three).
Max, partition and sort are exact and the per-pair products are the same calls as
before, so every value is bit-identical to :func:`summarise` of one pair: a few NumPy
calls per article instead of a dozen per pair. :func:`summarise_runs` does the same for
a chunk of scoring work's runs (~30 articles' ~500 pairs), their first articles' rows
padded to a few shared heights: a few NumPy calls per chunk.

The products themselves stay one per pair: with OpenBLAS on this kind of machine one
``A [B_1; …; B_k]ᵀ`` product was no faster (16–25 µs against 18 µs per pair, measured on
the real corpus's 26,867 candidate pairs) and rounds differently from the per-pair
product (up to 5e-8), which the store and Spark, scoring one pair at a time, would not
reproduce.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from samestory.align import as_float32, sentence_similarity

# The top-sentences cue averages this many best sentence pairs (by definition).
TOP_SENTENCES = 3
# A text's headline and lead: its first this many sentences (the lead-sentences cue, the
# best cosine between both texts' leads, read by relate's graded model). SemEval dev,
# 5-fold CV Pearson of the graded model with the cue over 1-4 sentences: 0.742, 0.746,
# 0.739, 0.743 (0.733 without it).
LEAD_SENTENCES = 2


# Not frozen (read-only by convention): a frozen dataclass's __init__ sets each field
# through object.__setattr__, ~0.4 us a field; scoring builds one of these per pair.
@dataclasses.dataclass(slots=True)
class SimSummary:
    """A pair's sentence cosine matrix and what the cues read of it (see the module)."""

    sim: np.ndarray
    rows: np.ndarray
    columns: np.ndarray
    best: float
    top3: float
    # ``(threshold, share)``: the close shares (:func:`close_share`) the scorer asked for.
    close: tuple[tuple[float, float], ...] = ()
    # ``max S[:L, :L]`` for L = LEAD_SENTENCES, when the block computed it (else None).
    lead: float | None = None

    @property
    def size(self) -> int:
        return int(self.sim.size)

    def close_share(self, threshold: float) -> float:
        """Share of the shorter text's sentences whose best match reaches ``threshold``:
        ``shorter_side_mean(rows >= t, columns >= t)``."""
        for t, share in self.close:
            if t == threshold:
                return share
        if not self.size:
            return 0.0
        return _share_of_counts(
            int(np.count_nonzero(self.rows >= threshold)),
            len(self.rows),
            int(np.count_nonzero(self.columns >= threshold)),
            len(self.columns),
        )


def _share_of_counts(rows_close: int, n_rows: int, columns_close: int, n_columns: int) -> float:
    """The mean over the shorter side of a 0/1 value per sentence, from its counts; for
    sides of equal length, the mean of both sides' means (so ``f(A, B) = f(B, A)``)."""
    if n_rows < n_columns:
        return rows_close / n_rows
    if n_columns < n_rows:
        return columns_close / n_columns
    return 0.5 * (rows_close / n_rows + columns_close / n_columns)


def summarise(sim: np.ndarray) -> SimSummary:
    """The summary of one pair's cosine matrix ``sim``; when either article has no
    sentence, ``best = top3 = 0`` and ``rows``, ``columns`` are zeros."""
    if not sim.size:
        return _empty(sim)
    flat = np.sort(sim, axis=None)[::-1]
    return SimSummary(
        sim, sim.max(1), sim.max(0), float(flat[0]), float(flat[:TOP_SENTENCES].mean())
    )


def _empty(sim: np.ndarray) -> SimSummary:
    rows, columns = sim.shape
    return SimSummary(
        sim, np.zeros(rows, dtype=np.float32), np.zeros(columns, dtype=np.float32), 0.0, 0.0
    )


def summarise_against(
    a_vecs: np.ndarray, others: Sequence[np.ndarray], thresholds: Sequence[float] = ()
) -> list[SimSummary]:
    """``[summarise(sentence_similarity(a_vecs, b)) for b in others]``, bit for bit: the
    pairs' products written side by side into one block, reduced once (see the module).
    Each summary carries its :meth:`~SimSummary.close_share` at each of ``thresholds``
    (counted for all the pairs at once; the same values)."""
    return summarise_runs([(a_vecs, others)], thresholds)[0]


def summarise_runs(
    runs: Sequence[tuple[np.ndarray, Sequence[np.ndarray]]], thresholds: Sequence[float] = ()
) -> list[list[SimSummary]]:
    """``[summarise_against(a, others, thresholds) for a, others in runs]``, bit for bit,
    with the pairs of all the runs (a chunk of scoring work, ~30 articles' runs) in a
    few blocks instead of one block a run: the block's reductions, its top-three sort
    and its close-share counts are ~25 NumPy calls whatever the block's width, ~0.3 ms
    a run on real news.

    Runs whose first articles have about as many sentences (the same ``bit_length``, so
    at most twice as many) share a block of as many rows as the longest; a shorter
    article's rows below its own are -1, the least clipped cosine, so no maximum, top
    three or close share (at thresholds above -1) of its pairs can read them as more
    than a value of their own. Pairs of fewer than three entries take the one-pair path
    (so does an empty first article)."""
    out: list[list[SimSummary | None]] = [[None] * len(others) for _, others in runs]
    # Each block's pairs: (run, position, first article's, other article's float32 rows).
    blocks: dict[int, list[tuple[int, int, np.ndarray, np.ndarray]]] = {}
    padding_counts = any(t <= -1.0 for t in thresholds)
    for r, (a_vecs, others) in enumerate(runs):
        a32: np.ndarray | None = None
        for p, b in enumerate(others):
            if len(a_vecs) * len(b) < TOP_SENTENCES:
                out[r][p] = summarise(sentence_similarity(a_vecs, b))
                continue
            if a32 is None:
                a32 = as_float32(a_vecs)
            # A threshold of -1 or less would count the padding: one block a run then.
            key = -1 - r if padding_counts else len(a_vecs).bit_length()
            blocks.setdefault(key, []).append((r, p, a32, as_float32(b)))
    for members in blocks.values():
        summaries = _summarise_block([m[2] for m in members], [m[3] for m in members], thresholds)
        for (r, p, _, _), summary in zip(members, summaries, strict=True):
            out[r][p] = summary
    return out  # type: ignore[return-value]  # every slot filled


def summarise_to(
    others: Sequence[np.ndarray], b_vecs: np.ndarray, thresholds: Sequence[float] = ()
) -> list[SimSummary]:
    """``[summarise(sentence_similarity(o, b_vecs)) for o in others]``, bit for bit: the
    same as :func:`summarise_against` with the fixed article second (the store scores
    each stored neighbour ``o`` against the new article ``b`` in that order). The
    products ``O_p Bᵀ`` are stacked (``Σ|O_p| × |B|``) and summarised through the
    transposed view, so row maxima become column maxima and the other way round."""
    out: list[SimSummary | None] = [None] * len(others)
    small = [p for p, o in enumerate(others) if len(o) * len(b_vecs) < TOP_SENTENCES]
    for p in small:
        out[p] = summarise(sentence_similarity(others[p], b_vecs))
    full = [p for p, o in enumerate(others) if len(o) * len(b_vecs) >= TOP_SENTENCES]
    if full:
        b32 = as_float32(b_vecs)
        blocked = _summarise_block(
            [b32] * len(full), [as_float32(others[p]) for p in full], thresholds, True
        )
        for p, summary in zip(full, blocked, strict=True):
            out[p] = summary
    return out  # type: ignore[return-value]  # every slot filled


def _summarise_block(
    firsts: Sequence[np.ndarray],
    others: Sequence[np.ndarray],
    thresholds: Sequence[float] = (),
    fixed_second: bool = False,
) -> list[SimSummary]:
    """Summaries of each ``firsts[p]`` against ``others[p]`` (float32; at least three
    entries each; rows padded with -1 to the longest of ``firsts``, see
    :func:`summarise_runs`); with ``fixed_second`` (one array for all of ``firsts``),
    of each of ``others`` against it."""
    layout = _Layout.of(firsts, others)
    if fixed_second:
        block, sims = _fixed_second_products(firsts[0], others, layout)
    else:
        block, sims = _padded_products(firsts, others, layout)
    columns = block.max(0)
    best = np.maximum.reduceat(columns, layout.starts).tolist()
    # Row maxima per pair, one contiguous row per pair (its first heights[p] entries).
    rows = np.ascontiguousarray(np.maximum.reduceat(block, layout.starts, axis=1).T)
    top3 = _top_means(block, layout)
    lead = _lead_maxima(block, layout.starts, layout.widths).tolist()
    closes = _close_shares(rows, columns, layout, thresholds, fixed_second)
    out = []
    for p, (sim, row, height, start, end) in enumerate(
        zip(sims, rows, layout.heights.tolist(), *layout.column_spans(), strict=True)
    ):
        a_side, b_side = row[:height], columns[start:end]
        if fixed_second:  # the pair's matrix is the block's slice transposed
            a_side, b_side = b_side, a_side
        out.append(SimSummary(sim, a_side, b_side, best[p], top3[p], closes[p], lead[p]))
    return out


@dataclasses.dataclass(frozen=True, slots=True)
class _Layout:
    """Where each pair sits in a block: pair ``p``'s matrix is the block's first
    ``heights[p]`` rows of columns ``starts[p]`` to ``starts[p] + widths[p]``."""

    heights: np.ndarray
    widths: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, firsts: Sequence[np.ndarray], others: Sequence[np.ndarray]) -> _Layout:
        heights = np.array([len(a) for a in firsts])
        widths = np.array([len(b) for b in others])
        return cls(heights, widths, np.concatenate(([0], np.cumsum(widths)[:-1])))

    @property
    def n_rows(self) -> int:
        return int(self.heights.max())

    def column_spans(self) -> tuple[list[int], list[int]]:
        """Each pair's first and past-the-last column, as Python ints."""
        return self.starts.tolist(), (self.starts + self.widths).tolist()


def _fixed_second_products(
    a: np.ndarray, others: Sequence[np.ndarray], layout: _Layout
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The products ``B_p Aᵀ`` as sentence_similarity computes them (the same GEMM,
    written in place), stacked (``Σ widths × |A|``); returns the stack's transpose, the
    block (``|A| × Σ widths``, each pair's matrix transposed), and each pair's matrix."""
    stacked = np.empty((int(layout.widths.sum()), len(a)), dtype=np.float32)
    sims = [stacked[start : start + len(b)] for start, b in zip(layout.starts, others, strict=True)]
    for b, sim in zip(others, sims, strict=True):
        np.matmul(b, a.T, out=sim)
    np.clip(stacked, -1.0, 1.0, out=stacked)
    return stacked.T, sims


def _padded_products(
    firsts: Sequence[np.ndarray], others: Sequence[np.ndarray], layout: _Layout
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The products ``A_p B_pᵀ`` as sentence_similarity computes them (the same GEMM,
    written in place) side by side in one block (``rows × Σ widths``), the rows below a
    shorter ``A_p`` filled with -1; returns the block and each pair's matrix."""
    shape = (layout.n_rows, int(layout.widths.sum()))
    padded = int(layout.heights.min()) < layout.n_rows
    block = np.full(shape, -1.0, dtype=np.float32) if padded else np.empty(shape, np.float32)
    sims = [
        block[: len(a), start : start + len(b)]
        for a, start, b in zip(firsts, layout.starts, others, strict=True)
    ]
    for a, b, sim in zip(firsts, others, sims, strict=True):
        np.matmul(a, b.T, out=sim)
    np.clip(block, -1.0, 1.0, out=block)
    return block, sims


def _top_means(block: np.ndarray, layout: _Layout) -> list[float]:
    """Each pair's mean of its TOP_SENTENCES largest entries: each column's k largest
    entries hold each pair's k largest (k = 3, or all rows), sorted by pair and then by
    decreasing value in one integer sort: key = pair << 32 | (descending rank of the
    float's bit pattern)."""
    n_rows = layout.n_rows
    k = min(TOP_SENTENCES, n_rows)
    tops = np.partition(block, n_rows - k, axis=0)[n_rows - k :] if n_rows > k else block
    values = np.ascontiguousarray(tops.T).ravel()  # column by column, k per column
    pair = np.repeat(np.arange(len(layout.widths), dtype=np.int64), layout.widths * k)
    keys = (pair << 32) | _descending_bits(values)
    keys.sort()
    first = keys[layout.starts[:, None] * k + np.arange(TOP_SENTENCES)] & _LOW32
    top_means: list[float] = _float_of_descending_bits(first).mean(axis=1).tolist()
    return top_means


def _close_shares(
    rows: np.ndarray,
    columns: np.ndarray,
    layout: _Layout,
    thresholds: Sequence[float],
    fixed_second: bool,
) -> list[tuple[tuple[float, float], ...]]:
    """Each pair's ``((threshold, share), ...)`` in the order of ``thresholds``: close
    shares from the counts of close sentences of A (rows) and of the pair's other article
    (columns), as :func:`_share_of_counts` gives them."""
    if not thresholds:
        return [()] * len(layout.widths)
    shares = []
    for t in thresholds:
        rows_close = np.count_nonzero(rows >= t, axis=1)
        columns_close = np.add.reduceat((columns >= t).astype(np.intp), layout.starts)
        if fixed_second:
            shares.append(
                _shares_of_counts(columns_close, layout.widths, rows_close, layout.heights)
            )
        else:
            shares.append(
                _shares_of_counts(rows_close, layout.heights, columns_close, layout.widths)
            )
    by_threshold = [[(t, x) for x in values] for t, values in zip(thresholds, shares, strict=True)]
    return list(zip(*by_threshold, strict=True))


def _shares_of_counts(
    rows_close: np.ndarray,
    n_rows: np.ndarray,
    columns_close: np.ndarray,
    n_columns: np.ndarray,
) -> list[float]:
    """:func:`_share_of_counts` of each pair, bit for bit (a float64 division of two
    exact integers is Python's correctly rounded ``int / int``)."""
    by_rows = rows_close / n_rows
    by_columns = columns_close / n_columns
    both = 0.5 * (by_rows + by_columns)
    shares = np.where(n_rows < n_columns, by_rows, np.where(n_columns < n_rows, by_columns, both))
    return shares.tolist()


def _lead_maxima(block: np.ndarray, starts: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Each pair's ``max S[:L, :L]`` (L = LEAD_SENTENCES) from the block: the maxima of
    the block's first L rows, column by column, then of each pair's first ``min(L, w)``
    columns. (With the fixed article second the block is the stacked ``S_pᵀ``, and the
    same entries are read transposed.) Exact: maxima in any order."""
    head = block[:LEAD_SENTENCES].max(axis=0)
    lead = head[starts]
    for offset in range(1, LEAD_SENTENCES):
        more = widths > offset
        lead[more] = np.maximum(lead[more], head[starts[more] + offset])
    return lead


_LOW32 = np.int64(0xFFFFFFFF)
_SIGN = np.int64(0x80000000)


def _descending_bits(x: np.ndarray) -> np.ndarray:
    """float32 values as int64 in [0, 2^32) whose order is the values' decreasing order
    (IEEE-754 bits made monotone: flip all bits of negatives, the sign bit of the rest)."""
    bits = x.view(np.uint32).astype(np.int64)
    ascending = np.where(bits & _SIGN, bits ^ _LOW32, bits | _SIGN)
    return _LOW32 - ascending


def _float_of_descending_bits(d: np.ndarray) -> np.ndarray:
    """The float32 values back from :func:`_descending_bits` (exactly)."""
    ascending = _LOW32 - d
    bits = np.where(ascending & _SIGN, ascending ^ _SIGN, ascending ^ _LOW32)
    return bits.astype(np.uint32).view(np.float32)
