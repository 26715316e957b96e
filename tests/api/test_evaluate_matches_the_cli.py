"""The Python API (issue #12), called as a user in a notebook would call it.

An in-memory model evaluated with ``fmbench.evaluate`` must give the record that
``python -m fmbench run`` gives for the same model loaded from a ``python_class`` config,
apart from ids, times, resources, digests and where the model came from.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import fmbench
from fmbench.errors import ConfigError, ModelError, NotFoundError, RecordError
from fmbench.records.io import read_record

MODELS_SRC = '''
"""Models a user would write: built once in a notebook, or loaded by `fmbench run` from a config."""
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def make_pipeline():
    return Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=1000))])


class TorchMLP:
    """A small torch network behind fit/predict_proba; seeded full-batch training on CPU."""

    def __init__(self, hidden=16, epochs=40, lr=0.2, seed=0):
        self.hidden, self.epochs, self.lr, self.seed = hidden, epochs, lr, seed
        self.net = None

    def fit(self, X, y):
        import torch

        torch.manual_seed(self.seed)
        X = torch.as_tensor(np.asarray(X, dtype=np.float32))
        y = torch.as_tensor(np.asarray(y, dtype=np.int64))
        self.mean_, self.std_ = X.mean(0), X.std(0) + 1e-6
        self.net = torch.nn.Sequential(torch.nn.Linear(X.shape[1], self.hidden), torch.nn.ReLU(),
                                       torch.nn.Linear(self.hidden, int(y.max()) + 1))
        Xs = (X - self.mean_) / self.std_
        for _ in range(self.epochs):  # plain gradient descent (torch.optim would import torch._dynamo: 3 s)
            self.net.zero_grad()
            torch.nn.functional.cross_entropy(self.net(Xs), y).backward()
            with torch.no_grad():
                for param in self.net.parameters():
                    param -= self.lr * param.grad
        return self

    def predict_proba(self, X):
        import torch

        with torch.no_grad():
            Xs = (torch.as_tensor(np.asarray(X, dtype=np.float32)) - self.mean_) / self.std_
            return torch.softmax(self.net(Xs).double(), dim=1).numpy()


class NaNModel:
    def fit(self, X, y):
        return self

    def predict_proba(self, X):
        return np.full((len(X), 2), np.nan)
'''

CONFIGS = {
    "pipeline": ("sk-pipe", "Scaled logistic regression", "user_models:make_pipeline"),
    "torch": ("torch-mlp", "Torch MLP", "user_models:TorchMLP"),
    "nan": ("nan-model", "NaN model", "user_models:NaNModel"),
}


@pytest.fixture(scope="module")
def user_models(tmp_path_factory):  # noqa: ANN001, ANN201
    """The user's module, importable here (sys.path) and in `fmbench run` (PYTHONPATH)."""
    folder = tmp_path_factory.mktemp("user-models")
    (folder / "user_models.py").write_text(MODELS_SRC)
    for key, (model_id, name, import_path) in CONFIGS.items():
        (folder / f"{key}.yaml").write_text(
            f"model_id: {model_id}\nname: {name}\ntype: python_class\nimport_path: '{import_path}'\n")
    sys.path.insert(0, str(folder))
    import user_models

    yield folder, user_models
    sys.path.remove(str(folder))
    sys.modules.pop("user_models", None)


