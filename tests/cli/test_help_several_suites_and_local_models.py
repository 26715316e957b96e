"""CLI conveniences: --version, -h, several suites in one `run`, import_path next to the model YAML."""

from __future__ import annotations

import hashlib
import sys
import textwrap
from pathlib import Path

import pytest

import fmbench
from fmbench.records.io import read_record

OUTPUTS = ("eval.yaml", "report.md", "report.html")
CLASS = "SUITE-TOY-CLASS"
CV = "SUITE-TOY-CLASS-CV"


def _one_line_exit_2(proc, *needles: str) -> str:  # noqa: ANN001
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def _written(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ---------------------------------------------------------------- --version and -h


def test_version(cli):  # noqa: ANN001
    proc = cli("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"fmbench {fmbench.__version__}\n"
    assert proc.stderr == ""


def test_short_help_is_help(cli):  # noqa: ANN001
    for args in ([], ["run"]):
        short, long = cli(*args, "-h"), cli(*args, "--help")
        assert short.returncode == long.returncode == 0, (short.stderr, long.stderr)
        assert short.stdout == long.stdout and "Usage: fmbench" in short.stdout
        assert "-h, --help" in short.stdout
    assert "--version" in cli("-h").stdout


def _command_paths() -> list[list[str]]:
    import typer

    from fmbench.cli import _register_all, app

    _register_all()
    paths: list[list[str]] = []

    def walk(cmd, path: list[str]) -> None:  # noqa: ANN001
        paths.append(path)
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return paths


def test_short_help_on_every_command(capsys):  # noqa: ANN001
    from fmbench.cli import app

    paths = _command_paths()
    assert ["run"] in paths and ["hub", "review"] in paths and ["cache", "ls"] in paths
    for path in paths:
        assert app(args=[*path, "-h"], prog_name="fmbench", standalone_mode=False) == 0  # help, exit 0
        out = capsys.readouterr().out
        assert out.startswith(f"Usage: {' '.join(['fmbench', *path])} "), (path, out[:200])
        assert "-h, --help" in out, path


# ---------------------------------------------------------------- several suites in one run


def test_one_suite_writes_directly_into_out(cli, tmp_path: Path, data_dir: Path):  # noqa: ANN001
    out = tmp_path / "o"
    proc = cli("run", "--suite", f"{CLASS},{CLASS}", "--suite", CLASS, "--model", "majority",
               "--out", out, "--data-dir", data_dir)
    assert proc.returncode == 0, proc.stderr
    assert _written(out) == sorted(OUTPUTS)  # duplicates removed: one suite, the usual layout
    assert read_record(out / "eval.yaml").suite_id == CLASS


def test_several_suites_each_in_its_folder(cli, tmp_path: Path, data_dir: Path):  # noqa: ANN001
    out = tmp_path / "o"
    proc = cli("run", "--suite", f"{CV},{CLASS}", "--suite", CV, "--model", "majority",
               "--out", out, "--data-dir", data_dir)
    assert proc.returncode == 0, proc.stderr
    assert _written(out) == sorted([CV, CLASS])
    for sid in (CV, CLASS):
        assert _written(out / sid) == sorted(OUTPUTS)
        assert read_record(out / sid / "eval.yaml").suite_id == sid
    summaries = [ln for ln in proc.stdout.splitlines() if " · majority: AUROC = " in ln]
    assert [ln.split(" · ")[0] for ln in summaries] == [CV, CLASS]  # in the order given
    assert f"wrote {out / CLASS / 'eval.yaml'}" in proc.stdout


def test_unknown_suite_fails_before_any_suite_runs(cli, tmp_path: Path, data_dir: Path):  # noqa: ANN001
    out = tmp_path / "o"
    proc = cli("run", "--suite", CLASS, "--suite", CV, "--suite", "SUITE-TOY-CLAS", "--model", "majority",
               "--out", out, "--data-dir", data_dir)
    _one_line_exit_2(proc, "'SUITE-TOY-CLAS'", "Did you mean 'SUITE-TOY-CLASS'")
    assert not out.exists()
    assert proc.stdout == ""


def test_bad_model_fails_before_any_suite_runs(cli, tmp_path: Path, data_dir: Path):  # noqa: ANN001
    out = tmp_path / "o"
    proc = cli("run", "--suite", f"{CLASS},{CV}", "--model", tmp_path / "nope.yaml", "--out", out,
               "--data-dir", data_dir)
    line = _one_line_exit_2(proc, "nope.yaml", "not found")
    assert "failed" not in line
    assert not out.exists()


def test_empty_suite_list(cli, tmp_path: Path):  # noqa: ANN001
    out = tmp_path / "o"
    _one_line_exit_2(cli("run", "--suite", " , ", "--model", "majority", "--out", out), "--suite")
    assert not out.exists()


def _catalog_with_failing_suite(tmp_path: Path) -> Path:
    """SUITE-TOY-BADPOS: the toy CV suite with a positive class the labels lack (fails at run time)."""
    src = Path(fmbench.__file__).parent / "catalog" / "builtin" / "suites" / f"{CV}.yaml"
    text = src.read_text().replace(f"id: {CV}", "id: SUITE-TOY-BADPOS")
    text = text.replace("positive_class: positive", "positive_class: nope")
    assert "SUITE-TOY-BADPOS" in text and "nope" in text
    cat = tmp_path / "catalog"
    (cat / "suites").mkdir(parents=True)
    (cat / "suites" / "SUITE-TOY-BADPOS.yaml").write_text(text)
    return cat


def test_failing_suite_keeps_the_finished_ones(cli, tmp_path: Path, data_dir: Path):  # noqa: ANN001
    cat, out = _catalog_with_failing_suite(tmp_path), tmp_path / "o"
    proc = cli("run", "--catalog", cat, "--suite", f"{CLASS},SUITE-TOY-BADPOS,{CV}", "--model", "majority",
               "--out", out, "--data-dir", data_dir)
    _one_line_exit_2(proc, "suite SUITE-TOY-BADPOS failed:", "positive_class 'nope'",
                     f"finished: {CLASS} (in {out / CLASS})", f"not run: {CV}")
    assert _written(out) == [CLASS]  # the failed suite left nothing, not even a staging folder
    assert _written(out / CLASS) == sorted(OUTPUTS)
    assert f"wrote {out / CLASS / 'report.html'}" in proc.stdout


def test_first_suite_failing_writes_nothing(cli, tmp_path: Path, data_dir: Path):  # noqa: ANN001
    cat, out = _catalog_with_failing_suite(tmp_path), tmp_path / "o"
    proc = cli("run", "--catalog", cat, "--suite", "SUITE-TOY-BADPOS", "--suite", CLASS,
               "--model", "majority", "--out", out, "--data-dir", data_dir)
    _one_line_exit_2(proc, "suite SUITE-TOY-BADPOS failed:", "no suite finished", f"not run: {CLASS}")
    assert not out.exists()


# ---------------------------------------------------------------- import_path next to the model YAML

MODULE = textwrap.dedent("""\
    import numpy as np

    import {helper} as helper


    class Clf:
        def __init__(self, p=0.5):
            self.p = p

        def fit(self, X, y):
            return self

        def predict_proba(self, X):
            q = helper.shift(self.p)
            return np.tile([1.0 - q, q], (len(X), 1))
    """)
HELPER = "def shift(p):\n    return p\n"


def _model_folder(folder: Path, *, module: str = "mymodels", p: float = 0.25) -> Path:
    """``folder/model.yaml`` naming ``module:Clf``, with ``module.py`` and its helper module beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text(MODULE.format(helper=f"{module}_helper"))
    (folder / f"{module}_helper.py").write_text(HELPER)
    yaml = folder / "model.yaml"
    yaml.write_text(f"model_id: local-clf\ntype: python_class\nimport_path: {module}:Clf\n"
                    f"init_kwargs: {{p: {p}}}\n")
    return yaml


def test_import_path_found_next_to_the_yaml(cli, tmp_path: Path, data_dir: Path):  # noqa: ANN001
    yaml = _model_folder(tmp_path / "models")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # A module of the same name in the working directory (on sys.path under `python -m`) is not used.
    (elsewhere / "mymodels.py").write_text("raise RuntimeError('the wrong mymodels was imported')\n")
    out = tmp_path / "o"
    proc = cli("run", "--suite", CLASS, "--model", yaml, "--out", out, "--data-dir", data_dir, cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    assert _written(out) == sorted(OUTPUTS)
    rec = read_record(out / "eval.yaml")
    assert rec.model.id == "local-clf"
    assert rec.metrics["AUROC"].value == pytest.approx(0.5)  # a constant score


def test_import_path_missing_everywhere(cli, tmp_path: Path, data_dir: Path):  # noqa: ANN001
    folder = tmp_path / "models"
    folder.mkdir()
    yaml = folder / "model.yaml"
    yaml.write_text("model_id: gone\ntype: python_class\nimport_path: no_such_module_here:Clf\n")
    out = tmp_path / "o"
    proc = cli("run", "--suite", CLASS, "--model", yaml, "--out", out, "--data-dir", data_dir, cwd=tmp_path)
    _one_line_exit_2(proc, "cannot import 'no_such_module_here'", str(folder))
    assert not out.exists()


def test_same_yaml_in_two_folders_does_not_share_the_cache(cli, tmp_path: Path, data_dir: Path):  # noqa: ANN001
    """Same YAML and module name, different code: different records, none served from the other's cache."""
    cache = tmp_path / "cache"
    env = {"FMBENCH_CACHE": str(cache)}
    a = _model_folder(tmp_path / "a", p=0.25)
    b = _model_folder(tmp_path / "b", p=0.25)
    module_b = tmp_path / "b" / "mymodels.py"
    module_b.write_text(module_b.read_text().replace("q = helper.shift(self.p)", "q = 1.0 - self.p"))  # 0.75
    assert a.read_text() == b.read_text()
    briers = {}
    for name, yaml in (("a", a), ("b", b), ("a2", a)):
        out = tmp_path / f"out-{name}"
        proc = cli("run", "--suite", CLASS, "--model", yaml, "--out", out, "--data-dir", data_dir,
                   cwd=tmp_path, env=env)
        assert proc.returncode == 0, proc.stderr
        rec = read_record(out / "eval.yaml")
        briers[name] = rec.metrics["Brier Score"].value
        assert rec.model.config_digest == read_record(tmp_path / "out-a" / "eval.yaml").model.config_digest
    assert briers["a"] != briers["b"]
    assert briers["a2"] == briers["a"]
    assert len(list(cache.rglob("*.npy"))) == 2  # one cached entry per distinct module


@pytest.fixture
def clean_modules():  # noqa: ANN201
    """Forget the in-process test modules afterwards."""
    yield
    from fmbench.models import factory

    for name in [n for n in sys.modules if n.startswith("fmb_conv_")]:
        sys.modules.pop(name, None)
        factory._LOCAL_MODULES.pop(name, None)


def test_local_module_in_process(tmp_path: Path, clean_modules):  # noqa: ANN001
    """Two folders, one module name: each config gets its own class and fingerprint; sys.path untouched."""
    from fmbench.models.config import resolve_model_config
    from fmbench.models.factory import build_model
    from fmbench.models.fingerprint import model_fingerprint

    path_before = list(sys.path)
    a = _model_folder(tmp_path / "a", module="fmb_conv_models", p=0.25)
    b = _model_folder(tmp_path / "b", module="fmb_conv_models", p=0.75)
    (tmp_path / "b" / "fmb_conv_models.py").write_text(
        (tmp_path / "b" / "fmb_conv_models.py").read_text() + "\n# b\n")
    fingerprints = {}
    for name, yaml in (("a", a), ("b", b), ("a", a)):
        config, _ = resolve_model_config(yaml)
        assert config.base_dir == yaml.parent.absolute()
        fingerprints[name] = model_fingerprint(config).code.modules["fmb_conv_models"]["sha256"]
        module_file = yaml.parent / "fmb_conv_models.py"
        assert fingerprints[name] == hashlib.sha256(module_file.read_bytes()).hexdigest()
        model = build_model(config)
        assert Path(sys.modules[type(model).__module__].__file__).samefile(module_file)
        assert model.predict_proba([[0.0]])[0][1] == (0.25 if name == "a" else 0.75)
    assert fingerprints["a"] != fingerprints["b"]
    assert sys.path == path_before


def test_yaml_folder_is_not_part_of_the_config_digest(tmp_path: Path):
    from fmbench.models.config import resolve_model_config

    configs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "m.yaml").write_text("model_id: m\ntype: builtin\nbaseline: majority\n")
        configs.append(resolve_model_config(tmp_path / name / "m.yaml")[0])
    assert configs[0].base_dir != configs[1].base_dir
    assert configs[0].digest() == configs[1].digest()
    assert "base_dir" not in str(configs[0].model_dump())
