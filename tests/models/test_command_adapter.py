"""The `command` adapter: a script run by another interpreter / virtual environment."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from fm_helpers import run_fm_suite

from fmbench.errors import ModelError
from fmbench.models.config import ModelConfig
from fmbench.models.factory import build_model
from fmbench.testing import make_catalog, read_eval, write_yaml

pytest.importorskip("torch")  # the fm adapters are tested where the fm extra is installed
pytest.importorskip("transformers")

pytestmark = pytest.mark.usefixtures("isolated_cache")

SCRIPT = textwrap.dedent("""
    import json, sys
    import numpy as np
    method, inp, out = sys.argv[1:4]
    if method == "fail":
        sys.exit(3)
    if "FMBENCH_CMD_BOOM" in __import__("os").environ:
        print("Traceback (most recent call last):", file=sys.stderr)
        print("RuntimeError: CUDA out of memory", file=sys.stderr)
        sys.exit(1)
    if "FMBENCH_CMD_SLEEP" in __import__("os").environ:
        import time; time.sleep(30)
    if method == "embed":
        X = np.load(inp)
        np.save(out, np.stack([X.mean(1), X.std(1), X[:, :10].sum(1)], axis=1) * 2.0)
    elif method == "generate":
        items = [json.loads(l) for l in open(inp, encoding="utf-8")]
        with open(out, "w", encoding="utf-8") as fh:
            for it in items:
                fh.write(json.dumps("report: " + str(it)) + "\\n")
    elif method == "reconstruct":
        X, M = np.load(inp), np.load(sys.argv[4])
        np.save(out, np.where(M, 1.5, X))
""")


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "entry.py"
    path.write_text(SCRIPT)
    return path


def test_command_in_a_separate_venv_through_run(tmp_path, script):
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", str(venv)], check=True
    )
    py = venv / "bin" / "python"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 20))
    labels = ["b" if i % 2 else "a" for i in range(40)]
    X[1::2, :10] += 1.0
    cat = make_catalog(tmp_path, X, labels, params={"linear_probe": {"Cs": [1.0], "inner_folds": 3}})
    cfg = write_yaml(
        tmp_path / "cmd.yaml",
        {"model_id": "cmd", "type": "command", "command": [str(py), "-I", str(script)], "timeout_s": 60},
    )
    run_fm_suite(cfg, tmp_path / "o", cat)
    rec = read_eval(tmp_path / "o" / "eval.yaml")
    assert rec["details"]["probe"]["embedding_dim"] == 3
    model = build_model(ModelConfig(model_id="cmd", type="command", command=[str(py), "-I", str(script)]))
    expected = np.stack([X.mean(1), X.std(1), X[:, :10].sum(1)], axis=1) * 2.0
    np.testing.assert_allclose(model.embed(X), expected)
    assert not hasattr(model, "generate")


def test_command_generate_and_reconstruct_exchange_jsonl_and_npy(script):
    cmd = [sys.executable, "-I", str(script)]
    model = build_model(
        ModelConfig(model_id="cmd", type="command", command=cmd, methods=["generate", "reconstruct"])
    )
    assert model.generate([{"a": "ü"}, "x"]) == ["report: {'a': 'ü'}", "report: x"]
    X = np.arange(6.0).reshape(1, 2, 3)
    M = np.zeros_like(X, dtype=bool)
    M[0, 1, 2] = True
    np.testing.assert_array_equal(model.reconstruct(X, M), np.where(M, 1.5, X))


def test_command_failure_and_timeout_are_one_line_model_errors(script):
    cmd = [sys.executable, "-I", str(script)]
    boom = build_model(
        ModelConfig(model_id="cmd", type="command", command=cmd, env={"FMBENCH_CMD_BOOM": "1"})
    )
    with pytest.raises(ModelError, match=r"status 1 in embed\(\); stderr: .*CUDA out of memory") as err:
        boom.embed(np.zeros((2, 3)))
    assert "\n" not in str(err.value)
    slow = build_model(
        ModelConfig(model_id="cmd", type="command", command=cmd, timeout_s=1, env={"FMBENCH_CMD_SLEEP": "1"})
    )
    with pytest.raises(ModelError, match="timed out after 1s"):
        slow.embed(np.zeros((2, 3)))
    from fmbench.errors import ConfigError

    with pytest.raises(ConfigError, match="not found"):
        build_model(ModelConfig(model_id="cmd", type="command", command=["/no/such/python"]))
