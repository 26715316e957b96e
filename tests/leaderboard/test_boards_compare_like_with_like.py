"""Boards compare like with like: one ranked table per test set, pre-specified records (the
latest, never the best), reported results apart, Holm-adjusted ties and rank intervals."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.errors import ConfigError
from fmbench.leaderboard import build, collect, render_html_site, render_json, render_markdown
from fmbench.leaderboard.rank import holm, rank_intervals
from fmbench.testing import make_record

ROOT = Path(__file__).resolve().parents[2]
LITERATURE = {  # benchmark -> the model whose result comes from a paper (evals/reported)
    "BM-001": "UNI",
    "BM-002": "Geneformer",
    "BM-BRAIN-MAE": "BrainLM",
    "BM-FMRI-GRANULAR": "BrainLM",
    "BM-REPORT-GEN": "Flamingo",
}


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture(scope="module")
def committed(catalog):
    res = collect([ROOT / "evals"], catalog)
    assert res.skipped == []
    return build([r for _, r in res.records], catalog)


# --- the committed records ----------------------------------------------------------------
@pytest.mark.parametrize("bid", sorted(LITERATURE))
def test_literature_results_sit_apart_from_ranked_runs(committed, catalog, bid):
    board = committed.benchmark(bid)
    bench = catalog.benchmark(bid)
    canonical = board.tables[0]
    assert canonical.test_set.canonical and canonical.test_set.suite_id == bench.canonical_suite
    suite = catalog.suite(bench.canonical_suite)
    assert canonical.test_set.dataset_id == suite.dataset_id  # runs on the suite's own data
    assert len(canonical.rows) >= 2 and all(r.evidence == "run" for r in board.rows)
    assert [x.model_id for x in board.reported] == [LITERATURE[bid]]
    assert LITERATURE[bid] not in {r.model_id for r in board.rows}


def test_no_reported_result_carries_a_rank_or_crown(committed):
    md = render_markdown(committed)
    site = render_html_site(committed)
    data = json.loads(render_json(committed))
    for b in data["benchmarks"]:
        for x in b["reported"]:
            assert "rank" not in x and "rank_label" not in x
        for t in b["tables"]:
            assert t["kind"] == "ranked"
    for bid, model in LITERATURE.items():
        board = committed.benchmark(bid)
        section = md[md.index(f"{{ #{board.anchor} }}") :]
        section = section[: section.index("*Ranked by ")]
        reported = section[section.index("#### Reported elsewhere") :]
        table = reported[: reported.index("??? abstract")]
        assert f"**{model}**" in table and "👑" not in table and "🥇" not in table and "| Rank" not in table
        page = site[f"{board.anchor}.html"]
        rep = page[page.index('<table class="sortable reported"') :]
        rep = rep[: rep.index("</table>")]
        assert model in rep and "👑" not in rep and 'class="rank"' not in rep and "🥇" not in rep


def test_toy_holdout_and_cv_suites_are_two_tables(committed):
    board = committed.benchmark("BM-TOY-CLASS")
    assert [t.test_set.suite_id for t in board.tables] == ["SUITE-TOY-CLASS", "SUITE-TOY-CLASS-CV"]
    assert [t.test_set.n for t in board.tables] == [60, 200]
    assert board.tables[0].title.startswith("SUITE-TOY-CLASS · Toy fMRI Classification · n = 60 · ")


# --- fresh runs: eight --seed runs and one default-seed run --------------------------------
@pytest.fixture(scope="module")
def seed_runs(tmp_path_factory, catalog):
    from fmbench.runner import run_suite

    data = tmp_path_factory.mktemp("data")
    out = tmp_path_factory.mktemp("runs")
    records = []
    for seed in [None, *range(1, 9)]:
        o = run_suite(
            "SUITE-TOY-CLASS", "logistic", out / f"seed-{seed}", catalog=catalog, data_dir=data, seed=seed
        )
        records.append(o.record)
    cv = run_suite("SUITE-TOY-CLASS-CV", "logistic", out / "cv", catalog=catalog, data_dir=data)
    return records, cv.record


def test_board_shows_the_pre_specified_run_not_the_luckiest_seed(seed_runs, catalog):
    records, cv = seed_runs
    default = records[0]
    assert default.provenance["deviations"] == []
    assert all(r.provenance["deviations"] for r in records[1:])
    values = [r.metrics["AUROC"].value for r in records]
    assert max(values[1:]) > values[0]  # re-rolling seeds would have climbed the board
    board = build([*records, cv], catalog).benchmark("BM-TOY-CLASS")
    holdout, cv_table = board.tables
    assert [r.eval_id for r in holdout.rows] == [default.eval_id]
    assert holdout.rows[0].score.value == default.metrics["AUROC"].value
    assert len(holdout.exploratory) == 8
    assert {x.eval_id for x in holdout.exploratory} == {r.eval_id for r in records[1:]}
    assert all(
        x.reason.startswith("seed ") and "instead of the suite's 0" in x.reason for x in holdout.exploratory
    )
    assert [r.eval_id for r in cv_table.rows] == [cv.eval_id]
    md = render_markdown(build([*records, cv], catalog))
    assert '??? note "8 exploratory runs, not ranked"' in md


def test_latest_pre_specified_record_counts_never_the_best(catalog):
    recs = [
        make_record(model="m", value=0.95, date="2025-01-01"),  # better, older
        make_record(model="m", value=0.80, date="2025-03-01"),  # latest
        make_record(model="m", value=0.99, date="2025-04-01", seed=7),  # exploratory
        make_record(model="m", value=0.99, date="2025-04-01", protocol="linear_probe"),  # exploratory
    ]
    t = build(recs, catalog).benchmark("BM-TOY-CLASS").tables[0]
    assert [r.score.value for r in t.rows] == [0.80]
    assert t.rows[0].records == 2 and t.superseded == 1
    reasons = sorted(x.reason for x in t.exploratory)
    assert reasons == [
        "protocol 'linear_probe' instead of the suite's 'classification'",
        "seed 7 instead of the suite's 0",
    ]


def test_runs_without_a_known_suite_are_exploratory(catalog):
    recs = [make_record(model="a", value=0.9, suite=None), make_record(model="b", value=0.7)]
    recs.append(
        make_record(
            model="c",
            value=0.8,
            extra={"suite_id": "SUITE-MINE", "provenance": {"split_seed": 0, "bootstrap_seed": 42}},
        )
    )
    board = build(recs, catalog).benchmark("BM-TOY-CLASS")
    ranked = [r.model_id for r in board.rows]
    assert ranked == ["b"]
    listed = {x.model_id: x.reason for t in board.tables for x in t.exploratory}
    assert listed == {"a": "the record names no suite", "c": "suite SUITE-MINE is not in the catalog"}


def test_different_data_digest_or_rows_are_different_tables(catalog):
    a = make_record(model="a", value=0.9, extra={"dataset": {"id": "DS-X", "digest": "sha256:aa", "n": 60}})
    b = make_record(model="b", value=0.8, extra={"dataset": {"id": "DS-X", "digest": "sha256:bb", "n": 60}})
    c = make_record(model="c", value=0.7, extra={"dataset": {"id": "DS-X", "digest": "sha256:aa", "n": 59}})
    board = build([a, b, c], catalog).benchmark("BM-TOY-CLASS")
    assert sorted(len(t.rows) for t in board.tables) == [1, 1, 1]
    assert all(t.rows[0].rank_label == "1" for t in board.tables)
    assert len({t.anchor for t in board.tables}) == 3


# --- ranks: intervals and Holm --------------------------------------------------------------
def _independent_rank_interval(reps: np.ndarray, higher: bool) -> list[tuple[int, int]]:
    """Rank each replicate by counting strictly better rows; take the order statistics that
    the inverted empirical CDF gives at 2.5% and 97.5% (smallest rank r with F(r) >= q)."""
    k, n_boot = reps.shape
    ranks = np.zeros((k, n_boot), dtype=int)
    for b in range(n_boot):
        col = reps[:, b]
        for i in range(k):
            better = sum(1 for j in range(k) if (col[j] > col[i] if higher else col[j] < col[i]))
            ranks[i, b] = 1 + better
    out = []
    for i in range(k):
        s = sorted(ranks[i])
        out.append((s[math.ceil(0.025 * n_boot) - 1], s[math.ceil(0.975 * n_boot) - 1]))
    return out


def test_rank_intervals_equal_an_independent_computation(catalog):
    rng = np.random.default_rng(3)
    shared = rng.normal(0, 0.04, size=400)
    centers = {"a": 0.82, "b": 0.81, "c": 0.78, "d": 0.70}
    reps = {m: c + shared + rng.normal(0, 0.015, size=400) for m, c in centers.items()}
    reps["c"][5] = np.nan  # one undefined replicate: dropped for every row
    recs = [
        make_record(model=m, value=c, ci=(c - 0.1, c + 0.1), replicates=reps[m]) for m, c in centers.items()
    ]
    board = build(recs, catalog).benchmark("BM-TOY-CLASS")
    t = board.tables[0]
    assert t.tie_rule == "paired" and t.comparisons == 6
    matrix = np.vstack([reps[m] for m in centers])
    keep = np.all(np.isfinite(matrix), axis=0)
    expected = _independent_rank_interval(matrix[:, keep], higher=True)
    assert {r.model_id: r.rank_interval for r in t.rows} == dict(zip(centers, expected, strict=True))
    assert t.rows[0].rank_interval[0] == 1 and "from 399 replicates" in t.rule_note
    # lower is better: the same data ranked the other way
    got, used = rank_intervals(-matrix, "lower")
    assert used == 399 and got == expected


def test_rank_intervals_lower_is_better_by_hand():
    # 3 rows x 4 replicates, lower is better; ranks by hand: row0 [1,1,2,1], row1 [2,3,1,2], row2 [3,2,3,3]
    reps = np.array([[0.1, 0.1, 0.5, 0.2], [0.2, 0.9, 0.4, 0.3], [0.3, 0.5, 0.6, 0.4]])
    got, used = rank_intervals(reps, "lower", confidence=0.5)  # quartiles: q=0.25 and q=0.75
    assert used == 4 and got == [(1, 1), (1, 2), (2, 3)]


def test_holm_matches_a_hand_worked_example():
    # p sorted 0.01, 0.02, 0.03, 0.5 (m=4): 0.04, max(0.04, 0.06), max(0.06, 0.06), max(.., 0.5)
    assert holm([0.03, 0.5, 0.01, 0.02]) == pytest.approx([0.06, 0.5, 0.04, 0.06])
    assert holm([0.4, float("nan"), 0.01]) == pytest.approx([0.4, float("nan"), 0.02], nan_ok=True)


def test_ties_follow_holm_not_unadjusted_pairwise_decisions(catalog):
    n_boot = 1000
    shared = np.random.default_rng(9).normal(0, 0.03, size=n_boot)
    d_ab = np.full(n_boot, 0.02)
    d_ab[:20] = -0.005  # A beats B in 980 of 1000 replicates: two-sided p = 0.04
    s = np.where(np.arange(n_boot) % 2 == 0, 0.012, -0.012)
    s[:20] = 0.012
    d_bc = 0.01 + s  # B vs C: a coin flip
    a = 0.80 + shared
    b = a - d_ab
    c = b - d_bc
    recs = [
        make_record(model="A", value=0.80, ci=(0.74, 0.86), replicates=a),
        make_record(model="B", value=0.78, ci=(0.72, 0.84), replicates=b),
        make_record(model="C", value=0.77, ci=(0.71, 0.83), replicates=c),
    ]

    def p_two_sided(x, y):  # noqa: ANN001, ANN202
        d = x - y
        return min(1.0, 2 * min(np.mean(d <= 0), np.mean(d >= 0)))

    p_ab, p_ac, p_bc = p_two_sided(a, b), p_two_sided(a, c), p_two_sided(b, c)
    assert p_ab == pytest.approx(0.04) and p_ac == 0.0 and p_bc > 0.5
    # unadjusted 95% decisions: A separated from B (0.04 < 0.05), B tied with C -> 1, =2, =2.
    # Holm over the 3 pairs: 0 <= 0.05/3 rejected; 0.04 > 0.05/2 stops -> A~B, A!=C -> =1, =1, 3
    t = build(recs, catalog).benchmark("BM-TOY-CLASS").tables[0]
    assert [(r.model_id, r.rank_label) for r in t.rows] == [("A", "=1"), ("B", "=1"), ("C", "3")]
    assert t.rows[1].tie_method == "paired" and t.rows[1].p_adjusted == pytest.approx(2 * p_ab)
    assert "Holm-adjusted over all 3 pairwise comparison(s)" in t.rule_note


# --- multi-seed suites --------------------------------------------------------------------
@pytest.fixture
def multi_seed_catalog():
    cat = load_catalog()
    suite = cat.suites["SUITE-TOY-CLASS"]
    cat.suites["SUITE-TOY-CLASS"] = suite.model_validate({**suite.model_dump(), "seeds": [0, 1, 2]})
    return cat


def test_multi_seed_rows_show_mean_sd_and_per_seed_values(multi_seed_catalog):
    cat = multi_seed_catalog
    vals = {"a": [0.80, 0.84, 0.82], "b": [0.70, 0.74, 0.66]}
    recs = []
    for m, vs in vals.items():
        for seed, v in zip([0, 1, 2], vs, strict=True):
            extra = {
                "suite_id": "SUITE-TOY-CLASS",
                "provenance": {"protocol": "classification", "split_seed": seed, "bootstrap_seed": 42},
            }
            recs.append(
                make_record(
                    model=m, value=v, ci=(v - 0.05, v + 0.05), date=f"2025-01-0{seed + 1}", extra=extra
                )
            )
    recs.append(make_record(model="c", value=0.99, seed=0))  # only one of three seeds: exploratory
    lb = build(recs, cat)
    t = lb.benchmark("BM-TOY-CLASS").tables[0]
    a = t.rows[0]
    assert a.model_id == "a" and a.seeds is not None
    assert a.seeds.mean == pytest.approx(np.mean(vals["a"])) and a.seeds.sd == pytest.approx(
        np.std(vals["a"], ddof=1)
    )
    assert (a.seeds.min, a.seeds.max) == (0.80, 0.84) and [s.seed for s in a.seeds.seeds] == [0, 1, 2]
    assert a.score.value == pytest.approx(np.mean(vals["a"]))
    assert [x.model_id for x in t.exploratory] == ["c"] and "1 of the suite's 3" in t.exploratory[0].reason
    data = json.loads(render_json(lb))
    row = next(b for b in data["benchmarks"] if b["id"] == "BM-TOY-CLASS")["tables"][0]["rows"][0]
    assert [s["value"] for s in row["seeds"]["seeds"]] == vals["a"]
    assert "0.8200 ± 0.0200 (0.8000–0.8400)" in render_markdown(lb)


def test_suite_seeds_must_include_the_split_seed(catalog):
    suite = catalog.suites["SUITE-TOY-CLASS"]
    with pytest.raises(ValueError, match="seeds: must include split.seed"):
        suite.model_validate({**suite.model_dump(), "seeds": [1, 2]})
    s = suite.model_validate({**suite.model_dump(), "seeds": [0, 3]})
    assert s.run_seeds(None) == (0, 42) and s.run_seeds(3) == (3, 42) and s.run_seeds(5) == (5, 5)


def test_canonical_suite_is_validated(tmp_path):
    bench_dir = tmp_path / "benchmarks"
    bench_dir.mkdir()
    src = (ROOT / "src/fmbench/catalog/builtin/benchmarks/BM-TOY-CLASS.yaml").read_text(encoding="utf-8")
    (bench_dir / "BM-TOY-CLASS.yaml").write_text(
        src.replace("canonical_suite: SUITE-TOY-CLASS", "canonical_suite: SUITE-TOY-CLAS"), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="canonical_suite: unknown suite 'SUITE-TOY-CLAS'. Did you mean"):
        load_catalog([tmp_path])
    (bench_dir / "BM-TOY-CLASS.yaml").write_text(
        src.replace("canonical_suite: SUITE-TOY-CLASS", "canonical_suite: SUITE-AD-MRI"), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="suite 'SUITE-AD-MRI' evaluates 'BM-001', not 'BM-TOY-CLASS'"):
        load_catalog([tmp_path])


# --- reading the table ----------------------------------------------------------------------
SEED_PAGE = ROOT.parent / "shared" / "seed-leaderboard-page.md"


def _seed_anchors() -> list[str]:
    from fmbench.leaderboard.boards import title_slug

    if not SEED_PAGE.exists():  # the shared folder sits beside the checkout in CI
        pytest.fail(f"{SEED_PAGE} not found")
    titles = [
        line[4:] for line in SEED_PAGE.read_text(encoding="utf-8").splitlines() if line.startswith("### ")
    ]
    return [title_slug(t) for t in titles]


def test_seed_page_anchors_resolve_on_markdown_and_html(committed):
    import markdown

    anchors = _seed_anchors()
    assert (
        "toy-classification-benchmark" in anchors
        and "alzheimers-disease-classification-using-brain-mri" in anchors
    )
    md = render_markdown(committed)
    html = markdown.markdown(md, extensions=["tables", "admonition", "attr_list", "pymdownx.details"])
    site = render_html_site(committed)
    for a in anchors:
        assert f'id="{a}"' in html, a
        assert f'id="{a}"' in site["index.html"], a
    for b in committed.benchmarks:  # today's ids still work
        assert f'id="{b.anchor}"' in html and f'id="{b.anchor}"' in site["index.html"]


def test_every_metric_header_shows_its_direction(committed):
    from html.parser import HTMLParser

    class Heads(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.heads: list[str] = []
            self._in = False

        def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201
            if tag == "th":
                self._in, self._buf = True, []

        def handle_endtag(self, tag):  # noqa: ANN001, ANN201
            if tag == "th":
                self._in = False
                self.heads.append("".join(self._buf).strip())

        def handle_data(self, data):  # noqa: ANN001, ANN201
            if self._in:
                self._buf.append(data)

    board = committed.benchmark("BM-REPORT-GEN")
    p = Heads()
    p.feed(render_html_site(committed)[f"{board.anchor}.html"])
    metric_heads = [h for h in p.heads if h.split(" ")[0] in board.metric_directions]
    assert metric_heads and all(h.endswith(("↑", "↓")) or "target 8–12" in h for h in metric_heads)
    assert "hallucination_rate ↓" in metric_heads and "flesch_kincaid target 8–12" in metric_heads
    md = render_markdown(committed)
    assert "| report\\_quality\\_score ↑ |" in md.replace("| Rank | 95% rank interval | Model | ", "| ")


def test_breakdown_titles_name_the_model(committed):
    md = render_markdown(committed)
    assert '??? note "Logistic regression (SUITE-TOY-CLASS) by Scanner"' in md
    assert '??? note "Flamingo (reported) by Report Type"' in md
    titles = [line for line in md.splitlines() if line.startswith('??? note "') and " by " in line]
    groups = {"GE", "Siemens", "Philips", "SiteA", "SiteB", "chest\\_xray", "simple"}
    assert titles and not any(t.split('"')[1].split(" by ")[0] in groups for t in titles)
