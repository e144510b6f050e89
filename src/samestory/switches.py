"""The switches of text cleaning and pair scoring, and the store's records of them.

A switch here is a rule that shipped behind a flag because turning it on changes what a
stored text's features or a stored pair's score would be: ``normalize.clean_text`` and
``dates._gating`` read them at call time from this module (patch them here: a test or a
benchmark that sets ``switches.READ_TITLE_LINE`` changes the cleaning everywhere). A
store records the rules its texts were cleaned and its pairs scored with
(:func:`cleaning_rules`, :func:`pair_scoring_rules`; :mod:`samestory.store.cleaning`,
:mod:`samestory.store.scoring`), and ``samestory stories`` checks those records before it
lists a store (:mod:`samestory.store.listing`). That check runs on every listing, so
this module imports nothing: the listing path stays free of NumPy, ``normalize`` and
``dates`` (``tests/test_startup.py`` guards it).
"""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# Whether clean_text reads a text's first line through title_line (rule T, docs/history/accuracy.md
# 2026-12-05 "Outlet title tails"): on since the thread file was refitted on the tables it
# moves, its short correction fitted at the attach bar (--short-floor; 2026-12-06 rejudge).
READ_TITLE_LINE = True

# A year-less date dates an article when its weekday is written (dates._gating) or, with
# this switch on, when the article is a short text (a headline, lead or feed summary: the
# caller says which), where a bare date is the reported day: a short text has nothing else
# to date it and no room to recall an earlier event. On since 2026-12-06 with the thread
# file refitted on its tables (the shipped command, `--short-floor`; protocol G's topic CV
# and MEANTIME's leave-one-topic-out passed): MEANTIME headline 0.910 -> 0.930 (thread
# 0.856 -> 0.874), ECB+ summary 0.904 -> 0.907, every other row equal
# (docs/history/accuracy.md, 2026-12-06, yearless). Against the early-stopped thread file
# of 2026-12-05 its refit lost MEANTIME's short forms under CV.
YEARLESS_IN_SHORT_TEXTS = True

# Whether normalize.split_sentences runs its in-line run-on rule (past a street / state
# abbreviation or an ellipsis before a lowercase word or a number, a number's period
# before a digit, a spaced web address: T-), read when its runs_on_in_line is None. On
# since 2026-12-06 night with the thread file refitted on its tables by the file's command
# (protocol G's topic CV and MEANTIME's leave-one-topic-out passed, then its production
# gate: docs/history/accuracy.md, 2026-12-06, runonflip; off before, it moved the sentence
# features every fit reads, 2026-12-06 evening, textfix). cleaning_rules() records it only
# when on, so a store written with it off (every store before it) keeps its old record:
# its texts the two splits cut differently join its re-cleaning backlog and are split
# again by `samestory upgrade` (store.cleaning.resplit).
SPLIT_RUNS_ON_IN_LINE = True

# Whether name_roles' locative "to" marks no place after a word of
# name_roles.TO_NOT_LOCATIVE_AFTER ("according to TMZ", "spoke to ONE News", "belonged to
# Smith": a source, a hearer, an owner), read at call time by name_roles.sentence_readings
# (its cache holds readings of one setting: clear it when you flip this). Off: every "to"
# before a name makes it a place, as since 2026-12-03 (docs/history/accuracy.md,
# 2026-12-07, tidy: 819 dev runs are places by "to" alone, 221 "according to"; and
# 2026-12-07, locative: the rule and its gate).
LOCATIVE_TO_NARROW = False

# Rule AS (docs/history/accuracy.md, 2026-12-07, attach): a short pair whose publication
# dates are more than a year apart gets the published-date factor lowered by its shortness
# (relate/scoring.py::_date_factor_of, P1Y of 2026-12-07 gvashort), and the attach step
# leaves a lone short text alone when that cut took its best target (stories.attach_splinters,
# pipeline.group.StayInput). On since 2026-12-07 (asflip): the batch, the store's regroup and
# add (asstore) and Spark's groupings (spark.stages.grouping_edge, edge_reach) all have both
# halves; its gate on top of screen S passed (GVA lead / summary / headline 0.592 / 0.658 /
# 0.353 -> 0.620 / 0.667 / 0.402, MEANTIME headline -0.004, ECB+ lead -0.002, every full,
# independent, SemEval and compare row and the 10k ARI main's; the thread file's --check
# SAME with it on: docs/history/accuracy.md, 2026-12-07, asflip). pair_scoring_rules()
# records it, so a store scored with it off re-scores its far short pairs on upgrade.
PUBLISHED_YEAR_CUT = True

# Whether a boilerplate marker drops only the sentence that holds it (``normalize.clean_text``:
# rule BS, docs/history/accuracy.md, 2026-12-07, cleaning). Off, a line that starts with a
# marker of ``normalize._BOILERPLATE`` goes whole ("Advertisement The woman, in her 20s,
# died at the scene ..."; "Sign up for ... . <the next sentence>"), and a sentence with a
# call to action goes whole even when it is a title whose label names the marker ("Crime
# Stoppers: Police arrest mother of 3-year-old ..." cleaned to no words), sentences the
# source glued together ("... ran away.Rivas's mother ... call 911.") or a news sentence
# citing its source's web address in brackets ("reported Monday (http://bit.ly/..) a
# witness ..."). On, the marker's sentence goes and the rest of the line stays; a photo
# gallery's line (``normalize._GALLERY``) still goes whole. cleaning_rules() records it
# only when on, so a store cleaned with it off re-cleans the texts it changes on upgrade.
# On since 2026-12-07 night with the thread file and the pair file's venue weight refitted
# with it on (protocol G on seeds 165-169 and the pair file's rule, 18:20, bsflip; the files
# rebuilt by their commands and the production gate passed, 21:25, bsflip). Spark's feature
# tasks clean with the driver's setting (spark.stages.featurize).
BOILERPLATE_BY_SENTENCE = True

