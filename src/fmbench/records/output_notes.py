"""Notes a record's scores need, read from what the run's output checks saw (``details.output_checks``).

Kept beside the records so that whoever shows a record (report, leaderboard row) words the
caveat the same way, and the checks that set it (``fmbench.models.checks``) use the same text.
"""

from __future__ import annotations

from typing import Any

HARD_LABEL_NOTE = "scored from hard labels: AUROC from 0/1 scores is the balanced accuracy of one threshold"


def scored_from_hard_labels(details: Any) -> bool:
    """Whether the record's probabilities were (at least partly) hard 0/1 labels."""
    checks = details.get("output_checks") if isinstance(details, dict) else None
    probs = checks.get("probabilities") if isinstance(checks, dict) else None
    return bool(isinstance(probs, dict) and probs.get("hard_labels"))


def record_notes(notes: str | None, details: Any) -> str | None:
    """The record's own notes followed by the caveats its output checks call for."""
    parts = [notes] if notes else []
    if scored_from_hard_labels(details):
        parts.append(HARD_LABEL_NOTE)
    return "; ".join(parts) or None
