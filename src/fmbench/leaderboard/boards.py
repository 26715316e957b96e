"""Records -> Leaderboard: one ranked table per test set, pre-specified records only.

Rules (also in docs/guide/leaderboards.md and docs/contributing/submission_guide.md):

- Every catalog benchmark gets a section, in its health domain; domains and benchmarks are
  in alphabetical (case-insensitive) order.
- **Only results measured on the same test set are ranked together.** Runs (``evidence:
  run``) are grouped by test set: suite, dataset id and digest, split and evaluated rows. A
  benchmark holds one ranked table per test set, its canonical suite's first; nothing is
  ranked across tables.
- **Pre-specified records.** In a table, a model is represented by its records made at the
  suite's own seed(s) and protocol: the latest one, never the best (model ids compared
  case-insensitively). Runs with another seed or protocol, or naming a suite the catalog does
  not have, are *exploratory*: listed under the table with the reason, never ranked. For a
  suite with several seeds (``seeds: [..]``) a row is the mean over the latest record at each
  seed (a model lacking a seed is listed as exploratory).
- **Reported results** (``evidence: reported``: papers, self-reports) are never ranked; they
  are listed in their own table, sorted by value.
- Failed records are never ranked; they are listed apart, the latest per model. Completed
  records flagged ``rankable: false`` (or whose primary metric is undefined) are listed apart
  with their reason, the latest per model.
- Ties and rank intervals: see fmbench.leaderboard.rank.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fmbench.catalog.registry import Catalog
from fmbench.catalog.schema import BenchmarkSpec, SuiteSpec, human_label
from fmbench.leaderboard.model import (
    BenchmarkBoard,
    Breakdown,
    Cell,
    Curve,
    Domain,
    GapSummary,
    Group,
    Leaderboard,
    Listed,
    RankedTable,
    Reported,
    Row,
    SeedSummary,
    SeedValue,
    SharedTestSet,
    Stats,
    Unranked,
)
from fmbench.leaderboard.rank import Entry, TableRanking, rank_table, sort_key
from fmbench.leaderboard.record_info import RecordInfo
from fmbench.records.definitions import definitions_note, earlier_definitions
from fmbench.records.output_notes import record_notes
from fmbench.records.schema import EvalRecord, MetricValue

RESERVED_ANCHORS = ("index", "leaderboard", "assets", "quick-navigation", "submit-your-model")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def title_slug(title: str) -> str:
    """The anchor MkDocs gives a heading (Python-Markdown's toc ``slugify``): what links to the
    hub's earlier page point at, e.g. 'toy-classification-benchmark'."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def _cell(mv: MetricValue) -> Cell:
    # Plain construction: pydantic-core validates 4 fields in ~2.5 us, model_construct's
    # Python loop takes ~4.5 us, and a board has ~25 cells per row.
    return Cell(value=mv.value, ci=mv.ci, n=mv.n, reason=mv.reason, ci_method=mv.ci_method)


def metric_cells(bench: BenchmarkSpec, rec: EvalRecord) -> dict[str, Cell]:
    """All metrics of a record in display order; a metric computed under an earlier definition says so."""
    earlier = earlier_definitions(rec)
    cells = {}
    for m in metric_order(bench, rec.metrics):
        cell = _cell(rec.metrics[m])
        if m in earlier:
            cell.definition = earlier[m]
        cells[m] = cell
    return cells


def _gap_summary(rec: EvalRecord, dim: str, metric: str | None) -> GapSummary | None:
    summary = rec.subgroups.get(metric) if metric else None
    if summary is None or dim not in summary.gaps:
        return None
    g = summary.gaps[dim]
    return GapSummary(metric=metric, value=g.value, groups=g.groups, ci=g.ci, ci_method=g.ci_method,
                      p_value=g.p_value, p_adjusted=g.p_adjusted, permutations=g.permutations,
                      dimensions_tested=sum(t.p_value is not None for t in summary.gaps.values()))


def _date(rec: EvalRecord) -> str:
    return rec.created_at.strftime("%Y-%m-%d")


def _ts(rec: EvalRecord) -> float:
    return rec.created_at.timestamp()


def metric_order(bench: BenchmarkSpec, names: Iterable[str]) -> list[str]:
    """Primary first, then catalog order, then metrics the catalog does not define (sorted)."""
    present = set(names)
    known = [bench.primary_metric] + [m.name for m in bench.metrics if m.name != bench.primary_metric]
    return [n for n in known if n in present] + sorted(present - set(known))


def _direction(bench: BenchmarkSpec, metric: str) -> str:
    spec = bench.metric(metric)
    return spec.direction if spec is not None else "higher"


def _group_sort_key(bench: BenchmarkSpec, metric: str | None, group: str, result: Any) -> tuple:
    if metric is None:
        return (0, 0.0, group)
    mv = result.metrics.get(metric)
    if mv is None or mv.value is None:
        return (1, 0.0, group)
    spec = bench.metric(metric)
    if spec is not None and spec.direction == "target" and spec.target is not None:
        lo, hi = spec.target
        key = max(lo - mv.value, mv.value - hi, 0.0)
    else:
        key = sort_key(mv.value, _direction(bench, metric))
    return (0, key, group)


def breakdowns(bench: BenchmarkSpec, rec: EvalRecord) -> list[Breakdown]:
    dims = [d for d in bench.strata if d in rec.stratified] + sorted(set(rec.stratified) - set(bench.strata))
    out = []
    for dim in dims:
        groups = rec.stratified[dim]
        seen: dict[str, None] = {}
        for result in groups.values():
            for name in result.metrics:
                seen.setdefault(name, None)
        cols = [bench.primary_metric] if bench.primary_metric in seen else []
        cols += [n for n in seen if n != bench.primary_metric]
        sort_metric = cols[0] if cols else None
        ordered = sorted(groups.items(), key=lambda kv: _group_sort_key(bench, sort_metric, kv[0], kv[1]))
        out.append(
            Breakdown(
                dimension=dim,
                label=human_label(dim),
                metrics=cols,
                sort_metric=sort_metric,
                groups=[
                    Group(group=g, N=r.N, metrics={m: _cell(r.metrics[m]) for m in cols if m in r.metrics})
                    for g, r in ordered
                ],
                withheld=rec.withheld.get(dim, 0),
                gap=_gap_summary(rec, dim, sort_metric),
            )
        )
    return out


def _numbers(v: Any) -> list[float | None] | None:
    if (
        isinstance(v, list)
        and v
        and all(x is None or (isinstance(x, int | float) and not isinstance(x, bool)) for x in v)
    ):
        return [None if x is None else float(x) for x in v]
    return None


def curves(details: dict[str, Any]) -> list[Curve]:
    """Robustness curves from ``record.details``.

    Two shapes are read. The report convention (docs/dev/extending.md), which fmbench's
    robustness protocol writes: ``details.curves`` is a list of figures ``{title, series:
    [{label, x, y}]}`` — each series becomes one curve (probe = figure title, quantity = series
    label). The compact form: ``details.curves`` (or ``details.robustness.curves``) maps a probe
    name to ``{levels: [...], <quantity>: [...]}``. Anything else in ``details`` is ignored.
    """
    table = details.get("curves")
    if isinstance(table, list):
        return _figure_curves(table)
    if not isinstance(table, dict):
        rob = details.get("robustness")
        table = rob.get("curves") if isinstance(rob, dict) else None
    if not isinstance(table, dict):
        return []
    out = []
    for probe in sorted(table):
        spec = table[probe]
        if not isinstance(spec, dict):
            continue
        levels = _numbers(spec.get("levels") or spec.get("severity") or spec.get("grid"))
        if levels is None or any(x is None for x in levels):
            continue
        for quantity in sorted(k for k in spec if k not in {"levels", "severity", "grid"}):
            values = _numbers(spec[quantity])
            if values is not None and len(values) == len(levels):
                out.append(
                    Curve(
                        probe=str(probe),
                        quantity=str(quantity),
                        levels=[float(x) for x in levels if x is not None],
                        values=values,
                    )
                )
    return out


def _figure_curves(figures: list[Any]) -> list[Curve]:
    out = []
    for fig in figures:
        if not isinstance(fig, dict) or not isinstance(fig.get("series"), list):
            continue
        for series in fig["series"]:
            if not isinstance(series, dict):
                continue
            xs, ys = _numbers(series.get("x")), _numbers(series.get("y"))
            if xs is None or ys is None or len(xs) != len(ys) or any(x is None for x in xs) or len(xs) < 2:
                continue
            out.append(Curve(probe=str(fig.get("title", "")), quantity=str(series.get("label", "")),
                             levels=[float(x) for x in xs if x is not None], values=ys))
    return out


def _unranked(rec: EvalRecord, bench: BenchmarkSpec, reason: str) -> Unranked:
    mv = rec.metrics.get(bench.primary_metric)
    return Unranked(
        model_id=rec.model.id,
        model_name=rec.model.name,
        eval_id=rec.eval_id,
        status=rec.status,
        reason=reason,
        score=_cell(mv) if mv is not None and mv.value is not None else None,
        dataset=rec.dataset.name or rec.dataset.id,
        evidence=rec.evidence,
        date=_date(rec),
    )


def _newest_date(infos: Sequence[RecordInfo]) -> str | None:
    return max(infos, key=lambda i: i.ts).date if infos else None


def _latest(infos: Iterable[RecordInfo]) -> RecordInfo:
    return max(infos, key=lambda r: (r.ts, r.eval_id))


def _latest_per_model(infos: Sequence[RecordInfo]) -> list[RecordInfo]:
    latest: dict[str, RecordInfo] = {}
    for r in infos:
        cur = latest.get(r.model_key)
        if cur is None or (r.ts, r.eval_id) > (cur.ts, cur.eval_id):
            latest[r.model_key] = r
    return sorted(latest.values(), key=lambda r: (r.model_key, r.eval_id))


def exploratory_reasons(info: RecordInfo, bench: BenchmarkSpec, suites: Mapping[str, SuiteSpec]) -> list[str]:
    """Why a completed, rankable run is not pre-specified (empty when it is): it names no suite
    of this benchmark in the catalog, or its seeds or protocol differ from what the suite fixes."""
    if info.suite_id is None:
        return ["the record names no suite"]
    suite = suites.get(info.suite_id)
    if suite is None:
        return [f"suite {info.suite_id} is not in the catalog"]
    if suite.benchmark_id != bench.id:
        return [f"suite {info.suite_id} evaluates {suite.benchmark_id}, not {bench.id}"]
    return suite.deviations(split_seed=info.split_seed, bootstrap_seed=info.bootstrap_seed,
                            protocol=info.protocol)


@dataclass
class _Candidate:
    """A model's pre-specified records on one test set and what its row shows."""

    model_key: str
    shown: RecordInfo  # the latest pre-specified record
    per_seed: dict[int, RecordInfo] | None  # multi-seed suites: the latest record at each seed
    records: int
    value: float
    ci: tuple[float, float] | None = None
    scheme: object | None = None
    replicates: Any = None
    seeds: SeedSummary | None = None


def _single_seed(model_key: str, recs: list[RecordInfo], metric: str) -> _Candidate:
    shown = _latest(recs)
    rec = shown.record
    bs = rec.bootstrap
    reps = bs.replicate_array(metric) if bs is not None else None
    return _Candidate(model_key, shown, None, len(recs), shown.primary,  # type: ignore[arg-type]
                      ci=rec.metrics[metric].ci,
                      scheme=None if bs is None else (bs.scheme, bs.B), replicates=reps)


def _multi_seed(model_key: str, per_seed: dict[int, RecordInfo], records: int, metric: str,
                expected: int, confidence: float) -> _Candidate:
    """Mean over the pre-specified seeds. Replicate b of the mean is the mean of each seed's
    replicate b: paired with another model exactly when, seed by seed, both resampled alike."""
    import numpy as np

    seeds = sorted(per_seed)
    values = [per_seed[k].primary for k in seeds]
    arr = np.array(values, dtype=float)
    recs = [per_seed[k].record for k in seeds]
    reps = [r.bootstrap.replicate_array(metric) if r.bootstrap is not None else None for r in recs]
    mean_reps = None
    scheme = None
    ci = None
    if all(x is not None for x in reps) and len({x.shape for x in reps}) == 1:  # type: ignore[union-attr]
        mean_reps = np.mean(np.vstack(reps), axis=0)  # type: ignore[arg-type]
        scheme = tuple((k, r.bootstrap.scheme, r.bootstrap.B) for k, r in zip(seeds, recs, strict=True))  # type: ignore[union-attr]
        finite = mean_reps[np.isfinite(mean_reps)]
        if finite.size:
            alpha = (1.0 - confidence) / 2.0
            lo, hi = np.quantile(finite, [alpha, 1.0 - alpha])
            ci = (float(lo), float(hi))
    summary = SeedSummary(
        seeds=[SeedValue(seed=k, eval_id=per_seed[k].eval_id, value=per_seed[k].primary,
                         ci=per_seed[k].primary_ci) for k in seeds],
        expected=expected,
        mean=float(arr.mean()),
        sd=float(arr.std(ddof=1)) if arr.size > 1 else None,
        min=float(arr.min()),
        max=float(arr.max()),
    )
    shown = _latest(per_seed.values())
    return _Candidate(model_key, shown, per_seed, records, float(arr.mean()), ci=ci, scheme=scheme,
                      replicates=mean_reps, seeds=summary)


def _listed(info: RecordInfo, reason: str) -> Listed:
    return Listed(
        model_id=info.model_id,
        model_name=info.model_name,
        eval_id=info.eval_id,
        score=None if info.primary is None else Cell(value=info.primary, ci=info.primary_ci),
        date=info.date,
        reason=reason,
    )


def _rule_note(ranking: TableRanking, rows: int) -> str:
    if rows < 2:
        return "One ranked row: nothing to compare."
    if ranking.method == "paired":
        dropped = f" ({'; '.join(ranking.notes)})" if ranking.notes else ""
        return (
            "Ties (=) and 95% rank intervals from paired bootstrap replicates (every row resampled the "
            f"same rows); ties Holm-adjusted over all {ranking.comparisons} pairwise comparison(s) of this "
            f"table, family-wise 5%; rank intervals from {ranking.replicates_used} replicates{dropped}."
        )
    return (
        "The rows do not share a bootstrap resampling scheme, so no paired comparison and no rank "
        "intervals: a row is tied (=) with the first row of its rank group when their 95% CIs overlap "
        "(without a CI: when its value lies inside the other's CI)."
    )


def _table_title(ts: SharedTestSet) -> str:
    parts = [ts.suite_id or "no suite", ts.dataset]
    if ts.n is not None:
        parts.append(f"n = {ts.n}")
    if ts.split:
        parts.append(ts.split)
    if ts.protocol:
        parts.append(ts.protocol)
    return " · ".join(parts)


def _build_table(bench: BenchmarkSpec, key: tuple, members: list[RecordInfo],
                 suites: Mapping[str, SuiteSpec], anchor: str) -> RankedTable:
    metric, direction = bench.primary_metric, bench.primary.direction
    suite = suites.get(key[0]) if key[0] is not None else None
    explore: list[tuple[RecordInfo, str]] = []
    prespec: dict[str, list[RecordInfo]] = {}
    for info in members:
        why = exploratory_reasons(info, bench, suites)
        if why:
            explore.append((info, "; ".join(why)))
        else:
            prespec.setdefault(info.model_key, []).append(info)
    multi = suite is not None and suite.seeds is not None
    candidates: list[_Candidate] = []
    superseded = 0
    for model_key in sorted(prespec):
        recs = prespec[model_key]
        if not multi:
            candidates.append(_single_seed(model_key, recs, metric))
            superseded += len(recs) - 1
            continue
        per_seed: dict[int, RecordInfo] = {}
        for r in recs:
            cur = per_seed.get(r.split_seed)  # type: ignore[arg-type]
            if cur is None or (r.ts, r.eval_id) > (cur.ts, cur.eval_id):
                per_seed[r.split_seed] = r  # type: ignore[index]
        expected = len(suite.seeds)  # type: ignore[union-attr, arg-type]
        if len(per_seed) < expected:
            have = ", ".join(str(k) for k in sorted(per_seed))
            why = f"{len(per_seed)} of the suite's {expected} pre-specified seeds (has {have})"
            explore += [(r, why) for r in recs]
            continue
        superseded += len(recs) - len(per_seed)
        candidates.append(_multi_seed(model_key, per_seed, len(recs), metric, expected,
                                      suite.bootstrap.confidence))  # type: ignore[union-attr]
    candidates.sort(key=lambda c: (sort_key(c.value, direction), c.model_key, c.shown.eval_id))
    confidence = suite.bootstrap.confidence if suite is not None else 0.95
    ranking = rank_table(
        [Entry(c.value, c.ci, c.scheme, c.replicates) for c in candidates],
        direction=direction, confidence=confidence,
    )
    rows = []
    for c, e in zip(candidates, ranking.entries, strict=True):
        rec = c.shown.record
        if c.seeds is None:
            score = _cell(rec.metrics[metric])
        else:
            score = Cell(value=c.value, ci=c.ci, n=rec.dataset.n)
        rows.append(
            Row(
                rank=e.rank,
                rank_label=e.label,
                tied=e.tied,
                rank_interval=e.interval,
                tie_method=e.comparison.method if e.comparison else None,  # type: ignore[arg-type]
                p_better=e.comparison.p_better if e.comparison else None,
                p_adjusted=e.comparison.p_adjusted if e.comparison else None,
                model_id=rec.model.id,
                model_name=rec.model.name,
                eval_id=rec.eval_id,
                score=score,
                seeds=c.seeds,
                dataset=rec.dataset.name or rec.dataset.id,
                dataset_id=rec.dataset.id,
                evidence=rec.evidence,
                date=_date(rec),
                created_at=rec.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                source=rec.source,
                notes=record_notes(rec.notes, rec.details),
                records=c.records,
                definitions=definitions_note(rec),
                metrics=metric_cells(bench, rec),
                breakdowns=breakdowns(bench, rec),
                curves=curves(rec.details),
            )
        )
    listed = sorted((_listed(i, why) for i, why in explore),
                    key=lambda x: (x.model_id.lower(), x.date, x.eval_id))
    sample = members[0].record
    test_set = SharedTestSet(
        key=" | ".join("" if k is None else str(k) for k in key),
        suite_id=key[0],
        suite_name=suite.name if suite is not None else None,
        canonical=is_canonical(bench, key, suites),
        dataset_id=key[1],
        dataset=sample.dataset.name or sample.dataset.id,
        dataset_digest=key[2],
        split=key[3],
        n=key[4],
        protocol=suite.protocol if suite is not None else None,
        seeds=list(suite.seeds) if suite is not None and suite.seeds is not None else None,
    )
    return RankedTable(
        anchor=anchor,
        title=_table_title(test_set),
        test_set=test_set,
        tie_rule=ranking.method,  # type: ignore[arg-type]
        comparisons=ranking.comparisons,
        rows=rows,
        exploratory=listed,
        superseded=superseded,
        rule_note=_rule_note(ranking, len(rows)),
    )


def _reported(bench: BenchmarkSpec, infos: Sequence[RecordInfo]) -> list[Reported]:
    """Every reported result, sorted by value in the metric's direction (no ranks)."""
    metric, direction = bench.primary_metric, bench.primary.direction
    ordered = sorted(infos, key=lambda i: (sort_key(i.primary, direction), i.model_key, i.eval_id))  # type: ignore[arg-type]
    out = []
    for i in ordered:
        rec = i.record
        out.append(
            Reported(
                model_id=rec.model.id,
                model_name=rec.model.name,
                eval_id=rec.eval_id,
                score=_cell(rec.metrics[metric]),
                dataset=rec.dataset.name or rec.dataset.id,
                dataset_id=rec.dataset.id,
                source=rec.source,
                date=_date(rec),
                notes=rec.notes,
                metrics=metric_cells(bench, rec),
                breakdowns=breakdowns(bench, rec),
                curves=curves(rec.details),
            )
        )
    return out


def is_canonical(bench: BenchmarkSpec, key: tuple, suites: Mapping[str, SuiteSpec]) -> bool:
    """The test set is the canonical suite's own: its suite, on the suite's dataset (a run of that
    suite on one's own data, ``run --data``, has another dataset id and is a table of its own)."""
    if key[0] is None or key[0] != bench.canonical_suite:
        return False
    suite = suites.get(key[0])
    return suite is None or key[1] == suite.dataset_id


def _table_order(bench: BenchmarkSpec, key: tuple, suites: Mapping[str, SuiteSpec]) -> tuple:
    return (0 if is_canonical(bench, key, suites) else 1,
            *("" if k is None else str(k).zfill(12) if isinstance(k, int) else str(k) for k in key))


def build_board(
    bench: BenchmarkSpec,
    infos: Sequence[RecordInfo],
    anchor: str | None = None,
    *,
    suites: Mapping[str, SuiteSpec] | None = None,
) -> BenchmarkBoard:
    """One benchmark's board from its records' summaries (full records load for shown rows).

    ``suites``: the catalog's suites, which say what a pre-specified run is."""
    suites = suites or {}
    anchor = anchor or slug(bench.id)
    metric, direction = bench.primary_metric, bench.primary.direction
    runs: dict[tuple, list[RecordInfo]] = {}
    reported: list[RecordInfo] = []
    listed_apart: list[tuple[RecordInfo, str]] = []
    failed: list[RecordInfo] = []
    for r in infos:
        if r.status == "failed":
            failed.append(r)
        elif not r.rankable:
            listed_apart.append((r, r.rankable_reason or "not rankable"))
        elif r.primary is None:
            listed_apart.append((r, f"{metric} is undefined: {r.primary_reason or 'no value'}"))
        elif r.evidence == "reported":
            reported.append(r)
        else:
            runs.setdefault(r.test_set, []).append(r)
    tables = []
    used_anchors: set[str] = set()
    keys = sorted(runs, key=lambda k: _table_order(bench, k, suites))
    for key in keys:
        base = f"{anchor}--{slug(key[0] or 'no-suite')}"
        table_anchor, k = base, 2
        while table_anchor in used_anchors:
            table_anchor, k = f"{base}-{k}", k + 1
        used_anchors.add(table_anchor)
        tables.append(_build_table(bench, key, runs[key], suites, table_anchor))
    shown_metric_names: set[str] = {metric}
    for t in tables:
        for row in t.rows:
            shown_metric_names.update(row.metrics)
    reported_rows = _reported(bench, reported)
    for rr in reported_rows:
        shown_metric_names.update(rr.metrics)
    order = metric_order(bench, shown_metric_names)
    reasons = {r.eval_id: why for r, why in listed_apart}
    apart = [
        _unranked(i.record, bench, reasons[i.eval_id])
        for i in _latest_per_model([r for r, _ in listed_apart])
    ]
    failed_rows = [_unranked(i.record, bench, i.record.error or "failed") for i in _latest_per_model(failed)]
    return BenchmarkBoard(
        id=bench.id,
        anchor=anchor,
        aliases=[a for a in [title_slug(bench.name)] if a and a != anchor],
        name=bench.name,
        health_domain=bench.health_domain,
        health_topic=bench.health_topic,
        ai_task=bench.ai_task,
        description=bench.description,
        clinical_relevance=bench.clinical_relevance,
        primary_metric=metric,
        direction=direction,  # type: ignore[arg-type]
        metric_directions={m: _direction(bench, m) for m in order},  # type: ignore[arg-type]
        metric_targets={m: bench.metric(m).target for m in order  # type: ignore[union-attr,misc]
                        if bench.metric(m) is not None and bench.metric(m).target is not None},  # type: ignore[union-attr]
        tables=tables,
        reported=reported_rows,
        not_rankable=apart,
        failed=failed_rows,
        evaluations=len(infos),
        last_updated=_newest_date(infos),
    )


def build(records: Sequence[EvalRecord], catalog: Catalog, *, skipped: Sequence[str] = ()) -> Leaderboard:
    """The leaderboard of every catalog benchmark from already-validated records.

    Records of benchmarks the catalog does not define are listed in ``skipped``.
    """
    infos = []
    extra_skipped: list[str] = []
    for r in records:
        bench = catalog.benchmarks.get(r.benchmark_id)
        if bench is None:
            extra_skipped.append(f"{r.eval_id}: benchmark_id: unknown benchmark {r.benchmark_id!r}")
            continue
        infos.append(RecordInfo.of(r, bench.primary_metric))
    return build_from_infos(infos, catalog, skipped=[*skipped, *extra_skipped])


def build_from_infos(
    infos: Sequence[RecordInfo], catalog: Catalog, *, skipped: Sequence[str] = ()
) -> Leaderboard:
    """As ``build``, from record summaries whose full records load on demand (see collect)."""
    plan = plan_leaderboard(infos, catalog, skipped=skipped)
    return plan.leaderboard([plan.board(b.id) for b, _ in plan.benches])


@dataclass
class LeaderboardPlan:
    """A leaderboard before its boards are built: page order and anchors, which records go to
    which benchmark, domains and stats. Each board is built from it independently, so boards
    can be built (and rendered) in separate processes (fmbench.leaderboard.outputs)."""

    benches: list[tuple[BenchmarkSpec, str]]  # page order, each with its unique anchor
    by_bench: dict[str, list[RecordInfo]]
    suites: dict[str, SuiteSpec]
    last_updated: str | None
    stats: Stats
    domains: list[Domain]
    skipped: list[str]

    def board(self, benchmark_id: str) -> BenchmarkBoard:
        for bench, anchor in self.benches:
            if bench.id == benchmark_id:
                return build_board(bench, self.by_bench.get(bench.id, []), anchor, suites=self.suites)
        raise KeyError(benchmark_id)

    def leaderboard(self, boards: list[BenchmarkBoard]) -> Leaderboard:
        return Leaderboard(
            last_updated=self.last_updated,
            stats=self.stats,
            domains=self.domains,
            benchmarks=boards,
            skipped=list(self.skipped),
        )

    def shell(self) -> Leaderboard:
        """The leaderboard with every board's heading but no rows: the page furniture
        (navigation, stats, skipped list) for pages whose board sections are rendered apart."""
        return self.leaderboard([build_board(b, [], anchor) for b, anchor in self.benches])


def plan_leaderboard(
    infos: Sequence[RecordInfo], catalog: Catalog, *, skipped: Sequence[str] = ()
) -> LeaderboardPlan:
    by_bench: dict[str, list[RecordInfo]] = {}
    for i in infos:
        by_bench.setdefault(i.benchmark_id, []).append(i)
    benches = sorted(catalog.benchmarks.values(), key=lambda b: (b.health_domain.lower(), b.id.lower()))
    placed: list[tuple[BenchmarkSpec, str]] = []
    anchors: set[str] = set(RESERVED_ANCHORS)
    for b in benches:
        anchor = slug(b.id)
        while anchor in anchors:  # page names must be unique and not clash with the site's own files
            anchor = f"{anchor}-bm"
        anchors.add(anchor)
        placed.append((b, anchor))
    domains: dict[str, list[str]] = {}
    for b in benches:
        domains.setdefault(b.health_domain, []).append(b.id)
    used = [i for b in benches for i in by_bench.get(b.id, [])]
    models = {i.model_key for i in used if i.status == "completed"}
    return LeaderboardPlan(
        benches=placed,
        by_bench=by_bench,
        suites=dict(catalog.suites),
        last_updated=_newest_date(used),
        stats=Stats(benchmarks=len(placed), models=len(models), evaluations=len(used)),
        domains=[Domain(name=d, anchor=slug(d), benchmarks=ids) for d, ids in domains.items()],
        skipped=list(skipped),
    )
