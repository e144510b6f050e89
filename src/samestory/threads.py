"""Story threads: later coverage of one incident linked to the story it follows.

A story is one event (a verdict is not the crime). Newsrooms follow an incident for
months: the shooting, the victim named, the arrest, the charges, the trial, the
anniversary. Those stories share the incident's specific names and places but are
written weeks apart, so the date gate of :mod:`samestory.relate` keeps them apart as
stories; the *thread* model links them.

**Thread model.** A logistic model (the file may also hold gradient-boosted trees) for
``P(same incident | pair)``,

    P = 1 / (1 + exp(-(b + w·x + Σ_t leaf_t(x)))),

over the event cues, the rewrite evidence, the date gap ``g`` in days (``log(1 + g)``,
``g > 30``, and whether the gap is unknown) and a few counts (``EXTRA_FEATURES``: rare
shared names, the rarest shared name, shared long numbers, text length, how many names
each text has, and the shared rare names read as people or as places and institutions,
:mod:`samestory.name_roles`, and whether a pair weeks apart shares only places) and,
for a pair whose gap in days is unknown, the gap between the latest years the texts
name (:func:`latest_year_gap`, the story model's ``year_gap``: two fights of one boxer
four years apart, reported undated, are no thread; ECB+ topic CV 0.926 -> 0.945):
unlike the story score it does not cut pairs written far apart, it weighs the gap as one
piece of evidence. A shared victim's or suspect's name
is what later coverage of one incident repeats; a shared hospital, district or town is
common to every incident of the place (GVA dev, default encoder, 5-fold CV over
incidents: thread ARI 0.819 without the roles, 0.856 with them; docs/experiments.md).
Fitted by ``scripts/fit_thread_model.py`` on the candidate pairs of the GVA dev set
(labels are incidents, with their later coverage) together with ECB+ and MEANTIME (two
different events of one kind are different incidents too), with cross-validation over
incidents and topics, and written to ``params/thread_model.json``, which this module
evaluates with NumPy alone. (Trees reach about the same GVA figure under CV, lose
MEANTIME, and have threaded the seeds' two stories together: not shipped.)

**Short texts.** The file may add a correction for short texts (``short_weights``, by
input, and ``short_bias``): ``u · (c + Σ_k s_k x_k)`` added to the log-odds, ``u`` the
shorter text's :func:`samestory.relate.shortness` (read back from
``log_shorter_words``: 0.97 for a headline, 0.003 for a 200-word article, so full texts
keep the full-text model). Fitted over the full texts' model on the dev sets' short forms
(``fit_thread_model.py --short-offset``): ratio cues over a headline's few words and names
(one shared company is a large share of them) read higher than an article's for two
different events of one company. The shipped correction reads one input computed from
the stored ones (:data:`SHORT_ONLY_INPUTS`): far apart with no shared rare person and no
shared rare place. Two short texts weeks apart sharing a company are two events
(MEANTIME); later coverage of an incident keeps its town or its victim (GVA), and a
penalty on every far-apart short pair lost GVA's leads (docs/history/accuracy.md, 2026-12-05
threads: protocol G, MEANTIME lead / summary / headline thread ARI under topic CV
+0.16 / +0.19 / +0.26, every other set within 0.003).

**Threads.** Stories are the units, each weighing as many articles as it has: the
linkage of two threads is the average thread probability over their articles' cross
pairs, unscored pairs counting 0 (:func:`thread_groups`), merged while it is at least
``THREAD_THRESHOLD``, and a small thread then joins one three times its size at half that.
An undated pair between two stories is threaded with its stories' date gap
(:func:`borrowed_gaps`: the median known gap of their cross pairs), not as a pair of
unknown gap: an undated version is as far from the other story as its own story is. A
pair of articles of two stories of one thread whose thread probability reaches
``THREAD_THRESHOLD`` is a ``follow_up`` relation. A thread's id comes from the id of
its first story, so it stays the same while later stories join.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

import numpy as np

from samestory import conflicts, lexical, name_roles, params, thread_digest
from samestory.ids import thread_id as thread_id

if TYPE_CHECKING:
    from samestory.features import DocFeatures

MODEL_FILE = "thread_model.json"
# Inputs of the thread model, in order: the event cues (relate.CUE_NAMES), then these.
EXTRA_FEATURES = (
    "rewrite_evidence",
    "log_gap",  # log(1 + days apart), 0 when a date is unknown
    "far_apart",  # 1 when more than FAR_APART_DAYS apart
    "gap_unknown",  # 1 when either date is unknown
    "log_rare_shared_names",  # log(1 + shared names of specificity >= RARE_NAME)
    "rarest_shared_name",  # highest specificity of a shared name / ZIPF_MAX
    "log_shared_long_numbers",  # log(1 + shared numbers of 3+ digits that are not years)
    "log_shorter_words",  # log(1 + words of the shorter text) / 7
    "log_fewer_names",  # log(1 + names of the text with fewer) / 5
    "log_more_names",  # log(1 + names of the text with more) / 5: roundups name many places
    "log_rare_shared_people",  # log(1 + shared rare names either text reads as a person)
    "log_rare_shared_places",  # log(1 + shared rare names read only as a place/institution)
    "rarest_shared_non_place",  # highest specificity of a shared name not a place / ZIPF_MAX
    "far_apart_places_only",  # 1 when far apart and every shared rare name is a place
    "latest_year_gap",  # the story model's year gap (latest years named), when the gap is unknown
)
# Inputs the thread row stores after EXTRA_FEATURES that no base weight reads, only a
# short-text correction (through SHORT_ONLY_INPUTS): they hold what the base inputs do
# not, and the base model, the pair model (it reads EXTRA_FEATURES) and the shipped
# files keep their inputs. The model's names end with them (:func:`model_from_data`).
# - shared_place_any: 1 when the texts share a name of any specificity that either reads
#   as a place or institution and neither as a person (name_roles, read for every shared
#   name, not only the rare ones), or names as local news names a town ("Allentown man",
#   :func:`shares_place_any`): later coverage of a shooting keeps its town ("in Las
#   Vegas", "Adams County"), one company's two events share the company (Apple, Boeing:
#   no role), and to the base inputs a common town and a common company look alike
#   (docs/history/accuracy.md, 2026-12-06 threadfile, afternoon and evening).
STORED_SHORT_INPUTS = ("shared_place_any",)
# A change of these, or of how an input is computed, bumps thread_digest.INPUTS_VERSION.
FAR_APART_DAYS = 30
RARE_NAME = 4.5
# Inputs only a short-text correction reads, computed from the stored inputs above (the
# model's width, and the rows the store keeps, stay the base inputs'; :func:`short_only`):
# - far_apart_no_person_place: far apart, and no shared rare name read as a person or as
#   a place. Two headlines weeks apart sharing one company are two events (MEANTIME's
#   false links); later coverage of an incident keeps its town or its victim's name (GVA).
# - far_apart_no_person_place_log_excess_gap: that, times log_gap - log(1 + FAR_APART_DAYS)
#   (how many times longer than a month the gap is, in logs): later coverage thins out
#   with time, one company's news or a town's incidents do not.
# - weeks_apart_no_person_place: more than NEAR_DAYS and at most FAR_APART_DAYS apart (a
#   known gap), and no shared rare person or place: MEANTIME's headlines of one company's
#   two events 8-29 days apart (an iPod launch and the event announcing the next one, the
#   Aeroflot order and the Dreamliner's unveiling), which the far-apart input never reads
#   (docs/history/accuracy.md, 2026-12-06 threadfile).
# - weeks_apart_no_place_any: weeks_apart_no_person_place, and no shared place of any
#   specificity either (shared_place_any 0): MEANTIME's one-company pairs, not GVA's
#   later coverage that keeps a common town (Detroit, Kent, Las Vegas).
SHORT_ONLY_INPUTS = (
    "far_apart_no_person_place",
    "far_apart_no_person_place_log_excess_gap",
    "weeks_apart_no_person_place",
    "weeks_apart_no_place_any",
)
# weeks_apart_no_person_place: a gap of at most this many days is the same news week.
NEAR_DAYS = 7


@dataclasses.dataclass(frozen=True, slots=True, eq=False)
class ThreadModel:
    """``P(same incident) = 1 / (1 + exp(-(b + w·x + Σ_t leaf_t(x))))`` over
    :func:`thread_features` ``x``: ``b`` the baseline log-odds, ``w`` linear weights (a
    logistic model; zero for trees) and ``leaf_t(x)`` the value of the leaf of tree ``t``
    that ``x`` reaches (at each split, ``x[feature] <= split`` goes left; no trees for a
    logistic model). ``threshold``: the thread linkage at which stories join (and a pair
    is a follow-up).

    The trees are stored flat: node ``k`` of the forest splits on ``feature[k]`` at
    ``split[k]`` into ``left[k]`` and ``left[k] + 1``; a leaf is its own left child at
    split ``inf``, so ``depth`` steps from the roots reach every tree's leaf at once (a
    few NumPy calls per pair instead of a Python loop over the trees)."""

    names: tuple[str, ...]
    baseline: float
    weights: np.ndarray
    roots: np.ndarray
    feature: np.ndarray
    split: np.ndarray
    left: np.ndarray
    value: np.ndarray
    depth: int
    threshold: float
    info: dict[str, Any]
    # The short-text correction u * (short_bias + short_weights · x): which inputs it
    # reads (short_names: names, or SHORT_ONLY_INPUTS) and their weights, and the column
    # of log_shorter_words u is read from (-1: no correction, as in most files).
    short_words: int = -1
    short_bias: float = 0.0
    short_names: tuple[str, ...] = ()
    short_weights: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))


def model_from_data(data: dict[str, Any]) -> ThreadModel:
    """A :class:`ThreadModel` from the JSON data ``scripts/fit_thread_model.py`` writes:
    ``weights`` (by feature name, optional) are the linear weights; ``short_weights`` (by
    feature name) and ``short_bias`` (optional) the short-text correction; ``trees``
    (optional) is a list of trees, each a list of nodes, a split node ``[feature index,
    split, left, right]`` (children by index in the tree) and a leaf ``[value]``.

    Nodes are laid out so that a split's right child follows its left one: a step is then
    ``node = left[node] + (x[feature[node]] > split[node])``."""
    feature: list[int] = []
    split: list[float] = []
    left: list[int] = []
    value: list[float] = []
    roots: list[int] = []
    trees = data.get("trees", [])
    for tree in trees:
        roots.append(len(value))
        _lay_out(tree, feature, split, left, value)
    names = _row_names(data["features"])
    weights = data.get("weights", {})
    short = {n: float(w) for n, w in data.get("short_weights", {}).items() if w != 0.0}
    unknown = sorted(set(short) - set(names) - set(SHORT_ONLY_INPUTS))
    if unknown:
        raise ValueError(f"short_weights of inputs the model does not read: {unknown}")
    # Base inputs in the model's order, then the correction's own.
    short_names = tuple(n for n in (*names, *SHORT_ONLY_INPUTS) if n in short)
    return ThreadModel(
        names=names,
        baseline=float(data["baseline"]),
        weights=np.array([float(weights.get(n, 0.0)) for n in names], dtype=np.float64),
        roots=np.array(roots, dtype=np.intp),
        feature=np.array(feature, dtype=np.intp),
        split=np.array(split, dtype=np.float64),
        left=np.array(left, dtype=np.intp),
        value=np.array(value, dtype=np.float64),
        depth=max((_tree_depth(tree) for tree in trees), default=0),
        threshold=float(data["threshold"]),
        info={
            k: v
            for k, v in data.items()
            if k not in ("trees", "weights", "baseline", "threshold", "short_weights")
        },
        short_words=names.index("log_shorter_words") if short or data.get("short_bias") else -1,
        short_bias=float(data.get("short_bias", 0.0)),
        short_names=short_names,
        short_weights=np.array([short[n] for n in short_names], dtype=np.float64),
    )


def _row_names(features: Sequence[str]) -> tuple[str, ...]:
    """The names of the row a file's model reads: its ``features`` (the base inputs),
    then, for a file of production's row (its features hold every EXTRA_FEATURES name),
    the stored correction-only inputs that end every row :func:`thread_features` makes."""
    if not set(EXTRA_FEATURES) <= set(features):
        return tuple(features)
    return (*features, *(n for n in STORED_SHORT_INPUTS if n not in features))


def _lay_out(
    tree: Sequence[Sequence[float]],
    feature: list[int],
    split: list[float],
    left: list[int],
    value: list[float],
) -> None:
    """Append ``tree``'s nodes, breadth first, each split's children side by side; a
    leaf is its own left child at split ``inf`` (so it stays put)."""
    order = [0]
    position = {0: len(value)}
    for node in order:  # grows while read: breadth first
        if len(tree[node]) == 1:
            continue
        for child in (int(tree[node][2]), int(tree[node][3])):
            position[child] = position[0] + len(order)
            order.append(child)
    for node in order:
        if len(tree[node]) == 1:
            feature.append(0)
            split.append(math.inf)
            left.append(position[node])
            value.append(float(tree[node][0]))
        else:
            feature.append(int(tree[node][0]))
            split.append(float(tree[node][1]))
            left.append(position[int(tree[node][2])])
            value.append(0.0)


def _tree_depth(tree: Sequence[Sequence[float]], node: int = 0) -> int:
    """Splits on the longest path from ``node`` to a leaf."""
    if len(tree[node]) == 1:
        return 0
    return 1 + max(_tree_depth(tree, int(tree[node][2])), _tree_depth(tree, int(tree[node][3])))


def load_model() -> ThreadModel:
    """The fitted model in ``samestory/params/thread_model.json`` (written by
    ``scripts/fit_thread_model.py``). Its feature names are checked by the tests, not
    here: the fit script imports this module, and must run after a feature changed."""
    return model_from_data(params.load(MODEL_FILE))


MODEL = load_model()
THREAD_THRESHOLD = MODEL.threshold
# What a store records of the model its thread scores were made with (a store opened
# under another re-scores them from their stored inputs: samestory.store.threads).
MODEL_DIGEST = thread_digest.model_digest()


def thread_features(
    a: DocFeatures,
    b: DocFeatures,
    cues: Sequence[float],
    rewrite_evidence: float,
    gap: int | None,
    inputs: PairInputs | None = None,
) -> tuple[float, ...]:
    """The thread model's inputs: the event cues, then ``EXTRA_FEATURES``, then
    ``STORED_SHORT_INPUTS`` (read by no base weight). ``inputs``:
    the pair's :class:`PairInputs` when the caller has them (pair scoring reads an
    article's against all its candidates at once); read from the texts otherwise."""
    days = 0 if gap is None else gap
    if inputs is None:
        named = sorted(a.entities & b.entities)
        specificity = [_specificity(name, a, b) for name in named]
        long_numbers = sum(1 for x in a.numbers & b.numbers if _is_long_number(x))
    else:
        named, specificity, long_numbers = inputs
    rare = {name for name, v in zip(named, specificity, strict=True) if v >= RARE_NAME}
    # Every shared name's role (shared_place_any); the rare names' are these restricted
    # (a person in either text, else a place in either).
    people_any, places_any = name_roles.shared_roles(
        a.sentences, b.sentences, set(named), a.roles, b.roles
    )
    people, places = people_any & rare, places_any & rare
    non_place = [v for name, v in zip(named, specificity, strict=True) if name not in places]
    return (
        *cues,
        rewrite_evidence,
        math.log1p(days),
        1.0 if days > FAR_APART_DAYS else 0.0,
        1.0 if gap is None else 0.0,
        math.log1p(sum(1 for v in specificity if v >= RARE_NAME)),
        max(specificity, default=0.0) / lexical.ZIPF_MAX,
        math.log1p(long_numbers),
        math.log1p(min(a.n_words, b.n_words)) / 7.0,
        math.log1p(min(len(a.entities), len(b.entities))) / 5.0,
        math.log1p(max(len(a.entities), len(b.entities))) / 5.0,
        math.log1p(len(people)),
        math.log1p(len(places)),
        max(non_place, default=0.0) / lexical.ZIPF_MAX,
        1.0 if days > FAR_APART_DAYS and places and places == rare else 0.0,
        latest_year_gap(a, b) if gap is None else 0.0,
        shares_place_any(a, b, named, people_any, places_any),
    )


