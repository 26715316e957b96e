"""YAML reading with errors that name the file and line, using libyaml when present."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from fmbench.bounded import InputLimitError, conversion_problem, yaml_limit_problem
from fmbench.errors import ConfigError, NotFoundError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """Writes shared objects out in full: fmbench refuses YAML aliases when it reads, so it never
    writes them (a record that reuses one list in two places would otherwise get &id001)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def parse_yaml(text: str | bytes, *, source: str) -> Any:
    """Safe-load YAML within ``fmbench.bounded``'s limits (depth, values, no aliases): a hostile
    document is a one-line ConfigError (InputLimitError), never a crashed process."""
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    problem = yaml_limit_problem(data, _Loader)
    if problem:
        raise InputLimitError(f"{source}: {problem}")
    try:
        return yaml.load(data, Loader=_Loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}:{where}: malformed YAML: {problem}") from None
    except (ValueError, OverflowError, RecursionError, TypeError) as exc:  # int(), datetime(), …
        raise InputLimitError(f"{source}: {conversion_problem(exc)}") from None


def read_yaml(path: str | Path) -> Any:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a YAML file") from None
    return parse_yaml(data, source=str(path))


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
