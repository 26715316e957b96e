"""Record factories for the leaderboard tests (imported as a plain module)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from fmbench.catalog.registry import load_catalog
from fmbench.records.io import finalize, record_to_yaml
from fmbench.records.schema import EvalRecord, encode_replicates

_counter = iter(range(1_000_000))


@cache
def _catalog():  # noqa: ANN202
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
    at the suite's own seeds and protocol (``seed``/``protocol`` make it exploratory)."""
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
        data.setdefault("provenance", {"seed": split_seed, "protocol": protocol or spec.protocol,
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
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for r in records:
        p = folder / f"{r.eval_id}.yaml"
        p.write_text(record_to_yaml(r), encoding="utf-8")
        paths.append(p)
    return paths
