"""Rendering of article diffs: rich terminal view and plain ``[-old-]{+new+}`` text."""

from __future__ import annotations

import numpy as np
import pytest
from rich.console import Console

from samestory.cli.render import diff_to_text, inline_markup, render_diff
from samestory.diff import ArticleDiff, diff_sentences

A_SENTS = [
    "Trump canceled a planned summit with Putin in Budapest.",
    "Leavitt spoke on Thursday.",
    "Officials met twice.",
    "The talks ended early.",
    "A spokesman declined to comment.",
    "This sentence was dropped.",
]
B_SENTS = [
    "Triumph canceled a planned summit with Putin in Budapest.",
    "Leavitt spoke on Thursday.",
    "Officials met twice.",
    "The talks ended early.",
    "A spokesman declined to comment.",
    "This sentence was added by the copy.",
    "Der Gipfel wurde abgesagt, sagte Leavitt am Donnerstag.",
]


@pytest.fixture(scope="module")
def diff() -> ArticleDiff:
    # Hand-made vectors: sentence k of A matches sentence k of B for k < 5; B's 5 and 6
    # and A's 5 match nothing. (Keeps the renderer tests independent of the encoder.)
    dim = 16
    a_vecs = np.eye(dim)[: len(A_SENTS)]
    b_vecs = np.eye(dim)[[0, 1, 2, 3, 4, 10, 11]]
    return diff_sentences(A_SENTS, B_SENTS, a_vecs, b_vecs, a_id="orig", b_id="copy")


def _render(diff: ArticleDiff) -> str:
    console = Console(record=True, width=160, color_system=None)
    render_diff(diff, console)
    return console.export_text()


def test_render_shows_summary_pairs_and_unaligned(diff: ArticleDiff) -> None:
    text = _render(diff)
    assert "orig" in text and "copy" in text
    assert "aligned: 5" in text and "changed: 1" in text
    assert "Trump" in text and "Triumph" in text
    assert "name: Trump → Triumph" in text
    assert "identical sentences" in text  # the run of 4 identical pairs is collapsed
    assert "Only in A (orig)" in text and "This sentence was dropped." in text
    assert "Only in B (copy)" in text and "This sentence was added by the copy." in text


def test_render_highlights_changes_with_styles(diff: ArticleDiff) -> None:
    console = Console(record=True, width=160, force_terminal=True, color_system="truecolor")
    render_diff(diff, console)
    html = console.export_html(inline_styles=True)
    assert "line-through" in html  # deleted/replaced old text struck out


def test_diff_to_text_markers(diff: ArticleDiff) -> None:
    text = diff_to_text(diff)
    assert "[-Trump-]{+Triumph+} canceled a planned summit" in text
    assert "[1↔1 1.00] = Leavitt spoke on Thursday." in text
    assert "- [5] This sentence was dropped." in text
    assert "+ [5] This sentence was added by the copy." in text
    assert "aligned=5" in text and "only in B=2" in text


def test_inline_markup_insert_and_delete() -> None:
    vecs = np.eye(2)[:1]
    diff = diff_sentences(["He left early today."], ["He left today, aides said."], vecs, vecs)
    assert inline_markup(diff.pairs[0]) == "He left [-early -]today{+, aides said+}."


def test_cross_language_pair_rendered_side_by_side() -> None:
    vecs = np.eye(2)[:1]
    diff = diff_sentences(
        ["The summit was canceled on Thursday."],
        ["Der Gipfel wurde am Donnerstag abgesagt."],
        vecs,
        vecs,
    )
    assert diff.pairs[0].same_language is False
    text = diff_to_text(diff)
    assert "  A: The summit was canceled on Thursday." in text
    assert "  B: Der Gipfel wurde am Donnerstag abgesagt." in text
    assert "[-" not in text
    assert "Der Gipfel" in _render(diff)
