"""Review: splits that cannot be made are a DataError (one line, exit 2), not a scikit-learn ValueError."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fmbench.catalog.schema import SplitSpec
from fmbench.errors import DataError
from fmbench.tasks.splits import holdout_split, kfold_splits


def test_kfold_with_fewer_subjects_than_folds():
    y = np.array([0, 1] * 20)
    meta = pd.DataFrame({"subject_id": [f"s{i % 3}" for i in range(40)]})
    spec = SplitSpec(kind="kfold", n_folds=5, group_column="subject_id")
    with pytest.raises(DataError, match="subject_id"):
        list(kfold_splits(y, meta, spec, 0))


def test_holdout_with_a_single_subject():
    y = np.array([0, 1] * 20)
    meta = pd.DataFrame({"subject_id": ["a"] * 40})
    spec = SplitSpec(kind="holdout", test_fraction=0.2, group_column="subject_id")
    with pytest.raises(DataError, match="subject_id"):
        holdout_split(y, meta, spec, 0)


def test_kfold_keeps_subjects_on_one_side():
    rng = np.random.default_rng(0)
    subj = np.repeat(np.arange(30), 4)
    y = (subj % 2).astype(int)
    meta = pd.DataFrame({"subject_id": subj.astype(str)})
    spec = SplitSpec(kind="kfold", n_folds=5, group_column="subject_id")
    seen = []
    for train, test in kfold_splits(y, meta, spec, int(rng.integers(100))):
        assert not set(subj[train]) & set(subj[test])
        seen.append(test)
    assert np.array_equal(np.sort(np.concatenate(seen)), np.arange(len(y)))
