"""Output checks: hard 0/1 labels refused (or allowed, recorded and noted on the board), the sum-to-1
tolerance following the dtype, float64 renormalisation recorded, embeddings one vector per input,
and a model's methods read from its config before it is built."""

from __future__ import annotations

import numpy as np
import pytest

from fmbench.errors import ModelError
from fmbench.models.capabilities import possible_methods
from fmbench.models.checks import ProbabilityLog, check_embeddings, check_probabilities, sum_tolerance
from fmbench.models.config import ModelConfig
from fmbench.records.output_notes import HARD_LABEL_NOTE
from fmbench.testing import write_yaml

pytestmark = pytest.mark.usefixtures("isolated_cache")


def one_hot(n: int, seed: int = 0) -> np.ndarray:
    return np.eye(2)[np.random.default_rng(seed).integers(0, 2, n)]


def test_hard_labels_are_refused_in_one_line_unless_allowed():
    with pytest.raises(ModelError) as exc:
        check_probabilities(one_hot(40), n_rows=40, n_classes=2, model_id="m")
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith("model 'm': predict_proba returned hard 0/1 labels (all 40 rows one-hot)")
    assert "return class probabilities" in msg and "allow_hard_labels: true" in msg
    log = ProbabilityLog()
    P = check_probabilities(one_hot(40), n_rows=40, n_classes=2, model_id="m", allow_hard_labels=True,
                            log=log)
    assert P.dtype == np.float64 and log.summary()["hard_labels"] and log.summary()["hard_label_rows"] == 40
    # a handful of confident rows is not a model of hard labels; one soft row neither
    check_probabilities(one_hot(5), n_rows=5, n_classes=2, model_id="m")
    soft = one_hot(40)
    soft[7] = [0.3, 0.7]
    check_probabilities(soft, n_rows=40, n_classes=2, model_id="m")


def test_the_sum_tolerance_follows_the_dtype_and_rows_are_renormalised_in_float64():
    p = np.array([[0.5, 0.5]] * 10, dtype=np.float16)
    p[3] = [0.25 + 2**-12, 0.75]  # sums to 1.00024: one float16 step off, as half precision leaves it
    assert abs(float(p[3].astype(float).sum()) - 1.00024) < 1e-5
    log = ProbabilityLog()
    P = check_probabilities(p, n_rows=10, n_classes=2, model_id="m", log=log)
    assert P.dtype == np.float64
    np.testing.assert_array_equal(P.sum(axis=1), np.ones(10))
    summary = log.summary()
    assert summary["dtype"] == "float16" and summary["renormalised_in"] == "float64"
    assert summary["max_sum_deviation"] == pytest.approx(0.000244140625)
    for dtype in (np.float32, np.float64):
        with pytest.raises(ModelError, match=r"row 3 sum to 1\.00024, not 1 \(tolerance .* for "
                                             + np.dtype(dtype).name):
            check_probabilities(p.astype(dtype), n_rows=10, n_classes=2, model_id="m")
    assert sum_tolerance(np.dtype(np.float16), 2) > 1e-3 > 2e-4 > sum_tolerance(np.dtype(np.float32), 2) >= 1e-4
    # probabilities written with four decimals (a predictions file) still pass in float64
    rounded = np.round(np.array([[1 / 3, 1 / 3, 1 / 3]] * 6), 4)
    check_probabilities(rounded, n_rows=6, n_classes=3, model_id="m")
    assert sum_tolerance(np.dtype(np.float64), 2) == sum_tolerance(np.dtype(np.float32), 2)
    # float32 softmax rounding passes in float32 and when cast to float64
    z = np.random.default_rng(1).normal(size=(50, 10)).astype(np.float32)
    soft = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    check_probabilities(soft, n_rows=50, n_classes=10, model_id="m")
    check_probabilities(soft.astype(np.float64), n_rows=50, n_classes=10, model_id="m")


def test_embeddings_must_be_one_vector_per_input():
    with pytest.raises(ModelError) as exc:
        check_embeddings(np.zeros((6, 4, 8)), n_rows=6, model_id="m")
    assert str(exc.value) == (
        "model 'm': embed() returned shape (n, 4, 8); return one vector per input: pool over axis 1 (mean) "
        "and flatten, or reshape to (n, 32)"
    )
    with pytest.raises(ModelError, match=r"\(n, 2, 3, 5\).*pool over axes 1 to 2 .*reshape to \(n, 30\)"):
        check_embeddings(np.zeros((6, 2, 3, 5)), n_rows=6, model_id="m")
    with pytest.raises(ModelError, match=r"shape \(n,\), one number per input"):
        check_embeddings(np.zeros(6), n_rows=6, model_id="m")
    assert check_embeddings(np.ones((6, 3)), n_rows=6, model_id="m").shape == (6, 3)


