"""Review: odd command-line inputs give one line on stderr and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest


def _one_line_exit_2(proc, *needles: str) -> None:  # noqa: ANN001
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]


@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_run_seed_out_of_range(cli, tmp_path: Path, seed: str):
    out = tmp_path / "o"
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", "majority", "--out", out, "--seed", seed)
    _one_line_exit_2(proc, "--seed")
    assert not out.exists()


def test_run_data_dir_is_a_file(cli, tmp_path: Path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    out = tmp_path / "o"
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", "majority", "--out", out, "--data-dir", f)
    _one_line_exit_2(proc, str(f))
    assert not out.exists()


def test_build_leaderboard_output_is_a_directory(cli, tmp_path: Path):
    evals = tmp_path / "evals"
    evals.mkdir()
    target = tmp_path / "adir"
    target.mkdir()
    for opt in ("--out-md", "--out-json"):
        proc = cli("build-leaderboard", "--evals", evals, opt, target)
        _one_line_exit_2(proc, str(target))
        assert target.is_dir() and not any(target.iterdir())


def test_predictions_refused_by_a_protocol_that_does_not_read_them(cli, tmp_path: Path):
    preds = tmp_path / "p.jsonl"
    preds.write_text('{"study_id": "x", "generated": "y"}\n')
    out = tmp_path / "o"
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", "majority", "--out", out,
               "--predictions", preds)
    _one_line_exit_2(proc, "--predictions")
    assert not out.exists()


def test_out_below_a_file(cli, tmp_path: Path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", "majority", "--out", f / "sub")
    _one_line_exit_2(proc, str(f))
    assert f.read_text() == "x"


def test_generate_toy_data_out_is_a_file(cli, tmp_path: Path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    proc = cli("generate-toy-data", "--out", f)
    _one_line_exit_2(proc, str(f))
