"""A linear classifier that fits and predicts on sparse input without densifying it.

For single-cell atlases (an .h5ad's CSR matrix: 200,000 cells x 30,000 genes is 24 GB dense but
about 250 MB sparse at 0.5% non-zero) the usual floor, StandardScaler + PCA + logistic
regression, needs the dense matrix. ``sparse_logistic`` scales each gene by its largest absolute
value (``MaxAbsScaler``: no centring, so zeros stay zeros and the matrix stays sparse) and fits an
L2 multinomial logistic regression with L-BFGS, whose cost per iteration is one sparse
matrix product. ``accepts_sparse = True`` tells the protocols to hand it CSR rows as they are
(``fmbench.models.sparse_inputs``); dense input works too.
"""

from __future__ import annotations

import numpy as np

from fmbench.models.factory import BASELINES


@BASELINES.register("sparse_logistic")
class SparseLogistic:
    """MaxAbsScaler + L2 LogisticRegression (lbfgs) on sparse or dense rows."""

    accepts_sparse = True

    def __init__(self, C: float = 1.0, max_iter: int = 200, tol: float = 1e-4) -> None:
        self.C, self.max_iter, self.tol = C, max_iter, tol
        self.pipeline = None

    @staticmethod
    def _rows(X):  # noqa: ANN001, ANN205
        """CSR as it is (float32 kept: no copy); anything else as a 2-D float array."""
        if hasattr(X, "tocsr"):
            return X.tocsr()
        X = np.asarray(X, dtype=np.float64)
        return X.reshape(len(X), -1)

    def fit(self, X, y: np.ndarray) -> SparseLogistic:  # noqa: ANN001
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import MaxAbsScaler

        self.pipeline = make_pipeline(
            MaxAbsScaler(), LogisticRegression(C=self.C, max_iter=self.max_iter, tol=self.tol)
        )
        self.pipeline.fit(self._rows(X), np.asarray(y, dtype=int))
        self.classes_ = self.pipeline.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        return self.pipeline.predict_proba(self._rows(X))