def shares_place_any(
    a: DocFeatures,
    b: DocFeatures,
    named: Sequence[str] | frozenset[str],
    people: AbstractSet[str],
    places: AbstractSet[str],
) -> float:
    """``shared_place_any`` of two texts sharing the names ``named``, of which
    :func:`samestory.name_roles.shared_roles` reads ``people`` and ``places``: 1 when some
    shared name is a place, or a name either text names as local news names a town,
    before a resident or an incident noun ("Allentown man", "Wilkinsburg mass shooting",
    :func:`samestory.name_roles.local_places`), that neither text reads as a person."""
    if places:
        return 1.0
    if not named:
        return 0.0
    local_a, local_b = _local_places(a), _local_places(b)
    return 1.0 if any(n not in people and (n in local_a or n in local_b) for n in named) else 0.0


def _local_places(f: DocFeatures) -> frozenset[str]:
    """``f``'s :func:`samestory.name_roles.local_places`: read once by the features stage
    (``DocFeatures.local_places``), or from the sentences when not (features from a store)."""
    if f.local_places is not None:
        return f.local_places
    return name_roles.local_places(tuple(f.sentences))


def short_only(x: np.ndarray, names: Sequence[str], name: str) -> np.ndarray:
    """The correction-only input ``name`` (:data:`SHORT_ONLY_INPUTS`) of the rows ``x``
    (2-D, columns ``names``), computed from the inputs the rows hold."""
    if name not in SHORT_ONLY_INPUTS:
        raise ValueError(f"no correction-only input {name!r}")
    column = {n: x[:, k] for k, n in enumerate(names)}
    none = (column["log_rare_shared_people"] == 0.0) & (column["log_rare_shared_places"] == 0.0)
    if name.startswith("weeks_apart_"):
        # log_gap is 0 when the gap is unknown: never more than a week then.
        weeks = (column["log_gap"] > math.log1p(NEAR_DAYS)) & (column["far_apart"] == 0.0)
        if name == "weeks_apart_no_place_any":
            none &= column["shared_place_any"] == 0.0
        return (weeks & none).astype(np.float64)
    far = column["far_apart"] * none
    if name == "far_apart_no_person_place":
        return far
    return far * (column["log_gap"] - math.log1p(FAR_APART_DAYS))


