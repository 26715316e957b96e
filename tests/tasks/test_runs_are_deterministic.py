"""Review: bootstrap replicates must not depend on how many CPUs / BLAS threads the machine has."""

from __future__ import annotations

import os

import numpy as np

import fmbench.metrics.grouped as grouped
from fmbench.metrics.bootstrap import BootstrapScheme
from fmbench.metrics.classification import CLASSIFICATION_METRICS, ClassificationData


def _run(monkeypatch, cpus: int, d: ClassificationData, n: int):
    monkeypatch.setattr(grouped.os, "cpu_count", lambda: cpus)
    return grouped.evaluate_grouped(d, n, list(CLASSIFICATION_METRICS.values()),
                                    scheme=BootstrapScheme(n_boot=40, seed=3))


def test_serial_and_threaded_paths_give_identical_replicates(monkeypatch):
    # n large enough that the matrix-vector products (Brier, ECE) go through multi-threaded BLAS
    # when nothing limits it; the threaded path limits BLAS to one thread, so the serial path
    # (one CPU, or a single chunk) must too, or the last bits of the CIs depend on the machine.
    rng = np.random.default_rng(0)
    n = 50_000
    y = rng.integers(0, 2, n)
    P = rng.dirichlet(np.ones(2), n)
    d = ClassificationData(y, P)
    serial = _run(monkeypatch, 1, d, n)
    threaded = _run(monkeypatch, 2, ClassificationData(y, P), n)
    for name in CLASSIFICATION_METRICS:
        assert np.array_equal(serial.replicates[name], threaded.replicates[name], equal_nan=True), name
        assert serial.metrics[name] == threaded.metrics[name], name
    assert os.cpu_count() is not None


def test_ece_point_does_not_depend_on_blas_threads():
    from threadpoolctl import threadpool_limits

    from fmbench.metrics.classification import ece_point

    rng = np.random.default_rng(1)
    for n in (30_011, 77_777, 150_000):
        y = rng.integers(0, 2, n)
        P = rng.dirichlet(np.ones(2), n)
        d = ClassificationData(y, P)
        with threadpool_limits(limits=1, user_api="blas"):
            one = ece_point(d)[0]
        many = ece_point(ClassificationData(y, P))[0]
        assert one == many
        # and it is the textbook ECE (10 equal-width confidence bins)
        conf = P.max(axis=1)
        correct = P.argmax(axis=1) == y
        bins = np.minimum((conf * 10).astype(int), 9)
        ref = sum(abs(correct[bins == b].sum() - conf[bins == b].sum()) for b in range(10)) / n
        assert abs(one - ref) < 1e-12
