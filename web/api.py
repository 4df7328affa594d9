"""The HTTP API, under ``/api/v1``: the JSON the command line prints and reads.

Request bodies are JSON (``Content-Type: application/json``), read with the same checks as a
facts file (duplicate keys, sizes, depth, numbers); answers are the CLI's JSON bytes; every
error is ``application/problem+json`` (see `problems`)."""

from __future__ import annotations

import io
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from brm_advisor.engine import Facts, render_json

from .problems import Problem
from .services import Services

PREFIX = "/api/v1"
JSON = "application/json"


def routes(services: Services) -> list[BaseRoute]:
    """The API's routes over `services`."""

    async def packs(request: Request) -> Response:
        """The packs a client may name (by id), the default first."""
        listed = sorted(services.packs, key=lambda ident: (ident != services.default_pack,
                                                           ident))
        return JSONResponse({"default": services.default_pack, "packs": [
            {"id": ident, "origin": services.packs[ident].origin} for ident in listed]})

    async def assess(request: Request) -> Response:
        """Facts in (the body), the diagnosis out: ``brm assess --format json``."""
        advisor = services.advisor(request.query_params.get("pack"))
        facts = await facts_body(request, advisor.read)
        diagnosis = advisor.assess(facts, target=request.query_params.get("target"))
        return Response(render_json(diagnosis), media_type=JSON)

    return [Route(f"{PREFIX}/packs", packs, methods=["GET"]),
            Route(f"{PREFIX}/assess", assess, methods=["POST"])]


async def facts_body(request: Request, read: Callable[..., Facts]) -> Facts:
    """The request's JSON body read and validated as facts (`read`: an advisor's)."""
    return read(io.BytesIO(await json_bytes(request)), name="request body")


async def json_bytes(request: Request) -> bytes:
    """The body of a JSON request (415 for another content type: a cross-site form cannot
    send JSON)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != JSON:
        raise Problem(415, "content-type", "The body must be JSON",
                      f"send Content-Type: {JSON} (got {kind or 'none'})")
    return await request.body()

