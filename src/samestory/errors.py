"""The exceptions samestory raises on purpose: catch :class:`SamestoryError` for all of them.

Each names what was wrong and where (field, record, file), so a front end can print it
as one line without a traceback.
"""

from __future__ import annotations


class SamestoryError(Exception):
    """Base of every error samestory raises deliberately."""


class ConfigError(SamestoryError, ValueError):
    """A :class:`~samestory.config.Config` field (or stored configuration) is invalid."""


class ParamsError(SamestoryError):
    """A shipped parameter file (``samestory/params/*.json``) does not fit the code."""
