"""Deterministic SVG plots (matplotlib, no timestamps, fixed hash salt) for reports and pages."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
from matplotlib import pyplot as plt  # noqa: E402

STYLE = {"svg.hashsalt": "fmbench", "svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
         "axes.spines.right": False}


@dataclass
class ForestRow:
    label: str
    value: float | None
    lo: float | None = None
    hi: float | None = None


def _to_svg(fig) -> str:  # noqa: ANN001
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def forest_plot_svg(rows: Sequence[ForestRow], *, xlabel: str, reference: float | None = None,
                    title: str | None = None) -> str:
    """Point estimates with CI whiskers, one row per label (top to bottom as given)."""
    rows = [r for r in rows if r.value is not None]
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(6.0, 0.32 * max(len(rows), 1) + 0.9))
        ys = list(range(len(rows)))[::-1]
        for y, r in zip(ys, rows, strict=True):
            if r.lo is not None and r.hi is not None:
                ax.plot([r.lo, r.hi], [y, y], color="#4a6fa5", lw=1.6)
            ax.plot([r.value], [y], "o", color="#1f3b63", ms=4.5)
        ax.set_yticks(ys)
        ax.set_yticklabels([r.label for r in rows])
        if reference is not None:
            ax.axvline(reference, color="#999", ls="--", lw=0.8)
        ax.set_xlabel(xlabel)
        if title:
            ax.set_title(title, loc="left")
        ax.grid(axis="x", color="#eee")
        return _to_svg(fig)


def curves_svg(series: Sequence[dict], *, xlabel: str, ylabel: str, title: str | None = None) -> str:
    """Line plot of one or more series ``{label, x, y, lo?, hi?}`` (robustness curves)."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(5.0, 3.0))
        for s in series:
            ax.plot(s["x"], s["y"], marker="o", ms=3.5, label=s.get("label"))
            if s.get("lo") is not None and s.get("hi") is not None:
                ax.fill_between(s["x"], s["lo"], s["hi"], alpha=0.2)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title, loc="left")
        if any(s.get("label") for s in series):
            ax.legend(frameon=False)
        ax.grid(color="#eee")
        return _to_svg(fig)
