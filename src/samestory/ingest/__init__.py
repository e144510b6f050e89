"""Ingest: turn files into :class:`~samestory.models.Article` objects, never failing a batch.

Readers are picked by file extension:

- ``.txt``/``.md``: one article per file (title and ``date YYYY-MM-DD`` rules in
  :mod:`samestory.ingest.text`);
- ``.jsonl``/``.ndjson``, ``.json``, ``.csv``/``.tsv``, ``.parquet``: one article per
  record, fields found through a :class:`FieldMap` (:mod:`samestory.ingest.records`);
- ``.html``/``.htm``: main text and metadata via trafilatura (:mod:`samestory.ingest.html`);
- ``.xml``/``.rss``/``.atom`` and any file whose content opens a feed: one article per
  entry via feedparser (:mod:`samestory.ingest.feeds`).

Anything that cannot be read becomes a :class:`~samestory.models.SkippedRecord` with a
clear reason; ids are made unique within a run by suffixing ``#2``, ``#3``...
"""

from samestory.dates import parse_date
from samestory.ingest._common import DEFAULT_FIELDS, FieldMap, IngestResult
from samestory.ingest.core import READERS, iter_paths, read_paths
from samestory.ingest.feeds import looks_like_feed
from samestory.ingest.text import looks_like_title, read_text_blob

__all__ = [
    "DEFAULT_FIELDS",
    "READERS",
    "FieldMap",
    "IngestResult",
    "iter_paths",
    "looks_like_feed",
    "looks_like_title",
    "parse_date",
    "read_paths",
    "read_text_blob",
]
