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


class InputError(SamestoryError, ValueError):
    """Input the pipeline cannot use: a missing path, an unreadable file or record."""


class BadRecord(InputError, TypeError):
    """One record (article) has a field of the wrong type or an unusable value.

    ``record`` names the record (its id, or ``file:line``), ``field`` the field; the
    message reads ``record: field reason`` like the CLI's skipped-record lines.
    """

    def __init__(self, record: str, field: str, reason: str) -> None:
        super().__init__(f"{record}: {field} {reason}")
        self.record = record
        self.field = field
        self.reason = reason
