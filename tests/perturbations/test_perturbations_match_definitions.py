"""Each perturbation against its definition, computed independently of the probe code."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from fmbench.errors import ConfigError
from fmbench.perturbations.perturb import ProbeEnv, get_probe
from fmbench.perturbations.seeding import block_rng, level_rng, standard_normal


def _data(shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.1, 10, size=(shape[0],) + (1,) * (len(shape) - 1))  # very different sample powers
    return (rng.standard_normal(shape) * scale + rng.normal(0, 1, size=scale.shape)).astype(np.float32)


def _apply(
    name: str,
    x: np.ndarray,
    level: float,
    *,
    env: ProbeEnv = ProbeEnv(),
    seed: int = 3,
    variant_index: int = 0,
) -> np.ndarray:
    probe = get_probe(name, x.ndim)
    probe.check([level], x.shape[1:], env)
    variant = probe.variants(level, level_rng((seed, 11)), x.shape[1:])[variant_index]
    out = np.empty_like(x)
    probe.apply(x, out, level=level, variant=variant, rng=block_rng((seed, 11), 0), env=env)
    return out


def _snr_db(x: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Measured SNR per sample: 10 log10(mean x^2 / mean noise^2), in float64."""
    xf = x.reshape(len(x), -1).astype(np.float64)
    nf = noise.reshape(len(noise), -1).astype(np.float64)
    return 10 * np.log10((xf**2).mean(axis=1) / (nf**2).mean(axis=1))


@pytest.mark.parametrize("shape", [(30, 8, 256), (30, 2048), (10, 12, 12, 12)])
@pytest.mark.parametrize("snr", [40, 20, 5, 0])
def test_noise_snr_per_sample_within_half_db(shape: tuple[int, ...], snr: float) -> None:
    x = _data(shape)
    out = _apply("noise", x, snr)
    measured = _snr_db(x, out.astype(np.float64) - x)
    assert np.abs(measured - snr).max() < 0.5


def test_noise_is_gaussian_and_white() -> None:
    z = np.empty((4, 50_000), dtype=np.float32)
    standard_normal(block_rng((1, 2), 0), z)
    assert stats.kstest(z.ravel().astype(np.float64), "norm").pvalue > 1e-3
    assert abs(z.mean()) < 0.01 and abs(z.std() - 1) < 0.01
    lag1 = np.corrcoef(z[0, :-1], z[0, 1:])[0, 1]
    assert abs(lag1) < 0.02


@pytest.mark.parametrize("p", [0.05, 0.2, 0.5])
def test_channel_dropout_fraction_and_whole_channels(p: float) -> None:
    x = _data((200, 50, 16)) + 20  # no zeros in the clean data
    out = _apply("dropout", x, p)
    dropped = (out == 0).all(axis=2)
    kept = ~dropped
    assert ((out == 0).any(axis=2) == dropped).all()  # a channel is dropped whole or not at all
    np.testing.assert_array_equal(out[kept], x[kept])
    n = dropped.size
    assert abs(dropped.mean() - p) < 4 * np.sqrt(p * (1 - p) / n)


@pytest.mark.parametrize(("shape", "p"), [((100, 400), 0.1), ((20, 10, 10, 10), 0.3)])
def test_feature_and_voxel_dropout_fraction(shape: tuple[int, ...], p: float) -> None:
    x = _data(shape) + 50
    out = _apply("dropout", x, p)
    dropped = out == 0
    np.testing.assert_array_equal(out[~dropped], x[~dropped])
    assert abs(dropped.mean() - p) < 4 * np.sqrt(p * (1 - p) / dropped.size)


