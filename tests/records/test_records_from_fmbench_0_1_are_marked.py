"""Records made before the metric definitions changed (fmbench 0.1: binary F1-Score = macro F1,
Brier Score summed over both classes) still load, validate, keep their digest, and are marked
with the definitions they used wherever the board shows them (issue 13)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

import fmbench
from fmbench.catalog.registry import load_catalog
from fmbench.records.definitions import definitions_version, earlier_definitions
from fmbench.records.digest import compute_digest
from fmbench.records.io import read_record
from fmbench.records.validate import record_catalog_problems

OLD = Path(__file__).parent / "data" / "fmbench-0.1-binary-record.yaml"


def test_old_record_loads_validates_and_keeps_its_digest():
    rec = read_record(OLD)
    assert definitions_version(rec) == 1
    assert set(earlier_definitions(rec)) == {"F1-Score", "Brier Score"}
    assert compute_digest(rec) == rec.digest
    assert record_catalog_problems(rec, load_catalog(), require_digest=True) == []


def test_a_brier_score_above_one_is_valid_only_under_the_old_definition():
    rec = read_record(OLD)
    data = rec.to_data(with_digest=False)
    data["metrics"]["Brier Score"] = {"value": 1.5, "n": 60}
    from fmbench.records.schema import EvalRecord

    old = EvalRecord.model_validate(data)
    assert record_catalog_problems(old, load_catalog()) == []
    data["provenance"]["metric_definitions"] = 2
    new = EvalRecord.model_validate(data)
    assert any(
        "Brier Score" in p and "outside the valid range" in p
        for p in record_catalog_problems(new, load_catalog())
    )


def test_board_marks_the_old_definitions(tmp_path: Path):
    evals = tmp_path / "evals"
    evals.mkdir()
    shutil.copy(OLD, evals / "old.yaml")
    fmbench.build_leaderboard(evals, out_json=tmp_path / "lb.json", out_md=tmp_path / "lb.md", no_cache=True)
    board = json.loads((tmp_path / "lb.json").read_text())
    rows = [r for b in board["benchmarks"] for t in b["tables"] for r in t["rows"]]
    assert len(rows) == 1
    row = rows[0]
    assert "earlier metric definitions" in row["definitions"]
    assert "macro F1" in row["metrics"]["F1-Score"]["definition"]
    assert "brier_score_loss" in row["metrics"]["Brier Score"]["definition"]
    assert row["metrics"]["AUROC"]["definition"] is None
    # the value shown is the record's own, unconverted
    assert np.isclose(row["metrics"]["Brier Score"]["value"], read_record(OLD).metric_value("Brier Score"))
    page = (tmp_path / "lb.md").read_text()
    assert "earlier definition: macro F1" in page
