"""One configuration object for the whole pipeline, with documented defaults.

Defaults were chosen on the dev sets in ``shared/data`` (ECB+, MEANTIME, SemEval-2022
pairs) and are the same for every dataset: nothing is tuned per input at run time.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping
from typing import Any

from samestory.errors import ConfigError

ENCODERS = ("use", "static")
log = logging.getLogger("samestory")


@dataclasses.dataclass(frozen=True, slots=True)
class Config:
    """Settings of every stage. Pass a modified copy (``dataclasses.replace``) to change one.

    Encoder
        encoder: the sentence encoder of corpus work (cluster, add, follow, serve, dedup,
            eval, Spark). ``"static"`` (default): a static encoder distilled from USE on
            first use, its pooled vector mapped towards USE's by a shipped affine map
            (:mod:`samestory.static_encoder`, method ``"lin"``), ~3x the articles per
            second of USE end to end on real news; under 5-fold topic cross-validation it
            clusters at least as well as USE (docs/experiments.md, "The default encoder,
            decided again" and "the undated seeds, per-fold maps", 2026-12-03).
            ``"use"``: Google's multilingual Universal Sentence Encoder. A cascade (USE
            only for the pairs near the threshold) was measured and not adopted.
            Stores keep the encoder they were built with.
        pair_encoder: the encoder of pairs judged on their own (``compare``,
            ``compare_pairs``, ``story_similarity``, the server's compare): ``"use"``
            (default), whose graded similarity is the closer to SemEval's human scale
            under cross-validation (Pearson 0.748 vs 0.729); None: ``encoder``.
            :meth:`for_pairs` is the config those calls run with.

    Candidates
        shingle_size: words per shingle for MinHash (5 is the classic near-duplicate size).
        max_sentences: sentences per article that are embedded and aligned (bounds cost on
            long articles; the lead carries the story).
        num_perm: MinHash permutations; the Jaccard estimate's standard error is
            ``sqrt(J(1-J)/num_perm)``.
        lsh_threshold: Jaccard above which MinHash-LSH returns a pair as a candidate.
        ann_neighbours: nearest distinct neighbours per article taken from the vector
            index; doubled, up to 4x, while the last one is still at document cosine
            0.7 or closer (USE), or shares the article's keywords at keyword cosine 0.2
            or more (static): a story with more versions than this; see
            ``samestory.candidates.select_neighbours``.
        ann_min_cosine: document-vector cosine below which an ANN neighbour is dropped.
        short_text_words, short_text_ann_min_cosine: an article of fewer than
            ``short_text_words`` words (a headline, a one-sentence item) takes its own
            vector neighbours down to ``short_text_ann_min_cosine`` instead (None: no
            such rule; on by default since 2026-12-07, shipS, with the thread file
            refitted on its candidates). ``ann_min_cosine`` was set on multi-sentence vectors; a
            one-sentence text's vector is that sentence's, and its cosines to its
            story's other texts run lower (ECB+ headline's never-proposed same-story
            pairs sit at median cosine 0.277). Screen S (docs/history/accuracy.md,
            2026-12-07 02:20) chose 25 words / 0.25 in every topic fold of seeds 100-102;
            built 2026-12-07 05:50 (buildS): ECB+ headline 0.7384 -> 0.7480 in sample.
            Only the short article's own list is widened: another article's list keeps
            its own floor (``samestory.candidates.vector_floor``).
        min_keyword_cosine: a vector or keyword neighbour whose keywords (each article's
            most specific words, weighted) have a cosine below this with the article's is
            not proposed, unless the two document vectors are as close as translations'
            (``samestory.candidates.screened``): such pairs share no specific word and
            score near 0. 0 turns the screen off.

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
            a few) joins a story at least three times its size, and a lone version a
            story of two or more (see ``samestory.stories``); half of
            ``same_story_threshold``. None turns the step off.

    Store
        regroup_limit: after each add, the stories the changed candidate pairs touch are
            re-clustered (so the store gives the batch's stories) unless they hold more
            than this many copy groups (or 20x as many articles): then the new article
            just joins its best story, and a story that large keeps its first version
            incrementally. Bounds the cost of an add in very large stories.
        bulk_load_min: an empty store given at least this many new articles at once is
            filled by the batch pipeline (the same stories, an order of magnitude faster
            than adding them one at a time).

    Misc
        workers: processes for the per-article text work and for scoring candidate
            pairs. 0 (default): one per usable CPU; 1: all in this process. Workers are
            forked (Linux only) and used only from 300 articles or 1,000 pairs per
            worker; features, relations and stories are identical whatever the number.
        max_text_chars: longer texts are cut (and a warning recorded) to bound cost.
        max_file_bytes: larger input files are skipped with an error.
    """

    encoder: str = "static"
    pair_encoder: str | None = "use"
    shingle_size: int = 5
    max_sentences: int = 40
    num_perm: int = 128
    lsh_threshold: float = 0.5
    ann_neighbours: int = 20
    ann_min_cosine: float = 0.35
    short_text_words: int = 25
    short_text_ann_min_cosine: float | None = 0.25
    min_keyword_cosine: float = 0.02
    near_duplicate_jaccard: float = 0.6
    near_duplicate_containment: float = 0.8
    near_duplicate_sentences: float = 0.8
    align_min_similarity: float = 0.7
    rewrite_min_coverage: float = 0.5
    same_story_threshold: float = 0.4
    attach_threshold: float | None = 0.2
    regroup_limit: int = 500
    bulk_load_min: int = 2_000
    workers: int = 0
    max_text_chars: int = 200_000
    max_file_bytes: int = 20_000_000
    seed: int = 1

    def __post_init__(self) -> None:
        for name, rule in _RULES.items():
            problem = rule(getattr(self, name))
            if problem:
                raise ConfigError(f"Config.{name} {problem}; got {getattr(self, name)!r}")
        if self.attach_threshold is not None and self.attach_threshold > self.same_story_threshold:
            raise ConfigError(
                "Config.attach_threshold must be <= same_story_threshold (it is the lower bar "
                f"for joining a larger story); got {self.attach_threshold!r} > "
                f"{self.same_story_threshold!r}"
            )

    def for_pairs(self) -> Config:
        """This config with ``encoder`` set to ``pair_encoder`` (when set): what a pair
        judged on its own (``compare``, ``story_similarity``) is featurised and scored with."""
        if self.pair_encoder is None or self.pair_encoder == self.encoder:
            return self
        return dataclasses.replace(self, encoder=self.pair_encoder)

    def replace(self, **changes: object) -> Config:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "configuration") -> Config:
        """A config from a mapping of field values, as stored by an older or newer version.

        Missing fields take their defaults; unknown ones are ignored with a warning on
        the ``samestory`` logger (naming ``source``). Invalid values raise
        :class:`~samestory.errors.ConfigError`.
        """
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            log.warning("%s: ignoring unknown config keys %s", source, ", ".join(unknown))
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        """The fields as a plain dict (what :meth:`from_dict` reads)."""
        return dataclasses.asdict(self)


def _integer(low: int) -> Any:
    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return "must be an integer"
        return f"must be >= {low}" if value < low else None

    return check


def _number(low: float, high: float, low_open: bool = False) -> Any:
    """A real number in ``[low, high]`` (``(low, high]`` with ``low_open``)."""

    def check(value: object) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            return "must be a number"
        if value > high or value < low or (low_open and value == low):
            return f"must be in {'(' if low_open else '['}{low:g}, {high:g}]"
        return None

    return check


def _optional(rule: Any) -> Any:
    return lambda value: None if value is None else rule(value)


def _choice(options: tuple[str, ...]) -> Any:
    return lambda value: None if value in options else f"must be one of {', '.join(options)}"


_SHARE = _number(0.0, 1.0, low_open=True)
_COSINE = _number(-1.0, 1.0)
# What each field accepts (relations between fields are checked in __post_init__).
_RULES = {
    "encoder": _choice(ENCODERS),
    "pair_encoder": _optional(_choice(ENCODERS)),
    "shingle_size": _integer(1),
    "max_sentences": _integer(1),
    "num_perm": _integer(2),
    "lsh_threshold": _SHARE,
    "ann_neighbours": _integer(1),
    "ann_min_cosine": _COSINE,
    "short_text_words": _integer(0),
    "short_text_ann_min_cosine": _optional(_COSINE),
    "min_keyword_cosine": _number(0.0, 1.0),
    "near_duplicate_jaccard": _SHARE,
    "near_duplicate_containment": _SHARE,
    "near_duplicate_sentences": _SHARE,
    "align_min_similarity": _COSINE,
    "rewrite_min_coverage": _SHARE,
    "same_story_threshold": _SHARE,
    "attach_threshold": _optional(_SHARE),
    "regroup_limit": _integer(1),
    "bulk_load_min": _integer(1),
    "workers": _integer(0),
    "max_text_chars": _integer(1),
    "max_file_bytes": _integer(1),
    "seed": _integer(0),
}


DEFAULT_CONFIG = Config()
