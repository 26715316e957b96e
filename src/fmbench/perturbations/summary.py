"""Per-level statistics, aggregate metrics and the report's curves and tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from fmbench.metrics.registry import MetricInfo, register_metric
from fmbench.perturbations.curves import rauc_replicates, retention
from fmbench.perturbations.perturb import Probe
from fmbench.perturbations.stream import StreamResult

Perf = Callable[[np.ndarray], dict[str, float]]  # probabilities -> {"AUROC": ..., "Accuracy": ...}


@dataclass
class ProbeCurve:
    """One probe's results: one entry per grid level (permutation: per permutation as well)."""

    probe: Probe
    levels: list[float]
    sim_mean: dict[str, list[float]] = field(default_factory=dict)  # output kind -> per level
    sim_std: dict[str, list[float]] = field(default_factory=dict)
    perf: dict[str, list[float]] = field(default_factory=dict)  # metric -> per level
    per_variant: dict[str, list[float]] = field(default_factory=dict)  # permutation: sim and AUROC per perm


def summarise(stream: StreamResult, probes: list[tuple[Probe, list[float]]], perf: Perf) -> list[ProbeCurve]:
    curves = []
    for probe, levels in probes:
        c = ProbeCurve(probe, [float(v) for v in levels])
        for li in range(len(levels)):
            keys = sorted(k for k in stream.sims if k[0] == probe.name and k[1] == li)
            for kind in stream.sims[keys[0]]:
                allv = np.concatenate([stream.sims[k][kind] for k in keys])
                c.sim_mean.setdefault(kind, []).append(float(allv.mean()))
                c.sim_std.setdefault(kind, []).append(float(allv.std()))
            scores = [perf(stream.proba[k]) for k in keys]
            for m in scores[0]:
                c.perf.setdefault(m, []).append(float(np.mean([s[m] for s in scores])))
            if len(keys) > 1 or probe.name == "permutation":
                c.per_variant["similarity"] = [float(stream.sims[k]["proba"].mean()) for k in keys]
                for m in scores[0]:
                    c.per_variant[m] = [s[m] for s in scores]
        curves.append(c)
    return curves


def aggregate(curves: list[ProbeCurve], clean: dict[str, float]) -> tuple[dict[str, float], dict[str, str]]:
    """Benchmark metrics (values may be NaN) and the reason for each NaN."""
    values = aggregate_replicates(curves, clean)
    out = {k: float(v) for k, v in values.items()}
    reasons: dict[str, str] = {}
    for k, v in out.items():
        if np.isfinite(v):
            continue
        if k.endswith("retention_rAUC") or k in ("perm_retention", "reverse_complement_retention"):
            reasons[k] = "clean AUROC is undefined or 0, so retention is undefined"
        elif k == "dinuc_shuffle_skill_share":
            reasons[k] = "clean AUROC is undefined or not above 0.5: there is no skill to share"
        elif k in ("dinuc_shuffle_AUROC", "reverse_complement_consistency", "dinuc_shuffle_similarity"):
            reasons[k] = "AUROC is undefined on this sample (one class only)"
        elif k == "shift_sensitivity":
            reasons[k] = "the shift grid has no non-zero shift"
        elif k == "robustness_score" and not any(
            c.probe.name not in ("permutation", *SWITCH_PROBES) for c in curves
        ):
            reasons[k] = "no probe with a severity grid ran (only permutation, reverse_complement or dinuc_shuffle)"
    return out, reasons


