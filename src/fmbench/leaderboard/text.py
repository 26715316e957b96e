"""Formatting and escaping shared by the renderers."""

from __future__ import annotations

import re

from fmbench.leaderboard.model import Cell, GapSummary
from fmbench.records.interval_notes import ci_tag

DASH = "–"
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
DOMAIN_ICONS = {"genomics": "🧬", "neurology": "🧠", "cross-domain": "🌐"}

_MD_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "|": "&#124;",
    "{": "&#123;",
    "}": "&#125;",
    "\\": "\\\\",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "[": "\\[",
    "]": "\\]",
    "\n": " ",
    "\r": " ",
    "\t": " ",
}
_MD_TABLE = str.maketrans(_MD_ESCAPES)
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]+")


def md(text: object) -> str:
    """Escape any string for Markdown inline text, table cells and admonition titles.

    HTML metacharacters become entities (so ``<script>`` shows as text), ``|`` becomes
    ``&#124;`` (so it cannot split a table cell), Markdown punctuation is backslash-escaped,
    and line breaks become spaces (so a cell stays on its row).
    """
    return str(text).translate(_MD_TABLE)


def code(text: object) -> str:
    """A code span for ids (``[A-Za-z0-9._-]``); anything else is escaped as plain text."""
    t = str(text)
    return f"`{t}`" if _SAFE_ID.fullmatch(t) else md(t)


def num(v: float | None, digits: int = 4) -> str:
    return DASH if v is None else f"{v:.{digits}f}"


def ci_text(cell: Cell | None, digits: int = 4) -> str:
    """'[lo, hi]', tagged '(exact)' for a Clopper–Pearson interval and '(widened)' for one
    extended to the estimate."""
    if cell is None or cell.ci is None:
        return DASH
    return f"[{cell.ci[0]:.{digits}f}, {cell.ci[1]:.{digits}f}]{ci_tag(cell.ci_method)}"


INTERVAL_LEGEND = (
    "Intervals are percentile bootstrap unless tagged: (exact) Clopper–Pearson, for a proportion at "
    "0 or N or with a degenerate bootstrap; (widened) the percentile interval extended to "
    "the estimate, which it excluded. A missing interval has its reason in the note."
)


def p_phrase(p: float) -> str:
    """'= 0.042' or '< 0.001', to follow a 'p'."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def gap_sentence(gap: GapSummary) -> str:
    """The gap of a breakdown with its uncertainty, and why a worst-of-many gap needs it (plain text)."""
    ci = "" if gap.ci is None else f" (95% CI {gap.ci[0]:.4f}–{gap.ci[1]:.4f})"
    if gap.p_value is None:
        test = "no permutation test in the record"
    else:
        test = f"permutation p {p_phrase(gap.p_value)}"
        if gap.p_adjusted is not None and gap.dimensions_tested > 1:
            test += f" (Holm-adjusted over {gap.dimensions_tested} dimensions: p {p_phrase(gap.p_adjusted)})"
    return (
        f"Gap in {gap.metric} (largest − smallest of {gap.groups} groups): {gap.value:.4f}{ci}; {test}. "
        "The largest of several gaps is biased upward: random groups show gaps too, and a large p "
        "means chance explains this one."
    )


def value_text(cell: Cell | None, digits: int = 4) -> str:
    if cell is None:
        return DASH
    return num(cell.value, digits)


def rank_text(rank: int, label: str) -> str:
    """The rank as plain text ('1', '=2'): readable without an emoji font. Medals are
    decoration beside the model's name (``medal``)."""
    return label


def medal(rank: int) -> str:
    return MEDALS.get(rank, "")


def interval_text(interval: tuple[int, int] | None) -> str:
    if interval is None:
        return DASH
    lo, hi = interval
    return str(lo) if lo == hi else f"{lo}–{hi}"


ARROWS = {"higher": "↑", "lower": "↓"}


def direction_mark(direction: str, target: tuple[float, float] | None = None) -> str:
    """↑ (higher is better), ↓ (lower is better) or the target band, e.g. 'target 8–12'."""
    if direction in ARROWS:
        return ARROWS[direction]
    if target is not None:
        return f"target {target[0]:g}–{target[1]:g}"
    return "target"


def seeds_text(mean: float, sd: float | None, lo: float, hi: float, digits: int = 4) -> str:
    sd_part = f" ± {sd:.{digits}f}" if sd is not None else ""
    return f"{mean:.{digits}f}{sd_part} ({lo:.{digits}f}–{hi:.{digits}f})"


def direction_sentence(direction: str) -> str:
    return {"higher": "Higher is better.", "lower": "Lower is better."}.get(
        direction, "Closest to the target band is best."
    )


def domain_icon(name: str) -> str:
    from fmbench.leaderboard.boards import slug

    return DOMAIN_ICONS.get(slug(name), "")
