"""DNA sequences as fmbench holds them, and the properties computed from them.

A sequence dataset's ``X`` is a numpy unicode array (``<U{longest}``), one upper-case sequence
over ``A C G T N`` per row; shorter sequences are padded by numpy with NUL, which every function
here treats as "no base". Everything is vectorised over the ``(rows, length)`` code view
(``codes``), so a k-mer profile or a perturbation never loops over bases in Python.

Codes: A=0, C=1, G=2, T=3, N=4, padding=255; the complement of code c < 4 is 3 - c.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from fmbench.errors import DataError

ALPHABET = "ACGTN"
PAD = 255
N_CODE = 4
_LOOKUP = np.full(128, PAD, dtype=np.uint8)  # ASCII -> code; anything else is not a base
for _i, _b in enumerate(ALPHABET):
    _LOOKUP[ord(_b)] = _i
    _LOOKUP[ord(_b.lower())] = _i
_LOOKUP[ord("U")] = _LOOKUP[ord("u")] = 3  # RNA written as DNA
_LETTERS = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
_COMPLEMENT = np.array([3, 2, 1, 0, N_CODE], dtype=np.uint8)


def is_sequence_array(X: object) -> bool:
    """True for fmbench's in-memory form of sequences: a numpy unicode array of one dimension."""
    return isinstance(X, np.ndarray) and X.ndim == 1 and X.dtype.kind == "U"


def first_bad_character(seq: str) -> tuple[int, str] | None:
    """``(position, character)`` of the first character outside A, C, G, T, N (any case, U as T)."""
    for i, ch in enumerate(seq):
        if ch not in "ACGTNacgtnUu":
            return i, ch
    return None


def to_array(seqs: Sequence[str]) -> np.ndarray:
    """Sequences -> the ``<U{longest}`` array, upper-cased, U written as T (already validated)."""
    out = np.array([s.upper().replace("U", "T") for s in seqs], dtype=str)
    return out if out.ndim == 1 else out.reshape(len(seqs))


def lengths(X: np.ndarray) -> np.ndarray:
    return np.char.str_len(X).astype(np.int64)


def codes(X: np.ndarray) -> np.ndarray:
    """``(rows, longest)`` uint8 codes of a sequence array (padding 255)."""
    if not is_sequence_array(X):
        raise DataError("expected DNA sequences (a one-dimensional array of strings)")
    width = X.dtype.itemsize // 4
    if len(X) == 0 or width == 0:
        return np.zeros((len(X), width), dtype=np.uint8)
    points = np.ascontiguousarray(X).view(np.uint32).reshape(len(X), width)
    out = np.full(points.shape, PAD, dtype=np.uint8)
    ascii_ = points < 128
    out[ascii_] = _LOOKUP[points[ascii_]]
    return out


def from_codes(C: np.ndarray) -> np.ndarray:
    """The inverse of ``codes``: a ``<U{width}`` array (padding dropped)."""
    C = np.asarray(C, dtype=np.uint8)
    letters = np.zeros(C.shape, dtype=np.uint8)
    valid = C < len(ALPHABET)
    letters[valid] = _LETTERS[C[valid]]
    width = C.shape[1] if C.ndim == 2 else 0
    if width == 0:
        return np.array([""] * len(C), dtype="<U1")
    return np.ascontiguousarray(letters).view(f"S{width}").reshape(len(C)).astype(f"<U{width}")


def reverse_complement_codes(C: np.ndarray, lens: np.ndarray | None = None) -> np.ndarray:
    """Reverse complement of each row of a code array; padding stays at the end of each row."""
    C = np.asarray(C, dtype=np.uint8)
    n, width = C.shape
    lens = (C != PAD).sum(axis=1) if lens is None else np.asarray(lens)
    if width and (lens == width).all():  # all rows full: a plain reversal
        return np.ascontiguousarray(_COMPLEMENT[np.minimum(C[:, ::-1], N_CODE)])
    out = np.full_like(C, PAD)
    if width == 0:
        return out
    pos = np.arange(width)
    src = lens[:, None] - 1 - pos[None, :]
    inside = src >= 0
    rows = np.broadcast_to(np.arange(n)[:, None], C.shape)
    picked = C[rows[inside], src[inside]]
    comp = np.where(picked < len(_COMPLEMENT), _COMPLEMENT[np.minimum(picked, N_CODE)], PAD)
    out[inside] = comp
    return out


