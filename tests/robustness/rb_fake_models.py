"""Models for the robustness tests (imported by ``type: python_class`` configs)."""

from __future__ import annotations

import numpy as np


class CentroidModel:
    """Nearest-class-mean on the flattened input, softmax of negative distances; has embed()."""

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
    """Raises on the fifth predict_proba call (the clean pass is the first)."""

    calls = 0

    def predict_proba(self, X):  # noqa: ANN001, ANN201
        type(self).calls += 1
        if type(self).calls == 5:
            raise RuntimeError("simulated failure on a perturbed batch")
        return super().predict_proba(X)
