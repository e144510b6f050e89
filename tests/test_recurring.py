"""The recurring names one report lacks (samestory.recurring): the cue that tells two
events of one kind apart by who they happened to."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from samestory import recurring
from samestory.features import featurize
from samestory.models import Article

BOUT_A = (
    "Wladimir Klitschko stopped Hasim Rahman in the seventh round on Saturday.\n"
    "Rahman was floored once in the sixth round.\n"
    "The referee waved it off as Rahman stood against the ropes.\n"
    "Klitschko kept his titles."
)
BOUT_B = (
    "Wladimir Klitschko stopped Tony Thompson in the sixth round on Saturday.\n"
    "Thompson was floored twice before the end.\n"
    "The referee stopped it with Thompson on his knees.\n"
    "Klitschko kept his titles."
)


def test_recurring_names_are_those_of_three_sentences_or_more():
    (fa,) = featurize([Article(id="a", text=BOUT_A)])
    assert recurring.recurring_names(tuple(fa.sentences)) == {"rahman": 3}


def test_the_recurring_names_one_text_lacks_tell_two_bouts_apart():
    fa, fb, fc = featurize(
        [
            Article(id="a", text=BOUT_A),
            Article(id="b", text=BOUT_B),
            Article(id="c", text=BOUT_A.replace("seventh", "7th")),
        ]
    )
    # Rahman (3 sentences) is all of a's recurring names and b never names him.
    assert recurring.recurring_names_unshared(fa, fb) == 1.0
    assert recurring.recurring_names_unshared(fb, fa) == 1.0
    assert recurring.recurring_names_unshared(fa, fc) == 0.0
    (short,) = featurize([Article(id="s", text="Klitschko wins again.")])
    assert recurring.recurring_names_unshared(short, short) == 0.0


_NAME_WORDS = ("Rahman", "Thompson", "Klitschko", "Jackson", "Williams", "Palin")


@given(
    st.lists(st.lists(st.sampled_from(_NAME_WORDS), max_size=4), max_size=8),
    st.sets(st.sampled_from([w.lower() for w in _NAME_WORDS])),
    st.sets(st.sampled_from([w.lower() for w in _NAME_WORDS])),
)
def test_the_unshared_share_is_a_share_that_falls_as_the_other_names_more(
    sentences: list[list[str]], names: set[str], more: set[str]
):
    text = tuple("The fight was seen by " + " and ".join(s) + " there." for s in sentences)
    names_of = recurring.recurring_names(text)
    share = recurring.unshared_share(text, names)
    assert 0.0 <= share <= 1.0
    assert recurring.unshared_share(text, names | more) <= share
    assert recurring.unshared_share(text, set(names_of)) == 0.0
    assert recurring.unshared_share(text, set()) == (1.0 if names_of else 0.0)