def aggregate_replicates(
    curves: list[ProbeCurve], clean: dict[str, float | np.ndarray]
) -> dict[str, np.ndarray]:
    """The benchmark metrics from curves whose per-level values are floats (the estimate) or arrays
    over bootstrap replicates (one column each): the same code gives both, so a replicate is the
    metric on a resample of the evaluated samples."""
    out: dict[str, np.ndarray] = {}
    clean_auc = np.asarray(clean.get("AUROC", float("nan")), dtype=float)
    stability = []
    for c in curves:
        name = c.probe.name
        sim = np.asarray(c.sim_mean["proba"], dtype=float)  # levels (× replicates)
        ret = retention(c.perf["AUROC"], clean_auc)
        if name == "permutation":
            out["perm_equivariance"] = sim.mean(axis=0)
            out["perm_retention"] = ret.mean(axis=0)
            continue
        if name in SWITCH_PROBES:  # on/off probes of sequences: the applied levels, averaged
            applied = np.array([v != 0 for v in c.levels])
            out.update(_switch_metrics(name, sim, ret, np.asarray(c.perf["AUROC"], dtype=float), clean_auc, applied))
            continue
        out[f"{name}_rAUC"] = rauc_replicates(c.levels, sim.reshape(len(c.levels), -1)).reshape(sim.shape[1:])
        stability.append(out[f"{name}_rAUC"])
        out[f"{name}_retention_rAUC"] = rauc_replicates(c.levels, ret.reshape(len(c.levels), -1)).reshape(
            ret.shape[1:]
        )
        if name == "shift":
            moved = np.array([v != 0 for v in c.levels])
            out["shift_sensitivity"] = (
                1 - sim[moved].mean(axis=0) if moved.any() else np.full(sim.shape[1:], np.nan)
            )
    out["robustness_score"] = np.mean(stability, axis=0) if stability else np.full(clean_auc.shape, np.nan)
    return out


SWITCH_PROBES = ("reverse_complement", "dinuc_shuffle")


def _switch_metrics(
    name: str, sim: np.ndarray, ret: np.ndarray, auc: np.ndarray, clean_auc: np.ndarray, applied: np.ndarray
) -> dict[str, np.ndarray]:
    """Metrics of a probe whose levels are 0 (clean) and 1 (applied), over the applied levels.

    ``reverse_complement``: consistency (mean cosine similarity of class probabilities for a
    sequence and its reverse complement) and retention (AUROC on reverse complements / clean).
    ``dinuc_shuffle`` is a control, not a robustness: its AUROC, the share of the above-chance
    clean skill it keeps, ``(AUROC_shuffled - 0.5) / (AUROC_clean - 0.5)`` (undefined unless
    clean AUROC > 0.5), and the output similarity. High values say that dinucleotide
    composition alone carries the model's score (a model of 2-mer counts keeps all of it)."""
    nan = np.full(sim.shape[1:], np.nan)
    if not applied.any():
        return {}
    s, r, a = sim[applied].mean(axis=0), ret[applied].mean(axis=0), auc[applied].mean(axis=0)
    if name == "reverse_complement":
        return {"reverse_complement_consistency": s, "reverse_complement_retention": r}
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(clean_auc > 0.5, (a - 0.5) / np.where(clean_auc > 0.5, clean_auc - 0.5, 1.0), nan)
    return {"dinuc_shuffle_AUROC": a, "dinuc_shuffle_skill_share": share, "dinuc_shuffle_similarity": s}


