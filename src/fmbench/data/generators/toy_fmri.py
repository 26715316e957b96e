"""Toy fMRI classification set: ROI features with a real signal and scanner/site effects.

The task is amyloid status (positive vs negative). Disease stage (CN/MCI/AD) raises both the
chance of being positive and the strength of the signal, so every stage holds both classes
and per-stage metrics are defined. Scanners add offsets and differ in noise (Philips
noisiest), sites add smaller offsets: a good model beats chance and subgroup gaps are real.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.data.generators import GENERATORS

SCANNERS = np.array(["GE", "Siemens", "Philips"])
SCANNER_NOISE = {"GE": 1.0, "Siemens": 1.1, "Philips": 1.6}
SITES = np.array(["SiteA", "SiteB", "SiteC"])
STAGES = np.array(["CN", "MCI", "AD"])
P_POSITIVE = {"CN": 0.3, "MCI": 0.55, "AD": 0.85}
STAGE_EFFECT = {"CN": 0.7, "MCI": 1.0, "AD": 1.3}
ETHNICITIES = np.array(["White", "Black", "Asian", "Hispanic", "Other"])


@GENERATORS.register("toy_fmri_classification")
def generate(out_dir: Path, *, seed: int, n_subjects: int = 200, n_features: int = 100,
             n_informative: int = 10, effect_size: float = 1.0) -> None:
    rng = np.random.default_rng(seed)
    n = n_subjects
    scanner = rng.choice(SCANNERS, size=n, p=[0.35, 0.3, 0.35])
    site = rng.choice(SITES, size=n)
    stage = rng.choice(STAGES, size=n, p=[0.35, 0.35, 0.30])
    positive = rng.random(n) < np.vectorize(P_POSITIVE.get)(stage)
    age = np.clip(rng.normal(62, 15, size=n), 20, 99).round(1)
    sex = rng.choice(np.array(["F", "M"]), size=n)
    ethnicity = rng.choice(ETHNICITIES, size=n, p=[0.55, 0.15, 0.15, 0.1, 0.05])

    direction = np.zeros(n_features)
    direction[:n_informative] = rng.choice([-1.0, 1.0], size=n_informative)
    scanner_offset = {s: rng.normal(0, 0.5, n_features) for s in SCANNERS}
    site_offset = {s: rng.normal(0, 0.25, n_features) for s in SITES}

    noise_scale = np.vectorize(SCANNER_NOISE.get)(scanner)[:, None]
    X = rng.normal(size=(n, n_features)) * noise_scale
    signal = effect_size * np.vectorize(STAGE_EFFECT.get)(stage) * np.where(positive, 1.0, -1.0) / 2
    X += signal[:, None] * direction[None, :]
    X += np.stack([scanner_offset[s] for s in scanner]) + np.stack([site_offset[s] for s in site])

    meta = pd.DataFrame({
        "subject_id": [f"sub-{i:04d}" for i in range(1, n + 1)],
        "label": np.where(positive, "positive", "negative"),
        "age": age,
        "sex": sex,
        "site": site,
        "scanner": scanner,
        "disease_stage": stage,
        "ethnicity": ethnicity,
    })
    np.save(out_dir / "X.npy", X.astype(np.float32))
    meta.to_csv(out_dir / "meta.csv", index=False, lineterminator="\n")
