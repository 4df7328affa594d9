"""The workshop's pages, rendered on the server (Jinja2), usable without JavaScript; the
vendored htmx updates the diagnosis beside the form as answers are given."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from .services import Services
from .templates_env import templates


def routes(services: Services) -> list[BaseRoute]:
    """The pages' routes over `services`."""
    env: Jinja2Templates = templates()

    async def index(request: Request) -> Response:
        """The organizations: those being answered, and those in the history."""
        from brm_advisor.engine import Workshop

        with services.history() as history:
            workshop = Workshop(history)
            drafts = workshop.drafts()
            organizations = workshop.organizations()
        return env.TemplateResponse(request, "index.html.j2", {
            "organizations": organizations, "drafts": drafts,
            "csrf": request.state.csrf})

    return [Route("/", index, methods=["GET"], name="index")]
