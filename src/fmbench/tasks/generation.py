"""Report generation: the model writes a report per test study; text and clinical metrics with CIs.

Model protocol: ``generate(inputs: list[dict]) -> list[str]`` (one non-empty report per input),
optionally ``fit(inputs, reports)`` on the training split first. Inputs are the study dicts of
``fmbench.data.loaders.report_jsonl`` (no reference report, no labels).

``run --predictions FILE`` scores reports produced elsewhere instead: a JSONL of
``{study_id, reference, generated}``. The model is then only a name: ``--model`` may be a small
YAML such as ``{model_id: my-model, name: My model}`` (nothing is imported or built) or a
built-in id. When every study id is a test study of the suite's dataset and every reference
equals the dataset's, the record is about the suite's test set (strata from its metadata,
rankable); otherwise it describes the predictions file itself (dataset id ``predictions``, its
sha256 as digest, no strata) and is marked not rankable.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from fmbench.cache import cached_chunks
from fmbench.catalog.schema import DatasetCard
from fmbench.data.dataset import Dataset
from fmbench.data.digest import file_sha256
from fmbench.errors import DataError, ModelError
from fmbench.metrics.findings import ABSENT, PRESENT, label_report
from fmbench.metrics.report_metrics import ReportData, compute_report_columns
from fmbench.models.protocols import Fittable
from fmbench.progress import advance_to, step
from fmbench.tasks.base import (
    PROTOCOLS,
    Protocol,
    RunContext,
    TaskResult,
    call_model,
    score,
)
from fmbench.tasks.splits import predefined_split

GENERATE_CHUNK = 32  # reports per cached chunk: a killed run resumes at the first missing chunk


def check_reports(out, *, n_rows: int, model_id: str, study_ids: list[str]) -> list[str]:  # noqa: ANN001
    who = f"model {model_id!r}"
    if isinstance(out, str) or not hasattr(out, "__len__"):
        raise ModelError(f"{who}: generate() must return a list of strings, got {type(out).__name__}")
    out = list(out)
    if len(out) != n_rows:
        raise ModelError(f"{who}: generate() returned {len(out)} reports for {n_rows} inputs")
    for i, r in enumerate(out):
        if not isinstance(r, str):
            raise ModelError(
                f"{who}: generate() returned a {type(r).__name__} for study {study_ids[i]!r}, not a str"
            )
        if not r.strip():
            raise ModelError(f"{who}: generate() returned an empty report for study {study_ids[i]!r}")
    return out


def _norm(text: str) -> str:
    return " ".join(text.split())


def predictions_context(ctx: RunContext, path: Path) -> tuple[list[str], list[str], pd.DataFrame, str]:
    """References, generated reports, metadata and split label of a predictions file."""
    from fmbench.data.loaders.report_jsonl import read_predictions

    ids, refs, gens = read_predictions(path)
    meta = ctx.dataset.meta
    index = {sid: i for i, sid in enumerate(meta["study_id"].astype(str))} if "study_id" in meta else {}
    rows = [index.get(sid) for sid in ids]
    dataset_refs = ctx.dataset.extras.get("references")
    is_test = meta["split"].astype(str).to_numpy() == "test" if "split" in meta else np.ones(len(meta), bool)
    matches = (
        bool(index)
        and all(r is not None and is_test[r] for r in rows)
        and dataset_refs is not None
        and all(_norm(dataset_refs[r]) == _norm(ref) for r, ref in zip(rows, refs, strict=True))
    )
    if matches:  # dataset order, so that the bootstrap resamples the same studies as a `run` would
        order = np.argsort(np.asarray(rows))
        refs, gens = [refs[i] for i in order], [gens[i] for i in order]
        sub = meta.iloc[[rows[i] for i in order]].reset_index(drop=True)
        return refs, gens, sub, f"predictions on {len(ids)} test studies of {ctx.dataset.id}"
    card = DatasetCard(
        id="predictions",
        name=f"predictions file {path.name}",
        source="file",
        format="jsonl",
        license="unknown",
        description="User-supplied references and generated reports.",
    )
    ctx.dataset = Dataset(
        card=card, digest="sha256:" + file_sha256(path), meta=pd.DataFrame({"study_id": ids})
    )
    return refs, gens, ctx.dataset.meta, f"predictions file ({len(ids)} studies)"


def score_reports(
    ctx: RunContext,
    generated: list[str],
    references: list[str],
    meta: pd.DataFrame,
    *,
    split_label: str,
    timings: dict[str, float],
    rankable: bool = True,
    rankable_reason: str | None = None,
) -> TaskResult:
    names = [m.name for m in ctx.benchmark.metrics]
    t0 = time.perf_counter()
    data: ReportData = compute_report_columns(generated, references, include=tuple(names))
    timings = {**timings, "scoring_s": time.perf_counter() - t0}
    row_ids = meta["study_id"].astype(str).to_numpy() if "study_id" in meta else np.arange(len(generated))
    return score(
        ctx,
        data,
        meta,
        needs="generated reports",
        row_ids=row_ids,
        split=split_label,
        details={
            "tables": [finding_table(generated, references)],
            "unavailable_metrics": dict(sorted(data.reasons.items())),
        },
        timings=timings,
        rankable=rankable,
        rankable_reason=rankable_reason,
    )


def finding_table(generated: list[str], references: list[str]) -> dict:
    """Per finding: reference positives, generated positives, recall, precision."""
    counts: dict[str, list[int]] = {}
    for g, r in zip(generated, references, strict=True):
        lg, lr = label_report(g), label_report(r)
        for key in set(lg) | set(lr):
            c = counts.setdefault(key, [0, 0, 0])
            gp, rp = lg.get(key, ABSENT) == PRESENT, lr.get(key, ABSENT) == PRESENT
            c[0] += rp
            c[1] += gp
            c[2] += gp and rp
    rows = []
    for key, (ref_pos, gen_pos, tp) in sorted(counts.items()):
        if ref_pos or gen_pos:
            rows.append(
                [
                    key,
                    ref_pos,
                    gen_pos,
                    round(tp / ref_pos, 4) if ref_pos else None,
                    round(tp / gen_pos, 4) if gen_pos else None,
                ]
            )
    return {
        "title": "Findings: reference vs generated positives",
        "columns": ["Finding", "Reference positive", "Generated positive", "Recall", "Precision"],
        "rows": rows,
    }


@PROTOCOLS.register("generation")
class GenerationProtocol(Protocol):
    name = "generation"
    scores_external_predictions = True  # run --predictions FILE: reports generated elsewhere

    model_needs = ("generate",)

    def model_problems(self, ctx: RunContext) -> list[str]:
        return [] if ctx.options.predictions is not None else super().model_problems(ctx)

    def check_compatible(self, ctx: RunContext) -> list[str]:
        if ctx.options.predictions is not None:
            return []
        if "inputs" not in ctx.dataset.extras or "references" not in ctx.dataset.extras:
            return [f"dataset {ctx.dataset.id} has no report inputs/references (loader report_jsonl)"]
        return []

    def evaluate(self, ctx: RunContext) -> TaskResult:
        path = ctx.options.predictions
        if path is not None:
            suite_meta = ctx.dataset.meta
            refs, gens, meta, label = predictions_context(ctx, Path(path))
            reason = None
            if ctx.dataset.id == "predictions":
                reason = "scored on the user's own references, not the suite's test set"
            else:
                is_test = suite_meta["split"].astype(str) == "test" if "split" in suite_meta else None
                n_test = int(is_test.sum()) if is_test is not None else len(suite_meta)
                if len(meta) < n_test:  # an easy subset must not rank beside full test-set runs
                    reason = (f"predictions cover {len(meta)} of the suite's {n_test} test studies; "
                              "only complete test sets are ranked")
            return score_reports(
                ctx,
                gens,
                refs,
                meta,
                split_label=label,
                timings={},
                rankable=reason is None,
                rankable_reason=reason,
            )
        ds = ctx.dataset
        inputs, references = ds.extras["inputs"], ds.extras["references"]
        if ctx.suite.split.kind == "predefined":
            train, test = predefined_split(ds.meta)
        else:
            train, test = np.array([], dtype=int), np.arange(ds.n)
        if len(test) == 0:
            raise DataError(f"dataset {ds.id}: the split leaves no test studies")
        model, timings = ctx.model, {}
        if len(train) and isinstance(model, Fittable):
            t0 = time.perf_counter()
            call_model(ctx, model, "fit", [inputs[i] for i in train], [references[i] for i in train])
            timings["fit_s"] = time.perf_counter() - t0
        ids = ds.meta["study_id"].astype(str).to_numpy()[test].tolist()

        def generate_chunk(chunk_inputs: list, chunk_ids: list) -> list[str]:
            out = call_model(ctx, model, "generate", list(chunk_inputs))
            return check_reports(out, n_rows=len(chunk_inputs), model_id=ctx.model_id, study_ids=list(chunk_ids))

        t0 = time.perf_counter()
        with step(ctx.progress, "generating reports", len(test)) as bar:
            chunks = cached_chunks(ctx, "generate", [inputs[i] for i in test], generate_chunk,
                                   chunk=GENERATE_CHUNK, extra=(ids,), on_chunk=advance_to(bar))
        timings["inference_s"] = time.perf_counter() - t0
        generated = check_reports([r for c in chunks for r in c], n_rows=len(test), model_id=ctx.model_id,
                                  study_ids=ids)
        meta = ds.meta.iloc[test].reset_index(drop=True)
        return score_reports(
            ctx,
            generated,
            [references[i] for i in test],
            meta,
            split_label=f"test ({len(test)} studies)",
            timings=timings,
        )
