"""Probes of DNA sequences, on the uint8 code view of ``fmbench.data.sequences``.

A block is a ``(rows, width)`` uint8 array (A=0, C=1, G=2, T=3, N=4, padding 255 at the end of
shorter rows); every probe writes the perturbed codes into ``out`` and never changes a row's
length or its padding. The stream decodes the codes back into the ``<U{width}`` array a sequence
model receives, so a model sees the same type of input clean and perturbed.

- ``reverse_complement`` (level 1; 0 is the identity): each sequence read on the other strand,
  reversed and complemented (N stays N). Deterministic. The labels of the enhancer and promoter
  sets are treated as strand-independent: a sequence and its reverse complement are the same
  double-stranded DNA, so they keep the label, and a model should give both the same class
  probabilities. Stability at level 1 is *reverse-complement consistency*.
- ``substitution`` (level p, a rate in [0, 1)): each A/C/G/T base, independently with probability
  p, is replaced by one of the three other bases chosen uniformly; N and padding are untouched.
  One uniform draw per position decides both: u < p substitutes, and ``1 + floor(3 u / p)`` in
  {1, 2, 3} is added to the code modulo 4.
- ``n_mask`` (level f, a fraction in [0, 1]): one contiguous window of ``round(f * L)`` bases of
  each sequence (L its length) set to N, its start uniform over the ``L - w + 1`` possible
  positions: an unread stretch, as in a sequencing gap. Exactly ``round(f * L)`` positions are N
  afterwards (if none were N before).
- ``dinuc_shuffle`` (level 1; 0 is the identity): a uniformly random sequence with exactly the
  same dinucleotide counts, hence the same first and last base, length and base counts
  (Altschul and Erickson 1985, Mol Biol Evol 2:526: random last-edge arborescence by rejection,
  random order of the other edges, then the Euler walk). It keeps composition and destroys
  order, so it is the *no-signal control*: a model that keeps its AUROC on shuffled sequences
  is scoring composition. N counts as a fifth letter.

Randomness comes from the block's generator (``seeding``), drawn for all rows in one order.
No loop runs over sequences; the shuffle's Euler walk loops over positions (one vectorised step
per position for all rows of the block), since each step depends on the one before.
"""

from __future__ import annotations

import numpy as np

from fmbench.data.sequences import N_CODE, PAD, reverse_complement_codes
from fmbench.errors import ConfigError
from fmbench.perturbations.perturb import Probe

N_LETTERS = 5  # A C G T N: the letters of the shuffle's graph


class SequenceProbe(Probe):
    """A probe of DNA sequences; ``x`` and ``out`` are uint8 code blocks ``(rows, width)``."""

    ndim = 1
    kind = "sequences"


def _check_switch(name: str, levels: list[float]) -> None:
    bad = [v for v in levels if v not in (0.0, 1.0)]
    if bad:
        raise ConfigError(f"probe {name}: levels are 1 (applied) or 0 (the clean input), got {bad}")


class ReverseComplement(SequenceProbe):
    """The reverse complement of each sequence (level 1; level 0 is the sequence itself)."""

    name = "reverse_complement"
    x_label = "reverse complement (0 = given strand, 1 = other strand)"
    stochastic = False
    identity_level = 0.0

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        _check_switch(self.name, levels)

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        out[...] = reverse_complement_codes(x)


class Substitution(SequenceProbe):
    """Each A/C/G/T replaced with probability ``level`` by one of the 3 other bases, uniformly."""

    name = "substitution"
    x_label = "substitution rate"
    identity_level = 0.0

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        bad = [v for v in levels if not 0 <= v < 1]
        if bad:
            raise ConfigError(
                f"probe substitution: levels are per-base substitution rates in [0, 1), got {bad}"
            )

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        u = rng.random(x.shape)
        hit = (u < level) & (x < N_CODE)
        step = np.minimum((3 * u[hit] / level).astype(np.uint8), 2) + 1 if level > 0 else 0
        np.copyto(out, x)
        out[hit] = (x[hit] + step) % 4


class NMask(SequenceProbe):
    """One window of ``round(level * L)`` bases of each sequence set to N, at a uniform start."""

    name = "n_mask"
    x_label = "fraction masked to N (one window)"
    identity_level = 0.0

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        bad = [v for v in levels if not 0 <= v <= 1]
        if bad:
            raise ConfigError(f"probe n_mask: levels are fractions of each sequence in [0, 1], got {bad}")

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        lens = (x != PAD).sum(axis=1)
        w = np.rint(level * lens).astype(np.int64)
        start = np.floor(rng.random(len(x)) * (lens - w + 1)).astype(np.int64)
        pos = np.arange(x.shape[1])
        inside = (pos >= start[:, None]) & (pos < (start + w)[:, None])
        np.copyto(out, x)
        out[inside] = N_CODE


