"""Which metric definitions a record was made with.

fmbench 0.1 computed two metrics under names that mean something else in scikit-learn: a
binary "F1-Score" was the macro F1 over both classes (not the positive-class F1), and "Brier
Score" summed the squared error over both classes (twice ``brier_score_loss``). Records made
since carry ``provenance.metric_definitions: 2``. Records made before still load, keep their
bytes and digest, and are marked with the definitions they used wherever they are shown;
reported results keep their published values (their source's definitions).
"""

from __future__ import annotations

from fmbench.records.schema import EvalRecord

METRIC_DEFINITIONS_VERSION = 2

_EARLIER_BINARY = {
    "F1-Score": "macro F1 over both classes (fmbench 0.1 definition; now the positive-class F1 is F1-Score "
                "and the macro F1 is Macro F1)",
    "Brier Score": "squared error summed over both classes, twice scikit-learn's brier_score_loss "
                   "(fmbench 0.1 definition)",
}

EARLIER_RANGES = {"F1-Score": (0.0, 1.0), "Brier Score": (0.0, 2.0)}  # valid ranges under those definitions


def definitions_version(record: EvalRecord) -> int | None:
    """2 for records made with today's definitions, 1 for earlier fmbench runs, None for reported ones."""
    if record.evidence != "run":
        return None
    version = record.provenance.get("metric_definitions")
    return version if isinstance(version, int) else 1


def earlier_definitions(record: EvalRecord) -> dict[str, str]:
    """metric -> the definition the record used, for metrics whose definition has changed since.
    Only binary tasks changed: a record is binary when it reports Sensitivity or Specificity."""
    if definitions_version(record) != 1:
        return {}
    binary = any(record.metric_value(m) is not None for m in ("Sensitivity", "Specificity"))
    if not binary:
        return {}
    return {m: d for m, d in _EARLIER_BINARY.items() if m in record.metrics}


def definitions_note(record: EvalRecord) -> str | None:
    changed = earlier_definitions(record)
    if not changed:
        return None
    return (
        "made with earlier metric definitions: " + "; ".join(f"{m} = {d}" for m, d in changed.items()) + "."
    )