def replicate_curves(
    stream: StreamResult,
    probes: list[tuple[Probe, list[float]]],
    W: np.ndarray,
    auroc_batch: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> list[ProbeCurve]:
    """The curves of ``summarise`` for each bootstrap replicate of the evaluated samples (rows of
    ``W``, draw counts): a level's stability is the weighted mean of per-sample similarities and
    its AUROC the weighted AUROC, so every curve point is an array over replicates."""
    total = W.sum(axis=1).astype(np.float64)
    curves = []
    for probe, levels in probes:
        c = ProbeCurve(probe, [float(v) for v in levels])
        for li in range(len(levels)):
            keys = sorted(k for k in stream.sims if k[0] == probe.name and k[1] == li)
            c.sim_mean.setdefault("proba", []).append(
                np.mean([(W @ stream.sims[k]["proba"]) / total for k in keys], axis=0)
            )
            c.perf.setdefault("AUROC", []).append(
                np.mean([auroc_batch(stream.proba[k], W) for k in keys], axis=0)
            )
        curves.append(c)
    return curves


def _r(v: float) -> float | None:
    return round(float(v), 6) if np.isfinite(v) else None


def _band(mean: list[float], std: list[float]) -> tuple[list[float], list[float]]:
    m, s = np.asarray(mean), np.asarray(std)
    return [_r(v) for v in np.clip(m - s, -1, 1)], [_r(v) for v in np.clip(m + s, -1, 1)]


def report_details(curves: list[ProbeCurve], clean: dict[str, float]) -> dict:
    """``curves`` (plots in report.html) and ``tables`` (report.md and .html), plain JSON data."""
    figs, tables, raw = [], [], {}
    labels = {"proba": "probabilities", "embedding": "embeddings"}
    for c in curves:
        name = c.probe.name
        permuted = name == "permutation"
        x = list(range(1, len(c.per_variant["similarity"]) + 1)) if permuted else c.levels
        if permuted:
            stab = [{"label": "probabilities", "x": x, "y": [_r(v) for v in c.per_variant["similarity"]]}]
            perf = [{"label": m, "x": x, "y": [_r(v) for v in c.per_variant[m]]} for m in c.perf]
        else:
            stab = []
            for kind, mean in c.sim_mean.items():
                lo, hi = _band(mean, c.sim_std[kind])
                stab.append(
                    {"label": labels.get(kind, kind), "x": x, "y": [_r(v) for v in mean], "lo": lo, "hi": hi}
                )
            perf = [{"label": m, "x": x, "y": [_r(v) for v in vals]} for m, vals in c.perf.items()]
        perf += [
            {"label": f"clean {m}", "x": [x[0], x[-1]], "y": [_r(v), _r(v)]}
            for m, v in clean.items()
            if np.isfinite(v)
        ]
        xl = "permutation number" if permuted else c.probe.x_label
        figs.append(
            {
                "title": f"{name}: output stability",
                "x_label": xl,
                "y_label": "cosine similarity to clean outputs",
                "series": stab,
            }
        )
        figs.append({"title": f"{name}: task performance", "x_label": xl, "y_label": "score", "series": perf})
        kinds = list(c.sim_mean)
        cols = (
            [c.probe.x_label[:1].upper() + c.probe.x_label[1:]]
            + [f"{h} ({labels.get(k, k)})" for k in kinds for h in ("Similarity mean", "Similarity sd")]
            + list(c.perf)
        )
        rows = []
        for i, level in enumerate(c.levels):
            row: list = [f"{level:g}" + (" permutations" if permuted else "")]
            for k in kinds:
                row += [_fmt(c.sim_mean[k][i]), _fmt(c.sim_std[k][i])]
            rows.append(row + [_fmt(c.perf[m][i]) for m in c.perf])
        tables.append({"title": f"Probe {name}", "columns": cols, "rows": rows})
        raw[name] = {
            "x_label": c.probe.x_label,
            "levels": c.levels,
            "similarity_mean": {k: [_r(v) for v in vals] for k, vals in c.sim_mean.items()},
            "similarity_std": {k: [_r(v) for v in vals] for k, vals in c.sim_std.items()},
            "performance": {m: [_r(v) for v in vals] for m, vals in c.perf.items()},
        }
        if permuted:
            raw[name]["per_permutation"] = {k: [_r(v) for v in vals] for k, vals in c.per_variant.items()}
    return {"curves": figs, "tables": tables, "probes": raw}


def _fmt(v: float) -> str:
    return "–" if not np.isfinite(v) else f"{v:.4f}"


def _register_robustness_metrics() -> None:
    """The names ``summarize`` can produce: per probe with a severity grid ``<probe>_rAUC`` and
    ``<probe>_retention_rAUC``; for permutation ``perm_equivariance``/``perm_retention``; for the
    sequence switches ``reverse_complement_*`` and ``dinuc_shuffle_*`` (see ``_switch_metrics``)."""
    from fmbench.perturbations.perturb import probe_names

    def add(name: str, direction: str, lo: float | None, hi: float | None) -> None:
        register_metric(MetricInfo(name, "perturbed outputs", direction, lo, hi))  # type: ignore[arg-type]

    add("robustness_score", "higher", -1.0, 1.0)
    add("perm_equivariance", "higher", -1.0, 1.0)
    add("perm_retention", "higher", 0.0, None)
    add("shift_sensitivity", "lower", 0.0, 2.0)
    add("clean_AUROC", "higher", 0.0, 1.0)
    add("clean_Accuracy", "higher", 0.0, 1.0)
    add("reverse_complement_consistency", "higher", -1.0, 1.0)
    add("reverse_complement_retention", "higher", 0.0, None)
    # the no-signal control: lower = less of the score explained by dinucleotide composition
    add("dinuc_shuffle_AUROC", "lower", 0.0, 1.0)
    add("dinuc_shuffle_skill_share", "lower", None, None)
    add("dinuc_shuffle_similarity", "lower", -1.0, 1.0)
    for name in probe_names():
        if name not in ("permutation", *SWITCH_PROBES):
            add(f"{name}_rAUC", "higher", -1.0, 1.0)
            add(f"{name}_retention_rAUC", "higher", 0.0, None)


_register_robustness_metrics()
