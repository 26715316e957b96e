"""DNA sequence baselines: a k-mer profile + logistic regression, and a small one-hot CNN.

Both read the in-memory form of sequences (``fmbench.data.sequences``: a ``<U{longest}`` array
of A/C/G/T/N) and are fitted on the suite's training split only. They are the floor a DNA
language model must clear on the DNA suites (SUITE-DNA-ENHANCER, SUITE-DNA-PROMOTER).

k-mer profiles are **strand-symmetric**: the count of a k-mer is its count on the given strand
plus its count on the reverse complement (so a k-mer and its reverse complement always have the
same value, and a palindromic k-mer counts twice per occurrence). Windows that contain N (or run
into the padding of a shorter sequence) are skipped; each k's counts are divided by their row
total (twice the number of valid windows), so every k's block sums to 1 (0 for a sequence with
no valid window).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from fmbench.data.sequences import N_CODE, codes, is_sequence_array
from fmbench.errors import ConfigError, DataError
from fmbench.models.factory import BASELINES

# Counts per np.bincount call: its int64 buffer (8 MiB) stays in cache; a k=6 chunk is 256 rows.
_CHUNK_VALUES = 2**20


def sequences_of(X, model_id: str) -> np.ndarray:  # noqa: ANN001
    """The inputs as fmbench's sequence array, or a DataError saying this model reads DNA."""
    if is_sequence_array(X):
        return X
    what = f"a {type(X).__name__}" + (f" of dtype {X.dtype} and {X.ndim} dimension(s)"
                                      if isinstance(X, np.ndarray) else "")
    raise DataError(
        f"model {model_id!r} reads DNA sequences, but its input is {what}; run it on a suite whose "
        "dataset holds sequences (e.g. SUITE-DNA-PROMOTER)"
    )


def reverse_complement_index(k: int) -> np.ndarray:
    """``rc[j]``: the base-4 index of the reverse complement of the k-mer with index ``j``
    (A=0, C=1, G=2, T=3, first base most significant)."""
    j = np.arange(4**k, dtype=np.int64)
    out = np.zeros_like(j)
    for _ in range(k):  # peel the last base off j, complement it, push it as the next first base
        out = out * 4 + (3 - j % 4)
        j //= 4
    return out


