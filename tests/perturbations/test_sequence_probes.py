"""The DNA sequence probes, checked from outside: plain-Python definitions, and a model that records
every input it receives during a robustness run."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from sequence_models import DimerLogistic, Recorder, write_sequence_catalog

import fmbench
from fmbench.data.sequences import PAD, codes, from_codes, to_array
from fmbench.errors import ConfigError
from fmbench.perturbations.perturb import ProbeEnv, get_probe, probe_names
from fmbench.perturbations.seeding import block_rng, level_entropy
from fmbench.perturbations.sequence_probes import dinuc_shuffle_codes

RC_TABLE = str.maketrans("ACGTN", "TGCAN")


def rc(s: str) -> str:
    return s.translate(RC_TABLE)[::-1]


def dinucs(s: str) -> Counter:
    return Counter(s[i : i + 2] for i in range(len(s) - 1))


def random_sequences(
    n: int, *, seed: int = 0, lo: int = 40, hi: int = 120, n_rate: float = 0.02
) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        s = rng.choice(list("ACGT"), size=int(rng.integers(lo, hi + 1)))
        s[rng.random(len(s)) < n_rate] = "N"
        out.append("".join(s))
    return out


def apply(name: str, level: float, X: np.ndarray, *, seed: int = 0) -> np.ndarray:
    probe = get_probe(name, "sequences")
    C = codes(X)
    out = np.empty_like(C)
    rng = block_rng(level_entropy(seed, name, level), 0) if probe.stochastic else None
    probe.apply(C, out, level=level, variant=None, rng=rng, env=ProbeEnv())
    return from_codes(out)


# --- the probes on their own --------------------------------------------------------------------


def test_reverse_complement_is_str_translate_reversed() -> None:
    seqs = random_sequences(300) + ["", "A", "NNAC"]
    out = apply("reverse_complement", 1.0, to_array(seqs))
    assert list(out) == [rc(s) for s in seqs]


def test_substitution_rate_changes_only_bases_and_always_to_another_base() -> None:
    seqs = random_sequences(400, lo=200, hi=260)
    X = to_array(seqs)
    for p in (0.001, 0.01, 0.05, 0.1):
        out = apply("substitution", p, X)
        changed = bases = 0
        targets = Counter()
        for a, b in zip(seqs, out, strict=True):
            assert len(a) == len(b)
            for x, y in zip(a, b, strict=True):
                if x == "N":
                    assert y == "N"
                    continue
                assert y in "ACGT"
                bases += 1
                if x != y:
                    changed += 1
                    targets[(x, y)] += 1
        sd = math.sqrt(p * (1 - p) / bases)
        assert abs(changed / bases - p) < 4 * sd, (p, changed / bases)
        if p == 0.1:  # each of the 3 other bases equally likely (12 pairs, chi-square, 11 df)
            expected = changed / 12
            chi2 = sum((v - expected) ** 2 / expected for v in targets.values())
            assert len(targets) == 12 and chi2 < 35
    assert list(apply("substitution", 0.0, X)) == seqs


def test_n_mask_masks_one_window_of_the_stated_fraction() -> None:
    seqs = random_sequences(300, n_rate=0.0)
    for f in (0.0, 0.05, 0.2, 0.5, 1.0):
        out = apply("n_mask", f, to_array(seqs))
        for a, b in zip(seqs, out, strict=True):
            assert len(a) == len(b)
            masked = [i for i, ch in enumerate(b) if ch == "N"]
            assert len(masked) == round(f * len(a))
            if masked:  # contiguous, and everything outside it untouched
                assert masked == list(range(masked[0], masked[0] + len(masked)))
            assert all(x == y for x, y in zip(a, b, strict=True) if y != "N")


def test_dinuc_shuffle_keeps_every_dinucleotide_count_and_the_ends() -> None:
    seqs = random_sequences(400, lo=1, hi=150) + ["", "A", "AC", "GGGG", "NNAN"]
    out = apply("dinuc_shuffle", 1.0, to_array(seqs))
    moved = 0
    for a, b in zip(seqs, out, strict=True):
        assert len(a) == len(b)
        assert dinucs(a) == dinucs(b) and Counter(a) == Counter(b)
        if a:
            assert a[0] == b[0] and a[-1] == b[-1]
        moved += a != b
    assert moved > 350  # it does shuffle


def test_dinuc_shuffle_is_uniform_over_the_sequences_with_the_same_dinucleotides() -> None:
    import itertools

    s = "ACGTACGGTCA"
    valid = {
        s[0] + "".join(p)
        for p in set(itertools.permutations(s[1:]))
        if dinucs(s[0] + "".join(p)) == dinucs(s)
    }
    got = Counter(from_codes(dinuc_shuffle_codes(codes(to_array([s] * 16000)), np.random.default_rng(3))))
    assert set(got) == valid and len(valid) == 8
    expected = 16000 / len(valid)
    chi2 = sum((got[v] - expected) ** 2 / expected for v in valid)
    assert chi2 < 24.3  # chi-square 7 df, p = 0.001


def test_padding_is_never_touched() -> None:
    X = to_array(random_sequences(50, lo=10, hi=90))
    C = codes(X)
    for name, level in [
        ("reverse_complement", 1),
        ("substitution", 0.5),
        ("n_mask", 1),
        ("dinuc_shuffle", 1),
    ]:
        out = codes(apply(name, level, X))
        assert ((out == PAD) == (C == PAD)).all(), name


def test_same_seed_same_draws_and_levels_differ() -> None:
    X = to_array(random_sequences(100))
    for name, level in [("substitution", 0.05), ("n_mask", 0.2), ("dinuc_shuffle", 1.0)]:
        a, b = apply(name, level, X, seed=4), apply(name, level, X, seed=4)
        assert (a == b).all(), name
        assert (a != apply(name, level, X, seed=5)).any(), name
    assert (apply("substitution", 0.05, X) != apply("substitution", 0.050001, X)).any()


def test_sequence_probes_are_listed_and_bad_levels_are_config_errors() -> None:
    assert {"reverse_complement", "substitution", "n_mask", "dinuc_shuffle"} <= set(probe_names())
    cases = [
        ("substitution", [0.0, 1.5], "substitution rates in [0, 1)"),
        ("substitution", [-0.1], "substitution rates"),
        ("n_mask", [0.2, 1.2], "fractions of each sequence in [0, 1]"),
        ("reverse_complement", [2.0], "levels are 1 (applied) or 0"),
        ("dinuc_shuffle", [0.5], "levels are 1 (applied) or 0"),
    ]
    for name, levels, text in cases:
        with pytest.raises(ConfigError, match=re.escape(text)):
            get_probe(name, "sequences").check(levels, (100,), ProbeEnv())
    with pytest.raises(ConfigError, match="'noise' does not apply to DNA sequences"):
        get_probe("noise", "sequences")
    with pytest.raises(ConfigError, match="'substitution' does not apply to features"):
        get_probe("substitution", 2)


# --- through a robustness run: the recording model ------------------------------------------------


def run_recorded(cat: Path, *, seed: int = 0) -> tuple[Recorder, object]:
    model = Recorder()
    result = fmbench.evaluate(model, "SUITE-SEQ-ROB", catalog=[cat], copy=False, seed=seed)
    return model, result.record


def predict_calls(model: Recorder) -> list[np.ndarray]:
    return [x for m, x in model.calls if m == "predict_proba"]


def test_recorded_inputs_are_the_reverse_complements(tmp_path: Path) -> None:
    cat = write_sequence_catalog(
        tmp_path, params={"probes": ["reverse_complement"], "batch_size": 1}
    )  # batch_size rounds up to whole blocks: one batch here
    model, record = run_recorded(cat)
    fit = [x for m, x in model.calls if m == "fit"]
    clean, perturbed = predict_calls(model)  # the identity level (0) is not a model call
    assert len(fit) == 1 and fit[0].dtype.kind == "U" and clean.dtype == fit[0].dtype == perturbed.dtype
    assert set("".join(clean)) <= set("ACGTN") and len(clean) == record.dataset.n
    assert [str(s) for s in perturbed] == [rc(str(s)) for s in clean]
    assert record.metrics["reverse_complement_consistency"].ci is not None


def test_recorded_inputs_differ_at_the_stated_substitution_rate(tmp_path: Path) -> None:
    levels = [0.0, 0.01, 0.05, 0.1]
    cat = write_sequence_catalog(
        tmp_path, n=200, params={"probes": ["substitution"], "probe_grids": {"substitution": levels}}
    )
    model, _ = run_recorded(cat)
    clean, *perturbed = predict_calls(model)
    assert len(perturbed) == 3  # level 0 is the clean input, not a call
    for p, batch in zip(levels[1:], perturbed, strict=True):
        changed = bases = 0
        for a, b in zip(clean, batch, strict=True):
            a, b = str(a), str(b)
            assert len(a) == len(b)
            assert all(y == "N" for x, y in zip(a, b, strict=True) if x == "N")
            bases += sum(ch != "N" for ch in a)
            changed += sum(x != y for x, y in zip(a, b, strict=True))
        assert abs(changed / bases - p) < 4 * math.sqrt(p * (1 - p) / bases), (p, changed / bases)


def test_recorded_runs_repeat_exactly_with_the_seed(tmp_path: Path) -> None:
    cat = write_sequence_catalog(tmp_path)
    a_model, a = run_recorded(cat)
    b_model, b = run_recorded(cat)
    c_model, _ = run_recorded(cat, seed=1)
    calls_a, calls_b = predict_calls(a_model), predict_calls(b_model)
    assert len(calls_a) == len(calls_b) == 1 + 1 + 5 + 5 + 1  # clean, RC, 5 rates, 5 fractions, shuffle
    assert all((x == y).all() for x, y in zip(calls_a, calls_b, strict=True))
    assert {k: v.model_dump() for k, v in a.metrics.items()} == {
        k: v.model_dump() for k, v in b.metrics.items()
    }
    # substitution levels draw differently from each other and from another seed
    subs = calls_a[2:7]
    assert all((subs[i] != subs[i + 1]).any() for i in range(4))
    assert any(
        len(x) != len(y) or (x != y).any() for x, y in zip(calls_a, predict_calls(c_model), strict=False)
    )


def test_a_two_mer_model_is_blind_to_the_dinucleotide_shuffle(tmp_path: Path) -> None:
    cat = write_sequence_catalog(tmp_path, n=200, params={"probes": ["dinuc_shuffle", "substitution"]})
    record = fmbench.evaluate(DimerLogistic(), "SUITE-SEQ-ROB", catalog=[cat]).record
    m = record.metrics
    assert m["dinuc_shuffle_similarity"].value == pytest.approx(1.0, abs=1e-9)
    assert m["dinuc_shuffle_AUROC"].value == pytest.approx(m["clean_AUROC"].value, abs=1e-9)
    assert m["dinuc_shuffle_skill_share"].value == pytest.approx(1.0, abs=1e-6)
    # only the graded probe enters the score
    assert m["robustness_score"].value == m["substitution_rAUC"].value


def test_perturbed_sequences_do_not_depend_on_the_batch_size(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from fmbench.perturbations import seeding

    monkeypatch.setattr(seeding, "MAX_BLOCK_ROWS", 16)  # blocks of 16 rows: 60 test rows, 4 blocks
    per_pass = []
    for batch in (16, 48, 1000):
        cat = write_sequence_catalog(
            tmp_path / str(batch),
            params={
                "probes": ["reverse_complement", "substitution", "n_mask", "dinuc_shuffle"],
                "batch_size": batch,
            },
        )
        model, record = run_recorded(cat)
        calls = predict_calls(model)
        assert len(calls) % 13 == 0  # per batch: clean + 12 perturbed levels
        n_batches = len(calls) // 13
        per_pass.append([np.concatenate(calls[j::13]) for j in range(13)])
        assert n_batches == -(-record.dataset.n // batch)
    for other in per_pass[1:]:
        assert all((a == b).all() for a, b in zip(per_pass[0], other, strict=True))
