"""A text classification baseline: TF-IDF of word n-grams and a logistic regression.

The floor a text foundation model must clear on text suites (e.g. SUITE-REPORT-FINDING): word
bigrams see "no pleural effusion" as well as "pleural effusion", so negation is within its
reach. Everything is fitted on the training split only (vocabulary and IDF included).
"""

from __future__ import annotations

import numpy as np

from fmbench.errors import DataError
from fmbench.models.factory import BASELINES


def texts_of(X, model_id: str) -> list[str]:  # noqa: ANN001
    """The inputs as a list of strings, or a DataError saying this model reads texts."""
    items = X.tolist() if isinstance(X, np.ndarray) else list(X)
    for i, v in enumerate(items):
        if not isinstance(v, str):
            raise DataError(
                f"model {model_id!r} reads texts, but input row {i} is a {type(v).__name__}; "
                "run it on a suite whose dataset holds texts (e.g. SUITE-REPORT-FINDING)"
            )
    return items


@BASELINES.register("tfidf_logistic")
class TfidfLogistic:
    """TF-IDF (word 1..ngram_max grams, sublinear tf, terms in at least ``min_df`` training texts)
    + L2 logistic regression (scikit-learn), fitted on the suite's training split."""

    def __init__(self, C: float = 1.0, ngram_max: int = 2, min_df: int = 2, max_iter: int = 2000) -> None:
        self.C, self.ngram_max, self.min_df, self.max_iter = C, ngram_max, min_df, max_iter
        self.pipeline = None

    def make_pipeline(self):  # noqa: ANN201
        """The unfitted scikit-learn pipeline (also what the tests refit independently)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        return make_pipeline(
            TfidfVectorizer(ngram_range=(1, self.ngram_max), min_df=self.min_df, sublinear_tf=True),
            LogisticRegression(C=self.C, max_iter=self.max_iter),
        )

    def fit(self, X, y: np.ndarray) -> TfidfLogistic:  # noqa: ANN001
        self.pipeline = self.make_pipeline().fit(texts_of(X, "tfidf_logistic"), np.asarray(y, dtype=int))
        self.classes_ = self.pipeline.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        if self.pipeline is None:
            raise DataError("model 'tfidf_logistic' must be fitted first: use a split with training rows")
        return self.pipeline.predict_proba(texts_of(X, "tfidf_logistic"))
