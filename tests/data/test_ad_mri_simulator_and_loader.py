"""BM-001: the ADNI-like regional MRI simulator, the regional CSV loader, SUITE-AD-MRI end to end."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from data_helpers import assert_clean_failure, ci_separated, run
from scipy import stats

from fmbench.catalog.schema import DatasetCard
from fmbench.data.generators.ad_mri import feature_names, generate
from fmbench.data.loaders.regional_csv import load as load_regional
from fmbench.errors import DataError


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> pd.DataFrame:  # noqa: ANN001
    out = tmp_path_factory.mktemp("ad")
    generate(out, seed=7, n_subjects=2000)
    return pd.read_csv(out / "regions.csv")


def _stage(t: pd.DataFrame, col: str, stage: str) -> np.ndarray:
    return t.loc[t["disease_stage"] == stage, col].to_numpy(dtype=float)


def test_disease_effects_have_literature_sign_and_size(cohort) -> None:  # noqa: ANN001
    t = cohort
    t["hippo"] = t["Left-Hippocampus"] + t["Right-Hippocampus"]
    t["vent"] = t["Left-Lateral-Ventricle"] + t["Right-Lateral-Ventricle"]
    t["erc_thk"] = (t["lh_entorhinal_thickness"] + t["rh_entorhinal_thickness"]) / 2
    t["thk"] = (t["lh_MeanThickness"] + t["rh_MeanThickness"]) / 2
    cn, mci, ad = (_stage(t, "hippo", s).mean() for s in ("CN", "MCI", "AD"))
    assert ad < mci < cn
    assert 0.70 < ad / cn < 0.85  # about -23% (Schuff 2009; Jack 2008)
    assert stats.ttest_ind(_stage(t, "hippo", "AD"), _stage(t, "hippo", "CN")).pvalue < 1e-20
    assert _stage(t, "vent", "AD").mean() > 1.2 * _stage(t, "vent", "CN").mean()
    assert _stage(t, "erc_thk", "AD").mean() < 0.9 * _stage(t, "erc_thk", "CN").mean()
    assert _stage(t, "thk", "AD").mean() < _stage(t, "thk", "CN").mean()
    assert _stage(t, "BrainSegVolNotVent", "AD").mean() < _stage(t, "BrainSegVolNotVent", "CN").mean()
    mci_t = t[t["disease_stage"] == "MCI"]
    assert (mci_t.loc[mci_t["mci_course"] == "progressive", "hippo"].mean()
            < mci_t.loc[mci_t["mci_course"] == "stable", "hippo"].mean())
    # label: AD dementia and progressive MCI are AD; CN and stable MCI are CN
    expected = np.where((t["disease_stage"] == "AD") | (t["mci_course"] == "progressive"), "AD", "CN")
    assert (t["label"].to_numpy() == expected).all()


def test_age_sex_icv_and_field_strength_effects(cohort) -> None:  # noqa: ANN001
    t = cohort
    log_h = np.log(t["Left-Hippocampus"] + t["Right-Hippocampus"])
    design = np.column_stack([
        np.ones(len(t)), t["age"] - 73, np.log(t["EstimatedTotalIntraCranialVol"]),
        (t["field_strength"] == "3T").astype(float), (t["disease_stage"] == "MCI").astype(float),
        (t["disease_stage"] == "AD").astype(float),
    ])
    coef, *_ = np.linalg.lstsq(design, log_h, rcond=None)
    assert -0.012 < coef[1] < -0.004  # about -0.8 %/year (Fjell & Walhovd 2010)
    assert coef[2] > 0.3  # volumes scale with ICV
    assert 0.0 < coef[3] < 0.08  # 3T slightly larger than 1.5T
    assert coef[5] < coef[4] < 0
    male, female = (t.loc[t["sex"] == s, "EstimatedTotalIntraCranialVol"].mean() for s in ("M", "F"))
    assert 1.08 < male / female < 1.18
    cn = t[t["disease_stage"] == "CN"]
    assert stats.linregress(cn["age"], cn["Left-Lateral-Ventricle"]).slope > 0


def test_generation_is_deterministic(tmp_path: Path) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        generate(tmp_path / d, seed=3, n_subjects=50)
    assert (tmp_path / "a" / "regions.csv").read_bytes() == (tmp_path / "b" / "regions.csv").read_bytes()


def _card(**params) -> DatasetCard:  # noqa: ANN003
    return DatasetCard(id="DS-X", name="x", source="file", loader="regional_csv", format="csv",
                       license="CC0-1.0", params=params)


def test_regional_csv_loader_features_and_metadata(tmp_path: Path) -> None:
    generate(tmp_path, seed=1, n_subjects=40)
    ds = load_regional(tmp_path, _card(), "sha256:x")
    raw = pd.read_csv(tmp_path / "regions.csv")
    assert ds.X.shape == (40, 12)
    np.testing.assert_allclose(ds.X, raw[feature_names()].to_numpy(dtype=np.float32))
    assert "label" in ds.meta and "Left-Hippocampus" not in ds.meta
    sub = load_regional(tmp_path, _card(feature_columns=["Left-Hippocampus", "Right-Hippocampus"],
                                        label_column="disease_stage"), "")
    assert sub.X.shape == (40, 2) and list(sub.y) == raw["disease_stage"].tolist()
    with pytest.raises(DataError, match="Left-Amygdala"):
        load_regional(tmp_path, _card(feature_columns=["Left-Amygdala"]), "")
    raw.loc[3, "Left-Hippocampus"] = "n.a."
    raw.to_csv(tmp_path / "regions.csv", index=False)
    with pytest.raises(DataError, match=r"'Left-Hippocampus' is not numeric \(row 5"):
        load_regional(tmp_path, _card(), "")


@pytest.mark.slow
def test_suite_logistic_beats_majority_and_mci_is_a_stratum(tmp_path, data_dir) -> None:  # noqa: ANN001
    maj = run("SUITE-AD-MRI", "majority", tmp_path / "maj", data_dir)
    lr = run("SUITE-AD-MRI", "logistic", tmp_path / "lr", data_dir)
    assert abs(maj.metrics["AUROC"].value - 0.5) < 0.05  # fold priors differ slightly once pooled
    assert lr.metrics["AUROC"].value > 0.85
    assert ci_separated(lr.metrics["AUROC"], maj.metrics["AUROC"])
    stage = lr.stratified["disease_stage"]
    assert set(stage) == {"CN", "MCI", "AD"}
    assert stage["MCI"].metrics["AUROC"].value > 0.6  # progressive vs stable MCI
    assert stage["CN"].metrics["AUROC"].value is None and stage["CN"].metrics["AUROC"].reason
    assert stage["CN"].metrics["Specificity"].value > 0.8 and stage["AD"].metrics["Sensitivity"].value > 0.7
    assert {"field_strength", "sex", "age_group", "scanner", "site"} <= set(lr.stratified)


def test_regional_csv_with_text_feature_fails_cleanly(cli, tmp_path) -> None:  # noqa: ANN001
    data = tmp_path / "fs"
    data.mkdir()
    generate(data, seed=2, n_subjects=30)
    raw = pd.read_csv(data / "regions.csv")
    raw.loc[0, "rh_MeanThickness"] = "bad"
    raw.to_csv(data / "regions.csv", index=False)
    cat = tmp_path / "catalog"
    (cat / "datasets").mkdir(parents=True)
    (cat / "suites").mkdir()
    (cat / "datasets" / "DS-FS.yaml").write_text(textwrap.dedent(f"""\
        id: DS-FS
        name: my FreeSurfer table
        source: file
        loader: regional_csv
        format: csv
        license: CC0-1.0
        params: {{path: {data}}}
        """))
    (cat / "suites" / "SUITE-FS.yaml").write_text(textwrap.dedent("""\
        id: SUITE-FS
        benchmark_id: BM-001
        name: fs
        dataset_id: DS-FS
        protocol: classification
        label_column: label
        positive_class: AD
        split: {kind: holdout, test_fraction: 0.5}
        bootstrap: {n_boot: 200}
        """))
    out = tmp_path / "out"
    proc = cli("run", "--catalog", cat, "--suite", "SUITE-FS", "--model", "logistic", "--out", out)
    assert_clean_failure(proc, out, "regions.csv", "'rh_MeanThickness' is not numeric")
