"""Text normalisation and event cues."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samestory import normalize, switches


def test_sentences_respect_abbreviations_and_quotes():
    text = 'Mr. Smith met Dr. Jones in the U.S. capital. He said "we agree." Then he left.'
    assert normalize.split_sentences(text) == [
        "Mr. Smith met Dr. Jones in the U.S. capital.",
        'He said "we agree."',
        "Then he left.",
    ]


def test_cjk_sentences_split_without_spaces():
    assert normalize.split_sentences("我们走了。他来了！") == ["我们走了。", "他来了！"]


def test_boilerplate_lines_are_dropped():
    cleaned = normalize.clean_text("Story line one.\nREAD MORE:\nYou can share this story.\nEnd.")
    assert cleaned == "Story line one.\nEnd."


def test_fingerprint_ignores_case_spacing_and_punctuation():
    assert normalize.fingerprint("Hello,  World!") == normalize.fingerprint("hello world")
    assert normalize.fingerprint("Hello world") != normalize.fingerprint("Hello word")


def test_entities_numbers_and_quotes():
    text = 'Vladimir Putin met Steve Witkoff for 3 hours; "useful and constructive talks" it was.'
    assert {"vladimir", "putin", "steve", "witkoff"} <= normalize.entities(text)
    assert "3" in normalize.numbers("met for 3 hours") and "1000" in normalize.numbers("1,000 men")
    assert normalize.quotes(text) == ["useful and constructive talks"]


def test_dates_in_several_forms():
    assert normalize.dates("On 2025-10-23 and 6 August 2025 and Aug. 7, 2025") == [
        dt.date(2025, 10, 23),
        dt.date(2025, 8, 6),
        dt.date(2025, 8, 7),
    ]
    assert normalize.first_date("no dates here") is None


@given(st.text(max_size=300))
def test_sentences_never_lose_words(text):
    cleaned = normalize.clean_text(text)
    joined = " ".join(normalize.split_sentences(cleaned, min_chars=0))
    kept = normalize.words(joined)
    # Every word of a kept sentence came from the text, in order.
    assert kept == [w for w in normalize.words(cleaned) if w in set(kept)][: len(kept)] or not kept


def test_dates_in_other_languages_and_datelines_in_text_order():
    assert normalize.dates("15 de octubre del 2007; 27 de marzo de 2008") == [
        dt.date(2007, 10, 15),
        dt.date(2008, 3, 27),
    ]
    assert normalize.dates("am 6. August 2025, le 1er mars 2025, 7 de julho de 2024") == [
        dt.date(2025, 8, 6),
        dt.date(2025, 3, 1),
        dt.date(2024, 7, 7),
    ]
    # Datelines with a two-digit year, before an ISO date later in the text.
    assert normalize.dates("24-May-08 Boeing ... 1997-01-02, 3-Jan-97") == [
        dt.date(2008, 5, 24),
        dt.date(1997, 1, 2),
        dt.date(1997, 1, 3),
    ]
    assert normalize.dates("Version 2. May be later") == []  # no year: no date


def test_navigation_and_sharing_lines_are_dropped():
    text = (
        "Home | World | Business | Tech\nSkip to main content\nThe quake struck at dawn.\n"
        "Share on Facebook | Share on Twitter | Email\nMenu  Search  Sign in\n"
        "Prices rose 3% in Paris / Berlin / Rome, officials said."
    )
    assert normalize.clean_text(text) == (
        "The quake struck at dawn.\nPrices rose 3% in Paris / Berlin / Rome, officials said."
    )


# Issue 13: an outlet's marks, the same on all of its pages, are not story content.


def test_credits_and_captions_yield_no_names_but_the_sentence_stays():
    line = (
        "One person was shot at the County Market grocery in Shreveport early Sunday. "
        "(Source: KSLA News 12)"
    )
    cleaned = normalize.clean_text(line)
    assert cleaned.endswith("early Sunday.")
    assert "ksla" not in normalize.entities(cleaned) and "shreveport" in normalize.entities(cleaned)
    caption = "Tyshawn Lee, 9, was shot in an alley. View Full Caption DNAinfo/Alex Nitkin"
    assert normalize.clean_text(caption) == "Tyshawn Lee, 9, was shot in an alley."
    assert normalize.clean_text("A girl, 3, was hit by a bullet. Credit: KMOV") == (
        "A girl, 3, was hit by a bullet."
    )
    caption = "Police close off a scene. (Photo: KATHLEEN GALLIGAN, Detroit Free Press)Buy Photo"
    assert normalize.clean_text(caption) == "Police close off a scene."


def test_dateline_outlet_tags_go_and_the_place_stays():
    assert normalize.clean_text("DETROIT (WXYZ) - Five people were shot.") == (
        "DETROIT - Five people were shot."
    )
    assert normalize.clean_text("FORT WAYNE, Ind. (WANE) A man was hurt.") == (
        "FORT WAYNE, Ind. A man was hurt."
    )
    assert normalize.clean_text("WASHINGTON (Reuters) - The Senate voted.") == (
        "WASHINGTON - The Senate voted."
    )
    # An abbreviation's expansion is not an outlet's tag.
    text = "EMET (Enhanced Mitigation Experience Toolkit) is a tool for IT staff."
    assert normalize.clean_text(text) == text


def test_share_widgets_bylines_and_outlet_promos_are_dropped():
    text = (
        "Police said the man, 30, died at the scene.\n"
        "Twitter\nPinterest\nCopy Link Copy\nAssociated Press\nBy SADIE GURMAN\n"
        "Stay Up To Date, Follow KDKA On Twitter\n"
        "Join The Conversation On The KDKA Facebook Page\n"
        "Stay with Fox 8 and Fox8.com for updates. The Associated Press contributed to "
        "this report.\njdickson@detroitnews.com\n"
        "Facebook admits blocking news posts from users in Australia"
    )
    assert normalize.clean_text(text) == (
        "Police said the man, 30, died at the scene.\n"
        "Facebook admits blocking news posts from users in Australia"
    )


def test_headline_without_the_site_name():
    title = "Man shot on Ketchum Road - WMC Action News 5 - Memphis, Tennessee"
    assert normalize.headline(title) == "Man shot on Ketchum Road"
    title = "Teen shot | KSLA News 12 Shreveport, Louisiana News Weather & Sports"
    assert normalize.headline(title) == "Teen shot"
    assert normalize.headline("Four Hurt In Park Shooting « CBS Chicago") == (
        "Four Hurt In Park Shooting"
    )
    assert normalize.headline("Obama: we will act now") == "Obama: we will act now"


def test_labels_and_time_zones_are_not_names():
    text = "Posted: Wednesday, June 24, 2015 4:51 PM EDT Updated: Monday. Police: Teen shot"
    assert normalize.entities(text) == {"teen"}
    assert normalize.entities("Vladimir Putin: talks go on") == {"vladimir", "putin"}


def test_a_headline_alone_is_not_taken_for_page_furniture():
    """A short title-case line is dropped as a label beside running text, but a text
    that is only such a line (a headline, a one-word item) keeps it."""
    assert normalize.clean_text("Earthquake Hits Chile") == "Earthquake Hits Chile"
    assert normalize.clean_text("Earthquake") == "Earthquake"
    story = "Associated Press\nA strong earthquake hit central Chile on Monday."
    assert normalize.clean_text(story) == "A strong earthquake hit central Chile on Monday."


# The sentence-end pattern before 2026-12-03 afternoon; normalize._SENT_END is the same
# alternatives reordered behind a space lookahead, for speed: it must split alike.
_OLD_SENT_END = re.compile(
    r"(?:(?<=[.!?…])|(?<=[.!?…][\"'”’»)\]])|(?<=[.!?…][\"'”’»)\]]{2}))\s+(?=\S)"
    r"|(?<=[。！？])|\n+"
)
_SENTENCE_ALPHABET = st.sampled_from([*"ab Z.!?…\"'”’»)]。！？\n\t\u00a0\u3000", "Mr."])


@given(st.lists(_SENTENCE_ALPHABET, max_size=40).map("".join))
def test_sentence_end_splits_as_the_old_pattern(text):
    assert normalize._SENT_END.split(text) == _OLD_SENT_END.split(text)


def test_sentence_end_cases():
    for text in [
        "Hi.\nThere",
        "终于。\n好！ 是？x",
        "He said “no.”  Then",
        "A.\u3000B",
        "x\n\n y。",
    ]:
        assert normalize._SENT_END.split(text) == _OLD_SENT_END.split(text)
    assert normalize.split_sentences("Done。\nNext line! “Quoted.” End") == [
        "Done。",
        "Next line!",
        "“Quoted.”",
        "End",
    ]


def test_date_start_holds_every_first_character_of_a_date():
    """``_TEXT_DATE``'s lookahead (``_DATE_START``) admits every character that can
    begin one of its matches: a digit or, case-insensitively, a month's initial."""
    initials = re.compile(
        "[" + "".join(sorted({m[0] for m in normalize._MONTHS})) + "]", re.IGNORECASE
    )
    start = re.compile(normalize._DATE_START, re.IGNORECASE)
    for code in range(0x110000):
        char = chr(code)
        if initials.fullmatch(char) or char in "0123456789":
            assert start.fullmatch(char), repr(char)


