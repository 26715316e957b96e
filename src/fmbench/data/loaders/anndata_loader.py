"""AnnData (.h5ad) single-cell data: cells x genes, labels from a named ``obs`` column.

Card params (both sources):

- ``label_column``: the ``obs`` column holding the cell type (or other label); without it the
  labels are the suite's ``label_column`` of the metadata (as for every other loader).
- ``layer`` (optional): where the expression matrix comes from; ``X`` (default) is
  ``adata.X``, ``raw`` is ``adata.raw.X``, any other name is ``adata.layers[name]``.
- ``bin_columns`` (optional): ``{column: [edges…]}`` adds ``<column>_bin`` metadata with
  left-closed bins (``1000-1099``, …, ``1400+``) so a numeric ``obs`` column can be a stratum.

``source: package`` reads a file shipped inside an installed package (``package`` +
``resource``, e.g. scanpy's ``datasets/10x_pbmc68k_reduced.h5ad``) without importing it;
``source: file`` reads ``params.path`` (an .h5ad file, or a folder plus ``params.file``).
The digest is the sha256 of the file's bytes, checked against the card's ``files`` pins.
A sparse matrix stays sparse (scipy.sparse CSR, float32): an atlas of 200,000 cells x 30,000
genes would take 24 GB dense. Models that accept sparse input get it as it is, others get dense
rows (``fmbench.models.sparse_inputs``). A dense matrix is read as float32.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.catalog.schema import DatasetCard
from fmbench.data.card_files import card_file, file_digest
from fmbench.data.columns import pick_label_column
from fmbench.data.dataset import Dataset
from fmbench.data.loaders import LOADERS
from fmbench.errors import ConfigError, DataError


def bin_labels(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Left-closed bins: edges [1000, 1100, 1400] -> '<1000', '1000-1099', '1100-1399', '1400+'."""
    edges = [float(e) for e in edges]
    if sorted(edges) != edges or len(set(edges)) != len(edges):
        raise ConfigError(f"bin_columns: edges must be strictly increasing, got {edges}")

    def fmt(v: float) -> str:
        return str(int(v)) if float(v).is_integer() else f"{v:g}"

    names = [f"<{fmt(edges[0])}"]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        upper = fmt(hi - 1) if lo.is_integer() and hi.is_integer() else f"<{fmt(hi)}"
        names.append(f"{fmt(lo)}-{upper}")
    names.append(f"{fmt(edges[-1])}+")
    idx = np.searchsorted(np.asarray(edges), values.astype(float), side="right")
    out = np.asarray(names, dtype=object)[idx]
    out[~np.isfinite(values.astype(float))] = None
    return out


def _matrix(adata, card: DatasetCard, path: Path) -> np.ndarray:  # noqa: ANN001
    layer = card.params.get("layer", "X")
    if layer == "X":
        X = adata.X
    elif layer == "raw":
        if adata.raw is None:
            raise DataError(f"{path}: params.layer is 'raw' but the file has no .raw")
        X = adata.raw.X
    elif layer in adata.layers:
        X = adata.layers[layer]
    else:
        raise DataError(f"{path}: layer {layer!r} not found (layers: {sorted(adata.layers)}; or use X, raw)")
    if X is None:
        raise DataError(f"{path}: the expression matrix ({layer}) is empty")
    if hasattr(X, "tocsr"):  # scipy.sparse: kept sparse, as CSR rows (what row slicing wants)
        import scipy.sparse as sp

        X = sp.csr_matrix(X, dtype=np.float32)
        finite = np.isfinite(X.data)
        if not finite.all():
            bad = len(np.unique(np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))[~finite]))
            raise DataError(f"{path}: the expression matrix has NaN or infinite values in {bad} cells")
        return X
    X = np.ascontiguousarray(np.asarray(X), dtype=np.float32)
    if not np.isfinite(X).all():
        bad = int((~np.isfinite(X)).any(axis=1).sum())
        raise DataError(f"{path}: the expression matrix has NaN or infinite values in {bad} cells")
    return X


def read_h5ad(path: Path):  # noqa: ANN201
    try:
        import anndata
    except ImportError:
        raise DataError("reading .h5ad needs anndata: pip install 'fmbench[singlecell]'") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return anndata.read_h5ad(path)
    except (OSError, KeyError, ValueError, TypeError) as exc:
        msg = " ".join(str(exc).split())[:200]
        raise DataError(f"{path}: cannot read as .h5ad ({type(exc).__name__}: {msg})") from None


@LOADERS.register("anndata")
def load(folder: Path, card: DatasetCard, digest: str) -> Dataset:
    path = card_file(folder, card, default="data.h5ad", what="an .h5ad file")
    digest = file_digest(path, card)
    adata = read_h5ad(path)
    obs = adata.obs
    label_column = pick_label_column(sorted(map(str, obs.columns)), card, where=f"{path}: obs")
    X = _matrix(adata, card, path)
    meta = pd.DataFrame({"cell_id": np.asarray(adata.obs_names, dtype=object)})
    for col in obs.columns:
        s = obs[col]
        if isinstance(s.dtype, pd.CategoricalDtype) or s.dtype == object:
            meta[str(col)] = s.astype(object).where(s.notna(), None).map(
                lambda v: None if v is None else str(v)).to_numpy()
        else:
            meta[str(col)] = s.to_numpy()
    for col, edges in (card.params.get("bin_columns") or {}).items():
        if col not in obs.columns:
            raise DataError(f"{path}: bin_columns names {col!r}, not an obs column "
                            f"(available: {sorted(map(str, obs.columns))})")
        meta[f"{col}_bin"] = bin_labels(pd.to_numeric(obs[col], errors="coerce").to_numpy(dtype=float), edges)
    y = None
    if label_column:
        y = meta[label_column].to_numpy(dtype=object)
        card = card.model_copy(update={"params": {**card.params, "label_column": label_column}})
    return Dataset(card=card, digest=digest, meta=meta, X=X, y=y, extras={"var_names": list(adata.var_names)})
