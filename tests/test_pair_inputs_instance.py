"""scripts/pair_inputs_instance.py: the instance cues screened for ``compare``'s pair model
say when two reports of one kind of event state another score or another version."""

from __future__ import annotations

from conftest import script_module

from samestory.features import featurize
from samestory.models import Article

INPUTS = script_module("pair_inputs_instance.py")["INPUTS"]

JAGUARS = (
    "Colts clinch playoff berth with 31-24 victory against Jaguars.\n"
    "Keiwan Ratliff scored on a 35-yard interception return to give Indianapolis the win."
)
JAGUARS_AGAIN = (
    "Indianapolis beat Jacksonville 31-24 to clinch a playoff spot.\n"
    "The Colts trailed 14-0 before Ratliff's interception return."
)
CHIEFS = (
    "Colts beat Chiefs 20-13 to clinch playoff berth.\n"
    "Andrew Luck led another game-winning drive for Indianapolis."
)
IE7 = (
    "Microsoft issues emergency patch for IE 7.\n"
    "The flaw in Internet Explorer 7 let attackers take over computers."
)
IE11 = (
    "Microsoft rushes out a fix for Internet Explorer.\n"
    "The flaw affects every version of the browser, including IE11 on Windows 8.1."
)
IE7_AGAIN = "Microsoft said the IE 7 patch closes the hole attackers used last week."


def _cue(name: str, a: str, b: str) -> float:
    fa, fb = featurize([Article(id="a", text=a), Article(id="b", text=b)])
    return float(INPUTS[name](fa, fb))


def test_two_games_with_different_scores_conflict_and_one_game_does_not():
    assert _cue("scores_conflict", JAGUARS, CHIEFS) == 1.0
    assert _cue("scores_conflict", JAGUARS, JAGUARS_AGAIN) == 0.0
    assert _cue("scores_conflict", JAGUARS, IE7) == 0.0  # one text states no score


def test_a_name_numbered_differently_conflicts_and_the_same_number_does_not():
    assert _cue("version_conflict", IE7, IE11) == 1.0
    assert _cue("version_conflict", IE7, IE7_AGAIN) == 0.0
    assert _cue("version_conflict", JAGUARS, CHIEFS) == 0.0  # no name numbered in both


def test_dates_times_and_years_are_not_versions():
    dated = "Published on Jul 7 2012 at 5:55 pm.\nThe meeting starts at Noon 12:30 today."
    other = "Published on Jul 9 2012.\nThe meeting started at Noon 3:15 yesterday."
    assert _cue("version_conflict", dated, other) == 0.0
    assert _cue("scores_conflict", dated, other) == 0.0
