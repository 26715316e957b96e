"""Fakes for offline end-to-end tests (like MOABB's FakeDataset and lm-eval's DummyLM).

Use them through ``type: python_class`` configs, e.g. ``import_path: fmbench.testing:OracleModel``.
"""

from __future__ import annotations

import numpy as np


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
