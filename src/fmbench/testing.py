"""Fakes for offline end-to-end tests (like MOABB's FakeDataset and lm-eval's DummyLM).

Use the models through ``type: python_class`` configs, e.g. ``import_path: fmbench.testing:OracleModel``;
the factories build what a test needs on disk (a tiny transformer, a --catalog folder, valid
records) without downloads. Shared by several test folders, hence here and not in a conftest.py.
Import-light: numpy only at import time; everything heavier is imported inside the function
that needs it. Never imports pytest.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from fmbench.records.schema import EvalRecord


class _Base:
    n_classes = 2

    def fit(self, X, y):  # noqa: ANN001, ANN201
        self.n_classes = max(int(np.max(y)) + 1, 2)
        return self


class ConstantModel(_Base):
    """Uniform probabilities for every input."""

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        return np.full((len(X), self.n_classes), 1.0 / self.n_classes)


class OracleModel(_Base):
    """Memorises training labels by row content; perfect on rows it has seen."""

    def fit(self, X, y):  # noqa: ANN001, ANN201
        super().fit(X, y)
        return self

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        X = np.asarray(X, dtype=float).reshape(len(X), -1)
        score = 1 / (1 + np.exp(-X[:, 0]))
        return np.column_stack([1 - score, score])


class NaNModel(_Base):
    """Returns NaN in row 3: the harness must refuse it."""

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        P = np.full((len(X), self.n_classes), 1.0 / self.n_classes)
        P[min(3, len(X) - 1)] = np.nan
        return P


class RaisingModel(_Base):
    """Raises inside predict_proba, as a broken user model would."""

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        raise RuntimeError("CUDA out of memory (simulated)")


class WrongShapeModel(_Base):
    def predict_proba(self, X):  # noqa: ANN001, ANN201
        return np.full((len(X) - 1, self.n_classes), 0.5)


class LogitModel(_Base):
    """Returns unnormalised scores instead of probabilities."""

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        return np.column_stack([np.full(len(X), 2.0), np.full(len(X), -1.0)])


class HardLabelModel(_Base):
    """Returns one-hot 0/1 "probabilities" (a threshold on the first feature), as a model that
    calls predict() instead of predict_proba() would: refused unless allow_hard_labels."""

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        X = np.asarray(X, dtype=float).reshape(len(X), -1)
        hit = (X[:, 0] > 0).astype(int)
        return np.eye(self.n_classes)[hit]


class HalfPrecisionModel(OracleModel):
    """OracleModel's probabilities in float16, as a half-precision network returns them: rows
    sum to 1 only within float16 rounding (e.g. 1.00024)."""

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        return super().predict_proba(X).astype(np.float16)


class TokenEmbedder(_Base):
    """embed() returns one vector per token, shape (n, 4, 8), instead of one per input."""

    def embed(self, X):  # noqa: ANN001, ANN201
        X = np.asarray(X, dtype=float).reshape(len(X), -1)
        return np.repeat(X[:, None, :8], 4, axis=1)


# --- models with a known behaviour under perturbation (robustness tests) ------------------------


class CentroidModel:
    """Nearest-class-mean on the flattened input, softmax of negative distances; has embed().

    Deterministic and skilled on separable data, so perturbations visibly cost it performance."""

    def fit(self, X, y):  # noqa: ANN001, ANN201
        F = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        y = np.asarray(y, dtype=int)
        self.centroids = np.stack([F[y == k].mean(axis=0) for k in range(int(y.max()) + 1)])
        self.scale = float(F.std()) * np.sqrt(F.shape[1]) + 1e-12
        return self

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        F = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
        d = ((F[:, None, :] - self.centroids[None]) ** 2).sum(-1) ** 0.5 / self.scale
        e = np.exp(-(d - d.min(axis=1, keepdims=True)) * 20)
        return e / e.sum(axis=1, keepdims=True)

    def embed(self, X):  # noqa: ANN001, ANN201
        return np.asarray(X, dtype=np.float64).reshape(len(X), -1)[:, :64]


class FailOnFifthCall(CentroidModel):
    """Raises on the fifth predict_proba call (the clean pass is the first): a model that breaks
    half-way through a robustness run, which must then fail cleanly. Counts per process."""

    calls = 0

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        type(self).calls += 1
        if type(self).calls == 5:
            raise RuntimeError("simulated failure on a perturbed batch")
        return super().predict_proba(X)


# --- a tiny transformer saved with save_pretrained (adapter tests, no download) -----------------

BERT_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
TOY_WORDS = [f"w{i}" for i in range(40)]


def save_tiny_bert(folder: Path, vocab: list[str], *, seed: int = 0, max_pos: int = 64,
                   intermediate_size: int = 37) -> Path:
    """A randomly initialised 2-layer BERT and its WordPiece tokenizer, saved as a Hugging Face folder.

    Lets the adapters be checked against a direct transformers forward pass offline (needs the fm extra)."""
    from transformers import BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    # transformers 5 reads the vocabulary from ``vocab=`` (``vocab_file=`` keeps only the specials)
    tok = BertTokenizerFast(vocab=str(folder / "vocab.txt"), do_lower_case=False, model_max_length=max_pos)
    assert tok.convert_tokens_to_ids(vocab[-1]) == len(vocab) - 1
    tok.save_pretrained(str(folder))
    return _save_tiny_bert_weights(folder, len(vocab), seed=seed, max_pos=max_pos,
                                   intermediate_size=intermediate_size)


def _save_tiny_bert_weights(folder: Path, vocab_size: int, *, seed: int, max_pos: int,
                            intermediate_size: int) -> Path:
    import torch
    from transformers import BertConfig, BertModel

    torch.manual_seed(seed)
    cfg = BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=intermediate_size,
        max_position_embeddings=max_pos,
        pad_token_id=0,
    )
    BertModel(cfg).eval().save_pretrained(str(folder))
    return folder


def dna_kmer_vocab(k: int) -> list[str]:
    """DNABERT-1's vocabulary: the five BERT specials, then all 4**k k-mers over ACGT in
    lexicographic order (a k-mer holding N is ``[UNK]``)."""
    from itertools import product

    return BERT_SPECIAL_TOKENS + ["".join(p) for p in product("ACGT", repeat=k)]


def write_tiny_dna_bert(folder: Path, *, k: int = 6, seed: int = 0, max_pos: int = 512,
                        tokenizer: str = "kmer") -> Path:
    """A tiny random BERT (hidden 32, 2 layers, 2 heads) for DNA, saved with ``save_pretrained``.

    ``tokenizer="kmer"``: a DNABERT-1 style WordPiece vocabulary of [PAD] [UNK] [CLS] [SEP] [MASK]
    and all 4**k k-mers (``do_lower_case`` off), to run with ``dna_lm``'s ``tokenizer: kmer``.
    ``tokenizer="char"``: a single-nucleotide tokenizer (``tokenizer.json``: one token per base
    A, C, G, T, N, other characters ``[UNK]``, ``[CLS] ... [SEP]`` around), which tokenises the raw
    sequence, as ``tokenizer: model`` needs. Offline; needs the fm extra.

    Example:
        >>> folder = write_tiny_dna_bert(tmp / "dnabert", k=6)  # doctest: +SKIP
        >>> # model YAML: {model_id: tiny, type: dna_lm, path: <folder>, tokenizer: kmer, k: 6}
    """
    if tokenizer == "kmer":
        return save_tiny_bert(folder, dna_kmer_vocab(k), seed=seed, max_pos=max_pos, intermediate_size=64)
    if tokenizer != "char":
        raise ValueError(f"tokenizer {tokenizer!r}: expected 'kmer' or 'char'")
    from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate([*BERT_SPECIAL_TOKENS, "A", "C", "G", "T", "N"])}
    roles = dict(zip(("pad_token", "unk_token", "cls_token", "sep_token", "mask_token"), BERT_SPECIAL_TOKENS,
                     strict=True))
    core = Tokenizer(models.WordLevel(vocab, unk_token=roles["unk_token"]))
    core.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    core.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
    )
    tok = PreTrainedTokenizerFast(tokenizer_object=core, model_max_length=max_pos, **roles)
    folder.mkdir(parents=True, exist_ok=True)
    tok.save_pretrained(str(folder))
    return _save_tiny_bert_weights(folder, len(vocab), seed=seed, max_pos=max_pos, intermediate_size=64)


# --- a --catalog folder on a file dataset -------------------------------------------------------


def write_yaml(path: Path, data: dict) -> Path:
    """``data`` as YAML at ``path`` (parents created); returns ``path``."""
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
    """A --catalog folder with one file dataset (X.npy + meta.csv) and one suite on it.

    Runs a model on exactly the rows a test chose, through the same catalog path a user's data take."""
    import pandas as pd

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


