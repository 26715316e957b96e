"""The DNA baselines: k-mer profiles against independent counts, kmer_logistic against
scikit-learn, and dna_cnn's determinism and ability to learn a planted motif."""

from __future__ import annotations

import sys
from collections import Counter
from itertools import product

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from fmbench.data.sequences import codes, reverse_complement, to_array
from fmbench.errors import ConfigError, DataError
from fmbench.models.baselines.dna_baselines import kmer_counts, kmer_profile, reverse_complement_index
from fmbench.models.factory import BASELINES

COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


def _rc(s: str) -> str:
    return s.translate(COMPLEMENT)[::-1]


def _random_sequences(rng, n: int, lo: int, hi: int, p_n: float = 0.04) -> list[str]:
    p = [(1 - p_n) / 4] * 4 + [p_n]
    return ["".join(rng.choice(list("ACGTN"), p=p, size=int(rng.integers(lo, hi + 1)))) for _ in range(n)]


def _kmers(k: int) -> list[str]:
    return ["".join(t) for t in product("ACGT", repeat=k)]  # base-4 order, first base most significant


def _counter_counts(seqs: list[str], k: int) -> np.ndarray:
    """Every window of both strands, N-containing windows dropped, in plain Python."""
    col = {w: j for j, w in enumerate(_kmers(k))}
    out = np.zeros((len(seqs), 4**k))
    for i, s in enumerate(seqs):
        c = Counter(t[j : j + k] for t in (s, _rc(s)) for j in range(len(t) - k + 1))
        for w, v in c.items():
            if "N" not in w:
                out[i, col[w]] = v
    return out


@pytest.fixture(scope="module")
def ragged():
    seqs = _random_sequences(np.random.default_rng(0), 60, 0, 45)
    seqs += ["", "N", "NNNNNNNN", "ACGT", "ACGTNACGT", "acgtu"]  # empty, N only, lower case and U
    return seqs, to_array(seqs)


@pytest.mark.parametrize("k", [1, 2, 3, 4, 6])
def test_kmer_counts_equal_a_python_counter_over_both_strands(ragged, k):
    seqs, X = ragged
    expected = _counter_counts([s.upper().replace("U", "T") for s in seqs], k)
    np.testing.assert_array_equal(kmer_counts(codes(X), k), expected)


@pytest.mark.parametrize("k", [3, 5])
def test_kmer_counts_equal_count_vectorizer_with_n_kmers_dropped(ragged, k):
    seqs, X = ragged
    seqs = [s.upper().replace("U", "T") for s in seqs]
    vec = CountVectorizer(analyzer="char", ngram_range=(k, k), lowercase=False)
    both = vec.fit_transform([s for s in seqs] + [_rc(s) for s in seqs]).toarray()
    both = both[: len(seqs)] + both[len(seqs) :]
    vocab = vec.vocabulary_
    expected = np.zeros((len(seqs), 4**k))
    for j, w in enumerate(_kmers(k)):
        if w in vocab:
            expected[:, j] = both[:, vocab[w]]
    assert sum(v for w, v in zip(vocab, both.sum(axis=0)[list(vocab.values())], strict=True)
               if "N" not in w) == expected.sum()
    np.testing.assert_array_equal(kmer_counts(codes(X), k), expected)


def test_profile_is_strand_symmetric_frequencies_per_k(ragged):
    _, X = ragged
    ks = [2, 3]
    P = kmer_profile(X, ks)
    assert P.shape == (len(X), 16 + 64) and P.dtype == np.float32
    np.testing.assert_array_equal(P, kmer_profile(reverse_complement(X), ks))
    sums = np.stack([P[:, :16].sum(axis=1), P[:, 16:].sum(axis=1)], axis=1)
    has = np.stack([_counter_counts(list(X), k).sum(axis=1) > 0 for k in ks], axis=1)
    np.testing.assert_allclose(sums[has], 1.0, rtol=1e-5)
    assert (sums[~has] == 0).all() and (~has).any()  # no valid window: zeros, not NaN
    for k, block in ((2, P[:, :16]), (3, P[:, 16:])):  # a k-mer and its reverse complement agree
        np.testing.assert_array_equal(block, block[:, reverse_complement_index(k)])


@pytest.fixture(scope="module")
def promoters():
    from fmbench.catalog.registry import load_catalog
    from fmbench.data.provision import load_dataset

    ds = load_dataset(load_catalog().dataset("DS-GB-HUMAN-NONTATA-PROMOTERS"))
    rows = np.random.default_rng(0).choice(len(ds.X), 400, replace=False)
    y = (ds.meta["label"].to_numpy()[rows] == "promoter").astype(int)
    return ds.X[rows], y


