"""The code behind a model: the user's modules (by source) and installed distributions (by version).

Starting from the modules a model is made of (the ``import_path`` module, a baseline's or an
adapter's module), imports are followed: every ``import`` / ``from ... import`` statement in a
module's source (at any depth, so imports inside functions count too) and every global of the
loaded module that is a module or was defined in one. Each module found is one of:

* **the user's**: its file lies outside the standard library and site-packages (next to the
  model YAML, on ``PYTHONPATH``, an editable checkout): its source is hashed and its own imports
  are followed;
* **installed**: under site-packages; it stands for its distribution, keyed by version and by
  the sha256 of the distribution's ``RECORD`` (``fmbench.models.distributions``). Distributions'
  requirements are followed too: scikit-learn's output depends on the SciPy it runs on;
* **standard library**: stood for by the Python version.

A user module that belongs to a distribution (an editable install, or a package on
``PYTHONPATH`` with its metadata) counts both ways. Module lookup never imports anything: loaded
modules come from ``sys.modules``, others are found on disk.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import os
import site
import sys
import sysconfig
import weakref
from dataclasses import dataclass, field
from functools import cache
from importlib import machinery
from pathlib import Path
from types import ModuleType

from fmbench.models.distributions import distributions_of, with_requirements

MAX_MODULES = 5_000
HARNESS = "fmbench"

# name -> (the loaded module, sha256 of its file when it was imported, or else first keyed): a file
# edited after its module was imported in this process no longer matches the code that runs (a
# notebook session), so it cannot key that code's outputs.
_AS_IMPORTED: dict[str, tuple[weakref.ref, str]] = {}


@dataclass
class CodeState:
    """What the key knows of the code: user modules' sources and installed distributions."""

    modules: dict[str, dict[str, str]] = field(default_factory=dict)  # name -> {path, sha256}
    packages: dict[str, dict[str, str]] = field(default_factory=dict)  # dist -> {version, record}
    stale: list[str] = field(default_factory=list)  # user modules edited after they were imported

    def key_data(self) -> dict:
        return {
            "modules": {n: m["sha256"] for n, m in sorted(self.modules.items())},
            "packages": {d: [p["version"], p["record"]] for d, p in sorted(self.packages.items())},
        }


# ---------------------------------------------------------------- where a module lives


def _real(p: str) -> str:
    return os.path.realpath(p)


@cache
def _stdlib_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    return tuple({_real(paths[k]) for k in ("stdlib", "platstdlib") if paths.get(k)})


def _site_dirs() -> tuple[str, ...]:
    dirs = {sysconfig.get_paths().get(k) for k in ("purelib", "platlib")}
    try:
        dirs.update(site.getsitepackages())
        dirs.add(site.getusersitepackages())
    except AttributeError:  # some virtualenvs' site module
        pass
    dirs.update(p for p in sys.path if Path(p).name in ("site-packages", "dist-packages"))
    return tuple(_real(d) for d in dirs if d)


def _under(path: str, dirs: tuple[str, ...]) -> bool:
    return any(path == d or path.startswith(d.rstrip(os.sep) + os.sep) for d in dirs)


def module_kind(file: str) -> str:
    """``site`` (installed), ``stdlib`` or ``user`` for a module file."""
    real = _real(file)
    if _under(real, _site_dirs()):
        return "site"
    if _under(real, _stdlib_dirs()):
        return "stdlib"
    return "user"


def _is_builtin(name: str) -> bool:
    """Compiled into the interpreter (no file). Other standard-library modules are told by where their
    file lies, not by name: a user's ``code.py`` next to the model YAML is the user's."""
    return name.split(".")[0] in sys.builtin_module_names


def module_file(name: str, search: tuple[str, ...] = ()) -> str | None:
    """The file of module ``name``: the loaded one's, else found on ``search`` + sys.path, not imported."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        file = getattr(loaded, "__file__", None)
        if not isinstance(file, str) or not (os.path.isabs(file) or os.path.isfile(file)):
            return None  # no file: torch.ops and torch.classes are objects whose __file__ is "_ops.py"
        return file
    parts = name.split(".")
    try:
        spec = machinery.PathFinder.find_spec(parts[0], [*search, *sys.path])
        for i in range(1, len(parts)):
            locations = spec.submodule_search_locations if spec is not None else None
            if not locations:
                return None
            spec = machinery.PathFinder.find_spec(".".join(parts[: i + 1]), list(locations))
    except (ImportError, ValueError, OSError):
        return None
    if spec is None or not spec.has_location or not spec.origin:
        return None
    return spec.origin


# ---------------------------------------------------------------- what a module imports


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def imports_in_source(source: bytes, name: str, *, is_package: bool) -> set[str]:
    """Every module an ``import`` statement anywhere in ``source`` may load (with parent packages)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    package = name if is_package else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.update(_with_parents(alias.name))
        elif isinstance(node, ast.ImportFrom):
            try:
                base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                    if node.level else (node.module or "")
            except (ImportError, ValueError):
                continue
            if not base:
                continue
            out.update(_with_parents(base))
            out.update(f"{base}.{a.name}" for a in node.names if a.name != "*")  # may be submodules
    return out


