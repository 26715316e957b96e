"""What a model must offer for each kind of protocol (structural typing, no base class).

Classification: ``predict_proba(X) -> (n, n_classes)``; optionally ``fit(X, y)`` (y holds
class codes 0..K-1) and ``embed(X) -> (n, d)``. Generation: ``generate(inputs) -> list[str]``.
Reconstruction: ``reconstruct(X_masked, mask) -> X_hat``.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Classifier(Protocol):
    def predict_proba(self, X: Any) -> np.ndarray: ...


@runtime_checkable
class Fittable(Protocol):
    def fit(self, X: Any, y: np.ndarray) -> Any: ...


@runtime_checkable
class Embedder(Protocol):
    def embed(self, X: Any) -> np.ndarray: ...


@runtime_checkable
class Generator(Protocol):
    def generate(self, inputs: list[Any]) -> list[str]: ...


@runtime_checkable
class Reconstructor(Protocol):
    def reconstruct(self, X_masked: np.ndarray, mask: np.ndarray) -> np.ndarray: ...
