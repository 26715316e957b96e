"""Protocol parameters as data: the ``params`` a suite may give each protocol.

Each protocol names its params model (``Protocol.params_model``); ``fmbench validate`` and
every run validate a suite's ``params`` against it before any compute, so a misspelt setting
(``mask.fracton``) is an error with "did you mean", not a silently ignored key. Models of
settings used by one protocol only live beside it (``MaskParams``, ``RobustnessParams``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class NoParams(BaseModel):
    """A protocol that takes no settings: ``params`` must be empty."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ProbeSettings(BaseModel):
    """``params.linear_probe`` of a suite."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    probe: Literal["logistic", "knn"] = Field("logistic", description="Probe fitted on the embeddings.")
    Cs: list[float] = Field(
        default_factory=lambda: [1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0],
        min_length=1,
        description="Inverse regularisation strengths tried (logistic).",
    )
    k_grid: list[int] = Field(
        default_factory=lambda: [1, 3, 5, 11, 21],
        min_length=1,
        description="Neighbour counts tried (knn); those above the inner training size are dropped.",
    )
    knn_metric: Literal["cosine", "euclidean"] = Field("cosine", description="Distance of the kNN probe.")
    inner_folds: int = Field(5, ge=2, le=20, description="Folds of the inner CV that picks C or k.")
    max_iter: int = Field(5000, ge=100, description="Iterations of the logistic solver.")
    embed_chunk: int = Field(64, ge=1, description="Rows per embed() call and per cache entry.")


class ClassificationParams(BaseModel):
    """``params`` of a classification suite. The probe settings apply when the suite is run with
    ``--protocol linear_probe`` / ``knn_probe`` (evaluating a model's embeddings)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    linear_probe: ProbeSettings | None = Field(None, description="Settings of the embedding probe.")
    probe: Literal["logistic", "knn"] | None = Field(None, description="Shortcut for linear_probe.probe.")
