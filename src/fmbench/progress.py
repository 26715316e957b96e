"""How long work reports progress: a callback object the caller supplies.

Protocols call ``ctx.progress.start(label, total)``, ``advance()`` and ``stop()``; they never
draw anything themselves. The CLI passes ``RichProgress`` (a bar on a terminal, silent when
stderr is piped), ``fmbench.evaluate(progress=True)`` does the same in a notebook, and the
default ``QuietProgress`` says nothing.
"""

from __future__ import annotations

import sys
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