def short_columns(x: np.ndarray, names: Sequence[str], inputs: Sequence[str]) -> np.ndarray:
    """The rows ``x`` (2-D, columns ``names``) read as ``inputs``: a column of ``x`` or
    a correction-only input (:func:`short_only`), one column each."""
    columns = [
        x[:, list(names).index(n)] if n in names else short_only(x, names, n) for n in inputs
    ]
    return np.column_stack(columns) if columns else np.zeros((len(x), 0))


def latest_year_gap(a: DocFeatures, b: DocFeatures) -> float:
    """The gap between the latest years the two texts name, ``min(|a - b|, 5) / 5``
    (:func:`samestory.conflicts.year_gap`, the story model's ``year_gap`` cue, the same
    value): 0 when both texts have a publication date or either names no year. The
    thread model reads it only for a pair whose gap in days is unknown (neither its own
    dates nor its stories', :func:`borrowed_gaps`, give one; :func:`with_gap` sets it to
    0): read beside a known gap, as for texts dated by their datelines, it only moved
    MEANTIME under CV (docs/history/accuracy.md).

    What it separates: two events of one kind years apart whose reports carry no
    publication date, which the gap inputs read as "gap unknown" (ECB+ 7a / 7b, a
    boxer's title defences of 2008 and 2012: the 2008 reports name 2001-2006 at the
    latest, the 2012 ones 2012)."""
    return conflicts.year_gap(
        a.latest_year, b.latest_year, both_published=_published(a) and _published(b)
    )