def run_cli(folder: Path, data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    path = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run([sys.executable, "-m", "fmbench", *args, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, env=env, timeout=600)


def cli_record(folder: Path, data_dir: Path, suite: str, key: str, out: Path):  # noqa: ANN201
    proc = run_cli(folder, data_dir, "run", "--suite", suite, "--model", str(folder / f"{key}.yaml"),
                   "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return read_record(out / "eval.yaml")


def comparable(record) -> dict:  # noqa: ANN001
    """The record without what legitimately differs between an object run and a config run."""
    data = record.to_data()
    for volatile in ("eval_id", "created_at", "resources", "digest"):
        data.pop(volatile, None)
    data["model"].pop("config_digest", None)
    data["provenance"].pop("model_source", None)
    data["provenance"].pop("cache", None)  # objects without cache_key are not cached
    return data


def assert_same_evaluation(api_rec, cli_rec) -> None:  # noqa: ANN001
    assert api_rec.provenance["model_source"] == "object"
    assert "model_source" not in cli_rec.provenance
    for name, mv in cli_rec.metrics.items():
        assert api_rec.metrics[name].value == mv.value, name
        assert api_rec.metrics[name].ci == mv.ci, name
    assert api_rec.stratified == cli_rec.stratified
    assert api_rec.subgroups == cli_rec.subgroups
    primary = next(iter(cli_rec.bootstrap.replicates))
    np.testing.assert_array_equal(api_rec.bootstrap.replicate_array(primary),
                                  cli_rec.bootstrap.replicate_array(primary))
    assert comparable(api_rec) == comparable(cli_rec)


@pytest.mark.parametrize("suite", ["SUITE-TOY-CLASS", "SUITE-TOY-CLASS-CV"])
def test_sklearn_pipeline_object_matches_the_cli(user_models, data_dir, tmp_path, suite):  # noqa: ANN001
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    folder, mod = user_models
    pipe = mod.make_pipeline()
    res = fmbench.evaluate(pipe, suite=suite, model_id="sk-pipe", name="Scaled logistic regression",
                           data_dir=data_dir)
    assert res.metrics["AUROC"].value > 0.75 and res.metrics["AUROC"].ci[0] > 0.5
    with pytest.raises(NotFittedError):  # every fit got a clone: the caller's pipeline is untouched
        check_is_fitted(pipe)
    cli_rec = cli_record(folder, data_dir, suite, "pipeline", tmp_path / "cli")
    assert_same_evaluation(res.record, cli_rec)
    from_yaml = fmbench.evaluate(folder / "pipeline.yaml", suite=suite, data_dir=data_dir, no_cache=True)
    assert from_yaml.record.model.config_digest == cli_rec.model.config_digest
    assert comparable(from_yaml.record) == comparable(cli_rec)


@pytest.mark.parametrize("suite", ["SUITE-TOY-CLASS", "SUITE-TOY-CLASS-CV"])
def test_torch_model_object_matches_the_cli(user_models, data_dir, tmp_path, suite):  # noqa: ANN001
    pytest.importorskip("torch")
    folder, mod = user_models
    model = mod.TorchMLP()
    res = fmbench.evaluate(model, suite=suite, model_id="torch-mlp", name="Torch MLP", data_dir=data_dir)
    assert model.net is None  # fitted copies only
    assert res.metrics["AUROC"].value > 0.6
    assert_same_evaluation(res.record, cli_record(folder, data_dir, suite, "torch", tmp_path / "cli"))


def test_nan_probabilities_raise_the_cli_error_and_write_nothing(user_models, data_dir, tmp_path):  # noqa: ANN001
    folder, mod = user_models
    out = tmp_path / "run"
    with pytest.raises(ModelError) as err:
        fmbench.evaluate(mod.NaNModel(), suite="SUITE-TOY-CLASS", model_id="nan-model", data_dir=data_dir,
                         out=out)
    message = str(err.value)
    assert "\n" not in message and "NaN" in message and "'nan-model'" in message
    assert not out.exists() and list(tmp_path.iterdir()) == []
    proc = run_cli(folder, data_dir, "run", "--suite", "SUITE-TOY-CLASS", "--model", str(folder / "nan.yaml"),
                   "--out", str(tmp_path / "cli"))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {message}"
    assert not (tmp_path / "cli").exists()


def test_save_writes_the_three_files_all_or_nothing(data_dir, tmp_path, monkeypatch):  # noqa: ANN001
    import fmbench.records.io as records_io

    res = fmbench.evaluate("logistic", suite="SUITE-TOY-CLASS", data_dir=data_dir)
    files = res.save(tmp_path / "ok")
    assert sorted(p.name for p in files) == ["eval.yaml", "report.html", "report.md"]
    assert sorted(p.name for p in (tmp_path / "ok").iterdir()) == ["eval.yaml", "report.html", "report.md"]
    assert "| AUROC |" in (tmp_path / "ok" / "report.md").read_text()

    real = records_io.write_text_atomic

    def fail_on_html(path, text):  # noqa: ANN001, ANN202
        if Path(path).name == "report.html":
            raise OSError(28, "No space left on device")
        return real(path, text)

    monkeypatch.setattr(records_io, "write_text_atomic", fail_on_html)
    with pytest.raises(OSError):
        res.save(tmp_path / "failed")
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok"]  # no folder, no staging leftovers

    (tmp_path / "a-file").write_text("x")
    with pytest.raises(RecordError):
        res.save(tmp_path / "a-file" / "run")


def test_to_frame_holds_overall_and_stratified_metrics(data_dir):  # noqa: ANN001
    res = fmbench.evaluate("logistic", suite="SUITE-TOY-CLASS", data_dir=data_dir)
    frame = res.to_frame()
    columns = ["dimension", "group", "N", "metric", "value", "ci_low", "ci_high", "reason"]
    assert list(frame.columns) == columns
    overall = frame[(frame.dimension == "overall") & (frame.metric == "AUROC")].iloc[0]
    assert overall.group == "all" and overall.N == res.record.dataset.n
    assert overall.value == res.metrics["AUROC"].value
    assert (overall.ci_low, overall.ci_high) == res.metrics["AUROC"].ci
    for dim, groups in res.stratified.items():
        for group, result in groups.items():
            rows = frame[(frame.dimension == dim) & (frame.group == group)]
            assert set(rows.metric) == set(result.metrics) and (rows.N == result.N).all()
    n_group_rows = sum(len(r.metrics) for groups in res.stratified.values() for r in groups.values())
    assert len(frame) == len(res.metrics) + n_group_rows
    assert "AUROC = " in repr(res)


def test_builtin_name_gives_the_cli_record(data_dir, cli, tmp_path):  # noqa: ANN001
    res = fmbench.evaluate("logistic", suite="SUITE-TOY-CLASS", data_dir=data_dir)
    assert "model_source" not in res.record.provenance
    proc = cli("run", "--suite", "SUITE-TOY-CLASS", "--model", "logistic", "--out", tmp_path / "cli")
    assert proc.returncode == 0, proc.stderr
    cli_rec = read_record(tmp_path / "cli" / "eval.yaml")
    assert res.record.model.config_digest == cli_rec.model.config_digest
    assert comparable(res.record) == comparable(cli_rec)


def test_unknown_suite_and_bad_arguments_raise_one_line_errors(user_models, data_dir):  # noqa: ANN001
    _, mod = user_models
    with pytest.raises(NotFoundError, match="Did you mean 'SUITE-TOY-CLASS'"):
        fmbench.evaluate(mod.make_pipeline(), suite="SUITE-TOY-CLAS", data_dir=data_dir)
    with pytest.raises(ConfigError, match="pass an instance"):
        fmbench.evaluate(mod.TorchMLP, suite="SUITE-TOY-CLASS", data_dir=data_dir)
    with pytest.raises(ConfigError, match="model_id="):
        fmbench.evaluate(mod.make_pipeline(), suite="SUITE-TOY-CLASS", model_id="my model", data_dir=data_dir)
    with pytest.raises(ConfigError, match="in-memory model objects"):
        fmbench.evaluate("logistic", suite="SUITE-TOY-CLASS", cache_key="v1", data_dir=data_dir)
    with pytest.raises(ConfigError, match=r"model 'object' has no predict_proba\(\); the classification"):
        fmbench.evaluate(object(), suite="SUITE-TOY-CLASS", data_dir=data_dir)  # refused before any compute


def test_default_model_id_is_the_sanitised_class_name(user_models, data_dir):  # noqa: ANN001
    _, mod = user_models
    res = fmbench.evaluate(mod.make_pipeline(), suite="SUITE-TOY-CLASS", data_dir=data_dir)
    assert res.record.model.id == "Pipeline" and res.record.model.name == "Pipeline"
    assert res.record.model.config_digest.startswith("sha256:")


class CountingModel:
    """Counts predict_proba calls across copies (a class attribute survives deepcopy)."""

    calls = 0

    def fit(self, X, y):  # noqa: ANN001, ANN201
        self.p_ = float(np.mean(y))
        return self

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        type(self).calls += 1
        x = np.asarray(X)[:, 0]
        p = 1 / (1 + np.exp(-x))
        return np.column_stack([1 - p, p])


def test_objects_are_cached_only_with_a_cache_key(data_dir, tmp_path, monkeypatch):  # noqa: ANN001
    from fmbench.cache import list_cache

    monkeypatch.setenv("FMBENCH_CACHE", str(tmp_path / "cache"))
    CountingModel.calls = 0
    first = fmbench.evaluate(CountingModel(), suite="SUITE-TOY-CLASS-CV", data_dir=data_dir)
    fmbench.evaluate(CountingModel(), suite="SUITE-TOY-CLASS-CV", data_dir=data_dir)
    assert CountingModel.calls == 10  # 5 folds, twice: nothing read from a cache
    assert list_cache() == [] and not any(p.is_file() for p in (tmp_path / "cache").rglob("*"))

    keyed = fmbench.evaluate(CountingModel(), suite="SUITE-TOY-CLASS-CV", data_dir=data_dir, cache_key="v1")
    assert CountingModel.calls == 15
    assert [row["entries"] for row in list_cache()] == [5]  # one entry per fold
    again = fmbench.evaluate(CountingModel(), suite="SUITE-TOY-CLASS-CV", data_dir=data_dir, cache_key="v1")
    assert CountingModel.calls == 15  # every fold from the cache
    assert again.metrics == keyed.metrics == first.metrics
    assert again.record.model.config_digest == keyed.record.model.config_digest
    assert keyed.record.model.config_digest != first.record.model.config_digest
    fmbench.evaluate(CountingModel(), suite="SUITE-TOY-CLASS-CV", data_dir=data_dir, cache_key="v2")
    assert CountingModel.calls == 20  # a new key: computed again
    assert sum(row["entries"] for row in list_cache()) == 10


def test_list_suites_load_record_and_build_leaderboard(user_models, data_dir, tmp_path):  # noqa: ANN001
    _, mod = user_models
    suites = fmbench.list_suites()
    assert {"SUITE-TOY-CLASS", "SUITE-TOY-CLASS-CV"} <= set(suites)
    assert suites["SUITE-TOY-CLASS-CV"].protocol == "classification"
    assert suites["SUITE-TOY-CLASS-CV"].split.n_folds == 5

    res = fmbench.evaluate(mod.make_pipeline(), suite="SUITE-TOY-CLASS", model_id="sk-pipe",
                           data_dir=data_dir, out=tmp_path / "evals" / "sk-pipe")
    assert fmbench.load_record(tmp_path / "evals" / "sk-pipe") == res.record
    assert fmbench.load_record(tmp_path / "evals" / "sk-pipe" / "eval.yaml") == res.record
    with pytest.raises(NotFoundError):
        fmbench.load_record(tmp_path / "missing.yaml")

    result = fmbench.build_leaderboard([tmp_path / "evals"], out_md=tmp_path / "lb.md", no_cache=True)
    assert result.records == 1 and not result.skipped
    assert "sk-pipe" in (tmp_path / "lb.md").read_text()
    with pytest.raises(ConfigError):
        fmbench.build_leaderboard([tmp_path / "evals"])


def test_import_fmbench_stays_light():
    code = textwrap.dedent("""
        import sys, fmbench
        heavy = [m for m in ("fmbench.api", "pandas", "numpy", "sklearn", "pydantic") if m in sys.modules]
        assert not heavy, heavy
        assert fmbench.__version__ and callable(fmbench.evaluate) and "fmbench.api" in sys.modules
        api = {"evaluate", "list_suites", "load_record", "build_leaderboard", "EvaluationResult"}
        assert api <= set(dir(fmbench))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr



def test_copy_false_fits_the_object_itself_and_progress_names_each_fold(user_models, data_dir, capsys):  # noqa: ANN001
    from sklearn.utils.validation import check_is_fitted

    _, mod = user_models
    pipe = mod.make_pipeline()
    fmbench.evaluate(pipe, suite="SUITE-TOY-CLASS", copy=False, data_dir=data_dir)
    check_is_fitted(pipe)
    fmbench.evaluate(mod.make_pipeline(), suite="SUITE-TOY-CLASS-CV", progress=True, data_dir=data_dir)
    err = capsys.readouterr().err
    assert "fmbench: fold 5/5" in err and "SUITE-TOY-CLASS-CV · Pipeline: AUROC = " in err