def imports_in_globals(module: ModuleType) -> set[str]:
    """Modules the loaded module's globals are, or were defined in (``from helper import Model``)."""
    out: set[str] = set()
    for value in list(vars(module).values()):
        if isinstance(value, ModuleType):
            out.add(value.__name__)
            continue
        owner = getattr(value, "__module__", None) if isinstance(value, type) or callable(value) else None
        if isinstance(owner, str) and owner:
            out.add(owner)
    return out


# ---------------------------------------------------------------- the closure


def _remember(name: str, module: ModuleType, sha: str) -> None:
    try:
        _AS_IMPORTED[name] = (weakref.ref(module), sha)
    except TypeError:  # a module object that takes no weak references
        pass


def remember_imported(names: set[str]) -> None:
    """Note the source of user modules just imported, to see later whether their files changed since."""
    for name in names:
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if module is None or not isinstance(file, str) or _is_builtin(name):
            continue
        if module_kind(file) != "user":
            continue
        try:
            _remember(name, module, _source_sha(file)[0])
        except OSError:
            continue


def _source_sha(file: str) -> tuple[str, bytes]:
    data = Path(file).read_bytes()
    return hashlib.sha256(data).hexdigest(), data


def code_closure(roots: list[str], *, search: tuple[str, ...] = ()) -> CodeState:
    """The user modules reachable from ``roots`` and the distributions they use.

    ``search``: folders looked in before sys.path (the model YAML's folder, which is on sys.path
    only while its module is imported). Modules that cannot be found are left out: an optional
    import that fails at run time too. fmbench's own modules are the harness, keyed as a whole
    (see ``harness_state``): a root in fmbench (a baseline, an adapter) has its imports followed,
    other fmbench modules are not entered.
    """
    state = CodeState()
    tops: set[str] = set()
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen or not name:
            continue
        seen.add(name)
        if len(seen) > MAX_MODULES:
            break
        if _is_builtin(name) or (name.split(".")[0] == HARNESS and name not in roots):
            continue
        file = module_file(name, search)
        if file is None or module_kind(file) == "stdlib":
            continue
        tops.add(name.split(".")[0])
        if module_kind(file) == "site" and name not in roots:
            continue
        try:
            sha, source = _source_sha(file)
        except OSError:
            continue
        if name.split(".")[0] != HARNESS:
            state.modules[name] = {"path": _real(file), "sha256": sha}
        loaded = sys.modules.get(name)
        if loaded is not None:
            known = _AS_IMPORTED.get(name)
            if known is None or known[0]() is not loaded:
                _remember(name, loaded, sha)
            elif known[1] != sha:
                state.stale.append(name)
            todo.extend(imports_in_globals(loaded))
        if file.endswith(".py"):
            is_package = Path(file).name == "__init__.py"
            todo.extend(imports_in_source(source, name, is_package=is_package))
    state.packages = with_requirements(distributions_of(tops - {HARNESS}))
    return state


@cache
def harness_state() -> dict[str, str | None]:
    """fmbench itself, which calls the model and feeds it its inputs: its version, and when it is
    not installed under site-packages (an editable checkout) the sha256 of all its sources, whose
    edits a version does not show. Computed once per process (145 files: a few milliseconds)."""
    import fmbench

    folder = Path(fmbench.__file__).parent
    source = None
    if module_kind(fmbench.__file__) != "site":
        h = hashlib.sha256()
        for path in sorted(folder.rglob("*.py")):
            h.update(f"{path.relative_to(folder).as_posix()}\0".encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
        source = h.hexdigest()
    return {"version": fmbench.__version__, "source": source}


def describe_modules(names: set[str], *, search: tuple[str, ...] = ()) -> CodeState:
    """The user modules among ``names`` (sources as now on disk) and the distributions of all of them.

    For the modules a model imported while it was built: recorded with the cache entries, and
    compared with what is on disk before the entries are used again."""
    state = CodeState()
    tops: set[str] = set()
    for name in sorted(names):
        if _is_builtin(name) or name.split(".")[0] == HARNESS:
            continue
        file = module_file(name, search)
        if file is None or module_kind(file) == "stdlib":
            continue
        tops.add(name.split(".")[0])
        if module_kind(file) == "user":
            try:
                sha = _source_sha(file)[0]
            except OSError:
                sha = "unreadable"
            state.modules[name] = {"path": _real(file), "sha256": sha}
    state.packages = with_requirements(distributions_of(tops))
    return state