_OLD_TEXT_DATE = re.compile(
    normalize._TEXT_DATE.pattern.replace(rf"\b(?={normalize._DATE_START})", r"\b", 1),
    re.IGNORECASE,
)
_DATE_PIECES = "6 |12|31|2025|-|, |. |de |del |August|aug|ſept|MAY|mars |1er |01-Mar-08|Oct. "
_DATE_PIECES += "|x| |born |é"
_DATE_ALPHABET = st.sampled_from([*_DATE_PIECES.split("|"), "\n"])


@given(st.lists(_DATE_ALPHABET, max_size=20).map("".join))
def test_text_date_matches_as_without_the_lookahead(text):
    def found(pattern):
        return [(m.span(), m.groups()) for m in pattern.finditer(text)]

    assert _OLD_TEXT_DATE.pattern != normalize._TEXT_DATE.pattern
    assert found(normalize._TEXT_DATE) == found(_OLD_TEXT_DATE)


def test_sentences_run_on_past_abbreviations_a_reader_reads_on():
    """Where the dev sets were cut (benchmarks/sentence_cuts.py): a street or state
    abbreviation or an ellipsis before a lowercase word or a number, a number's period
    before a digit, a spaced web address; without the rule (``runs_on_in_line=False``)
    each of those places is cut."""
    text = (
        "Shots at the club on North Third Ave. in Mount Vernon. A man in Moore, Okla. was"
        " held... and released. A 6. 1-magnitude quake cost $5. 3 million, MyFoxHouston."
        " com reports."
    )
    assert normalize.split_sentences(text, runs_on_in_line=True) == [
        "Shots at the club on North Third Ave. in Mount Vernon.",
        "A man in Moore, Okla. was held... and released.",
        "A 6. 1-magnitude quake cost $5. 3 million, MyFoxHouston. com reports.",
    ]
    assert normalize.split_sentences(text, runs_on_in_line=False) == [
        "Shots at the club on North Third Ave.",
        "in Mount Vernon.",
        "A man in Moore, Okla.",
        "was held...",
        "and released.",
        "A 6.",
        "1-magnitude quake cost $5.",
        "3 million, MyFoxHouston.",
        "com reports.",
    ]


