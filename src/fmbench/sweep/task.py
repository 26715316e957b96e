"""What a worker does with one cell: the runner of ``fmbench run --seed k``, outputs as text.

A cell's files (record, reports) come back to the client as strings, which writes them: workers
need no filesystem in common with the client. A user error or a model that raises is caught
here and returned as a failed cell (its one line, a failed record); it is never retried. Only a
worker that dies takes the cell down with it, and the scheduler runs the cell again elsewhere.

Datasets are loaded once per worker process and kept (the two most recent), so a worker that
runs many cells of one suite reads its data once; generation of a missing dataset is serialised
between the worker processes of one machine by a lock file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fmbench.catalog.registry import Catalog
from fmbench.models.config import ModelConfig

_DATASETS: OrderedDict[tuple[str, str], Any] = OrderedDict()
_KEEP = 2
_LOCK = threading.Lock()
LOADS: list[str] = []  # dataset ids loaded by this process, in order (tests count them)


@dataclass(frozen=True)
class CellJob:
    """What a worker needs to run one cell (pickled to it)."""

    suite_id: str
    config: ModelConfig
    seed: int
    data_dir: str | None
    label: str


@dataclass
class CellOutcome:
    """What comes back: status, files to write (name -> text), the primary metric, timings."""

    status: str  # done | failed
    files: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    traceback: str | None = None
    wall_s: float = 0.0
    primary: dict[str, Any] | None = None
    worker: str | None = None


def _dataset(catalog: Catalog, suite_id: str, data_dir: str | None) -> Any:
    from fmbench.data.paths import resolve_data_dir
    from fmbench.data.provision import load_dataset

    card = catalog.dataset(catalog.suite(suite_id).dataset_id)
    memo_key = (card.model_dump_json(), str(data_dir))
    with _LOCK:
        if memo_key in _DATASETS:
            _DATASETS.move_to_end(memo_key)
            return _DATASETS[memo_key]
        folder = os.path.realpath(resolve_data_dir(data_dir))
        lock = Path(tempfile.gettempdir()) / (
            f"fmbench-data-{hashlib.sha256(f'{folder}|{card.id}'.encode()).hexdigest()[:16]}.lock")
        with open(lock, "a") as fh:
            _flock(fh)
            dataset = load_dataset(card, data_dir)
        _DATASETS[memo_key] = dataset
        LOADS.append(card.id)
        while len(_DATASETS) > _KEEP:
            _DATASETS.popitem(last=False)
        return dataset


def _flock(fh: Any) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return
    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # released when the file closes


def _primary(record: Any, catalog: Catalog) -> dict[str, Any] | None:
    bench = catalog.benchmark(record.benchmark_id)
    name = bench.primary_metric if bench.primary_metric in record.metrics else next(iter(record.metrics), None)
    if name is None:
        return None
    mv = record.metrics[name]
    return {"metric": name, "value": mv.value, "ci": list(mv.ci) if mv.ci is not None else None}


def _worker_name() -> str | None:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return None


def run_cell(job: CellJob, catalog: Catalog) -> CellOutcome:
    """Run one cell as ``fmbench run --suite S --model M --seed k`` does; never raises for user errors."""
    from fmbench.errors import FmbenchError
    from fmbench.runner import prepare_context, render_outputs, run_context

    t0 = time.perf_counter()
    config = job.config
    ctx = None
    try:
        if config.type == "python_class":
            from fmbench.models.factory import preload_local_module

            preload_local_module(config)
        dataset = _dataset(catalog, job.suite_id, job.data_dir)
        ctx = prepare_context(catalog, job.suite_id, config, data_dir=job.data_dir, seed=job.seed,
                              dataset=dataset)
        record = run_context(ctx, seed=job.seed)
        files = render_outputs(record, catalog)
        return CellOutcome("done", files=files, wall_s=time.perf_counter() - t0,
                           primary=_primary(record, catalog), worker=_worker_name())
    except FmbenchError as exc:
        error, trace = exc.one_line(), None
    except Exception as exc:  # noqa: BLE001 - a bug or an unchecked model error: recorded, the sweep goes on
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:2000]
        trace = traceback.format_exc(limit=20)
    record = failed_record(catalog, job, error)
    from fmbench.records.io import record_to_yaml

    return CellOutcome("failed", files={"eval.yaml": record_to_yaml(record)}, error=error, traceback=trace,
                       wall_s=time.perf_counter() - t0, worker=_worker_name())


def failed_record(catalog: Catalog, job: CellJob, error: str) -> Any:
    """A ``status: failed`` record of the cell: what ran, with which seeds, and why it failed."""
    from fmbench.records.io import finalize
    from fmbench.records.provenance import provenance
    from fmbench.records.schema import DatasetRef, EvalRecord, ModelRef, utc_now
    from fmbench.runner import make_eval_id

    suite = catalog.suite(job.suite_id)
    card = catalog.datasets.get(suite.dataset_id)
    split_seed, boot_seed = suite.run_seeds(job.seed)
    created = utc_now()
    created_s = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    record = EvalRecord(
        eval_id=make_eval_id(suite.id, job.config.model_id, created_s, job.config.digest() + str(job.seed)),
        benchmark_id=suite.benchmark_id, suite_id=suite.id,
        model=ModelRef(id=job.config.model_id, name=job.config.display_name, config_digest=job.config.digest()),
        dataset=DatasetRef(id=suite.dataset_id, name=card.name if card is not None else None),
        status="failed", evidence="run", created_at=created, error=error[:2000],
        provenance=provenance(job.seed, protocol=suite.protocol, split_seed=split_seed, bootstrap_seed=boot_seed,
                              deviations=suite.deviations(split_seed=split_seed, bootstrap_seed=boot_seed,
                                                          protocol=suite.protocol)),
    )
    return finalize(record)
