"""Small hand-drawn SVG plots (no network, no matplotlib): forest plot, bars, curves.

Shared by the per-run reports and the leaderboard pages, so both draw the same way and
neither needs a plotting stack (a matplotlib figure cost ~0.13 s each; a robustness report
has ten).

Every label goes through ``markupsafe.escape``; the return values are ``Markup`` so that
jinja2 autoescaping inserts them as they are.

Sizing: every plot is drawn in a user space :data:`VB_W` units wide (the ``viewBox``) with
text of :data:`FONT_SIZE` units, and carries ``width="NATURAL_W"`` so that it shows at
that many CSS px where there is room; with ``max-width:100%; height:auto`` (the pages' CSS)
it shrinks with its container and keeps its proportions. Text then renders at
``FONT_SIZE * rendered_width / VB_W`` px: 13 * 500 / 400 = 16.25 px at full size, and
still >= 10 px down to a plot 308 px wide (13 * 308 / 400 = 10.0). On a 390 px wide
phone the leaderboard pages leave a plot 348 to 366 px (11.3 to 11.9 px text). To keep
a narrow user space readable, long labels wrap onto a second line and are then cut with
"…", the full text kept in a ``<title>`` (the tooltip); a line chart's legend sits
below the plot rather than beside it; the number of axis ticks is chosen so that their
labels do not touch. The layout only estimates text widths (there is no font metrics
here), so it leaves some slack. Same input, same bytes.
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
VB_W = 400.0  # viewBox width, user units
NATURAL_W = 500  # CSS px at full size (the width attribute); CSS max-width:100% shrinks it
FONT_SIZE = 13  # user units; renders >= 10 px while the plot is >= 10 / 13 * VB_W = 308 px wide
LINE_H = 15.0  # distance between the baselines of a wrapped label
PAD = 6.0  # free margin at the left and right edges
FONT = f'font-family="system-ui,sans-serif" font-size="{FONT_SIZE}"'

# Advance widths (1/100 em) of the printable ASCII characters, " " to "~", in DejaVu Sans:
# the wide font that "system-ui"/"sans-serif" is on most Linux desktops, so an estimate
# from it is generous for the narrower system fonts elsewhere (Segoe UI, SF, Roboto).
# fmt: off
_ASCII_W = (
    32, 40, 46, 84, 64, 95, 78, 27, 39, 39, 50, 84, 32, 36, 32, 34, 64, 64, 64, 64, 64, 64, 64, 64,
    64, 64, 34, 34, 84, 84, 84, 53, 100, 68, 69, 70, 77, 63, 58, 77, 75, 29, 29, 66, 56, 86, 75, 79,
    60, 79, 69, 63, 61, 73, 68, 99, 69, 61, 69, 39, 34, 39, 84, 50, 50, 61, 63, 55, 63, 62, 35, 63,
    63, 28, 28, 58, 28, 97, 63, 61, 63, 63, 41, 52, 39, 63, 59, 82, 59, 59, 52, 64, 34, 64, 84,
)
# fmt: on
_BREAK_AFTER = frozenset(" _-/")


def _f(x: float) -> str:
    return f"{x:.1f}"


def _text_w(s: str) -> float:
    """Estimated width of ``s`` in user units at FONT_SIZE (anything not ASCII: 1 em)."""
    return sum(_ASCII_W[ord(c) - 32] if " " <= c <= "~" else 100 for c in s) * FONT_SIZE / 100


def _cut(s: str, max_w: float) -> str:
    """``s`` shortened to fit ``max_w`` with a trailing ellipsis (``s`` itself if it fits)."""
    if _text_w(s) <= max_w:
        return s
    while s and _text_w(s.rstrip() + "…") > max_w:
        s = s[:-1]
    return s.rstrip() + "…"


def _split_long(line: str, max_w: float) -> list[str]:
    """Hard breaks inside a word that is wider than ``max_w`` on its own."""
    out, cur = [], ""
    for c in line:
        if cur and _text_w(cur + c) > max_w:
            out.append(cur)
            cur = ""
        cur += c
    return [*out, cur] if cur else out


def _wrap(s: str, max_w: float, max_lines: int = 2) -> tuple[list[str], bool]:
    """Lines of ``s`` no wider than ``max_w`` (breaking after spaces, ``_``, ``-``, ``/``), at
    most ``max_lines`` of them; True when text had to be cut off."""
    s = " ".join(s.split())
    chunks, cur = [], ""
    for c in s:
        cur += c
        if c in _BREAK_AFTER:
            chunks.append(cur)
            cur = ""
    if cur:
        chunks.append(cur)
    lines: list[str] = []
    line = ""
    for ch in chunks:
        if line and _text_w((line + ch).rstrip()) > max_w:
            lines.append(line.rstrip())
            line = ""
        line += ch
    lines.append(line.rstrip())
    lines = [piece for ln in lines for piece in (_split_long(ln, max_w) if _text_w(ln) > max_w else [ln])]
    if len(lines) <= max_lines:
        return lines, False
    last = " ".join(lines[max_lines - 1 :])
    return [*lines[: max_lines - 1], _cut(last + "…", max_w)], True


def _text(x: float, y: float, lines: Sequence[str], *, anchor: str = "start", full: str | None = None) -> str:
    """A ``<text>`` of one or more lines (first baseline at ``y``); ``full``: the whole label,
    as a tooltip, when the lines show it shortened."""
    a = "" if anchor == "start" else f' text-anchor="{anchor}"'
    tip = f"<title>{escape(full)}</title>" if full is not None else ""
    if len(lines) == 1:
        return f'<text x="{_f(x)}" y="{_f(y)}"{a}>{tip}{escape(lines[0])}</text>'
    spans = "".join(
        f'<tspan x="{_f(x)}" dy="{_f(0 if i == 0 else LINE_H)}">{escape(ln)}</tspan>'
        for i, ln in enumerate(lines)
    )
    return f'<text x="{_f(x)}" y="{_f(y)}"{a}>{tip}{spans}</text>'


def _label(x: float, cy: float, label: str, max_w: float, *, anchor: str = "start") -> str:
    """``label`` wrapped to ``max_w`` and centred vertically on ``cy``."""
    lines, cut = _wrap(label, max_w)
    y = cy - LINE_H * (len(lines) - 1) / 2 + 0.35 * FONT_SIZE
    return _text(x, y, lines, anchor=anchor, full=label if cut else None)


def _svg_open(height: float, aria: str) -> str:
    return (
        f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {VB_W:g} {_f(height)}" '
        f'width="{NATURAL_W}" height="{_f(height * NATURAL_W / VB_W)}" '
        f'role="img" aria-label="{escape(aria)}" {FONT}>'
    )


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


def _fit_ticks(lo: float, hi: float, span: float, *, label_w: bool = True) -> list[float]:
    """The most ticks (up to ~6) whose labels keep apart over an axis ``span`` units long:
    side by side (``label_w``: a horizontal axis) or one above the other."""
    ts: list[float] = []
    for n in (6, 5, 4, 3, 2):
        ts = _ticks(lo, hi, n)
        if len(ts) < 2:
            return ts
        gap = (ts[1] - ts[0]) / (hi - lo) * span
        need = max(_text_w(f"{t:g}") for t in ts) + 8 if label_w else FONT_SIZE + 6
        if gap >= need:
            return ts
    return ts


def _axis(x0: float, x1: float, y: float, lo: float, hi: float, label: str) -> tuple[list[str], float]:
    """A horizontal axis at ``y`` with ticks and a title; also the height it takes below ``y``."""
    sx = lambda v: x0 + (v - lo) / (hi - lo) * (x1 - x0)
    parts = [f'<line x1="{_f(x0)}" y1="{_f(y)}" x2="{_f(x1)}" y2="{_f(y)}" stroke="#444"/>']
    for t in _fit_ticks(lo, hi, x1 - x0):
        x = sx(t)
        tw = _text_w(f"{t:g}")
        tx = min(max(x, PAD + tw / 2), VB_W - PAD / 2 - tw / 2)
        parts.append(f'<line x1="{_f(x)}" y1="{_f(y)}" x2="{_f(x)}" y2="{_f(y + 4)}" stroke="#444"/>')
        parts.append(f'<text x="{_f(tx)}" y="{_f(y + 17)}" text-anchor="middle">{t:g}</text>')
    lines, cut = _wrap(label, VB_W - 2 * PAD)
    w = max(_text_w(ln) for ln in lines)
    cx = min(max((x0 + x1) / 2, PAD + w / 2), VB_W - PAD - w / 2)
    parts.append(_text(cx, y + 35, lines, anchor="middle", full=label if cut else None))
    return parts, 35 + LINE_H * (len(lines) - 1) + 7


def forest_plot(
    items: Sequence[tuple[str, float, tuple[float, float] | None]], *, metric: str, direction: str
) -> Markup:
    """One line per model: point estimate with its CI whisker (best at the top)."""
    if not items:
        return Markup("")
    vals = [v for _, v, _ in items] + [b for _, _, ci in items if ci for b in ci]
    lo, hi = _bounds(vals)
    label_max = 150.0
    wrapped = [_wrap(name, label_max)[0] for name, _, _ in items]
    lab_w = min(max(_text_w(ln) for lines in wrapped for ln in lines), label_max)
    left, right, top = PAD + lab_w + 12, VB_W - 22, 8.0
    sx = lambda v: left + (v - lo) / (hi - lo) * (right - left)
    body, y = [], top
    for (name, v, ci), lines in zip(items, wrapped, strict=True):
        h = 8 + LINE_H * len(lines)
        cy = y + h / 2
        body.append(_label(left - 10, cy, name, label_max, anchor="end"))
        if ci is not None:
            body.append(
                f'<line x1="{_f(sx(ci[0]))}" y1="{_f(cy)}" x2="{_f(sx(ci[1]))}" y2="{_f(cy)}" '
                'stroke="#1f77b4" stroke-width="2"/>'
            )
        ci_s = f" [{ci[0]:.4f}, {ci[1]:.4f}]" if ci else ""
        body.append(
            f'<circle cx="{_f(sx(v))}" cy="{_f(cy)}" r="4" fill="#1f77b4">'
            f"<title>{escape(name)}: {v:.4f}{ci_s}</title></circle>"
        )
        y += h
    arrow = "higher is better →" if direction == "higher" else "← lower is better"
    axis, axis_h = _axis(left, right, y + 4, lo, hi, f"{metric} ({arrow})")
    parts = [_svg_open(y + 4 + axis_h, f"{metric} with 95% CI per model"), *body, *axis, "</svg>"]
    return Markup("".join(parts))  # noqa: S704 - labels escaped above


def bar_chart(groups: Sequence[tuple[str, float | None, int]], *, metric: str) -> Markup:
    """Horizontal bars of one metric per subgroup, with N."""
    present = [v for _, v, _ in groups if v is not None]
    if not present:
        return Markup("")
    lo = min(0.0, min(present))
    hi = max(present)
    hi = hi if hi > lo else lo + 1.0
    label_max = 120.0
    wrapped = [_wrap(g, label_max)[0] for g, _, _ in groups]
    lab_w = min(max(_text_w(ln) for lines in wrapped for ln in lines), label_max)
    values = [f"{v:.4f} (N={n})" if v is not None else "" for _, v, n in groups]
    left = PAD + lab_w + 10
    right = max(VB_W - PAD - max(_text_w(s) for s in values) - 6, left + 60)
    top = 6.0
    sx = lambda v: left + (v - lo) / (hi - lo) * (right - left)
    body, y = [], top
    for (g, v, n), lines, vs in zip(groups, wrapped, values, strict=True):
        h = 6 + LINE_H * len(lines)
        cy = y + h / 2
        body.append(_label(left - 8, cy, g, label_max, anchor="end"))
        if v is not None:
            body.append(
                f'<rect x="{_f(sx(lo))}" y="{_f(cy - 7)}" width="{_f(max(sx(v) - sx(lo), 0.5))}" '
                f'height="14" fill="#1f77b4"><title>{escape(g)}: {v:.4f} (N={n})</title></rect>'
            )
            body.append(f'<text x="{_f(sx(v) + 4)}" y="{_f(cy + 0.35 * FONT_SIZE)}">{vs}</text>')
        y += h
    axis, axis_h = _axis(left, right, y + 4, lo, hi, metric)
    parts = [_svg_open(y + 4 + axis_h, f"{metric} by subgroup"), *body, *axis, "</svg>"]
    return Markup("".join(parts))  # noqa: S704 - labels escaped above


def line_chart(
    series: Sequence[tuple[str, Sequence[float], Sequence[float | None]]], *, xlabel: str, ylabel: str
) -> Markup:
    """Lines (one per model) of a quantity over severity levels; the legend below the plot."""
    xs = [x for _, lx, _ in series for x in lx]
    ys = [y for _, _, ly in series for y in ly if y is not None]
    if not xs or not ys:
        return Markup("")
    xlo, xhi = _bounds(xs)
    ylo, yhi = _bounds(ys)
    top, bottom = 10.0, 190.0
    yticks = _fit_ticks(ylo, yhi, bottom - top, label_w=False)
    left = PAD + 16 + max((_text_w(f"{t:g}") for t in yticks), default=0.0) + 8
    right = VB_W - 16
    sx = lambda v: left + (v - xlo) / (xhi - xlo) * (right - left)
    sy = lambda v: bottom - (v - ylo) / (yhi - ylo) * (bottom - top)
    parts: list[str] = []
    for t in yticks:
        parts.append(
            f'<line x1="{_f(left)}" y1="{_f(sy(t))}" x2="{_f(right)}" y2="{_f(sy(t))}" stroke="#ddd"/>'
        )
        parts.append(f'<text x="{_f(left - 6)}" y="{_f(sy(t) + 4)}" text-anchor="end">{t:g}</text>')
    legend: list[str] = []
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
    mid = (top + bottom) / 2
    ylines, ycut = _wrap(ylabel, bottom - top, max_lines=1)
    parts.append(
        f'<g transform="rotate(-90 {_f(PAD + 11)} {_f(mid)})">'
        + _text(PAD + 11, mid, ylines, anchor="middle", full=ylabel if ycut else None)
        + "</g>"
    )
    axis, axis_h = _axis(left, right, bottom, xlo, xhi, xlabel)
    parts += axis
    # legend: swatch + name, flowing left to right in rows under the x axis
    x, row_y = PAD, bottom + axis_h + 14
    for i, (name, _, _) in enumerate(series):
        color = PALETTE[i % len(PALETTE)]
        short = _cut(" ".join(name.split()), VB_W - 2 * PAD - 14)
        w = 14 + _text_w(short)
        if x > PAD and x + w > VB_W - PAD:
            x, row_y = PAD, row_y + 18
        legend.append(f'<rect x="{_f(x)}" y="{_f(row_y - 9)}" width="10" height="10" fill="{color}"/>')
        legend.append(_text(x + 14, row_y, [short], full=name if short != name else None))
        x += w + 14
    parts += legend
    height = row_y + 8
    return Markup(  # noqa: S704 - labels escaped above
        "".join([_svg_open(height, f"{ylabel} over {xlabel}"), *parts, "</svg>"])
    )
