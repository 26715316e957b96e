"""End to end: `fmbench run` on SUITE-REPORT-GEN, baselines, `--predictions`, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from fmbench.cli import main
from fmbench.models.baselines.report_baselines import NormalReport, RetrievalReport, TemplateReport
from fmbench.records.schema import decode_replicates


def _value(record: dict, name: str) -> float | None:
    return record["metrics"][name]["value"]


@pytest.mark.slow
def test_template_run_writes_a_complete_record(rg_runs) -> None:
    rec = rg_runs["template"]["record"]
    assert rec["suite_id"] == "SUITE-REPORT-GEN" and rec["dataset"]["n"] == 200
    names = {
        "report_quality_score",
        "bleu",
        "rouge_l",
        "meteor",
        "bertscore",
        "clinical_accuracy",
        "finding_precision",
        "finding_recall",
        "finding_f1",
        "hallucination_rate",
        "omission_rate",
        "harmful_content",
        "uncertainty_calibration",
        "flesch_kincaid",
        "structure_score",
    }
    assert set(rec["metrics"]) == names
    for name, mv in rec["metrics"].items():
        assert mv["value"] is not None, (name, mv.get("reason"))
        if mv["value"] not in (0.0, 1.0):
            assert mv["ci"][0] <= mv["value"] <= mv["ci"][1], name
    assert set(rec["stratified"]) == {"report_type", "complexity", "modality", "institution"}
    assert set(rec["stratified"]["report_type"]) == {"chest_xray", "brain_mri", "ct_abdomen"}
    reps = decode_replicates(rec["bootstrap"]["replicates"]["report_quality_score"])
    assert len(reps) == 1000 and np.isfinite(reps).all()
    assert rec["details"]["tables"][0]["columns"][0] == "Finding"
    for f in ("eval.yaml", "report.md", "report.html"):
        assert (rg_runs["template"]["dir"] / f).exists()


@pytest.mark.slow
def test_template_clearly_beats_normal_report(rg_runs) -> None:
    t, n = rg_runs["template"]["record"], rg_runs["normal_report"]["record"]
    assert _value(t, "report_quality_score") > _value(n, "report_quality_score") + 0.2
    assert t["metrics"]["report_quality_score"]["ci"][0] > n["metrics"]["report_quality_score"]["ci"][1]
    assert (
        _value(t, "finding_recall") > 0.9
        and _value(n, "finding_recall") is None
        or (_value(n, "finding_recall") or 0) < 0.1
    )
    assert _value(t, "omission_rate") < _value(n, "omission_rate")
    assert _value(n, "hallucination_rate") is None  # states no positive finding: undefined, not 0
    assert "no positive finding" in n["metrics"]["hallucination_rate"]["reason"]


def _inputs(n: int = 40) -> tuple[list[dict], list[str]]:
    from fmbench.data.generators.radiology_reports import make_study

    rng = np.random.default_rng(0)
    studies = [make_study(rng, f"s{i}", "train") for i in range(n)]
    return [{k: v for k, v in s.items() if k not in ("reference", "labels")} for s in studies], [
        s["reference"] for s in studies
    ]


def test_baselines_generate_one_report_per_input() -> None:
    inputs, refs = _inputs()
    for model in (NormalReport(), RetrievalReport(), TemplateReport()):
        model.fit(inputs[:30], refs[:30])
        out = model.generate(inputs[30:])
        assert len(out) == 10 and all(isinstance(r, str) and r.startswith("FINDINGS:") for r in out)
    # retrieval of a training study returns its own report
    assert RetrievalReport().fit(inputs, refs).generate(inputs[:5]) == refs[:5]
    normal = NormalReport().fit(inputs, refs)
    assert all(r in refs for r in normal.generate(inputs[:3]))


def _template_predictions(data_dir: Path, path: Path, n: int = 30, *, tamper: bool = False) -> Path:
    from fmbench.catalog.registry import load_catalog
    from fmbench.data.provision import load_dataset

    ds = load_dataset(load_catalog().dataset("DS-RADIOLOGY-REPORTS"), data_dir)
    test = np.flatnonzero(ds.meta["split"].to_numpy() == "test")[:n][::-1]  # file order need not match
    gens = TemplateReport().generate([ds.extras["inputs"][i] for i in test])
    rows = [
        {
            "study_id": ds.meta["study_id"][i],
            "reference": ds.extras["references"][i] + (" x" if tamper else ""),
            "generated": g,
        }
        for i, g in zip(test, gens, strict=True)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.slow
def test_predictions_on_suite_studies(rg_data_dir, tmp_path) -> None:
    preds = _template_predictions(rg_data_dir, tmp_path / "preds.jsonl")
    model = tmp_path / "mine.yaml"
    model.write_text("model_id: my-model\nname: My report model\n")
    out = tmp_path / "out"
    main(
        [
            "run",
            "--suite",
            "SUITE-REPORT-GEN",
            "--model",
            str(model),
            "--predictions",
            str(preds),
            "--out",
            str(out),
            "--data-dir",
            str(rg_data_dir),
        ]
    )
    rec = yaml.safe_load((out / "eval.yaml").read_text())
    assert rec["model"]["id"] == "my-model" and rec["dataset"]["id"] == "DS-RADIOLOGY-REPORTS"
    assert rec["dataset"]["n"] == 30
    # 30 of the 200 test studies: scored, but not ranked beside complete test-set runs
    assert rec["rankable"] is False and "cover 30 of the suite's 200 test studies" in rec["rankable_reason"]
    assert _value(rec, "finding_f1") == 1.0 and "report_type" in rec["stratified"]

    own = _template_predictions(rg_data_dir, tmp_path / "own.jsonl", n=12, tamper=True)
    out2 = tmp_path / "out2"
    main(
        [
            "run",
            "--suite",
            "SUITE-REPORT-GEN",
            "--model",
            str(model),
            "--predictions",
            str(own),
            "--out",
            str(out2),
            "--data-dir",
            str(rg_data_dir),
        ]
    )
    rec2 = yaml.safe_load((out2 / "eval.yaml").read_text())
    assert rec2["dataset"]["id"] == "predictions" and rec2["rankable"] is False
    assert not rec2.get("stratified") and rec2["dataset"]["digest"].startswith("sha256:")


BAD_LINES = {
    "missing_id": (
        b'{"reference": "FINDINGS: x", "generated": "FINDINGS: y"}\n',
        "field 'study_id' is missing",
    ),
    "empty_report": (
        b'{"study_id": "s1", "reference": "FINDINGS: x", "generated": ""}\n',
        "field 'generated' is empty",
    ),
    "non_utf8": (
        b'{"study_id": "s1", "reference": "caf\xe9", "generated": "FINDINGS: y"}\n',
        "not valid UTF-8",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_LINES))
def test_bad_predictions_exit_2_with_one_line(case, rg_data_dir, tmp_path, capsys) -> None:
    content, message = BAD_LINES[case]
    preds = tmp_path / "bad.jsonl"
    preds.write_bytes(content)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "run",
                "--suite",
                "SUITE-REPORT-GEN",
                "--model",
                "template",
                "--predictions",
                str(preds),
                "--out",
                str(out),
                "--data-dir",
                str(rg_data_dir),
            ]
        )
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "bad.jsonl:1" in err
    assert not out.exists()


def test_bad_predictions_subprocess(rg_data_dir, tmp_path) -> None:
    preds = tmp_path / "bad.jsonl"
    preds.write_bytes(BAD_LINES["missing_id"][0])
    out = tmp_path / "out"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "fmbench",
            "run",
            "--suite",
            "SUITE-REPORT-GEN",
            "--model",
            "template",
            "--predictions",
            str(preds),
            "--out",
            str(out),
            "--data-dir",
            str(rg_data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.strip().count("\n") == 0 and "study_id" in proc.stderr and "Traceback" not in proc.stderr
    )
    assert not out.exists()
