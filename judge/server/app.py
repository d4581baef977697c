"""The ASGI app: ``create_app(...)`` wires the store, the queue, the API and the web UI."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import JudgeError
from ..queue import Queue, ThreadQueue
from ..store import Store, StoreUnavailable, unavailable
from .actions import ApiError, Limits
from .auth import RateLimit
from .bodycap import BodyCap

log = logging.getLogger("judge.server")


def _one_line(text) -> str:
    return " ".join(str(text).split())[:500] or "error"


def create_app(store: Store | None = None, workers: int = 1, backend: str | None = None, root: Path | None = None,
               limits: Limits | None = None, queue: Queue | None = None) -> FastAPI:
    store = store or Store()
    queue = queue or ThreadQueue(store, workers=workers, backend=backend, root=root)

    @asynccontextmanager
    async def lifespan(app):
        queue.start()
        yield
        queue.stop()

    app = FastAPI(title="ML Judge", version=__version__, lifespan=lifespan,
                  description="Judge machine-learning coding problems: token auth, async submissions.")
    app.add_middleware(BodyCap)  # 413 before a too-large body is buffered
    app.state.store, app.state.queue, app.state.backend, app.state.root = store, queue, backend, root
    app.state.limits = limits or Limits()
    app.state.requests = RateLimit(app.state.limits.requests_per_minute)
    app.state.submits = RateLimit(app.state.limits.submit_per_minute)

    def error(request: Request, status: int, message: str, headers=None):
        """One line of JSON for the API (and /docs), an HTML page for the web UI."""
        if not request.url.path.startswith(("/api/", "/docs", "/openapi")):
            from .web import error_page

            return error_page(status, _one_line(message), request)
        return JSONResponse({"error": _one_line(message)}, status_code=status, headers=headers)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        return error(request, exc.status, exc.message)

    @app.exception_handler(JudgeError)
    async def _judge_error(request: Request, exc: JudgeError):
        return error(request, 400 if exc.exit_code == 2 else 500, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        return error(request, exc.status_code, str(exc.detail), headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", []) if x != "body")
        return error(request, 422, f"{where}: {first.get('msg', 'invalid input')}")

    @app.exception_handler(StoreUnavailable)
    async def _store_down(request: Request, exc: StoreUnavailable):
        return error(request, 503, "the judge's database is not answering; try again in a minute",
                     headers={"Retry-After": "10"})

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):
        if unavailable(exc):  # the database restarts or is unreachable: not a bug, and it passes
            log.warning("database unavailable on %s: %s", request.url.path, str(exc).splitlines()[0])
            return error(request, 503, "the judge's database is not answering; try again in a minute",
                         headers={"Retry-After": "10"})
        log.exception("unhandled error on %s", request.url.path)
        return error(request, 500, f"internal error: {type(exc).__name__}")

    from . import api, web, web_admin

    app.include_router(api.router, prefix="/api/v1")
    app.include_router(web.router)
    app.include_router(web_admin.router)
    return app
