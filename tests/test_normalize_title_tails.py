"""A text's first line read as a page title: an outlet's name and tagline after a
separator are no part of the story (normalize.title_line, applied by clean_text)."""

from __future__ import annotations

import pytest

from samestory import normalize, switches
from samestory.features import text_features
from samestory.models import Article


@pytest.mark.parametrize(
    ("line", "head"),
    [
        (
            "Man guilty of manslaughter in teen's shooting death - KSLA News 12 Shreveport, "
            "Louisiana News Weather & Sports",
            "Man guilty of manslaughter in teen's shooting death",
        ),
        (
            "Teen dead, another injured following house party shooting - WMC Action News 5 - "
            "Memphis, Tennessee",
            "Teen dead, another injured following house party shooting",
        ),
        (
            "UPDATE: Teen shot in Chattanooga - WRCBtv.com | Chattanooga News, Weather & Sports",
            "UPDATE: Teen shot in Chattanooga",
        ),
        (
            "Six shot outside nightclub - NewsOn6.com - Tulsa, OK - KOTV.com |",
            "Six shot outside nightclub",
        ),
        ("Police: 2 teens shot in the head | Share", "Police: 2 teens shot in the head"),
    ],
)
def test_an_outlets_tail_goes(line: str, head: str) -> None:
    assert normalize.title_line(line) == head


@pytest.mark.parametrize(
    "line",
    [
        # a dateline's place before the story's first sentence
        "Mannheim, Germany - Wladimir Klitschko retained three heavyweight title belts",
        # a subtitle with running words
        "AMD to acquire microserver vendor SeaMicro - - a user of Intel chips",
        # title case: no running word to tell the headline from a tagline
        "AMD Acquires SeaMicro – Big Bet on Architectural Shift for Servers",
        # dates and times, names before a caption
        "Updated: Apr 19, 2016 - 12:30 PM",
        "Date – March 23rd, 2016",
        "Published: Saturday, 2/21/2015 - Updated: 2 months ago",
        "George Coty Wayman - Clay County Sheriff's Office booking photo",
        # a tweet's credit holding its date
        "Shooting at a restaurant, 3 shot — Tracy Clemons (@TracyABC13) November 23, 2016",
        # a credit inside a caption's brackets
        "An ambulance is parked outside a house (Eileen Joyce - Daily Record/Sunday News)",
        # a sentence, not a title
        "CLEVELAND - Cleveland police are searching for information about a shooting.",
        # no separator
        "Lindsay Lohan checks into Betty Ford Center",
    ],
)
def test_what_is_no_outlets_tail_stays(line: str) -> None:
    assert normalize.title_line(line) == line


def test_title_line_is_idempotent() -> None:
    line = "Teen shot in Memphis - WMC Action News 5 - Memphis, Tennessee"
    once = normalize.title_line(line)
    assert normalize.title_line(once) == once == "Teen shot in Memphis"


@pytest.fixture
def rule_t(monkeypatch: pytest.MonkeyPatch) -> None:
    """clean_text with rule T on (``switches.READ_TITLE_LINE``; off as shipped)."""
    monkeypatch.setattr(switches, "READ_TITLE_LINE", True)


def test_clean_text_keeps_the_first_line_whole_with_rule_t_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(switches, "READ_TITLE_LINE", False)
    line = "Teen shot in Memphis - WMC Action News 5 - Memphis, Tennessee"
    assert normalize.clean_text(line) == line


@pytest.mark.usefixtures("rule_t")
def test_clean_text_reads_only_the_first_line_as_a_title() -> None:
    text = (
        "Teen shot in Memphis - WMC Action News 5 - Memphis, Tennessee\n"
        "Police said the teen was shot - WMC Action News 5"
    )
    assert normalize.clean_text(text).split("\n") == [
        "Teen shot in Memphis",
        "Police said the teen was shot - WMC Action News 5",
    ]


@pytest.mark.usefixtures("rule_t")
def test_two_headlines_of_one_outlet_share_no_outlet_names() -> None:
    """A feed item whose text is its title: the outlet's name is not the item's name."""
    a = Article(id="a", text="Man shot on Line Avenue - KSLA News 12 Shreveport, Louisiana")
    b = Article(
        id="b", text="Woman hurt in Bossier City crash - KSLA News 12 Shreveport, Louisiana"
    )
    fa, fb = text_features(a), text_features(b)
    assert "ksla" not in fa.entities | fb.entities
    assert fa.entities & fb.entities == set()
    assert fa.sentences == ["Man shot on Line Avenue"]
