"""What a sweep shows: a bar over cells while it runs, a summary table and the paths at the end."""

from __future__ import annotations

import sys
from typing import Any

from fmbench.sweep.engine import SweepResult


class RichSweepProgress:
    """A Rich bar on stderr over cells (done / running / failed) when it is a terminal; else nothing."""

    def __init__(self, *, force: bool = False) -> None:
        self.enabled = force or sys.stderr.isatty()
        self.wants_running = self.enabled
        self._bar: Any = None
        self._task: Any = None
        self._skipped = 0

    def start(self, total: int, skipped: int) -> None:
        if not self.enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._skipped = skipped
        self._bar = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(),
                             TextColumn("done {task.fields[done]} · running {task.fields[running]} · "
                                        "failed {task.fields[failed]} · unchanged {task.fields[skipped]}"),
                             TimeElapsedColumn(), console=Console(stderr=True), transient=True)
        self._task = self._bar.add_task("sweep", total=total, completed=skipped, done=0, running=0, failed=0,
                                        skipped=skipped)
        self._bar.start()

    def update(self, *, done: int, running: int, failed: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=self._skipped + done + failed, done=done, running=running,
                             failed=failed)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def primary_text(primary: dict[str, Any] | None) -> str:
    if not primary or primary.get("value") is None:
        return "—"
    text = f"{primary['metric']} {primary['value']:.4f}"
    ci = primary.get("ci")
    if ci and None not in ci:
        text += f" [{ci[0]:.4f}, {ci[1]:.4f}]"
    else:  # as `run` and `quickstart` print it: a value without an interval says so
        text += " (no CI)"
    return text


def summary_rows(result: SweepResult) -> list[list[str]]:
    rows = []
    for c in result.cells:
        wall = "—" if c.wall_s is None else f"{c.wall_s:.2f}"
        status = {"skipped": "unchanged"}.get(c.status, c.status)
        rows.append([c.cell.label, primary_text(c.primary), wall, status])
    return rows


def print_summary(result: SweepResult, console: Any) -> None:
    from rich.table import Table

    table = Table(title=f"Sweep: {len(result.cells)} cells")
    for name in ("Cell", "Primary metric (95% CI)", "Wall s", "Status"):
        table.add_column(name, overflow="fold")
    for row in summary_rows(result):
        table.add_row(*row)
    console.print(table)
    ran = result.count("done") + result.count("failed")
    where = f" on {result.cluster}" if result.cluster else ""
    console.print(f"{len(result.cells)} cells: {result.count('done')} done, {result.count('skipped')} unchanged "
                  f"(not rerun), {result.count('failed')} failed; {ran} ran{where} in {result.wall_s:.1f} s")
    console.print(f"records: {result.out}/<suite>/<model>/seed-<k>/eval.yaml")
    for c in result.cells:
        if c.status == "failed":
            console.print(f"failed: {result.out / c.cell.rel / 'cell.json'}: {c.error}")
    for p in result.leaderboard:
        console.print(f"wrote {p}")
