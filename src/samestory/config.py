"""One configuration object for the whole pipeline, with documented defaults.

Defaults were chosen on the dev sets in ``shared/data`` (ECB+, MEANTIME, SemEval-2022
pairs) and are the same for every dataset: nothing is tuned per input at run time.
"""

from __future__ import annotations

import dataclasses

ENCODERS = ("use", "static")


@dataclasses.dataclass(frozen=True, slots=True)
class Config:
    """Settings of every stage. Pass a modified copy (``dataclasses.replace``) to change one.

    Encoder
        encoder: the sentence encoder. ``"use"`` (default): Google's multilingual
            Universal Sentence Encoder, the accurate one (~148 ms of CPU per distinct
            article). ``"static"``: a static encoder distilled from it on first use
            (:mod:`samestory.static_encoder`), ~40x less featurising CPU and ~9x faster end
            to end on real distinct news, for a small loss (dev ARI: ECB+ 0.926 -> 0.890,
            GVA 0.682 -> 0.667, MEANTIME unchanged). Stores keep the encoder they were
            built with.

    Candidates
        shingle_size: words per shingle for MinHash (5 is the classic near-duplicate size).
        max_sentences: sentences per article that are embedded and aligned (bounds cost on
            long articles; the lead carries the story).
        num_perm: MinHash permutations; the Jaccard estimate's standard error is
            ``sqrt(J(1-J)/num_perm)``.
        lsh_threshold: Jaccard above which MinHash-LSH returns a pair as a candidate.
        ann_neighbours: nearest distinct neighbours per article taken from the vector
            index; doubled, up to 4x, while the last one is still at document cosine
            0.7 (USE; static: 0.8) or closer (a story with more versions than this; see
            ``samestory.candidates.select_neighbours``).
        ann_min_cosine: document-vector cosine below which an ANN neighbour is dropped.

    Relations
        exact / near-duplicate: ``near_duplicate_jaccard`` on word shingles (or containment
        of the shorter text at ``near_duplicate_containment``, or this share of both texts
        sentences aligned with word Jaccard >= 0.5, ``near_duplicate_sentences``) makes a
        ``near_duplicate``.
        align_min_similarity: sentence cosine for two sentences to count as aligned.
        rewrite_min_coverage: share of the shorter article's sentences that must align for
            a ``rewrite``.
        same_story_threshold: story-similarity score at or above which a pair is the same
            story (and the average-link threshold when grouping). 0.4, not 0.5: the
            linkage of two groups counts pairs no index proposed as 0, so large stories
            need a lower bar; on ECB+ and MEANTIME dev, 0.35-0.45 all beat 0.5 (ECB+ ARI
            0.84 -> 0.88, MEANTIME 0.947 -> 0.957).
        attach_threshold: linkage at which a group left after merging (a lone article, or
            a few) joins a story at least three times its size (see
            ``samestory.stories``); half of ``same_story_threshold``. None turns the step
            off.

    Misc
        workers: processes for the per-article text work and for scoring candidate
            pairs. 0 (default): one per usable CPU; 1: all in this process. Workers are
            forked (Linux only) and used only from 300 articles or 1,000 pairs per
            worker; features, relations and stories are identical whatever the number.
        max_text_chars: longer texts are cut (and a warning recorded) to bound cost.
        max_file_bytes: larger input files are skipped with an error.
    """

    encoder: str = "use"
    shingle_size: int = 5
    max_sentences: int = 40
    num_perm: int = 128
    lsh_threshold: float = 0.5
    ann_neighbours: int = 20
    ann_min_cosine: float = 0.35
    near_duplicate_jaccard: float = 0.6
    near_duplicate_containment: float = 0.8
    near_duplicate_sentences: float = 0.8
    align_min_similarity: float = 0.7
    rewrite_min_coverage: float = 0.5
    same_story_threshold: float = 0.4
    attach_threshold: float | None = 0.2
    workers: int = 0
    max_text_chars: int = 200_000
    max_file_bytes: int = 20_000_000
    seed: int = 1

    def __post_init__(self) -> None:
        if self.encoder not in ENCODERS:
            raise ValueError(f"encoder must be one of {', '.join(ENCODERS)}; got {self.encoder!r}")
        if self.workers < 0:
            raise ValueError(f"workers must be >= 0 (0 = one per CPU); got {self.workers}")

    def replace(self, **changes: object) -> Config:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


DEFAULT_CONFIG = Config()
