"""Run a model over (memory-mapped) data under every probe level, one batch at a time.

The outer loop is over batches: a batch is read once (``pread`` straight from the .npy file
when the array is memory-mapped, so the file's pages never count towards this process's
memory), its clean outputs are computed, then each (probe, level, variant) perturbs the batch
into one reused buffer, the model runs on it, and only per-sample cosine similarities (and the
small probability rows) are kept. Peak memory is therefore two batches plus one model call,
whatever the data size. Blocks of a batch are perturbed in parallel threads (numpy releases
the GIL); the model itself is always called from the calling thread, one batch at a time.

DNA sequences (a ``<U{width}`` array) take the same path through ``SequenceReader``: a batch is
read as uint8 codes, the sequence probes perturb codes, and the model receives the clean and
the perturbed batches decoded to the ``<U{width}`` type it was fitted on.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fmbench.data.sequences import codes, from_codes, is_sequence_array
from fmbench.errors import FmbenchError
from fmbench.perturbations.perturb import Probe, ProbeEnv, sample_power
from fmbench.perturbations.seeding import block_rng, block_rows, level_entropy, level_rng

Outputs = dict[str, np.ndarray]


class ProbeError(FmbenchError, RuntimeError):
    """A probe level could not be evaluated (the model raised, or its outputs failed the checks)."""


class RowReader:
    """Reads rows ``rows[start:stop]`` of ``X`` (an array, a memory map or a scipy.sparse matrix)
    into a float32 buffer; the model receives the buffer itself."""

    dtype: Any = np.float32
    numeric = True  # sample power and the float probes apply

    def __init__(self, X: np.ndarray, rows: np.ndarray) -> None:
        self.X = X
        self.rows = np.asarray(rows, dtype=np.intp)
        self.sample_shape = tuple(X.shape[1:])
        self.sample_size = int(np.prod(self.sample_shape, dtype=np.int64))
        self._fh = None
        if (
            isinstance(X, np.memmap)
            and isinstance(X.base, mmap.mmap)
            and X.flags.c_contiguous
            and X.dtype == np.float32
            and X.filename
        ):
            self._fh = open(X.filename, "rb", buffering=0)  # noqa: SIM115 - closed in close()
            self._offset = int(X.offset)
            self._row_bytes = self.sample_size * 4

    def __len__(self) -> int:
        return len(self.rows)

    def read(self, start: int, stop: int, out: np.ndarray) -> np.ndarray:
        idx = self.rows[start:stop]
        dest = out[: len(idx)]
        if hasattr(self.X, "tocsr"):  # scipy.sparse (an .h5ad's X): only this batch is densified
            dest[...] = self.X[idx].toarray()
            return dest
        if self._fh is None:
            np.copyto(dest, self.X[idx], casting="same_kind" if self.X.dtype.kind == "f" else "unsafe")
            return dest
        raw = memoryview(dest.reshape(-1).view(np.uint8))
        cuts = np.flatnonzero(np.diff(idx) != 1) + 1
        for a, b in zip(np.r_[0, cuts], np.r_[cuts, len(idx)], strict=True):
            pos, lo, hi = (
                self._offset + int(idx[a]) * self._row_bytes,
                int(a) * self._row_bytes,
                int(b) * self._row_bytes,
            )
            while lo < hi:
                if hasattr(os, "preadv"):
                    got = os.preadv(self._fh.fileno(), [raw[lo:hi]], pos)
                else:  # pragma: no cover - platforms without preadv
                    self._fh.seek(pos)
                    got = self._fh.readinto(raw[lo:hi])
                if not got:
                    raise OSError(f"{self.X.filename}: unexpected end of file")
                lo, pos = lo + got, pos + got
        return dest

    def model_input(self, buf: np.ndarray) -> np.ndarray:
        """What the model is called with for a (perturbed) buffer: the buffer, read-only."""
        return _read_only(buf)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class SequenceReader:
    """Reads rows of a DNA sequence array (``<U{width}``) as uint8 codes ``(rows, width)``; the
    probes perturb codes and the model receives them decoded to the same ``<U{width}`` type."""

    dtype: Any = np.uint8
    numeric = False

    def __init__(self, X: np.ndarray, rows: np.ndarray) -> None:
        self.X = X
        self.rows = np.asarray(rows, dtype=np.intp)
        self.sample_shape = sample_shape(X)
        self.sample_size = self.sample_shape[0]

    def __len__(self) -> int:
        return len(self.rows)

    def read(self, start: int, stop: int, out: np.ndarray) -> np.ndarray:
        idx = self.rows[start:stop]
        dest = out[: len(idx)]
        dest[...] = codes(self.X[idx])
        return dest

    def model_input(self, buf: np.ndarray) -> np.ndarray:
        return _read_only(from_codes(buf).astype(self.X.dtype, copy=False))

    def close(self) -> None:
        pass


def sample_shape(X: Any) -> tuple[int, ...]:
    """One sample's shape as the probes see it: ``(width,)`` codes for sequences, else ``X.shape[1:]``."""
    return (X.dtype.itemsize // 4,) if is_sequence_array(X) else tuple(X.shape[1:])


def reader_for(X: Any, rows: np.ndarray) -> RowReader | SequenceReader:
    """The reader for ``X``: codes for DNA sequences, float32 rows for everything else."""
    return SequenceReader(X, rows) if is_sequence_array(X) else RowReader(X, rows)


@dataclass
class LevelPass:
    """One model pass: a probe at one level (and one variant, e.g. one permutation)."""

    probe: Probe
    level: float
    level_index: int
    variant_index: int
    variant: Any
    entropy: tuple[int, int]
    identity: bool

    @property
    def key(self) -> tuple[str, int, int]:
        return self.probe.name, self.level_index, self.variant_index


def plan_passes(
    probes: Sequence[tuple[Probe, list[float]]], *, seed: int, shape: tuple[int, ...]
) -> list[LevelPass]:
    """Every (probe, level, variant) with its own generator entropy."""
    passes = []
    for probe, levels in probes:
        for li, level in enumerate(levels):
            ent = level_entropy(seed, probe.name, level)
            ident = probe.is_identity(level)
            for vi, variant in enumerate(probe.variants(level, level_rng(ent), shape)):
                passes.append(LevelPass(probe, float(level), li, vi, variant, ent, ident))
    return passes


def effective_batch(batch_size: int, sample_size: int) -> int:
    """The batch size rounded up to whole blocks, so the numbers do not depend on it."""
    brows = block_rows(sample_size)
    return max(brows, -(-batch_size // brows) * brows)


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of matching rows; 1 when both rows are zero, 0 when one is."""
    a = a.reshape(len(a), -1).astype(np.float64, copy=False)
    b = b.reshape(len(b), -1).astype(np.float64, copy=False)
    num = np.einsum("ij,ij->i", a, b)
    na = np.sqrt(np.einsum("ij,ij->i", a, a))
    nb = np.sqrt(np.einsum("ij,ij->i", b, b))
    den = na * nb
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.where((na == 0) & (nb == 0), 1.0, 0.0))
    return np.clip(sim, -1.0, 1.0)


@dataclass
class StreamResult:
    n: int
    clean: np.ndarray  # clean probabilities (n, K)
    sims: dict[tuple[str, int, int], dict[str, np.ndarray]] = field(default_factory=dict)
    proba: dict[tuple[str, int, int], np.ndarray] = field(default_factory=dict)
    perturb_s: float = 0.0
    inference_s: float = 0.0


def _read_only(a: np.ndarray) -> np.ndarray:
    v = a.view()
    v.flags.writeable = False
    return v


def run_stream(
    reader: RowReader | SequenceReader,
    passes: list[LevelPass],
    infer: Callable[[np.ndarray], Outputs],
    *,
    env: ProbeEnv,
    batch_size: int,
    threads: int = 2,
    advance: Callable[[], None] | None = None,
) -> StreamResult:
    """Evaluate ``infer`` (returns {"proba": (m, K), optionally "embedding": (m, D)}) on clean and
    perturbed batches; any failure raises ProbeError naming the probe and level."""
    import time

    n, shape = len(reader), reader.sample_shape
    brows = block_rows(reader.sample_size)
    batch = effective_batch(batch_size, reader.sample_size)
    xbuf = np.empty((min(batch, n), *shape), dtype=reader.dtype)
    obuf = np.empty_like(xbuf)
    result = StreamResult(n=n, clean=np.empty((0, 0)))
    pool = ThreadPoolExecutor(max_workers=threads) if threads > 1 else None
    try:
        for start in range(0, n, batch):
            stop = min(start + batch, n)
            x = reader.read(start, stop, xbuf)
            t = time.perf_counter()
            clean = _infer(infer, reader.model_input(x), "the clean (unperturbed) inputs", start, stop)
            result.inference_s += time.perf_counter() - t
            if start == 0:
                result.clean = np.empty((n, clean["proba"].shape[1]))
            result.clean[start:stop] = clean["proba"]
            # shared by the noise and line-noise levels of this batch
            power = sample_power(x) if reader.numeric else None
            if advance:
                advance()
            for p in passes:
                where = f"probe {p.probe.name} at level {p.level:g}" + (
                    f" (permutation {p.variant_index + 1})" if p.probe.name == "permutation" else ""
                )
                if p.key not in result.sims:
                    result.sims[p.key] = {k: np.empty(n) for k in clean}
                    result.proba[p.key] = np.empty((n, clean["proba"].shape[1]))
                sims, proba = result.sims[p.key], result.proba[p.key]
                if p.identity:
                    for k in clean:
                        sims[k][start:stop] = 1.0
                    proba[start:stop] = clean["proba"]
                else:
                    t = time.perf_counter()
                    out = obuf[: stop - start]
                    try:
                        _perturb(p, x, out, start, brows, env, pool, power)
                    except FmbenchError as exc:
                        raise ProbeError(f"{where}: {exc}") from None
                    except Exception as exc:  # noqa: BLE001 - any failure fails the run, with where
                        raise ProbeError(
                            f"{where}: perturbation failed: {type(exc).__name__}: {exc}"
                        ) from None
                    t2 = time.perf_counter()
                    pert = _infer(infer, reader.model_input(out), where, start, stop)
                    result.perturb_s += t2 - t
                    result.inference_s += time.perf_counter() - t2
                    for k in clean:
                        if k not in pert or pert[k].shape != clean[k].shape:
                            raise ProbeError(
                                f"{where}: the model's {k} changed shape from "
                                f"{clean[k].shape} to {None if k not in pert else pert[k].shape}"
                            )
                        sims[k][start:stop] = cosine_rows(pert[k], clean[k])
                    proba[start:stop] = pert["proba"]
                if advance:
                    advance()
    finally:
        if pool is not None:
            pool.shutdown()
        reader.close()
    return result


def _infer(
    infer: Callable[[np.ndarray], Outputs], x: np.ndarray, where: str, start: int, stop: int
) -> Outputs:
    try:
        return infer(x)
    except FmbenchError as exc:
        raise ProbeError(f"{where}, samples {start}-{stop - 1}: {exc}") from None


def _perturb(
    p: LevelPass,
    x: np.ndarray,
    out: np.ndarray,
    start: int,
    brows: int,
    env: ProbeEnv,
    pool: ThreadPoolExecutor | None,
    power: np.ndarray | None = None,
) -> None:
    """Perturb the batch block by block (blocks start at multiples of ``brows``)."""

    def one(lo: int) -> None:
        hi = min(lo + brows, len(x))
        rng = block_rng(p.entropy, (start + lo) // brows) if p.probe.stochastic else None
        p.probe.apply(
            x[lo:hi],
            out[lo:hi],
            level=p.level,
            variant=p.variant,
            rng=rng,
            env=env,
            power=None if power is None else power[lo:hi],
        )

    starts = range(0, len(x), brows)
    if pool is None or len(starts) == 1:
        for lo in starts:
            one(lo)
    else:
        for f in [pool.submit(one, lo) for lo in starts]:
            f.result()
