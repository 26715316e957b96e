"""Rendering: escaping, determinism, the hub's reported page, schema and docs in sync."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.leaderboard import (
    build,
    collect,
    leaderboard_csv,
    leaderboard_json_schema,
    render_html_benchmark,
    render_html_index,
    render_html_site,
    render_json,
    render_markdown,
)
from fmbench.leaderboard.metricsdoc import metrics_reference
from fmbench.testing import make_record

ROOT = Path(__file__).resolve().parents[2]
EVIL = "<script>alert(1)</script> a|b *x* [l](http://e)"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def reported(catalog):
    """The hub's committed records: runs made by fmbench and results reported in papers."""
    res = collect([ROOT / "evals"], catalog)
    assert res.skipped == []
    return build([r for _, r in res.records], catalog)


def _md_table_rows(md: str, header_start: str) -> list[list[str]]:
    lines = md.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[i:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    n_cols = rows[0].count("|")
    for r in rows:  # every row has exactly as many cells as the header
        assert r.count("|") == n_cols, r
    return [[c.strip() for c in r.strip("|").split("|")] for r in rows[2:]]


def test_escaping_markdown_and_html(catalog):
    rec = make_record(
        model="evil",
        name=EVIL,
        dataset="<b>ds</b>|x",
        value=0.9,
        ci=(0.8, 0.95),
        extra={
            "notes": "line1\nline2 | <img src=x onerror=alert(1)>",
            "stratified": {"scanner": {"<i>GE</i>|": {"N": 20, "AUROC": 0.7}}},
        },
    )
    lb = build([rec, make_record(model="plain", value=0.5)], catalog)
    md = render_markdown(lb)
    assert "<script>" not in md and "<b>" not in md and "<img" not in md and "<i>" not in md
    assert "&lt;script&gt;" in md
    rows = _md_table_rows(md[md.index("{ #bm-toy-class }") :], "| Rank |")
    assert len(rows) == 2 and len(rows[0]) == 8
    import markdown  # the renderer MkDocs uses

    html_from_md = markdown.markdown(md, extensions=["tables", "admonition", "attr_list", "pymdownx.details"])
    assert "<script>" not in html_from_md and "<img" not in html_from_md
    # shown as text: the pipe is an entity (renders as "|"), no emphasis, no link
    assert "&lt;script&gt;alert(1)&lt;/script&gt; a&#124;b *x* [l](http://e)" in html_from_md

    for page in (render_html_index(lb), render_html_benchmark(lb, "BM-TOY-CLASS")):
        assert (
            "<script>alert" not in page and "<img" not in page and "<b>ds" not in page and "<i>GE" not in page
        )
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "'<script>" in leaderboard_csv(lb, "BM-TOY-CLASS") or "<script>" in leaderboard_csv(
        lb, "BM-TOY-CLASS"
    )


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):  # noqa: ANN001
        if self._cell is not None:
            self._cell.append(data)


def test_html_cells_hold_the_text(catalog):
    lb = build([make_record(model="evil", name=EVIL, value=0.9)], catalog)
    p = _Tables()
    p.feed(render_html_benchmark(lb, "BM-TOY-CLASS"))
    assert ["1", "–", EVIL + " 🥇👑", "0.9000", "–", "Toy data", "run", "2025-01-01"] in p.rows


def test_byte_identical_rebuilds(catalog, tmp_path):
    recs = [make_record(model=f"m{i}", value=0.5 + i / 100, ci=(0.4, 0.9)) for i in range(5)]
    a = build(recs, catalog)
    b = build(list(reversed(recs)), catalog)
    assert render_markdown(a) == render_markdown(b)
    assert render_json(a) == render_json(b)
    assert render_html_site(a) == render_html_site(b)


