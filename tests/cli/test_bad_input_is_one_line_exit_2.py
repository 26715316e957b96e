"""Bad input: one line on stderr, exit 2, no traceback, output folder not created."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def assert_clean_failure(proc, out: Path, *needles: str) -> None:  # noqa: ANN001
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    assert not out.exists()


def write_model(tmp_path: Path, cls: str) -> Path:
    p = tmp_path / f"{cls}.yaml"
    p.write_text(f"model_id: bad-{cls.lower()}\ntype: python_class\nimport_path: fmbench.testing:{cls}\n")
    return p


def file_dataset_catalog(tmp_path: Path, *, x_rows: int = 40, meta_rows: int = 40, drop: str | None = None) -> Path:
    data = tmp_path / "mydata"
    data.mkdir()
    rng = np.random.default_rng(0)
    np.save(data / "X.npy", rng.normal(size=(x_rows, 5)).astype(np.float32))
    meta = pd.DataFrame({"subject_id": [f"s{i}" for i in range(meta_rows)],
                         "label": ["a", "b"] * (meta_rows // 2), "site": ["x", "y"] * (meta_rows // 2)})
    if drop:
        meta = meta.drop(columns=[drop])
    meta.to_csv(data / "meta.csv", index=False)
    cat = tmp_path / "catalog"
    (cat / "datasets").mkdir(parents=True)
    (cat / "suites").mkdir()
    (cat / "datasets" / "DS-MINE.yaml").write_text(textwrap.dedent(f"""\
        id: DS-MINE
        name: My data
        source: file
        loader: npy_table
        format: npy+csv
        license: CC0-1.0
        params: {{path: {data}}}
        """))
    (cat / "suites" / "SUITE-MINE.yaml").write_text(textwrap.dedent("""\
        id: SUITE-MINE
        benchmark_id: BM-TOY-CLASS
        name: mine
        dataset_id: DS-MINE
        protocol: classification
        label_column: label
        split: {kind: holdout, test_fraction: 0.5}
        bootstrap: {n_boot: 200}
        required_metadata: [subject_id, site]
        """))
    return cat


def test_missing_model_file(cli, tmp_path):  # noqa: ANN001
    out = tmp_path / "out"
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", tmp_path / "nope.yaml", "--out", out)
    assert_clean_failure(proc, out, "nope.yaml", "not found")


def test_unknown_suite(cli, tmp_path):  # noqa: ANN001
    out = tmp_path / "out"
    proc = cli("run", "--suite", "SUITE-TOY-CLAS", "--model", "logistic", "--out", out)
    assert_clean_failure(proc, out, "SUITE-TOY-CLAS", "Did you mean 'SUITE-TOY-CLASS'")


def test_malformed_model_yaml(cli, tmp_path):  # noqa: ANN001
    bad = tmp_path / "m.yaml"
    bad.write_text("model_id: x\ntype: [builtin\n")
    out = tmp_path / "out"
    assert_clean_failure(cli("run", "--suite", "SUITE-TOY-CLASS", "--model", bad, "--out", out), out,
                         "m.yaml", "malformed YAML")


@pytest.mark.parametrize(("cls", "needle"), [
    ("NaNModel", "NaN"),
    ("RaisingModel", "raised RuntimeError in predict_proba(): CUDA out of memory"),
    ("WrongShapeModel", "rows"),
    ("LogitModel", "outside [0, 1]"),
])
def test_bad_model_outputs(cli, tmp_path, cls, needle):  # noqa: ANN001
    out = tmp_path / "out"
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", write_model(tmp_path, cls), "--out", out)
    assert_clean_failure(proc, out, f"bad-{cls.lower()}", needle)


def test_x_y_length_mismatch(cli, tmp_path):  # noqa: ANN001
    cat = file_dataset_catalog(tmp_path, x_rows=39)
    out = tmp_path / "out"
    proc = cli("run", "--catalog", cat, "--suite", "SUITE-MINE", "--model", "logistic", "--out", out)
    assert_clean_failure(proc, out, "39 rows", "40")


def test_metadata_lacking_required_column(cli, tmp_path):  # noqa: ANN001
    cat = file_dataset_catalog(tmp_path, drop="site")
    out = tmp_path / "out"
    proc = cli("run", "--catalog", cat, "--suite", "SUITE-MINE", "--model", "logistic", "--out", out)
    assert_clean_failure(proc, out, "['site']", "requires")


def test_user_catalog_dataset_runs(cli, tmp_path):  # noqa: ANN001
    cat = file_dataset_catalog(tmp_path)
    proc = cli("run", "--catalog", cat, "--suite", "SUITE-MINE", "--model", "logistic", "--out", tmp_path / "ok")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "ok" / "eval.yaml").exists()


def test_existing_output_dir_left_as_it_was(cli, tmp_path):  # noqa: ANN001
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", write_model(tmp_path, "NaNModel"), "--out", out)
    assert proc.returncode == 2
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_changed_data_file_is_detected(cli, tmp_path):  # noqa: ANN001
    data = tmp_path / "data"
    assert cli("generate-toy-data", "--dataset", "DS-TOY-FMRI-CLASS", "--out", data).returncode == 0
    meta = data / "DS-TOY-FMRI-CLASS" / "meta.csv"
    meta.write_text(meta.read_text().replace("negative", "positive", 1))
    out = tmp_path / "out"
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", "logistic", "--out", out, "--data-dir", data)
    assert_clean_failure(proc, out, "meta.csv", "does not match")