def test_sentences_still_end_where_the_next_one_starts_as_a_sentence():
    """Before a capital, after a year, after a word that is no abbreviation, and at a
    line break, the cut stays."""
    text = (
        "The office is in Santa Clara, Calif. Apart from that, nothing. It opened in 2012."
        " 15 people work there. It ships on July 1. iPhone 4 follows. Wait... Then go."
    )
    assert normalize.split_sentences(text, runs_on_in_line=True) == [
        "The office is in Santa Clara, Calif.",
        "Apart from that, nothing.",
        "It opened in 2012.",
        "15 people work there.",
        "It ships on July 1.",
        "iPhone 4 follows.",
        "Wait...",
        "Then go.",
    ]
    assert normalize.split_sentences(
        "Shot on Church Ave.\nin the morning", runs_on_in_line=True
    ) == [
        "Shot on Church Ave.",
        "in the morning",
    ]


# Tokens that each hold a letter or a digit, so every piece a split leaves holds a word
# and none is dropped: listed abbreviations, numbers, ellipses, sentence ends, names.
_SPLIT_TOKENS = [
    "Ave.", "Rd.", "Okla.", "Calif.", "Rev.", "Mt.", "Mr.", "K.", "6.", "1", "2012.",
    "15", "said...", "so…", "com", "MyFox.", "in", "the", "Word.", "word", "x!", "y?",
    "“Quoted.”", "(aside.)", "iPhone", "我们走了。",
]  # fmt: skip
_SPLIT_SPACES = [" ", " ", " ", "  ", "\n", "\n\n", " \n"]
_OPEN_BEFORE_LOWER_LISTED = ("Ave.", "Rd.", "Okla.", "Calif.", "...", "…")


@st.composite
def _split_texts(draw: st.DrawFn, spaces: list[str] = _SPLIT_SPACES) -> str:
    tokens = draw(st.lists(st.sampled_from(_SPLIT_TOKENS), max_size=14))
    gaps = draw(st.lists(st.sampled_from(spaces), min_size=len(tokens), max_size=len(tokens)))
    return "".join(t + g for t, g in zip(tokens, gaps, strict=True))


def _no_spaces(text: str) -> str:
    return "".join(text.split())


@given(_split_texts())
def test_sentences_keep_every_character(text):
    sentences = normalize.split_sentences(text, min_chars=0, runs_on_in_line=True)
    assert _no_spaces("".join(sentences)) == _no_spaces(text)


@given(_split_texts(spaces=[" ", "  "]))
def test_no_sentence_ends_in_a_listed_abbreviation_before_a_lowercase_word(text):
    sentences = normalize.split_sentences(text, min_chars=0, runs_on_in_line=True)
    for before, after in itertools.pairwise(sentences):
        runs_on = after[0].islower() or after[0].isdigit()
        assert not (before.endswith(_OPEN_BEFORE_LOWER_LISTED) and runs_on), (before, after)


