"""Where the pages' Jinja2 templates are (web/templates; the pages build their own
autoescaping environment over it: `pages.page_templates`)."""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "templates"
