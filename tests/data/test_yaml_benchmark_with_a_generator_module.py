"""docs/dev/extending.md, "Add a benchmark on an existing protocol (YAML only)", run as written.

The example catalog's four files are kept here and the page must show each verbatim; the
commands it shows are run in a temporary folder: validate, run (logistic, majority; metrics
recomputed with scikit-learn from the generated files), build-leaderboard. Then: generated data
are reused, editing the generator regenerates them, and a broken generator reference fails with
one line naming the card file, exit status 2 and no data folder left behind.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from fmbench.catalog.schema import DatasetCard
from fmbench.errors import ConfigError, DataError
from fmbench.records.io import read_record

DOC = Path(__file__).resolve().parents[2] / "docs" / "dev" / "extending.md"
SECTION = "## Add a benchmark on an existing protocol (YAML only)"

BENCHMARK = """\
# mycatalog/benchmarks/BM-GAIT-PD.yaml
id: BM-GAIT-PD
name: Parkinson's disease from wearable gait features
health_domain: Neurology
health_topic: Parkinson's disease
description: >-
  Classify people with Parkinson's disease vs controls from 12 gait features (stride time and its
  variability, cadence, arm swing, ...) measured with a wrist-worn sensor in clinic or at home.
clinical_relevance: >-
  Gait changes appear early in Parkinson's disease; a wearable screen could flag people for a
  specialist assessment.
ai_task: Classification
input_modality: wearable gait features
output_type: Class probabilities (2 classes)
primary_metric: AUROC
metrics:  # registered names (`python -m fmbench list-metrics`), with the registry's directions
  - {name: AUROC, definition: Area under the ROC curve of the PD score., direction: higher, min: 0, max: 1}
  - {name: Balanced Accuracy, definition: Mean of per-class recall., direction: higher, min: 0, max: 1}
  - {name: Sensitivity, definition: Recall of PD (true-positive rate)., direction: higher, min: 0, max: 1}
  - {name: Specificity, definition: Recall of controls., direction: higher, min: 0, max: 1}
  - {name: Brier Score, definition: Squared error of the probabilities., direction: lower, min: 0, max: 2}
strata: [site, sex, age_group]
canonical_suite: SUITE-GAIT-PD
"""

CARD = """\
# mycatalog/datasets/DS-GAIT-SIM.yaml
id: DS-GAIT-SIM
name: Simulated wearable gait features (PD vs control)
description: >-
  300 simulated subjects x 12 gait features; PD shifts four of them. Home recordings are
  offset from clinic ones. Subjects are assigned to train (70%) or test (30%) in the split column.
source: generated
generator: gait_sim:generate      # the function generate() in gait_sim.py, next to this card
seed: 7
params: {n_subjects: 300, effect_size: 0.8}
loader: npy_table
format: npy+csv
modality: wearable gait features (synthetic)
license: CC0-1.0
n_samples: 300
"""

GENERATOR = r'''# mycatalog/datasets/gait_sim.py
"""Simulated wearable gait features for Parkinson's disease vs controls (a user generator)."""

from pathlib import Path

import numpy as np
import pandas as pd


def generate(out_dir: Path, *, seed: int, n_subjects: int = 300, n_features: int = 12,
             effect_size: float = 1.0) -> None:
    """Write X.npy (subjects x features) and meta.csv (one row per subject) into out_dir."""
    rng = np.random.default_rng(seed)
    label = rng.choice(["PD", "control"], size=n_subjects, p=[0.4, 0.6])
    site = rng.choice(["clinic", "home"], size=n_subjects)
    sex = rng.choice(["F", "M"], size=n_subjects)
    age = rng.normal(66, 8, size=n_subjects).round(1)
    X = rng.normal(size=(n_subjects, n_features))
    X[:, :4] += effect_size * (label == "PD")[:, None]  # slower, more variable gait
    X += (site == "home")[:, None] * rng.normal(0, 0.5, size=n_features)  # free-living offset
    meta = pd.DataFrame({
        "subject_id": [f"sub-{i:03d}" for i in range(n_subjects)],
        "label": label,
        "site": site,
        "sex": sex,
        "age": age,
        "split": np.where(rng.random(n_subjects) < 0.3, "test", "train"),
    })
    np.save(out_dir / "X.npy", X.astype(np.float32))
    meta.to_csv(out_dir / "meta.csv", index=False, lineterminator="\n")
