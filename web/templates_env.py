"""The pages' Jinja2 environment: templates in web/templates, autoescaped."""

from __future__ import annotations

from pathlib import Path

from starlette.templating import Jinja2Templates

FOLDER = Path(__file__).resolve().parent / "templates"


def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=str(FOLDER))
