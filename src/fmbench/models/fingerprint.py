"""What a model config's digest cannot see: the files a model reads and the code it runs.

Every output-cache key includes this fingerprint, so changed weights, code or packages never
serve stale outputs:

* **files**: the content of every file or folder named by a string in ``init_kwargs`` or the
  adapter options (``fmbench.models.file_hashes``). A relative path is looked up in the model
  YAML's folder, in the working folder and (``type: command``) in the ``cwd`` option; each one
  that exists counts, since the model may open any of them;
* **code**: the user's modules reachable from the model's class, by source, and the installed
  distributions they use, by version (``fmbench.models.import_closure``);
* **harness**: fmbench's version (and its sources' digest when run from a checkout);
* the Python version.

When no complete fingerprint can be made (a named folder too large to hash, a module edited
after this process imported it), ``incomplete`` says why and the run is not cached.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fmbench.models.config import ModelConfig
from fmbench.models.file_hashes import FileHashes, UnkeyableFile
from fmbench.models.import_closure import CodeState, code_closure, harness_state


@dataclass
class ModelFingerprint:
    files: list[dict[str, Any]] = field(default_factory=list)  # one per existing named path
    code: CodeState = field(default_factory=CodeState)
    harness: dict[str, str | None] = field(default_factory=dict)
    python: str = ""
    roots: list[str] = field(default_factory=list)  # the modules the model is made of
    search: tuple[str, ...] = ()  # folders the model's modules are looked up in before sys.path
    incomplete: str | None = None  # why the outputs of this model cannot be cached

    def key_data(self) -> dict[str, Any]:
        """What the key is made of (no absolute paths: the same content elsewhere keys the same)."""
        return {
            "files": [[f["arg"], f["where"], f["sha256"]] for f in self.files],
            "code": self.code.key_data(),
            "harness": self.harness,
            "python": self.python,
        }

    def manifest(self) -> dict[str, Any]:
        """What ``fmbench cache ls`` shows: files, modules and package versions the key covers."""
        return {
            "files": [{k: f[k] for k in ("arg", "path", "files", "bytes", "sha256")} for f in self.files],
            "modules": {n: m["path"] for n, m in sorted(self.code.modules.items())},
            "packages": {d: p["version"] for d, p in sorted(self.code.packages.items())},
            "fmbench": self.harness,
            "python": self.python,
        }


def _strings(value: Any, where: str) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(where, value)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, f"{where}.{k}")]
    if isinstance(value, list | tuple):
        return [s for i, v in enumerate(value) for s in _strings(v, f"{where}[{i}]")]
    return []


def named_paths(config: ModelConfig) -> list[tuple[str, str, Path]]:
    """(argument, where it was found, path) for every string of init_kwargs / options that names an
    existing path; a relative one in each of the folders it could be read from."""
    options = config.options
    folders: list[tuple[str, Path]] = []
    if config.base_dir is not None:
        folders.append(("model YAML folder", config.base_dir))
    folders.append(("working folder", Path.cwd()))
    if isinstance(options.get("cwd"), str):
        folders.append(("cwd option", Path(options["cwd"]).expanduser()))
    out: list[tuple[str, str, Path]] = []
    for arg, text in _strings(config.init_kwargs, "init_kwargs") + _strings(options, "options"):
        if not text.strip() or len(text) > 4096 or any(c in text for c in "\n\0") or "://" in text:
            continue
        path = Path(text).expanduser()
        places = [("absolute", path)] if path.is_absolute() else [(w, f / path) for w, f in folders]
        seen: set[str] = set()
        for where, candidate in places:
            try:
                if not candidate.exists():
                    continue
            except (OSError, ValueError):
                continue
            real = os.path.realpath(candidate)
            if real not in seen:
                seen.add(real)
                out.append((arg, where, candidate))
    return out


def code_roots(config: ModelConfig) -> list[str]:
    """The modules a model is made of: where its class (or adapter, or baseline) is defined."""
    from fmbench.models.factory import BASELINES, MODEL_TYPES, import_class_module

    if config.type == "python_class":
        module = import_class_module(config)
        cls = getattr(module, (config.import_path or "").partition(":")[2], None)
        owner = getattr(cls, "__module__", None)
        return [module.__name__, *([owner] if isinstance(owner, str) else [])]
    if config.type == "object":  # fmbench.evaluate(obj): the class's module, where it has one
        return [(config.import_path or "").partition(":")[0]]
    if config.type == "builtin":
        return [BASELINES.get(config.baseline or config.model_id).__module__]
    return [MODEL_TYPES.get(config.type).__module__]


def model_fingerprint(config: ModelConfig, *, hashes: FileHashes | None = None,
                      exclude: tuple[Path, ...] = ()) -> ModelFingerprint:
    """The files and code behind ``config``'s model; ``exclude``: folders never hashed (the cache)."""
    hashes = hashes or FileHashes()
    search = (str(config.base_dir),) if config.base_dir is not None else ()
    fp = ModelFingerprint(harness=harness_state(), python=platform.python_version(), search=search)
    for arg, where, path in named_paths(config):
        try:
            digest = hashes.path(path, exclude=exclude)
        except UnkeyableFile as exc:
            fp.incomplete = f"{arg} names {exc}"
            return fp
        fp.files.append({"arg": arg, "where": where, "path": os.path.realpath(path),
                         "sha256": digest.sha256, "files": digest.files, "bytes": digest.bytes})
    fp.roots = code_roots(config)
    fp.code = code_closure(fp.roots, search=search)
    if fp.code.stale:
        names = ", ".join(sorted(fp.code.stale))
        fp.incomplete = (f"module(s) {names} changed on disk after this process imported them; "
                         "restart Python to run the new code")
    return fp
