"""Reading labelled DNA sequences from TSV/CSV and FASTA files, plain or gzip-compressed.

Table (``.tsv``, ``.csv``, ``.txt``; ``.gz`` allowed): a header line naming a sequence column
(``seq`` or ``sequence``, or ``params.sequence_column``) and the label column; every other
column is metadata. FASTA (``.fa``, ``.fasta``, ``.fna``; ``.gz`` allowed): ``>id key=value …``
headers, the sequence on the following lines; the label is a ``label=…`` field of the header
(or the card's label column name as the key), or comes from a labels file (``id`` and label
columns, TSV or CSV) given as ``params.labels_file`` / ``--labels``. Other ``key=value`` fields
are metadata.

Every problem is one DataError naming the file and line: a character outside A, C, G, T, N
(lower case accepted, U read as T), a row with too many or too few fields, a missing label, an
empty sequence, a sequence longer than the limit. Files are read whole; their size, the number
of sequences and the length of each are bounded (``Limits``), so no file can exhaust memory.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from fmbench.data.sequences import first_bad_character
from fmbench.errors import DataError, NotFoundError

FASTA_SUFFIXES = (".fa", ".fasta", ".fna", ".fas")
TABLE_SUFFIXES = (".tsv", ".csv", ".txt")
SEQUENCE_COLUMNS = ("seq", "sequence")
_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)=(.*)$")


@dataclass(frozen=True)
class Limits:  # frozen: safe as a default argument
    """Bounds on what a sequence file may hold (the defaults fit any real benchmark set)."""

    max_bytes: int = 2 * 1024**3  # uncompressed text
    max_sequences: int = 5_000_000
    max_length: int = 1_000_000


@dataclass
class SequenceTable:
    """What a sequence file holds: ids, sequences, labels (None where absent) and metadata."""

    ids: list[str]
    sequences: list[str]
    labels: list[str | None]
    meta: dict[str, list[str | None]] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)  # the line each sequence starts on
    label_column: str = "label"  # the column or header key the labels came from


def base_suffix(path: Path) -> str:
    """``x.tsv.gz`` -> ``.tsv``; ``x.fa`` -> ``.fa`` (lower case)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".gzip"):
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def is_fasta(path: Path) -> bool:
    return base_suffix(path) in FASTA_SUFFIXES


def read_text(path: Path, limits: Limits) -> str:
    """The file's text, gunzipped when it starts with the gzip magic bytes; bounded in size."""
    try:
        with open(path, "rb") as fh:
            magic = fh.read(2)
            fh.seek(0)
            stream = gzip.GzipFile(fileobj=fh) if magic == b"\x1f\x8b" else fh
            try:
                raw = stream.read(limits.max_bytes + 1)
            except (OSError, EOFError) as exc:
                raise DataError(f"{path}: not a readable gzip file ({exc}); recompress it or pass it "
                                "uncompressed") from None
    except FileNotFoundError:
        raise NotFoundError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataError(f"{path}: is a folder; pass a FASTA or TSV/CSV file of sequences") from None
    if len(raw) > limits.max_bytes:
        raise DataError(f"{path}: more than {limits.max_bytes:,} bytes of text; split the file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); "
                        "save the file as UTF-8 or ASCII") from None


def check_sequence(seq: str, path: Path, line: int, limits: Limits, what: str = "sequence") -> str:
    """The sequence upper-cased with U as T, or a DataError naming file, line and position."""
    if not seq:
        raise DataError(f"{path}:{line}: empty {what}; every sample needs a sequence")
    if len(seq) > limits.max_length:
        raise DataError(f"{path}:{line}: {what} of {len(seq):,} bases is longer than the limit "
                        f"({limits.max_length:,}); cut it into windows")
    bad = first_bad_character(seq)
    if bad is not None:
        pos, ch = bad
        raise DataError(f"{path}:{line}: character {ch!r} at position {pos + 1} of the {what} is not "
                        "A, C, G, T or N; replace ambiguity codes with N")
    return seq.upper().replace("U", "T")


def _too_many(path: Path, limits: Limits) -> DataError:
    return DataError(f"{path}: more than {limits.max_sequences:,} sequences; split the file")


