"""rAUC against hand-worked areas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fmbench.perturbations.curves import rauc, retention


def test_rauc_hand_worked_descending_snr_grid() -> None:
    # sorted x: 0, 5, 10, 20, 30, 40 with y .2, .5, .7, .9, 1, 1
    # trapezoids: 5*.35 + 5*.6 + 10*.8 + 10*.95 + 10*1 = 1.75 + 3 + 8 + 9.5 + 10 = 32.25; span 40
    assert rauc([40, 30, 20, 10, 5, 0], [1, 1, 0.9, 0.7, 0.5, 0.2]) == pytest.approx(32.25 / 40, abs=1e-12)


def test_rauc_uneven_dropout_grid() -> None:
    # x 0, .05, .1, .2, .3, .5; y 1, .9, .8, .6, .5, .1
    area = 0.05 * 0.95 + 0.05 * 0.85 + 0.1 * 0.7 + 0.1 * 0.55 + 0.2 * 0.3
    assert rauc([0, 0.05, 0.1, 0.2, 0.3, 0.5], [1, 0.9, 0.8, 0.6, 0.5, 0.1]) == pytest.approx(area / 0.5)


def test_rauc_flat_curve_is_its_height_and_order_does_not_matter() -> None:
    assert rauc([0, 10, 20, 40, 80], [0.7] * 5) == pytest.approx(0.7)
    assert rauc([3, 1, 2], [0.1, 0.5, 0.3]) == rauc([1, 2, 3], [0.5, 0.3, 0.1])


def test_rauc_single_point_and_nan() -> None:
    assert rauc([10], [0.8]) == 0.8
    assert math.isnan(rauc([0, 1], [1.0, float("nan")]))
    with pytest.raises(ValueError, match="equal"):
        rauc([0, 1], [1.0])


def test_retention() -> None:
    np.testing.assert_allclose(retention([0.8, 0.6], 0.8), [1.0, 0.75])
    assert np.isnan(retention([0.8], float("nan"))).all()
