"""Small hand-drawn SVG plots (no network, no matplotlib): forest plot, bars, curves.

Shared by the per-run reports and the leaderboard pages, so both draw the same way and
neither needs a plotting stack (a matplotlib figure cost ~0.13 s each; a robustness report
has ten).

Every label goes through ``markupsafe.escape``; the return values are ``Markup`` so that
jinja2 autoescaping inserts them as they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

PALETTE = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
]
FONT = 'font-family="system-ui,sans-serif" font-size="12"'


def _f(x: float) -> str:
    return f"{x:.1f}"


def _bounds(values: Sequence[float]) -> tuple[float, float]:
    lo, hi = min(values), max(values)
    if hi - lo < 1e-12:
        lo, hi = lo - 0.05 * (abs(lo) or 1.0), hi + 0.05 * (abs(hi) or 1.0)
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    out = []
    t = first
    while t <= hi + 1e-12 and len(out) < 12:
        out.append(round(t, 10))
        t += step
    return out


def _axis(x0: float, x1: float, y: float, lo: float, hi: float, label: str) -> list[str]:
    sx = lambda v: x0 + (v - lo) / (hi - lo) * (x1 - x0)
    parts = [f'<line x1="{_f(x0)}" y1="{_f(y)}" x2="{_f(x1)}" y2="{_f(y)}" stroke="#444"/>']
    for t in _ticks(lo, hi):
        x = sx(t)
        parts.append(f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x)}" y2="{_f(y + 4)}" stroke="#444"/>')
        parts.append(f'<text x="{_f(x)}" y="{_f(y + 16)}" text-anchor="middle">{t:g}</text>')
    parts.append(
        f'<text x="{_f((x0 + x1) / 2)}" y="{_f(y + 32)}" text-anchor="middle">{escape(label)}</text>'
    )
    return parts


def forest_plot(
    items: Sequence[tuple[str, float, tuple[float, float] | None]], *, metric: str, direction: str
) -> Markup:
    """One line per model: point estimate with its CI whisker (best at the top)."""
    if not items:
        return Markup("")
    vals = [v for _, v, _ in items] + [b for _, _, ci in items if ci for b in ci]
    lo, hi = _bounds(vals)
    left, right, row_h, top = 200.0, 680.0, 22.0, 10.0
    height = top + row_h * len(items) + 44
    sx = lambda v: left + (v - lo) / (hi - lo) * (right - left)
    parts = [
        f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 700 {_f(height)}" '
        f'role="img" aria-label="{escape(metric)} with 95% CI per model" {FONT}>'
    ]
    for i, (name, v, ci) in enumerate(items):
        y = top + row_h * i + row_h / 2
        short = name if len(name) <= 28 else name[:27] + "…"
        parts.append(f'<text x="{_f(left - 8)}" y="{_f(y + 4)}" text-anchor="end">{escape(short)}</text>')
        if ci is not None:
            parts.append(
                f'<line x1="{_f(sx(ci[0]))}" y1="{_f(y)}" x2="{_f(sx(ci[1]))}" y2="{_f(y)}" '
                'stroke="#1f77b4" stroke-width="2"/>'
            )
        ci_s = f" [{ci[0]:.4f}, {ci[1]:.4f}]" if ci else ""
        parts.append(
            f'<circle cx="{_f(sx(v))}" cy="{_f(y)}" r="4" fill="#1f77b4">'
            f"<title>{escape(name)}: {v:.4f}{ci_s}</title></circle>"
        )
    arrow = "higher is better →" if direction == "higher" else "← lower is better"
    parts += _axis(left, right, top + row_h * len(items) + 4, lo, hi, f"{metric} ({arrow})")
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - labels escaped above


def bar_chart(groups: Sequence[tuple[str, float | None, int]], *, metric: str) -> Markup:
    """Horizontal bars of one metric per subgroup, with N."""
    present = [v for _, v, _ in groups if v is not None]
    if not present:
        return Markup("")
    lo = min(0.0, min(present))
    hi = max(present)
    hi = hi if hi > lo else lo + 1.0
    left, right, row_h, top = 160.0, 600.0, 20.0, 8.0
    height = top + row_h * len(groups) + 44
    sx = lambda v: left + (v - lo) / (hi - lo) * (right - left)
    parts = [
        f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 700 {_f(height)}" '
        f'role="img" aria-label="{escape(metric)} by subgroup" {FONT}>'
    ]
    for i, (g, v, n) in enumerate(groups):
        y = top + row_h * i
        parts.append(f'<text x="{_f(left - 8)}" y="{_f(y + 14)}" text-anchor="end">{escape(g)}</text>')
        if v is not None:
            parts.append(
                f'<rect x="{_f(sx(lo))}" y="{_f(y + 3)}" width="{_f(max(sx(v) - sx(lo), 0.5))}" '
                f'height="{_f(row_h - 6)}" fill="#1f77b4"><title>{escape(g)}: {v:.4f} (N={n})</title></rect>'
            )
            parts.append(f'<text x="{_f(sx(v) + 4)}" y="{_f(y + 14)}">{v:.4f} (N={n})</text>')
    parts += _axis(left, right, top + row_h * len(groups) + 4, lo, hi, metric)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - labels escaped above


def line_chart(
    series: Sequence[tuple[str, Sequence[float], Sequence[float | None]]], *, xlabel: str, ylabel: str
) -> Markup:
    """Lines (one per model) of a quantity over severity levels."""
    xs = [x for _, lx, _ in series for x in lx]
    ys = [y for _, _, ly in series for y in ly if y is not None]
    if not xs or not ys:
        return Markup("")
    xlo, xhi = _bounds(xs)
    ylo, yhi = _bounds(ys)
    left, right, top, bottom = 60.0, 480.0, 10.0, 210.0
    sx = lambda v: left + (v - xlo) / (xhi - xlo) * (right - left)
    sy = lambda v: bottom - (v - ylo) / (yhi - ylo) * (bottom - top)
    height = bottom + 44
    parts = [
        f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 700 {_f(height)}" '
        f'role="img" aria-label="{escape(ylabel)} over {escape(xlabel)}" {FONT}>'
    ]
    for t in _ticks(ylo, yhi):
        parts.append(
            f'<line x1="{_f(left)}" y1="{_f(sy(t))}" x2="{_f(right)}" y2="{_f(sy(t))}" stroke="#ddd"/>'
        )
        parts.append(f'<text x="{_f(left - 6)}" y="{_f(sy(t) + 4)}" text-anchor="end">{t:g}</text>')
    for i, (name, lx, ly) in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        pts = [(sx(x), sy(y)) for x, y in zip(lx, ly, strict=False) if y is not None]
        if pts:
            path = " ".join(f"{_f(a)},{_f(b)}" for a, b in pts)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2">'
                f"<title>{escape(name)}</title></polyline>"
            )
            parts += [f'<circle cx="{_f(a)}" cy="{_f(b)}" r="3" fill="{color}"/>' for a, b in pts]
        short = name if len(name) <= 26 else name[:25] + "…"
        ly_ = top + 14 + 16 * i
        parts.append(f'<rect x="{_f(right + 20)}" y="{_f(ly_ - 9)}" width="10" height="10" fill="{color}"/>')
        parts.append(f'<text x="{_f(right + 36)}" y="{_f(ly_)}">{escape(short)}</text>')
    parts.append(
        f'<text x="14" y="{_f((top + bottom) / 2)}" transform="rotate(-90 14 {_f((top + bottom) / 2)})" '
        f'text-anchor="middle">{escape(ylabel)}</text>'
    )
    parts += _axis(left, right, bottom, xlo, xhi, xlabel)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - labels escaped above
