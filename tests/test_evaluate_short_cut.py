"""The short variants as a reader cuts them (``evaluate.short_text``'s ``reader`` cut),
beside the ``first-sentence`` cut the params files were fitted on."""

from __future__ import annotations

import pytest

from samestory.evaluate import (
    HEADLINE_WORDS,
    LEAD_MAX_WORDS,
    LEAD_WORDS,
    is_dateline,
    is_unread_line,
    make_short_variants,
    short_text,
    variant_splitter,
)
from samestory.normalize import split_sentences

# Shapes of ECB+'s texts: a title line, a dateline line, the body.
DATELINE_FIRST = {
    "id": "a",
    "story": "s",
    "text": (
        "May 2, 2013, 1: 12 PM\n"
        "Lawyer: Lindsay Lohan checks into rehab facility\n"
        "Updated 4: 08 p. m. ET\n"
        "Lindsay Lohan has checked into a rehab facility, her lawyer said on Thursday. "
        "The actress was ordered to spend 90 days in a locked facility. "
        "She had been due in court later this week."
    ),
}
# MEANTIME's texts: title, dateline and body on one line.
ONE_LINE = {
    "id": "b",
    "story": "s",
    "text": (
        "Apple unveils iPod nano September 7, 2005 Apple today unveiled its latest "
        "addition to the iPod line, the iPod nano. The player replaces the iPod mini "
        "and holds up to 1,000 songs. It went on sale the same day."
    ),
}


def test_a_headline_is_never_a_dateline():
    assert short_text(DATELINE_FIRST, "headline") == (
        "Lawyer: Lindsay Lohan checks into rehab facility"
    )
    lead = short_text(DATELINE_FIRST, "lead")
    assert lead.startswith("Lindsay Lohan has checked into a rehab facility")
    assert "2013" not in lead and "Updated" not in lead
    # The cut the params files were fitted on took the dateline as headline.
    assert short_text(DATELINE_FIRST, "headline", cut="first-sentence") == ("May 2, 2013, 1: 12 PM")


def test_a_title_run_into_its_dateline_is_cut_there():
    assert short_text(ONE_LINE, "headline") == "Apple unveils iPod nano"
    lead = short_text(ONE_LINE, "lead")
    assert lead.startswith("Apple today unveiled its latest addition")
    assert "September" not in lead and "unveils" not in lead
    old = short_text(ONE_LINE, "headline", cut="first-sentence")
    assert "September 7, 2005" in old


def test_a_title_line_is_the_headline_whole_whatever_the_splitter_reads_in_it():
    record = {
        "id": "c",
        "story": "s",
        "text": (
            "Powerful 6. 1 magnitude earthquake injures dozens in Aceh province\n"
            "Okla. man guilty of killing pregnant girlfriend is not this text's news.\n"
        ),
    }
    title = "Powerful 6. 1 magnitude earthquake injures dozens in Aceh province"
    # The splitter before the in-line run-on rule cuts the title (production's, with the
    # rule on since 2026-12-06 night, reads "6. 1" as one number).
    cutting = variant_splitter("no-run-on")
    assert cutting(record["text"])[0] == "Powerful 6."  # the splitter's cut
    assert split_sentences(record["text"])[0] == title
    assert short_text(record, "headline", splitter=cutting) == title
    assert short_text(record, "headline") == title
    assert short_text(record, "headline", cut="first-sentence", splitter=cutting) == "Powerful 6."


def test_a_lead_keeps_the_first_sentence_of_a_text_without_a_title():
    record = {
        "id": "d",
        "story": "s",
        "text": (
            "Tara Reid checked herself into a treatment center, her representative said.\n"
            "He did not say what she was being treated for or how long she would stay.\n"
        ),
    }
    lead = short_text(record, "lead")
    assert lead.startswith("Tara Reid checked herself")
    assert "He did not say" in lead
    assert short_text(record, "headline").startswith("Tara Reid checked herself")
    assert short_text(record, "lead", cut="first-sentence").startswith("He did not say")


