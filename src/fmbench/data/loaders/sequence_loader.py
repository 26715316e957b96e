"""Labelled DNA sequences (``loader: sequences``): FASTA or TSV/CSV, plain or gzip.

Card params:

- ``path`` (source ``file``) or ``package`` + ``resource`` (source ``package``): the file;
  a folder takes ``params.file``.
- ``label_column`` / ``label_candidates``: the label column (table) or header key (FASTA);
  ``labels_file``: a TSV/CSV of ``id`` and label for a FASTA without labels in its headers;
  ``sequence_column``: the table's sequence column (default ``seq`` or ``sequence``).
- ``label_names``: ``{file value: name}``, e.g. ``{"0": non-enhancer, "1": enhancer}``, so
  records and boards say what the classes are.
- ``min_length`` / ``max_length``: the sequence lengths the card promises (the built-in sets:
  exactly 500 and 251 bp); a sequence outside is a DataError naming its file and line.
- ``gc_bins``: GC-content bin edges as fractions (default [0.4, 0.5, 0.6]).
- ``overlap_min_shared``: sequences sharing at least this many identical bases (either strand)
  get the same ``overlap_group`` (``fmbench.data.sequence_overlap``; default 100, 0 turns it off).

``X`` is the ``<U{longest}`` array of upper-case sequences (``fmbench.data.sequences``). Metadata
computed from the sequence, so composition shortcuts show up as strata: ``length``,
``gc_content``, ``gc_bin``, ``cpg_obs_exp`` and ``cpg_status`` (CpG-rich / CpG-poor),
``overlap_group``; plus ``seq_id`` and the file's own metadata columns or header fields.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.catalog.schema import DatasetCard
from fmbench.data.card_files import card_file, file_digest
from fmbench.data.dataset import Dataset
from fmbench.data.loaders import LOADERS
from fmbench.data.sequence_files import Limits, SequenceTable, is_fasta, read_fasta, read_sequence_table
from fmbench.data.sequences import bin_fraction, composition, cpg_status_of, lengths, to_array
from fmbench.errors import ConfigError, DataError

DEFAULT_GC_BINS = (0.4, 0.5, 0.6)
DEFAULT_OVERLAP = 100
OVERLAP_MAX_BASES = 50_000_000  # above this the overlap search would need GBs; the column is left out


def sequence_features(X: np.ndarray, *, gc_bins: tuple[float, ...] = DEFAULT_GC_BINS,
                      overlap_min_shared: int = DEFAULT_OVERLAP) -> pd.DataFrame:
    """The metadata computed from the sequences alone (every column but ``seq_id``)."""
    gc, oe = composition(X)
    cols: dict[str, object] = {
        "length": lengths(X),
        "gc_content": np.round(gc, 4),
        "gc_bin": bin_fraction(gc, gc_bins),
        "cpg_obs_exp": np.round(oe, 4),
        "cpg_status": cpg_status_of(gc, oe),
    }
    if overlap_min_shared and int(cols["length"].sum()) <= OVERLAP_MAX_BASES:  # type: ignore[union-attr]
        from fmbench.data.sequence_overlap import overlap_groups

        cols["overlap_group"] = overlap_groups(X, overlap_min_shared).groups
    return pd.DataFrame(cols)


def check_lengths(table: SequenceTable, path: Path, card: DatasetCard) -> None:
    lo, hi = card.params.get("min_length"), card.params.get("max_length")
    if lo is None and hi is None:
        return
    for seq, line in zip(table.sequences, table.lines, strict=True):
        if (lo is not None and len(seq) < int(lo)) or (hi is not None and len(seq) > int(hi)):
            span = f"{lo} bp" if lo == hi else f"{lo or 1}-{hi or '…'} bp"
            raise DataError(f"{path}:{line}: sequence of {len(seq):,} bp; dataset {card.id} holds sequences "
                            f"of {span} (params.min_length / max_length)")


def _label_names(card: DatasetCard) -> dict[str, str]:
    names = card.params.get("label_names") or {}
    if not isinstance(names, dict):
        raise ConfigError(f"dataset card {card.id}: params.label_names must map file values to names")
    return {str(k): str(v) for k, v in names.items()}


@LOADERS.register("sequences")
def load(folder: Path, card: DatasetCard, digest: str) -> Dataset:
    path = card_file(folder, card, default="sequences.tsv.gz", what="a FASTA or TSV file")
    params = card.params
    label_column = params.get("label_column")
    candidates = [str(c) for c in params.get("label_candidates") or ["label"]]
    if is_fasta(path):
        labels_file = params.get("labels_file")
        table = read_fasta(path, label_column=label_column or candidates[0],
                           labels_file=Path(labels_file).expanduser() if labels_file else None, limits=Limits())
    else:
        table = read_sequence_table(path, sequence_column=params.get("sequence_column"),
                                    label_column=label_column, label_candidates=candidates, limits=Limits())
    label_name = table.label_column
    if card.source == "package" and not digest:  # the pinned file itself (as for a packaged .h5ad)
        digest = file_digest(path, card)
    check_lengths(table, path, card)
    X = to_array(table.sequences)
    names = _label_names(card)
    if names:
        unknown = sorted(set(table.labels) - set(names))
        if unknown:
            raise DataError(f"{path}: label {unknown[0]!r} is not one of params.label_names "
                            f"({', '.join(names)}) in dataset card {card.id}")
    labels = np.array([names.get(v, v) if v is not None else None for v in table.labels], dtype=object)
    gc_bins = tuple(params.get("gc_bins") or DEFAULT_GC_BINS)
    overlap = int(params.get("overlap_min_shared", DEFAULT_OVERLAP) or 0)
    meta = pd.concat([pd.DataFrame({"seq_id": table.ids}),
                      sequence_features(X, gc_bins=gc_bins, overlap_min_shared=overlap)], axis=1)
    for name, values in table.meta.items():
        column = name if name not in meta.columns else f"file_{name}"
        meta[column] = values
    meta[label_name] = labels
    card = card.model_copy(update={"params": {**params, "label_column": label_name}})
    return Dataset(card=card, digest=digest, meta=meta, X=X, y=labels,
                   extras={"sequence_lines": table.lines})