def _published(f: DocFeatures) -> bool:
    """Whether ``f`` has a publication date (given with the article, not read from its
    text), as :mod:`samestory.relate` reads it."""
    return f.date is not None and not f.date_from_text


# What thread_features reads of a pair's shared names and numbers: the shared names in
# sorted order, their specificities (_specificity) in that order, and how many shared
# numbers are long (_is_long_number).
PairInputs = tuple[list[str], list[float], int]


def long_numbers_of(numbers: frozenset[str]) -> frozenset[str]:
    """The numbers of a text that :func:`_is_long_number` counts (read once per article:
    ``|long(A) ∩ B|`` is the count of long numbers in ``A ∩ B``)."""
    return frozenset(x for x in numbers if _is_long_number(x))


def with_gap(x: Sequence[float], gap: int) -> tuple[float, ...]:
    """:func:`thread_features` ``x`` of a pair as if its date gap were ``gap`` days: the
    gap inputs, whether it is far apart with only places shared (read from the counts
    ``x`` holds: every shared rare name is a place when the two counts are equal and not
    0), and no latest-year gap (read only when the gap is unknown); the other inputs do
    not read the gap."""
    offset = len(x) - len(EXTRA_FEATURES) - len(STORED_SHORT_INPUTS)
    start = offset + EXTRA_FEATURES.index("log_gap")
    far = gap > FAR_APART_DAYS
    days = (math.log1p(gap), 1.0 if far else 0.0, 0.0)
    out = [*x[:start], *days, *x[start + len(days) :]]
    rare = x[offset + EXTRA_FEATURES.index("log_rare_shared_names")]
    places = x[offset + EXTRA_FEATURES.index("log_rare_shared_places")]
    only = offset + EXTRA_FEATURES.index("far_apart_places_only")
    out[only] = 1.0 if far and places > 0.0 and places == rare else 0.0
    out[offset + EXTRA_FEATURES.index("latest_year_gap")] = 0.0  # read only with no gap
    return tuple(out)