def test_methods_are_read_from_the_config_without_building(tmp_path):
    assert possible_methods(ModelConfig(model_id="majority")) == {"fit", "predict_proba"}
    # no such folder: building would fail, reading the type does not
    hf = ModelConfig(model_id="enc", type="huggingface", path=str(tmp_path / "absent"))
    assert possible_methods(hf) == {"embed"}
    cmd = ModelConfig(model_id="c", type="command", command=["x"], methods=["embed", "fit"])
    assert possible_methods(cmd) == {"embed", "fit"}
    cls = ModelConfig(model_id="t", type="python_class", import_path="fmbench.testing:TokenEmbedder")
    assert possible_methods(cls) == {"embed", "fit"}


def _run(cli, tmp_path, model: dict, *args: str):  # noqa: ANN001, ANN202
    cfg = write_yaml(tmp_path / "model.yaml", model)
    out = tmp_path / "out"
    return cli("run", "--suite", "SUITE-TOY-CLASS", "--model", cfg, "--out", out, *args), out


def test_a_hard_label_model_is_refused_with_exit_2_and_nothing_written(cli, tmp_path):
    proc, out = _run(cli, tmp_path, {"model_id": "hard", "type": "python_class",
                                     "import_path": "fmbench.testing:HardLabelModel"})
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "predict_proba returned hard 0/1 labels" in proc.stderr and not out.exists()


def test_an_embedding_per_token_is_refused_with_exit_2_and_nothing_written(cli, tmp_path):
    proc, out = _run(cli, tmp_path, {"model_id": "tok", "type": "python_class",
                                     "import_path": "fmbench.testing:TokenEmbedder"},
                     "--protocol", "linear_probe")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip() == (
        "error: model 'tok': embed() returned shape (n, 4, 8); return one vector per input: pool over "
        "axis 1 (mean) and flatten, or reshape to (n, 32)"
    )
    assert not out.exists()


def test_allowed_hard_labels_are_recorded_and_noted_on_the_board(data_dir):
    import fmbench
    from fmbench import leaderboard as lb
    from fmbench.catalog.registry import load_catalog

    res = fmbench.evaluate({"model_id": "hard", "type": "python_class", "allow_hard_labels": True,
                            "import_path": "fmbench.testing:HardLabelModel"},
                           suite="SUITE-TOY-CLASS", data_dir=data_dir, no_cache=True)
    rec = res.record
    assert rec.provenance["allow_hard_labels"] is True
    checks = rec.details["output_checks"]["probabilities"]
    assert checks["hard_labels"] and checks["hard_label_rows"] == rec.dataset.n
    assert any(HARD_LABEL_NOTE in w for w in rec.provenance["warnings"])
    board = lb.build([rec], load_catalog())
    [bench] = [b for b in board.benchmarks if b.id == rec.benchmark_id]
    [row] = [r for t in bench.tables for r in t.rows]
    assert row.notes == HARD_LABEL_NOTE
    from fmbench.reports.markdown import render_report_md

    assert HARD_LABEL_NOTE in render_report_md(rec, load_catalog().benchmark(rec.benchmark_id))



def test_the_flag_changes_the_config_digest_only_when_set():
    from fmbench.records.digest import canonical_json, sha256_hex

    data = {"model_id": "hard", "type": "python_class", "import_path": "fmbench.testing:HardLabelModel"}
    plain = ModelConfig(**data)
    before = plain.model_dump(mode="json")
    del before["allow_hard_labels"]
    assert plain.digest() == "sha256:" + sha256_hex(canonical_json(before))  # earlier configs keep theirs
    assert ModelConfig(**data, allow_hard_labels=True).digest() != plain.digest()


def test_half_precision_probabilities_pass_and_the_renormalisation_is_recorded(data_dir):
    import fmbench

    res = fmbench.evaluate({"model_id": "half", "type": "python_class",
                            "import_path": "fmbench.testing:HalfPrecisionModel"},
                           suite="SUITE-TOY-CLASS", data_dir=data_dir, no_cache=True)
    checks = res.record.details["output_checks"]["probabilities"]
    assert checks["dtype"] == "float16" and checks["renormalised_in"] == "float64"
    assert 0 < checks["max_sum_deviation"] < checks["sum_tolerance"]
    assert not checks["hard_labels"]