def test_kmer_logistic_equals_scikit_learn_fitted_independently(promoters):
    X, y = promoters
    train, test = np.arange(300), np.arange(300, 400)
    model = BASELINES.get("kmer_logistic")(ks=[3, 4], C=0.05)
    P = model.fit(X[train], y[train]).predict_proba(X[test])
    counts = [_counter_counts(list(X), k) for k in (3, 4)]
    F = np.concatenate([c / c.sum(axis=1, keepdims=True) for c in counts], axis=1)
    ref = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000)).fit(F[train], y[train])
    np.testing.assert_allclose(P, ref.predict_proba(F[test]), atol=1e-4)
    assert list(model.classes_) == [0, 1]
    np.testing.assert_allclose(model.embed(X[test]), F[test], rtol=1e-5)  # the profile a probe sees
    assert roc_auc_score(y[test], P[:, 1]) > 0.7  # promoters are far from random by composition alone


@pytest.mark.parametrize("name", ["kmer_logistic", "dna_cnn"])
@pytest.mark.parametrize("X", [np.zeros((5, 3)), ["ACGT", "ACGA"], np.array([["AC"], ["GT"]])])
def test_non_sequence_input_is_a_data_error_naming_the_model(name, X):
    model = BASELINES.get(name)(**({"threads": 1} if name == "dna_cnn" else {}))
    with pytest.raises(DataError, match=f"model '{name}' reads DNA sequences"):
        model.fit(X, np.array([0, 1]))


def test_predicting_before_fitting_is_a_data_error():
    for model in (BASELINES.get("kmer_logistic")(), BASELINES.get("dna_cnn")(threads=1)):
        with pytest.raises(DataError, match="must be fitted first"):
            model.predict_proba(to_array(["ACGT"]))


def test_dna_cnn_without_torch_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ImportError
    with pytest.raises(ConfigError, match=r"dna_cnn needs torch: pip install 'fmbench\[fm\]'"):
        BASELINES.get("dna_cnn")(threads=1).fit(to_array(["ACGT"] * 4), np.array([0, 1, 0, 1]))


MOTIF = "TGACTCATGCA"


def _planted(rng, n: int, length: int = 80):
    """Random sequences; the positives carry MOTIF (either strand) at a random position."""
    seqs = _random_sequences(rng, n, length, length, p_n=0.01)
    y = (np.arange(n) % 2).astype(int)
    for i in np.flatnonzero(y):
        m = MOTIF if rng.random() < 0.5 else _rc(MOTIF)
        at = int(rng.integers(0, length - len(m)))
        seqs[i] = seqs[i][:at] + m + seqs[i][at + len(m) :]
    return to_array(seqs), y


def test_dna_cnn_same_seed_gives_identical_probabilities_and_leaves_torch_state_alone():
    torch = pytest.importorskip("torch")
    X, y = _planted(np.random.default_rng(1), 120, length=40)
    threads, state = torch.get_num_threads(), torch.random.get_rng_state()

    def run(seed):
        return BASELINES.get("dna_cnn")(epochs=2, channels=8, seed=seed, threads=1).fit(X[:90], y[:90]) \
            .predict_proba(X[90:])

    a, b, c = run(0), run(0), run(1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    np.testing.assert_allclose(a.sum(axis=1), 1.0)
    assert torch.get_num_threads() == threads
    assert torch.equal(torch.random.get_rng_state(), state)


def test_dna_cnn_learns_a_planted_motif():
    pytest.importorskip("torch")
    X, y = _planted(np.random.default_rng(2), 800)
    model = BASELINES.get("dna_cnn")(channels=16, epochs=12, patience=3, seed=0, threads=1)
    P = model.fit(X[:600], y[:600]).predict_proba(X[600:])
    assert roc_auc_score(y[600:], P[:, 1]) > 0.9, model.history


def test_quickstart_skips_the_cnn_and_says_how_to_run_it(tmp_path, monkeypatch, capsys):  # noqa: ANN001
    """The CNN is marked in_quickstart: false: quickstart runs the DNA suites' other baselines, names
    the skipped one with the command that runs it; make_run_records (every_baseline) runs it too."""
    import fmbench.runner
    from fmbench.cli.quickstart import run_quickstart

    ran: list[tuple[str, str]] = []

    class Outcome:
        record = type("R", (), {"metrics": {}})()

    def fake_run_suite(sid, model_id, target, **_):  # noqa: ANN001, ANN003, ANN202
        ran.append((sid, model_id))
        return Outcome()

    monkeypatch.setattr(fmbench.runner, "run_suite", fake_run_suite)
    monkeypatch.setattr("fmbench.cli.quickstart._build_leaderboard", lambda *a, **k: [])
    run_quickstart(tmp_path, suites=["SUITE-DNA-PROMOTER"], evals=None)
    assert ran == [("SUITE-DNA-PROMOTER", "majority"), ("SUITE-DNA-PROMOTER", "kmer_logistic")]
    out = capsys.readouterr().out
    assert "skip SUITE-DNA-PROMOTER · dna_cnn" in out and "--model dna_cnn" in out
    ran.clear()
    run_quickstart(tmp_path, suites=["SUITE-DNA-PROMOTER"], evals=None, every_baseline=True)
    assert [m for _, m in ran] == ["majority", "kmer_logistic", "dna_cnn"]
