"""Toy EEG set: 16-channel, 2.5 s epochs at 200 Hz with class-dependent rhythms.

Two classes, like a resting-state contrast (e.g. patients with slowed rhythms vs controls):
``slowing`` epochs carry a strong 6 Hz theta rhythm over frontal channels, ``typical`` epochs a
10 Hz alpha rhythm over occipital channels. Both rhythms are phase-locked to epoch onset with
a small jitter (as in an event-related paradigm), so even a linear model on the raw samples
beats chance; on top come pink-ish background noise, per-subject gain and a per-site DC
offset. Metadata: subject_id, label, site, sex, age.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.data.generators import GENERATORS

SITES = np.array(["SiteA", "SiteB", "SiteC"])
CLASSES = np.array(["typical", "slowing"])


def _spatial(n_channels: int, center: float) -> np.ndarray:
    """Gaussian topography over channels 0..C-1 (0 = frontal, C-1 = occipital)."""
    pos = np.linspace(0, 1, n_channels)
    return np.exp(-0.5 * ((pos - center) / 0.25) ** 2)


@GENERATORS.register("toy_eeg")
def generate(
    out_dir: Path,
    *,
    seed: int,
    n_samples: int = 100,
    n_channels: int = 16,
    n_times: int = 500,
    sampling_freq: float = 200.0,
    effect_size: float = 1.0,
    epochs_per_subject: int = 2,
) -> None:
    rng = np.random.default_rng(seed)
    n, c, t = n_samples, n_channels, n_times
    n_subjects = -(-n // epochs_per_subject)
    subject = np.repeat(np.arange(n_subjects), epochs_per_subject)[:n]
    subj_label = rng.permutation(np.arange(n_subjects) % 2)
    label = subj_label[subject]
    subj_site = rng.choice(SITES, size=n_subjects)
    subj_sex = rng.choice(np.array(["F", "M"]), size=n_subjects)
    subj_age = np.clip(rng.normal(55, 15, size=n_subjects), 18, 90).round(1)
    subj_gain = rng.lognormal(0.0, 0.15, size=n_subjects)
    site_offset = {s: rng.normal(0, 0.5, size=c) for s in SITES}

    time = np.arange(t) / sampling_freq
    # background: white noise smoothed over time (a cheap 1/f-like spectrum)
    white = rng.standard_normal((n, c, t))
    kernel = np.exp(-np.arange(8) / 3.0)
    background = (
        np.apply_along_axis(lambda v: np.convolve(v, kernel / kernel.sum(), mode="same"), 2, white) * 2.0
    )
    jitter = rng.normal(0, 0.3, size=(n, 1, 1))
    theta = np.sin(2 * np.pi * 6.0 * time[None, None, :] + jitter) * _spatial(c, 0.1)[None, :, None]
    alpha = np.sin(2 * np.pi * 10.0 * time[None, None, :] + jitter) * _spatial(c, 0.9)[None, :, None]
    amp = effect_size * (0.8 + 0.4 * rng.random((n, 1, 1)))
    rhythm = np.where(label[:, None, None] == 1, theta, alpha) * amp
    X = (background + rhythm) * subj_gain[subject][:, None, None]
    X += np.stack([site_offset[s] for s in subj_site[subject]])[:, :, None]

    meta = pd.DataFrame(
        {
            "subject_id": [f"sub-{i + 1:03d}" for i in subject],
            "label": CLASSES[label],
            "site": subj_site[subject],
            "sex": subj_sex[subject],
            "age": subj_age[subject],
        }
    )
    np.save(out_dir / "X.npy", X.astype(np.float32))
    meta.to_csv(out_dir / "meta.csv", index=False, lineterminator="\n")
