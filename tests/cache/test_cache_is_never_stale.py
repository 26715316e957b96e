"""The output cache never serves outputs of other weights, other code or other packages.

The audit's cases: a checkpoint named in init_kwargs overwritten in place (same size, mtime put
back), a helper module the model's module imports swapped for a dummy classifier (imported at the
top, inside a method, by computed name or from a file while the model is built), and an installed package's
version changed. Each run after the change must be a fresh computation equal to ``--no-cache``
(and to scikit-learn on the same scores), while an unchanged rerun is still served from the cache.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from fmbench.testing import comparable, make_catalog, read_eval, write_yaml

pytestmark = pytest.mark.usefixtures("isolated_cache")

N_FOLDS = 3


def toy_data(n: int = 60) -> tuple[np.ndarray, list[str], np.ndarray]:
    """X, labels, and y (1 for the positive class "b"): columns 0, 1 and 2 each carry some signal."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(n, 6))
    y = (X[:, 0] + 0.7 * X[:, 1] - 0.5 * X[:, 2] + rng.normal(scale=0.8, size=n) > 0).astype(int)
    return X, ["b" if v else "a" for v in y], y


def classification_catalog(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    X, labels, y = toy_data()
    cat = make_catalog(tmp_path, X, labels, protocol="classification",
                       split={"kind": "kfold", "n_folds": N_FOLDS, "seed": 0})
    return cat, X, y


def run(tmp_path: Path, cat: Path, model: Path, out: str, **options) -> dict:  # noqa: ANN003
    from fmbench.runner import run_suite

    run_suite("SUITE-FM-TEST", model, tmp_path / out, catalog_dirs=[cat], options=options)
    return read_eval(tmp_path / out / "eval.yaml")


def auroc(record: dict) -> float:
    return record["metrics"]["AUROC"]["value"]


def served_from_cache(record: dict) -> bool:
    """Every fold read from the cache, none computed (the record's resources say so)."""
    res = record["resources"]
    return record["provenance"]["cache"] == "on" and res["cache_hits"] == N_FOLDS and res["cache_misses"] == 0


def computed(record: dict) -> bool:
    res = record["resources"]
    return record["provenance"]["cache"] == "on" and res["cache_hits"] == 0 and res["cache_misses"] == N_FOLDS


# ---------------------------------------------------------------- (a) weights named in init_kwargs

CHECKPOINT_MODEL = '''
import numpy as np


class CheckpointModel:
    """Scores rows by X @ w, with w read from the checkpoint; no fit."""

    def __init__(self, checkpoint):
        self.w = np.load(checkpoint)

    def predict_proba(self, X):
        s = 1 / (1 + np.exp(-(np.asarray(X, dtype=float) @ self.w)))
        return np.column_stack([1 - s, s])
'''


def test_checkpoint_overwritten_with_same_size_and_mtime_is_computed_again(tmp_path):
    cat, X, y = classification_catalog(tmp_path)
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "ckpt_model.py").write_text(CHECKPOINT_MODEL)
    w1, w2 = np.eye(6)[0], np.eye(6)[2] * -1.0
    np.save(model_dir / "w.npy", w1)
    cfg = write_yaml(model_dir / "model.yaml", {  # a path relative to the YAML's folder
        "model_id": "ckpt", "type": "python_class", "import_path": "ckpt_model:CheckpointModel",
        "init_kwargs": {"checkpoint": "w.npy"}})
    cwd = os.getcwd()
    os.chdir(model_dir)  # the model opens the relative path from the working folder
    try:
        first = run(tmp_path, cat, cfg, "first")
        again = run(tmp_path, cat, cfg, "again")
        st = (model_dir / "w.npy").stat()
        time.sleep(0.05)  # past the file system's timestamp tick
        np.save(model_dir / "w.npy", w2)
        os.utime(model_dir / "w.npy", ns=(st.st_atime_ns, st.st_mtime_ns))
        after = (model_dir / "w.npy").stat()
        assert (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns)
        changed = run(tmp_path, cat, cfg, "changed")
        no_cache = run(tmp_path, cat, cfg, "no-cache", no_cache=True)
    finally:
        os.chdir(cwd)
    assert computed(first) and served_from_cache(again)
    assert auroc(first) == pytest.approx(roc_auc_score(y, X @ w1), abs=1e-12)
    assert comparable(again) == comparable(first)
    assert computed(changed)
    assert auroc(changed) == pytest.approx(roc_auc_score(y, X @ w2), abs=1e-12)
    assert auroc(changed) != pytest.approx(auroc(first), abs=1e-3)
    assert comparable(changed) == comparable(no_cache)
    assert no_cache["provenance"]["cache"] == "off: --no-cache"


# ---------------------------------------------------------------- (b) a helper module swapped

