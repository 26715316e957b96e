"""The JSON API: benchmarks, leaderboards (JSON and CSV), records, submissions and review."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from fmbench.errors import FmbenchError, NotFoundError, validation_messages
from fmbench.hub.intake import Refusal, parse_submission
from fmbench.hub.service import Hub
from fmbench.hub.store import STATUSES, ConflictError, User

router = APIRouter(prefix="/api")
# Submission ids are database keys: above 2^31 - 1 PostgreSQL (and above 2^63 - 1 SQLite) cannot
# even compare them, which once answered 500; such an id is a 422 before the database is asked.
SubId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Submission id.")]


def cached_page(request: Request, hub: Hub, key: str, render: Any, media_type: str,
                headers: dict[str, str] | None = None) -> Response | None:
    """A rendered page from the cache, gzip-compressed when the client accepts it."""
    gzip_ok = "gzip" in request.headers.get("accept-encoding", "").lower()
    out = hub.cache.response_body(key, render, gzip_ok=gzip_ok)
    if out is None:
        return None
    body, gzipped = out
    extra = {"Vary": "Accept-Encoding", **(headers or {})}
    if gzipped:
        extra["Content-Encoding"] = "gzip"
    return Response(body, media_type=media_type, headers=extra)


def get_hub(request: Request) -> Hub:
    return request.app.state.hub


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


def client_address(request: Request, hub: Hub) -> str:
    """The client's address: the proxy's X-Forwarded-For (first hop) when the hub is behind one."""
    if hub.settings.behind_proxy:
        forwarded = request.headers.get("x-forwarded-for", "").split(",")[0].strip()
        if forwarded:
            return forwarded[:100]
    return request.client.host if request.client else "unknown"


def is_tls(request: Request, hub: Hub) -> bool:
    if request.url.scheme == "https":
        return True
    return hub.settings.behind_proxy and request.headers.get("x-forwarded-proto", "").lower() == "https"


def check_token(request: Request, hub: Hub, token: str) -> User | None:
    """The token's user; failures are counted per client and, past the limit, refused with 429."""
    import time

    client = client_address(request, hub)
    wait = hub.failures.retry_after(client, time.monotonic())
    if wait > 0:
        raise HTTPException(429, f"too many failed sign-ins from this address; try again in {wait:.0f} s",
                            headers={"Retry-After": str(int(wait) + 1)})
    user = hub.store.authenticate(token)
    if user is None:
        hub.failures.failed(client, time.monotonic())
    return user


def require_user(request: Request, hub: Annotated[Hub, Depends(get_hub)]) -> User:
    token = bearer_token(request)
    if token is None:
        raise _unauthorized(
            "Authorization: missing; send 'Authorization: Bearer <token>' "
            "(tokens come from `fmbench hub add-user`)"
        )
    user = check_token(request, hub, token)
    if user is None:
        raise _unauthorized("Authorization: token is not valid")
    return user


def require_maintainer(user: Annotated[User, Depends(require_user)]) -> User:
    if not user.is_maintainer:
        raise HTTPException(
            403, f"user {user.name!r} is not a maintainer; only maintainers review submissions"
        )
    return user


HubDep = Annotated[Hub, Depends(get_hub)]
UserDep = Annotated[User, Depends(require_user)]


def _board(hub: Hub, benchmark_id: str) -> Any:
    if benchmark_id not in hub.catalog.benchmarks:
        raise HTTPException(404, f"benchmark_id: unknown benchmark {benchmark_id!r}")
    _, lb = hub.cache.current()
    try:
        return lb.benchmark(benchmark_id)
    except NotFoundError:
        return None


@router.get("/health", summary="Liveness and schema revision")
def health(hub: HubDep) -> dict[str, Any]:
    built = hub.cache.built_at
    return {"status": "ok", "accepted_version": hub.store.accepted_version(),
            "board_built_at": None if built is None else built.strftime("%Y-%m-%dT%H:%M:%SZ")}


