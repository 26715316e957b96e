"""Helpers of the sweep tests (imported as a plain module; the fixtures are in conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

MODELS = {  # three quick built-in baselines, as model config files
    "logistic": "model_id: logistic\ntype: builtin\ninit_kwargs: {C: 0.1}\n",
    "majority": "model_id: majority\ntype: builtin\n",
    "dummy": "model_id: dummy\ntype: builtin\nbaseline: dummy_classifier\n",
}

RAISING = '''
class Broken:
    def fit(self, X, y):
        raise ValueError("weights file is corrupt")

    def predict_proba(self, X):
        raise ValueError("never fitted")
'''

SLOW = '''
import time

import numpy as np


class Slow:
    """A majority-class model that takes a second to fit: cells stay in flight long enough to kill a worker."""

    def fit(self, X, y):
        time.sleep(1.0)
        values, counts = np.unique(np.asarray(y), return_counts=True)
        self.classes_ = values
        self.p_ = counts / counts.sum()
        return self

    def predict_proba(self, X):
        return np.tile(self.p_, (len(X), 1))
'''


def write_models(folder: Path, names: list[str] | None = None) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names or list(MODELS):
        p = folder / f"{name}.yaml"
        p.write_text(MODELS[name])
        paths.append(p)
    return paths


def python_model(folder: Path, name: str, module_text: str, cls: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}_module.py").write_text(module_text)
    p = folder / f"{name}.yaml"
    p.write_text(f"model_id: {name}\ntype: python_class\nimport_path: {name}_module:{cls}\n")
    return p


def cells(out: Path) -> dict[tuple[str, str, int], dict]:
    """(suite, model, seed) -> cell.json of every cell folder under ``out``."""
    found = {}
    for p in sorted(out.glob("*/*/seed-*/cell.json")):
        state = json.loads(p.read_text())
        found[(state["suite"], state["model"], state["seed"])] = state
    return found


def sweep_env(data_dir: Path, cache: Path) -> dict[str, str]:
    return {**os.environ, "FMBENCH_DATA": str(data_dir), "FMBENCH_CACHE": str(cache), "COLUMNS": "200"}


def run_fmbench(*args: object, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fmbench", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout)
