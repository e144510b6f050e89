"""Relations pickle flat (models._reduce_relation): the same relations back, by ``==``
and by ``repr``, weak and full ones, with their shared strings interned as before."""

from __future__ import annotations

import pickle
import sys
from multiprocessing.reduction import ForkingPickler

import pytest

from samestory import relate
from samestory.config import DEFAULT_CONFIG
from samestory.features import featurize
from samestory.models import AlignedSentence, Article, Evidence, Relation, RelationKind

CONFIG = DEFAULT_CONFIG.replace(workers=1)


@pytest.fixture(scope="module")
def relations(ecb_records):
    features = featurize([Article(id=r["id"], text=r["text"]) for r in ecb_records[:30]])
    out = []
    for k, a in enumerate(features[:-1]):
        out += relate.relate_against(a, features[k + 1 :], CONFIG, lean=True)
    return out


def _round_trip(objects):
    return pickle.loads(pickle.dumps(objects))


def test_scored_relations_come_back_the_same(relations):
    weak = [r for r in relations if "similarity" not in r.evidence.scores]
    full = [r for r in relations if "similarity" in r.evidence.scores]
    assert weak and full
    assert any(r.evidence.aligned for r in full)
    assert any(r.evidence.shared_entities for r in full)
    back = _round_trip(relations)
    assert back == relations
    assert repr(back) == repr(relations)
    # Key order shows in repr and JSON.
    assert [list(r.evidence.scores) for r in back] == [list(r.evidence.scores) for r in relations]
    assert [r.to_dict() for r in back] == [r.to_dict() for r in relations]
    # Through the pool's pickler too.
    assert ForkingPickler.loads(ForkingPickler.dumps(relations)) == relations


def test_shared_strings_are_interned_on_loading():
    # Built from strings made at run time (not interned), as another process's would be.
    name, quote, number = (
        "".join(["Ada", " Lovelace"]),
        "".join(["it", " works"]),
        "".join(["4", "2"]),
    )
    text_a, text_b = "".join(["First", " one."]), "".join(["First", " two."])
    relation = Relation(
        "a",
        "b",
        RelationKind.REWRITE,
        0.75,
        Evidence(
            aligned=(AlignedSentence(0, 1, text_a, text_b, 0.9),),
            shared_quotes=(quote,),
            shared_entities=(name,),
            shared_numbers=(number,),
            date_gap_days=3,
            scores={"story": 0.75, "thread": 0.1},
            dates=("a: 2025-01-01 published",),
        ),
    )
    (back,) = _round_trip([relation])
    assert back == relation and repr(back) == repr(relation)
    ev = back.evidence
    for value in (*ev.shared_quotes, *ev.shared_entities, *ev.shared_numbers):
        assert sys.intern(value) is value
    assert sys.intern(ev.aligned[0].a_text) is ev.aligned[0].a_text


@pytest.mark.parametrize(
    "relation",
    [
        Relation("a", "b", None, 0.0),
        Relation("a", "b", RelationKind.EXACT, 1.0, Evidence(scores={"x": 1.0})),
        Relation("a", "b", RelationKind.FOLLOW_UP, 0.4, Evidence(shared_numbers=("7",))),
        Relation("a", "b", None, 0.1, Evidence(date_gap_days=None, dates=("a: x", "b: y"))),
    ],
)
def test_plain_relations_come_back_the_same(relation):
    (back,) = _round_trip([relation])
    assert back == relation and repr(back) == repr(relation)