def borrowed_gaps(
    pairs: Sequence[tuple[int, int]],
    gaps: Sequence[int | None],
    story_of: Mapping[int, int] | Sequence[int],
) -> list[int | None]:
    """The date gap each pair is threaded with: its own, or, when one of its texts is
    undated, its two stories' gap, the (lower) median of the known gaps of the pairs
    between the same two stories (None if they have none, or for a pair of one story).

    An undated version is as far from the other story as its own story is: otherwise an
    undated rewrite of a story reads as written the same week as every other report
    naming the same people (the seeds: two undated versions of an October briefing
    scored 0.70 and 0.76 with an August report, the dated version 0.31)."""
    known: dict[tuple[int, int], list[int]] = {}
    for (i, j), gap in zip(pairs, gaps, strict=True):
        if gap is not None and story_of[i] != story_of[j]:
            known.setdefault(_story_pair(i, j, story_of), []).append(gap)
    middle = {key: sorted(values)[(len(values) - 1) // 2] for key, values in known.items()}
    return [
        gap
        if gap is not None or story_of[i] == story_of[j]
        else middle.get(_story_pair(i, j, story_of))
        for (i, j), gap in zip(pairs, gaps, strict=True)
    ]


def _story_pair(i: int, j: int, story_of: Mapping[int, int] | Sequence[int]) -> tuple[int, int]:
    return (min(story_of[i], story_of[j]), max(story_of[i], story_of[j]))


def _specificity(name: str, a: DocFeatures, b: DocFeatures) -> float:
    """A shared name's specificity; for two languages, the mean under each one's word
    frequencies (reading ``a``'s alone made a pair's features depend on its order)."""
    value = lexical.specificity(name, a.lang)
    if a.lang == b.lang:
        return value
    return 0.5 * (value + lexical.specificity(name, b.lang))


def _is_long_number(number: str) -> bool:
    """Three or more digits, not a year: a street number, a sum, a case number."""
    digits = number.replace(".", "")
    return len(digits) >= 3 and not (len(digits) == 4 and digits[:2] in ("19", "20"))


def thread_probability(x: Sequence[float], model: ThreadModel = MODEL) -> float:
    """``P(same incident) = 1 / (1 + exp(-(b + w·x + Σ_t leaf_t(x))))`` of
    :func:`thread_features` ``x`` (see :class:`ThreadModel`)."""
    row = np.asarray(x, dtype=np.float64)
    _check_width(len(row), model)
    node = model.roots
    for _ in range(model.depth):
        node = model.left[node] + (row[model.feature[node]] > model.split[node])
    terms = [*(model.weights * row).tolist(), *model.value[node].tolist()]
    if model.short_words >= 0:
        inputs = short_columns(row[None, :], model.names, model.short_names)[0]
        products = (model.short_weights * inputs).tolist()
        terms += _short_terms(_shortness(float(row[model.short_words])), products, model)
    return _logistic(model.baseline + math.fsum(terms))


def _short_terms(u: float, products: list[float], model: ThreadModel) -> list[float]:
    """The short-text correction's terms of one row: ``u · c`` and each ``u · s_k x_k``
    (``products``: the ``s_k x_k``; ``u`` the shorter text's shortness)."""
    if u == 0.0:
        return []
    return [u * model.short_bias, *(u * v for v in products)]


def _shortness(log_shorter_words: float) -> float:
    """:func:`samestory.relate.shortness` of the shorter text's words, from the input
    ``log(1 + words) / 7`` (the round trip gives the words back exactly)."""
    return _shortness_of(round(math.expm1(7.0 * log_shorter_words)))


@functools.lru_cache(maxsize=4096)
def _shortness_of(words: int) -> float:
    from samestory import relate  # relate imports this module

    return relate.shortness(words)


def _logistic(logit: float) -> float:
    """``1 / (1 + exp(-logit))``, the log-odds clipped to ±60 (no overflow)."""
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, logit))))


