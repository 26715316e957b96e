"""Records in the hub's earlier format ("hub-v0"), migrated explicitly to the current record.

The hub published its first leaderboard from records written by its earlier tooling: a
``model_ids`` role → model map, ``dataset_id`` (or ``data_dir``), ``run_metadata`` (date, runner,
hardware, config), flat metrics (``AUROC: 0.92``) with breakdowns nested under
``metrics.stratified``, robustness ``probes`` curves, ``status: "Completed"`` and free-text
``notes``. A record is recognised by its ``model_ids`` field (the current record has ``model``),
never by guessing at values, and migrated by one versioned function that keeps everything:

- every metric and every breakdown, values unchanged (the earlier tooling's definitions; the
  source says so);
- notes (top-level and ``run_metadata.notes``), the whole ``run_metadata`` (hardware, runner,
  config) and the original ids, under ``provenance.migrated_from``;
- robustness probe curves as ``details.curves`` (the compact form boards draw), the original
  probe tables under ``details.earlier_probes``;
- model ids mapped to catalog model ids, dataset ids to the ids the hub lists them under.

Every migrated record is ``evidence: reported``: fmbench did not produce it, it carries no
bootstrap replicates, and its data is not the catalog's (the earlier toy data was generated
differently under the same id), so it keeps its own dataset identity and a board lists it
with the reported results, never ranked against fmbench's runs.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from typing import Any

FORMAT = "hub-v0"

# The earlier tooling's model ids → catalog model ids (its finite set of published models).
MODEL_IDS = {
    "MOD-UNI": "UNI",
    "MOD-GENEFORMER": "Geneformer",
    "brainlm": "BrainLM",
    "flamingo": "Flamingo",
    "dummy_classifier": "dummy_classifier",
}
MODEL_NAMES = {"dummy_classifier": "Dummy classifier"}

# dataset ids → (id the hub lists the data under, display name). Ids the catalog also uses for
# fmbench's own generated data get a distinct id: the earlier toy data is not fmbench's.
DATASETS = {
    "DS-ADNI": ("ADNI", "Alzheimer's Disease Neuroimaging Initiative (ADNI)"),
    "DS-PBMC": ("pbmc68k", "PBMC 68k"),
    "ukb_fmri_tensor": ("ukb_fmri_tensors", "UK Biobank fMRI tensors"),
    "hcp_1200": ("hcp_1200", "hcp_1200"),  # the names the hub's page showed
    "mimic_cxr_reports": ("mimic_cxr_reports", "mimic_cxr_reports"),
    "DS-TOY-FMRI-CLASS": (
        "hub-v0:DS-TOY-FMRI-CLASS",
        "Toy fMRI classification data of the hub's earlier tooling (not fmbench's DS-TOY-FMRI-CLASS)",
    ),
}
# metric names of the earlier tooling that fmbench calls otherwise (the rename is recorded)
METRIC_RENAMES = {"expression_rAUC": "expression_noise_rAUC"}
CURVE_QUANTITIES = (("logit", "stability (logits)"), ("embedding", "stability (embeddings)"))
DELTA_KEYS = ("delta_accuracy", "acc_delta")


def is_earlier_record(data: Any) -> bool:
    """The earlier format names its model in ``model_ids``; the current record in ``model``."""
    return isinstance(data, dict) and "model_ids" in data and "model" not in data


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _dataset(data: dict) -> tuple[dict[str, Any], dict[str, Any]]:
    """(dataset ref, what the earlier record said about its data)."""
    original = {k: data[k] for k in ("dataset_id", "data_dir") if k in data}
    raw = data.get("dataset_id")
    if isinstance(raw, str) and raw:
        ds_id, name = DATASETS.get(raw, (raw, raw))
    elif isinstance(data.get("data_dir"), str) and data["data_dir"]:
        ds_id = "hub-v0:" + data["data_dir"].strip("/").replace("/", ".")  # ids carry no '/'
        name = f"{data['data_dir']} (data folder of the hub's earlier tooling)"
    else:
        ds_id, name = "hub-v0:unknown", "unnamed data of the hub's earlier tooling"
    return {"id": ds_id, "name": name}, original


def _metrics(raw: dict, problems: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    metrics: dict[str, Any] = {}
    stratified: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "stratified":
            if not isinstance(value, dict):
                problems.append("metrics.stratified: expected a mapping of dimension -> group -> metrics")
                continue
            for dim, groups in value.items():
                if not isinstance(groups, dict):
                    problems.append(f"metrics.stratified.{dim}: expected a mapping of group -> metrics")
                    continue
                out_groups = {}
                for group, cells in groups.items():
                    if not isinstance(cells, dict) or not isinstance(cells.get("N"), int):
                        problems.append(f"metrics.stratified.{dim}.{group}: needs N and metric values")
                        continue
                    out_groups[str(group)] = {"N": cells["N"], **{
                        str(k): v for k, v in cells.items() if k != "N"}}
                stratified[str(dim)] = out_groups
            continue
        if _number(value) is None and value is not None:
            problems.append(f"metrics.{name}: expected a number, got {type(value).__name__}")
            continue
        metrics[METRIC_RENAMES.get(str(name), str(name))] = value
    return metrics, stratified


def _curves(probes: dict) -> dict[str, dict[str, list]]:
    """Probe tables → the compact ``details.curves`` form: levels and one list per quantity."""
    out: dict[str, dict[str, list]] = {}
    for probe, table in sorted(probes.items()):
        if not isinstance(table, dict):
            continue
        levels = table.get("grid", table.get("shifts"))
        if not isinstance(levels, list) or not levels:
            continue
        curve: dict[str, list] = {"levels": levels}
        for key, label in CURVE_QUANTITIES:
            part = table.get(key)
            series = part.get("mean", part.get("sim_mean")) if isinstance(part, dict) else None
            if isinstance(series, list) and len(series) == len(levels):
                curve[label] = series
        for key in DELTA_KEYS:
            if isinstance(table.get(key), list) and len(table[key]) == len(levels):
                curve["accuracy change"] = table[key]
        if len(curve) > 1:
            out[str(probe)] = curve
    return out


def _created_at(meta: dict, problems: list[str]) -> datetime | None:
    raw = meta.get("date")
    if isinstance(raw, datetime):
        return raw if raw.tzinfo else raw.replace(tzinfo=UTC)
    if isinstance(raw, date):  # an unquoted YAML date
        return datetime(raw.year, raw.month, raw.day, tzinfo=UTC)
    try:
        day = datetime.fromisoformat(str(raw)) if raw is not None else None
    except ValueError:
        day = None
    if day is None:
        problems.append("run_metadata.date: missing or not a date (YYYY-MM-DD); the earlier format dates "
                        "its records there")
        return None
    return day if day.tzinfo else day.replace(tzinfo=UTC)


def migrate_earlier_record(data: dict) -> dict | list[str]:
    """The current record's plain data (without digest) for an earlier-format record, or its problems."""
    problems: list[str] = []
    meta = data.get("run_metadata") or {}
    if not isinstance(meta, dict):
        problems.append("run_metadata: expected a mapping")
        meta = {}
    model_ids = data.get("model_ids")
    if not isinstance(model_ids, dict) or not model_ids:
        problems.append("model_ids: expected a mapping of role -> model id, e.g. {candidate: my_model}")
        model_ids = {}
    role = "candidate" if "candidate" in model_ids else next(iter(model_ids), None)
    original_model = str(model_ids.get(role, "")) if role else ""
    raw_metrics = data.get("metrics")
    if not isinstance(raw_metrics, dict) or not raw_metrics:
        problems.append("metrics: expected a mapping of metric -> number")
        raw_metrics = {}
    metrics, stratified = _metrics(raw_metrics, problems)
    created = _created_at(meta, problems)
    status = str(data.get("status", "Completed")).lower()
    if status not in {"completed", "failed"}:
        problems.append(f"status: {data.get('status')!r} is neither Completed nor Failed")
    if problems:
        return problems
    model_id = MODEL_IDS.get(original_model, original_model)
    dataset, original_data = _dataset(data)
    notes = [n for n in (data.get("notes"), meta.get("notes")) if isinstance(n, str) and n.strip()]
    migrated_from = {"format": FORMAT, "eval_id": data.get("eval_id"), "model_ids": model_ids,
                     **original_data, "run_metadata": meta}
    if meta.get("suite_id"):
        migrated_from["suite_id"] = meta["suite_id"]
    renamed = {old: new for old, new in METRIC_RENAMES.items() if old in raw_metrics}
    if renamed:
        migrated_from["metric_renames"] = renamed
    details: dict[str, Any] = {}
    probes = data.get("probes")
    if isinstance(probes, dict) and probes:
        details = {"curves": _curves(probes), "earlier_probes": probes}
    runner = meta.get("runner")
    source = ("Published by the hub's earlier tooling (record format hub-v0"
              + (f", runner {runner}" if runner else "")
              + (f", {meta['hardware']}" if meta.get("hardware") else "")
              + "); migrated by fmbench, not re-run. Metric values as published, with that tooling's "
              "definitions.")
    out = {
        "schema_version": 1,
        "eval_id": data.get("eval_id"),
        "benchmark_id": data.get("benchmark_id"),
        "suite_id": None,
        "model": {"id": model_id, "name": MODEL_NAMES.get(model_id, model_id)},
        "dataset": dataset,
        "status": status,
        "evidence": "reported",
        "created_at": created,
        "metrics": metrics,
        "stratified": stratified,
        "details": details,
        "provenance": {"migrated_from": migrated_from},
        "source": source,
        "notes": " ".join(notes) if notes else None,
    }
    if status == "failed":
        out["error"] = str(data.get("error") or "failed in the earlier tooling (no reason recorded)")
    return out
