"""Fixtures of the sweep tests: a Dask LocalCluster of two worker processes on 127.0.0.1 shared by
the tests that connect to an existing scheduler, and a one-node Slurm cluster (slurm_helpers)."""

from __future__ import annotations

from pathlib import Path

import pytest

try:
    import distributed  # noqa: F401
except ImportError:  # the dist extra is not installed (CI installs it: every test here runs there)
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def sweep_cache(tmp_path_factory) -> Path:  # noqa: ANN001
    """The output cache of the shared cluster's workers."""
    return tmp_path_factory.mktemp("sweep-cache")


@pytest.fixture(scope="session")
def dask_cluster(data_dir, sweep_cache):  # noqa: ANN001, ANN201
    """A LocalCluster of 2 worker processes (1 thread each) on 127.0.0.1, no dashboard; yields
    (scheduler address, client)."""
    from distributed import Client, LocalCluster

    env = {"FMBENCH_DATA": str(data_dir), "FMBENCH_CACHE": str(sweep_cache)}
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, env=env)
    client = Client(cluster)
    try:
        yield cluster.scheduler_address, client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="session")
def slurm_env():  # noqa: ANN201
    """A one-node Slurm cluster on localhost (slurm_helpers); yields the environment with SLURM_CONF."""
    from slurm_helpers import slurm_cluster

    with slurm_cluster() as env:
        yield env