def read_eval(path: Path) -> dict:
    """An eval.yaml as a plain dict (no validation), to compare runs field by field."""
    import yaml

    return yaml.safe_load(path.read_text())


def comparable(record: dict) -> dict:
    """The record minus the fields that depend on time or on whether outputs came from the cache
    (``provenance.cache``), so two runs of the same thing compare equal."""
    out = {k: v for k, v in record.items() if k not in {"eval_id", "created_at", "resources", "digest"}}
    if isinstance(out.get("provenance"), dict):
        out["provenance"] = {k: v for k, v in out["provenance"].items() if k != "cache"}
    return out


# --- valid records without running anything (leaderboard and hub tests) -------------------------

_counter = iter(range(1_000_000))


@cache
def _catalog():  # noqa: ANN202
    from fmbench.catalog.registry import load_catalog

    return load_catalog()


def _suite(benchmark: str, suite: str):  # noqa: ANN202
    cat = _catalog()
    return cat.suite(cat.benchmark(benchmark).canonical_suite if suite == "canonical" else suite)


def make_record(
    benchmark: str = "BM-TOY-CLASS",
    model: str = "m",
    value: float | None = 0.8,
    *,
    metric: str | None = None,
    ci: tuple[float, float] | None = None,
    replicates: np.ndarray | None = None,
    scheme: str = "sha256:same",
    name: str | None = None,
    status: str = "completed",
    rankable: bool = True,
    reason: str | None = None,
    date: str = "2025-01-01",
    dataset: str = "Toy data",
    extra: dict[str, Any] | None = None,
    eval_id: str | None = None,
    evidence: str = "run",
    digest: bool = True,
    suite: str | None = "canonical",
    seed: int | None = None,
    protocol: str | None = None,
) -> EvalRecord:
    """A valid record. A run is pre-specified by default: made on the benchmark's canonical suite
    at the suite's own seeds and protocol (``seed``/``protocol`` make it exploratory).

    Ranking and rendering are tested on records whose one metric, CI and replicates a test sets."""
    from fmbench.records.io import finalize
    from fmbench.records.schema import EvalRecord, encode_replicates

    metric = metric or {"BM-TOY-CLASS": "AUROC", "BM-BRAIN-MAE": "Correlation"}.get(benchmark, "AUROC")
    metrics: dict[str, Any] = {}
    if status == "completed" or value is not None:
        metrics[metric] = {
            "value": value,
            **({"ci": list(ci)} if ci else {}),
            **({} if value is not None else {"reason": "undefined"}),
        }
    data: dict[str, Any] = {
        "eval_id": eval_id or f"t.{model}.{next(_counter)}",
        "benchmark_id": benchmark,
        "model": {"id": model, "name": name or model},
        "dataset": {"id": "DS-X", "name": dataset},
        "status": status,
        "evidence": evidence,
        "created_at": datetime.fromisoformat(date).replace(tzinfo=UTC),
        "metrics": metrics,
        **(extra or {}),
    }
    if evidence == "run" and suite is not None:
        spec = _suite(benchmark, suite)
        data.setdefault("suite_id", spec.id)
        split_seed, boot_seed = spec.run_seeds(seed)
        data.setdefault("provenance", {"metric_definitions": 2, "seed": split_seed,
                                       "protocol": protocol or spec.protocol,
                                       "split_seed": split_seed, "bootstrap_seed": boot_seed})
    if status == "failed":
        data["error"] = "model raised ValueError"
    if not rankable:
        data["rankable"] = False
        data["rankable_reason"] = reason or "no skill on clean data"
    if replicates is not None:
        data["bootstrap"] = {
            "scheme": scheme,
            "B": len(replicates),
            "replicates": {metric: encode_replicates(np.asarray(replicates, dtype=float))},
        }
    rec = EvalRecord.model_validate(data)
    return finalize(rec) if digest else rec