PIPELINE = {
    "top": '''
from helper_clf import make_classifier


class Pipeline:
    def fit(self, X, y):
        self.clf = make_classifier().fit(X, y)
        return self

    def predict_proba(self, X):
        return self.clf.predict_proba(X)
''',
    "in_method": '''
class Pipeline:
    def fit(self, X, y):
        from helper_clf import make_classifier

        self.clf = make_classifier().fit(X, y)
        return self

    def predict_proba(self, X):
        return self.clf.predict_proba(X)
''',
    "from_file": '''
import importlib.util
import sys
from pathlib import Path


class Pipeline:
    def __init__(self):  # a module loaded from a file under a name no lookup by name finds
        path = Path(__file__).with_name("helper_clf.py")
        spec = importlib.util.spec_from_file_location("fmb_plugin_helper", path)
        self.helper = sys.modules["fmb_plugin_helper"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self.helper)

    def fit(self, X, y):
        self.clf = self.helper.make_classifier().fit(X, y)
        return self

    def predict_proba(self, X):
        return self.clf.predict_proba(X)
''',
    "by_name": '''
import importlib


class Pipeline:
    def __init__(self, helper="helper" + "_clf"):
        self.helper = importlib.import_module(helper)  # a name no reader of this file can see

    def fit(self, X, y):
        self.clf = self.helper.make_classifier().fit(X, y)
        return self

    def predict_proba(self, X):
        return self.clf.predict_proba(X)
''',
}
REAL_HELPER = '''
from sklearn.linear_model import LogisticRegression


def make_classifier():
    return LogisticRegression(C=1.0, max_iter=1000)
'''
DUMMY_HELPER = '''
from sklearn.dummy import DummyClassifier


def make_classifier():
    return DummyClassifier(strategy="prior")
'''


@pytest.mark.parametrize("how", ["top", "in_method", "by_name", "from_file"])
def test_swapped_helper_module_is_computed_again(tmp_path, cli, how):
    cat, _, _ = classification_catalog(tmp_path)
    folder = tmp_path / "pipe"
    folder.mkdir()
    (folder / "pipeline_mod.py").write_text(PIPELINE[how])
    (folder / "helper_clf.py").write_text(REAL_HELPER)
    cfg = write_yaml(folder / "model.yaml", {
        "model_id": "pipe", "type": "python_class", "import_path": "pipeline_mod:Pipeline"})
    # the helper is found beside the model's module: on PYTHONPATH as a user would put it
    env = {"FMBENCH_CACHE": str(tmp_path / "fm-cache"),
           "PYTHONPATH": os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH")) if p)}

    def run_cli(out: str, *extra: str) -> dict:
        done = cli("run", "--suite", "SUITE-FM-TEST", "--model", cfg, "--catalog", cat,
                   "--out", tmp_path / out, *extra, env=env)
        assert done.returncode == 0, done.stderr
        return read_eval(tmp_path / out / "eval.yaml")

    first = run_cli("first")
    assert computed(first) and auroc(first) > 0.8
    if how == "from_file":  # what building the model imported is checked, and found unchanged
        assert served_from_cache(run_cli("unchanged"))
    (folder / "helper_clf.py").write_text(DUMMY_HELPER)
    changed = run_cli("changed")
    assert computed(changed)
    assert auroc(changed) == 0.5  # constant predictions
    if how == "top":
        again = run_cli("again")
        no_cache = run_cli("no-cache", "--no-cache")
        assert served_from_cache(again) and comparable(again) == comparable(changed)
        assert comparable(changed) == comparable(no_cache)


# ---------------------------------------------------------------- (c) an installed package's version

SCALE_PACKAGE = '''
from importlib.metadata import version


def column():
    """The column this release scores by: its major version."""
    return int(version("fmbfakescore").split(".")[0])
'''
VERSIONED_MODEL = '''
import numpy as np
import fmbfakescore


class VersionedModel:
    def predict_proba(self, X):
        s = 1 / (1 + np.exp(-np.asarray(X, dtype=float)[:, fmbfakescore.column()]))
        return np.column_stack([1 - s, s])
'''


def install_fake_distribution(site: Path, version: str) -> None:
    """``fmbfakescore`` with its .dist-info, as pip would leave it (METADATA, top_level.txt)."""
    (site / "fmbfakescore").mkdir(parents=True, exist_ok=True)
    (site / "fmbfakescore" / "__init__.py").write_text(SCALE_PACKAGE)
    info = site / "fmbfakescore-0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: fmbfakescore\nVersion: {version}\n")
    (info / "top_level.txt").write_text("fmbfakescore\n")


def test_installed_package_version_change_is_computed_again(tmp_path, monkeypatch):
    cat, X, y = classification_catalog(tmp_path)
    site = tmp_path / "site"
    install_fake_distribution(site, "1.0.0")
    monkeypatch.syspath_prepend(str(site))
    folder = tmp_path / "versioned"
    folder.mkdir()
    (folder / "versioned_model.py").write_text(VERSIONED_MODEL)
    cfg = write_yaml(folder / "model.yaml", {
        "model_id": "versioned", "type": "python_class", "import_path": "versioned_model:VersionedModel"})
    try:
        first = run(tmp_path, cat, cfg, "first")
        again = run(tmp_path, cat, cfg, "again")
        install_fake_distribution(site, "2.0.0")  # the same files, another version
        changed = run(tmp_path, cat, cfg, "changed")
        no_cache = run(tmp_path, cat, cfg, "no-cache", no_cache=True)
    finally:
        for name in ("fmbfakescore", "versioned_model"):
            sys.modules.pop(name, None)
    assert computed(first) and served_from_cache(again)
    assert auroc(first) == pytest.approx(roc_auc_score(y, X[:, 1]), abs=1e-12)
    assert computed(changed)
    assert auroc(changed) == pytest.approx(roc_auc_score(y, X[:, 2]), abs=1e-12)
    assert comparable(changed) == comparable(no_cache)
    from fmbench.cache import list_cache

    versions = {r["keyed_on"]["packages"].get("fmbfakescore") for r in list_cache()}
    assert versions == {"1.0.0", "2.0.0"}  # one entry folder per version, each saying what it was keyed on
