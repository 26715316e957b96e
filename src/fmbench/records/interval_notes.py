"""How an interval and a p-value read wherever a record is shown (report, console line, board).

``MetricValue.ci_method`` names how an interval was made; readers need only a short tag for the
two kinds that are not a plain percentile bootstrap. Kept beside the records, like
``output_notes``, so that reports and leaderboards word them the same way.
"""

from __future__ import annotations

DASH = "–"


def ci_tag(method: str | None) -> str:
    """' (exact)' for a Clopper–Pearson interval, ' (widened)' for a percentile interval extended to
    its estimate, '' otherwise."""
    method = method or ""
    if method.startswith("Clopper-Pearson"):
        return " (exact)"
    if "widened" in method:
        return " (widened)"
    return ""


def p_text(p: float | None) -> str:
    """A p-value for a table cell: three decimals, '< 0.001' below that, a dash when absent."""
    if p is None:
        return DASH
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
