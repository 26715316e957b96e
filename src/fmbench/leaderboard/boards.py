"""Records -> Leaderboard: pick each model's best record, rank with tie groups, lay out.

Rules (also in docs/contributing/submission_guide.md):

- Every catalog benchmark gets a section, in its health domain; domains and benchmarks are
  in alphabetical (case-insensitive) order.
- One row per model; model ids are compared case-insensitively. A model's row shows its best
  completed, rankable record with a primary-metric value; equal values go to the later
  record, then the smaller eval_id.
- Failed records are never ranked; they are listed apart, the latest per model. Completed
  records flagged ``rankable: false`` (or whose primary metric is undefined) are listed apart
  with their reason, the latest per model.
- Ties: see fmbench.leaderboard.rank.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fmbench.catalog.registry import Catalog
from fmbench.catalog.schema import BenchmarkSpec, human_label
from fmbench.leaderboard.model import (
    BenchmarkBoard,
    Breakdown,
    Cell,
    Curve,
    Domain,
    Group,
    Leaderboard,
    Row,
    Stats,
    Unranked,
)
from fmbench.leaderboard.rank import sort_key, tie_groups
from fmbench.leaderboard.summary import RecordInfo
from fmbench.records.schema import EvalRecord, MetricValue

RESERVED_ANCHORS = ("index", "leaderboard", "assets", "quick-navigation", "submit-your-model")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "x"


def _cell(mv: MetricValue) -> Cell:
    # Plain construction: pydantic-core validates 4 fields in ~2.5 us, model_construct's
    # Python loop takes ~4.5 us, and a board has ~25 cells per row.
    return Cell(value=mv.value, ci=mv.ci, n=mv.n, reason=mv.reason)


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


def _latest_per_model(infos: Sequence[RecordInfo]) -> list[RecordInfo]:
    latest: dict[str, RecordInfo] = {}
    for r in infos:
        cur = latest.get(r.model_key)
        if cur is None or (r.ts, r.eval_id) > (cur.ts, cur.eval_id):
            latest[r.model_key] = r
    return sorted(latest.values(), key=lambda r: (r.model_key, r.eval_id))


def build_board(
    bench: BenchmarkSpec, infos: Sequence[RecordInfo], anchor: str | None = None
) -> BenchmarkBoard:
    """One benchmark's board from its records' summaries (full records load for shown rows)."""
    metric, direction = bench.primary_metric, bench.primary.direction
    candidates: dict[str, list[RecordInfo]] = {}
    listed_apart: list[tuple[RecordInfo, str]] = []
    failed: list[RecordInfo] = []
    for r in infos:
        if r.status == "failed":
            failed.append(r)
        elif not r.rankable:
            listed_apart.append((r, r.rankable_reason or "not rankable"))
        elif r.primary is None:
            listed_apart.append((r, f"{metric} is undefined: {r.primary_reason or 'no value'}"))
        else:
            candidates.setdefault(r.model_key, []).append(r)

    def best_key(r: RecordInfo) -> tuple:
        return (sort_key(r.primary, direction), -r.ts, r.eval_id)  # type: ignore[arg-type]

    best = {k: min(v, key=best_key) for k, v in candidates.items()}
    ordered_infos = sorted(best.values(), key=lambda r: (*best_key(r)[:2], r.model_key, r.eval_id))
    ordered = [i.record for i in ordered_infos]
    entries = tie_groups(ordered, metric, direction=direction)
    names: set[str] = set()
    for r in ordered:
        names.update(r.metrics)
    order = metric_order(bench, names | {metric})
    rows = []
    for rec, e in zip(ordered, entries, strict=True):
        rows.append(
            Row(
                rank=e.rank,
                rank_label=e.label,
                tied=e.tied,
                tie_method=e.comparison.method if e.comparison else None,  # type: ignore[arg-type]
                p_better=e.comparison.p_better if e.comparison else None,
                model_id=rec.model.id,
                model_name=rec.model.name,
                eval_id=rec.eval_id,
                score=_cell(rec.metrics[metric]),
                dataset=rec.dataset.name or rec.dataset.id,
                dataset_id=rec.dataset.id,
                evidence=rec.evidence,
                date=_date(rec),
                created_at=rec.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                source=rec.source,
                notes=rec.notes,
                records=len(candidates[rec.model.id.lower()]),
                metrics={m: _cell(rec.metrics[m]) for m in order if m in rec.metrics},
                breakdowns=breakdowns(bench, rec),
                curves=curves(rec.details),
            )
        )
    reasons = {r.eval_id: why for r, why in listed_apart}
    apart = [
        _unranked(i.record, bench, reasons[i.eval_id])
        for i in _latest_per_model([r for r, _ in listed_apart])
    ]
    failed_rows = [_unranked(i.record, bench, i.record.error or "failed") for i in _latest_per_model(failed)]
    return BenchmarkBoard(
        id=bench.id,
        anchor=anchor or slug(bench.id),
        name=bench.name,
        health_domain=bench.health_domain,
        health_topic=bench.health_topic,
        ai_task=bench.ai_task,
        description=bench.description,
        clinical_relevance=bench.clinical_relevance,
        primary_metric=metric,
        direction=direction,  # type: ignore[arg-type]
        metric_directions={m: _direction(bench, m) for m in order},  # type: ignore[arg-type]
        rows=rows,
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
    last_updated: str | None
    stats: Stats
    domains: list[Domain]
    skipped: list[str]

    def board(self, benchmark_id: str) -> BenchmarkBoard:
        for bench, anchor in self.benches:
            if bench.id == benchmark_id:
                return build_board(bench, self.by_bench.get(bench.id, []), anchor)
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
        last_updated=_newest_date(used),
        stats=Stats(benchmarks=len(placed), models=len(models), evaluations=len(used)),
        domains=[Domain(name=d, anchor=slug(d), benchmarks=ids) for d, ids in domains.items()],
        skipped=list(skipped),
    )
