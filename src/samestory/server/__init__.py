"""``samestory serve``: a REST API and server-rendered web pages over one store.

- :func:`create_app` builds the FastAPI application (see :mod:`samestory.server.app`);
- :class:`StoreWriter` is the single writer every in-process write goes through
  (:mod:`samestory.server.writer`), reusable by anything that runs inside the server;
- :class:`Reader` holds every read the server makes (:mod:`samestory.server.queries`).

Importing this package imports FastAPI; the command line imports it only in ``serve``.
"""

from samestory.server.app import ServerSettings, create_app
from samestory.server.queries import Reader
from samestory.server.writer import StoreLocked, StoreWriter, WriterBusy, WriterClosed

__all__ = [
    "Reader",
    "ServerSettings",
    "StoreLocked",
    "StoreWriter",
    "WriterBusy",
    "WriterClosed",
    "create_app",
]
