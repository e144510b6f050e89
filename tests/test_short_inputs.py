"""Short and odd inputs: no single cue decides, empty texts are skipped everywhere."""

from __future__ import annotations

from pathlib import Path

from samestory import api
from samestory.evaluate import read_labelled
from samestory.ingest import read_paths
from samestory.models import Article

APPLE = Article(
    id="apple",
    text=(
        "Apple said on Tuesday it will open 20 new stores in India next year.\n"
        "The company expects strong demand for its phones in the country.\n"
        "Analysts said the move would help it compete with local brands."
    ),
)
BANK = Article(
    id="bank",
    text=(
        "A bank in Germany cut 20 jobs at its Frankfurt office on Monday.\n"
        "The lender said the cuts were part of a cost-saving plan.\n"
        "Unions criticised the decision and called for talks."
    ),
)
QUAKE = (
    "A magnitude 7.1 earthquake struck off the coast of northern Japan on Friday, the Japan "
    "Meteorological Agency said, triggering a tsunami warning for the Pacific coast. "
    "Residents of coastal towns in Iwate and Miyagi were told to move to higher ground. "
    "The quake hit at 5:23 p.m. local time at a depth of 10 kilometres."
)
QUAKE_VERSIONS = [
    Article(id="quake-1", text=QUAKE),
    Article(
        id="quake-2",
        text=(
            "Japan issued a tsunami warning after a 7.1-magnitude quake struck off its "
            "northern coast on Friday. People in Iwate and Miyagi were urged to go to higher "
            "ground; the quake struck at 5:23 p.m. at a depth of 10 km, the Japan "
            "Meteorological Agency said."
        ),
    ),
    Article(
        id="quake-3",
        text=(
            "A strong earthquake of magnitude 7.1 shook northern Japan on Friday evening. The "
            "Japan Meteorological Agency warned of a tsunami along the Pacific coast of Iwate "
            "and Miyagi, and bullet trains were halted. No damage was reported at first."
        ),
    ),
]


def test_unrelated_short_items_sharing_one_number_are_apart():
    relation = api.compare(APPLE, BANK)
    assert relation.kind is None
    assert relation.evidence.shared_numbers == ("20",)


def test_a_one_word_text_does_not_join_a_story():
    stories = api.cluster([*QUAKE_VERSIONS, Article(id="word", text="Earthquake")])
    story_of = {a: s.id for s in stories for a in s.articles}
    assert story_of["quake-1"] == story_of["quake-2"] == story_of["quake-3"]
    assert story_of["word"] != story_of["quake-1"]


def test_zero_width_texts_are_empty_everywhere(tmp_path: Path):
    invisible = "\u200b\u200c\u200d\ufeff\u2060"
    (tmp_path / "zero.txt").write_text(invisible + "\n", encoding="utf-8")
    (tmp_path / "real.txt").write_text(QUAKE, encoding="utf-8")
    result = read_paths([tmp_path])
    assert [a.id for a in result.articles] == ["real"]
    assert "empty text" in result.skipped[0].error

    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(
        '{"id": "a", "text": "' + invisible + '", "story": "s"}\n'
        '{"id": "b", "text": "Words here.", "story": "s"}\n',
        encoding="utf-8",
    )
    records, skipped = read_labelled(labelled)
    assert [r["id"] for r in records] == ["b"]
    assert skipped[0].error == "no text"

    stories = api.cluster([Article(id="zero", text=invisible), QUAKE_VERSIONS[0]])
    assert [list(s.articles) for s in stories] == [["quake-1"]]
