"""Finding the columns a loader was told to use, with a message that says how to choose another.

A loader reads its column names from the dataset card's ``params`` (``label_column``,
``text_column``, ``meta_columns``). For a catalog card the fix is to edit the card; for data given
with ``--data`` it is a command-line flag, which the card names in ``params.flags`` (e.g.
``{"label_column": "--label-column"}``) so the one-line error says the right thing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from fmbench.catalog.schema import DatasetCard
from fmbench.errors import DataError


def how_to_set(card: DatasetCard, param: str) -> str:
    """'pass --label-column NAME' for --data, 'set params.label_column in dataset card X' otherwise."""
    flag = (card.params.get("flags") or {}).get(param)
    if flag:
        return f"pass {flag} NAME"
    return f"set params.{param} in dataset card {card.id}"


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' (did you mean 'Label'?)' for the closest choice, case-insensitively, or ''."""
    choices = [str(c) for c in choices]
    lowered = {c.lower(): c for c in choices}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


def listing(columns: Iterable[str], limit: int = 12) -> str:
    cols = [str(c) for c in columns]
    shown = ", ".join(cols[:limit])
    return shown + (f", … ({len(cols)} in all)" if len(cols) > limit else "")


def require_column(columns: Iterable[str], name: str, *, where: str, what: str, card: DatasetCard,
                   param: str) -> None:
    """A DataError naming the file, the missing column, the closest existing one and the fix."""
    cols = [str(c) for c in columns]
    if name in cols:
        return
    raise DataError(
        f"{where}: no {what} {name!r}{did_you_mean(name, cols)}; columns: {listing(cols)}; "
        f"{how_to_set(card, param)}"
    )


def pick_label_column(columns: Iterable[str], card: DatasetCard, *, where: str, what: str = "label column"
                      ) -> str | None:
    """The labels' column: ``params.label_column`` (which must exist), else the first of
    ``params.label_candidates`` that exists (``--data``: the suite's label column, then ``label``),
    else None when the card names neither. Missing: a DataError with the closest column and the fix."""
    cols = [str(c) for c in columns]
    explicit = card.params.get("label_column")
    if explicit:
        require_column(cols, str(explicit), where=where, what=what, card=card, param="label_column")
        return str(explicit)
    candidates = [str(c) for c in card.params.get("label_candidates") or [] if c]
    for name in candidates:
        if name in cols:
            return name
    if not candidates:
        return None
    names = " or ".join(repr(c) for c in dict.fromkeys(candidates))
    raise DataError(
        f"{where}: no {what} {names}{did_you_mean(candidates[0], cols)}; columns: {listing(cols)}; "
        f"{how_to_set(card, 'label_column')}"
    )
