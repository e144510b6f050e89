"""Rule BS on Spark (``switches.BOILERPLATE_BY_SENTENCE``; docs/history/accuracy.md,
2026-12-07, bsflip): ``normalize.clean_text`` reads the switch at call time and Spark's
Python workers do not inherit the driver's module state, so ``stages.featurize`` hands
the driver's setting to its feature tasks (as ``_score_at`` hands rule AS's). A task run
in a process whose switch says otherwise (a worker started before a run or a test set it)
cleans with the driver's. No Spark job: the task's function is called as a worker would."""

from __future__ import annotations

import pytest

from samestory import normalize, switches
from samestory.config import DEFAULT_CONFIG
from samestory.features import text_features
from samestory.models import Article
from samestory.spark import stages

# A paragraph a page led with a glued label: rule BS keeps its news, off the line goes.
ARTICLE = Article(
    id="a",
    text=(
        "Police said the shooting began shortly after midnight.\n"
        "Advertisement The woman, in her 20s, died at the scene of the shooting near "
        "Rothenburg Court. The other five victims were taken to local hospitals."
    ),
    title="Six shot after midnight",
)


def _sentences(by_sentence: bool, worker: bool) -> list[str]:
    """The article's sentences as the driver set to ``by_sentence`` gets them from a task
    in a worker whose own switch is ``worker``."""
    with switches.switched("BOILERPLATE_BY_SENTENCE", worker):
        normalize._clean_line.cache_clear()
        ((idx, features),) = stages._text_features_of([(0, ARTICLE)], DEFAULT_CONFIG, by_sentence)
    normalize._clean_line.cache_clear()
    assert idx == 0
    return features.sentences


@pytest.mark.parametrize("by_sentence", [False, True])
def test_a_task_cleans_with_the_drivers_switch(by_sentence: bool) -> None:
    with switches.switched("BOILERPLATE_BY_SENTENCE", by_sentence):
        local = text_features(ARTICLE, DEFAULT_CONFIG).sentences
    assert _sentences(by_sentence, worker=not by_sentence) == local
    assert _sentences(by_sentence, worker=by_sentence) == local


def test_the_rule_changes_this_article() -> None:
    off, on = _sentences(False, worker=False), _sentences(True, worker=True)
    assert not any("Rothenburg" in s for s in off)
    assert any("Rothenburg" in s for s in on)