@given(_split_texts())
def test_sentences_split_by_chunks_as_whole(text):
    """A line break always ends a piece: the rule reads inside a line, so cutting a text
    at the line ends no sentence spans (sentence_chunks) splits it the same."""
    chunks = normalize.sentence_chunks(text)
    for runs_on in (True, False):
        split_chunks = [
            s for c in chunks for s in normalize.split_sentences(c, runs_on_in_line=runs_on)
        ]
        assert split_chunks == normalize.split_sentences(text, runs_on_in_line=runs_on)


def _split_before_the_rule(text: str) -> list[str]:
    """main 1a7eb79's ``split_sentences`` (its loop, verbatim): what
    ``runs_on_in_line=False`` must give, the short variants' pinned splitter."""
    pieces: list[str] = []
    buffer = ""
    splitter = (
        normalize._SENT_END if normalize._CJK_END.search(text) else normalize._SENT_END_SPACED
    )
    for part in splitter.split(text):
        part = part.strip()
        if not part:
            continue
        buffer = f"{buffer} {part}" if buffer else part
        if normalize._ABBREV.search(buffer[-normalize._ABBREV_TAIL :]):
            continue
        pieces.append(buffer)
        buffer = ""
    if buffer:
        pieces.append(buffer)
    return [p for p in pieces if len(p) >= 3 and normalize._WORD.search(p)]


@given(_split_texts())
def test_without_the_run_on_rule_the_split_is_the_one_before_it(text):
    assert normalize.split_sentences(text, runs_on_in_line=False) == _split_before_the_rule(text)


def test_production_splits_as_the_switch_says(monkeypatch):
    """``runs_on_in_line=None`` (production's calls) reads ``switches.SPLIT_RUNS_ON_IN_LINE``
    at each call; it ships on (since its thread refit)."""
    text = "Shots on North Third Ave. in Mount Vernon. A second one."
    assert switches.SPLIT_RUNS_ON_IN_LINE is True
    assert normalize.split_sentences(text) == [
        "Shots on North Third Ave. in Mount Vernon.",
        "A second one.",
    ]
    monkeypatch.setattr(switches, "SPLIT_RUNS_ON_IN_LINE", False)
    assert normalize.split_sentences(text) == normalize.split_sentences(text, runs_on_in_line=False)
    assert normalize.split_sentences(text) == [
        "Shots on North Third Ave.",
        "in Mount Vernon.",
        "A second one.",
    ]


def test_the_store_records_the_run_on_rule_only_when_it_is_on(monkeypatch):
    """Off, a store's cleaning record is the one every store has kept since rule T; on, it
    differs, so a store split the other way is known (``store.cleaning.differs``)."""
    assert json.loads(switches.cleaning_rules())["split_runs_on_in_line"] is True  # as shipped
    monkeypatch.setattr(switches, "SPLIT_RUNS_ON_IN_LINE", False)
    monkeypatch.setattr(switches, "BOILERPLATE_BY_SENTENCE", False)  # recorded when on too
    off = switches.cleaning_rules()
    assert json.loads(off) == {"title_line": switches.READ_TITLE_LINE}
    monkeypatch.setattr(switches, "SPLIT_RUNS_ON_IN_LINE", True)
    on = switches.cleaning_rules()
    assert on != off
    assert json.loads(on) == {"title_line": switches.READ_TITLE_LINE, "split_runs_on_in_line": True}


def test_the_switch_set_where_it_lived_first_fails_loudly():
    """``normalize.SPLIT_RUNS_ON_IN_LINE`` (its home for the first merge) would otherwise
    be an attribute nothing reads."""
    with pytest.raises(switches.MovedSwitchError, match=r"switches\.SPLIT_RUNS_ON_IN_LINE"):
        normalize.SPLIT_RUNS_ON_IN_LINE = True


def test_switched_sets_a_switch_inside_its_block_only() -> None:
    """``switches.switched`` (the benchmarks' on/off comparisons) sets the switch inside
    the block, puts the shipped value back after it, also when the block raises, and
    fails on a name the module does not have."""
    shipped = switches.BOILERPLATE_BY_SENTENCE
    with switches.switched("BOILERPLATE_BY_SENTENCE", not shipped):
        assert switches.BOILERPLATE_BY_SENTENCE is (not shipped)
    assert switches.BOILERPLATE_BY_SENTENCE is shipped
    with pytest.raises(RuntimeError), switches.switched("BOILERPLATE_BY_SENTENCE", not shipped):
        raise RuntimeError
    assert switches.BOILERPLATE_BY_SENTENCE is shipped
    with pytest.raises(AttributeError), switches.switched("NO_SUCH_SWITCH", True):
        pass
