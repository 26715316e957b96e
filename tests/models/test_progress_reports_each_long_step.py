"""Progress: a k-fold linear-probe run tells the caller's reporter about each step (embedding batch by
batch, the folds' fits and predictions, the bootstrap), and a run whose stderr is not a terminal
prints no progress bar or escape codes."""

from __future__ import annotations

import pytest
from fm_helpers import text_data

import fmbench
from fmbench.testing import make_catalog, write_yaml

pytest.importorskip("torch")
pytest.importorskip("transformers")

pytestmark = pytest.mark.usefixtures("isolated_cache")


class RecordingProgress:
    """A reporter that remembers every call, in order."""

    def __init__(self) -> None:
        self.events: list[tuple] = []

    def start(self, label: str, total: int) -> None:
        self.events.append(("start", label, total))

    def advance(self, n: int = 1) -> None:
        self.events.append(("advance", n))

    def stop(self) -> None:
        self.events.append(("stop",))

    def steps(self) -> list[tuple[str, int, list[int]]]:
        """(label, total, advances) of each started step; every step stopped before the next."""
        out: list[tuple[str, int, list[int]]] = []
        open_step = False
        for event in self.events:
            if event[0] == "start":
                assert not open_step, f"{event[1]!r} started inside another step"
                out.append((event[1], event[2], []))
                open_step = True
            elif event[0] == "advance":
                assert open_step, "advanced outside a step"
                out[-1][2].append(event[1])
            else:
                open_step = False
        assert not open_step
        return out


def test_a_kfold_linear_probe_reports_batches_folds_and_bootstrap(tiny_bert, tmp_path):
    X, y = text_data(60)
    probe = {"linear_probe": {"Cs": [0.1, 1.0], "inner_folds": 2, "embed_chunk": 16}}
    cat = make_catalog(tmp_path, X, y, protocol="classification", params=probe,
                       split={"kind": "kfold", "n_folds": 3, "seed": 0})
    cfg = write_yaml(tmp_path / "m.yaml", {"model_id": "tiny-bert", "type": "huggingface",
                                           "path": str(tiny_bert), "batch_size": 4})
    progress = RecordingProgress()
    fmbench.evaluate(cfg, suite="SUITE-FM-TEST", catalog=[cat], protocol="linear_probe", progress=progress)
    (embed, n, batches), (folds, k2, fits), (scoring, B, reps) = progress.steps()
    assert embed == "embedding inputs" and n == 60
    assert batches == [4] * 15  # one advance per forward pass of 4 texts, not per cached chunk of 16
    assert folds == "3 folds: logistic probe fit, predict" and k2 == 6 and fits == [1] * 6
    assert scoring.startswith("scoring: bootstrap") and B == 200 and sum(reps) == 200 and len(reps) > 1

    again = RecordingProgress()  # from the output cache: the bar still fills, chunk by chunk
    fmbench.evaluate(cfg, suite="SUITE-FM-TEST", catalog=[cat], protocol="linear_probe", progress=again)
    [(label, total, chunks), (_, _, fold_steps), _] = again.steps()
    assert label == "embedding inputs" and chunks == [16, 16, 16, 12] and sum(fold_steps) == 6


def test_a_run_on_a_pipe_prints_no_progress_escape_codes(cli, tmp_path):
    proc = cli("run", "--suite", "SUITE-TOY-CLASS-CV", "--model", "logistic", "--out", tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stderr and "\x1b" not in proc.stdout
    assert proc.stderr == ""
