"""Names read as places and institutions, or as people, from the words around them."""

from __future__ import annotations

import dataclasses
import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from samestory import name_roles, normalize, threads
from samestory.features import DocFeatures, text_features
from samestory.models import Article
from samestory.name_roles import name_roles as roles_of
from samestory.name_roles import shared_roles


def test_a_hospital_a_county_and_a_street_are_places():
    places, people = roles_of(
        (
            "He was taken to Stroger Hospital in serious condition, Allegheny County police said.",
            "The shooting happened on Penn Avenue near Garfield.",
        )
    )
    assert {"stroger", "allegheny", "county", "penn", "avenue", "garfield"} <= places
    assert not people


def test_an_age_or_a_title_makes_a_person():
    places, people = roles_of(
        (
            "Among the dead was Chanetta Powell, 26, who was pregnant.",
            "Officer Darnell Weaver said suspect Cheron Shelton fled.",
        )
    )
    assert {"chanetta", "powell", "darnell", "weaver", "cheron", "shelton"} <= people
    assert not places & {"chanetta", "powell", "weaver", "shelton"}


def test_a_sentence_start_without_marks_gives_no_role():
    places, people = roles_of(("Wilkinsburg residents gathered on Sunday.",))
    assert "wilkinsburg" not in places | people


def test_a_name_read_as_a_person_anywhere_is_not_a_place():
    people, places = shared_roles(
        ["Police said Powell, 26, was shot."],
        ["Neighbours met at Powell Park on Sunday."],
        {"powell"},
    )
    assert people == {"powell"} and places == set()


def test_other_languages_give_no_roles():
    places, people = roles_of(("El tiroteo ocurrió en Madrid, dijo la policía de Valencia.",))
    assert not places and not people


def test_pairs_sharing_no_name_read_nothing():
    name_roles.name_roles.cache_clear()
    assert shared_roles(["Taken to Stroger Hospital."], ["In Englewood."], set()) == (set(), set())
    assert name_roles.name_roles.cache_info().misses == 0


def test_the_thread_model_weighs_shared_people_above_shared_places():
    """Fitted, not asserted into being: on the dev sets a shared victim's name is better
    evidence of one incident than a shared hospital or town (docs/experiments.md)."""
    weights = dict(zip(threads.MODEL.names, threads.MODEL.weights, strict=True))
    assert weights["log_rare_shared_people"] > weights["log_rare_shared_places"]


# A word list reads best as text.
_VOCABULARY = (
    "Officer Powell , 26 , was taken to Stroger Hospital in Englewood near Penn Avenue "
    "suspect Cheron Shelton said the County police Mr. Weaver on Sunday "
    "Allentown man mass shooting Teen"
)
_WORDS = st.sampled_from(_VOCABULARY.split())


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(_WORDS, min_size=1, max_size=14).map(" ".join), max_size=5))
def test_a_texts_roles_are_its_sentences_roles_put_together(sentences):
    # A run's role is read from its own sentence, so the roles of a text are the union of
    # each sentence's: what lets a copy reuse the roles of the sentences it repeats.
    name_roles.name_roles.cache_clear()
    places, people = roles_of(tuple(sentences))
    alone = [roles_of((s,)) for s in sentences]
    assert places == frozenset().union(*(p for p, _ in alone))
    assert people == frozenset().union(*(q for _, q in alone))


def test_a_copy_reads_the_roles_of_the_sentences_it_repeats_from_the_cache():
    name_roles.sentence_readings.cache_clear()
    original = ("He was taken to Stroger Hospital.", "Officer Darnell Weaver said so.")
    copy = (*original, "Follow us on Facebook.")
    roles_of(original)
    before = name_roles.sentence_readings.cache_info()
    assert roles_of(copy) == roles_of(original)
    after = name_roles.sentence_readings.cache_info()
    assert (after.hits - before.hits, after.misses - before.misses) == (2, 1)


def test_features_carry_their_sentences_roles(seed_articles):
    # Read once per text by the features stage (DocFeatures.roles), not in every scoring
    # worker that meets the text: the same sets as reading the sentences.
    for f in text_features_of(seed_articles):
        assert f.roles == roles_of(tuple(f.sentences))
        assert f.local_places == name_roles.local_places(tuple(f.sentences))


def test_thread_features_are_the_same_with_roles_read_when_scored(seed_articles):
    features = text_features_of(seed_articles)
    unread = [dataclasses.replace(f, roles=None, local_places=None) for f in features]
    cues = (0.5,) * 13
    pairs = list(itertools.combinations(features, 2))
    # Some pair shares names the texts mark as places: the roles are read, not empty.
    assert any(shared_roles([], [], a.entities & b.entities, a.roles, b.roles)[1] for a, b in pairs)
    for a, b in itertools.combinations(range(len(features)), 2):
        given = threads.thread_features(features[a], features[b], cues, 0.2, 3)
        read = threads.thread_features(unread[a], unread[b], cues, 0.2, 3)
        assert given == read


def text_features_of(articles: dict[str, Article]) -> list[DocFeatures]:
    return [text_features(articles[k]) for k in sorted(articles)]


def _local_places_read_apart(sentence: str) -> frozenset[str]:
    """local_places of one sentence as threads read it before the one pass of
    name_roles.sentence_readings (2026-12-06, 17:13): each name run's tokens when a word
    of LOCAL_HEADS is one of the two words in the 40 characters after it."""
    out: set[str] = set()
    for match in normalize.NAME_RUN.finditer(sentence):
        window = sentence[match.end() : match.end() + 40]
        following = re.findall(r"[\w'’\-]+", window)[:2]
        if name_roles.LOCAL_HEADS.intersection(w.lower() for w in following):
            out.update(normalize.entities(match.group(1)))
    return frozenset(out)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.lists(_WORDS, min_size=1, max_size=14).map(" ".join), max_size=5))
def test_local_places_read_with_the_roles_are_those_read_apart(sentences):
    # One pass reads a sentence's roles and its towns ("Allentown man"): the same towns.
    name_roles.local_places.cache_clear()
    expected = frozenset().union(*map(_local_places_read_apart, sentences))
    assert name_roles.local_places(tuple(sentences)) == expected


def test_towns_as_local_news_names_them():
    towns = name_roles.local_places(
        ("An Allentown man was charged.", "The Wilkinsburg mass shooting", "Apple unveils")
    )
    assert towns == {"allentown", "wilkinsburg"}


# Words, marks and particles a name run is made of or stops at (one space apart).
_RUN_TEXT = (
    "Stroger Hospital de la van Der O'Neil Ali's Jean-Luc VIDEO: said the Mr. : , . \n "
    "Ärzte Über Москва Путин 26 İstanbul ŁÓDŹ al bin Sgt. Officer ’s - in"
)
_RUN_PIECES = st.sampled_from(_RUN_TEXT.split(" "))


@settings(max_examples=200, deadline=None)
@given(st.lists(_RUN_PIECES, max_size=30).map(" ".join))
def test_a_name_runs_names_are_its_tokens(text):
    # sentence_readings reads a run's names as normalize.run_tokens(run): the run is one
    # whole match of the names' pattern on its own, so normalize.entities(run) is them.
    for match in normalize.NAME_RUN.finditer(text):
        run = match.group(1)
        assert normalize.entities(run) == set(normalize.run_tokens(run))
