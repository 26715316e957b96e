"""The in-memory view of a dataset that protocols consume."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fmbench.catalog.schema import DatasetCard
from fmbench.errors import DataError


@dataclass
class Dataset:
    """Inputs, labels and per-sample metadata of one dataset.

    ``X`` may be a memory-mapped array or a scipy.sparse CSR matrix (an .h5ad's expression
    matrix, kept sparse: ``fmbench.models.sparse_inputs`` says which models get it as it is);
    nothing here copies it. ``meta`` has one row per sample (index 0..n-1). ``extras`` carries
    modality-specific payloads (texts, masks, an AnnData object) that a protocol knows how to use.
    """

    card: DatasetCard
    digest: str
    meta: pd.DataFrame
    X: Any = None  # np.ndarray, a memory map, or scipy.sparse CSR
    y: np.ndarray | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.card.id

    @property
    def name(self) -> str:
        return self.card.name

    @property
    def n(self) -> int:
        return len(self.meta)

    def check(self, *, required_metadata: list[str] = (), label_column: str | None = None) -> None:
        """Lengths agree, labels present, required metadata columns exist."""
        n = len(self.meta)
        src = f"dataset {self.id}"
        rows = None if self.X is None else int(self.X.shape[0]) if hasattr(self.X, "shape") else len(self.X)
        if rows is not None and rows != n:
            raise DataError(f"{src}: X has {rows} rows but the metadata has {n}; they must match")
        if self.y is not None and len(self.y) != n:
            raise DataError(f"{src}: y has {len(self.y)} labels but X/metadata have {n} rows; they must match")
        missing = [c for c in required_metadata if c not in self.meta.columns]
        if missing:
            raise DataError(
                f"{src}: metadata lacks column(s) {missing} that the suite requires "
                f"(present: {sorted(map(str, self.meta.columns))})"
            )
        if label_column is not None and self.y is None:
            if label_column not in self.meta.columns:
                raise DataError(f"{src}: label column {label_column!r} not found in the metadata")
        if self.y is not None and pd.isna(pd.Series(self.y)).any():
            i = int(np.flatnonzero(pd.isna(pd.Series(self.y)).to_numpy())[0])
            raise DataError(f"{src}: label missing in row {i}; every sample needs a label")
