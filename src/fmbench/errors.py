"""User-facing errors.

Every error a user can cause (a bad file, a wrong argument, a model returning NaN) is an
``FmbenchError``. The CLI prints its message on one line and exits with status 2; anything
else is a bug and keeps its traceback. Each subclass also derives from the matching builtin
so callers of the library can catch ``ValueError``/``FileNotFoundError`` as usual.
"""

from __future__ import annotations


class FmbenchError(Exception):
    """Base class of errors caused by user input; the message says what and where."""

    exit_code = 2

    def one_line(self) -> str:
        return " ".join(str(self).split())


class ConfigError(FmbenchError, ValueError):
    """A catalog file, model config or command-line option is invalid."""


class NotFoundError(FmbenchError, LookupError):
    """An id (suite, benchmark, model, dataset) or a file does not exist."""


class DataError(FmbenchError, ValueError):
    """Input data has the wrong shape, length, labels or metadata."""


class ModelError(FmbenchError, RuntimeError):
    """A model raised, or returned outputs that fail the checks."""


class RecordError(FmbenchError, ValueError):
    """An eval record is malformed or inconsistent."""
