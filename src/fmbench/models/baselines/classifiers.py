"""Classification baselines: chance, class prior, and a standardised logistic regression."""

from __future__ import annotations

import numpy as np

from fmbench.models.factory import BASELINES


def flat(X) -> np.ndarray:  # noqa: ANN001
    """Samples as rows of float64 features (time series and volumes flattened)."""
    X = np.asarray(X, dtype=np.float64)
    return X.reshape(len(X), -1)


class PipelineModel:
    """Scores and embeddings of a model whose scikit-learn pipeline (transforms, then a
    classifier) is ``self.pipeline``, set in ``__init__`` or by ``fit``."""

    pipeline = None

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        return self.pipeline.predict_proba(flat(X))

    def embed(self, X) -> np.ndarray:  # noqa: ANN001
        """The features the classifier sees: the fitted transform after ``fit``; before it (a
        frozen-embedding probe never fits the model) the flattened input itself, since the
        unfitted scaler/PCA has nothing to apply."""
        if self.pipeline is None or not hasattr(self.pipeline[-1], "classes_"):
            return flat(X)
        return self.pipeline[:-1].transform(flat(X))


@BASELINES.register("dummy_classifier")
class DummyClassifier:
    """Seeded random class scores: the chance floor (AUROC ≈ 0.5 in expectation)."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.n_classes = 2

    def fit(self, X, y: np.ndarray) -> DummyClassifier:  # noqa: ANN001
        self.n_classes = max(int(np.max(y)) + 1, 2)
        return self

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        rng = np.random.default_rng(self.seed)
        scores = rng.random((len(X), self.n_classes))
        return scores / scores.sum(axis=1, keepdims=True)


@BASELINES.register("majority")
class MajorityClassifier:
    """The training class prior for every sample: constant scores, AUROC exactly 0.5."""

    def fit(self, X, y: np.ndarray) -> MajorityClassifier:  # noqa: ANN001
        counts = np.bincount(np.asarray(y, dtype=int))
        self.prior_ = counts / counts.sum()
        return self

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        return np.tile(self.prior_, (len(X), 1))


@BASELINES.register("logistic")
class LogisticBaseline(PipelineModel):
    """StandardScaler + L2 LogisticRegression on the flattened input."""

    def __init__(self, C: float = 1.0, max_iter: int = 2000) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.pipeline = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))

    def fit(self, X, y: np.ndarray) -> LogisticBaseline:  # noqa: ANN001
        y = np.asarray(y, dtype=int)
        self.pipeline.fit(flat(X), y)
        self.classes_ = self.pipeline.classes_
        return self
