"""Run a planned grid on Dask: skip finished cells, submit the rest, write each as it comes back.

Each cell is one task (``fmbench.sweep.task.run_cell``). Its files come back to the client, which
writes the cell's folder atomically as soon as the task finishes: a new folder is filled under a
temporary name and renamed into place, replacing an earlier one whole, so a cell folder is
always complete (record, reports, ``cell.json``) or absent. Workers need no shared filesystem.

Faults: a cell whose model raises comes back as ``failed`` (recorded, not retried); a worker
that dies has its cells rescheduled by the scheduler (bounded, ``ClusterChoice.retries``) and a
cell that kills workers past that bound is recorded as failed with Dask's ``KilledWorker``.
Ctrl-C cancels what is queued or running, closes the cluster and raises ``RunInterrupted``
saying how many cells are written; the same command continues the sweep.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from fmbench.errors import RecordError, RunInterrupted
from fmbench.filemodes import temp_folder
from fmbench.records.io import write_text_atomic
from fmbench.sweep.cells import CELL_FILE, Cell, Plan, cell_state, is_finished, read_cell_state
from fmbench.sweep.cluster import ClusterChoice, check_resources, open_client, require_dask
from fmbench.sweep.task import CellJob, CellOutcome, failed_record, run_cell


class SweepReporter(Protocol):
    def start(self, total: int, skipped: int) -> None: ...

    def update(self, *, done: int, running: int, failed: int) -> None: ...

    def stop(self) -> None: ...


class QuietSweep:
    def start(self, total: int, skipped: int) -> None:
        pass

    def update(self, *, done: int, running: int, failed: int) -> None:
        pass

    def stop(self) -> None:
        pass


@dataclass
class CellReport:
    cell: Cell
    status: str  # done | failed | skipped (done before, unchanged)
    wall_s: float | None = None
    primary: dict[str, Any] | None = None
    error: str | None = None


@dataclass
class SweepResult:
    out: Path
    cells: list[CellReport]
    cluster: str | None = None  # where the cells ran (None: nothing to run)
    wall_s: float = 0.0
    leaderboard: list[Path] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for c in self.cells if c.status == status)


def write_cell(out: Path, cell: Cell, outcome: CellOutcome) -> Path:
    """The cell's folder with its files and ``cell.json``, replacing an earlier one whole."""
    folder = out / cell.rel
    files = dict(outcome.files)
    files[CELL_FILE] = cell_state(cell, status=outcome.status, error=outcome.error, wall_s=outcome.wall_s,
                                  primary=outcome.primary, worker=outcome.worker)
    if outcome.traceback:
        files["traceback.txt"] = outcome.traceback
    if folder.exists() and not folder.is_dir():
        raise RecordError(f"{folder}: exists and is not a directory; move it away and rerun the sweep")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = temp_folder(folder.parent, prefix=f".{folder.name}.")
    try:
        for name, text in files.items():
            write_text_atomic(staging / name, text)
        if folder.exists():
            old = folder.parent / f".{folder.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(folder, old)
            os.replace(staging, folder)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _lost(cell: Cell, exc: BaseException | None) -> CellOutcome:
    """A cell whose task did not come back (its workers died past the bound, or Dask failed it)."""
    name = type(exc).__name__ if exc is not None else "unknown"
    if name == "KilledWorker":
        error = (f"the workers running it died too often ({' '.join(str(exc).split())[:300]}); not rescheduled "
                 "again: out of memory, or a crash in the model?")
    else:
        error = f"the task failed in Dask: {name}: {' '.join(str(exc).split())[:300]}"
    return CellOutcome("failed", error=error)


def _skipped(out: Path, cell: Cell) -> CellReport:
    state = read_cell_state(out / cell.rel) or {}
    return CellReport(cell, "skipped", wall_s=state.get("wall_s"), primary=state.get("primary"))


def run_sweep(plan: Plan, out: Path, choice: ClusterChoice, *,
              reporter: SweepReporter | None = None) -> SweepResult:
    """Run every cell of ``plan`` not finished in ``out``; write each cell when it finishes."""
    reporter = reporter or QuietSweep()
    t0 = time.perf_counter()
    reports: dict[int, CellReport] = {}
    todo: list[tuple[int, Cell]] = []
    for i, cell in enumerate(plan.cells):
        if is_finished(out, cell):
            reports[i] = _skipped(out, cell)
        else:
            todo.append((i, cell))
    result = SweepResult(out=out, cells=[])
    if todo:
        require_dask()
        result.cluster = choice.describe()
        _run_cells(plan, out, choice, todo, reports, reporter, skipped=len(reports))
    result.cells = [reports[i] for i in range(len(plan.cells))]
    result.wall_s = time.perf_counter() - t0
    return result


def _run_cells(plan: Plan, out: Path, choice: ClusterChoice, todo: list[tuple[int, Cell]],
               reports: dict[int, CellReport], reporter: SweepReporter, *, skipped: int) -> None:
    data_dir = str(plan.data_dir) if plan.data_dir is not None else None
    written = [skipped]
    try:
        with open_client(choice) as client:
            check_resources(client, [c.model.resources for _, c in todo if c.model.resources], choice=choice)
            futures: dict[Any, tuple[int, Cell, CellJob]] = {}
            for i, cell in todo:
                job = CellJob(cell.suite_id, cell.model.config, cell.seed, data_dir, cell.label)
                fut = client.submit(run_cell, job, plan.catalog, key=f"fmbench-cell-{i}-{uuid.uuid4().hex[:8]}",
                                    pure=False, resources=cell.model.resources or None, retries=0)
                futures[fut] = (i, cell, job)
            try:
                _collect(client, futures, plan, out, reports, reporter, written, skipped=skipped)
            except KeyboardInterrupt:
                client.cancel(list(futures), force=True)
                raise
    except KeyboardInterrupt:
        reporter.stop()
        exc = RunInterrupted()
        exc.finished = [f"{written[0]} of {len(plan.cells)} cells (in {out})"]
        raise exc from None


def _collect(client: Any, futures: dict[Any, tuple[int, Cell, CellJob]], plan: Plan, out: Path,
             reports: dict[int, CellReport], reporter: SweepReporter, written: list[int], *, skipped: int) -> None:
    """Write each cell as its task finishes, until none is left."""
    from distributed import as_completed

    from fmbench.records.io import record_to_yaml

    reporter.start(len(plan.cells), skipped)
    done = failed = running = 0
    polled = 0.0
    ac = as_completed(list(futures))
    while not ac.is_empty():
        batch = ac.next_batch(block=False)
        for fut in batch:
            i, cell, job = futures.pop(fut)
            if fut.status == "finished":
                outcome = fut.result()
            else:
                outcome = _lost(cell, fut.exception() if fut.status == "error" else None)
                outcome.files["eval.yaml"] = record_to_yaml(failed_record(plan.catalog, job, outcome.error or ""))
            write_cell(out, cell, outcome)
            written[0] += 1
            reports[i] = CellReport(cell, outcome.status, wall_s=outcome.wall_s or None,
                                    primary=outcome.primary, error=outcome.error)
            done += outcome.status == "done"
            failed += outcome.status == "failed"
            fut.release()
        if getattr(reporter, "wants_running", False) and (batch or time.monotonic() - polled > 0.5):
            running, polled = _running(client), time.monotonic()
        reporter.update(done=done, running=running, failed=failed)
        if not batch:
            time.sleep(0.05)
    reporter.stop()


def _running(client: Any) -> int:
    try:
        return sum(len(keys) for keys in client.processing().values())
    except Exception:  # noqa: BLE001 - only the progress bar's count
        return 0
