"""Helpers of the fm tests: tiny randomly initialised models saved with save_pretrained, tmp catalogs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = [f"w{i}" for i in range(40)]


def save_tiny_bert(folder: Path, vocab: list[str], *, seed: int = 0, max_pos: int = 64) -> Path:
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    # transformers 5 reads the vocabulary from ``vocab=`` (``vocab_file=`` keeps only the specials)
    tok = BertTokenizerFast(vocab=str(folder / "vocab.txt"), do_lower_case=False, model_max_length=max_pos)
    assert tok.convert_tokens_to_ids(vocab[-1]) == len(vocab) - 1
    tok.save_pretrained(str(folder))
    torch.manual_seed(seed)
    cfg = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=37,
        max_position_embeddings=max_pos,
        pad_token_id=0,
    )
    BertModel(cfg).eval().save_pretrained(str(folder))
    return folder


def write_yaml(path: Path, data: dict) -> Path:
    import yaml

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def make_catalog(
    root: Path,
    X: np.ndarray,
    labels: list[str],
    *,
    ds_id: str = "DS-FM-TEST",
    suite_id: str = "SUITE-FM-TEST",
    split: dict | None = None,
    protocol: str = "linear_probe",
    params: dict | None = None,
    extra_meta: dict | None = None,
    benchmark_id: str = "BM-TOY-CLASS",
) -> Path:
    """A --catalog folder with one file dataset (X.npy + meta.csv) and one suite on it."""
    data = root / "data" / ds_id
    data.mkdir(parents=True, exist_ok=True)
    np.save(data / "X.npy", X, allow_pickle=False)
    meta = pd.DataFrame(
        {
            "sample_id": [f"s{i}" for i in range(len(labels))],
            "label": labels,
            "site": [f"site{i % 2}" for i in range(len(labels))],
            **(extra_meta or {}),
        }
    )
    meta.to_csv(data / "meta.csv", index=False)
    cat = root / "catalog"
    write_yaml(
        cat / "datasets" / f"{ds_id}.yaml",
        {
            "id": ds_id,
            "name": "FM test data",
            "source": "file",
            "loader": "npy_table",
            "format": "npy+csv",
            "license": "CC0-1.0",
            "params": {"path": str(data)},
        },
    )
    write_yaml(
        cat / "suites" / f"{suite_id}.yaml",
        {
            "id": suite_id,
            "benchmark_id": benchmark_id,
            "name": "FM test suite",
            "dataset_id": ds_id,
            "protocol": protocol,
            "label_column": "label",
            "split": split or {"kind": "holdout", "test_fraction": 0.4, "seed": 0},
            "bootstrap": {"n_boot": 200, "seed": 1},
            "min_group_size": 5,
            "params": params or {},
        },
    )
    return cat


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


def read_eval(path: Path) -> dict:
    import yaml

    return yaml.safe_load(path.read_text())


def comparable(record: dict) -> dict:
    """The record minus the fields that depend on time."""
    return {k: v for k, v in record.items() if k not in {"eval_id", "created_at", "resources", "digest"}}


def dump_json(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj))
    return path
