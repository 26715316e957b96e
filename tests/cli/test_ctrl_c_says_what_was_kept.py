"""Ctrl-C during run, run-robustness and quickstart: one line, exit status 130, no partial files.

The line says what was kept (finished folds in the output cache, finished suites or runs) and
the exact command that continues; for ``run`` that command (``--resume``) computes only the
folds that had not finished.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from fmbench.testing import make_catalog, read_eval, write_yaml

pytestmark = pytest.mark.usefixtures("isolated_cache")

N_FOLDS = 4
SLOW_MODEL = '''
import time
import numpy as np


class SlowScorer:
    """Scores rows by their first column, slowly (one call per fold)."""

    def __init__(self, delay):
        self.delay = delay

    def predict_proba(self, X):
        time.sleep(self.delay)
        s = 1 / (1 + np.exp(-np.asarray(X, dtype=float)[:, 0]))
        return np.column_stack([1 - s, s])
'''


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def no_partial_files(folder: Path) -> list[Path]:
    """Temporary files or staging folders (``.name.XXXX``) left anywhere under ``folder``."""
    return [p for p in folder.rglob(".*") if p.name.endswith(".tmp") or re.match(r"^\.out\.", p.name)]


@pytest.mark.slow
def test_sigint_during_run_keeps_finished_folds_and_prints_the_resume_command(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    cat = make_catalog(tmp_path, X, ["b" if v > 0 else "a" for v in X[:, 0]], protocol="classification",
                       split={"kind": "kfold", "n_folds": N_FOLDS, "seed": 0})
    (tmp_path / "slow_scorer.py").write_text(SLOW_MODEL)
    cfg = write_yaml(tmp_path / "slow.yaml", {"model_id": "slow", "type": "python_class",
                                              "import_path": "slow_scorer:SlowScorer",
                                              "init_kwargs": {"delay": 1.0}})
    cache = tmp_path / "fm-cache"
    out = tmp_path / "out"
    env = {**os.environ, "FMBENCH_CACHE": str(cache)}
    args = ["run", "--suite", "SUITE-FM-TEST", "--model", str(cfg), "--catalog", str(cat), "--out", str(out)]
    proc = subprocess.Popen([sys.executable, "-m", "fmbench", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(cache.rglob("*.npy")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)

    assert proc.returncode == 130, (stdout, stderr)
    line = one_line(stderr)
    kept = int(re.search(r"kept (\d+) fold predictions? in the output cache", line).group(1))
    assert 1 <= kept < N_FOLDS, line
    assert f"nothing written to {out}" in line
    command = line.split("; continue with: ", 1)[1]
    assert command == "python -m fmbench " + shlex.join([*args, "--resume"])
    assert not out.exists() and not (out / "eval.yaml").exists()
    assert no_partial_files(tmp_path) == []
    assert stdout == ""

    # the printed command continues the run: only the unfinished folds are computed
    again = subprocess.run([sys.executable, *shlex.split(command)[1:]], env=env, text=True,
                           capture_output=True, timeout=300)
    assert again.returncode == 0, again.stderr
    record = read_eval(out / "eval.yaml")
    assert record["resources"]["cache_hits"] == kept
    assert record["resources"]["cache_misses"] == N_FOLDS - kept


def interrupt_on_call(monkeypatch, n: int) -> None:  # noqa: ANN001
    """Ctrl-C inside the ``n``-th run's protocol (in-process, instead of a signal)."""
    import fmbench.runner as runner

    real = runner.evaluate_context
    calls = []

    def evaluate(ctx):  # noqa: ANN001, ANN202
        calls.append(ctx)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real(ctx)

    monkeypatch.setattr(runner, "evaluate_context", evaluate)


def run_main(args: list[str], capsys) -> tuple[int, str]:  # noqa: ANN001
    from fmbench.cli import main

    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        main(args)
    return stop.value.code, one_line(capsys.readouterr().err)


def test_ctrl_c_in_run_robustness_says_nothing_is_cached_and_how_to_rerun(tmp_path, monkeypatch, capsys):
    interrupt_on_call(monkeypatch, 1)
    out = tmp_path / "robust"
    args = ["run-robustness", "--model", "logistic", "--out", str(out), "--probes", "noise"]
    code, line = run_main(args, capsys)
    assert code == 130
    assert line == ("interrupted: nothing cached (the robustness protocol does not cache model outputs); "
                    f"nothing written to {out}; rerun: python -m fmbench {shlex.join(args)}")
    assert not out.exists()


def test_ctrl_c_in_quickstart_names_the_finished_runs(tmp_path, monkeypatch, capsys):
    interrupt_on_call(monkeypatch, 2)
    out = tmp_path / "qs"
    args = ["quickstart", "--out", str(out), "--suite", "SUITE-TOY-CLASS", "--evals", str(tmp_path / "none")]
    code, line = run_main(args, capsys)
    assert code == 130
    assert line.startswith(f"interrupted: finished and written: 1 run(s) in {out / 'runs'}; ")
    assert f"; continue with: python -m fmbench {shlex.join(args)}" in line
    written = sorted(p.parent.name for p in (out / "runs").rglob("eval.yaml"))
    assert written == ["dummy_classifier"] and no_partial_files(out) == []


def test_ctrl_c_in_the_second_of_several_suites_keeps_the_first(tmp_path, monkeypatch, capsys):
    interrupt_on_call(monkeypatch, 2)
    out = tmp_path / "several"
    args = ["run", "--suite", "SUITE-TOY-CLASS,SUITE-TOY-CLASS-CV", "--model", "logistic", "--out", str(out)]
    code, line = run_main(args, capsys)
    assert code == 130
    assert line == (f"interrupted: finished and written: SUITE-TOY-CLASS (in {out / 'SUITE-TOY-CLASS'}); "
                    "no fold or chunk had finished, so no model output was cached; "
                    f"nothing written to {out / 'SUITE-TOY-CLASS-CV'}; "
                    f"continue with: python -m fmbench {shlex.join([*args, '--resume'])}")
    assert sorted(p.name for p in out.iterdir()) == ["SUITE-TOY-CLASS"]
