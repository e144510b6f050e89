"""featurize_all: each distinct cleaned text's features computed once, the same features
as every article featurised on its own."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samestory import lexical, parallel
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import encoder_for
from samestory.features import DocFeatures, featurize, text_key
from samestory.models import Article
from samestory.normalize import clean_text
from samestory.pipeline import featurise
from samestory.pipeline.featurise import FirstBatchVectors

STATIC = DEFAULT_CONFIG.replace(encoder="static")


def reposts(originals: list[Article]) -> list[Article]:
    """The originals (the first dated, the second not), then their reposts (boilerplate
    lines that cleaning drops, a new id); the first under another date, the second with
    a date and under another title, and the second again."""
    dated, undated = originals[0], originals[1]
    assert dated.date is not None and undated.date is None
    out = list(originals)
    for a in originals:
        text = f"Share this article\n{a.text}\nCopyright 2024 All rights reserved."
        out.append(dataclasses.replace(a, id=f"{a.id}~repost", text=text))
    out.append(dataclasses.replace(dated, id="redated", date=dt.date(2024, 5, 1)))
    out.append(dataclasses.replace(undated, id="dated", date=dt.date(2024, 5, 1)))
    out.append(dataclasses.replace(undated, id="retitled", title="Another headline"))
    out.append(dataclasses.replace(undated, id="again"))
    return out


def assert_same_features(a: DocFeatures, b: DocFeatures) -> None:
    for name in DocFeatures.__slots__:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y), name
        elif name == "terms":
            assert all(np.array_equal(p, q) for p, q in zip(x, y, strict=True)), name
        else:
            assert x == y, name


@pytest.fixture(scope="module")
def articles(seed_articles: dict[str, Article]) -> list[Article]:
    return reposts(list(seed_articles.values()))


def test_reposts_share_a_text_key_and_others_do_not(articles: list[Article]) -> None:
    key = {a.id: text_key(a, clean_text(a.text)) for a in articles}
    first, second = articles[0].id, articles[1].id
    assert key[f"{first}~repost"] == key["redated"] == key[first]
    assert key[f"{second}~repost"] == key["again"] == key[second]
    assert len({key[second], key["dated"], key["retitled"]}) == 3


def test_featurize_all_equals_each_article_featurised_alone(articles: list[Article]) -> None:
    encoder = encoder_for("static")
    alone = featurize(articles, STATIC, encoder)  # text_features of every article
    shared = featurise.featurize_all(articles, STATIC.replace(workers=1), encoder)
    assert [f.id for f in shared] == [a.id for a in articles]
    for a, b in zip(alone, shared, strict=True):
        assert_same_features(a, b)
    by_id = {f.id: f for f in shared}
    assert by_id["redated"].date == by_id["dated"].date == dt.date(2024, 5, 1)
    copy, first = by_id["redated"], by_id[articles[0].id]
    assert copy.sentences is first.sentences  # shared, not computed again
    assert copy.sentence_vectors is first.sentence_vectors and copy.vector is first.vector


def assert_workers_agree(
    articles: list[Article],
    config: Config = STATIC,
    encoder: Any = None,
    between: Callable[[], object] | None = None,
) -> None:
    """featurize_all on two workers gives every feature (vectors' bits included) that it
    gives in one process; ``between`` runs after the one-process run (what the workers'
    run is to see: a patch, a counting encoder)."""
    encoder = encoder or encoder_for(config.encoder)
    one = featurise.featurize_all(articles, config.replace(workers=1), encoder)
    if between is not None:
        between()
    two = featurise.featurize_all(articles, config.replace(workers=2), encoder)
    for a, b in zip(one, two, strict=True):
        assert_same_features(a, b)


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small batches and no minimum, so these few articles really go to workers."""
    if not parallel.can_fork():
        pytest.skip("no safe fork here")
    monkeypatch.setattr(featurise, "FEATURE_BATCH", 3)
    monkeypatch.setattr(featurise, "MIN_ARTICLES_PER_WORKER", 1)


@pytest.mark.slow  # forks a pool of workers
@pytest.mark.usefixtures("small_batches")
def test_featurize_all_in_workers_equals_one_process(articles: list[Article]) -> None:
    assert_workers_agree(articles)


@pytest.mark.slow  # forks a pool of workers
@pytest.mark.usefixtures("small_batches")
def test_a_batch_another_worker_read_is_read_again_with_the_same_features(
    articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every features job goes to a worker that did not read its batch (the path of an
    idle worker taking another's job): it reads the texts again, the same features."""

    def other_workers_first(worker: int, queued: list) -> tuple | None:
        others = [q for k, q in enumerate(queued) if k != worker and q]
        if others:
            return others[0].popleft()
        return queued[worker].popleft() if queued[worker] else None

    monkeypatch.setattr(featurise, "_features_job", other_workers_first)
    assert_workers_agree(articles)


@pytest.mark.slow  # forks a pool of workers
@pytest.mark.usefixtures("small_batches")
def test_workers_inherit_the_full_word_tables_of_the_sample_languages(
    articles: list[Article], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-up sample's languages' full word tables are loaded before the fork (the
    workers inherit one copy), not after the workers as before; the features as in one
    process. The fixture's languages have fewer texts than FULL_TABLE_TEXTS (below it a
    language stays on its stored table: tests/test_feats_speed.py), so the bar is
    lowered to one text here."""
    at_fork: dict[str | None, type] = {}
    enter = parallel.WorkerPool.__enter__

    def noting(pool: parallel.WorkerPool) -> parallel.WorkerPool:
        at_fork.update((lang, type(b.freqs)) for lang, b in lexical._BACKGROUNDS.items())
        return enter(pool)

    def note_the_tables_at_the_fork() -> None:
        monkeypatch.setattr(lexical, "_BACKGROUNDS", {})  # nothing loaded yet
        monkeypatch.setattr(featurise, "FULL_TABLE_TEXTS", 1)
        monkeypatch.setattr(parallel.WorkerPool, "__enter__", noting)

    assert_workers_agree(articles, between=note_the_tables_at_the_fork)
    assert at_fork and set(at_fork.values()) == {dict}, at_fork


class CallEncoder:
    """An encoder whose rows depend on the call as well as the sentence (as USE's bits
    do on its micro-batches): which call encoded a sentence shows in its row."""

    dim = 3

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, sentences: list[str]) -> np.ndarray:
        self.calls.append(list(sentences))
        return np.array(
            [[len(s), sum(map(ord, s)) % 97, len(self.calls)] for s in sentences], np.float32
        )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.lists(st.integers(0, 9), max_size=5), max_size=4), max_size=6),
    st.integers(0, 6),
)
def test_first_batch_vectors_given_batch_by_batch_are_the_same(
    batches: list[list[list[int]]], finish_after: int
) -> None:
    """Batches given one at a time while earlier ones are encoded (finish() once the
    last is given, after some have been encoded) give the same calls and vectors as
    all batches given at once, and after finish() no vector is kept that no batch
    still to encode holds."""
    texts = [[[f"s{k}" for k in article] for article in batch] for batch in batches]
    whole_encoder, streamed_encoder = CallEncoder(), CallEncoder()
    whole = FirstBatchVectors(texts, whole_encoder)
    want = [whole.batch_vectors(n, batch) for n, batch in enumerate(texts)]
    streamed = FirstBatchVectors((), streamed_encoder, complete=False)
    got = []
    finish_after = min(finish_after, len(texts))
    for n, batch in enumerate(texts):
        streamed.extend(batch)
        if n >= finish_after:  # encode only once a few batches were given
            got.append(streamed.batch_vectors(len(got), texts[len(got)]))
    streamed.finish()
    kept = {s for batch in texts[len(got) :] for article in batch for s in article}
    assert set(streamed.vectors) <= kept
    while len(got) < len(texts):
        got.append(streamed.batch_vectors(len(got), texts[len(got)]))
    assert streamed_encoder.calls == whole_encoder.calls
    assert streamed.vectors == {}
    for a, b in zip(want, got, strict=True):
        for (halves_a, doc_a), (halves_b, doc_b) in zip(a, b, strict=True):
            assert halves_a.tobytes() == halves_b.tobytes() and doc_a.tobytes() == doc_b.tobytes()


@pytest.mark.slow  # forks a pool of workers; loads USE
@pytest.mark.usefixtures("small_batches")
def test_workers_tokenise_for_use_with_the_same_features(articles: list[Article]) -> None:
    """With USE (a PieceEncoder) the workers tokenise the sentences they send and the
    encoder takes their pieces: every feature, vectors' bits included, as in one process."""
    from samestory.embed import UniversalSentenceEncoder

    use = DEFAULT_CONFIG.replace(encoder="use")
    encoder = UniversalSentenceEncoder()
    assert isinstance(encoder, featurise.PieceEncoder)
    assert not isinstance(encoder_for("static"), featurise.PieceEncoder)
    given: list[int] = []
    encode = encoder.encode

    def counting(sentences: list[str], pieces_of: dict | None = None) -> np.ndarray:
        given.append(len(pieces_of or {}))
        return encode(sentences, pieces_of)

    def count_the_pieces_given() -> None:
        encoder.encode = counting  # type: ignore[method-assign]

    assert_workers_agree(articles, use, encoder, between=count_the_pieces_given)
    assert sum(given) > 0  # pieces came from the workers


class BrokenEncoder:
    """An encoder that fails: its error must reach the caller from the encoding thread."""

    dim = 4

    def encode(self, sentences: list[str]) -> np.ndarray:
        raise RuntimeError("encoder broke")


@pytest.mark.slow  # forks a pool of workers
@pytest.mark.usefixtures("small_batches")
def test_an_encoder_error_in_the_encoding_thread_is_raised_in_the_caller(
    articles: list[Article],
) -> None:
    with pytest.raises(RuntimeError, match="encoder broke"):
        featurise.featurize_all(articles, STATIC.replace(workers=2), BrokenEncoder())  # type: ignore[arg-type]


def test_dates_and_spans_is_dates_and_date_spans(ecb_records: list[dict]) -> None:
    from samestory import normalize

    texts = [r["text"][:2000] for r in ecb_records]
    texts += ["Wednesday (Aug 6) and 6 August 2025", "15 de octubre del 2007, 01-Mar-08", "may 5"]
    assert sum(bool(normalize.dates(t)) for t in texts) > 10
    for text in texts:
        assert normalize.dates_and_spans(text) == (
            normalize.dates(text),
            normalize.date_spans(text),
        )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 11), max_size=30), max_size=12),
    st.integers(0, 2**32 - 1),
)
def test_vectors_of_many_is_vectors_of_each_list(lists: list[list[int]], seed: int) -> None:
    """One stack, cast and reduceat for a batch's lists: each list's sentence and
    document vectors the same bits as vectors_of gives it alone."""
    from samestory.encoders import normalize_rows
    from samestory.features import vectors_of, vectors_of_many

    dim = 512
    rng = np.random.default_rng(seed)
    # Sentences of 1 to 12 words (a list repeats some), each with a unit float32 row.
    sentences = [" ".join(["w"] * (k + 1)) + f" {k}" for k in range(12)]
    unit = normalize_rows(rng.standard_normal((12, dim))).astype(np.float32)
    rows = dict(zip(sentences, unit, strict=True))
    texts = [[sentences[k] for k in picks] for picks in lists]
    many = vectors_of_many(texts, rows, dim)
    for text, (halves, document) in zip(texts, many, strict=True):
        matrix = np.stack([rows[s] for s in text]) if text else np.zeros((0, dim), np.float32)
        want_halves, want_document = vectors_of(text, matrix, dim)
        assert halves.dtype == want_halves.dtype and document.dtype == want_document.dtype
        np.testing.assert_array_equal(halves, want_halves)
        assert document.tobytes() == want_document.tobytes()
