"""A user's folder as a dataset for ``run-robustness --data DIR``: X.npy (memory-mapped) and
meta.csv, with the suite's settings adapted to the columns the folder has."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fmbench.errors import DataError


def file_dataset(folder: Path, suite: Any, *, sampling_freq: float | None) -> tuple[Any, Any, Any]:
    """(card, dataset, suite variant) for ``--data DIR``: X.npy memory-mapped + meta.csv.

    The suite's settings are kept; metadata it names but the folder lacks (split groups,
    bootstrap clusters, required columns) are dropped rather than refused.
    """
    import re

    from fmbench.catalog.schema import DatasetCard
    from fmbench.data.provision import load_dataset

    folder = Path(folder).expanduser()
    if not (folder / "X.npy").is_file():
        raise DataError(
            f"--data {folder}: no X.npy there; the folder needs X.npy (samples first) and meta.csv"
        )
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", folder.resolve().name).strip("-._") or "data"
    params: dict[str, Any] = {"path": str(folder)}
    if sampling_freq is not None:
        params["sampling_freq"] = float(sampling_freq)
    card = DatasetCard(
        id=f"DS-FILE-{name}",
        name=folder.resolve().name,
        source="file",
        loader="npy_table",
        format="npy+csv",
        license="unknown (user data)",
        params=params,
        description=f"user data from {folder}",
    )
    dataset = load_dataset(card)
    cols = set(dataset.meta.columns)
    split = suite.split
    if split.group_column is not None and split.group_column not in cols:
        split = split.model_copy(update={"group_column": None})
    labels = set(dataset.meta[suite.label_column].astype(str)) if suite.label_column in cols else set()
    positive = suite.positive_class if suite.positive_class in labels else None
    boot = suite.bootstrap
    if boot.cluster_column is not None and boot.cluster_column not in cols:
        boot = boot.model_copy(update={"cluster_column": None})
    variant = suite.model_copy(
        update={
            "dataset_id": card.id,
            "split": split,
            "bootstrap": boot,
            "required_metadata": [c for c in suite.required_metadata if c in cols],
            "positive_class": positive,
        }
    )
    return card, dataset, variant