def test_line_noise_spectrum_peaks_at_mains_frequencies_with_random_phases() -> None:
    fs, t = 500.0, 1000  # 2 s: 0.5 Hz bins, 50 and 60 Hz fall on bins
    x = _data((12, 6, t))
    env = ProbeEnv(sampling_freq=fs, line_freqs=(50.0, 60.0))
    out = _apply("line_noise", x, 10.0, env=env)
    noise = out.astype(np.float64) - x
    spectrum = np.abs(np.fft.rfft(noise, axis=-1)) ** 2
    freqs = np.fft.rfftfreq(t, 1 / fs)
    mean_spec = spectrum.mean(axis=(0, 1))
    top2 = sorted(freqs[np.argsort(mean_spec)[-2:]])
    assert top2 == [50.0, 60.0]
    assert mean_spec[(freqs != 50) & (freqs != 60)].max() < 1e-6 * mean_spec.max()
    assert np.abs(_snr_db(x, noise) - 10).max() < 0.5
    phase50 = np.angle(np.fft.rfft(noise, axis=-1)[..., freqs == 50][..., 0])
    assert np.unique(np.round(phase50, 3)).size > 0.9 * phase50.size  # a phase per sample and channel


@pytest.mark.parametrize(("fs", "bad"), [(100.0, 50), (110.0, 60), (120.0, 60)])
def test_line_noise_refused_at_or_above_nyquist(fs: float, bad: int) -> None:
    probe = get_probe("line_noise", 3)
    with pytest.raises(ConfigError, match=rf"mains frequency {bad} Hz is at or above the Nyquist"):
        probe.check([10.0], (4, 100), ProbeEnv(sampling_freq=fs))
    probe.check([10.0], (4, 100), ProbeEnv(sampling_freq=121.0))


def test_line_noise_needs_a_sampling_frequency() -> None:
    with pytest.raises(ConfigError, match="--sampling-freq"):
        get_probe("line_noise", 3).check([10.0], (4, 100), ProbeEnv())


def test_permutations_exact_seeded_distinct() -> None:
    x = _data((5, 9, 7))
    probe = get_probe("permutation", 3)
    perms = probe.variants(10, level_rng((3, 11)), x.shape[1:])
    again = probe.variants(10, level_rng((3, 11)), x.shape[1:])
    assert len(perms) == 10 and all(np.array_equal(a, b) for a, b in zip(perms, again, strict=True))
    assert all(sorted(p) == list(range(9)) and list(p) != list(range(9)) for p in perms)
    for i, perm in enumerate(perms):
        out = _apply("permutation", x, 10, variant_index=i)
        for j in range(9):
            np.testing.assert_array_equal(out[:, j], x[:, perm[j]])


@pytest.mark.parametrize("k", [0, 1, 10, 80, 499])
def test_shift_is_exact_circular_roll(k: int) -> None:
    x = _data((3, 4, 500))
    np.testing.assert_array_equal(_apply("shift", x, k), np.roll(x, k, axis=-1))


def test_masking_same_features_for_every_sample() -> None:
    x = _data((40, 200)) + 30
    out = _apply("masking", x, 0.3)
    zero = out == 0
    assert (zero == zero[0]).all() and zero[0].sum() == 60
    np.testing.assert_array_equal(out[~zero], x[~zero])


def test_expression_noise_is_mean_preserving_log_normal() -> None:
    x = np.full((50, 2000), 3.0, dtype=np.float32)
    log_ratio = np.log(_apply("expression_noise", x, 0.5).astype(np.float64) / 3.0)
    assert abs(log_ratio.mean() - (-0.125)) < 0.01 and abs(log_ratio.std() - 0.5) < 0.01


def test_intensity_and_contrast_formulas() -> None:
    x = _data((6, 5, 5, 5)).astype(np.float64)
    flat = x.reshape(6, -1)
    mean, sd = flat.mean(axis=1), flat.std(axis=1)
    out = _apply("intensity", x.astype(np.float32), 0.5).reshape(6, -1)
    np.testing.assert_allclose(out, flat + 0.5 * sd[:, None], rtol=1e-4, atol=1e-4)
    out = _apply("contrast", x.astype(np.float32), 0.25).reshape(6, -1)
    np.testing.assert_allclose(out, mean[:, None] + 0.25 * (flat - mean[:, None]), rtol=1e-4, atol=1e-4)


def test_unknown_probe_for_shape_names_the_alternatives() -> None:
    with pytest.raises(ConfigError, match="line_noise.*does not apply to features"):
        get_probe("line_noise", 2)
