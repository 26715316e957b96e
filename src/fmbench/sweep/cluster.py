"""Where the cells run: a LocalCluster, an existing Dask scheduler, or Slurm through dask-jobqueue.

Schedulers started here (local, slurm) reschedule the cells of a worker that died at most
``retries`` times (Dask's ``distributed.scheduler.allowed-failures``); an existing scheduler
keeps its own setting (Dask's default: 3). The dashboard is not started.
"""

from __future__ import annotations

import os
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from fmbench.errors import ConfigError
from fmbench.sweep.spec import SlurmSpec

DIST_HINT = "install the dist extra: python -m pip install 'fmbench[dist]'"


@dataclass(frozen=True)
class ClusterChoice:
    kind: str  # local | slurm | address
    address: str | None = None
    workers: int | None = None
    worker_resources: dict[str, float] | None = None  # what each local/Slurm worker offers
    retries: int = 2
    slurm: SlurmSpec | None = None

    @classmethod
    def of(cls, cluster: str, *, workers: int | None, resources: dict[str, float], retries: int,
           slurm: SlurmSpec) -> ClusterChoice:
        if cluster in {"local", "slurm"}:
            return cls(cluster, workers=workers, worker_resources=resources, retries=retries, slurm=slurm)
        return cls("address", address=cluster, workers=workers, retries=retries)

    def describe(self) -> str:
        if self.kind == "address":
            return f"the scheduler at {self.address}"
        if self.kind == "slurm":
            return f"{self.n_workers} Slurm job(s)"
        return f"a local cluster of {self.n_workers} worker process(es)"

    @property
    def n_workers(self) -> int:
        if self.workers is not None:
            return self.workers
        return (os.cpu_count() or 1) if self.kind == "local" else 1


def require_dask() -> None:
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ConfigError(f"fmbench sweep runs on Dask distributed, which is not installed: {DIST_HINT}") from None


def _local(choice: ClusterChoice) -> Any:
    from distributed import LocalCluster

    return LocalCluster(n_workers=choice.n_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                        dashboard_address=None, resources=dict(choice.worker_resources or {}) or None)


def _slurm(choice: ClusterChoice) -> Any:
    try:
        from dask_jobqueue import SLURMCluster
    except ImportError:
        raise ConfigError(f"--cluster slurm needs dask-jobqueue, which is not installed: {DIST_HINT}") from None
    s = choice.slurm or SlurmSpec()
    offers = dict(choice.worker_resources or {})
    if s.gpus:
        offers["GPU"] = max(float(s.gpus), offers.get("GPU", 0.0))
    extra = [*s.job_extra, *([f"--gres=gpu:{s.gpus}"] if s.gpus else [])]
    worker_args = []
    if offers:
        worker_args += ["--resources", ",".join(f"{k}={v:g}" for k, v in sorted(offers.items()))]
    kwargs: dict[str, Any] = {
        "cores": 1, "processes": 1, "job_cpu": s.cores, "memory": s.memory, "walltime": s.walltime,
        "queue": s.partition, "account": s.account, "job_extra_directives": extra,
        "worker_extra_args": worker_args, "scheduler_options": {"dashboard_address": None},
        "job_name": "fmbench-sweep",
    }
    if s.interface:
        kwargs["interface"] = s.interface
        if s.interface == "lo":
            kwargs["scheduler_options"]["host"] = "127.0.0.1"
    import shutil

    if shutil.which("sbatch") is None:
        raise ConfigError("--cluster slurm: `sbatch` is not on PATH; run the sweep from a Slurm login node "
                          "(or install slurm-client)")
    cluster = SLURMCluster(**kwargs)
    cluster.scale(jobs=choice.n_workers)
    return cluster


def quiet_dask_logs() -> None:
    """Dask's own log lines (a cancelled task, a worker restarted) stay out of the sweep's output;
    errors still show. Worker processes started from here inherit the setting."""
    import logging

    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    for name in ("distributed", "dask_jobqueue"):
        logging.getLogger(name).setLevel(logging.ERROR)


@contextmanager
def open_client(choice: ClusterChoice):  # noqa: ANN201 - Iterator[distributed.Client]
    """A connected client; the cluster started for it is closed on the way out."""
    import dask
    from distributed import Client

    with ExitStack() as stack:
        stack.enter_context(dask.config.set({"distributed.scheduler.allowed-failures": choice.retries}))
        if choice.kind == "address":
            try:
                client = Client(choice.address, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise ConfigError(f"--cluster {choice.address}: cannot connect to a Dask scheduler there "
                                  f"({' '.join(str(exc).split())[:200]}); start one with `dask scheduler` "
                                  "or check the address") from None
            stack.callback(client.close)
            yield client
            return
        cluster = _local(choice) if choice.kind == "local" else _slurm(choice)
        stack.callback(cluster.close)
        client = Client(cluster)
        stack.callback(client.close)
        yield client


def check_resources(client: Any, wanted: list[dict[str, float]], *, choice: ClusterChoice) -> None:
    """Refuse a sweep whose cells ask for a resource no connected worker offers (they would wait forever)."""
    if choice.kind != "address":
        return
    info = client.scheduler_info().get("workers", {})
    if not info:
        return  # workers may join later
    offered: dict[str, float] = {}
    for w in info.values():
        for name, amount in (w.get("resources") or {}).items():
            offered[name] = max(offered.get(name, 0.0), float(amount))
    for need in wanted:
        for name, amount in need.items():
            if offered.get(name, 0.0) < amount:
                raise ConfigError(
                    f"--resources {name}={amount:g}: no worker of {choice.address} offers {name}={amount:g}; "
                    f"start workers with `dask worker {choice.address} --resources {name}={amount:g}`")
