"""The ages a report states (samestory.ages): compare's cue that two reports of one kind
of event are about different people."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from samestory import ages
from samestory.features import featurize
from samestory.models import Article

JACKSON = (
    "San Diego Chargers wide receiver Vincent Jackson, 25, was arrested on suspicion of "
    "drunken driving early Tuesday.\nJackson was pulled over after midnight.\n"
    "The Chargers said they were aware of the arrest."
)
WILLIAMS = (
    "San Diego Chargers defensive tackle Jamal Williams, 32, was arrested on suspicion of "
    "drunken driving early Sunday.\nWilliams was pulled over after midnight.\n"
    "The Chargers said they were aware of the arrest."
)


def test_the_forms_of_an_age_are_read_and_other_numbers_are_not():
    assert ages.stated_ages(("Vincent Jackson, 25, was arrested.",)) == {25}
    assert ages.stated_ages(("Jamal Williams (32) was arrested.",)) == {32}
    assert ages.stated_ages(("The 33-year-old actress and a man aged 40.",)) == {33, 40}
    assert ages.stated_ages(("He is 61 years old.",)) == {61}
    assert ages.stated_ages(("Un 25enne è stato arrestato.", "Een 19-jarige man.")) == {25, 19}
    # Versions, counts, years and dates are no ages.
    assert ages.stated_ages(("Internet Explorer 6, 7 and 8 are affected.",)) == frozenset()
    assert ages.stated_ages(("On Dec. 9, 2008, 300 people left.",)) == frozenset()
    assert ages.stated_ages(("Boeing, 777, was unveiled.",)) == frozenset()


def test_two_arrests_of_one_team_disagree_and_two_reports_of_one_agree():
    fj, fw, fj2, short = featurize(
        [
            Article(id="j", text=JACKSON),
            Article(id="w", text=WILLIAMS),
            Article(id="j2", text=JACKSON.replace("early Tuesday", "on Tuesday morning")),
            Article(id="s", text="Chargers player arrested."),
        ]
    )
    assert ages.ages_of(fj) == {25} and ages.ages_of(fw) == {32}
    assert ages.age_agreement(fj, fw) == -1.0
    assert ages.age_agreement(fj, fj2) == 1.0
    # No age stated on one side is no evidence.
    assert ages.age_agreement(fj, short) == 0.0


@given(
    st.frozensets(st.integers(1, 110), max_size=5),
    st.frozensets(st.integers(1, 110), max_size=5),
)
def test_the_agreement_is_symmetric_signed_and_zero_without_evidence(
    x: frozenset[int], y: frozenset[int]
):
    v = ages.agreement_of(x, y)
    assert -1.0 <= v <= 1.0
    assert v == ages.agreement_of(y, x)
    if x and y:
        assert (v == 1.0) == (x <= y or y <= x)
        assert (v == -1.0) == (not x & y)
    else:
        assert v == 0.0
