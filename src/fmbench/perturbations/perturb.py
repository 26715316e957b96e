"""The probes: vectorised perturbations of a block of samples, one severity level at a time.

Every probe writes the perturbed copy of ``x`` (a float32 block of shape ``(rows, *sample)``)
into ``out``; no loop runs over samples or channels. Stochastic probes draw from the block's
generator (see ``seeding``) and always draw for all rows of the block in the same order.

Time series ``(N, C, T)``: ``dropout`` (each channel of each sample zeroed with probability
p), ``noise`` (white Gaussian noise at an SNR in dB, signal power = mean square of each sample),
``line_noise`` (50 and 60 Hz sinusoids, random phase per sample, channel and frequency, total
power set by the SNR per sample), ``permutation`` (k seeded channel orders, the same for all
samples), ``shift`` (circular shift by k samples).
Features ``(N, F)``: ``dropout`` (each value zeroed with probability p), ``noise``,
``permutation`` (of the feature order), ``masking`` (a seeded fraction of the features zeroed
for every sample, as when a panel lacks them), ``expression_noise`` (multiplicative log-normal
``x * exp(s z - s^2/2)``, mean-preserving).
Volumes ``(N, X, Y, Z)``: ``dropout`` (voxels), ``noise``, ``intensity`` (``x + d * sd``,
sd of each sample), ``contrast`` (``mean + c * (x - mean)`` per sample).
DNA sequences (a ``<U`` array, probed as uint8 codes): ``sequence_probes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from fmbench.errors import ConfigError
from fmbench.perturbations.seeding import standard_normal


@dataclass(frozen=True)
class ProbeEnv:
    """What some probes need beyond the data: the sampling rate and the mains frequencies."""

    sampling_freq: float | None = None
    line_freqs: tuple[float, ...] = (50.0, 60.0)


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape(a.shape[0], -1)


def sample_power(x: np.ndarray) -> np.ndarray:
    """Mean square of each sample, as float64 (float32 products, summed by einsum's unrolled loop)."""
    f = _flat(x)
    return np.einsum("ij,ij->i", f, f).astype(np.float64) / max(f.shape[1], 1)


class Probe:
    """One kind of perturbation; ``level`` is its severity (meaning given by ``x_label``)."""

    name: ClassVar[str]
    ndim: ClassVar[int]
    x_label: ClassVar[str]
    stochastic: ClassVar[bool] = True
    identity_level: ClassVar[float | None] = None

    def check(self, levels: list[float], shape: tuple[int, ...], env: ProbeEnv) -> None:
        """Raise ConfigError when a level or the data cannot be probed (``shape``: one sample's)."""

    def is_identity(self, level: float) -> bool:
        return self.identity_level is not None and float(level) == self.identity_level

    def variants(self, level: float, rng: np.random.Generator, shape: tuple[int, ...]) -> list[Any]:
        """Level-wide draws (``shape``: one sample's); one model pass per variant (permutations: k)."""
        return [None]

    def apply(
        self,
        x: np.ndarray,
        out: np.ndarray,
        *,
        level: float,
        variant: Any,
        rng: np.random.Generator | None,
        env: ProbeEnv,
        power: np.ndarray | None = None,
    ) -> None:
        """Write the perturbed ``x`` into ``out``; ``power``: ``sample_power(x)`` if already known."""
        raise NotImplementedError


def _check_fraction(name: str, levels: list[float]) -> None:
    bad = [v for v in levels if not 0 <= v <= 1]
    if bad:
        raise ConfigError(f"probe {name}: levels must be fractions in [0, 1], got {bad}")


class Dropout(Probe):
    """Zero units (channels, features or voxels) independently with probability ``level``."""

    name = "dropout"
    x_label = "dropout fraction"
    identity_level = 0.0
    unit_axes = 1  # how many leading sample axes define a unit (channels: 1; features/voxels: all)

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        _check_fraction(self.name, levels)

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        units = x.shape[1 : 1 + self.unit_axes] if self.unit_axes else x.shape[1:]
        keep = (rng.random((x.shape[0], *units), dtype=np.float32) >= level).astype(np.float32)
        keep = keep.reshape(keep.shape + (1,) * (x.ndim - keep.ndim))
        np.multiply(x, keep, out=out)


class Noise(Probe):
    """Additive white Gaussian noise with power = sample power / 10^(SNR/10)."""

    name = "noise"
    x_label = "SNR (dB)"

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        bad = [v for v in levels if not np.isfinite(v)]
        if bad:
            raise ConfigError(f"probe noise: SNR levels must be finite dB values, got {bad}")

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        pw = sample_power(x) if power is None else power
        sigma = np.sqrt(pw / 10.0 ** (level / 10.0)).astype(np.float32)
        standard_normal(rng, out)
        np.multiply(out, sigma.reshape((-1,) + (1,) * (x.ndim - 1)), out=out)
        np.add(out, x, out=out)


class LineNoise(Probe):
    """Mains hum: a sinusoid per mains frequency, random phase per (sample, channel, frequency)."""

    name = "line_noise"
    ndim = 3
    x_label = "SNR (dB)"

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        if env.sampling_freq is None:
            raise ConfigError(
                "probe line_noise needs the sampling frequency: set params.sampling_freq on the dataset card "
                "or pass --sampling-freq HZ (or leave line_noise out with --probes)"
            )
        nyquist = env.sampling_freq / 2
        too_high = [f for f in env.line_freqs if f >= nyquist]
        if too_high:
            raise ConfigError(
                f"probe line_noise: mains frequency {too_high[0]:g} Hz is at or above the Nyquist frequency "
                f"{nyquist:g} Hz of data sampled at {env.sampling_freq:g} Hz; it cannot be represented — "
                "use data sampled faster than twice the mains frequency or drop line_noise from --probes"
            )
        Noise().check(levels, shape, env)

    @staticmethod
    def basis(n_times: int, env: ProbeEnv) -> np.ndarray:
        """Rows sin(w t) for each frequency, then cos(w t): shape (2F, T), float32."""
        t = np.arange(n_times) / float(env.sampling_freq)  # type: ignore[arg-type]
        w = 2 * np.pi * np.asarray(env.line_freqs, dtype=np.float64)[:, None]
        return np.vstack([np.sin(w * t), np.cos(w * t)]).astype(np.float32)

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        n, c, t = x.shape
        nf = len(env.line_freqs)
        phase = rng.random((n, c, nf), dtype=np.float32) * np.float32(2 * np.pi)
        # equal amplitude a for every sinusoid: total power nf * a^2 / 2 = P_signal / 10^(SNR/10)
        pw = sample_power(x) if power is None else power
        amp = np.sqrt(2 * pw / (nf * 10.0 ** (level / 10.0))).astype(np.float32)
        # sin(wt + phi) = sin(wt) cos(phi) + cos(wt) sin(phi)
        coef = np.concatenate([np.cos(phase), np.sin(phase)], axis=2) * amp[:, None, None]
        # einsum, not matmul: BLAS with an inner dimension of 4 is slow and oversubscribes threads
        np.einsum("nk,kt->nt", coef.reshape(n * c, 2 * nf), self.basis(t, env), out=out.reshape(n * c, t))
        np.add(out, x, out=out)


class Permutation(Probe):
    """``level`` seeded permutations of axis 1 (channels or features), one model pass each."""

    name = "permutation"
    x_label = "permutation"
    stochastic = False

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        if shape[0] < 2:
            raise ConfigError(
                f"probe permutation needs at least 2 channels or features; samples have shape {shape}"
            )
        bad = [v for v in levels if v < 1 or v != int(v)]
        if bad:
            raise ConfigError(
                f"probe permutation: levels are numbers of permutations (integers >= 1), got {bad}"
            )

    def variants(self, level, rng, shape):  # noqa: ANN001, ANN201
        perms = []
        while len(perms) < int(level):
            p = rng.permutation(shape[0])
            if not np.array_equal(p, np.arange(shape[0])):
                perms.append(p)
        return perms

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        np.take(x, variant, axis=1, out=out)


class Shift(Probe):
    """Circular shift along time by ``level`` samples: out[..., t] = x[..., t - level]."""

    name = "shift"
    ndim = 3
    x_label = "shift (samples)"
    stochastic = False
    identity_level = 0.0

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        bad = [v for v in levels if v != int(v)]
        if bad:
            raise ConfigError(f"probe shift: levels are whole numbers of samples, got {bad}")

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        t = x.shape[-1]
        k = int(level) % t
        out[..., k:] = x[..., : t - k]
        out[..., :k] = x[..., t - k :]


class Masking(Probe):
    """A seeded subset of round(level * F) features zeroed for every sample."""

    name = "masking"
    ndim = 2
    x_label = "masked fraction"
    stochastic = False
    identity_level = 0.0

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        _check_fraction(self.name, levels)

    def variants(self, level, rng, shape):  # noqa: ANN001, ANN201
        keep = np.ones(shape[0], dtype=np.float32)
        keep[rng.permutation(shape[0])[: int(round(level * shape[0]))]] = 0
        return [keep]

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        np.multiply(x, variant, out=out)


class ExpressionNoise(Probe):
    """Multiplicative log-normal noise ``x * exp(s z - s^2 / 2)`` with s = level."""

    name = "expression_noise"
    ndim = 2
    x_label = "log-normal sigma"
    identity_level = 0.0

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        bad = [v for v in levels if not 0 <= v < 10]
        if bad:
            raise ConfigError(f"probe expression_noise: sigma levels must be in [0, 10), got {bad}")

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        standard_normal(rng, out)
        np.multiply(out, np.float32(level), out=out)
        np.subtract(out, np.float32(level * level / 2), out=out)
        np.exp(out, out=out)
        np.multiply(out, x, out=out)


def _mean_sd(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    f = _flat(x)
    mean = f.mean(axis=1, dtype=np.float64)
    return mean, np.sqrt(np.maximum(sample_power(x) - mean * mean, 0.0))


class Intensity(Probe):
    """Additive intensity shift by ``level`` standard deviations of each sample."""

    name = "intensity"
    ndim = 4
    x_label = "shift (sample sd)"
    stochastic = False
    identity_level = 0.0

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        _, sd = _mean_sd(x)
        np.add(x, (level * sd).astype(np.float32).reshape((-1,) + (1,) * (x.ndim - 1)), out=out)


class Contrast(Probe):
    """Contrast scaling about each sample's mean by the factor ``level`` (1 = unchanged)."""

    name = "contrast"
    ndim = 4
    x_label = "contrast factor"
    stochastic = False
    identity_level = 1.0

    def check(self, levels, shape, env):  # noqa: ANN001, ANN201
        bad = [v for v in levels if v < 0]
        if bad:
            raise ConfigError(f"probe contrast: factors must be >= 0, got {bad}")

    def apply(self, x, out, *, level, variant, rng, env, power=None):  # noqa: ANN001, ANN201
        mean, _ = _mean_sd(x)
        m = mean.astype(np.float32).reshape((-1,) + (1,) * (x.ndim - 1))
        np.subtract(x, m, out=out)
        np.multiply(out, np.float32(level), out=out)
        np.add(out, m, out=out)


def _variant(base: type[Probe], ndim: int, **attrs: Any) -> Probe:
    cls = type(f"{base.__name__}{ndim}D", (base,), {"ndim": ndim, **attrs})
    return cls()


PROBES: dict[int, dict[str, Probe]] = {
    3: {
        p.name: p
        for p in [
            _variant(Dropout, 3, x_label="channel dropout fraction"),
            _variant(Noise, 3),
            LineNoise(),
            _variant(Permutation, 3, x_label="channel permutation"),
            Shift(),
        ]
    },
    2: {
        p.name: p
        for p in [
            _variant(Dropout, 2, unit_axes=0, x_label="feature dropout fraction"),
            _variant(Noise, 2),
            _variant(Permutation, 2, x_label="feature permutation"),
            Masking(),
            ExpressionNoise(),
        ]
    },
    4: {
        p.name: p
        for p in [
            _variant(Dropout, 4, unit_axes=0, x_label="voxel dropout fraction"),
            _variant(Noise, 4),
            Intensity(),
            Contrast(),
        ]
    },
}
KIND: dict[int | str, str] = {
    2: "features (N, F)",
    3: "time series (N, C, T)",
    4: "volumes (N, X, Y, Z)",
    "sequences": "DNA sequences",
}


def data_kind(X: Any) -> int | str:
    """Which probe table applies: ``"sequences"`` for a sequence array, else the number of dimensions."""
    from fmbench.data.sequences import is_sequence_array

    return "sequences" if is_sequence_array(X) else int(X.ndim)


def probe_table(kind: int | str) -> dict[str, Probe]:
    """The probes for data of ``kind`` (see ``data_kind``); empty where none applies."""
    if kind == "sequences":  # imported here: the sequence probes build on this module's Probe
        from fmbench.perturbations.sequence_probes import SEQUENCE_PROBES

        return SEQUENCE_PROBES
    return PROBES.get(kind, {})  # type: ignore[arg-type]


def probe_names() -> list[str]:
    """Every probe name, whatever the data's shape."""
    return sorted({name for kind in KIND for name in probe_table(kind)})


def check_probe_name(name: str) -> str:
    """``name`` if some probe has it, else a ValueError with "did you mean" (for validators)."""
    import difflib

    names = probe_names()
    if name not in names:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown probe {name!r}.{hint} Probes: {', '.join(names)}")
    return name


def get_probe(name: str, kind: int | str) -> Probe:
    """The probe ``name`` for data of ``kind``: its number of dimensions (samples included), or
    ``"sequences"``."""
    table = probe_table(kind)
    if not table:
        raise ConfigError(
            "robustness probes need 2-D, 3-D or 4-D data (samples first) or DNA sequences; "
            f"got {kind}-D data"
        )
    if name not in table:
        raise ConfigError(f"probe {name!r} does not apply to {KIND[kind]}; available: {', '.join(table)}")
    return table[name]
