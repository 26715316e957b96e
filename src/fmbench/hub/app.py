"""The hub's FastAPI app: ``create_app(settings)``; nothing is built at import."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from fmbench.errors import FmbenchError, validation_messages
from fmbench.hub.settings import HubSettings


def _one_line_validation(exc: RequestValidationError) -> str:
    return " ".join("; ".join(validation_messages(exc, root="body", skip={"body"})).split())


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
    )
    app.include_router(api.router)
    app.include_router(pages.router)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _one_line_validation(exc)}, status_code=422)

    @app.exception_handler(FmbenchError)
    async def _user_error(_request: Request, exc: FmbenchError) -> JSONResponse:
        return JSONResponse({"detail": exc.one_line()}, status_code=422)

    @app.middleware("http")
    async def _headers(request: Request, call_next):  # noqa: ANN001, ANN202
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    return app
