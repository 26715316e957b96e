"""``type: command``: the user's own executable, in its own environment, exchanging files.

For models whose dependencies clash with fmbench's (a Flamingo checkout, an old torch):

```yaml
model_id: my-flamingo
type: command
command: [/opt/flamingo/venv/bin/python, /opt/flamingo/fmbench_entry.py]
methods: [generate]        # any of embed, predict_proba, fit, generate, reconstruct
timeout_s: 3600            # per call
cwd: /opt/flamingo         # default: the current folder
env: {CUDA_VISIBLE_DEVICES: "0"}
```

Each method call runs ``<command> <method> <input> <output> [<extra>]`` in a fresh temporary
folder (the placeholders ``{method}``, ``{input}``, ``{output}``, ``{extra}`` may instead
appear inside ``command``):

| method | input | extra | output the command writes |
|---|---|---|---|
| embed | inputs | - | ``output.npy`` (n, d) |
| predict_proba | inputs | - | ``output.npy`` (n, classes) |
| fit | inputs | ``labels.npy`` (n,) int | any file at ``output`` (ignored) |
| generate | inputs | - | ``output.jsonl``: one JSON string per line |
| reconstruct | ``input.npy`` X_masked | ``mask.npy`` bool, True = hidden | ``output.npy`` |

Inputs are ``input.npy`` for numeric/string arrays, else ``input.jsonl`` (one JSON value per
line, e.g. texts). The child gets this process's environment without PYTHONPATH, PYTHONHOME
and VIRTUAL_ENV, plus ``env``. A non-zero exit, a timeout or a missing/unreadable output
is a ModelError with the last lines of the command's stderr on one line. Whatever state
``fit`` needs to keep is the command's business (e.g. files under ``cwd``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field

from fmbench.errors import ConfigError, ModelError
from fmbench.models.adapters._common import AdapterOptions, parse_options
from fmbench.models.capabilities import declare_methods
from fmbench.models.config import ModelConfig
from fmbench.models.factory import MODEL_TYPES

Method = Literal["embed", "predict_proba", "fit", "generate", "reconstruct"]
STRIPPED_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")


class CommandOptions(AdapterOptions):
    command: list[str] = Field(min_length=1, description="Executable and its first arguments.")
    methods: list[Method] = Field(
        default_factory=lambda: ["embed"], min_length=1, description="Methods the command implements."
    )
    timeout_s: float = Field(600.0, gt=0, description="Seconds one call may take.")
    cwd: str | None = Field(None, description="Working folder of the command.")
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment variables.")


def write_inputs(folder: Path, X: Any) -> Path:
    if isinstance(X, np.ndarray) and X.dtype != object:
        path = folder / "input.npy"
        np.save(path, X, allow_pickle=False)
        return path
    path = folder / "input.jsonl"
    items = X.tolist() if isinstance(X, np.ndarray) else list(X)
    with open(path, "w", encoding="utf-8") as fh:
        for item in items:
            value = item.tolist() if isinstance(item, np.ndarray) else item
            fh.write(json.dumps(value, ensure_ascii=False) + "\n")
    return path


def one_line(text: str, limit: int = 400) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    tail = " | ".join(lines[-5:])
    return tail[-limit:] if tail else "(no stderr)"


def run_command(argv: list[str], *, cwd: str | None, env: dict[str, str], timeout: float) -> tuple[int, str]:
    """Run in a new session; on timeout kill the whole process group (children included), and on
    Ctrl-C too: in its own session the command does not get the terminal's SIGINT itself."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, err = proc.communicate()
        raise subprocess.TimeoutExpired(argv, timeout, stderr=err.decode("utf-8", "replace")) from None
    except KeyboardInterrupt:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        raise
    return proc.returncode, err.decode("utf-8", "replace")


class CommandModel:
    """Proxy whose methods (only those configured) run the user's command."""

    def __init__(self, config: ModelConfig, opts: CommandOptions) -> None:
        self.config, self.opts = config, opts
        exe = opts.command[0]
        if shutil.which(exe) is None and not Path(exe).is_file():
            raise ConfigError(f"model {config.model_id}: command {exe!r} not found (not on PATH, not a file)")
        if opts.cwd is not None and not Path(opts.cwd).expanduser().is_dir():
            raise ConfigError(f"model {config.model_id}: cwd {opts.cwd} is not an existing folder")
        for m in opts.methods:
            setattr(self, m, self._method(m))

    def _method(self, name: str) -> Any:
        def call(*args: Any) -> Any:
            return self.call(name, *args)

        call.__name__ = name
        return call

    def _argv(self, method: str, inp: Path, out: Path, extra: Path | None) -> list[str]:
        values = {"method": method, "input": str(inp), "output": str(out), "extra": str(extra or "")}
        if any("{" in a for a in self.opts.command):
            return [a.format(**values) for a in self.opts.command]
        return [*self.opts.command, method, str(inp), str(out), *([str(extra)] if extra else [])]

    def call(self, method: str, X: Any, second: Any = None) -> Any:
        who = f"model {self.config.model_id!r}"
        with tempfile.TemporaryDirectory(prefix="fmbench-cmd-") as tmp:
            folder = Path(tmp)
            inp = write_inputs(folder, X)
            extra = None
            if method == "fit":
                extra = folder / "labels.npy"
                np.save(extra, np.asarray(second, dtype=np.int64), allow_pickle=False)
            elif method == "reconstruct":
                extra = folder / "mask.npy"
                np.save(extra, np.asarray(second, dtype=bool), allow_pickle=False)
            out = folder / ("output.jsonl" if method == "generate" else "output.npy")
            env = {k: v for k, v in os.environ.items() if k not in STRIPPED_ENV}
            env.update(self.opts.env)
            argv = self._argv(method, inp, out, extra)
            try:
                code, stderr = run_command(argv, cwd=self.opts.cwd, env=env, timeout=self.opts.timeout_s)
            except subprocess.TimeoutExpired as exc:
                raise ModelError(
                    f"{who}: command timed out after {self.opts.timeout_s:g}s in {method}(); "
                    f"stderr: {one_line(str(exc.stderr or ''))}"
                ) from None
            except OSError as exc:
                raise ModelError(f"{who}: cannot start {argv[0]!r}: {exc}") from None
            if code != 0:
                raise ModelError(
                    f"{who}: command exited with status {code} in {method}(); stderr: {one_line(stderr)}"
                )
            if method == "fit":
                return self
            if not out.exists():
                raise ModelError(
                    f"{who}: command did not write {out.name} in {method}(); stderr: {one_line(stderr)}"
                )
            return self._read(out, method, who)

    @staticmethod
    def _read(out: Path, method: str, who: str) -> Any:
        try:
            if method == "generate":
                lines = out.read_text(encoding="utf-8").splitlines()
                values = [json.loads(ln) for ln in lines if ln.strip()]
                if not all(isinstance(v, str) for v in values):
                    raise ValueError("every line must be a JSON string")
                return values
            return np.load(out, allow_pickle=False)
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            raise ModelError(f"{who}: cannot read the command's {out.name} from {method}(): {exc}") from None


@MODEL_TYPES.register("command")
def build(config: ModelConfig) -> CommandModel:
    return CommandModel(config, parse_options(config, CommandOptions))


declare_methods("command", lambda config: frozenset(parse_options(config, CommandOptions).methods))