def _check_width(width: int, model: ThreadModel) -> None:
    if width != len(model.names):
        raise ValueError(
            f"{width} thread features, the model reads {len(model.names)}: "
            "refit it with scripts/fit_thread_model.py"
        )


def thread_probabilities(
    rows: Sequence[Sequence[float]] | np.ndarray, model: ThreadModel = MODEL
) -> list[float]:
    """``[thread_probability(x, model) for x in rows]``, bit for bit: every row walks the
    trees at once (one NumPy step per level for all the rows), then each row's log-odds is
    the same exactly rounded sum (``math.fsum``) of the same terms."""
    if len(rows) == 0:  # a sequence of rows or a matrix
        return []
    x = np.asarray(rows, dtype=np.float64)
    _check_width(x.shape[-1] if x.ndim == 2 else -1, model)
    row = np.arange(len(x))[:, None]
    node = np.broadcast_to(model.roots, (len(x), len(model.roots)))
    for _ in range(model.depth):
        node = model.left[node] + (x[row, model.feature[node]] > model.split[node])
    out = []
    short = model.short_words >= 0
    # The correction's products and each row's shortness, computed once for all the rows.
    inputs = short_columns(x, model.names, model.short_names) if short else None
    products = (inputs * model.short_weights).tolist() if inputs is not None else []
    u = [_shortness(v) for v in x[:, model.short_words].tolist()] if short else []
    for k, (linear, leaves) in enumerate(
        zip((x * model.weights).tolist(), model.value[node].tolist(), strict=True)
    ):
        terms = [*linear, *leaves]
        if short:
            terms += _short_terms(u[k], products[k], model)
        out.append(_logistic(model.baseline + math.fsum(terms)))
    return out


