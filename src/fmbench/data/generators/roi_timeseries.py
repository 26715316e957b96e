"""Simulated resting-state ROI time series: a stable VAR(1) process with network structure.

Each subject's ROI signals follow ``x_t = A x_{t-1} + e_t``. ``A`` has an autoregressive
diagonal (``ar``), positive coupling between ROIs of the same network (``coupling``, spread
over the network) and weak random coupling across networks; the innovations ``e_t`` are
correlated within a network (``innovation_corr``). Both give the block (network) structure
of the correlation matrix; the diagonal gives temporal autocorrelation. Every subject's
``A`` is checked to have spectral radius below ``max_radius`` (< 1), so the process is stable.

Acquisition: scanners differ in measurement noise (Philips noisiest), sites in the amplitude
of a slow global signal shared by all ROIs (physiological drift). Each ROI series is then
z-scored per subject, as fMRI pipelines do.

Files: ``X.npy`` (subjects × ROIs × timepoints, float32), ``meta.csv`` (subject_id, site,
scanner), ``rois.csv`` (roi, network), ``var_coefficients.npy`` (subjects × ROIs × ROIs).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.data.generators import GENERATORS
from fmbench.errors import ConfigError

SCANNERS = np.array(["GE", "Siemens", "Philips"])
SCANNER_NOISE = {"GE": 0.35, "Siemens": 0.45, "Philips": 0.7}
SITES = np.array(["SiteA", "SiteB", "SiteC"])
SITE_GLOBAL = {"SiteA": 0.2, "SiteB": 0.4, "SiteC": 0.6}
BURN_IN = 100


def network_labels(n_rois: int, n_networks: int) -> np.ndarray:
    """Network index of each ROI: contiguous, near-equal blocks."""
    return np.minimum(np.arange(n_rois) * n_networks // n_rois, n_networks - 1)


def spectral_radius(A: np.ndarray) -> float:
    return float(np.max(np.abs(np.linalg.eigvals(A))))


def var_matrix(
    rng: np.random.Generator, networks: np.ndarray, *, ar: float, coupling: float, cross: float
) -> np.ndarray:
    """VAR(1) coefficients: ``ar`` on the diagonal, ``coupling`` spread within networks."""
    same = networks[:, None] == networks[None, :]
    size = np.bincount(networks)[networks][:, None]
    A = np.where(same, coupling / size, 0.0)
    A += np.where(same, 0.0, rng.normal(0.0, cross, size=same.shape))
    A[np.diag_indices_from(A)] += ar
    return A


def simulate_var(rng: np.random.Generator, A: np.ndarray, chol: np.ndarray, n_timepoints: int) -> np.ndarray:
    """(ROIs, timepoints) of ``x_t = A x_{t-1} + L z_t`` after a burn-in from zero."""
    R = A.shape[0]
    e = rng.standard_normal((BURN_IN + n_timepoints, R)) @ chol.T
    x = np.zeros(R)
    out = np.empty((n_timepoints, R))
    for t in range(BURN_IN + n_timepoints):
        x = A @ x + e[t]
        if t >= BURN_IN:
            out[t - BURN_IN] = x
    return out.T


@GENERATORS.register("roi_timeseries")
def generate(
    out_dir: Path,
    *,
    seed: int,
    n_subjects: int = 120,
    n_rois: int = 20,
    n_networks: int = 4,
    n_timepoints: int = 120,
    ar: float = 0.5,
    coupling: float = 0.3,
    cross: float = 0.01,
    innovation_corr: float = 0.4,
    subject_jitter: float = 0.04,
    max_radius: float = 0.95,
) -> None:
    if not 0 < max_radius < 1:
        raise ConfigError(
            f"roi_timeseries: max_radius must be in (0, 1) for a stable process, got {max_radius}"
        )
    if n_networks < 1 or n_rois < n_networks:
        raise ConfigError(f"roi_timeseries: need 1 <= n_networks <= n_rois, got {n_networks} and {n_rois}")
    if not 0 <= innovation_corr < 1:
        raise ConfigError(f"roi_timeseries: innovation_corr must be in [0, 1), got {innovation_corr}")
    rng = np.random.default_rng(seed)
    networks = network_labels(n_rois, n_networks)
    same = (networks[:, None] == networks[None, :]).astype(float)
    cov = (1 - innovation_corr) * np.eye(n_rois) + innovation_corr * same
    chol = np.linalg.cholesky(cov)

    scanner = rng.choice(SCANNERS, size=n_subjects)
    site = rng.choice(SITES, size=n_subjects)
    X = np.empty((n_subjects, n_rois, n_timepoints))
    coefs = np.empty((n_subjects, n_rois, n_rois))
    t = np.arange(n_timepoints)
    for i in range(n_subjects):
        ar_i = ar + subject_jitter * np.clip(rng.standard_normal(), -2.0, 2.0)
        A = var_matrix(rng, networks, ar=ar_i, coupling=coupling, cross=cross)
        radius = spectral_radius(A)
        if radius >= max_radius:
            raise ConfigError(
                f"roi_timeseries: subject {i + 1}'s VAR(1) matrix has spectral radius {radius:.3f} >= "
                f"max_radius {max_radius}; lower ar, coupling or subject_jitter"
            )
        coefs[i] = A
        x = simulate_var(rng, A, chol, n_timepoints)
        x /= x.std(axis=1, keepdims=True).mean()
        period = rng.uniform(40, 80)
        drift = SITE_GLOBAL[site[i]] * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
        x += drift[None, :] + SCANNER_NOISE[scanner[i]] * rng.standard_normal(x.shape)
        X[i] = x
    X -= X.mean(axis=2, keepdims=True)
    X /= X.std(axis=2, keepdims=True)

    meta = pd.DataFrame(
        {
            "subject_id": [f"sub-{i:04d}" for i in range(1, n_subjects + 1)],
            "site": site,
            "scanner": scanner,
        }
    )
    rois = pd.DataFrame(
        {"roi": [f"roi-{r:03d}" for r in range(1, n_rois + 1)], "network": [f"net-{k + 1}" for k in networks]}
    )
    np.save(out_dir / "X.npy", X.astype(np.float32))
    np.save(out_dir / "var_coefficients.npy", coefs)
    meta.to_csv(out_dir / "meta.csv", index=False, lineterminator="\n")
    rois.to_csv(out_dir / "rois.csv", index=False, lineterminator="\n")
