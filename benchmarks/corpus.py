"""Benchmark corpora of any size from the real dev articles, with gold stories.

The originals are the article files in ``shared/data`` (ECB+ and MEANTIME: 736 real news
articles, gold = ``story``). Corpora larger than that are filled with realistic variants
of the originals that keep the original's gold story:

- **repost**: boilerplate lines added around the text ("Share this article",
  "Source: Reuters", navigation text, a copyright line);
- **edit**: a few words changed, a number changed (a light copy-edit);
- **truncate**: the first 60% of the text (cut at a word boundary);
- **shuffle**: paragraphs (or, for one-paragraph texts, sentences) in another order.

Variants cycle through the originals in a seeded order; from the second round on a
variant combines two of these edits, with fresh random choices, so texts stay distinct.
Each variant has a new id (``<original id>~v<k>``). Everything is deterministic per seed.

``python benchmarks/corpus.py 2000`` prints a summary.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

from samestory.evaluate import load_records, record_to_article
from samestory.models import Article

# $SAMESTORY_SHARED/data, as the tests read it (a git worktree has no ../shared).
DATA = (
    Path(
        os.environ.get("SAMESTORY_SHARED") or Path(__file__).resolve().parents[1].parent / "shared"
    )
    / "data"
)
ARTICLE_FILES = ("ecbplus_dev.jsonl", "meantime_dev.jsonl")

BOILERPLATE_TOP = (
    "Home | World | Business | Tech | Sport | Opinion",
    "Skip to main content",
    "Menu  Search  Sign in",
    "Advertisement",
    "Breaking News",
)
BOILERPLATE_BOTTOM = (
    "Share this article",
    "Source: Reuters",
    "Source: Associated Press",
    "Follow us on Twitter and Facebook.",
    "Copyright 2024 All rights reserved.",
    "Related articles",
    "Click here to subscribe to our newsletter.",
    "Share on Facebook | Share on Twitter | Email",
)
REPLACEMENTS = {
    "said": "stated",
    "says": "states",
    "told": "informed",
    "after": "following",
    "before": "prior to",
    "big": "large",
    "about": "around",
    "people": "persons",
    "killed": "left dead",
    "police": "authorities",
    "also": "additionally",
    "but": "however",
    "began": "started",
    "more than": "over",
}
_NUMBER = re.compile(r"\b\d+\b")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def load_originals(data: Path = DATA) -> tuple[list[Article], list[str]]:
    """The real dev articles (in file order) and their gold story labels."""
    articles: list[Article] = []
    gold: list[str] = []
    for name in ARTICLE_FILES:
        path = data / name
        if not path.exists():
            continue
        for record in load_records(path):
            if not record.get("text"):
                continue
            articles.append(record_to_article(record))
            gold.append(f"{name}:{record['story']}")
    if not articles:
        raise FileNotFoundError(f"no article files in {data}")
    return articles, gold


REAL_FILES = ("ecbplus_dev.jsonl", "meantime_dev.jsonl", "gva_dev.jsonl")


def real_corpus(data: Path = DATA) -> tuple[list[Article], list[str]]:
    """The dev sets' distinct real articles, concatenated: no synthetic variants.

    ECB+, MEANTIME and GVA dev (about 2,300 articles, mostly distinct: the kind of input
    a feed brings, where each sentence is new); ids and gold stories are prefixed by
    the set (``gva:123``), and a text seen before (after whitespace is collapsed) is
    dropped. Records keep their ``lang``, ``title`` and ``date``, as ``samestory eval``
    reads them.
    """
    articles: list[Article] = []
    gold: list[str] = []
    seen: set[str] = set()
    for name in REAL_FILES:
        path = data / name
        if not path.exists():
            continue
        prefix = name.split("_")[0]
        for record in load_records(path):
            key = " ".join((record.get("text") or "").split())
            if not key or key in seen:
                continue
            seen.add(key)
            articles.append(record_to_article({**record, "id": f"{prefix}:{record['id']}"}))
            gold.append(f"{prefix}:{record['story']}")
    if not articles:
        raise FileNotFoundError(f"no article files in {data}")
    return articles, gold


def repost(text: str, rng: random.Random) -> str:
    """Boilerplate lines added above and below the text (a scraped repost)."""
    top = rng.sample(BOILERPLATE_TOP, rng.randint(1, 2))
    bottom = rng.sample(BOILERPLATE_BOTTOM, rng.randint(1, 3))
    return "\n".join([*top, text, *bottom])


def light_edit(text: str, rng: random.Random) -> str:
    """A few words replaced (synonyms) and one number changed."""
    words = list(REPLACEMENTS)
    rng.shuffle(words)
    changed = 0
    for word in words:
        pattern = re.compile(rf"\b{re.escape(word)}\b")
        if pattern.search(text):
            text = pattern.sub(REPLACEMENTS[word], text, count=1)
            changed += 1
        if changed >= 3:
            break
    numbers = list(_NUMBER.finditer(text))
    if numbers:
        m = rng.choice(numbers)
        value = int(m.group()) + rng.randint(1, 9)
        text = text[: m.start()] + str(value) + text[m.end() :]
    return text


def truncate(text: str, rng: random.Random, share: float = 0.6) -> str:
    """The first ``share`` of the text, cut at a word boundary."""
    cut = max(1, int(len(text) * share))
    space = text.rfind(" ", 0, cut)
    return text[: space if space > 0 else cut].rstrip()


def shuffle_paragraphs(text: str, rng: random.Random) -> str:
    """Paragraphs (lines) in a new order; sentences when there is a single paragraph."""
    parts = [p for p in text.split("\n") if p.strip()]
    joiner = "\n"
    if len(parts) < 3:
        parts = _SENTENCE_END.split(text)
        joiner = " "
    if len(parts) < 2:
        return text
    head, rest = parts[0], parts[1:]
    rng.shuffle(rest)  # keep the lead: agencies reorder the body, rarely the lede
    return joiner.join([head, *rest])


VARIANTS: dict[str, Callable[[str, random.Random], str]] = {
    "repost": repost,
    "edit": light_edit,
    "truncate": truncate,
    "shuffle": shuffle_paragraphs,
}


def make_variant(original: Article, round_no: int, k: int, rng: random.Random) -> Article:
    """Variant ``k`` of ``original``: one edit in round 0, two combined edits after."""
    names = list(VARIANTS)
    first = names[(round_no + k) % len(names)]
    text = VARIANTS[first](original.text, rng)
    if round_no >= 1:
        second = rng.choice([n for n in names if n != first])
        text = VARIANTS[second](text, rng)
    return Article(
        id=f"{original.id}~v{k}",
        text=text,
        title=original.title,
        date=original.date,
        source=original.source,
        lang=original.lang,
    )


def build_corpus(n: int, seed: int = 0, data: Path = DATA) -> tuple[list[Article], list[str]]:
    """``n`` articles and their gold stories: originals first, then variants as needed.

    With ``n`` at most the number of originals, a seeded random subset of originals (in
    file order) is returned.
    """
    originals, labels = load_originals(data)
    rng = random.Random(seed)
    if n <= len(originals):
        keep = sorted(rng.sample(range(len(originals)), n))
        return [originals[i] for i in keep], [labels[i] for i in keep]
    articles, gold = list(originals), list(labels)
    order = list(range(len(originals)))
    k = 0
    round_no = 0
    while len(articles) < n:
        rng.shuffle(order)
        for i in order:
            if len(articles) >= n:
                break
            articles.append(make_variant(originals[i], round_no, k, rng))
            gold.append(labels[i])
            k += 1
        round_no += 1
    return articles, gold


def real_records() -> dict[str, dict]:
    """The dev sets' raw records of the real corpus, keyed as ``real_corpus`` names them."""
    records = {}
    for name in ("ecbplus_dev", "meantime_dev", "gva_dev"):
        prefix = name.split("_")[0]
        for r in load_records(DATA / f"{name}.jsonl"):
            records[f"{prefix}:{r['id']}"] = r
    return records


def real_topics(ids: list[str]) -> list[str]:
    """Each real-corpus article's topic key, ``set:topic`` (a dev record without a topic is its
    own story's topic): what cross-validation over topics folds on."""
    records = real_records()
    return [f"{i.split(':')[0]}:{records[i].get('topic') or records[i]['story']}" for i in ids]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build a benchmark corpus and summarise it.")
    parser.add_argument("n", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    articles, gold = build_corpus(args.n, args.seed)
    print(
        f"{len(articles)} articles, {len(set(gold))} gold stories, "
        f"{len({a.text for a in articles})} distinct texts"
    )
    for a in articles[-3:]:
        print(f"--- {a.id}\n{a.text[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
