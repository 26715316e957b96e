"""Server-rendered pages. Index and benchmark pages come from the leaderboard renderer (the
same HTML as the static site); the model, submissions and sign-in pages are jinja2
templates with autoescape, so every string from a record is escaped."""

from __future__ import annotations

import urllib.parse
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from fmbench.errors import NotFoundError
from fmbench.hub.api import SubId, bearer_token, cached_page, check_token, get_hub, is_tls
from fmbench.hub.service import Hub
from fmbench.hub.store import SESSION_LIFETIME, STATUSES, User

router = APIRouter(include_in_schema=False)
COOKIE = "fmbench_session"  # a server-side session id (the API token never goes into a cookie)
HubDep = Annotated[Hub, Depends(get_hub)]


@lru_cache(maxsize=1)
def _env():  # noqa: ANN202
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("fmbench.hub", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def render(name: str, **context: Any) -> str:
    return _env().get_template(name).render(**context)


def site_links():  # noqa: ANN201
    """Links of the renderer's pages, pointing at this server's routes."""
    from fmbench.leaderboard import SiteLinks

    return SiteLinks(
        index="", benchmark="benchmarks/{id}", csv="benchmarks/{id}.csv", json="api/leaderboards"
    )


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v:.4f}"


def page_user(request: Request, hub: Hub) -> User | None:
    session = request.cookies.get(COOKIE)
    if session:
        return hub.store.session_user(session)
    token = bearer_token(request)
    return check_token(request, hub, token) if token else None


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status)


@router.get("/", response_class=HTMLResponse)
def index(request: Request, hub: HubDep) -> Response:
    from fmbench.leaderboard import render_html_index

    return cached_page(request, hub, "html:index",
                       lambda lb: render_html_index(lb, base_url="/", links=site_links()),
                       "text/html; charset=utf-8")


@router.get("/benchmarks/{benchmark_id}.csv")
def benchmark_csv(benchmark_id: str, request: Request, hub: HubDep) -> Response:
    from fmbench.hub.api import leaderboard_csv

    return leaderboard_csv(benchmark_id, request, hub)


@router.get("/benchmarks/{benchmark_id}", response_class=HTMLResponse)
def benchmark_page(benchmark_id: str, request: Request, hub: HubDep) -> Response:
    from fmbench.leaderboard import render_html_benchmark

    if benchmark_id not in hub.catalog.benchmarks:
        raise HTTPException(404, f"benchmark_id: unknown benchmark {benchmark_id!r}")
    return cached_page(request, hub, f"html:{benchmark_id}",
                       lambda lb: render_html_benchmark(lb, benchmark_id, base_url="/", links=site_links()),
                       "text/html; charset=utf-8")


@router.get("/models/{model_id}", response_class=HTMLResponse)
def model_page(model_id: str, hub: HubDep) -> HTMLResponse:
    html = hub.cache.rendered(f"model:{model_id}", lambda lb: _model_html(hub, model_id, lb))
    if html is None:
        raise HTTPException(404, f"model {model_id!r} has no accepted records")
    return _html(html)


def _model_html(hub: Hub, model_id: str, lb: Any) -> str | None:
    rows = []
    for b in lb.benchmarks:
        for table, row in ((t, r) for t in b.tables for r in t.rows):
            if row.model_id != model_id:
                continue
            ci = row.score.ci
            rows.append(
                {
                    "benchmark_id": b.id,
                    "benchmark_name": b.name,
                    "test_set": table.title,
                    "domain": b.health_domain,
                    "rank_label": row.rank_label,
                    "of": len(table.rows),
                    "metric": b.primary_metric,
                    "score": _fmt(row.score.value),
                    "ci": f"[{_fmt(ci[0])}, {_fmt(ci[1])}]" if ci else "–",
                    "dataset": row.dataset,
                    "evidence": row.evidence,
                    "date": row.date,
                    "model_name": row.model_name,
                }
            )
    records = sorted(
        (r for r in hub.cache.records() if r.model.id == model_id),
        key=lambda r: (r.benchmark_id, r.created_at, r.eval_id),
    )
    if not rows and not records:
        return None
    card = hub.catalog.models.get(model_id)
    name = rows[0]["model_name"] if rows else (card.name if card else records[0].model.name)
    recs = [
        {
            "eval_id": r.eval_id,
            "benchmark_id": r.benchmark_id,
            "status": r.status,
            "evidence": r.evidence,
            "created": r.created_at.strftime("%Y-%m-%d %H:%M"),
        }
        for r in records
    ]
    return render(
        "model.html",
        title=hub.settings.title,
        base_url="",
        user=None,
        model_id=model_id,
        model_name=name,
        card=card,
        rows=rows,
        records=recs,
    )


@router.get("/submissions", response_class=HTMLResponse)
def submissions_page(request: Request, hub: HubDep, status: str | None = None) -> Response:
    user = page_user(request, hub)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    status = status if status in STATUSES else None
    subs = hub.store.list_submissions(
        submitter_id=None if user.is_maintainer else user.id, status=status, limit=500
    )
    stored = hub.store.submission_counts(submitter_id=None if user.is_maintainer else user.id)
    counts = {s: stored.get(s, 0) for s in STATUSES}
    rows = [{**s.to_api(), "created": s.created_at.strftime("%Y-%m-%d %H:%M")} for s in subs]
    return _html(
        render(
            "submissions.html",
            title=hub.settings.title,
            base_url="",
            user=user,
            subs=rows,
            counts=counts,
            statuses=STATUSES,
            status=status,
            hub_url=str(request.base_url).rstrip("/"),
        )
    )


@router.get("/submissions/{sub_id}", response_class=HTMLResponse)
def submission_page(sub_id: SubId, request: Request, hub: HubDep) -> Response:
    """One submission with every review decision (who, when, what, why)."""
    user = page_user(request, hub)
    if user is None:
        return RedirectResponse("/login", status_code=303)
    try:
        sub = hub.store.get_submission(sub_id)
    except NotFoundError:
        sub = None
    if sub is None or not (user.is_maintainer or sub.submitter == user.name):
        raise HTTPException(404, f"submission {sub_id}: not found")
    return _html(render("submission.html", title=hub.settings.title, base_url="", user=user, sub=sub.to_api(),
                        reviews=hub.store.review_history(sub_id)))


@router.get("/login", response_class=HTMLResponse)
def login_form(hub: HubDep) -> HTMLResponse:
    return _html(render("login.html", title=hub.settings.title, base_url="", user=None, error=None))


@router.post("/login")
async def login(request: Request, hub: HubDep) -> Response:
    body = await request.body()
    if len(body) > 4096:
        raise HTTPException(413, "body: too large for a sign-in form")
    token = (urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("token") or [""])[0]
    user = await run_in_threadpool(check_token, request, hub, token)
    if user is None:
        return _html(
            render(
                "login.html",
                title=hub.settings.title,
                base_url="",
                user=None,
                error="That token is not valid.",
            ),
            status=401,
        )
    session = await run_in_threadpool(hub.store.create_session, user)
    resp = RedirectResponse("/submissions", status_code=303)
    resp.set_cookie(
        COOKIE,
        session,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=is_tls(request, hub),
        path="/",
    )
    return resp


@router.post("/logout")
def logout(request: Request, hub: HubDep) -> Response:
    hub.store.revoke_session(request.cookies.get(COOKIE))  # the id is dead server-side, not only forgotten
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp
