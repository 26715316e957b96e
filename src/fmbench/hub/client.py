"""HTTP client for the hub: submit a record, review a submission."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from fmbench.bounded import parse_json_bounded
from fmbench.errors import ConfigError, FmbenchError, NotFoundError
from fmbench.yamlio import parse_yaml

TOKEN_ENV = "FMBENCH_TOKEN"  # noqa: S105 - a variable name


class HubError(FmbenchError, RuntimeError):
    """The hub refused a request or could not be reached."""


def resolve_token(token: str | None) -> str:
    token = token or os.environ.get(TOKEN_ENV)
    if not token:
        raise ConfigError(
            f"--token: missing; pass --token or set {TOKEN_ENV} "
            "(a maintainer creates one with `fmbench hub add-user NAME`)"
        )
    return token.strip()


def _request(method: str, url: str, *, token: str, timeout: float, **kwargs: Any) -> tuple[int, Any]:
    import httpx

    try:
        resp = httpx.request(
            method,
            url,
            headers={"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})},
            timeout=timeout,
            **kwargs,
        )
    except httpx.HTTPError as exc:
        raise HubError(f"--hub {url}: cannot reach the hub ({type(exc).__name__}: {exc})") from None
    try:
        data = resp.json()
    except ValueError:
        data = {"detail": resp.text[:300]}
    if resp.status_code >= 400:
        detail = data.get("detail") if isinstance(data, dict) else data
        raise HubError(f"hub answered {resp.status_code}: {detail}")
    return resp.status_code, data


def submit_file(
    path: str | Path, hub_url: str, *, token: str | None = None, timeout: float = 60.0
) -> tuple[dict[str, Any], bool]:
    """Post an eval record file; (submission, created). Same digest again is not an error."""
    path = Path(path)
    if path.is_dir():
        path = path / "eval.yaml"
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise NotFoundError(f"{path}: file not found") from None
    ctype = "application/json" if path.suffix == ".json" else "application/yaml"
    # checked here first, within the same limits as the hub: a broken file is one line and exit 2,
    # not a round trip (or a crash of the client's own parser)
    from fmbench.records.io import parse_record

    parsed = parse_json_bounded(body, source=str(path)) if ctype == "application/json" else parse_yaml(
        body, source=str(path))
    parse_record(parsed, source=str(path))
    status, data = _request(
        "POST",
        f"{hub_url.rstrip('/')}/api/submissions",
        token=resolve_token(token),
        timeout=timeout,
        content=body,
        headers={"Content-Type": ctype},
    )
    return data, status == 201


def review_remote(
    sub_id: int,
    hub_url: str,
    *,
    accept: bool,
    reason: str | None,
    token: str | None = None,
    timeout: float = 60.0,
) -> dict[str, Any]:
    _, data = _request(
        "POST",
        f"{hub_url.rstrip('/')}/api/submissions/{sub_id}/review",
        token=resolve_token(token),
        timeout=timeout,
        json={"decision": "accept" if accept else "reject", "reason": reason},
    )
    return data
