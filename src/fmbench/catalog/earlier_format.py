"""Catalog and model-config files of the hub's earlier tooling ("hub-v0"): recognise, explain, convert.

Users of the hub have benchmark, dataset and model-config YAMLs written for its earlier tooling.
Validated as current specs they fail field by field ("kind: must be one of …") without saying
what they are. Here each earlier kind is recognised by the fields only it has (``benchmark_id``
without ``id`` for a benchmark, ``dataset_id`` without ``id`` for a dataset card, ``type:
adapter`` + ``adapter_name`` or the earlier package's import paths for a model config), and
mapped field by field. A conversion (``validate --convert``) is written only when it is
complete — in practice for model configs; fields the earlier files never had (a benchmark's
health topic, a dataset's licence, a metric's definition) are listed for the user to add,
never filled in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# import paths of the earlier package's own models -> the built-in baseline that replaces them
EARLIER_CLASSES = {"fmbench.dummy_model:DummyClassifier": ("dummy_classifier", {"random_seed": "seed"})}
BENCHMARK_REQUIRED = ("name", "health_domain", "health_topic", "description", "clinical_relevance", "ai_task",
                      "input_modality", "output_type")
BENCHMARK_DROPPED = ("version", "data_spec", "reference_datasets", "references")
DATASET_DROPPED = ("path", "n_subjects", "modalities", "notes")


@dataclass
class EarlierFile:
    """What an earlier-format file is, how its fields map, and the converted spec if complete."""

    kind: str
    renames: list[tuple[str, str]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    converted: dict[str, Any] | None = None

    def explain(self, source: str) -> str:
        parts = [f"{source}: a {self.kind} file in the hub's earlier format (hub-v0)"]
        if self.renames:
            parts.append("rename " + ", ".join(f"{a} -> {b}" for a, b in self.renames))
        if self.dropped:
            parts.append("no counterpart for " + ", ".join(self.dropped))
        if self.missing:
            parts.append("add " + ", ".join(self.missing) + " (see docs/dev/extending.md)")
        else:
            parts.append("or run `fmbench validate --convert` to write the converted file")
        return "; ".join(parts)


def _benchmark(data: dict) -> EarlierFile:
    """A benchmark converts only by hand: the earlier files never defined their metrics (definition,
    direction, range) or the DEL10 fields below, and fmbench does not invent them."""
    ef = EarlierFile("benchmark", renames=[("benchmark_id", "id")])
    ef.missing += [k for k in BENCHMARK_REQUIRED if not (isinstance(data.get(k), str) and data[k].strip())]
    metrics = data.get("metrics")
    names: list[str] = []
    if isinstance(metrics, dict):
        primary = metrics.get("primary")
        if isinstance(primary, str):
            ef.renames.append(("metrics.primary", "primary_metric"))
            names.append(primary)
        names += [m for m in metrics.get("secondary") or [] if isinstance(m, str) and m not in names]
        if metrics.get("stratified_display"):
            ef.dropped.append("metrics.stratified_display")
    if names:
        ef.renames.append(("metrics.primary/secondary", "metrics: [{name, definition, direction}]"))
        ef.missing.append("a definition and direction for each metric (" + ", ".join(names) + ")")
    else:
        ef.missing += ["primary_metric", "metrics"]
    if isinstance(data.get("stratification_dimensions"), dict):
        ef.renames.append(("stratification_dimensions", "strata (the dimension names)"))
    ef.dropped += [k for k in BENCHMARK_DROPPED if k in data]
    return ef


def _dataset(data: dict) -> EarlierFile:
    ef = EarlierFile("dataset card", renames=[("dataset_id", "id")])
    if not isinstance(data.get("name"), str):
        ef.missing.append("name")
    if "source" in data:
        ef.renames.append(("source (free text)", "citation or url"))
    ef.missing += ["source (generated, package, file or external)", "format", "license"]
    if "description" not in data and "notes" in data:
        ef.renames.append(("notes", "description"))
    notes_kept = "description" not in data  # notes become the description
    ef.dropped += [k for k in DATASET_DROPPED if k in data and not (k == "notes" and notes_kept)]
    return ef


def _model_config(data: dict) -> EarlierFile:
    ef = EarlierFile("model config")
    out = {k: v for k, v in data.items() if k not in {"adapter_name", "checkpoint_path"}}
    if data.get("type") == "adapter":
        adapter = data.get("adapter_name")
        if not isinstance(adapter, str):
            ef.missing.append("adapter_name (which adapter: huggingface, brainlm, geneformer, …)")
        else:
            out["type"] = adapter
            ef.renames.append(("type: adapter + adapter_name", f"type: {adapter}"))
        if "checkpoint_path" in data:
            out["path"] = data["checkpoint_path"]
            ef.renames.append(("checkpoint_path", "path"))
    replacement = EARLIER_CLASSES.get(str(data.get("import_path")))
    if replacement is not None:
        baseline, kwarg_names = replacement
        out = {"model_id": data.get("model_id", baseline), "type": "builtin", "baseline": baseline,
               "init_kwargs": {kwarg_names.get(k, k): v for k, v in (data.get("init_kwargs") or {}).items()}}
        ef.renames.append((f"type: python_class + import_path: {data['import_path']}",
                           f"type: builtin, baseline: {baseline}"))
        ef.renames += [(f"init_kwargs.{a}", f"init_kwargs.{b}") for a, b in kwarg_names.items()
                       if a in (data.get("init_kwargs") or {})]
    if not ef.missing:
        ef.converted = out
    return ef


def recognise_earlier(data: Any) -> EarlierFile | None:
    """The earlier-format kind of a parsed YAML document, or None when it is not one."""
    if not isinstance(data, dict) or "kind" in data or "id" in data or "eval_id" in data:
        return None
    if "benchmark_id" in data and "dataset_id" not in data:
        return _benchmark(data)
    if "dataset_id" in data and "benchmark_id" not in data:
        return _dataset(data)
    earlier_class = str(data.get("import_path")) in EARLIER_CLASSES
    if "model_id" in data and (data.get("type") == "adapter" or earlier_class):
        return _model_config(data)
    return None
