"""The persistent story store: one SQLite file that keeps every version.

- :mod:`~samestory.store.core`: :class:`Store` (adding, re-clustering, reading);
- :mod:`~samestory.store.schema`: the tables, transactions and :class:`StoreError`;
- :mod:`~samestory.store.migrations`: the schema as named steps recorded in the store;
- :mod:`~samestory.store.codec`: features as JSON + NumPy bytes (no pickle);
- :mod:`~samestory.store.index`: the LSH table and the copy test's MinHash reads.

See docs/store.md.
"""

from samestory.store.core import (
    AddReport,
    Change,
    Store,
    StorySummary,
    revision_id,
    text_fingerprint,
)
from samestory.store.migrations import MIGRATIONS, Migration
from samestory.store.schema import SCHEMA_VERSION, StoreBusy, StoreError

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AddReport",
    "Change",
    "Migration",
    "Store",
    "StoreBusy",
    "StoreError",
    "StorySummary",
    "revision_id",
    "text_fingerprint",
]
