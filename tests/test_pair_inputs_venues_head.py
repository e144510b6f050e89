"""scripts/pair_inputs_venues_head.py: the venue input with its head read inside the name
run or right after it, +1 / -1 / 0, and the values R5s-wc screened
(scripts/pair_inputs_venues_local.py) where no head is two words on."""

from __future__ import annotations

from pathlib import Path
from runpy import run_path

from samestory.features import featurize
from samestory.models import Article

_SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
_HEAD = run_path(str(_SCRIPTS / "pair_inputs_venues_head.py"))
local_venue_agreement = _HEAD["local_venue_agreement"]
local_venues = _HEAD["local_venues"]

LOUNGE = Article(
    id="a", text="Two men were shot outside the Lucky Star lounge on Penn Avenue on Sunday."
)
LOUNGE_AGAIN = Article(
    id="b", text="Police said the gunman fled after the shooting at Lucky Star early Sunday."
)
OTHER_BAR = Article(
    id="c", text="A woman was wounded at the Blue Moon lounge on Saturday night, police said."
)
NO_PLACE = Article(id="d", text="The suspect was arrested on Monday and charged with murder.")
CHURCH = Article(id="e", text="A fire broke out at St. Mark's Church on Friday evening.")
CHURCH_AGAIN = Article(id="f", text="Worshippers at St. Mark's Church gathered again on Sunday.")
STORE = Article(id="g", text="Crowds queued at the Apple Store on Fifth Avenue for the phone.")


def _agreement(a: Article, b: Article) -> float:
    fa, fb = featurize([a, b])
    return local_venue_agreement(fa, fb)


def test_a_venue_the_other_names_agrees_and_two_different_venues_disagree():
    assert _agreement(LOUNGE, LOUNGE_AGAIN) == 1.0  # named unmarked by the other
    assert _agreement(LOUNGE_AGAIN, LOUNGE) == 1.0
    assert _agreement(LOUNGE, OTHER_BAR) == -1.0
    assert _agreement(LOUNGE, NO_PLACE) == 0.0  # no evidence: the pair model's base


def test_churches_and_a_business_s_premises_are_no_local_venue():
    assert _agreement(CHURCH, CHURCH_AGAIN) == 0.0
    (store,) = featurize([STORE])
    assert "apple" not in local_venues(store) and "fifth" in local_venues(store)


def _venues(text: str) -> frozenset[str]:
    (f,) = featurize([Article(id="v", text=text)])
    return local_venues(f)


def test_a_head_right_after_the_name_or_inside_it_makes_a_venue():
    assert "lucky" in _venues("Two men were shot outside the Lucky Star lounge on Sunday.")
    assert "penn" in _venues("Two men were shot on Penn Avenue on Sunday.")


def test_a_head_across_a_comma_or_starting_a_name_of_its_own_makes_no_venue():
    """The false link of the 14:26 gate: "DUI" read as a venue through "Highway" two words
    on, across a comma, where it starts the name "Highway Patrol"."""
    text = "Jackson had a previous DUI arrest, Highway Patrol Officer Brad Bae said on Friday."
    assert "dui" not in _venues(text)
    assert "dui" not in _venues("Jackson had a DUI, Highway Patrol said on Friday.")


def test_a_name_after_an_indefinite_article_is_a_kind_of_place_not_a_named_one():
    """ "a Queens street" (11:22): a street of a borough; "the Queens street" it is not
    either, but "the Lucky Star lounge" is a named place."""
    text = "A grandmother crossing a Queens street to attend a service was killed on Friday."
    assert "queens" not in _venues(text)
    assert "ohio" not in _venues("He was stopped on an Ohio highway late on Friday.")
    assert "ohio" not in _venues("An Ohio highway was closed on Friday.")


def test_the_mended_reading_keeps_the_screened_values_where_no_head_is_two_words_on():
    """Where the head is the last word or the word right after (no comma, no article),
    the values are R5s-wc's as screened (scripts/pair_inputs_venues_local.py)."""
    screened = run_path(str(_SCRIPTS / "pair_inputs_venues_local.py"))["local_venue_agreement"]
    texts = [LOUNGE, LOUNGE_AGAIN, OTHER_BAR, NO_PLACE, CHURCH, STORE]
    features = featurize(texts)
    values = [local_venue_agreement(a, b) for a in features for b in features if a is not b]
    assert values == [screened(a, b) for a in features for b in features if a is not b]
    assert {-1.0, 0.0, 1.0} <= set(values)
    # "Worshippers at St. Mark's": the screened reading took "St" two words on as a street
    (again,) = featurize([CHURCH_AGAIN])
    assert local_venues(again) == frozenset() and screened(features[0], again) == -1.0
    dui = [Article(id="x", text="A DUI arrest, Highway Patrol said."), NO_PLACE]
    fx, fy = featurize(dui)
    other = featurize([Article(id="y", text="Officers made a DUI arrest on Friday.")])[0]
    assert screened(fx, other) == 1.0 and local_venue_agreement(fx, other) == 0.0
    assert fy.id == "d"