@router.get("/benchmarks", summary="Benchmarks of the catalog with their ranked model counts")
def list_benchmarks(hub: HubDep) -> list[dict[str, Any]]:
    _, lb = hub.cache.current()
    rows = {b.id: len(b.rows) for b in lb.benchmarks}
    return [
        {
            "id": b.id,
            "name": b.name,
            "health_domain": b.health_domain,
            "ai_task": b.ai_task,
            "primary_metric": b.primary_metric,
            "direction": b.primary.direction,
            "ranked": rows.get(b.id, 0),
        }
        for b in sorted(hub.catalog.benchmarks.values(), key=lambda b: b.id)
    ]


@router.get("/benchmarks/{benchmark_id}", summary="One benchmark's catalog definition")
def get_benchmark(benchmark_id: str, hub: HubDep) -> dict[str, Any]:
    spec = hub.catalog.benchmarks.get(benchmark_id)
    if spec is None:
        raise HTTPException(404, f"benchmark_id: unknown benchmark {benchmark_id!r}")
    return spec.model_dump(mode="json")


@router.get("/leaderboards", summary="All leaderboards (the static builder's JSON)")
def all_leaderboards(request: Request, hub: HubDep) -> Response:
    from fmbench.leaderboard import render_json

    return cached_page(request, hub, "json", render_json, "application/json")


@router.get(
    "/leaderboards/{benchmark_id}.csv", summary="One leaderboard as CSV", response_class=PlainTextResponse
)
def leaderboard_csv(benchmark_id: str, request: Request, hub: HubDep) -> Response:
    from fmbench.leaderboard import leaderboard_csv as to_csv

    _board(hub, benchmark_id)
    return cached_page(request, hub, f"csv:{benchmark_id}", lambda lb: to_csv(lb, benchmark_id),
                       "text/csv; charset=utf-8",
                       {"Content-Disposition": f'attachment; filename="{benchmark_id}.csv"'})


@router.get("/leaderboards/{benchmark_id}", summary="One benchmark's ranked leaderboard")
def get_leaderboard(benchmark_id: str, request: Request, hub: HubDep) -> Response:
    board = _board(hub, benchmark_id)
    if board is None:
        raise HTTPException(404, f"benchmark {benchmark_id!r} has no accepted records")
    return cached_page(request, hub, f"board-json:{benchmark_id}",
                       lambda lb: lb.benchmark(benchmark_id).model_dump_json(), "application/json")


@router.get("/models/{model_id}", summary="A model's rows across all leaderboards")
def get_model(model_id: str, hub: HubDep) -> list[dict[str, Any]]:
    _, lb = hub.cache.current()
    out = [
        {"benchmark_id": b.id, "test_set": t.test_set.key,
         **row.model_dump(mode="json", exclude={"breakdowns", "curves"})}
        for b in lb.benchmarks
        for t in b.tables
        for row in t.rows
        if row.model_id == model_id
    ]
    if not out and not any(r.model.id == model_id for r in hub.cache.records()):
        raise HTTPException(404, f"model {model_id!r} has no accepted records")
    return out


