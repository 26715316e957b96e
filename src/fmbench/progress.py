"""How long work reports progress: a callback object the caller supplies.

Protocols call ``ctx.progress.start(label, total)``, ``advance()`` and ``stop()`` (or ``step``,
which stops however the step ends); they never draw anything themselves. The CLI passes
``RichProgress`` (a bar on a terminal, silent when stderr is piped), ``fmbench.evaluate(progress=True)``
does the same in a notebook, and the default ``QuietProgress`` says nothing.

Code deep inside a step that works in batches (an adapter's forward passes) cannot see the
run's reporter; it calls ``report_batch(n)`` after each batch, which advances the bar of the
step running now if that step asked for it (``batch_reports``), and does nothing otherwise.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol


class ProgressReporter(Protocol):
    def start(self, label: str, total: int) -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def stop(self) -> None: ...


class QuietProgress:
    """Says nothing (piped output, tests, callers that did not ask)."""

    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def stop(self) -> None:
        pass


class RichProgress:
    """A transient Rich bar on stderr when it is a terminal; nothing when it is piped."""

    def __init__(self, *, force: bool = False) -> None:
        self.enabled = force or sys.stderr.isatty()
        self._bar: Any = None
        self._task: Any = None

    def start(self, label: str, total: int) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.stop()
        self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task(label, total=total)
        self._bar.start()

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


@contextmanager
def step(reporter: ProgressReporter, label: str, total: int) -> Iterator[ProgressReporter]:
    """One long step's bar, stopped however the step ends."""
    reporter.start(label, total)
    try:
        yield reporter
    finally:
        reporter.stop()


_BATCH_SINK: ContextVar[Callable[[int], None] | None] = ContextVar("fmbench_batch_sink", default=None)


def report_batch(n: int = 1) -> None:
    """``n`` more inputs are done: advance the running step's bar if it asked for batch reports."""
    sink = _BATCH_SINK.get()
    if sink is not None:
        sink(n)


@contextmanager
def batch_reports(sink: Callable[[int], None]) -> Iterator[None]:
    """Within the block, ``report_batch(n)`` calls ``sink(n)`` (in this thread and context)."""
    token = _BATCH_SINK.set(sink)
    try:
        yield
    finally:
        _BATCH_SINK.reset(token)


def advance_to(reporter: ProgressReporter) -> Callable[[int, int], None]:
    """An ``on_chunk(done, total)`` callback (``fmbench.cache.cached_chunks``) that advances
    ``reporter`` to ``done`` items, counting only what it has not counted yet."""
    counted = [0]

    def on_chunk(done: int, _total: int) -> None:
        if done > counted[0]:
            reporter.advance(done - counted[0])
            counted[0] = done

    return on_chunk
