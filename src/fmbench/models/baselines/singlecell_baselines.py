"""Single-cell baselines: PCA + logistic regression and PCA + k-nearest neighbours.

Both standardise genes, project onto the top principal components fitted on the training
cells (at most ``n_components``, fewer when the training set is small), then classify. They
are the usual floor for cell type annotation (e.g. scanpy's PCA → kNN label transfer).
"""

from __future__ import annotations

import numpy as np

from fmbench.models.baselines.classifiers import PipelineModel, flat
from fmbench.models.factory import BASELINES


class _PCAPipeline(PipelineModel):
    def __init__(self, n_components: int, seed: int) -> None:
        self.n_components = n_components
        self.seed = seed

    def _head(self, n_rows: int, n_cols: int) -> list:
        from sklearn.decomposition import PCA
        from sklearn.preprocessing import StandardScaler

        k = max(1, min(self.n_components, n_rows - 1, n_cols))
        return [StandardScaler(), PCA(n_components=k, svd_solver="full", random_state=self.seed)]

    def _fit(self, X, y, classifier) -> None:  # noqa: ANN001
        from sklearn.pipeline import make_pipeline

        X = flat(X)
        self.pipeline = make_pipeline(*self._head(*X.shape), classifier)
        self.pipeline.fit(X, np.asarray(y, dtype=int))
        self.classes_ = self.pipeline.classes_


@BASELINES.register("pca_logistic")
class PCALogistic(_PCAPipeline):
    """StandardScaler + PCA(n_components) + multinomial L2 logistic regression."""

    def __init__(self, n_components: int = 50, C: float = 0.1, max_iter: int = 2000, seed: int = 0) -> None:
        super().__init__(n_components, seed)
        self.C, self.max_iter = C, max_iter

    def fit(self, X, y: np.ndarray) -> PCALogistic:  # noqa: ANN001
        from sklearn.linear_model import LogisticRegression

        self._fit(X, y, LogisticRegression(C=self.C, max_iter=self.max_iter))
        return self


@BASELINES.register("knn")
class PCAKNN(_PCAPipeline):
    """StandardScaler + PCA(n_components) + k-nearest-neighbour vote (distance-weighted)."""

    def __init__(self, n_components: int = 50, n_neighbors: int = 15, weights: str = "distance",
                 seed: int = 0) -> None:
        super().__init__(n_components, seed)
        self.n_neighbors, self.weights = n_neighbors, weights

    def fit(self, X, y: np.ndarray) -> PCAKNN:  # noqa: ANN001
        from sklearn.neighbors import KNeighborsClassifier

        k = max(1, min(self.n_neighbors, len(X)))
        self._fit(X, y, KNeighborsClassifier(n_neighbors=k, weights=self.weights))
        return self
