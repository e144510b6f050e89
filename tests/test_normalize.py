"""Text normalisation and event cues."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from samestory import normalize


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