def read_sequence_table(path: Path, *, sequence_column: str | None, label_column: str | None,
                        label_candidates: list[str], limits: Limits = Limits()) -> SequenceTable:
    """A TSV/CSV of sequences (tab- or comma-separated by suffix; ``.txt``: tab)."""
    text = read_text(path, limits)
    delimiter = "," if base_suffix(path) == ".csv" else "\t"
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(rows)
    except StopIteration:
        raise DataError(f"{path}: the file is empty; expected a header such as seq<TAB>label") from None
    except csv.Error as exc:
        raise DataError(f"{path}:1: cannot parse the header ({exc})") from None
    header = [h.strip() for h in header]
    seq_col = sequence_column or next((c for c in SEQUENCE_COLUMNS if c in header), None)
    if seq_col is None or seq_col not in header:
        wanted = repr(sequence_column) if sequence_column else "'seq' or 'sequence'"
        raise DataError(f"{path}:1: no sequence column {wanted} in the header ({', '.join(header)}); "
                        "name it seq, or pass --sequence-column NAME")
    label = label_column or next((c for c in label_candidates if c in header), None)
    if label_column and label_column not in header:
        raise DataError(f"{path}:1: no label column {label_column!r} in the header ({', '.join(header)}); "
                        "pass --label-column NAME")
    if label is None:
        raise DataError(f"{path}:1: which column holds the labels? none of {label_candidates} is in "
                        f"the header ({', '.join(header)}); pass --label-column NAME")
    s_idx, l_idx = header.index(seq_col), header.index(label)
    others = [(i, h) for i, h in enumerate(header) if i not in (s_idx, l_idx)]
    out = SequenceTable([], [], [], {h: [] for _, h in others}, label_column=label)
    sep = "<TAB>" if delimiter == "\t" else ","
    try:
        for row in rows:
            line = rows.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != len(header):
                raise DataError(f"{path}:{line}: {len(row)} fields where the header has {len(header)} "
                                f"({sep.join(header)}); one sequence per line")
            if len(out.sequences) >= limits.max_sequences:
                raise _too_many(path, limits)
            value = row[l_idx].strip()
            if not value:
                raise DataError(f"{path}:{line}: no label in column {label!r}; every sequence needs one")
            out.sequences.append(check_sequence(row[s_idx].strip(), path, line, limits))
            out.labels.append(value)
            out.ids.append(str(len(out.ids)))
            out.lines.append(line)
            for i, h in others:
                out.meta[h].append(row[i].strip() or None)
    except csv.Error as exc:
        raise DataError(f"{path}:{rows.line_num}: cannot parse ({exc})") from None
    if not out.sequences:
        raise DataError(f"{path}: no sequences after the header")
    return out


def _header_fields(header: str, path: Path, line: int) -> tuple[str, dict[str, str]]:
    parts = header.split()
    if not parts:
        raise DataError(f"{path}:{line}: a '>' line without an id; write '>id label=…'")
    seq_id, fields = parts[0], {}
    for token in parts[1:]:
        m = _FIELD.match(token)
        if m:
            fields[m.group(1)] = m.group(2)
    return seq_id, fields


def read_fasta(path: Path, *, label_column: str | None, labels_file: Path | None,
               limits: Limits = Limits()) -> SequenceTable:
    """A FASTA file; labels from the headers (``label=…``) or from ``labels_file`` by id."""
    text = read_text(path, limits)
    records: list[tuple[str, dict[str, str], list[str], int]] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith(">"):
            if len(records) >= limits.max_sequences:
                raise _too_many(path, limits)
            seq_id, fields = _header_fields(line[1:], path, n)
            records.append((seq_id, fields, [], n))
        elif not records:
            raise DataError(f"{path}:{n}: sequence text before the first '>' header; a FASTA record starts "
                            "with '>id'")
        else:
            records[-1][2].append(line)
    if not records:
        raise DataError(f"{path}: no FASTA records (lines starting with '>')")
    key = label_column or "label"
    by_id = read_labels_file(labels_file, key, limits) if labels_file is not None else None
    out = SequenceTable([], [], [], label_column=key)
    meta_keys = sorted({k for _, f, _, _ in records for k in f} - {key})
    out.meta = {k: [] for k in meta_keys}
    seen: dict[str, int] = {}
    for seq_id, fields, chunks, line in records:
        if seq_id in seen:
            raise DataError(f"{path}:{line}: id {seq_id!r} appears again (first on line {seen[seq_id]}); "
                            "ids must be unique")
        seen[seq_id] = line
        seq = check_sequence("".join(chunks), path, line, limits, what=f"sequence {seq_id!r}")
        if by_id is not None:
            label = by_id.get(seq_id)
            if label is None:
                raise DataError(f"{path}:{line}: sequence {seq_id!r} has no label in {labels_file}; "
                                "add a row for it")
        else:
            label = fields.get(key)
            if not label:
                raise DataError(f"{path}:{line}: sequence {seq_id!r} has no label: write '>{seq_id} "
                                f"{key}=…' in the header or pass --labels FILE (id and {key} columns)")
        out.ids.append(seq_id)
        out.sequences.append(seq)
        out.labels.append(label)
        out.lines.append(line)
        for k in meta_keys:
            out.meta[k].append(fields.get(k))
    if by_id is not None:
        extra = sorted(set(by_id) - set(seen))
        if extra:
            raise DataError(f"{labels_file}: {len(extra)} id(s) not in {path.name}, e.g. {extra[0]!r}; "
                            "labels must name the FASTA's sequences")
    return out


def read_labels_file(path: Path, key: str, limits: Limits) -> dict[str, str]:
    """``id`` -> label from a TSV/CSV with an ``id`` column and a ``key`` (or ``label``) column."""
    text = read_text(path, limits)
    delimiter = "," if base_suffix(path) == ".csv" else "\t"
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(rows, [])]
    label = key if key in header else "label" if "label" in header else None
    if "id" not in header or label is None:
        raise DataError(f"{path}:1: a labels file needs the columns id and {key} "
                        f"(header: {', '.join(header) or 'empty'})")
    i_idx, l_idx = header.index("id"), header.index(label)
    out: dict[str, str] = {}
    for row in rows:
        line = rows.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(header):
            raise DataError(f"{path}:{line}: {len(row)} fields where the header has {len(header)}")
        seq_id, value = row[i_idx].strip(), row[l_idx].strip()
        if not value:
            raise DataError(f"{path}:{line}: no label for id {seq_id!r}")
        if seq_id in out:
            raise DataError(f"{path}:{line}: id {seq_id!r} appears twice")
        out[seq_id] = value
        if len(out) > limits.max_sequences:
            raise _too_many(path, limits)
    return out
