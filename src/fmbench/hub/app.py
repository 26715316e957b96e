"""The hub's FastAPI app: ``create_app(settings)``; nothing is built at import."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse

from fmbench.errors import FmbenchError, validation_messages
from fmbench.hub.limits import BodyLimitMiddleware
from fmbench.hub.settings import HubSettings


def _one_line_validation(exc: RequestValidationError) -> str:
    return " ".join("; ".join(validation_messages(exc, root="body", skip={"body"})).split())


def content_security_policy() -> str:
    """No inline script but the leaderboard's own sorting script, allowed by its hash; nothing
    from other origins; the hub may not be framed (clickjacking of the sign-in form)."""
    import base64
    import hashlib
    from importlib import resources

    js = (resources.files("fmbench.leaderboard") / "templates" / "sortable.js").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    return ("default-src 'self'; "
            f"script-src 'self' 'sha256-{digest}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def api_endpoints(schema: dict) -> list[dict]:
    """Method, path, summary and parameters of each API operation, from the OpenAPI schema."""
    out = []
    for path, ops in sorted(schema.get("paths", {}).items()):
        for method, op in ops.items():
            params = ", ".join(p.get("name", "") for p in op.get("parameters", []))
            out.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "params": params, "body": "requestBody" in op})
    return out


def create_app(settings: HubSettings | None = None, *, hub: Any = None) -> FastAPI:
    """The app; the store is opened (and migrated) when the app starts, or ``hub`` is used."""
    from fmbench.hub import api, pages

    settings = settings or HubSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):  # noqa: ANN202
        from fmbench.hub.service import Hub

        own = hub is None
        app.state.hub = Hub.open(settings) if own else hub
        try:
            yield
        finally:
            if own:
                app.state.hub.close()

    app = FastAPI(
        title=settings.title,
        summary="Submit eval records, review them, browse leaderboards.",
        version="1",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load Swagger/ReDoc from a public CDN: /docs is ours, local
        redoc_url=None,
    )
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _one_line_validation(exc)}, status_code=422)

    @app.exception_handler(FmbenchError)
    async def _user_error(_request: Request, exc: FmbenchError) -> JSONResponse:
        return JSONResponse({"detail": exc.one_line()}, status_code=422)

    app.add_middleware(BodyLimitMiddleware, submission_limit=settings.max_body_bytes)

    csp = content_security_policy()

    @app.middleware("http")
    async def _headers(request: Request, call_next):  # noqa: ANN001, ANN202
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        tls = request.url.scheme == "https" or (
            settings.behind_proxy and request.headers.get("x-forwarded-proto", "").lower() == "https")
        if tls:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    @app.get("/docs", include_in_schema=False)
    def api_docs(request: Request) -> HTMLResponse:
        from fmbench.hub.pages import render

        return HTMLResponse(render("api_docs.html", title=settings.title, base_url="", user=None,
                                   endpoints=api_endpoints(app.openapi())))

    return app
