"""User-facing errors.

Every error a user can cause (a bad file, a wrong argument, a model returning NaN) is an
``FmbenchError``. The CLI prints its message on one line and exits with status 2; anything
else is a bug and keeps its traceback. Each subclass also derives from the matching builtin
so callers of the library can catch ``ValueError``/``FileNotFoundError`` as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol


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


class RowDataError(DataError):
    """A DataError about one input row, e.g. ``RowDataError(3, "sequence in row {row} holds 'X'")``.

    A model sees a slice of the dataset (a chunk of ``embed_chunk`` rows); the caller that made
    the slice re-raises ``exc.shifted(start)`` so the message names the dataset's row."""

    def __init__(self, row: int, template: str) -> None:
        self.row, self.template = row, template
        super().__init__(template.replace("{row}", str(row)))  # not format(): the text may hold braces

    def shifted(self, offset: int) -> RowDataError:
        return RowDataError(self.row + offset, self.template)


class ModelError(FmbenchError, RuntimeError):
    """A model raised, or returned outputs that fail the checks."""


class RecordError(FmbenchError, ValueError):
    """An eval record is malformed or inconsistent."""


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run, carrying what the run leaves behind for the one line the CLI prints.

    Still a ``KeyboardInterrupt``, so library callers stop as they would on any Ctrl-C.
    ``kept``: model outputs in the cache by method (read or written by this run); ``cache``: the
    run's ``provenance.cache`` (``on`` or ``off: why``); ``cache_dir``: the cache root;
    ``evaluating``: interrupted while the protocol ran, before anything was written. The CLI adds
    ``target`` (the output folder of the interrupted run) and ``finished`` (what the command
    completed and wrote before: suites, quickstart runs).
    """

    def __init__(self, *, kept: Mapping[str, int] | None = None, cache: str = "off", cache_dir: object = None,
                 evaluating: bool = False) -> None:
        super().__init__("interrupted")
        self.kept = dict(kept or {})
        self.cache = cache
        self.cache_dir = cache_dir
        self.evaluating = evaluating
        self.target: str | None = None
        self.finished: list[str] = []


class _HasErrors(Protocol):
    """A pydantic ``ValidationError`` or FastAPI's ``RequestValidationError`` (kept unimported here)."""

    def errors(self) -> Sequence[Mapping[str, Any]]: ...


def validation_messages(
    exc: _HasErrors,
    *,
    prefix: str = "",
    first_only: bool = False,
    root: str = "(root)",
    lead: Sequence[object] = (),
    skip: Collection[object] = (),
    render: Callable[[str, str, Mapping[str, Any]], str] | None = None,
) -> list[str]:
    """One ``prefix: a.b.c: message`` line per validation error (only the first if ``first_only``).

    The location joins ``lead`` and the error's ``loc`` (parts in ``skip`` left out) with dots,
    or is ``root`` when that is empty; pydantic's ``"Value error, "`` is cut from the message.
    ``render(loc, message, error)`` replaces the ``loc: message`` part where a caller words
    some errors its own way; ``prefix`` is still put in front.
    """
    errors = list(exc.errors())
    if first_only:
        errors = errors[:1]
    lines = []
    for err in errors:
        parts = [*lead, *(p for p in err.get("loc", ()) if p not in skip)]
        loc = ".".join(str(p) for p in parts) or root
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        text = render(loc, msg, err) if render is not None else f"{loc}: {msg}"
        lines.append(f"{prefix}: {text}" if prefix else text)
    return lines