class DinucShuffle(SequenceProbe):
    """A uniformly random sequence with the same dinucleotide counts (level 1; 0: the identity)."""

    name = "dinuc_shuffle"
    x_label = "dinucleotide shuffle (0 = original, 1 = shuffled)"
    identity_level = 0.0

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        _check_switch(self.name, levels)

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        out[...] = dinuc_shuffle_codes(x, rng)


def dinuc_shuffle_codes(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each row shuffled with its dinucleotide counts kept exactly (Altschul-Erickson), vectorised
    over rows: the edges ``x[j] -> x[j+1]`` of every row are sorted into per-(row, letter) lists
    in random order with a random *last* edge per letter (the last edges must form a tree into the
    row's final letter, redrawn for the rows where they do not), and the walk from the first letter
    takes each letter's edges in list order."""
    n, width = x.shape
    out = np.full_like(x, PAD)
    lens = (x != PAD).sum(axis=1)
    if n == 0 or width == 0:
        return out
    out[:, 0] = x[:, 0]
    # edges: row r, from x[r, j] to x[r, j + 1], for j < len - 1
    valid = np.arange(width - 1)[None, :] < (lens - 1)[:, None]
    er, ej = np.nonzero(valid)
    src, dst = x[er, ej].astype(np.int64), x[er, ej + 1].astype(np.int64)
    group = er * N_LETTERS + src  # the (row, letter) list an edge belongs to
    order = np.argsort(group, kind="stable")
    counts = np.bincount(group, minlength=n * N_LETTERS)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    last_letter = np.where(lens > 0, x[np.arange(n), np.maximum(lens - 1, 0)], 0).astype(np.int64)
    # last edge of every (row, letter) with out-edges, except the row's final letter: rejection
    needs = counts.reshape(n, N_LETTERS) > 0
    needs[np.arange(n), last_letter] = False
    chosen = np.full((n, N_LETTERS), -1, dtype=np.int64)  # index into `order`
    todo = np.flatnonzero(needs.any(axis=1))
    while len(todo):
        rows_t = np.repeat(todo, N_LETTERS)
        lets_t = np.tile(np.arange(N_LETTERS), len(todo))
        need_t = needs[rows_t, lets_t]
        rows_t, lets_t = rows_t[need_t], lets_t[need_t]
        gid = rows_t * N_LETTERS + lets_t
        pick = starts[gid] + np.floor(rng.random(len(gid)) * counts[gid]).astype(np.int64)
        chosen[rows_t, lets_t] = pick
        target = np.tile(np.arange(N_LETTERS), (len(todo), 1))  # where a letter's last edge leads
        pos_of = np.searchsorted(todo, rows_t)
        target[pos_of, lets_t] = dst[order[pick]]
        final = last_letter[todo]
        at = np.tile(np.arange(N_LETTERS), (len(todo), 1))
        for _ in range(N_LETTERS):  # follow last edges: a tree reaches the final letter in < 5 steps
            at = np.where(at == final[:, None], at, np.take_along_axis(target, at, axis=1))
        ok = ((at == final[:, None]) | ~needs[todo]).all(axis=1)
        todo = todo[~ok]
    # order of each list: random keys, the chosen last edge sorted after all others
    key = rng.random(len(er))
    is_last = np.zeros(len(er), dtype=bool)
    picked = chosen[chosen >= 0]
    is_last[order[picked]] = True
    key[is_last] = 2.0
    final_order = np.lexsort((key, group))
    rank = np.arange(len(er)) - starts[group[final_order]]
    succ = np.full((n, N_LETTERS, max(width - 1, 1)), 0, dtype=np.uint8)
    succ[er[final_order], src[final_order], rank] = dst[final_order]
    visits = np.zeros((n, N_LETTERS), dtype=np.int64)
    rows = np.arange(n)
    cur = x[:, 0].astype(np.int64)
    for t in range(1, int(lens.max())):
        live = lens > t
        r, c = rows[live], cur[live]
        nxt = succ[r, c, visits[r, c]]
        visits[r, c] += 1
        out[r, t] = nxt
        cur[live] = nxt
    return out


SEQUENCE_PROBES: dict[str, Probe] = {
    p.name: p for p in [ReverseComplement(), Substitution(), NMask(), DinucShuffle()]
}
