"""Helpers shared by the data tests of BM-001, BM-002, BM-FMRI-GRANULAR and the NIfTI loader."""

from __future__ import annotations

from pathlib import Path


def assert_clean_failure(proc, out: Path, *needles: str) -> None:  # noqa: ANN001
    """Exit 2, exactly one non-empty stderr line containing the needles, no output folder."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    assert not out.exists()


def run(suite: str, model: str, out: Path, data_dir: Path):  # noqa: ANN201
    """In-process `fmbench run`; returns the eval record."""
    from fmbench.runner import run_suite

    return run_suite(suite, model, out, data_dir=data_dir).record


def ci_separated(better, worse) -> bool:  # noqa: ANN001
    """The better model's CI lies entirely above the worse model's CI."""
    return better.ci[0] > worse.ci[1]