@router.get("/records", summary="Accepted eval records")
def list_records(
    hub: HubDep,
    benchmark_id: str | None = None,
    model_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    records = [
        r
        for r in hub.cache.records()
        if (benchmark_id is None or r.benchmark_id == benchmark_id)
        and (model_id is None or r.model.id == model_id)
    ]
    return [r.to_data() for r in records[offset : offset + limit]]


@router.get("/records/{eval_id}", summary="One accepted eval record")
def get_record(eval_id: str, hub: HubDep) -> dict[str, Any]:
    record = hub.store.find_accepted(eval_id)
    if record is None:
        raise HTTPException(404, f"eval_id: no accepted record {eval_id!r}")
    return record.to_data()


async def read_body_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, f"body: {int(declared)} bytes exceeds the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"body: exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/submissions",
    status_code=201,
    summary="Submit an eval record (YAML or JSON body)",
    responses={
        200: {"description": "Same digest already submitted: the existing submission"},
        400: {"description": "Malformed body"},
        401: {"description": "No or wrong token"},
        409: {"description": "eval_id taken by a different record"},
        413: {"description": "Body too large"},
        422: {"description": "Invalid record"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/yaml": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def submit(request: Request, user: UserDep, hub: HubDep) -> JSONResponse:
    body = await read_body_limited(request, hub.settings.max_body_bytes)
    try:
        record = await run_in_threadpool(
            parse_submission, body, request.headers.get("content-type"), hub.catalog
        )
        sub, created = await run_in_threadpool(hub.store.submit, record, user)
        if not created and sub.submitter != user.name and not user.is_maintainer:
            raise HTTPException(409, "digest: this exact record was already submitted by another user")
    except Refusal as exc:
        raise HTTPException(exc.status, exc.detail) from None
    except ConflictError as exc:
        raise HTTPException(409, exc.one_line()) from None
    return JSONResponse(sub.to_api(), status_code=201 if created else 200)


def _visible(sub_submitter: str | None, user: User) -> bool:
    return user.is_maintainer or sub_submitter == user.name


@router.get("/submissions", summary="Your submissions (maintainers: everyone's)")
def list_submissions(
    user: UserDep,
    hub: HubDep,
    status: Literal["pending", "accepted", "rejected"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    subs = hub.store.list_submissions(
        submitter_id=None if user.is_maintainer else user.id, status=status, limit=limit, offset=offset
    )
    return [s.to_api() for s in subs]


def _get_visible(hub: Hub, sub_id: int, user: User) -> Any:
    try:
        sub = hub.store.get_submission(sub_id)
    except NotFoundError as exc:
        raise HTTPException(404, exc.one_line()) from None
    if not _visible(sub.submitter, user):
        raise HTTPException(404, f"submission {sub_id}: not found")
    return sub


@router.get("/submissions/{sub_id}", summary="One submission with its record and review history")
def get_submission(sub_id: SubId, user: UserDep, hub: HubDep) -> dict[str, Any]:
    sub = _get_visible(hub, sub_id, user)
    return {**sub.to_api(), "reviews": hub.store.review_history(sub_id),
            "record": hub.store.submission_record(sub_id).to_data()}


class Review(BaseModel):
    decision: Literal["accept", "reject"] = Field(description="accept: the record joins the leaderboards.")
    reason: str | None = Field(None, max_length=2000, description="Why; required for a rejection.")


@router.post(
    "/submissions/{sub_id}/review",
    summary="Accept or reject a submission (maintainers)",
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": Review.model_json_schema()}}}},
)
async def review(
    sub_id: SubId, request: Request, user: Annotated[User, Depends(require_maintainer)], hub: HubDep
) -> dict[str, Any]:
    """The body is read and parsed only after the maintainer's token is checked."""
    raw = await read_body_limited(request, 16 * 1024)
    try:
        body = Review.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        raise HTTPException(422, " ".join("; ".join(validation_messages(exc, root="body")).split())) from None
    return await run_in_threadpool(_review, hub, sub_id, body, user)


def _review(hub: Hub, sub_id: int, body: Review, user: User) -> dict[str, Any]:
    try:
        sub = hub.store.review(sub_id, accept=body.decision == "accept", reason=body.reason, reviewer=user)
    except NotFoundError as exc:
        raise HTTPException(404, exc.one_line()) from None
    except FmbenchError as exc:
        raise HTTPException(422, exc.one_line()) from None
    # the reviewer waits until a board includes the decision; readers keep the previous board meanwhile
    hub.cache.refresh(at_least=hub.store.accepted_version())
    return sub.to_api()


__all__ = ["STATUSES", "router"]
