"""The workshop's pages, rendered on the server (Jinja2, autoescaped), usable without
JavaScript (plain form posts and redirects); the vendored htmx saves each answer as it is given
and updates the diagnosis beside the form.

Routes:

- ``GET /``: the organizations (units being answered, saved assessments: units, respondents,
  dates) and the form to start a unit (``POST /units``: organization, business_unit, pack).
- ``GET /units/{id}``: the unit's form and its diagnosis (``?why=PATH``: the ``??`` of a
  question opened); ``POST /units/{id}/answers``: answers saved (without htmx: every field
  changed, then 303 back; with htmx: the field whose control changed, answered with that
  field's block and the diagnosis out of band). 422: refused (the CLI's message); 409: another
  browser saved that question meanwhile (both values shown); nothing is saved in either case.
- ``GET /units/{id}/why?path=PATH``: what each answer would change; ``GET
  /units/{id}/whatif?path=PATH&value=VALUE``: before and after one tentative change, unsaved.
- ``GET /units/{id}/report.html`` (the same bytes as ``brm report``), ``report.md``,
  ``report.pdf`` (503 with a message when Chromium is missing).
- ``GET /portfolio``: levels across organizations and units (drafts and the history), the
  units x criteria heatmap per organization and pack, each unit's team heatmap.
- ``?large=1`` / ``?large=0`` on any page: large type for a projector (kept in a cookie).

Stable names for browser tests: every answer control is named by its field path (``name=
"engagement.mode"``) with the id ``f-`` + the path, dots as hyphens (``f-engagement-mode``;
a list's checkboxes ``f-measures-1``... in the choices' order, and ``f-measures-none`` for
"none of these"; a list of records such as ``brms`` is a JSON textarea), inside ``<div
class="field" id="field-f-engagement-mode">``, labelled by ``<label for>`` (a list: its
fieldset's legend). With htmx an answer is saved on change (requests queued per form) and the
control is never replaced: the reply fills ``#f-engagement-mode-status`` with ``Saved.``
(``#f-engagement-mode-saved``), the refusal (``#f-engagement-mode-error``, role=alert, the
CLI's words, HTTP 422) or the conflict (``#f-engagement-mode-conflict``: ``dd.yours``,
``dd.theirs``, the button "Keep my answer" named ``_keep``; HTTP 409). The ``??`` link is
``#f-engagement-mode-why``. The form is ``#answers`` with the button ``#save`` ("Save the
answers", the no-JavaScript way). The diagnosis is ``#diagnosis``: ``#level`` (name and "level
N of M", or "No level yet"), ``#dimensions``, ``#met``, ``#unmet``, ``#gaps``,
``#recommendations``, ``#findings``, ``#team`` (the team heatmap), ``#missing`` (required
answers not given yet). The ``??`` panel is ``#why``. What-if: the form ``#whatif-form``
(``#whatif-path``, ``#whatif-value``, button ``#whatif-go``) and ``#whatif`` (``#whatif-before``,
``#whatif-after``, ``#whatif-error``). Report links: ``#report-html``, ``#report-md``,
``#report-pdf``. The index: ``#organizations``, the form ``#new-unit`` (``#new-organization``,
``#new-unit-name``, ``#new-pack``, button ``#new-unit-go``; ``#new-error``); the portfolio:
``#levels``, ``#heatmaps``, ``#teams``. The large-type switch: ``#large-type``. The browser's
console logs the 422 and 409 replies as failed loads: they are the refusals, by design.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anyio.to_thread
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.templating import Jinja2Templates

from brm_advisor.engine import (
    Advisor,
    BrowserError,
    ConflictError,
    Draft,
    Facts,
    HistoryError,
    NotFoundError,
    PackNotFoundError,
    Workshop,
    explain,
    print_pdf,
    render_report,
    report_context,
)

from . import forms, views
from .security import REPORT_POLICY, check_csrf
from .services import Services
from .templates_env import FOLDER

LARGE_COOKIE = "brm_large"
ANSWERED = "answered"
"""The event an answer saved with htmx raises on the page (``HX-Trigger``)."""
HTMX_CONFIG = ('{"includeIndicatorStyles": false, '
               '"responseHandling": [{"code": "204", "swap": false}, '
               '{"code": "[23]..", "swap": true}, {"code": "409", "swap": true}, '
               '{"code": "422", "swap": true}, {"code": "[45]..", "swap": false, '
               '"error": true}]}')
"""htmx swaps a refused answer (422) and a conflict (409) into the page like a success."""


class Pages:
    """The pages over `services`, each an async endpoint on the event loop's thread."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.env = page_templates()

    # --- rendering ------------------------------------------------------------------------

    def render(self, request: Request, name: str, context: Mapping[str, Any],
               status: int = 200) -> Response:
        large = _large(request)
        response = self.env.TemplateResponse(request, name, {
            **context, "csrf": request.state.csrf, "large": large,
            "htmx_config": HTMX_CONFIG}, status_code=status)
        given = request.query_params.get("large")
        if given in ("0", "1"):
            response.set_cookie(LARGE_COOKIE, given, httponly=True, samesite="strict")
        return response

    def not_found(self, request: Request, what: str) -> Response:
        return self.render(request, "error.html.j2", {
            "title": "Not found", "message": what}, 404)

    def draft(self, unit_id: int) -> Draft:
        with self.services.history() as history:
            return Workshop(history).draft(unit_id)

    def unit_of(self, request: Request) -> Draft | Response:
        """The unit a request's path names, or the page saying there is none (404)."""
        unit_id = request.path_params["unit_id"]
        try:
            return self.draft(unit_id)
        except NotFoundError:
            return self.not_found(request, f"There is no unit #{unit_id}.")

    # --- the organizations ------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        """The organizations: units being answered and assessments saved."""
        return self.render(request, "index.html.j2", self.index_context())

    def index_context(self, **extra: Any) -> dict[str, Any]:
        with self.services.history() as history:
            workshop = Workshop(history)
            drafts = workshop.drafts()
            organizations = workshop.organizations()
            saved = history.assessments()
        listed = []
        for name in organizations:
            mine = [d for d in drafts if d.organization == name]
            listed.append({"name": name, "drafts": mine,
                           "respondents": views.respondents(mine),
                           "saved": [s for s in saved if s.organization == name]})
        packs = sorted(self.services.packs, key=lambda p: (p != self.services.default_pack, p))
        return {"organizations": listed, "packs": packs,
                "default_pack": self.services.default_pack, "error": None, "given": {},
                **extra}

    async def create(self, request: Request) -> Response:
        """A new unit to answer (organization, unit, pack by id), then its page."""
        form = await request.form()
        check_csrf(request.state, request.headers, form)
        given = {k: _text(form, k) for k in ("organization", "business_unit", "pack")}
        try:
            self.services.advisor(given["pack"] or None)
            with self.services.history() as history:
                draft = Workshop(history).create(given["organization"], given["business_unit"],
                                                 given["pack"] or self.services.default_pack)
        except ConflictError:
            return self.render(request, "index.html.j2", self.index_context(
                error=f"{given['organization']} already has a unit named "
                      f"{given['business_unit']}: open it below, or choose another name",
                given=given), 409)
        except (HistoryError, PackNotFoundError) as error:
            return self.render(request, "index.html.j2", self.index_context(
                error=str(error), given=given), 422)
        return RedirectResponse(f"/units/{draft.id}", status_code=303)

    # --- a unit -----------------------------------------------------------------------------

    async def unit(self, request: Request) -> Response:
        """A unit's form and its diagnosis."""
        draft = self.unit_of(request)
        if not isinstance(draft, Draft):
            return draft  # no such unit: the page saying so
        why = request.query_params.get("why")
        return self.render(request, "unit.html.j2", self.unit_context(draft, why=why))

    def unit_context(self, draft: Draft, *, why: str | None = None,
                     kept: Mapping[str, forms.Kept] | None = None) -> dict[str, Any]:
        advisor = self.services.advisor(draft.pack_id)
        fields = forms.form_fields(advisor, draft.facts, draft.version, kept)
        groups: list[tuple[str | None, list[forms.FormField]]] = []
        for field in fields:
            if not groups or groups[-1][0] != field.group:
                groups.append((field.group, []))
            groups[-1][1].append(field)
        return {"draft": draft, "pack": advisor.pack, "groups": groups,
                **self.diagnosis_context(advisor, draft),
                "why": views.why_view(advisor, draft.facts, why) if why else None,
                "edit_paths": views.edit_paths(advisor, draft.facts), "whatif": None,
                "whatif_error": None, "whatif_given": {}}

    def diagnosis_context(self, advisor: Advisor, draft: Draft) -> dict[str, Any]:
        assessed = views.assess(advisor, draft.facts)
        return {"diagnosis": views.diagnosis_view(advisor, assessed.diagnosis)
                if assessed.diagnosis is not None else None,
                "missing": assessed.missing, "problems": assessed.problems,
                "draft": draft}

    async def answers(self, request: Request) -> Response:
        """Answers posted: checked, then saved against the version and value the page
        showed."""
        form = await request.form()
        check_csrf(request.state, request.headers, form)
        draft = self.unit_of(request)
        if not isinstance(draft, Draft):
            return draft  # no such unit: the page saying so
        advisor = self.services.advisor(draft.pack_id)
        asked = forms.questions(advisor)
        if request.headers.get("hx-request") == "true":
            return self.answer_one(request, form, draft, advisor, asked)
        return self.answer_all(request, form, draft, advisor, asked)

    def answer_one(self, request: Request, form: FormData, draft: Draft, advisor: Advisor,
                   asked: Mapping[str, Any]) -> Response:
        """htmx: the field whose control changed (or whose Keep button was pressed)."""
        path = request.headers.get("hx-trigger-name") or ""
        if path == forms.KEEP:
            path = _text(form, forms.KEEP)
        question = asked.get(path)
        if question is None or path in forms.IDENTITY:
            return self.not_found(request, "There is no such question.")
        raw = forms.posted_raw(question, form)
        answer = forms.read_answer(advisor, question, raw, draft.facts)
        version = forms.version_of(form, path)
        base = forms.base_of(form, path)
        if answer.error is not None:
            kept = forms.Kept(raw, _json(base), version, answer.error)
            return self.field_response(request, advisor, draft, path, kept, 422)
        try:
            with self.services.history() as history:
                saved = Workshop(history).answer(draft.id, path, answer.value, version, base)
        except ConflictError as error:
            if error.theirs == answer.value:  # the same answer, saved by this page already
                return self.field_response(request, advisor, self.draft(draft.id), path,
                                           None, 200)
            kept = forms.Kept(raw, _json(error.theirs), error.version, None,
                              forms.Conflict(raw, forms.shown(error.theirs) or "(no answer)"))
            return self.field_response(request, advisor, draft, path, kept, 409)
        return self.field_response(request, advisor, saved, path, None, 200)

    def field_response(self, request: Request, advisor: Advisor, draft: Draft, path: str,
                       kept: forms.Kept | None, status: int) -> Response:
        field = forms.form_field(advisor, path, draft.facts, draft.version, kept)
        if kept is None:
            field = field._replace(saved=True)
        response = self.render(request, "answer.html.j2", {
            "field": field, **self.diagnosis_context(advisor, draft), "oob": True}, status)
        if kept is None:  # an open ?? panel and a what-if result load themselves again
            response.headers["hx-trigger"] = ANSWERED
        return response

    def answer_all(self, request: Request, form: FormData, draft: Draft, advisor: Advisor,
                   asked: Mapping[str, Any]) -> Response:
        """A plain post: every field changed from what the page showed, all checked first
        (one refused: nothing saved, the page shown again as typed), then saved one by one
        (a conflict: the others kept, both values shown for it)."""
        posted = [q for path, q in asked.items()
                  if forms.BASE + path in form and path not in forms.IDENTITY]
        answers, kept = [], {}
        for question in posted:
            raw = forms.posted_raw(question, form)
            base = forms.base_of(form, question.path)
            if not forms.changed(question, raw, base):
                continue
            answer = forms.read_answer(advisor, question, raw, draft.facts)
            version = forms.version_of(form, question.path)
            answers.append((answer, version, base))
            kept[question.path] = forms.Kept(raw, _json(base), version, answer.error)
        if any(a.error for a, _, _ in answers):
            return self.render(request, "unit.html.j2", {
                **self.unit_context(draft, kept=kept), "refused": True}, 422)
        conflicts = {}
        with self.services.history() as history:
            workshop = Workshop(history)
            for answer, version, base in answers:
                try:
                    draft = workshop.answer(draft.id, answer.path, answer.value, version, base)
                except ConflictError as error:
                    if error.theirs == answer.value:  # saved already (by htmx, on change)
                        continue
                    conflicts[answer.path] = forms.Kept(
                        answer.raw, _json(error.theirs), error.version, None,
                        forms.Conflict(answer.raw, forms.shown(error.theirs) or "(no answer)"))
            draft = workshop.draft(draft.id)
        if conflicts:
            fields = [forms.form_field(advisor, path, draft.facts, draft.version, kept)
                      for path, kept in conflicts.items()]
            return self.render(request, "conflict.html.j2", {
                **self.diagnosis_context(advisor, draft), "fields": fields, "why": None}, 409)
        return RedirectResponse(f"/units/{draft.id}#diagnosis", status_code=303)

    async def why(self, request: Request) -> Response:
        """What each answer to a question would change (htmx: the panel alone)."""
        draft = self.unit_of(request)
        if not isinstance(draft, Draft):
            return draft  # no such unit: the page saying so
        path = request.query_params.get("path", "")
        advisor = self.services.advisor(draft.pack_id)
        found = views.why_view(advisor, draft.facts, path)
        if found is None:
            return self.not_found(request, "The interview asks no such question.")
        if request.headers.get("hx-request") == "true":
            return self.render(request, "why.html.j2", {"why": found, "draft": draft})
        return self.render(request, "unit.html.j2", self.unit_context(draft, why=path))

    async def whatif(self, request: Request) -> Response:
        """Before and after one tentative change; nothing is saved."""
        draft = self.unit_of(request)
        if not isinstance(draft, Draft):
            return draft  # no such unit: the page saying so
        advisor = self.services.advisor(draft.pack_id)
        given = {"path": request.query_params.get("path", ""),
                 "value": request.query_params.get("value", "")}
        assessed = views.assess(advisor, draft.facts)
        result, error = None, None
        if assessed.facts is None:
            error = "the facts are not complete yet: answer the required questions first"
        else:
            result, error = views.whatif_view(advisor, assessed.facts, given["path"],
                                              given["value"])
        context = {"whatif": result, "whatif_error": error, "whatif_given": given,
                   "draft": draft, "edit_paths": views.edit_paths(advisor, draft.facts)}
        status = 200 if error is None else 422
        if request.headers.get("hx-request") == "true":
            return self.render(request, "whatif.html.j2", context, status)
        return self.render(request, "unit.html.j2", {**self.unit_context(draft), **context},
                           status)

    # --- the report -------------------------------------------------------------------------

    def report_text(self, request: Request, report_format: str) -> tuple[Draft, str] | Response:
        draft = self.unit_of(request)
        if not isinstance(draft, Draft):
            return draft  # no such unit: the page saying so
        advisor = self.services.advisor(draft.pack_id)
        assessed = views.assess(advisor, draft.facts)
        if assessed.facts is None or assessed.diagnosis is None:
            return self.render(request, "error.html.j2", {
                "title": "No report yet", "draft": draft,
                "message": "The facts are not complete yet: answer the required questions "
                           "first (" + ", ".join(f.label for f in assessed.missing) + ")."
                           if assessed.missing else "The facts are not valid yet.",
                "problems": assessed.problems}, 409)
        context = report_context(advisor, assessed.facts, assessed.diagnosis,
                                 explain(advisor, assessed.facts, assessed.diagnosis))
        return draft, render_report(context, report_format)

    async def report_html(self, request: Request) -> Response:
        """The report, the same bytes as `brm report` writes (its styles are inline)."""
        made = self.report_text(request, "html")
        if isinstance(made, Response):
            return made
        return Response(made[1].encode("utf-8"), media_type="text/html; charset=utf-8",
                        headers={"content-security-policy": REPORT_POLICY})

    async def report_md(self, request: Request) -> Response:
        made = self.report_text(request, "markdown")
        if isinstance(made, Response):
            return made
        draft, text = made
        return Response(text.encode("utf-8"), media_type="text/markdown; charset=utf-8",
                        headers={"content-disposition":
                                 f'attachment; filename="{_file_name(draft)}.md"'})

    async def report_pdf(self, request: Request) -> Response:
        """The HTML report printed by a headless Chromium (in a worker thread: it takes
        seconds and touches neither the engine nor the database)."""
        made = self.report_text(request, "html")
        if isinstance(made, Response):
            return made
        draft, text = made
        try:
            data = await anyio.to_thread.run_sync(_printed, text)
        except BrowserError as error:
            return self.render(request, "error.html.j2", {
                "title": "No PDF", "draft": draft,
                "message": f"No PDF could be printed: {error}. Open the HTML report and "
                           "print it from the browser instead."}, 503)
        return Response(data, media_type="application/pdf", headers={
            "content-disposition": f'attachment; filename="{_file_name(draft)}.pdf"'})

    # --- the portfolio ----------------------------------------------------------------------

    async def portfolio(self, request: Request) -> Response:
        """Levels across organizations and units, the heatmaps."""
        with self.services.history() as history:
            drafts = Workshop(history).drafts()
            saved = history.assessments()
        rows: list[dict[str, Any]] = []
        teams: list[dict[str, Any]] = []
        units: dict[tuple[str, str], list[tuple[str, Facts]]] = {}
        for draft in drafts:
            advisor = self.services.advisor(draft.pack_id)
            assessed = views.assess(advisor, draft.facts)
            rows.append({"organization": draft.organization, "unit": draft.business_unit,
                         "kind": "being answered", "date": draft.updated_at[:10],
                         "pack": draft.pack_id, "id": draft.id,
                         "level": assessed.diagnosis.level if assessed.diagnosis else None,
                         "dimensions": [f"{d.name}: {d.level.name}" for d in
                                        (assessed.diagnosis.dimensions
                                         if assessed.diagnosis else ())]})
            if assessed.facts is not None and assessed.diagnosis is not None:
                units.setdefault((draft.organization, draft.pack_id), []).append(
                    (draft.business_unit, assessed.facts))
                team = views.team_view(advisor, assessed.diagnosis)
                if team is not None:
                    teams.append({"organization": draft.organization,
                                  "unit": draft.business_unit, "team": team})
        for item in saved:
            rows.append({"organization": item.organization, "unit": item.business_unit,
                         "kind": "saved", "date": item.date, "pack": item.pack_id, "id": None,
                         "level": item.result.get("level"),
                         "dimensions": [f"{d.name}: {d.level_name}" for d in item.dimensions]})
        heatmaps = []
        for (organization, pack_id), found in sorted(units.items()):
            rolled = views.organization_rollup(self.services.advisor(pack_id), organization,
                                               found)
            if rolled is not None:
                heatmaps.append(rolled)
        rows.sort(key=lambda r: (r["organization"], r["unit"] or "", r["date"]))
        return self.render(request, "portfolio.html.j2", {
            "rows": rows, "heatmaps": heatmaps, "teams": teams})


def routes(services: Services) -> list[BaseRoute]:
    """The pages' routes over `services`."""
    pages = Pages(services)
    unit = "/units/{unit_id:int}"
    return [Route("/", pages.index, methods=["GET"], name="index"),
            Route("/units", pages.create, methods=["POST"]),
            Route(unit, pages.unit, methods=["GET"]),
            Route(f"{unit}/answers", pages.answers, methods=["POST"]),
            Route(f"{unit}/why", pages.why, methods=["GET"]),
            Route(f"{unit}/whatif", pages.whatif, methods=["GET"]),
            Route(f"{unit}/report.html", pages.report_html, methods=["GET"]),
            Route(f"{unit}/report.md", pages.report_md, methods=["GET"]),
            Route(f"{unit}/report.pdf", pages.report_pdf, methods=["GET"]),
            Route("/portfolio", pages.portfolio, methods=["GET"])]


def page_templates() -> Jinja2Templates:
    """The pages' templates, every one autoescaped (their names end in ``.html.j2``, which
    Jinja's default extension-based choice would leave unescaped)."""
    import jinja2

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(FOLDER)),
                                     autoescape=True, undefined=jinja2.ChainableUndefined)
    return Jinja2Templates(env=environment)


def _large(request: Request) -> bool:
    given = request.query_params.get("large")
    if given in ("0", "1"):
        return given == "1"
    return request.cookies.get(LARGE_COOKIE) == "1"


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _file_name(draft: Draft) -> str:
    words = f"{draft.organization} {draft.business_unit}".lower()
    slug = "-".join("".join(c if c.isalnum() else " " for c in words).split())
    return (slug or "report")[:80].encode("ascii", "ignore").decode() or "report"


def _printed(html: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="brm-web-pdf-") as folder:
        page, pdf = Path(folder) / "report.html", Path(folder) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        print_pdf(page, pdf)
        return pdf.read_bytes()

