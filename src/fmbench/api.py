"""The Python API: evaluate a model from a notebook or a script, as ``fmbench run`` does.

>>> import fmbench
>>> res = fmbench.evaluate(model, suite="SUITE-TOY-CLASS")     # doctest: +SKIP
>>> res.metrics["AUROC"].value, res.metrics["AUROC"].ci         # doctest: +SKIP
>>> res.save("runs/my-model")                                  # doctest: +SKIP

``model`` is an in-memory object (anything with the methods the suite's protocol calls:
``fit``/``predict_proba``, ``embed``, ``generate``, ``reconstruct``), a model config YAML path,
a config mapping, or a built-in model id such as ``"logistic"``.

Rules for an in-memory object:

* Every fit gets a fresh copy, so cross-validation folds never leak into each other and the
  caller's object is never fitted: ``sklearn.base.clone`` (unfitted parameters) for
  scikit-learn estimators (objects with ``get_params``), ``copy.deepcopy`` for anything else.
  ``copy=False`` hands the object itself to every fold instead (for a large frozen model
  that is never fitted, or whose ``fit`` starts from scratch).
* Its outputs are not cached, since fmbench cannot tell when an object changes, unless the
  caller passes ``cache_key=`` (or the object has a ``cache_key`` attribute, or method taking no
  arguments, giving one): a string the caller promises to change whenever the model does. With
  it, the output cache of ``fmbench run`` is used, keyed on it as well as on the source of the
  class's module and what it imports. Without it the record's ``provenance.cache`` reads
  ``off: in-memory model without cache_key``.
* The record is the one ``fmbench run`` writes for the same model given as a config, except
  ``model.config_digest`` (the sha256 of model_id, the class's qualified name and the
  cache_key when given), ``provenance.model_source: object`` and, without a cache_key,
  ``provenance.cache``.
* Errors are raised, not printed: the same one-line ``FmbenchError`` subclasses the command
  line prints (``ModelError`` for a model raising or returning NaN, ``ConfigError``,
  ``NotFoundError`` with a did-you-mean, ``DataError``).
"""

from __future__ import annotations

import copy as _copy
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fmbench.errors import ConfigError, FmbenchError, ModelError
from fmbench.models.config import ModelConfig
from fmbench.records.digest import canonical_json, sha256_hex

if TYPE_CHECKING:
    import pandas as pd

    from fmbench.catalog.registry import Catalog
    from fmbench.catalog.schema import SuiteSpec
    from fmbench.leaderboard.publish import PublishResult
    from fmbench.records.schema import EvalRecord

__all__ = ["EvaluationResult", "build_leaderboard", "evaluate", "list_suites", "load_record"]

FRAME_COLUMNS = ["dimension", "group", "N", "metric", "value", "ci_low", "ci_high", "reason"]
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


class ObjectModelConfig(ModelConfig):
    """The config an in-memory object runs under (``type: object``; never built from YAML)."""

    cache_key: str | None = None

    def digest(self) -> str:
        """sha256 of model_id, the object's class (``module:qualname``) and the cache_key if any."""
        data: dict[str, Any] = {"model_id": self.model_id, "class": self.import_path}
        if self.cache_key is not None:
            data["cache_key"] = self.cache_key
        if self.allow_hard_labels:
            data["allow_hard_labels"] = True
        return "sha256:" + sha256_hex(canonical_json(data))


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class EvaluationResult:
    """One evaluation: the eval record, with shortcuts and writers."""

    record: EvalRecord
    catalog: Catalog = field(repr=False, compare=False)

    @property
    def metrics(self) -> dict[str, Any]:
        """Overall metrics by name: ``.value``, ``.ci`` (lower, upper), ``.n``, ``.reason``."""
        return self.record.metrics

    @property
    def stratified(self) -> dict[str, Any]:
        """Per dimension (scanner, sex, …), per group: ``.N`` and ``.metrics``."""
        return self.record.stratified

    @property
    def subgroups(self) -> dict[str, Any]:
        return self.record.subgroups

    @property
    def suite_id(self) -> str | None:
        return self.record.suite_id

    @property
    def model_id(self) -> str:
        return self.record.model.id

    @property
    def primary_metric(self) -> str:
        """The benchmark's primary metric (the first metric recorded if it is absent)."""
        primary = self.catalog.benchmark(self.record.benchmark_id).primary_metric
        return primary if primary in self.record.metrics else next(iter(self.record.metrics))

    def save(self, out_dir: str | Path) -> list[Path]:
        """Write ``eval.yaml``, ``report.md`` and ``report.html`` to ``out_dir``, all or nothing."""
        from fmbench.records.io import write_outputs
        from fmbench.runner import render_outputs

        return write_outputs(out_dir, render_outputs(self.record, self.catalog))

    def to_frame(self) -> pd.DataFrame:
        """Overall (dimension ``overall``, group ``all``) and per-stratum metrics, one row each."""
        import pandas as pd

        rows: list[list[Any]] = []

        def add(dimension: str, group: str, n: int | None, metrics: Mapping[str, Any]) -> None:
            for name, mv in metrics.items():
                lo, hi = mv.ci if mv.ci is not None else (None, None)
                count = mv.n if mv.n is not None else n
                rows.append([dimension, group, count, name, mv.value, lo, hi, mv.reason])

        add("overall", "all", self.record.dataset.n, self.record.metrics)
        for dim, groups in self.record.stratified.items():
            for group, res in groups.items():
                add(dim, group, res.N, res.metrics)
        frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
        for col in ("value", "ci_low", "ci_high"):
            frame[col] = frame[col].astype(float)
        frame["N"] = frame["N"].astype("Int64")
        return frame

    def __repr__(self) -> str:
        from fmbench.reports.tables import estimate_text

        primary = self.primary_metric
        return (f"EvaluationResult({self.record.suite_id} · {self.record.model.id}: "
                f"{primary} = {estimate_text(self.record.metrics[primary])}, n={self.record.dataset.n})")