def thread_groups(
    n: int,
    edges: Sequence[tuple[int, int, float]],
    story_of: Sequence[int],
    threshold: float = THREAD_THRESHOLD,
) -> list[list[int]]:
    """Threads of ``n`` items given thread-probability ``edges`` and each item's story.

    Each story is one unit (its members never split) that weighs as many items as it
    has: the linkage of two threads ``X``, ``Y`` is ``Σ p(x, y) / (|X| |Y|)`` over their
    items' cross pairs, unscored pairs counting 0 (:func:`samestory.stories.average_link`
    with ``sizes``); merged while it is at least ``threshold``, then a thread joins one
    ``ATTACH_SIZE_RATIO`` times as many items at ``threshold / 2``. (Collapsing each
    story to one item, its linkage the mean of its scored pairs, let one strong pair
    between a large story and a later article stand for the whole story: GVA dev thread
    ARI 0.782 -> 0.794 weighted, ECB+ 0.914 -> 0.919, MEANTIME 0.978 both, static
    encoder, same model.) Returns groups of item indices.
    """
    units = sorted(set(story_of))
    unit = {s: k for k, s in enumerate(units)}
    sizes = [0] * len(units)
    for s in story_of:
        sizes[unit[s]] += 1
    best: dict[tuple[int, int], float] = {}
    for i, j, p in edges:  # a pair listed twice keeps its highest probability
        if story_of[i] != story_of[j]:
            key = (min(i, j), max(i, j))
            best[key] = max(p, best.get(key, p))
    totals: dict[tuple[int, int], float] = {}
    for (i, j), p in best.items():
        key = (min(unit[story_of[i]], unit[story_of[j]]), max(unit[story_of[i]], unit[story_of[j]]))
        totals[key] = totals.get(key, 0.0) + p
    # Imported here: `samestory compare` scores one pair's thread inputs through this
    # module and never groups (the grouping module is ~10 ms of its start-up).
    from samestory.stories import average_link

    grouped = average_link(
        len(units), [(x, y, t) for (x, y), t in totals.items()], threshold, threshold / 2, sizes
    )
    items: list[list[int]] = [[] for _ in units]
    for i, s in enumerate(story_of):
        items[unit[s]].append(i)
    return sorted(
        (sorted(i for x in group for i in items[x]) for group in grouped), key=lambda g: g[0]
    )


def first_story_key(story_id: str, first_date: Any) -> tuple[bool, Any, str]:
    """Sort key of a thread's stories; its least is the thread's first story, whose id
    names the thread: the earliest first version (a date, or an ISO date string in the
    store), undated last, then story id. Dates are compared only with dates (the flag
    comes first), so the undated stories' placeholder never meets one."""
    return (first_date is None, "" if first_date is None else first_date, story_id)