def test_reported_page_has_every_benchmark_model_and_score(reported, catalog):
    md = render_markdown(reported)
    for b in catalog.benchmarks.values():
        assert f"{{ #{reported.benchmark(b.id).anchor} }}" in md
    for domain in ("Cross-Domain", "Genomics", "Neurology"):
        assert f"{domain} {{ #" in md
    expected = {
        "BM-REPORT-GEN": ("Flamingo", "0.8400", "mimic\\_cxr\\_reports", "2024-01-20"),
        "BM-002": ("Geneformer", "0.9100", "PBMC 68k", "2023-11-01"),
        "BM-001": ("UNI", "0.9200", "Alzheimer's Disease Neuroimaging Initiative (ADNI)", "2023-10-27"),
        "BM-BRAIN-MAE": ("BrainLM", "0.7800", "UK Biobank fMRI tensors", "2025-11-15"),
        "BM-FMRI-GRANULAR": ("BrainLM", "0.9100", "hcp\\_1200", "2024-01-15"),
    }
    for bid, (model, score, dataset, date) in expected.items():
        section = md[md.index(f"{{ #{reported.benchmark(bid).anchor} }}") :]
        section = section[: section.index("*Ranked by ")]
        # the literature result sits in its own, unranked table; the runs are ranked apart
        ranked = _md_table_rows(section, "| Rank |")
        assert ranked and all(model not in " ".join(r) for r in ranked)
        reported_at = section.index("#### Reported elsewhere — different data, not reproduced here")
        assert section.index("| Rank |") < reported_at
        row = _md_table_rows(section, "| Model |")[0]
        assert row[:4] == [f"**{model}**", score, "–", dataset] and row[5] == date
        assert "👑" not in row[0] and "🥇" not in row[0]
    # Full metrics: all 14 of Flamingo's; granular tables with N, sorted in the metric's direction.
    board = reported.benchmark("BM-REPORT-GEN")
    flamingo = board.reported[0]
    assert flamingo.model_id == "Flamingo" and len(flamingo.metrics) == 14
    assert "| bleu | ↑ | 38.5000 |" in md and "| flesch\\_kincaid | target 8–12 | 10.2000 |" in md
    assert "| hallucination\\_rate | ↓ |" in md
    bd = {b.dimension: b for b in flamingo.breakdowns}
    assert [g.group for g in bd["report_type"].groups] == ["chest_xray", "brain_mri", "ct_abdomen"]
    assert [g.N for g in bd["complexity"].groups] == [1500, 1200, 700]
    granular = reported.benchmark("BM-FMRI-GRANULAR").reported[0].breakdowns
    assert [b.dimension for b in granular] == [
        "scanner",
        "site",
        "acquisition_type",
        "preprocessing",
        "field_strength",
    ]
    acq = next(b for b in granular if b.dimension == "acquisition_type")
    assert [g.group for g in acq.groups] == [
        "resting_state",
        "language",
        "working_memory",
        "task_based",
        "motor",
    ]
    assert "F1-Score" not in acq.groups[1].metrics  # language: F1 not reported, left absent
    assert re.search(r"\| 🥇 7T \| 0\.9400 \| 0\.9100 \| – \| 100 \|", md) is None  # no invented F1 column
    assert "| 🥇 7T | 0.9400 | 0.9100 | 100 |" in md
    assert "*Ranked by report\\_quality\\_score. Higher is better. Last updated from 4 evaluation(s).*" in md
    assert "](../contributing/submission_guide.md)" in md
    assert "**10** Benchmarks" in md and "**46** Total Evaluations" in md  # 31 runs + the 15 published records


def test_json_matches_schema_and_published_schema_is_current(reported):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(leaderboard_json_schema())
    jsonschema.validate(json.loads(render_json(reported)), schema)
    published = (ROOT / "schemas" / "leaderboard.schema.json").read_text(encoding="utf-8")
    assert published == leaderboard_json_schema(), (
        "run: python -c 'from fmbench.leaderboard import "
        'leaderboard_json_schema as s; open("schemas/leaderboard.schema.json","w").write(s())\''
    )


def test_metrics_reference_lists_every_metric_and_is_current(catalog):
    text = metrics_reference(catalog)
    for b in catalog.benchmarks.values():
        for m in b.metrics:
            assert m.name.replace("_", "\\_") in text
    doc = (ROOT / "docs" / "reference" / "metrics.md").read_text(encoding="utf-8")
    assert doc == text, "run: python -m fmbench.leaderboard.metricsdoc"


def test_csv_has_every_metric(reported):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(leaderboard_csv(reported, "BM-REPORT-GEN"))))
    top = rows[0]
    assert top["model_id"] == "template" and top["rank_label"] == "1"
    assert top["test_set"].startswith("SUITE-REPORT-GEN |")
    assert all(r["model_id"] != "Flamingo" for r in rows)  # reported results are not ranked


def test_site_has_index_pages_and_plots(reported):
    site = render_html_site(reported)
    assert {"index.html", "leaderboard.json", "bm-fmri-granular.html", "bm-fmri-granular.csv"} <= set(site)
    page = site["bm-fmri-granular.html"]
    assert page.count("<svg") >= 1 + 5  # forest plot + one bar chart per dimension
    assert 'class="sortable' in page and "http" not in page.split("<main>")[0].replace("http-equiv", "")
