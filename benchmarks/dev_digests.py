"""Relations/stories digests of ``analyze`` on each dev set and the real corpus.

    python benchmarks/dev_digests.py [--sets ecbplus,meantime,gva,real,10000] [--encoder static]
        [--short-forms lead,summary,headline,mixed-headline]

Runs :func:`samestory.api.analyze` on each dev set's articles as ``samestory eval``
reads them (``shared/data/<set>_dev.jsonl``, every record), on the real corpus
(:func:`corpus.real_corpus`) and on synthetic corpora of a given size
(:func:`corpus.build_corpus`, seed 0), and prints per set the SHA-256 of every relation's
``repr`` and every story's ``to_dict`` (:func:`run_digest.digest_row`), with the
wall and CPU time of the run (this process and its children) and its laps. Two
versions of the code that print the same digests on every set group the same stories:
a speed change shows them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import DATA, build_corpus, real_corpus
from run_digest import digest_row

from samestory.config import DEFAULT_CONFIG
from samestory.embed import encoder_for
from samestory.evaluate import load_records, make_short_variants, record_to_article
from samestory.models import Article


def articles_of(name: str) -> list[Article]:
    """The set's articles: the real corpus, a synthetic corpus of that size (seed 0), or
    every record of ``<name>_dev.jsonl``."""
    if name == "real":
        return real_corpus()[0]
    if name.isdigit():
        return build_corpus(int(name), 0)[0]
    return [record_to_article(r) for r in load_records(DATA / f"{name}_dev.jsonl")]


def short_articles_of(name: str, form: str) -> list[Article]:
    """The articles of dev set ``name``'s short ``form`` (every record cut as
    :func:`~samestory.evaluate.make_short_variants` cuts it for ``benchmarks/accuracy.py``)."""
    records = load_records(DATA / f"{name}_dev.jsonl")
    return [record_to_article(r) for r in make_short_variants(records, form)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="ecbplus,meantime,gva,real")
    parser.add_argument("--encoder", default="static", choices=("static", "use"))
    parser.add_argument(
        "--short-forms", default="", help="comma-separated short forms of each dev set, e.g. lead"
    )
    args = parser.parse_args(argv)
    config = DEFAULT_CONFIG.replace(encoder=args.encoder)
    encoder = encoder_for(args.encoder)
    encoder.encode(["warm up"])
    forms = [f for f in args.short_forms.split(",") if f]
    for name in args.sets.split(","):
        for form in forms or [None]:
            articles = articles_of(name) if form is None else short_articles_of(name, form)
            row = {"set": name if form is None else f"{name}:{form}", "articles": len(articles)}
            row.update(digest_row(articles, config, encoder))
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
