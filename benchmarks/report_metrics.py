"""All report metrics on 2,000 report pairs: time per metric, bootstrap time, peak memory.

The pairs are synthetic studies of the radiology generator: the reference report against the
``retrieval`` baseline's report (fitted on 800 other studies), so texts differ the way real
outputs do. Each library runs once over all pairs (BLEU statistics, ROUGE-L, METEOR,
BERTScore, Flesch-Kincaid, structure, labeler counts for the clinical metrics); then
``evaluate_grouped`` computes every metric with B bootstrap replicates and four strata.
BERTScore's model load is timed apart; when the fm extra (or WordNet) is missing the metric
is reported as skipped and left out of the total.

    python benchmarks/report_metrics.py [--n 2000] [--B 1000]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pandas as pd

from fmbench.data.generators.radiology_reports import make_study
from fmbench.metrics import text
from fmbench.metrics.bootstrap import BootstrapScheme
from fmbench.metrics.grouped import evaluate_grouped
from fmbench.metrics.report_metrics import ALL_METRICS, compute_report_columns, report_metrics
from fmbench.models.baselines.report_baselines import RetrievalReport

STEP_TO_METRICS = {
    "bleu_stats": "bleu",
    "rouge_l": "rouge_l",
    "meteor": "meteor",
    "bertscore": "bertscore",
    "flesch_kincaid": "flesch_kincaid",
    "structure_score": "structure_score",
    "clinical": "clinical metrics (labeler, 9 metrics)",
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000, help="report pairs")
    ap.add_argument("--B", type=int, default=1000, help="bootstrap replicates")
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    train = [make_study(rng, f"tr{i}", "train") for i in range(800)]
    test = [make_study(rng, f"te{i}", "test") for i in range(args.n)]
    strip = ("reference", "labels")
    model = RetrievalReport().fit(
        [{k: v for k, v in s.items() if k not in strip} for s in train], [s["reference"] for s in train]
    )
    generated = model.generate([{k: v for k, v in s.items() if k not in strip} for s in test])
    references = [s["reference"] for s in test]
    n_tokens = sum(len(g.split()) + len(r.split()) for g, r in zip(generated, references, strict=True))
    print(f"{args.n} report pairs, {n_tokens / args.n:.0f} words per pair; B={args.B}")

    t0 = time.perf_counter()
    scorer, reason = text.bert_scorer()
    bert_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    wn, wn_reason = text.load_wordnet()
    if wn is not None:
        wn.synsets("dog")  # force the lazy index load into this timing
    wordnet_load = time.perf_counter() - t0

    timings: dict[str, float] = {}
    data = compute_report_columns(generated, references, include=ALL_METRICS, timings=timings)
    print(f"\n{'metric':42s} {'seconds':>9s} {'ms/pair':>9s}")
    total = 0.0
    for step, label in STEP_TO_METRICS.items():
        if step in data.reasons:
            print(f"{label:42s} {'skipped':>9s}   ({data.reasons[step][:70]})")
            continue
        s = timings[step]
        total += s
        print(f"{label:42s} {s:9.2f} {1000 * s / args.n:9.2f}")
    print(f"{'total (per-report scoring)':42s} {total:9.2f} {1000 * total / args.n:9.2f}")
    print(
        f"{'  + BERTScore model load (once/process)':42s} {bert_load:9.2f}"
        if scorer is not None
        else f"BERTScore skipped: {reason}"
    )
    print(
        f"{'  + WordNet load (once/process)':42s} {wordnet_load:9.2f}"
        if wn is not None
        else f"METEOR skipped: {wn_reason}"
    )

    meta = pd.DataFrame(
        [{k: s[k] for k in ("report_type", "complexity", "modality", "institution")} for s in test]
    )
    strata = {c: meta[c].to_numpy(dtype=object) for c in meta.columns}
    t0 = time.perf_counter()
    grouped = evaluate_grouped(
        data,
        args.n,
        report_metrics(ALL_METRICS),
        strata=strata,
        scheme=BootstrapScheme(n_boot=args.B, seed=42),
        min_group_size=10,
    )
    boot = time.perf_counter() - t0
    n_groups = sum(len(g) for g in grouped.stratified.values())
    print(
        f"\nbootstrap: {len(ALL_METRICS)} metrics x (overall + {n_groups} strata) x B={args.B}: {boot:.2f} s"
    )
    print("\nvalues (95% CI):")
    for name, mv in grouped.metrics.items():
        if mv.value is None:
            print(f"  {name:26s} null ({mv.reason})")
        else:
            ci = f"[{mv.ci[0]:.4f}, {mv.ci[1]:.4f}]" if mv.ci else ""
            print(f"  {name:26s} {mv.value:9.4f} {ci}")
    print(f"\npeak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