# ---------------------------------------------------------------- helpers


def _catalog(catalog: Any) -> Catalog:
    from fmbench.catalog.registry import Catalog, load_catalog

    if isinstance(catalog, Catalog):
        return catalog
    if catalog is None:
        return load_catalog([])
    if isinstance(catalog, str | Path):
        return load_catalog([Path(catalog)])
    return load_catalog([Path(p) for p in catalog])


def _default_model_id(obj: Any) -> str:
    raw = type(obj).__name__
    out = re.sub(r"[^A-Za-z0-9._-]", "_", raw).lstrip("._-")
    return out or "model"


def _copier(obj: Any, model_id: str, copy: bool) -> Callable[[], Any]:
    """A factory of fresh, unfitted copies of ``obj`` (or ``obj`` itself with ``copy=False``)."""
    if not copy:
        return lambda: obj
    how, make = "copy.deepcopy", _copy.deepcopy
    if hasattr(obj, "get_params") and callable(obj.get_params):
        try:
            from sklearn.base import clone
        except ImportError:  # get_params without scikit-learn: not an estimator of ours to clone
            pass
        else:
            how, make = "sklearn.base.clone", clone

    def fresh() -> Any:
        try:
            return make(obj)
        except FmbenchError:
            raise
        except Exception as exc:  # noqa: BLE001 - user objects may refuse copying in any way
            msg = " ".join(str(exc).split()) or "(no message)"
            raise ModelError(
                f"model {model_id!r}: cannot make a fresh copy with {how} ({type(exc).__name__}: {msg}); "
                f"make the object copyable, or pass copy=False if its fit() starts from scratch"
            ) from None

    return fresh


def _object_config(obj: Any, *, model_id: str | None, name: str | None,
                   cache_key: str | None, allow_hard_labels: bool = False) -> ObjectModelConfig:
    if model_id is None:
        model_id = _default_model_id(obj)
    elif not isinstance(model_id, str) or not _ID_RE.match(model_id):
        raise ConfigError(f"model_id={model_id!r}: use letters, digits, '.', '_' and '-', starting with a "
                          f"letter or digit")
    if cache_key is not None and (not isinstance(cache_key, str) or not cache_key):
        raise ConfigError(f"cache_key={cache_key!r}: must be a non-empty string that changes whenever "
                          f"the model does")
    cls = type(obj)
    return ObjectModelConfig(model_id=model_id, name=name, type="object",
                             import_path=f"{cls.__module__}:{cls.__qualname__}", cache_key=cache_key,
                             allow_hard_labels=allow_hard_labels)


