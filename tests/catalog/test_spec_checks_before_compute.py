"""Catalog meaning checked before compute: metric names, protocols, protocol params, probes.

Each mistake below used to pass `validate` and vanish (or fail) only at run time. (The metric
registry these checks read is tested in tests/metrics/test_metric_registry.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.spec_checks import catalog_problems

BUILTIN = Path(__file__).resolve().parents[2] / "src" / "fmbench" / "catalog" / "builtin"


def _validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "fmbench", "validate", str(path)], capture_output=True, text=True, timeout=120
    )


def _edited(tmp_path: Path, kind: str, name: str, old: str, new: str) -> Path:
    text = (BUILTIN / kind / name).read_text(encoding="utf-8")
    assert old in text
    out = tmp_path / kind / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text.replace(old, new), encoding="utf-8")
    return out


@pytest.mark.parametrize(
    ("kind", "name", "old", "new", "expected"),
    [
        (
            "benchmarks",
            "BM-TOY-CLASS.yaml",
            "{name: Accuracy,",
            "{name: Acuracy,",
            "metrics.1.name: unknown metric 'Acuracy'. Did you mean 'Accuracy'?",
        ),
        (
            "suites",
            "SUITE-BRAIN-MAE.yaml",
            "protocol: reconstruction",
            "protocol: recontruction",
            "protocol: unknown protocol 'recontruction'. Did you mean 'reconstruction'?",
        ),
        (
            "suites",
            "SUITE-BRAIN-MAE.yaml",
            "fraction: 0.25",
            "fracton: 0.25",
            "params.mask.fracton: unknown setting. Did you mean 'fraction'?",
        ),
        (
            "suites",
            "SUITE-ROBUSTNESS-NEURO.yaml",
            "probes: [dropout,",
            "probes: [dropot,",
            "params.probes: unknown probe 'dropot'. Did you mean 'dropout'?",
        ),
        (
            "benchmarks",
            "robustness_testing.yaml",
            "  noise: [",
            "  nosie: [",
            "probe_grids.nosie: unknown probe 'nosie'. Did you mean 'noise'?",
        ),
        (
            "benchmarks",
            "BM-TOY-CLASS.yaml",
            "weighted by bin size.\", direction: lower",
            "weighted by bin size.\", direction: higher",
            "metrics.8.direction: ECE is lower-is-better, not higher",
        ),
    ],
)
def test_validate_refuses_with_did_you_mean(tmp_path, kind, name, old, new, expected):
    path = _edited(tmp_path, kind, name, old, new)
    p = _validate(path)
    assert p.returncode == 2, p.stdout + p.stderr
    lines = [x for x in (p.stdout + p.stderr).splitlines() if x.strip()]
    assert any(line == f"{path}: {expected}" or line.startswith(f"{path}: {expected}") for line in lines), (
        lines
    )
    assert "Traceback" not in p.stderr


def test_protocol_must_compute_the_benchmarks_metrics(tmp_path):
    # the toy benchmark's AUROC etc. need class probabilities; a reconstruction suite cannot give them
    path = _edited(
        tmp_path, "suites", "SUITE-TOY-CLASS.yaml", "protocol: classification", "protocol: reconstruction"
    )
    p = _validate(path)
    assert p.returncode == 2
    assert "protocol: 'reconstruction' does not compute BM-TOY-CLASS's metric 'AUROC'" in p.stdout + p.stderr


def test_builtin_catalog_is_clean():
    assert catalog_problems(load_catalog()) == []
    assert _validate(BUILTIN).returncode == 0


def test_run_refuses_a_misspelt_suite_before_loading_data(tmp_path):
    _edited(tmp_path / "catalog", "suites", "SUITE-BRAIN-MAE.yaml", "fraction: 0.25", "fracton: 0.25")
    data = tmp_path / "data"
    p = subprocess.run(
        [sys.executable, "-m", "fmbench", "run", "--suite", "SUITE-BRAIN-MAE", "--model", "mean_fill",
         "--catalog", str(tmp_path / "catalog"), "--data-dir", str(data), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )
    assert p.returncode == 2 and "params.mask.fracton: unknown setting. Did you mean 'fraction'?" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert not (tmp_path / "out").exists() and not data.exists()  # refused before any data was made
