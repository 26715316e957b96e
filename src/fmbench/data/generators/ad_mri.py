"""Simulated FreeSurfer-style regional MRI measures for CN, MCI and AD subjects.

One row per subject: aseg/aparc-style volumes (mm³) and thicknesses (mm) with age, sex,
intracranial volume (ICV), field strength (1.5T/3T), scanner vendor and site. Effects have the
sign and rough size reported in the literature (values are per cent of a cognitively normal
(CN) 73-year-old with ICV 1500 ml):

- disease stage (AD vs CN): hippocampus -23%, entorhinal volume -25% and thickness -20%,
  lateral ventricles +40%, whole brain -5%, mean cortical thickness -4.5%; MCI intermediate,
  progressive MCI (converting to AD within 36 months) closer to AD than stable MCI
  (Jack et al. 2008, 2013; Schuff et al. 2009; Nestor et al. 2008; Dickerson et al. 2009;
  Risacher et al. 2009). Atrophy severity varies within a stage.
- age: hippocampus -0.8%/yr, entorhinal -0.6%/yr, whole brain -0.4%/yr, thickness
  -0.25%/yr, ventricles +3%/yr (Fjell & Walhovd 2010; Raz et al. 2005).
- sex/ICV: male ICV about 13% larger; volumes scale with ICV (hippocampus ~ICV^0.8,
  brain and ventricles ~ICV^1), thickness does not (Barnes et al. 2010).
- acquisition: 3T gives slightly larger hippocampal/entorhinal volumes and thicker cortex
  than 1.5T and less measurement noise; each vendor and site adds a small fixed offset
  (Han et al. 2006; Jovicich et al. 2009).

The label is AD-spectrum status at 36 months: ``AD`` for AD dementia and progressive MCI,
``CN`` for cognitively normal and stable MCI, so ``disease_stage`` is a stratum in which
AD-vs-CN (CN and AD strata) and conversion prediction (MCI stratum) are both reported.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.data.generators import GENERATORS

STAGES = ("CN", "MCI", "AD")
# Site -> (scanner vendor, probability of 3T). ADNI-like mix of 1.5T (ADNI-1) and 3T (ADNI-2).
SITES = {"S01": ("GE", 0.2), "S02": ("Siemens", 0.3), "S03": ("Philips", 0.25),
         "S04": ("GE", 0.8), "S05": ("Siemens", 0.85), "S06": ("Philips", 0.75)}

# region: (CN mean at age 73 / ICV 1500 ml, between-subject CV, ICV exponent, age %/yr,
#          stage multipliers {sMCI, pMCI, AD}, 3T multiplier, measurement CV at 1.5T)
REGIONS: dict[str, tuple] = {
    "hippocampus": (3750.0, 0.09, 0.8, -0.008, (0.93, 0.85, 0.77), 1.03, 0.035),
    "entorhinal_volume": (1900.0, 0.13, 0.8, -0.006, (0.93, 0.83, 0.75), 1.03, 0.06),
    "entorhinal_thickness": (3.40, 0.08, 0.0, -0.004, (0.94, 0.86, 0.80), 1.02, 0.04),
    "lateral_ventricle": (17000.0, 0.40, 1.0, 0.030, (1.10, 1.25, 1.40), 0.98, 0.03),
    "whole_brain": (1000000.0, 0.03, 1.0, -0.004, (0.985, 0.97, 0.95), 1.005, 0.01),
    "mean_thickness": (2.40, 0.04, 0.0, -0.0025, (0.985, 0.97, 0.955), 1.02, 0.015),
}
BILATERAL = {"hippocampus": ("Left-Hippocampus", "Right-Hippocampus"),
             "entorhinal_volume": ("lh_entorhinal_volume", "rh_entorhinal_volume"),
             "entorhinal_thickness": ("lh_entorhinal_thickness", "rh_entorhinal_thickness"),
             "lateral_ventricle": ("Left-Lateral-Ventricle", "Right-Lateral-Ventricle"),
             "mean_thickness": ("lh_MeanThickness", "rh_MeanThickness")}
RIGHT_LEFT_RATIO = {"hippocampus": 1.03, "entorhinal_volume": 1.0, "entorhinal_thickness": 1.0,
                    "lateral_ventricle": 0.92, "mean_thickness": 1.0}
VENDOR_SD, SITE_SD = 0.02, 0.01


def feature_names() -> list[str]:
    names = []
    for region in REGIONS:
        names += list(BILATERAL.get(region, ("BrainSegVolNotVent",)))
    return names + ["EstimatedTotalIntraCranialVol"]


@GENERATORS.register("ad_mri_regional")
def generate(out_dir: Path, *, seed: int, n_subjects: int = 600, p_stage: tuple = (0.40, 0.35, 0.25),
             p_progressive_mci: float = 0.4) -> None:
    """Write ``regions.csv`` (metadata + features) and ``features.txt`` (feature column names)."""
    rng = np.random.default_rng(seed)
    n = n_subjects
    stage = rng.choice(np.array(STAGES), size=n, p=np.asarray(p_stage) / np.sum(p_stage))
    progressive = (stage == "MCI") & (rng.random(n) < p_progressive_mci)
    age = np.where(stage == "AD", rng.normal(75.0, 7.5, n), rng.normal(73.0, 6.5, n)).clip(55, 92).round(1)
    sex = rng.choice(np.array(["F", "M"]), size=n)
    icv = np.where(sex == "M", rng.normal(1590, 130, n), rng.normal(1405, 115, n))  # ml
    site = rng.choice(np.array(sorted(SITES)), size=n)
    scanner = np.array([SITES[s][0] for s in site])
    field = np.where(rng.random(n) < np.array([SITES[s][1] for s in site]), "3T", "1.5T")
    severity = rng.uniform(0.6, 1.4, n)  # within-stage heterogeneity of atrophy
    brain_reserve = rng.normal(0, 1, n)  # shared subject factor across structures

    vendors = sorted({v for v, _ in SITES.values()})
    columns: dict[str, np.ndarray] = {}
    for region, (mean, cv, icv_exp, age_slope, mults, mult_3t, meas_cv) in REGIONS.items():
        vendor_off = dict(zip(vendors, rng.normal(0, VENDOR_SD, len(vendors)), strict=True))
        site_off = dict(zip(sorted(SITES), rng.normal(0, SITE_SD, len(SITES)), strict=True))
        stage_mult = np.ones(n)
        for label, m in zip(("sMCI", "pMCI", "AD"), mults, strict=True):
            mask = {"sMCI": (stage == "MCI") & ~progressive, "pMCI": progressive, "AD": stage == "AD"}[label]
            stage_mult[mask] = 1.0 + (m - 1.0) * severity[mask]
        # ventricles are right-skewed: log-normal subject variation; others normal
        subject = (np.exp(rng.normal(-cv**2 / 2, cv, n)) if region == "lateral_ventricle"
                   else 1.0 + cv * (0.5 * brain_reserve + np.sqrt(0.75) * rng.normal(0, 1, n)))
        true = (mean * subject * stage_mult * (icv / 1500.0) ** icv_exp
                * np.exp(age_slope * (age - 73.0)))
        acq = (np.where(field == "3T", mult_3t, 1.0) * (1 + np.vectorize(vendor_off.get)(scanner))
               * (1 + np.vectorize(site_off.get)(site)))
        noise_cv = np.where(field == "3T", 0.7 * meas_cv, meas_cv)
        names = BILATERAL.get(region, ("BrainSegVolNotVent",))
        ratios = (1.0, RIGHT_LEFT_RATIO.get(region, 1.0))
        for name, ratio in zip(names, ratios, strict=False):
            hemi = 1.0 + (0.03 if len(names) == 2 else 0.0) * rng.normal(0, 1, n)
            value = true * ratio * hemi * acq * (1 + noise_cv * rng.normal(0, 1, n))
            columns[name] = value.round(3 if "hickness" in name else 1)
    columns["EstimatedTotalIntraCranialVol"] = (icv * 1000 * (1 + 0.02 * rng.normal(0, 1, n))).round(0)

    is_ad = (stage == "AD") | progressive
    meta = pd.DataFrame({
        "subject_id": [f"sub-{i:04d}" for i in range(1, n + 1)],
        "label": np.where(is_ad, "AD", "CN"),
        "disease_stage": stage,
        "mci_course": np.where(stage == "MCI", np.where(progressive, "progressive", "stable"), "not_mci"),
        "age": age,
        "sex": sex,
        "field_strength": field,
        "scanner": scanner,
        "site": site,
    })
    table = pd.concat([meta, pd.DataFrame(columns)[feature_names()]], axis=1)
    table.to_csv(out_dir / "regions.csv", index=False, lineterminator="\n")
    (out_dir / "features.txt").write_text("\n".join(feature_names()) + "\n")
    (out_dir / "units.json").write_text(json.dumps(
        {c: ("mm" if "hickness" in c else "mm3") for c in feature_names()}, indent=1, sort_keys=True) + "\n")