def _own_cache_key(obj: Any) -> str | None:
    """The object's own ``cache_key``: an attribute, or a method taking no arguments."""
    key = getattr(obj, "cache_key", None)
    if callable(key):
        try:
            key = key()
        except Exception as exc:  # noqa: BLE001 - the user's method may raise anything
            who = type(obj).__name__
            raise ModelError(f"model {who}: cache_key() raised {type(exc).__name__}: {exc}") from None
    if key is not None and (not isinstance(key, str) or not key):
        raise ConfigError(f"model {type(obj).__name__}: its cache_key is {key!r}; it must be a non-empty "
                          f"string that changes whenever the model does")
    return key


def _is_config_spec(model: Any) -> bool:
    return isinstance(model, str | Path | ModelConfig | Mapping)


def _progress_factory(factory: Callable[[], Any], suite: SuiteSpec,
                      say: Callable[[str], None]) -> Callable[[], Any]:
    total = suite.split.n_folds if suite.split.kind == "kfold" else None
    count = 0

    def wrapped() -> Any:
        nonlocal count
        count += 1
        say(f"fold {count}/{total}: fresh model" if total else "fresh model: fit and predict")
        return factory()

    return wrapped


def _say(message: str) -> None:
    print(f"fmbench: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the API


def evaluate(
    model: Any,
    suite: str,
    *,
    model_id: str | None = None,
    name: str | None = None,
    cache_key: str | None = None,
    allow_hard_labels: bool = False,
    copy: bool = True,
    seed: int | None = None,
    protocol: str | None = None,
    catalog: Any = (),
    data_dir: str | Path | None = None,
    out: str | Path | None = None,
    no_cache: bool = False,
    progress: Any = False,
    data: str | Path | None = None,
    label_column: str | None = None,
    meta_columns: Sequence[str] | None = None,
    text_column: str | None = None,
    strata: Sequence[str] | None = None,
    sequence_column: str | None = None,
    labels_file: str | Path | None = None,
) -> EvaluationResult:
    """Evaluate ``model`` on ``suite``; returns an :class:`EvaluationResult`.

    ``model``: an in-memory object, a model config YAML path (or a config mapping / ModelConfig),
    or a built-in model id such as ``"logistic"``. ``model_id``/``name`` (id and display name in
    the record; default: the class name), ``cache_key`` and ``allow_hard_labels`` (accept 0/1 labels
    from predict_proba; a config sets it in the config) apply to objects only. ``seed``,
    ``protocol``, ``catalog`` (extra catalog folders), ``data_dir`` and ``no_cache`` mean what
    ``fmbench run``'s options do. ``out``: also write the record and reports there (nothing is
    written if anything fails). ``progress``: True prints each stage to stderr and shows a bar for long
    work; or pass your own ``fmbench.progress.ProgressReporter``. ``data``: your own data instead of
    the suite's dataset (a folder or file, as ``fmbench run --data``), read with ``label_column``,
    ``meta_columns``, ``text_column`` (``sequence_column``, ``labels_file`` for DNA sequences) and
    reported by ``strata``.
    """
    from fmbench.models.config import parse_model_config, resolve_model_config
    from fmbench.runner import prepare_context, run_context, with_user_data

    cat = _catalog(catalog)
    suite_spec = cat.suite(suite)
    dataset, data_provenance = None, None
    if data is not None:
        from fmbench.data.user_data import DataOptions

        reading = DataOptions(label_column=label_column, text_column=text_column,
                              meta_columns=None if meta_columns is None else tuple(meta_columns),
                              strata=None if strata is None else tuple(strata),
                              sequence_column=sequence_column,
                              labels_file=None if labels_file is None else Path(labels_file))
        cat, dataset, data_provenance = with_user_data(cat, suite_spec.id, data, reading)
        suite_spec = cat.suite(suite_spec.id)
    elif any(v is not None for v in (label_column, meta_columns, text_column, strata, sequence_column,
                                     labels_file)):
        raise ConfigError("label_column=, meta_columns=, text_column=, sequence_column=, labels_file= and "
                          "strata= read your own data: pass data= too")
    options: dict[str, Any] = {"protocol": protocol} if protocol else {}
    provenance_extra: dict[str, Any] | None = None
    new_model: Callable[[], Any] | None = None
    if _is_config_spec(model):
        for arg, value in (("model_id", model_id), ("name", name), ("cache_key", cache_key),
                           ("allow_hard_labels", allow_hard_labels or None)):
            if value is not None:
                raise ConfigError(f"{arg}= applies to in-memory model objects; for a config or built-in "
                                  f"model, set it in the model config")
        if isinstance(model, ModelConfig):
            config = model
        elif isinstance(model, Mapping):
            config = parse_model_config(dict(model), source="model config")
        else:
            config, _ = resolve_model_config(model, cat)
        if no_cache:
            options.update(no_cache=True, no_cache_reason="no_cache=True")
    else:
        if isinstance(model, type):
            raise ConfigError(f"model: got the class {model.__name__}; pass an instance, "
                              f"e.g. {model.__name__}()")
        if cache_key is None:
            cache_key = _own_cache_key(model)
        config = _object_config(model, model_id=model_id, name=name, cache_key=cache_key,
                                allow_hard_labels=allow_hard_labels)
        new_model = _copier(model, config.model_id, copy)
        provenance_extra = {"model_source": "object"}
        if no_cache:
            options.update(no_cache=True, no_cache_reason="no_cache=True")
        elif cache_key is None:
            options.update(no_cache=True, no_cache_reason="in-memory model without cache_key")
    if progress:
        _say(f"{suite_spec.id} · {config.model_id}: loading dataset {suite_spec.dataset_id}"
             if dataset is None else f"{suite_spec.id} · {config.model_id}: on your data {dataset.id}")
        new_model = _progress_factory(new_model or (lambda: _build(config)), suite_spec, _say)
    reporter = None
    if progress:
        from fmbench.progress import RichProgress

        reporter = RichProgress() if progress is True else progress  # or the caller's own reporter
    ctx = prepare_context(cat, suite_spec.id, config, data_dir=data_dir, seed=seed, options=options,
                          new_model=new_model, progress=reporter, dataset=dataset)
    if data_provenance:
        provenance_extra = {**(provenance_extra or {}), **data_provenance}
    if progress:
        _say(f"{suite_spec.id} · {config.model_id}: running {options.get('protocol') or suite_spec.protocol} "
             f"on {ctx.dataset.id}")
    t0 = time.perf_counter()
    record = run_context(ctx, seed=seed, provenance_extra=provenance_extra)
    res = EvaluationResult(record=record, catalog=cat)
    if progress:
        from fmbench.reports.tables import estimate_text

        primary = res.primary_metric
        _say(f"{suite_spec.id} · {config.model_id}: {primary} = {estimate_text(res.metrics[primary])} "
             f"({time.perf_counter() - t0:.1f} s)")
    if out is not None:
        res.save(out)
    return res


def _build(config: ModelConfig) -> Any:
    from fmbench.models.factory import build_model

    return build_model(config)


def list_suites(catalog: Any = ()) -> dict[str, SuiteSpec]:
    """Runnable suites by id (sorted), built-in plus those of the ``catalog`` folders."""
    cat = _catalog(catalog)
    return {sid: cat.suites[sid] for sid in sorted(cat.suites)}


def load_record(path: str | Path) -> EvalRecord:
    """Read an ``eval.yaml`` (or the ``eval.yaml`` of a run folder), validated."""
    from fmbench.records.io import read_record

    path = Path(path)
    return read_record(path / "eval.yaml" if path.is_dir() else path)


def build_leaderboard(
    evals: str | Path | Sequence[str | Path],
    *,
    out_md: str | Path | None = None,
    out_html: str | Path | None = None,
    out_json: str | Path | None = None,
    strict: bool = False,
    catalog: str | Path | Iterable[str | Path] = (),
    cache_dir: str | Path | None = None,
    no_cache: bool = False,
) -> PublishResult:
    """Build the leaderboards from record folders/files, as ``fmbench build-leaderboard`` does.

    At least one of ``out_md`` (MkDocs page), ``out_html`` (site folder), ``out_json`` is needed.
    """
    from fmbench.leaderboard.publish import build_leaderboard as publish
    from fmbench.leaderboard.publish import default_cache_dir

    if out_md is None and out_html is None and out_json is None:
        raise ConfigError("build_leaderboard: pass out_md=, out_html= or out_json= (where to write)")
    paths = [Path(evals)] if isinstance(evals, str | Path) else [Path(p) for p in evals]
    dirs = [Path(catalog)] if isinstance(catalog, str | Path) else [Path(p) for p in catalog]
    return publish(
        paths,
        out_md=None if out_md is None else Path(out_md),
        out_html=None if out_html is None else Path(out_html),
        out_json=None if out_json is None else Path(out_json),
        strict=strict,
        catalog_dirs=dirs,
        cache_dir=None if no_cache else (Path(cache_dir) if cache_dir is not None else default_cache_dir()),
    )
