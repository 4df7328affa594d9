"""The application: routes, middleware and error handlers assembled over the library.

    from brm_advisor.web.app import create_app
    app = create_app(WebConfig())        # an ASGI application (uvicorn serves it)
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from brm_advisor.engine import BrmError

from . import api, pages
from .config import WebConfig
from .problems import Problem, brm_error_handler, problem_handler, problem_response
from .security import Guard
from .services import Services

STATIC = Path(__file__).resolve().parent / "static"


def create_app(config: WebConfig | None = None) -> Starlette:
    """The web application for `config` (loopback defaults when None)."""
    config = config or WebConfig()
    services = Services(config)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            services.close()

    app = Starlette(
        routes=[*api.routes(services), *pages.routes(services),
                Mount("/static", app=StaticFiles(directory=STATIC), name="static")],
        middleware=[Middleware(Guard, token=config.token, max_body=config.max_body)],
        exception_handlers={BrmError: brm_error_handler, Problem: problem_handler,
                            HTTPException: _http_error, Exception: _unexpected},
        lifespan=lifespan)
    app.state.services = services
    return app


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    kinds = {404: ("not-found", "Not found"), 405: ("method", "Method not allowed"),
             413: ("too-large", "The request body is too large")}
    kind, title = kinds.get(error.status_code, ("http", str(error.detail)))
    detail = str(error.detail) if error.status_code != 413 else (
        f"a request body may be at most {request.app.state.services.config.max_body} bytes")
    return problem_response(Problem(error.status_code, kind, title, detail))


async def _unexpected(request: Request, error: Exception) -> Response:
    """A defect: answered without a stack trace (the server's log has it)."""
    return problem_response(Problem(500, "internal", "Something went wrong on the server",
                                    "the server's log has the details"))
