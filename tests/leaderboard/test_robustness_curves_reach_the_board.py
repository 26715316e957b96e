"""Robustness curves in the report convention (a list of figures) reach the leaderboard."""

from __future__ import annotations

from fmbench.catalog.registry import load_catalog
from fmbench.leaderboard import build, render_html_site
from fmbench.leaderboard.boards import curves
from fmbench.testing import make_record


def test_figure_list_curves_become_one_curve_per_series():
    details = {"curves": [
        {"title": "noise: output stability", "x_label": "SNR (dB)", "y_label": "cosine",
         "series": [{"label": "probabilities", "x": [40, 20, 0], "y": [0.99, 0.9, 0.6]},
                    {"label": "embeddings", "x": [40, 20, 0], "y": [0.98, 0.8, None]}]},
        {"title": "broken", "series": [{"label": "x", "x": [1], "y": [1, 2]}]},
    ]}
    got = curves(details)
    assert [(c.probe, c.quantity) for c in got] == [("noise: output stability", "probabilities"),
                                                     ("noise: output stability", "embeddings")]
    assert got[0].levels == [40.0, 20.0, 0.0] and got[0].values == [0.99, 0.9, 0.6]
    assert got[1].values[-1] is None


def test_robustness_record_with_figures_renders_a_curve_plot():
    details = {"curves": [{"title": "dropout: output stability", "x_label": "p", "y_label": "cos",
                           "series": [{"label": "probabilities", "x": [0, 0.1, 0.5], "y": [1.0, 0.95, 0.7]}]}]}
    rec = make_record("robustness_testing", "m1", 0.9, metric="robustness_score", extra={"details": details})
    lb = build([rec], load_catalog())
    page = next(v for k, v in render_html_site(lb).items() if k.startswith("robustness"))
    assert "dropout: output stability" in page


def test_p_better_counts_tied_replicates_half():
    import numpy as np

    from fmbench.leaderboard.rank import paired_difference

    same = np.linspace(0.7, 0.9, 1000)
    assert paired_difference(same, same, direction="higher")[2] == 0.5
    better = same + np.r_[np.zeros(500), np.full(500, 0.01)]
    assert paired_difference(better, same, direction="higher")[2] == 0.75