'''

SUITE = """\
# mycatalog/suites/SUITE-GAIT-PD.yaml
id: SUITE-GAIT-PD
benchmark_id: BM-GAIT-PD
name: PD vs control from gait features, fixed test set
description: >-
  Fit on the subjects the dataset marks train, test on the 30% it marks test; bootstrap over
  subjects for the confidence intervals.
dataset_id: DS-GAIT-SIM
protocol: classification
label_column: label
positive_class: PD
split: {kind: predefined}
bootstrap: {n_boot: 1000, seed: 42, cluster_column: subject_id}
min_group_size: 10
strata: [site, sex, age_group]
required_metadata: [subject_id, site, sex, age, split]
baselines: [majority, logistic]
"""

FILES = {
    "mycatalog/benchmarks/BM-GAIT-PD.yaml": ("yaml", BENCHMARK),
    "mycatalog/datasets/DS-GAIT-SIM.yaml": ("yaml", CARD),
    "mycatalog/datasets/gait_sim.py": ("python", GENERATOR),
    "mycatalog/suites/SUITE-GAIT-PD.yaml": ("yaml", SUITE),
}
VALIDATE = "python -m fmbench validate --catalog mycatalog mycatalog"
RUN = ("python -m fmbench run --catalog mycatalog --suite SUITE-GAIT-PD --model {model} "
       "--data-dir data --out runs/{model}")
LEADERBOARD = "python -m fmbench build-leaderboard --catalog mycatalog --evals runs --out-md leaderboard.md"
CARD_FILE = "mycatalog/datasets/DS-GAIT-SIM.yaml"
TYPO = f"{CARD_FILE}: generator: 'gait_sim:generat': gait_sim has no function 'generat'"
SUMMARY = re.compile(r"SUITE-GAIT-PD · (\w+): AUROC = ([\d.]+)(?: \[([\d.]+), ([\d.]+)\]| \(no CI\))")


def write_catalog(root: Path) -> Path:
    for rel, (_, text) in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def fmbench(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run a command line as the page shows it (``python -m fmbench …``) in ``cwd``."""
    argv = shlex.split(command)
    assert argv[:3] == ["python", "-m", "fmbench"]
    env = {k: v for k, v in os.environ.items() if k != "FMBENCH_DATA"}
    return subprocess.run([sys.executable, *argv[1:]], cwd=cwd, capture_output=True, text=True,
                          env={**env, "COLUMNS": "200"}, timeout=600)


def summaries(text: str) -> dict[str, tuple[float, float | None, float | None]]:
    """``{model: (AUROC, lower, upper)}`` from the run's summary lines (no bounds: '(no CI)')."""
    return {m[1]: (float(m[2]), *(None if v is None else float(v) for v in (m[3], m[4])))
            for m in SUMMARY.finditer(text)}


def manifest(root: Path) -> dict:
    return json.loads((root / "data" / "DS-GAIT-SIM" / "manifest.json").read_text())


def doc_section() -> str:
    return DOC.read_text().split(SECTION, 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[Path, dict[str, subprocess.CompletedProcess]]:  # noqa: ANN001
    """The page's folder after its validate and its two runs."""
    root = write_catalog(tmp_path_factory.mktemp("extending"))
    procs = {"validate": fmbench(VALIDATE, root)}
    for model in ("logistic", "majority"):
        procs[model] = fmbench(RUN.format(model=model), root)
    return root, procs


def test_the_page_shows_these_files_and_commands():
    doc = DOC.read_text()
    assert re.findall(r"^## .*$", doc, flags=re.MULTILINE)[0] == SECTION, "it is the page's first section"
    section = doc_section()
    for rel, (lang, text) in FILES.items():
        assert f"```{lang}\n{text}```" in section, f"{rel}: the page does not show this file verbatim"
        assert text.startswith(f"# {rel}\n")
    for command in (VALIDATE, RUN.format(model="logistic"), RUN.format(model="majority"), LEADERBOARD):
        assert f"\n{command}\n" in section, command
    assert f"\nerror: {TYPO}\n" in section
    assert set(summaries(section)) == {"logistic", "majority"}


def test_validate_accepts_the_catalog(example):  # noqa: ANN001
    proc = example[1]["validate"]
    assert proc.returncode == 0, proc.stderr
    assert "3 file(s) valid" in proc.stdout


def test_logistic_metrics_equal_sklearn_on_the_generated_files(example):  # noqa: ANN001
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, brier_score_loss, recall_score, roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    root, procs = example
    assert procs["logistic"].returncode == 0, procs["logistic"].stderr
    folder = root / "data" / "DS-GAIT-SIM"
    assert sorted(p.name for p in folder.iterdir()) == ["X.npy", "manifest.json", "meta.csv"]
    X = np.load(folder / "X.npy").astype(np.float64)
    meta = pd.read_csv(folder / "meta.csv")
    y = (meta["label"] == "PD").to_numpy().astype(int)
    train, test = np.flatnonzero(meta["split"] == "train"), np.flatnonzero(meta["split"] == "test")
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000)).fit(X[train], y[train])
    P = clf.predict_proba(X[test])
    pred = P.argmax(axis=1)
    expected = {
        "AUROC": roc_auc_score(y[test], P[:, 1]),
        "Balanced Accuracy": balanced_accuracy_score(y[test], pred),
        "Sensitivity": recall_score(y[test], pred, pos_label=1),
        "Specificity": recall_score(y[test], pred, pos_label=0),
        "Brier Score": brier_score_loss(y[test], P[:, 1]),
    }
    rec = read_record(root / "runs" / "logistic" / "eval.yaml")
    assert rec.benchmark_id == "BM-GAIT-PD" and rec.suite_id == "SUITE-GAIT-PD" and rec.status == "completed"
    assert rec.dataset.n == len(test) and rec.dataset.split == "test"
    assert rec.dataset.digest == manifest(root)["digest"]
    for name, value in expected.items():
        got = rec.metrics[name]
        assert got.value == pytest.approx(value, abs=1e-9), name
        assert got.ci is not None and got.ci[0] <= got.value <= got.ci[1], name
        assert got.n == len(test)
    assert rec.metrics["AUROC"].ci[0] > 0.5
    assert {"site", "sex", "age_group"} <= set(rec.stratified)
    # the summary line the run prints is the one the page shows
    shown, printed = summaries(doc_section())["logistic"], summaries(procs["logistic"].stdout)["logistic"]
    assert printed == pytest.approx(shown, abs=5e-4)


def test_majority_scores_chance_on_the_same_data(example):  # noqa: ANN001
    root, procs = example
    assert procs["majority"].returncode == 0, procs["majority"].stderr
    rec = read_record(root / "runs" / "majority" / "eval.yaml")
    assert rec.metrics["AUROC"].value == pytest.approx(0.5)
    assert rec.dataset.digest == read_record(root / "runs" / "logistic" / "eval.yaml").dataset.digest
    assert summaries(procs["majority"].stdout)["majority"] == summaries(doc_section())["majority"]


def test_the_leaderboard_ranks_the_new_benchmark(example):  # noqa: ANN001
    root, procs = example
    assert procs["logistic"].returncode == 0 and procs["majority"].returncode == 0
    proc = fmbench(LEADERBOARD, root)
    assert proc.returncode == 0, proc.stderr
    page = (root / "leaderboard.md").read_text()
    section = page.split("{ #bm-gait-pd }", 1)[1].split("\n---\n", 1)[0]
    assert "SUITE-GAIT-PD" in section and "The benchmark's canonical suite" in section
    assert section.index("Logistic regression") < section.index("Majority class")


def test_data_are_reused_and_regenerated_when_the_generator_changes(tmp_path):  # noqa: ANN001
    root = write_catalog(tmp_path)
    digests: list[str] = []

    def run() -> str:
        out = f"runs/r{len(digests)}"
        proc = fmbench(RUN.format(model="logistic").replace("--out runs/logistic", f"--out {out}"), root)
        assert proc.returncode == 0, proc.stderr
        digests.append(read_record(root / out / "eval.yaml").dataset.digest)
        return digests[-1]

    def stamp() -> tuple[int, int]:
        stat = (root / "data" / "DS-GAIT-SIM" / "X.npy").stat()
        return stat.st_ino, stat.st_mtime_ns

    first = run()
    made, code = stamp(), manifest(root)["recipe"]["code"]
    assert run() == first and stamp() == made  # reused: same digest, the files were not rewritten

    module = tmp_path / "mycatalog" / "datasets" / "gait_sim.py"
    module.write_text(module.read_text() + "# a comment changes the code, not the data\n")
    assert run() == first  # regenerated (other code), same bytes out
    assert manifest(root)["recipe"]["code"] != code and stamp() != made

    module.write_text(module.read_text().replace("rng.normal(66, 8,", "rng.normal(70, 8,"))
    assert run() != first  # other data, another digest


BROKEN = {
    "typo in the function": ("generator: gait_sim:generate", "generator: gait_sim:generat", TYPO),
    "no such module": ("generator: gait_sim:generate", "generator: gait_simm:generate",
                       f"{CARD_FILE}: generator: 'gait_simm:generate': cannot import 'gait_simm'"),
    "no such file": ("generator: gait_sim:generate", "generator: ../gait.py:generate",
                     f"{CARD_FILE}: generator: '../gait.py:generate': no such file"),
    "the generator raises": ("effect_size: 0.8", "effect_size: strong",
                             f"{CARD_FILE}: generator: gait_sim:generate raised "),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_generator_is_one_line_exit_2_and_leaves_no_data(tmp_path, case):  # noqa: ANN001
    root = write_catalog(tmp_path)
    old, new, message = BROKEN[case]
    card_file = root / CARD_FILE
    assert old in card_file.read_text()
    card_file.write_text(card_file.read_text().replace(old, new))
    proc = fmbench(RUN.format(model="logistic"), root)
    assert proc.returncode == 2, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.strip().startswith(f"error: {message}"), proc.stderr
    data = root / "data"
    assert not data.exists() or list(data.iterdir()) == []  # nothing half-written, no temporary folder
    assert not (root / "runs" / "logistic").exists()


def test_a_syntax_error_in_the_generator_names_the_card(tmp_path):  # noqa: ANN001
    root = write_catalog(tmp_path)
    module = root / "mycatalog" / "datasets" / "gait_sim.py"
    module.write_text(module.read_text().replace("def generate(", "def generate(("))
    proc = fmbench(RUN.format(model="logistic"), root)
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip()
    assert line.startswith(f"error: {CARD_FILE}: generator: importing ") and "SyntaxError" in line, line
    assert not (root / "data" / "DS-GAIT-SIM").exists()


# --- the store's resolution, in-process (the card file given explicitly) --------------------------

def card(**changes: object) -> DatasetCard:
    return DatasetCard.model_validate({**yaml.safe_load(CARD), **changes})


def test_file_form_and_sibling_modules_are_fingerprinted(tmp_path):  # noqa: ANN001
    from fmbench.data.provision import generate_dataset, load_dataset, resolve_generator

    folder = tmp_path / "cat" / "datasets"
    (folder / "gen").mkdir(parents=True)
    (folder / "gen" / "mygen.py").write_text(
        "import numpy as np\nimport pandas as pd\nfrom mygen_helpers import SCALE\n\n\n"
        "def make(out_dir, *, seed, n=20):\n"
        "    rng = np.random.default_rng(seed)\n"
        "    np.save(out_dir / 'X.npy', rng.normal(size=(n, 3)) * SCALE)\n"
        "    pd.DataFrame({'label': ['a', 'b'] * (n // 2)}).to_csv(out_dir / 'meta.csv', index=False)\n"
    )
    helpers = folder / "gen" / "mygen_helpers.py"
    helpers.write_text("SCALE = 2.0\n")
    card_file = folder / "DS-X.yaml"
    c = card(id="DS-X", generator="gen/mygen.py:make", params={"n": 20})
    before = resolve_generator(c, card_file)
    assert before.user and callable(before.function)
    data_dir = tmp_path / "data"
    first = load_dataset(c, data_dir, card_file=card_file)
    assert first.X.shape == (20, 3)
    assert "mygen_helpers" not in sys.modules  # re-read from its folder on every resolve
    helpers.write_text("SCALE = 3.0\n")
    assert resolve_generator(c, card_file).code != before.code  # an imported sibling changed
    generate_dataset(c, data_dir, card_file=card_file)
    assert load_dataset(c, data_dir, card_file=card_file).digest != first.digest


def test_module_form_falls_back_to_sys_path(tmp_path, monkeypatch):  # noqa: ANN001
    from fmbench.data.provision import resolve_generator

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "installed_gait_gen.py").write_text(GENERATOR)
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "installed_gait_gen", raising=False)
    gen = resolve_generator(card(generator="installed_gait_gen:generate"), tmp_path / "elsewhere" / "DS.yaml")
    assert gen.user and gen.function.__name__ == "generate"
    sys.modules.pop("installed_gait_gen", None)


def test_registered_names_keep_their_fingerprint():
    """Cards naming a built-in generator keep the recipe they had, so data made before stay valid."""
    import hashlib
    import inspect

    from fmbench.data.generators import GENERATORS
    from fmbench.data.provision import resolve_generator

    gen = resolve_generator(card(generator="toy_fmri_classification"))
    module = inspect.getmodule(GENERATORS.get("toy_fmri_classification"))
    assert not gen.user
    assert gen.code == hashlib.sha256(inspect.getsource(module).encode()).hexdigest()[:16]


@pytest.mark.parametrize(("ref", "words"), [
    ("toy_fmri_clasification", "Did you mean 'toy_fmri_classification'"),
    ("gait_sim:", "is not a registered generator name"),
    ("gait-sim:generate", "is not a registered generator name"),
    ("gait_sim:generate", "cannot import 'gait_sim'"),
])
def test_bad_references_name_the_card_and_field(tmp_path, ref, words):  # noqa: ANN001
    from fmbench.data.provision import generator_problems, resolve_generator

    card_file = tmp_path / "datasets" / "DS-GAIT-SIM.yaml"
    card_file.parent.mkdir()
    with pytest.raises(ConfigError) as info:
        resolve_generator(card(generator=ref), card_file)
    assert str(info.value).startswith(f"{card_file}: generator: ") and words in str(info.value)
    assert generator_problems(card(generator=ref), card_file) == [str(info.value)]


def test_a_generator_that_writes_nothing_is_refused(tmp_path):  # noqa: ANN001
    from fmbench.data.provision import generate_dataset

    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "empty.py").write_text("def make(out_dir, *, seed):\n    pass\n")
    with pytest.raises(DataError, match="wrote no files"):
        generate_dataset(card(generator="empty:make", params={}), tmp_path / "data",
                         card_file=tmp_path / "datasets" / "DS-GAIT-SIM.yaml")
    assert list((tmp_path / "data").iterdir()) == []


def test_validate_refuses_a_generator_that_does_not_resolve(tmp_path):  # noqa: ANN001
    root = write_catalog(tmp_path)
    card_file = root / CARD_FILE
    text = card_file.read_text().replace("generator: gait_sim:generate", "generator: gait_sim:generat")
    card_file.write_text(text)
    proc = fmbench(VALIDATE, root)
    assert proc.returncode == 2
    assert TYPO in proc.stdout + proc.stderr
    assert not (root / "data").exists()  # validate generates nothing
