"""Stage 1, featurise: ``Article`` → ``DocFeatures``, everything later stages read."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from samestory import lexical
from samestory.config import DEFAULT_CONFIG, Config
from samestory.embed import SentenceEncoder, encoder_for
from samestory.features import DocFeatures, add_vectors, text_features
from samestory.models import Article
from samestory.parallel import map_chunks, worker_count

# progress(stage, done, total): called as work advances, for progress bars.
Progress = Callable[[str, int, int], None]
# Articles encoded per call of the sentence encoder. Its floating-point output depends
# slightly on the batch it runs in, so every driver (Spark's tasks too) encodes in these
# same batches to get bit-identical features.
FEATURE_BATCH = 256
# Articles per worker below which featurising in worker processes does not pay.
MIN_ARTICLES_PER_WORKER = 300
# Articles featurised before forking, spread over the input, so the workers inherit the
# language detector and the word tables of its languages (docs/experiments.md, 2026-11-29).
WARM_UP_SAMPLE = 32


def no_progress(stage: str, done: int, total: int) -> None:
    """The default :data:`Progress`: report nothing."""
    return None


def featurize_all(
    articles: Sequence[Article],
    config: Config = DEFAULT_CONFIG,
    encoder: SentenceEncoder | None = None,
    progress: Progress | None = None,
) -> list[DocFeatures]:
    """Features for every article, encoded in batches of ``FEATURE_BATCH``.

    With ``config.workers`` allowing it, the per-article Python work
    (:func:`~samestory.features.text_features`) runs in worker processes first; this
    process then encodes in the same batches as without workers, with the same BLAS
    threads, so the features are the same either way.
    """
    progress = progress or no_progress
    encoder = encoder or encoder_for(config.encoder)
    workers = worker_count(config.workers, len(articles), MIN_ARTICLES_PER_WORKER)
    if workers > 1:
        texts = _text_features_in_workers(articles, config, workers, progress)
        batches: Iterable[list[DocFeatures]] = (
            texts[k : k + FEATURE_BATCH] for k in range(0, len(texts), FEATURE_BATCH)
        )
    else:
        batches = (
            [text_features(a, config) for a in articles[k : k + FEATURE_BATCH]]
            for k in range(0, len(articles), FEATURE_BATCH)
        )
    out: list[DocFeatures] = []
    for batch in batches:
        out.extend(add_vectors(batch, encoder))
        progress("embedding", len(out), len(articles))
    if workers > 1:
        # Scoring workers fork from here next: give them every language's word table.
        lexical.load_backgrounds({f.lang for f in out})
    return out


def _text_features_in_workers(
    articles: Sequence[Article], config: Config, workers: int, progress: Progress
) -> list[DocFeatures]:
    """:func:`~samestory.features.text_features` of every article, on ``workers`` processes.

    All of them before any encoding: the encoder's BLAS threads would otherwise compete
    with the workers for the same cores.
    """
    # Load here what every worker needs (language detector, the word tables of the
    # languages a sample of the articles is in), so the forks inherit it instead of each
    # loading it: 32 articles featurised twice.
    for article in articles[:: max(1, len(articles) // WARM_UP_SAMPLE)]:
        text_features(article, config)

    def text_chunk(start: int, stop: int) -> list[DocFeatures]:
        return [text_features(a, config) for a in articles[start:stop]]

    return map_chunks(
        text_chunk,
        len(articles),
        workers,
        FEATURE_BATCH,
        on_chunk=lambda done: progress("reading", done, len(articles)),
    )
