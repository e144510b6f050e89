"""The persistent story store: one SQLite file that keeps every version.

- :mod:`~samestory.store.core`: :class:`Store` (opening, reading, the add transaction);
- :mod:`~samestory.store.upgrade_loops`: its upgrade (how much is left, the resumable
  loops, a chunk's transaction), a base class of :class:`Store`;
- :mod:`~samestory.store.transaction`: the work of one transaction (writing, the report);
- :mod:`~samestory.store.adding`: an add's steps; :mod:`~samestory.store.regroup`: the
  re-clustering; :mod:`~samestory.store.upgrading`: an upgrade chunk's steps and the
  loops' chunk runner's parts;
- :mod:`~samestory.store.schema`: the tables, transactions and :class:`StoreError`;
- :mod:`~samestory.store.migrations`: the schema as named steps recorded in the store;
- :mod:`~samestory.store.codec`: features as JSON + NumPy bytes (no pickle);
- :mod:`~samestory.store.index`: the LSH table and the copy test's MinHash reads;
- :mod:`~samestory.store.listing`: the story list, read without loading the engine.
- :mod:`~samestory.store.reading`: one story, read without loading the engine (``show``).

See docs/store.md. The names below are imported on first use (PEP 562 module
``__getattr__``), as in ``samestory/__init__``: ``samestory stories`` reads the list
through :mod:`~samestory.store.listing` without importing :mod:`~samestory.store.core`
(NumPy, MinHash-LSH, the encoders).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from samestory.store.adding import revision_id, text_fingerprint
    from samestory.store.core import Change, Store
    from samestory.store.listing import StorySummary
    from samestory.store.migrations import MIGRATIONS, Migration
    from samestory.store.schema import SCHEMA_VERSION, StoreBusy, StoreError
    from samestory.store.transaction import AddReport

# Public name -> the module that defines it.
_HOMES = {
    "MIGRATIONS": "samestory.store.migrations",
    "SCHEMA_VERSION": "samestory.store.schema",
    "AddReport": "samestory.store.transaction",
    "Change": "samestory.store.core",
    "Migration": "samestory.store.migrations",
    "Store": "samestory.store.core",
    "StoreBusy": "samestory.store.schema",
    "StoreError": "samestory.store.schema",
    "StorySummary": "samestory.store.listing",
    "revision_id": "samestory.store.adding",
    "text_fingerprint": "samestory.store.adding",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'samestory.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later lookups skip this function
    return value
