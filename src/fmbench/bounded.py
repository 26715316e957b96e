"""Limits on what fmbench parses from users and the network: depth, node count, aliases, numbers.

An 80 KB YAML body of ``[[[[…]]]]`` nested 40,000 deep overflows the C YAML composer's stack
(SIGSEGV: the process dies, nothing can catch it); a 28 KB alias tree expands to millions of
nodes once validated; JSON 1,000 deep raises RecursionError; an integer of 5,000 digits raises
ValueError in ``int()``. Every one of these must become a one-line refusal instead.

- YAML is scanned as an event stream first (libyaml's parser is iterative: no recursion, so the
  scan itself cannot overflow) whenever the text could nest deeply or alias at all — flow
  brackets, compact ``- -`` sequences, ``?`` keys, deep indentation, ``&``/``*`` — and refused
  past ``MAX_DEPTH`` levels or ``MAX_NODES`` nodes, or on any anchor or alias. Plain
  documents (most records) skip the scan: their nesting is bounded by their indentation.
- Parsed data of any origin is walked once, iteratively, for the same depth and node limits.
- Conversion errors of oversized integers and out-of-range dates become the same refusal.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fmbench.errors import ConfigError

MAX_DEPTH = 64
MAX_NODES = 1_000_000
_DEEP_INDENT = re.compile(rb"\n {%d}" % MAX_DEPTH)


def has_control_chars(text: str) -> bool:
    """ASCII control characters (NUL included) or DEL: never valid in an id or a URL path."""
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in text)


class InputLimitError(ConfigError):
    """Input beyond fmbench's parsing limits (exit 2; HTTP 400 on the hub)."""


def _could_nest_or_alias(data: bytes) -> bool:
    """False when the text can neither alias nor nest deeper than its indentation allows."""
    return (
        b"&" in data or b"*" in data or b"?" in data or b"!" in data
        or data.count(b"[") + data.count(b"{") > MAX_DEPTH // 2
        or b"- -" in data or b"-\t" in data
        or _DEEP_INDENT.search(data) is not None
    )


def yaml_limit_problem(data: bytes, loader: Any) -> str | None:
    """Why a YAML text breaks the limits, or None (checked without building any object)."""
    if not _could_nest_or_alias(data):
        return None
    import yaml

    depth = nodes = 0
    try:
        for event in yaml.parse(data, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                return "YAML aliases (*name) are not accepted: write the values out"
            if isinstance(event, yaml.NodeEvent):
                nodes += 1
                if event.anchor is not None:
                    return "YAML anchors (&name) are not accepted: write the values out"
                if nodes > MAX_NODES:
                    return f"more than {MAX_NODES:,} values: split the file"
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return f"nested deeper than {MAX_DEPTH} levels"
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # malformed: the loader reports it with its line
    return None


def tree_limit_problem(data: Any) -> str | None:
    """Depth and node-count limits of parsed data, walked without recursion."""
    stack = [(data, 0)]
    nodes = 0
    while stack:
        obj, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return f"more than {MAX_NODES:,} values"
        if isinstance(obj, dict):
            children = obj.values()
        elif isinstance(obj, list | tuple):
            children = obj
        else:
            continue
        if depth >= MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH} levels"
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list | tuple))
        nodes += sum(1 for child in children if not isinstance(child, dict | list | tuple))
    return None


def conversion_problem(exc: BaseException) -> str:
    """One line for a value the parser could not convert (huge integer, date out of range, depth)."""
    if isinstance(exc, RecursionError):
        return f"nested deeper than {MAX_DEPTH} levels"
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "digits" in text:
        return "an integer with too many digits (over 4,300): write it as a number that fits"
    if "out of range" in text or isinstance(exc, OverflowError):
        return f"a value out of range ({text}); dates must be between years 1 and 9999 in UTC"
    return text


def parse_json_bounded(text: bytes | str, *, source: str) -> Any:
    """``json.loads`` within the limits; InputLimitError names the source."""
    try:
        data = json.loads(text)
    except (RecursionError, ValueError, OverflowError) as exc:
        if isinstance(exc, json.JSONDecodeError):
            raise InputLimitError(f"{source}: malformed JSON: {exc}") from None
        raise InputLimitError(f"{source}: {conversion_problem(exc)}") from None
    problem = tree_limit_problem(data)
    if problem:
        raise InputLimitError(f"{source}: {problem}")
    return data
