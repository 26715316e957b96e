"""Helpers of the adapter tests: toy texts and in-process `fmbench` runs (the tiny models and the
tmp catalogs they run on are in fmbench.testing)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def text_data(n: int = 60, seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """Sentences whose words lean towards w0-w19 for class a and w20-w39 for class b."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        lab = "a" if i % 2 == 0 else "b"
        lo = 0 if lab == "a" else 20
        k = int(rng.integers(3, 12))
        words = [
            f"w{int(rng.integers(lo, lo + 20)) if rng.random() < 0.8 else int(rng.integers(0, 40))}"
            for _ in range(k)
        ]
        texts.append(" ".join(words))
        labels.append(lab)
    return np.array(texts), labels


def run_cli(args: list[str]) -> None:
    from fmbench.cli import main

    try:
        main(args)
    except SystemExit as exc:  # main exits only on errors
        raise AssertionError(f"fmbench {' '.join(args)} exited with {exc.code}") from None


def run_fm_suite(cfg: Path, out: Path, catalog: Path) -> None:
    """`fmbench run` of the test catalog's SUITE-FM-TEST with the model config ``cfg``."""
    run_cli(["run", "--suite", "SUITE-FM-TEST", "--model", str(cfg), "--out", str(out),
             "--catalog", str(catalog)])


def dump_json(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj))
    return path
