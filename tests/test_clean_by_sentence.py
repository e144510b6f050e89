"""Rule BS: a boilerplate marker drops the sentence that holds it, not more
(``switches.BOILERPLATE_BY_SENTENCE``, ``normalize.clean_text``).

Before it a line that starts with a marker of ``normalize._BOILERPLATE`` went whole
("Advertisement The woman, in her 20s, died ..."), a sentence with a call to action went
whole even when it was a real headline led by the marker as its label ("Crime Stoppers:
Police arrest mother of 3-year-old accidentally - WAFB 9 News ..." cleaned to no words),
and so did the news sentences a page glued to one without a space, or a wire sentence
citing its source's web address in brackets. These tests set the switch on; with it off
the cleaning is main's (one test says so on the same texts).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samestory import normalize, switches

WAFB = (
    "Crime Stoppers: Police arrest mother of 3-year-old accidentally - WAFB 9 News Baton "
    "Rouge, Louisiana News, Weather, Sports"
)
NEWS = (
    "The woman, in her 20s, died at the scene of the shooting near Rothenburg Court.",
    "The other five victims were taken to local hospitals.",
)


@pytest.fixture
def rule_bs(monkeypatch) -> Iterator[None]:
    """Rule BS on, the line cache cleared around it (it keys on the switch anyway)."""
    monkeypatch.setattr(switches, "BOILERPLATE_BY_SENTENCE", True)
    normalize._clean_line.cache_clear()
    yield
    normalize._clean_line.cache_clear()


def _kept(text: str) -> str:
    return " ".join(normalize.clean_text(text).split())


def test_the_wafb_headline_keeps_its_words(rule_bs):
    assert _kept(WAFB) == "Police arrest mother of 3-year-old accidentally"


def test_a_headline_is_kept_in_a_text_too(rule_bs):
    text = f"{WAFB}\nPolice arrested the mother on Monday. Anyone with information is asked"
    text += " to call Crime Stoppers at 344-7867."
    assert _kept(text) == (
        "Police arrest mother of 3-year-old accidentally Police arrested the mother on Monday."
    )


def test_a_paragraph_led_by_a_label_keeps_its_sentences(rule_bs):
    assert _kept("Advertisement " + " ".join(NEWS)) == " ".join(NEWS)


def test_a_paragraph_with_one_boilerplate_sentence_keeps_the_rest(rule_bs):
    paragraph = "Sign up for our newsletters today. " + " ".join(NEWS)
    assert _kept(paragraph) == " ".join(NEWS)
    glued = NEWS[0] + "Anyone with information is asked to call 555-867-5309." + NEWS[1]
    assert _kept(glued) == " ".join(NEWS)


def test_a_wire_sentence_loses_only_its_bracketed_address(rule_bs):
    sentence = (
        "The Seattle Times reports (http://is.gd/HlomDc ) that detectives are looking into "
        "the possibility the shooting was connected."
    )
    assert _kept(sentence) == sentence.replace(" (http://is.gd/HlomDc )", "")


def test_stay_marks_a_sentence_it_starts_only(rule_bs):
    kept = "He said he would stay with his uncle in Bayville."
    assert _kept(f"{kept} Stay with KDKA for the latest on this story.") == kept


def test_what_is_all_boilerplate_still_goes(rule_bs):
    for line in (
        "Advertisement",
        "Related Coverage Man shot and killed in a town of the valley",
        "RELATED: 4 found dead, shot inside Fairmont Terrace Apartments in south Tulsa",
        "Sign up for newsletters emailed to your inbox. Select from these options: Breaking "
        "News, Severe Weather, School Closings",
        "pnickeas@tribune.com | Twitter: @PeterNickeas",
        "advertisement | advertise on newsday",
        # A photo gallery's line goes whole: its captions repeat, the story follows.
        "Photo: Metro Video Image 1 of / 8 Caption Close Image 1 of 8 A child was shot at a "
        "residence. A child was shot at a residence. Photo: Metro Video Image 2 of 8",
    ):
        assert normalize.words(normalize.clean_text(line)) == [], line


def test_off_the_rule_cleans_as_before(monkeypatch):
    monkeypatch.setattr(switches, "BOILERPLATE_BY_SENTENCE", False)
    assert normalize.clean_text(WAFB) == ""
    assert normalize.clean_text("Advertisement " + " ".join(NEWS)) == ""
    assert normalize.clean_text("He would stay with his uncle in Bayville.") == ""


def test_the_cleaning_record_names_the_rule_only_when_on(monkeypatch):
    monkeypatch.setattr(switches, "BOILERPLATE_BY_SENTENCE", False)
    off = switches.cleaning_rules()
    assert "boilerplate_by_sentence" not in off
    monkeypatch.setattr(switches, "BOILERPLATE_BY_SENTENCE", True)
    assert switches.cleaning_rules() != off
    assert '"boilerplate_by_sentence": true' in switches.cleaning_rules()


# The property. A line is made of sentences, each either news (plain words, none of them a
# marker's) or boilerplate (a sentence a marker holds), written with a space between them
# or glued as pages glue them; a line-start marker ("Advertisement", "Related:", "Sign up")
# only at a line's start. Rule BS keeps every news sentence and drops every boilerplate one.
_NEWS_WORDS = (
    "police", "officers", "found", "the", "man", "was", "shot", "near", "Main", "Street",
    "on", "Tuesday", "victim", "hospital", "charged", "with", "murder", "car", "two",
    "women", "Houston", "county", "deputies", "said", "after", "argument", "home",
)  # fmt: skip
_NEWS_ENDS = ("hospital", "murder", "Tuesday", "officers", "argument", "deputies")
_BOILERPLATE = (
    "Anyone with information is asked to call Crime Stoppers at 713-222-8477.",
    "Stay with KDKA for the latest on this developing story.",
    "Download the WDSU app for breaking news alerts.",
    "Copyright 2016 The Associated Press.",
    "Reporter Jane Doe contributed to this report.",
    "Contact the reporter at jdoe@example.com.",
    "This story will be updated.",
)
_LINE_START = (
    "Advertisement",
    "Related: Two men charged in shooting.",
    "Sign up for our newsletters.",
    "Read more: Police chief resigns.",
    "Copyright The Times.",
)

_news = st.builds(
    lambda first, middle, end: " ".join([first.capitalize(), *middle, end]) + ".",
    st.sampled_from(_NEWS_WORDS),
    st.lists(st.sampled_from(_NEWS_WORDS), min_size=2, max_size=10),
    st.sampled_from(_NEWS_ENDS),
)
_sentence = st.one_of(
    _news.map(lambda s: ("news", s)),
    st.sampled_from(_BOILERPLATE).map(lambda s: ("boilerplate", s)),
)
_line = st.tuples(
    st.one_of(st.none(), st.sampled_from(_LINE_START)),
    st.lists(st.tuples(_sentence, st.sampled_from([" ", ""])), min_size=1, max_size=5),
)


def _write(line: tuple[str | None, list[tuple[tuple[str, str], str]]]) -> str:
    start, sentences = line
    text = start + " " if start else ""
    for (_, sentence), gap in sentences:
        text += sentence + gap
    return text.strip()


@given(st.lists(_line, min_size=1, max_size=4))
def test_rule_bs_keeps_every_unmarked_sentence_and_drops_every_marked_one(lines):
    kept_switch = switches.BOILERPLATE_BY_SENTENCE
    switches.BOILERPLATE_BY_SENTENCE = True
    try:
        cleaned = _kept("\n".join(_write(line) for line in lines))
    finally:
        switches.BOILERPLATE_BY_SENTENCE = kept_switch
    for _, sentences in lines:
        for kind, sentence in (s for s, _ in sentences):
            assert (sentence in cleaned) == (kind == "news"), (sentence, cleaned)
    for start, _ in lines:
        if start and start != "Advertisement":
            assert start not in cleaned