def reverse_complement(X: np.ndarray) -> np.ndarray:
    """Reverse complement of every sequence (N stays N)."""
    return from_codes(reverse_complement_codes(codes(X)))


def base_counts(C: np.ndarray) -> np.ndarray:
    """``(rows, 5)`` counts of A, C, G, T, N per row of a code array."""
    C = np.asarray(C)
    return np.stack([(C == k).sum(axis=1) for k in range(len(ALPHABET))], axis=1).astype(np.int64)


def composition(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GC content and CpG observed/expected ratio per sequence, from one pass over the codes.

    GC: (G + C) / (A + C + G + T), N not counted; NaN for a sequence of only N. CpG o/e:
    ``#CG * L / (#C * #G)`` (Gardiner-Garden and Frommer 1987, L the number of A/C/G/T bases);
    NaN where there is no C or no G.
    """
    C = codes(X)
    counts = base_counts(C)
    cg = ((C[:, :-1] == 1) & (C[:, 1:] == 2)).sum(axis=1) if C.shape[1] > 1 else np.zeros(len(C))
    acgt = counts[:, :4].sum(axis=1)
    denom = counts[:, 1] * counts[:, 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        gc = np.where(acgt > 0, (counts[:, 1] + counts[:, 2]) / np.maximum(acgt, 1), np.nan)
        oe = np.where(denom > 0, cg * acgt / np.maximum(denom, 1), np.nan)
    return gc, oe


def gc_content(X: np.ndarray) -> np.ndarray:
    """(G + C) / (A + C + G + T) per sequence (see ``composition``)."""
    return composition(X)[0]


def cpg_observed_expected(X: np.ndarray) -> np.ndarray:
    """CpG observed/expected ratio per sequence (see ``composition``)."""
    return composition(X)[1]


def cpg_status_of(gc: np.ndarray, oe: np.ndarray, *, min_gc: float = 0.5, min_obs_exp: float = 0.6) -> np.ndarray:
    """``CpG-rich`` where GC >= 50% and CpG o/e >= 0.6 (the Gardiner-Garden-Frommer island
    criteria without the 200 bp minimum), else ``CpG-poor`` (a sequence without C or G has no CpG:
    poor); None only for a sequence with no A/C/G/T base."""
    with np.errstate(invalid="ignore"):
        rich = (gc >= min_gc) & (oe >= min_obs_exp)
    out = np.where(rich, "CpG-rich", "CpG-poor").astype(object)
    out[np.isnan(gc)] = None
    return out


def cpg_status(X: np.ndarray, *, min_gc: float = 0.5, min_obs_exp: float = 0.6) -> np.ndarray:
    """``cpg_status_of`` the sequences' composition."""
    return cpg_status_of(*composition(X), min_gc=min_gc, min_obs_exp=min_obs_exp)


def bin_fraction(values: np.ndarray, edges: Iterable[float]) -> np.ndarray:
    """Percent bins of a fraction: edges [0.4, 0.5, 0.6] -> '<40%', '40-50%', '50-60%', '>=60%'."""
    edges = [float(e) for e in edges]
    if not edges or sorted(edges) != edges or len(set(edges)) != len(edges) or edges[0] <= 0 or edges[-1] >= 1:
        raise DataError(f"GC bin edges must be strictly increasing fractions between 0 and 1, got {edges}")

    def pct(e: float) -> str:
        return f"{100 * e:g}%"

    names = [f"<{pct(edges[0])}"]
    names += [f"{pct(lo)[:-1]}-{pct(hi)}" for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    names.append(f">={pct(edges[-1])}")
    values = np.asarray(values, dtype=float)
    idx = np.searchsorted(np.asarray(edges), values, side="right")
    out = np.asarray(names, dtype=object)[idx]
    out[np.isnan(values)] = None
    return out
