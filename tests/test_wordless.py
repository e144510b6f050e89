"""A text that cleaning leaves without words is never a copy, in every driver.

Such texts (a lone "Advertisement" or "Related Coverage" paragraph, a cut text whose one
paragraph opens with boilerplate) all have the empty text's fingerprint. Until
2026-12-07 the batch's copy collapse and Spark's fingerprint join made every one of them
in a corpus one copy group, hence one story (and the store followed, store = batch): the
lead's 400 GVA texts, every second cut to 18 words, had 6 of four incidents in one
story. Now each is its own representative, scored like any text on what it still has.
Spark's job is checked on tests/test_spark.py's own run (no Spark run of its own).
"""

from __future__ import annotations

from pathlib import Path

from conftest import ECBPLUS_SUBSET, batch_partition, read_jsonl, store_partition

from samestory.api import cluster
from samestory.candidates import CandidateIndex
from samestory.embed import encoder_for
from samestory.features import featurize, text_features
from samestory.models import Article
from samestory.pipeline.copies import collapse_copies, has_words

# Each cleans to no words, with rule BS (switches.BOILERPLATE_BY_SENTENCE) off or on: a
# label alone, a related-story link, a newsletter prompt, a label before a link.
WORDLESS = (
    "Advertisement",
    "Related Coverage Man shot and killed in a town of the valley",
    "Sign up for one of our email newsletters.",
    "Advertisement Related Coverage A bridge collapsed on the river road on Monday",
)


def _corpus() -> list[Article]:
    """Twelve ECB+ fixture texts, a repost of the first, the wordless texts among them."""
    records = read_jsonl(ECBPLUS_SUBSET)[:12]
    articles = [Article(id=r["id"], text=r["text"]) for r in records]
    repost = Article(id="repost", text="Advertisement\n\n" + records[0]["text"])
    wordless = [Article(id=f"empty{k}", text=t) for k, t in enumerate(WORDLESS)]
    # Spread out: a wordless text first, one between, the rest after the repost.
    return [wordless[0], *articles[:6], wordless[1], *articles[6:], repost, *wordless[2:]]


def test_the_wordless_texts_clean_to_no_words():
    features = [text_features(Article(id=str(k), text=t)) for k, t in enumerate(WORDLESS)]
    assert not any(has_words(f) for f in features)
    assert len({f.fingerprint for f in features}) == 1  # the empty text's, shared


def test_the_batch_copy_collapse_keeps_wordless_texts_apart():
    articles = _corpus()
    features = [text_features(a) for a in articles]
    groups = collapse_copies(features)
    copy_ids = groups.copy_ids(features)
    assert copy_ids == {"repost": articles[1].id}  # a copy with words still collapses
    assert not any(i.startswith("empty") for i in (*copy_ids, *copy_ids.values()))


def test_the_candidate_index_proposes_no_pair_by_the_empty_fingerprint():
    articles = [Article(id=f"e{k}", text=t) for k, t in enumerate(WORDLESS)]
    features = featurize(articles)
    index = CandidateIndex()
    index.add(features)
    assert all(index.neighbours(f) == [] for f in features)


def test_batch_and_store_keep_each_wordless_text_its_own_story(tmp_path: Path):
    articles = _corpus()
    encoder = encoder_for("static")
    batch = batch_partition(articles, encoder)
    for k in range(len(WORDLESS)):
        assert frozenset({f"empty{k}"}) in batch
    assert store_partition(articles, tmp_path / "one.db", len(articles), encoder) == batch
    assert store_partition(articles, tmp_path / "adds.db", 3, encoder) == batch
    stories = cluster(articles, encoder=encoder)
    assert {a for s in stories for a in s.articles} == {a.id for a in articles}  # none skipped
