"""The same-days candidate route: one shared keyword, dates at most DATED_DAYS apart."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import batch_partition, keyword_docs, read_jsonl, shared_data, store_partition

from samestory import candidates
from samestory.candidates import DATED_DAYS, CandidateIndex, dated_ranking, day_number
from samestory.config import DEFAULT_CONFIG
from samestory.embed import encoder_for
from samestory.evaluate import make_short_variants, record_to_article
from samestory.pipeline.featurise import featurize_all, uncached

DAY = dt.date(2016, 4, 23)


def _doc(doc_id: str, axis: int, words: dict[int, float], date: dt.date | None):
    """Orthogonal vectors (the vector route proposes nothing) and the given keywords."""
    vector = np.zeros(8, dtype=np.float32)
    vector[axis] = 1.0
    hashes = np.array(sorted(words), dtype=np.int64)
    weights = np.array([words[h] for h in hashes], dtype=np.float32)
    return SimpleNamespace(
        id=doc_id, vector=vector, fingerprint=doc_id, n_shingles=0, terms=(hashes, weights),
        date=date,
    )  # fmt: skip


def _pairs(docs, config=DEFAULT_CONFIG) -> set[frozenset[str]]:
    return {
        frozenset((docs[i].id, docs[j].id)) for i, j in candidates.candidate_pairs(docs, config)
    }


def test_one_shared_keyword_on_the_same_days_is_proposed():
    town = 7  # the one word each report shares with the first
    docs = [
        _doc("first", 0, {town: 0.5, 11: 0.5}, DAY),
        _doc("day-before", 1, {town: 0.5, 12: 0.5}, DAY - dt.timedelta(days=DATED_DAYS)),
        _doc("later", 2, {town: 0.5, 13: 0.5}, DAY + dt.timedelta(days=DATED_DAYS + 1)),
        _doc("undated", 3, {town: 0.5, 14: 0.5}, None),
        _doc("other-word", 4, {15: 0.5, 16: 0.5}, DAY),
    ]
    assert _pairs(docs) == {frozenset(("first", "day-before"))}


def test_without_same_days_proposes_only_the_other_routes_pairs():
    docs = [
        _doc("first", 0, {7: 0.5, 11: 0.5}, DAY),
        _doc("next-day", 1, {7: 0.5, 12: 0.5}, DAY + dt.timedelta(days=1)),
        _doc("keyword", 2, {7: 0.5, 11: 0.5}, DAY + dt.timedelta(days=400)),
    ]
    both = {frozenset(("first", "next-day")), frozenset(("first", "keyword"))}
    assert _pairs(docs) >= both
    with candidates.without_same_days():
        # What the thread fit reads as the pairs only the same-days route proposes.
        off = _pairs(docs)
    assert frozenset(("first", "next-day")) not in off
    assert frozenset(("first", "keyword")) in off
    assert _pairs(docs) >= both  # switched back on


def test_a_date_read_from_the_text_is_no_publication_day():
    first = _doc("first", 0, {7: 0.5, 11: 0.5}, DAY)
    read = _doc("read", 1, {7: 0.5, 12: 0.5}, DAY)
    read.date_from_text = True  # perhaps an earlier event's date the text mentions
    assert _pairs([first, read]) == set()
    read.date_from_text = False
    assert _pairs([first, read]) == {frozenset(("first", "read"))}


def test_two_shared_keywords_stay_the_keyword_routes_whatever_the_dates():
    docs = [
        _doc("a", 0, {1: 0.5, 2: 0.5}, DAY),
        _doc("b", 1, {1: 0.5, 2: 0.5}, DAY + dt.timedelta(days=400)),
        _doc("c", 2, {1: 0.5, 3: 0.5}, None),
    ]
    # a-b by the keyword route (two words); a-c and b-c share one word and c is undated.
    assert _pairs(docs) == {frozenset(("a", "b"))}


def test_a_word_too_common_to_count_proposes_nothing(monkeypatch):
    monkeypatch.setattr(candidates.keyword_routes, "MAX_KEYWORD_POSTINGS", 3)
    docs = [_doc(f"d{k}", k, {7: 0.5, 100 + k: 0.5}, DAY) for k in range(4)]
    assert _pairs(docs) == set()  # four hold word 7: over the posting limit
    assert len(_pairs(docs[:3])) == 3


def test_the_budget_keeps_the_heaviest_shared_words(monkeypatch):
    monkeypatch.setattr(candidates.same_days, "DATED_NEIGHBOURS", 2)
    words = {1: 0.4, 2: 0.3, 3: 0.2}
    postings = {1: ["x", "y"], 2: ["z"], 3: ["w", "y"]}
    days = {"x": 10, "y": 11, "z": 10, "w": 12}
    ranked = dated_ranking(words, postings.__getitem__, days.get, 10, "me")
    # y shares words 1 and 3 (0.6), x word 1 (0.4); z (0.3) is cut, w is two days away.
    assert [(k, round(w, 6)) for k, w in ranked] == [("y", 0.6), ("x", 0.4)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_inserting_one_at_a_time_keeps_the_batch_pairs_with_dates(monkeypatch, seed):
    """As test_candidates' insert test, with dates: a new article enters the same-days
    lists of its neighbours in time, pushes others out of them (a budget of 2), and
    makes a word too common to count."""
    monkeypatch.setattr(candidates.keyword_routes, "KEYWORD_NEIGHBOURS", 3)
    monkeypatch.setattr(candidates.keyword_routes, "MAX_KEYWORD_POSTINGS", 12)
    monkeypatch.setattr(candidates.same_days, "DATED_NEIGHBOURS", 2)
    rng = np.random.default_rng(seed)
    docs = []
    for k in range(60):
        vector = rng.standard_normal(16).astype(np.float32)
        vector /= np.linalg.norm(vector)
        words = np.unique(rng.integers(0, 80, 3))
        weights = rng.random(len(words)).astype(np.float32)
        date = None if k % 7 == 0 else DAY + dt.timedelta(days=int(rng.integers(0, 6)))
        doc = SimpleNamespace(
            id=f"d{k}", vector=vector, fingerprint=f"d{k}", n_shingles=0,
            terms=(words.astype(np.int64), weights), date=date,
        )  # fmt: skip
        docs.append(doc)
    config = DEFAULT_CONFIG.replace(ann_neighbours=2, ann_min_cosine=0.5, encoder="use")
    index = CandidateIndex(config, dim=16)
    pairs: set[frozenset[str]] = set()
    order = rng.permutation(len(docs))
    lost = 0
    for step, k in enumerate(order, 1):
        change = index.insert(docs[k])
        pairs |= {frozenset(p) for p in change.gained}
        pairs -= {frozenset(p) for p in change.lost}
        lost += len(change.lost)
        if step % 10 == 0 or step == len(docs):
            so_far = [docs[j] for j in sorted(order[:step])]
            assert pairs == _pairs(so_far, config), step
    monkeypatch.setattr(candidates.same_days, "DATED_NEIGHBOURS", 0)
    assert pairs - _pairs(docs, config)  # the route proposes pairs nothing else does
    assert lost


def _lead_articles(stories: int) -> list:
    """GVA dev's leads (a feed's short form) of its first ``stories`` incidents with
    more than one report: dated, local, sharing the town and the day.

    "First" by the place of an incident's first lead in the file (a record whose lead is
    empty has none). Cut record by record (``make_short_variants`` cuts each on its own),
    incident after incident in the order of their first record, and only until no later
    incident can come first (its first lead is no earlier than its first record): a
    tenth of the file for 60 incidents, where cutting all of GVA dev took ~4.5 s of CPU
    a call (the same leads: docs/history/testing.md, 2026-12-07 citests)."""
    records = read_jsonl(shared_data("gva_dev.jsonl"))
    rows_of: dict[str, list[int]] = {}
    for k, r in enumerate(records):
        rows_of.setdefault(str(r["story"]), []).append(k)
    leads: dict[int, dict] = {}
    firsts: list[tuple[int, str]] = []  # (row of its first lead, incident) of those with two
    for story, rows in rows_of.items():  # by the row of each incident's first record
        if len(firsts) >= stories and rows[0] > sorted(firsts)[stories - 1][0]:
            break  # every later incident's first lead comes after the chosen ones'
        cut = {k: v for k in rows for v in make_short_variants([records[k]], "lead")}
        if len(cut) > 1:
            firsts.append((min(cut), story))
            leads.update(cut)
    chosen = {story for _, story in sorted(firsts)[:stories]}
    return [record_to_article(leads[k]) for k in sorted(leads) if str(leads[k]["story"]) in chosen]


@pytest.mark.slow
def test_store_adds_give_the_batch_stories_with_the_same_days_route(tmp_path: Path, monkeypatch):
    """Dated short texts, shuffled, added 15 at a time with the store reopened halfway
    (the stored articles' dates are then read back from the store): the batch's stories,
    on a set where the route proposes pairs no other route does."""
    articles = _lead_articles(60)
    random.Random(0).shuffle(articles)
    encoder = encoder_for(DEFAULT_CONFIG.encoder)
    features = featurize_all(articles, DEFAULT_CONFIG, uncached(encoder))
    with_route = set(candidates.candidate_pairs(features))
    with monkeypatch.context() as m:
        m.setattr(candidates.same_days, "DATED_NEIGHBOURS", 0)
        assert with_route - set(candidates.candidate_pairs(features))
    stored = store_partition(articles, tmp_path / "s.db", batch=15, encoder=encoder, reopen_at=75)
    assert stored == batch_partition(articles, encoder)


def test_day_numbers_are_date_ordinals():
    assert day_number(None) is None
    assert day_number(DAY + dt.timedelta(days=1)) - day_number(DAY) == 1


def test_spark_dated_pairs_match_the_local_index(spark: object) -> None:
    """Shared, common (over MAX_KEYWORD_POSTINGS), tied and undated: the local pairs."""
    from samestory.spark.stages import dated_pairs

    n = candidates.MAX_KEYWORD_POSTINGS + 60
    docs = keyword_docs(
        n, lambda i, rng: None if i % 5 == 0 else DAY + dt.timedelta(days=int(rng.integers(0, 20)))
    )
    index = CandidateIndex(dim=4)
    for d in docs:
        index._days[d.id] = day_number(d.date)
        index.add_keywords(d.id, candidates.keywords(d))
    position = {d.id: i for i, d in enumerate(docs)}
    expected = set()
    for i, d in enumerate(docs):
        for other in index._dated_scan(candidates.keywords(d), d.id, day_number(d.date)):
            j = position[other]
            expected.add((min(i, j), max(i, j)))
    rdd = spark.sparkContext.parallelize(list(enumerate(docs)), 3)  # type: ignore[attr-defined]
    got = dated_pairs(rdd, 3).collect()
    assert len(expected) > n
    assert sorted(set(got)) == sorted(expected)


#: Incidents of GVA leads in the Spark case (``_lead_articles``).
SPARK_LEAD_STORIES = 40
# The Spark job and two incremental days on GVA leads of SPARK_LEAD_STORIES incidents
# (stories = the local ones; day 1 into an empty state = local; day 2, which reads the
# past articles' dates from the state, ARI >= 0.95) are checked on the three-day state of
# tests/test_spark_incremental.py (``test_spark_matches_local_on_dated_short_texts``
# there), which carries the leads beside its other cases: three Spark jobs, ~110 s of
# CPU, fewer (docs/history/testing.md, 2026-12-07 citime).