def kmer_counts(C: np.ndarray, k: int, *, out: np.ndarray | None = None) -> np.ndarray:
    """``(rows, 4**k)`` float32 strand-symmetric k-mer counts of a code array (``codes(X)``).

    Vectorised over rows and positions: a rolling base-4 sum over ``k`` shifted views of the
    code array gives every window's index; windows with N or padding are masked out; each valid
    window also counts its reverse complement's index (the same window read on the other strand);
    one ``np.bincount`` per chunk of rows counts ``row * 4**k + index``, the chunk small enough
    (2**20 counts) for its buffer to stay in cache. ``out``: a ``(rows, 4**k)`` float32 array
    (or view) to write into instead of a new one.
    """
    if k < 1:
        raise ConfigError(f"k-mer length must be at least 1, got {k}")
    C = np.asarray(C, dtype=np.uint8)
    n, width = C.shape
    V = 4**k
    if out is None:
        out = np.zeros((n, V), dtype=np.float32)
    m = width - k + 1
    if n == 0 or m <= 0:
        out[...] = 0
        return out
    rc = reverse_complement_index(k)
    step = max(1, _CHUNK_VALUES // V)
    for lo in range(0, n, step):
        block = C[lo : lo + step]
        rows = len(block)
        bad = block >= N_CODE  # N or padding
        # bad windows: any bad base among the k, from a cumulative count of bad bases per row
        cum = np.zeros((rows, width + 1), dtype=np.int32)
        np.cumsum(bad, axis=1, out=cum[:, 1:])
        ok = (cum[:, k:] - cum[:, :m]) == 0
        base = np.where(bad, 0, block).astype(np.int64)
        idx = np.zeros((rows, m), dtype=np.int64)
        for j in range(k):  # a loop over the k positions of a window, not over sequences or bases
            idx *= 4
            idx += base[:, j : j + m]
        fwd = idx[ok]
        offset = np.broadcast_to((np.arange(rows, dtype=np.int64) * V)[:, None], idx.shape)[ok]
        # the reverse strand's window at the same place is the reverse complement k-mer
        keys = np.concatenate([offset + fwd, offset + rc[fwd]])
        out[lo : lo + rows] = np.bincount(keys, minlength=rows * V).reshape(rows, V)
    return out


def kmer_profile(X: np.ndarray, ks: Sequence[int]) -> np.ndarray:
    """``(rows, sum 4**k)`` float32: for each k in ``ks``, strand-symmetric k-mer frequencies
    (each k's block divided by its row total; all zero where a sequence has no valid window)."""
    C = codes(X)
    ks = [int(k) for k in ks]
    out = np.empty((len(C), sum(4**k for k in ks)), dtype=np.float32)
    col = 0
    for k in ks:
        block = kmer_counts(C, k, out=out[:, col : col + 4**k])
        total = block.sum(axis=1, keepdims=True)
        np.divide(block, total, out=block, where=total > 0)
        col += 4**k
    return out


@BASELINES.register("kmer_logistic")
class KmerLogistic:
    """Strand-symmetric k-mer frequencies (k in ``ks``), StandardScaler, L2 logistic regression
    (scikit-learn, lbfgs), fitted on the suite's training split."""

    def __init__(self, ks: Sequence[int] = (4, 5, 6), C: float = 0.01, max_iter: int = 2000) -> None:
        ks = [int(k) for k in ks]
        if not ks or min(ks) < 1 or max(ks) > 8:
            raise ConfigError(f"kmer_logistic: ks must be k-mer lengths from 1 to 8, got {ks}")
        self.ks, self.C, self.max_iter = ks, C, max_iter
        self.pipeline = None

    def make_pipeline(self):  # noqa: ANN201
        """The unfitted scikit-learn pipeline on the profiles (also what the tests refit)."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=self.max_iter))

    def featurise(self, X) -> np.ndarray:  # noqa: ANN001
        return kmer_profile(sequences_of(X, "kmer_logistic"), self.ks)

    def fit(self, X, y: np.ndarray) -> KmerLogistic:  # noqa: ANN001
        self.pipeline = self.make_pipeline().fit(self.featurise(X), np.asarray(y, dtype=int))
        self.classes_ = self.pipeline.classes_
        return self

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        if self.pipeline is None:
            raise DataError("model 'kmer_logistic' must be fitted first: use a split with training rows")
        return self.pipeline.predict_proba(self.featurise(X))

    def embed(self, X) -> np.ndarray:  # noqa: ANN001
        """The k-mer profile itself (what a linear probe on this baseline would see)."""
        return self.featurise(X)


def one_hot(X: np.ndarray) -> np.ndarray:
    """``(rows, 4, longest)`` float32 one-hot of a sequence array; N and padding all zero."""
    C = codes(X)
    eye = np.zeros((256, 4), dtype=np.float32)
    eye[np.arange(4), np.arange(4)] = 1.0
    return np.ascontiguousarray(eye[C].transpose(0, 2, 1))


def _torch():  # noqa: ANN202
    try:
        import torch
    except ImportError:
        raise ConfigError("dna_cnn needs torch: pip install 'fmbench[fm]'") from None
    return torch


@contextmanager
def _torch_state(torch, seed: int, threads: int) -> Iterator[None]:  # noqa: ANN001
    """Seeded, deterministic, ``threads`` intra-op threads; the global RNG, thread count and
    determinism flag are as they were afterwards (library code never changes global state)."""
    old_threads, old_det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_det)


def _network(torch, channels: int, kernel_size: int, pools: Sequence[int], dropout: float,  # noqa: ANN001
             n_classes: int):  # noqa: ANN202
    nn = torch.nn
    blocks: list = []
    c_in = 4
    for pool in pools:
        blocks += [nn.Conv1d(c_in, channels, kernel_size, padding=kernel_size // 2), nn.BatchNorm1d(channels),
                   nn.ReLU(), nn.MaxPool1d(pool, ceil_mode=True)]
        c_in = channels
    return nn.Sequential(*blocks, nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Dropout(dropout),
                         nn.Linear(channels, n_classes))


def _both_strands(H):  # noqa: ANN001, ANN202
    """A one-hot batch's reverse complement: positions reversed, and channels A,C,G,T -> T,G,C,A.
    (A shorter row's padding moves to its start, which zero-padded convolutions and global max
    pooling treat like padding at the end.)"""
    return H.flip(dims=(1, 2))


@BASELINES.register("dna_cnn")
class DnaCnn:
    """A one-hot CNN in the style of the Genomic Benchmarks baseline, trained from scratch.

    Three blocks of Conv1d (zero padding ``kernel_size // 2``) + BatchNorm + ReLU + MaxPool (sizes
    ``pools``, 4, 4, 2: a receptive field of about 170 bp for k=9), global max pooling,
    dropout and a linear layer; cross-entropy, Adam. A seeded ``val_fraction`` of the training
    rows is held out: training stops after ``patience`` epochs without a lower validation loss
    (at most ``epochs``), and the weights of the best epoch are kept. Each training sequence is
    read on a random strand each epoch (reverse-complement augmentation); predictions average the
    probabilities of both strands. Everything is seeded by ``seed`` (initial weights, hold-out,
    shuffling, strand choice, dropout): the same seed and ``threads`` give the same probabilities.
    """

    def __init__(self, channels: int = 32, kernel_size: int = 9, pools: Sequence[int] = (4, 4, 2),
                 epochs: int = 10, batch_size: int = 64,
                 lr: float = 1e-3, dropout: float = 0.3, val_fraction: float = 0.1, patience: int = 2,
                 seed: int = 0, threads: int = 2) -> None:
        if not 0 <= val_fraction < 1:
            raise ConfigError(f"dna_cnn: val_fraction must be in [0, 1), got {val_fraction}")
        if min(channels, kernel_size, epochs, batch_size, threads) < 1:
            raise ConfigError("dna_cnn: channels, kernel_size, epochs, batch_size and threads must be >= 1")
        self.channels, self.kernel_size, self.pools = channels, kernel_size, [int(p) for p in pools]
        if len(self.pools) != 3 or min(self.pools) < 1:
            raise ConfigError(f"dna_cnn: pools must be three pooling sizes >= 1, got {list(pools)}")
        self.epochs, self.batch_size = epochs, batch_size
        self.lr, self.dropout, self.val_fraction, self.patience = lr, dropout, val_fraction, patience
        self.seed, self.threads = seed, threads
        self.net = None
        self.history: list[dict[str, float]] = []  # per epoch: training and validation loss

    def _inputs(self, X):  # noqa: ANN001, ANN202
        return _torch().from_numpy(one_hot(sequences_of(X, "dna_cnn")))

    def fit(self, X, y: np.ndarray) -> DnaCnn:  # noqa: ANN001
        torch = _torch()
        H, y = self._inputs(X), np.asarray(y, dtype=np.int64)
        n_classes = max(int(y.max()) + 1 if len(y) else 2, 2)
        order = np.random.default_rng(self.seed).permutation(len(y))
        n_val = int(round(self.val_fraction * len(y))) if len(y) >= 20 else 0
        val, train = order[:n_val], order[n_val:]
        Y = torch.from_numpy(y)
        with _torch_state(torch, self.seed, self.threads):
            net = _network(torch, self.channels, self.kernel_size, self.pools, self.dropout, n_classes)
            opt = torch.optim.Adam(net.parameters(), lr=self.lr)
            gen = torch.Generator().manual_seed(self.seed)
            best, best_loss, stale = None, float("inf"), 0
            self.history = []
            for _epoch in range(self.epochs):
                net.train()
                perm = torch.from_numpy(train)[torch.randperm(len(train), generator=gen)]
                flip = torch.rand(len(train), generator=gen) < 0.5
                total = 0.0
                for lo in range(0, len(perm), self.batch_size):
                    idx, f = perm[lo : lo + self.batch_size], flip[lo : lo + self.batch_size]
                    xb = H[idx]
                    xb[f] = _both_strands(xb[f])
                    loss = torch.nn.functional.cross_entropy(net(xb), Y[idx])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                    total += float(loss.detach()) * len(idx)
                entry = {"train_loss": total / max(len(train), 1)}
                if n_val:
                    P = self._proba(torch, net, H[torch.from_numpy(val)])
                    picked = np.clip(P[np.arange(n_val), y[val]], 1e-12, None)
                    entry["val_loss"] = float(-np.log(picked).mean())
                self.history.append(entry)
                if not n_val:
                    continue
                if entry["val_loss"] < best_loss:
                    best_loss, stale = entry["val_loss"], 0
                    best = {k: v.detach().clone() for k, v in net.state_dict().items()}
                else:
                    stale += 1
                    if stale >= self.patience:
                        break
            if best is not None:
                net.load_state_dict(best)
        self.net, self.classes_ = net, np.arange(n_classes)
        return self

    def _proba(self, torch, net, H, chunk: int = 512) -> np.ndarray:  # noqa: ANN001
        """Softmax probabilities averaged over both strands, in eval mode."""
        net.eval()
        out = []
        with torch.no_grad():
            for lo in range(0, len(H), chunk):
                xb = H[lo : lo + chunk]
                p = torch.softmax(net(xb), dim=1) + torch.softmax(net(_both_strands(xb)), dim=1)
                out.append((p / 2).double().numpy())
        return np.concatenate(out) if out else np.zeros((0, net[-1].out_features))

    def predict_proba(self, X) -> np.ndarray:  # noqa: ANN001
        if self.net is None:
            raise DataError("model 'dna_cnn' must be fitted first: use a split with training rows")
        torch = _torch()
        H = self._inputs(X)
        with _torch_state(torch, self.seed, self.threads):
            return self._proba(torch, self.net, H)