def write_records(folder: Path, records: list[EvalRecord]) -> list[Path]:
    """Each record as ``folder/<eval_id>.yaml``, the layout of an evals/ folder; returns the paths."""
    from fmbench.records.io import record_to_yaml

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for r in records:
        p = folder / f"{r.eval_id}.yaml"
        p.write_text(record_to_yaml(r), encoding="utf-8")
        paths.append(p)
    return paths


def make_toy_record(
    i: int = 0,
    *,
    model: str = "logistic",
    auroc: float | None = None,
    eval_id: str | None = None,
    benchmark_id: str = "BM-TOY-CLASS",
    suite_id: str | None = "SUITE-TOY-CLASS",
    finalize_digest: bool = True,
    **changes,
) -> EvalRecord:
    """A valid toy-benchmark record; AUROC/Accuracy in [0, 1] with CIs and a scanner breakdown.

    Numbered by ``i`` (distinct ids, times and scores), so a test can submit many different ones."""
    from fmbench.records.io import finalize
    from fmbench.records.schema import EvalRecord

    auroc = 0.6 + (i % 37) / 100 if auroc is None else auroc
    data = {
        "eval_id": eval_id or f"SUITE-TOY-CLASS.{model}.{i:06d}",
        "benchmark_id": benchmark_id,
        "suite_id": suite_id,
        "model": {"id": model, "name": model.replace("_", " ").title()},
        "dataset": {"id": "DS-TOY-FMRI-CLASS", "name": "Toy fMRI Classification", "n": 200, "split": "test"},
        "created_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=i),
        "metrics": {
            "AUROC": {"value": auroc, "ci": [max(0.0, auroc - 0.05), min(1.0, auroc + 0.05)], "n": 200},
            "Accuracy": {"value": auroc - 0.05, "ci": [auroc - 0.1, auroc], "n": 200},
        },
        "stratified": {
            "scanner": {
                "GE": {"N": 70, "AUROC": {"value": min(1.0, auroc + 0.03)}},
                "Philips": {"N": 60, "AUROC": {"value": auroc - 0.04}},
            }
        },
        # a pre-specified run: the suite's own seeds and protocol
        "provenance": {"metric_definitions": 2, "seed": 0, "protocol": "classification", "split_seed": 0,
                       "bootstrap_seed": 42},
    }
    data.update(changes)
    record = EvalRecord.model_validate(data)
    return finalize(record) if finalize_digest else record
