"""build-leaderboard end to end: invalid records, --strict, caches, mkdocs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fmbench.catalog.registry import load_catalog
from fmbench.cli import main
from fmbench.leaderboard import collect
from fmbench.records.io import record_to_yaml
from fmbench.testing import make_record, write_records

ROOT = Path(__file__).resolve().parents[2]


def _invalid(folder: Path) -> dict[str, str]:
    """file name -> expected words in its skip reason."""
    folder.mkdir(parents=True, exist_ok=True)
    good = record_to_yaml(make_record(model="x", value=0.8, eval_id="base"))
    cases = {
        "auroc17.yaml": (
            good.replace("value: 0.8", "value: 1.7").replace("eval_id: base", "eval_id: a17"),
            "outside the valid range",
        ),
        "nan.yaml": (
            good.replace("value: 0.8", "value: .nan").replace("eval_id: base", "eval_id: nan1"),
            "finite",
        ),
        "unknown.yaml": (
            good.replace("benchmark_id: BM-TOY-CLASS", "benchmark_id: BM-NOPE").replace(
                "eval_id: base", "eval_id: unk"
            ),
            "unknown benchmark",
        ),
        "schema.yaml": (
            good.replace("status: completed", "status: maybe").replace("eval_id: base", "eval_id: sch"),
            "status",
        ),
        "broken.yaml": ("eval_id: [unclosed\n", "malformed YAML"),
        "tampered.yaml": (
            good.replace("eval_id: base", "eval_id: tam").replace("Toy data", "Other"),
            "digest",
        ),
        "timestamp.yaml": (  # YAML reads an unquoted timestamp as a datetime, which JSON lacks
            good.replace("eval_id: base", "eval_id: ts").replace(
                "digest:", "provenance:\n  started: 2025-01-01T00:00:00Z\ndigest:"
            ),
            "provenance.started: must be text, a number",
        ),
        "intkey.yaml": (
            good.replace("eval_id: base", "eval_id: ik").replace(
                "digest:", "details:\n  table:\n    1: one\ndigest:"
            ),
            "details.table: keys must be text",
        ),
    }
    for name, (text, _) in cases.items():
        (folder / name).write_text(text, encoding="utf-8")
    return {name: why for name, (_, why) in cases.items()}


def test_invalid_records_skipped_with_reason(tmp_path):
    expected = _invalid(tmp_path / "bad")
    write_records(tmp_path / "good", [make_record(model="ok", value=0.8)])
    res = collect([tmp_path], load_catalog())
    assert [r.model.id for _, r in res.records] == ["ok"]
    assert len(res.skipped) == len(expected)
    for line in res.skipped:
        path, _, reason = line.partition(": ")
        assert expected[Path(path).name] in reason, line


def test_cli_writes_outputs_and_strict_fails(tmp_path, capsys):
    evals = tmp_path / "evals"
    write_records(evals / "run", [make_record(model="ok", value=0.8)])
    _invalid(evals / "bad")
    md, site, js = tmp_path / "lb.md", tmp_path / "site", tmp_path / "lb.json"
    args = [
        "build-leaderboard",
        "--evals",
        str(evals),
        "--evals",
        str(ROOT / "evals" / "reported"),
        "--out-md",
        str(md),
        "--out-html",
        str(site),
        "--out-json",
        str(js),
        "--no-cache",
    ]
    main(args)
    out = capsys.readouterr().out
    assert out.count("skipped: ") == len(_invalid(tmp_path / "count"))
    assert f"wrote {md}" in out and f"wrote {js}" in out
    assert md.is_file() and js.is_file() and (site / "index.html").is_file()

    strict_md = tmp_path / "strict.md"
    with pytest.raises(SystemExit) as exc:
        main(
            ["build-leaderboard", "--evals", str(evals), "--out-md", str(strict_md), "--strict", "--no-cache"]
        )
    assert exc.value.code == 2
    err = capsys.readouterr().err
    n_bad = len(_invalid(tmp_path / "count"))
    assert err.startswith(f"error: --strict: {n_bad} invalid record(s)") and err.count("\n") == 1
    assert not strict_md.exists()


def test_strict_exit_status_in_a_subprocess(tmp_path):
    _invalid(tmp_path / "bad")
    p = subprocess.run(
        [
            sys.executable,
            "-m",
            "fmbench",
            "build-leaderboard",
            "--evals",
            str(tmp_path),
            "--out-json",
            str(tmp_path / "x.json"),
            "--strict",
            "--no-cache",
        ],
        capture_output=True,
        text=True,
    )
    assert p.returncode == 2 and "Traceback" not in p.stderr and "auroc17.yaml" in p.stderr


def test_caches_give_the_same_bytes(tmp_path):
    from fmbench.leaderboard.publish import build_leaderboard

    evals = tmp_path / "evals"
    write_records(evals, [make_record(model=f"m{i}", value=0.6 + i / 50, ci=(0.5, 0.9)) for i in range(6)])
    _invalid(evals / "bad")
    outs = {}
    for name, cache in [("nocache", None), ("cold", tmp_path / "c"), ("warm", tmp_path / "c")]:
        o = tmp_path / name
        r = build_leaderboard(
            [evals], out_md=o / "i.md", out_html=o / "s", out_json=o / "l.json", cache_dir=cache
        )
        outs[name] = r
    assert outs["warm"].output_cache_hit and not outs["cold"].output_cache_hit
    for f in ["i.md", "l.json", "s/index.html", "s/bm-toy-class.html"]:
        assert (
            (tmp_path / "nocache" / f).read_bytes()
            == (tmp_path / "cold" / f).read_bytes()
            == (tmp_path / "warm" / f).read_bytes()
        )
    # one record changes: the record cache serves the rest, the result matches a fresh build
    write_records(evals, [make_record(model="m0", value=0.99, eval_id="changed", date="2025-02-01")])
    a = build_leaderboard([evals], out_md=tmp_path / "a.md", cache_dir=tmp_path / "c")
    build_leaderboard([evals], out_md=tmp_path / "b.md", cache_dir=None)
    assert not a.output_cache_hit and a.cache_hits >= 6
    assert (tmp_path / "a.md").read_bytes() == (tmp_path / "b.md").read_bytes()
    assert "0.9900" in (tmp_path / "a.md").read_text(encoding="utf-8")


@pytest.mark.skipif(
    shutil.which("mkdocs") is None and not Path(sys.executable).parent.joinpath("mkdocs").exists(),
    reason="mkdocs not installed",
)
def test_mkdocs_build_strict(tmp_path):
    site_dir = tmp_path / "site"
    md = tmp_path / "index.md"
    main(["build-leaderboard", "--evals", str(ROOT / "evals"), "--out-md", str(md), "--no-cache"])
    # build the real docs/ with the freshly generated page, in a copy so the tree is untouched
    work = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", work / "docs")
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    shutil.copy(md, work / "docs" / "leaderboards" / "index.md")
    p = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(site_dir)],
        cwd=work,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert p.returncode == 0, p.stderr
    page = (site_dir / "leaderboards" / "index.html").read_text(encoding="utf-8")
    assert (
        "Flamingo" in page
        and "<table>" in page
        and "Submission guide"
        in (site_dir / "contributing" / "submission_guide" / "index.html").read_text(encoding="utf-8")
    )


def _mixed_folder(tmp_path: Path, monkeypatch) -> object:  # noqa: ANN001
    """30 valid records and the invalid cases under tmp_path; workers fork from 4 files on.
    Returns the catalog."""
    import importlib

    collect_mod = importlib.import_module("fmbench.leaderboard.collect")
    write_records(tmp_path / "ok", [make_record(model=f"m{i % 5}", value=0.5 + i / 100) for i in range(30)])
    _invalid(tmp_path / "bad")
    monkeypatch.setattr(collect_mod, "PARALLEL_MIN", 4)
    return load_catalog()


def test_parallel_and_serial_collection_agree(tmp_path, monkeypatch):
    from fmbench.leaderboard.collect import collect_infos, scan

    catalog = _mixed_folder(tmp_path, monkeypatch)
    files = scan([tmp_path])
    par = collect_infos(files, catalog, workers=2)
    ser = collect_infos(files, catalog, workers=1)
    assert par.skipped == ser.skipped
    assert [(s, i.summary(), i.record) for s, i in par.infos] == [
        (s, i.summary(), i.record) for s, i in ser.infos
    ]


def test_boards_rendered_in_workers_give_the_same_bytes(tmp_path, monkeypatch):
    """Boards built and rendered in forked workers, spliced into the pages, give exactly the
    pages rendered from the whole Leaderboard in one process (render_markdown / render_json /
    render_html_site of build(...))."""
    import importlib

    import numpy as np

    from fmbench.leaderboard import build, render_html_site, render_json, render_markdown
    from fmbench.leaderboard.boards import plan_leaderboard
    from fmbench.leaderboard.collect import collect_infos, scan
    from fmbench.leaderboard.outputs import Wanted, render_outputs

    outputs_mod = importlib.import_module("fmbench.leaderboard.outputs")
    rng = np.random.default_rng(0)
    recs = [
        make_record(benchmark=b, model=f"m{i % 4}", value=float(rng.uniform(0.5, 0.9)), ci=(0.4, 0.95),
                    replicates=rng.uniform(0.5, 0.9, size=50), name=f"<b>M{i % 4}</b> | x")
        for b in ("BM-TOY-CLASS", "BM-001", "BM-002")
        for i in range(6)
    ]
    recs.append(make_record(model="broken", status="failed", value=None))
    write_records(tmp_path / "evals", recs)
    catalog = load_catalog()
    res = collect_infos(scan([tmp_path / "evals"]), catalog)
    monkeypatch.setattr(outputs_mod, "PARALLEL_MIN", 1)
    forked = []
    real = outputs_mod._parts_parallel
    monkeypatch.setattr(outputs_mod, "_parts_parallel", lambda *a: forked.append(1) or real(*a))
    plan = plan_leaderboard([i for _, i in res.infos], catalog, skipped=["x.yaml: a reason"])
    par = render_outputs(plan, Wanted(), workers=2)
    lb = build([i.record for _, i in res.infos], catalog, skipped=["x.yaml: a reason"])
    assert forked and par.md == render_markdown(lb)
    assert par.json == render_json(lb) == lb.model_dump_json() + "\n"
    assert par.site == render_html_site(lb)
    assert "M3" in par.site["bm-001.html"] and "&lt;b&gt;M3" in par.site["index.html"]
    ser = render_outputs(plan, Wanted(md=True, json=False, html=False), workers=1)
    assert ser.md == par.md and ser.json is None and ser.site is None and len(forked) == 1



def test_scan_and_check_in_workers_agrees_with_serial(tmp_path, monkeypatch):
    """Files read, hashed and checked in forked workers give the same files, summaries, skip
    reasons and records as scan + collect_infos in one process, warm cache hits included; a
    shown record whose file changed since it was checked is refused with a one-line error."""
    from fmbench.errors import RecordError
    from fmbench.leaderboard.collect import collect_infos, scan, scan_and_check

    catalog = _mixed_folder(tmp_path, monkeypatch)
    ser_files = scan([tmp_path])
    ser = collect_infos(ser_files, catalog, workers=1)
    cache = tmp_path / "cache"
    for expected_hits in (0, len(ser_files)):  # cold, then warm
        checked = scan_and_check([tmp_path], catalog, cache_dir=cache, workers=2)
        files, par = checked.files, checked.summaries()
        assert [(f.source, f.key) for f in files] == [(f.source, f.key) for f in ser_files]
        assert all(f.content is None for f in files)  # the bytes stayed in the workers
        assert par.cache_hits == expected_hits and par.skipped == ser.skipped
        assert [(s, i.summary(), i.record) for s, i in par.infos] == [
            (s, i.summary(), i.record) for s, i in ser.infos
        ]
    source, info = scan_and_check([tmp_path], catalog, workers=2).summaries().infos[0]
    Path(source).write_text(Path(source).read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    with pytest.raises(RecordError, match="changed while the leaderboard was being built"):
        _ = info.record


def test_public_names_resolve_and_an_unchanged_rebuild_needs_no_numpy_or_jinja(tmp_path):
    """The package's renderers load on first use: a rebuild whose outputs are cached imports
    neither numpy nor jinja2 (0.15 s of a 0.6 s command), and every public name resolves."""
    write_records(tmp_path / "evals", [make_record(model="m", value=0.7)])
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from fmbench.leaderboard.publish import build_leaderboard\n"
        "args = ([Path(sys.argv[1])],)\n"
        "kw = dict(out_md=Path(sys.argv[2]) / 'i.md', cache_dir=Path(sys.argv[2]) / 'c')\n"
        "build_leaderboard(*args, **kw)\n"
        "loaded = {m: m in sys.modules for m in ('numpy', 'jinja2')}\n"
        "sys.modules.pop('numpy', None); sys.modules.pop('jinja2', None)\n"
        "for m in [m for m in sys.modules if m.startswith(('numpy.', 'jinja2.'))]: del sys.modules[m]\n"
        "r = build_leaderboard(*args, **kw)\n"
        "print(r.output_cache_hit, 'numpy' in sys.modules, 'jinja2' in sys.modules, loaded['jinja2'])\n"
        "import fmbench.leaderboard as L\n"
        "print(all(callable(getattr(L, n)) for n in L.__all__))\n"
    )
    p = subprocess.run([sys.executable, "-c", code, str(tmp_path / "evals"), str(tmp_path)],
                       capture_output=True, text=True, check=True)
    assert p.stdout.split() == ["True", "False", "False", "True", "True"], p.stdout + p.stderr


def test_duplicate_eval_ids_keep_the_first_path_whatever_the_folder_order(tmp_path):
    """Two files with one eval_id: the file whose path sorts first is kept and the other is
    listed as a duplicate, in whichever order the folders are given; the pages are the same."""
    from fmbench.leaderboard.publish import build_leaderboard

    write_records(tmp_path / "a", [make_record(model="m", value=0.61, eval_id="same")])
    write_records(tmp_path / "b", [make_record(model="m", value=0.91, eval_id="same")])
    pages = []
    for order in ([tmp_path / "a", tmp_path / "b"], [tmp_path / "b", tmp_path / "a"]):
        out = tmp_path / f"out{len(pages)}"
        res = build_leaderboard(order, out_md=out / "i.md", out_json=out / "l.json", cache_dir=None)
        assert res.records == 1
        assert res.skipped == [f"{tmp_path / 'b' / 'same.yaml'}: eval_id: duplicate 'same' "
                               f"(also in {tmp_path / 'a' / 'same.yaml'})"]
        pages.append(((out / "i.md").read_bytes(), (out / "l.json").read_bytes()))
    assert pages[0] == pages[1] and b'"value":0.61' in pages[0][1]
    same_file_twice = build_leaderboard([tmp_path / "a", tmp_path / "a" / "same.yaml"],
                                        out_json=tmp_path / "x.json", cache_dir=None)
    assert same_file_twice.records == 1 and len(same_file_twice.skipped) == 0


def test_a_cache_that_cannot_be_written_does_not_stop_the_build(tmp_path):
    """Caches only save work: with the cache folder impossible to create (under a file), the
    build completes, writes its outputs and says on stderr which cache was not saved."""
    write_records(tmp_path / "evals", [make_record(model="m", value=0.7)])
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    out = tmp_path / "lb.json"
    p = subprocess.run(
        [sys.executable, "-m", "fmbench", "build-leaderboard", "--evals", str(tmp_path / "evals"),
         "--out-json", str(out), "--cache-dir", str(tmp_path / "afile" / "cache")],
        capture_output=True, text=True,
    )
    assert p.returncode == 0, p.stderr
    assert out.is_file() and "1 record(s) read" in p.stdout
    warnings = [line for line in p.stderr.splitlines() if line.startswith("warning: cache ")]
    assert warnings and all("not saved (Not a directory)" in w for w in warnings), p.stderr
    assert "Traceback" not in p.stderr


def test_timings_line_reports_phases_and_cache_use(tmp_path, capsys):
    write_records(tmp_path / "evals", [make_record(model="m", value=0.7)])
    args = ["build-leaderboard", "--evals", str(tmp_path / "evals"), "--out-json", str(tmp_path / "lb.json"),
            "--cache-dir", str(tmp_path / "cache"), "--timings"]
    lines = []
    for _ in range(2):
        main(args)
        lines.append(next(x for x in capsys.readouterr().out.splitlines() if x.startswith("timings: ")))
    for line in lines:
        assert all(f"{phase} " in line for phase in ("scan+check", "build+render", "write", "total"))
    assert lines[0].endswith("record cache hits 0; outputs from cache: no")
    assert lines[1].endswith("record cache hits 1; outputs from cache: yes")


@pytest.mark.parametrize(
    ("flag", "target", "words"),
    [
        ("--out-html", "afile", "exists and is not a folder"),
        ("--out-json", "afile/lb.json", "is a file, so the path cannot be created"),
        ("--out-json", "adir", "is a folder; pass a file path"),
    ],
)
def test_a_bad_output_path_writes_no_output(tmp_path, capsys, flag, target, words):
    """One unusable output path is refused before anything is written: the good ones too."""
    write_records(tmp_path / "evals", [make_record(model="m", value=0.7)])
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    (tmp_path / "adir").mkdir()
    md = tmp_path / "out" / "index.md"
    with pytest.raises(SystemExit) as exc:
        main(["build-leaderboard", "--evals", str(tmp_path / "evals"), "--out-md", str(md),
              flag, str(tmp_path / target), "--no-cache"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and err.count("\n") == 1 and flag in err and words in err, err
    assert not md.exists() and not (tmp_path / "out").exists()
