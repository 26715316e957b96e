"""Functional-connectivity features from simulated ROI time series across acquisition conditions.

Each scan has 20 ROIs in four networks (default mode DMN, sensorimotor SMN, frontoparietal
FPN, visual VIS; five ROIs each). Each ROI's neural signal (unit variance, AR(1) in time) is
``sqrt(c)`` times its network's factor plus ``sqrt(1 - c)`` times an ROI-specific component,
so ``c`` (about ``coupling``, varying by subject and ROI) is the true within-network
correlation; a global signal and white measurement noise are added, which attenuate the
observed correlations. Features are the Fisher-z correlations of all ROI pairs (190, upper
triangle in row order). Patients have weaker coupling within the DMN (``c`` scaled by
``1 - effect``), a connectivity change reported across many disorders, so the class signal
sits in the 10 within-DMN edges.

Signal quality depends on the condition, so the granular tables show real differences:

- acquisition_type: number of volumes (rest 240 … motor 120) and a task-evoked block signal
  that adds shared variance to the task's networks and masks the intrinsic DMN coupling
  (working memory: FPN up, DMN down; motor: SMN; language: FPN and DMN; task_based: all);
- preprocessing: noise ×0.7 (hcp), ×1.0 (fmriprep), ×1.5 (minimal); a residual motion-driven
  global signal that inflates every correlation);
- field_strength: 7T has ×0.7 noise and 1.5× the volumes (shorter TR) compared with 3T;
- scanner vendor: noise ×0.95 (Siemens), ×1.0 (GE), ×1.15 (Philips) and a small fixed offset
  of the features; site: a smaller offset.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.data.generators import GENERATORS

NETWORKS = ("DMN", "SMN", "FPN", "VIS")
ROIS_PER_NETWORK = 5
ACQ = {  # n volumes at 3T, task block amplitude per network
    "resting_state": (240, {}),
    "task_based": (160, {"DMN": 0.5, "SMN": 0.5, "FPN": 0.5, "VIS": 0.5}),
    "working_memory": (140, {"FPN": 1.0, "DMN": -0.9}),
    "motor": (120, {"SMN": 1.0}),
    "language": (150, {"FPN": 0.7, "DMN": 0.7}),
}
PREPROC = {"hcp": (0.7, 0.0), "fmriprep": (1.0, 0.35), "minimal": (1.5, 0.8)}  # noise, global signal
# site -> (scanner, field strength)
SITES = {"SiteA": ("Siemens", "3T"), "SiteB": ("GE", "3T"), "SiteC": ("Philips", "3T"),
         "SiteD": ("Siemens", "7T"), "SiteE": ("Siemens", "7T")}
SCANNER_NOISE = {"Siemens": 0.95, "GE": 1.0, "Philips": 1.15}


def _ar1(rng: np.random.Generator, n: int, k: int, phi: float) -> np.ndarray:
    e = rng.normal(0, np.sqrt(1 - phi**2), size=(k, n))
    x = np.empty((k, n))
    x[:, 0] = rng.normal(0, 1, k)
    for t in range(1, n):
        x[:, t] = phi * x[:, t - 1] + e[:, t]
    return x


def edge_names() -> list[str]:
    rois = [f"{net}{i + 1}" for net in NETWORKS for i in range(ROIS_PER_NETWORK)]
    iu = np.triu_indices(len(rois), k=1)
    return [f"{rois[i]}-{rois[j]}" for i, j in zip(*iu, strict=True)]


@GENERATORS.register("fmri_granular")
def generate(out_dir: Path, *, seed: int, n_subjects: int = 500, effect: float = 0.45,
             coupling: float = 0.6) -> None:
    """Write ``X.npy`` (scans × 190 Fisher-z edges) and ``meta.csv``."""
    rng = np.random.default_rng(seed)
    n, n_roi = n_subjects, len(NETWORKS) * ROIS_PER_NETWORK
    network_of = np.repeat(np.arange(len(NETWORKS)), ROIS_PER_NETWORK)
    dmn = network_of == NETWORKS.index("DMN")
    iu = np.triu_indices(n_roi, k=1)

    patient = rng.random(n) < 0.5
    acq = rng.choice(np.array(list(ACQ)), size=n)
    prep = rng.choice(np.array(list(PREPROC)), size=n, p=[0.3, 0.4, 0.3])
    site = rng.choice(np.array(list(SITES)), size=n, p=[0.25, 0.2, 0.2, 0.2, 0.15])
    scanner = np.array([SITES[s][0] for s in site])
    field = np.array([SITES[s][1] for s in site])
    age = rng.normal(35, 12, n).clip(18, 80).round(1)
    sex = rng.choice(np.array(["F", "M"]), size=n)
    scanner_offset = {s: rng.normal(0, 0.04, len(iu[0])) for s in SCANNER_NOISE}
    site_offset = {s: rng.normal(0, 0.02, len(iu[0])) for s in SITES}

    X = np.empty((n, len(iu[0])), dtype=np.float64)
    n_volumes = np.empty(n, dtype=int)
    for s in range(n):
        base_t, task_amp = ACQ[acq[s]]
        t_len = int(base_t * (1.5 if field[s] == "7T" else 1.0))
        noise_sd, global_amp = PREPROC[prep[s]]
        noise_sd *= SCANNER_NOISE[scanner[s]] * (0.7 if field[s] == "7T" else 1.0)
        c = coupling * (1 + 0.15 * rng.normal(0, 1, n_roi))
        if patient[s]:
            c = np.where(dmn, c * (1 - effect), c)
        c = c.clip(0.02, 0.98)
        factors = _ar1(rng, t_len, len(NETWORKS), 0.6)
        own = _ar1(rng, t_len, n_roi, 0.6)
        ts = np.sqrt(c)[:, None] * factors[network_of] + np.sqrt(1 - c)[:, None] * own
        if task_amp:
            block = (np.arange(t_len) // 15) % 2 - 0.5
            amp = np.array([task_amp.get(net, 0.0) for net in NETWORKS])[network_of]
            ts += 2 * amp[:, None] * block[None, :]
        ts += global_amp * _ar1(rng, t_len, 1, 0.8)
        ts += noise_sd * rng.normal(0, 1, size=(n_roi, t_len))
        r = np.corrcoef(ts)[iu].clip(-0.999, 0.999)
        X[s] = np.arctanh(r) + scanner_offset[scanner[s]] + site_offset[site[s]]
        n_volumes[s] = t_len

    meta = pd.DataFrame({
        "subject_id": [f"sub-{i:04d}" for i in range(1, n + 1)],
        "label": np.where(patient, "patient", "control"),
        "acquisition_type": acq,
        "preprocessing": prep,
        "field_strength": field,
        "scanner": scanner,
        "site": site,
        "n_volumes": n_volumes,
        "age": age,
        "sex": sex,
    })
    np.save(out_dir / "X.npy", X.astype(np.float32))
    meta.to_csv(out_dir / "meta.csv", index=False, lineterminator="\n")
    (out_dir / "features.txt").write_text("\n".join(edge_names()) + "\n")