# Rule L (docs/history/accuracy.md, 2026-12-07, loneattach): a pair only the short-text
# vector floor proposed (screen S: Config.short_text_ann_min_cosine, none of the other
# routes) counts in a lone short text's attach linkage only when its score reaches the
# story bar (Config.same_story_threshold): screen S's two losses were one floor pair each
# tipping a lone short text over the attach bar (ECB+ lead, MEANTIME mixed-headline;
# 2026-12-07, ecblead). Every driver has it: the batch (pipeline.propose.
# propose_flagged_pairs, one search; stories.attach_splinters' `lone`), the store
# (store/floor_pairs.py) and both Spark jobs (the vector stage's flags, the grouping
# edges', spark.stages.cluster_component's LoneInput; an incremental state's days run
# with it off kept no flags: their pairs read as firm). Off: the attach step as before;
# not flipped: its gate rows with it on not run on top of rule BS (rulel, 2026-12-07).
LONE_FLOOR_BAR = False

# What every store written before the pair-scoring record was scored with.
PAIR_SCORING_BEFORE_RECORD = {
    "yearless_in_short_texts": False,
    "published_far_kinds": False,
    "text_far_rewrites": False,
}


def cleaning_rules() -> str:
    """This samestory's cleaning rules as a store records them (``meta.cleaning``): the
    switches of ``normalize.clean_text`` (add one here when a rule that changes stored
    texts' cleaning ships behind one). The in-line run-on rule and rule BS are recorded
    only when on: off, the record is the one every store has kept since rule T."""
    rules = {"title_line": READ_TITLE_LINE}
    if SPLIT_RUNS_ON_IN_LINE:
        rules["split_runs_on_in_line"] = True
    if BOILERPLATE_BY_SENTENCE:  # recorded only when on: off, every store's record stays
        rules["boilerplate_by_sentence"] = True
    return json.dumps(rules, sort_keys=True)


def pair_scoring_rules() -> dict[str, bool]:
    """This samestory's pair-scoring rules as a store records them
    (``meta.pair_scoring``): the year-less switch, and ``published_far_kinds`` (across
    the published-date gate sentence alignment alone makes no ``near_duplicate`` and a
    ``rewrite`` needs the story bar, ``relate._kind``; a rule with no switch, always on
    since 2026-12-06) and ``text_far_rewrites`` (a rewrite at the story bar dated more
    than 30 days apart only by a date read from a text stays a ``rewrite``, not a
    ``follow_up``, ``relate._is_follow_up``; no switch, on since 2026-12-06 evening), and
    ``locative_to_narrow`` only when :data:`LOCATIVE_TO_NARROW` is on (it changes the
    roles a store keeps in its features: a store recorded without it reads them again on
    ``samestory upgrade``). Add one here when a switch that changes stored pairs' scores
    ships."""
    rules = {
        "yearless_in_short_texts": YEARLESS_IN_SHORT_TEXTS,
        "published_far_kinds": True,
        "text_far_rewrites": True,
    }
    if LOCATIVE_TO_NARROW:  # recorded only when on: off, every store's record stays
        rules["locative_to_narrow"] = True
    if PUBLISHED_YEAR_CUT:  # the same: recorded only when on
        rules["published_year_cut"] = True
    return rules


@contextmanager
def switched(name: str, on: bool) -> Iterator[None]:
    """Switch ``name`` (a switch of this module) set to ``on`` inside the block and put
    back after it, whatever the shipped value: for scripts and benchmarks that compare a
    rule on and off in one process (tests use ``monkeypatch.setattr``)."""
    module = sys.modules[__name__]
    kept = getattr(module, name)  # an unknown name fails here, before anything is set
    setattr(module, name, on)
    try:
        yield
    finally:
        setattr(module, name, kept)


# The switches that lived in other modules before this one, by module: reading or setting
# one there fails, naming where it is now (a stale `normalize.READ_TITLE_LINE = False`
# would otherwise add an attribute nothing reads and change nothing, silently).
MOVED = {
    "samestory.normalize": frozenset({"READ_TITLE_LINE", "SPLIT_RUNS_ON_IN_LINE"}),
    "samestory.dates": frozenset({"YEARLESS_IN_SHORT_TEXTS"}),
}


class MovedSwitchError(AttributeError):
    """A switch read or set in the module it lived in before :mod:`samestory.switches`."""

    def __init__(self, module: str, name: str) -> None:
        super().__init__(f"{module}.{name} has moved: read or set samestory.switches.{name}")


class _WithMovedSwitches(types.ModuleType):
    """A module whose moved switches (:data:`MOVED`) fail loudly when read or set."""

    def __getattr__(self, name: str) -> Any:  # only for names the module does not have
        if name in MOVED.get(self.__name__, ()):
            raise MovedSwitchError(self.__name__, name)
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if name in MOVED.get(self.__name__, ()):
            raise MovedSwitchError(self.__name__, name)
        super().__setattr__(name, value)


def guard_moved(module: str) -> None:
    """Make the switches that moved out of ``module`` (by its ``__name__``) fail loudly
    there; called once at the end of that module's import."""
    sys.modules[module].__class__ = _WithMovedSwitches
