"""Holm's step-down adjustment, shared by the boards (pairs of models) and the subgroup gap
tests (dimensions of one record): both report families of tests, and a family of tests at
5% each finds something by chance."""

from __future__ import annotations

import math
from collections.abc import Sequence


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm step-down adjusted p-values (NaN stays NaN and does not count in the family)."""
    idx = [i for i, p in enumerate(pvalues) if not math.isnan(p)]
    order = sorted(idx, key=lambda i: (pvalues[i], i))
    m = len(order)
    out = [float("nan")] * len(pvalues)
    running = 0.0
    for k, i in enumerate(order):
        running = max(running, min(1.0, (m - k) * pvalues[i]))
        out[i] = running
    return out