def test_a_lead_is_whole_sentences_and_never_crosses_a_paragraph_inside_one():
    sentence = "Police said the man was shot twice near the corner of Main Street. "
    long_sentence = " ".join(["word"] * 50) + ". "
    record = {"id": "e", "story": "s", "title": "Man shot", "text": sentence + long_sentence}
    lead = short_text(record, "lead")
    # 13 words, then 51 would pass LEAD_MAX_WORDS: left out, not cut.
    assert lead == sentence.strip()
    assert len(lead.split()) < LEAD_WORDS
    run_on = {
        "id": "f",
        "story": "s",
        "text": "Colts clinch playoff berth with win in K. C.\nThe Colts beat the Chiefs.",
    }
    # The splitter keeps a sentence open after "C." across the line break; a reader's
    # sentence ends with its paragraph.
    assert len(split_sentences(run_on["text"])) == 1
    assert short_text(run_on, "headline") == "Colts clinch playoff berth with win in K. C."
    assert short_text(run_on, "headline", cut="first-sentence").endswith("the Chiefs.")
    only = {"id": "g", "story": "s", "title": "T", "text": " ".join(["word"] * 80) + "."}
    assert len(short_text(only, "lead").split()) == LEAD_MAX_WORDS  # the one cut inside


def test_datelines_bylines_and_page_lines_are_not_read():
    for line in (
        "May 2, 2013, 1: 12 PM",
        "3 July 2013 Last updated at 13: 38 GMT",
        "Posted at 3: 21 PM ET, 01 / 5 / 2011",
        "PUBLISHED FRIDAY, MARCH 8, 2013 AT 12: 46 PM / UPDATED AT 12: 48 PM",
        "INDONESIA, July 2, 2013",
        "Updated: Apr 19, 2016 - 12:30 PM",
    ):
        assert is_dateline(line), line
        assert is_unread_line(line), line
    for line in ("By Jane Smith", "More Video...", "Page 1 of 1", "Posted on"):
        assert is_unread_line(line), line
    for line in (
        "Voters in Turkmenistan began to cast their ballots at 8: 00 am on Sunday.",
        "The fire was reported at 3: 33 a. m. and is under investigation.",
        "Lindsay Lohan checks into rehab",
        "By the time police arrived, the gunman had fled the scene on foot.",
    ):
        assert not is_unread_line(line), line


def test_a_date_inside_a_sentence_does_not_cut_a_title():
    record = {
        "id": "h",
        "story": "s",
        "text": (
            "Zurana Horton, 34, was killed on Oct. 21, 2011 while walking near an "
            "intersection in Brownsville after 2 p. m. and the trial of two men opened."
        ),
    }
    assert short_text(record, "headline").startswith("Zurana Horton, 34, was killed on Oct.")
    assert len(short_text(record, "headline").split()) == HEADLINE_WORDS


def test_the_cuts_give_the_same_summary_and_unknown_cuts_fail():
    for record in (DATELINE_FIRST, ONE_LINE):
        assert short_text(record, "summary") == short_text(record, "summary", "first-sentence")
    with pytest.raises(ValueError, match="first-sentence"):
        short_text(ONE_LINE, "headline", cut="tweet")
    mixed = make_short_variants([ONE_LINE, DATELINE_FIRST], "mixed-headline", "first-sentence")
    assert len(mixed) == 2


def test_a_dateline_left_out_becomes_the_feed_items_date():
    (headline,) = make_short_variants([ONE_LINE], "headline")
    assert headline["text"] == "Apple unveils iPod nano" and headline["date"] == "2005-09-07"
    (lead,) = make_short_variants([DATELINE_FIRST], "lead")
    assert lead["date"] == "2013-05-02"
    dated = {**DATELINE_FIRST, "date": "2013-05-03"}
    assert make_short_variants([dated], "lead")[0]["date"] == "2013-05-03"  # its own kept
    (old,) = make_short_variants([ONE_LINE], "headline", cut="first-sentence")
    assert "date" not in old
    (summary,) = make_short_variants([ONE_LINE], "summary")
    assert "date" not in summary and "September 7, 2005" in summary["text"]
