"""How a sparse matrix (scipy.sparse CSR, e.g. an .h5ad's ``X``) reaches a model.

Real single-cell atlases are far too large to densify (200,000 cells x 30,000 genes is 24 GB of
float32), so the dataset keeps ``X`` sparse and each model gets what it can take:

- a model that says it accepts sparse input gets CSR rows as they are: an ``accepts_sparse =
  True`` attribute (the ``sparse_logistic`` baseline), or, for a scikit-learn estimator or
  pipeline without that attribute, scikit-learn's own tag (``get_tags(model).input_tags.sparse``);
- any other model gets dense float32 rows: its training rows at once (a model fitted on dense
  input needs them all; refused with a hint above ``MAX_DENSE_VALUES``) and everything it only
  predicts or embeds in batches of about ``BATCH_VALUES`` values, so the whole matrix is never
  densified.

Dense inputs (arrays, memory maps) pass through untouched.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from fmbench.errors import DataError

MAX_DENSE_VALUES = 200_000_000  # training rows densified for a dense-only model: 800 MB of float32
BATCH_VALUES = 8_000_000  # values per dense batch for predict/embed: about 32 MB of float32


def is_sparse(X: Any) -> bool:
    """Whether ``X`` is a scipy.sparse matrix or array (scipy is imported only if X might be one)."""
    if isinstance(X, np.ndarray) or X is None or not hasattr(X, "nnz"):
        return False
    import scipy.sparse as sp

    return bool(sp.issparse(X))


def row_count(X: Any) -> int:
    """Rows of an array, a sparse matrix (whose ``len`` is ambiguous) or a list."""
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape else len(X)


def accepts_sparse(model: Any) -> bool:
    """The model's ``accepts_sparse`` attribute when it has one, else scikit-learn's sparse tag for
    estimators and pipelines, else False (plain classes get dense rows)."""
    flag = getattr(model, "accepts_sparse", None)
    if flag is not None:
        return bool(flag)
    if hasattr(model, "__sklearn_tags__"):
        try:
            from sklearn.utils import get_tags

            return bool(get_tags(model).input_tags.sparse)
        except Exception:  # noqa: BLE001 - a user object with an odd tag implementation: play safe
            return False
    return False


def dense_rows(X: Any, rows: np.ndarray | slice) -> np.ndarray:
    """Rows of a sparse matrix as a dense float32 array."""
    return np.asarray(X[rows].toarray(), dtype=np.float32)


def fit_rows(X: Any, rows: np.ndarray, model: Any, *, model_id: str) -> Any:
    """The training rows in the form the model takes: CSR for a sparse-accepting model, dense
    otherwise (refused, naming the remedy, when that would be larger than ``MAX_DENSE_VALUES``)."""
    if not is_sparse(X) or accepts_sparse(model):
        return X[rows]
    values = len(rows) * int(X.shape[1])
    if values > MAX_DENSE_VALUES:
        gb = values * 4 / 1e9
        raise DataError(
            f"model {model_id!r} does not accept sparse input and its {len(rows)} training rows x "
            f"{X.shape[1]} features would take {gb:.1f} GB dense; use a model that accepts sparse input "
            f"(e.g. sparse_logistic, or accepts_sparse = True on your class) or select fewer features"
        )
    return dense_rows(X, rows)


def batch_size(n_features: int) -> int:
    return max(1, BATCH_VALUES // max(1, n_features))


def model_batches(X: Any, rows: np.ndarray, model: Any) -> Iterator[Any]:
    """The rows to predict on, in the form the model takes: one piece unless X is sparse and the
    model wants dense input, then dense batches of about ``BATCH_VALUES`` values."""
    if not is_sparse(X) or accepts_sparse(model):
        yield X[rows]
        return
    step = batch_size(int(X.shape[1]))
    for lo in range(0, len(rows), step):
        yield dense_rows(X, rows[lo : lo + step])


class RowView:
    """A sparse matrix seen as a sequence of rows (``len`` is its row count, which scipy leaves
    ambiguous); slices are dense float32 chunks when ``dense``, CSR otherwise. Code that slices
    its inputs chunk by chunk (embedding) so never densifies the whole matrix."""

    def __init__(self, X: Any, *, dense: bool) -> None:
        self.X = X
        self.dense = dense
        self.shape = X.shape

    def __len__(self) -> int:
        return int(self.X.shape[0])

    def __getitem__(self, rows: Any) -> Any:
        return dense_rows(self.X, rows) if self.dense else self.X[rows]
