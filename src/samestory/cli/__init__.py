"""The ``samestory`` command line: a thin layer over :mod:`samestory.api` and the store.

``app`` (the Typer application, :mod:`samestory.cli.commands`) is imported on first use
(PEP 562 module ``__getattr__``), so the fast path of :mod:`samestory.cli.launch`
(``samestory --help``, ``samestory stories``) runs without importing Typer.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from samestory.cli.commands import SamestoryApp

    app: SamestoryApp


def _log_to_stderr() -> None:
    """The library's messages (the ``samestory`` logger) as one line each on stderr,
    ``samestory: message``, as it printed them before it logged."""
    logger = logging.getLogger("samestory")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("samestory: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


_log_to_stderr()


def __getattr__(name: str) -> Any:
    if name != "app":
        raise AttributeError(f"module 'samestory.cli' has no attribute {name!r}")
    from samestory.cli.commands import app

    globals()["app"] = app
    return app
