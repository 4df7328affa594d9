"""The HTTP API, under ``/api/v1``: the JSON the command line prints and reads.

Request bodies are JSON (``Content-Type: application/json``, anything else is 415), read with
the same checks as a facts file (duplicate keys, sizes, depth, numbers); answers are the CLI's
bytes for the same input (``brm assess --format json``, ``brm explain --format json``, ``brm
whatif --format json``, ``brm report``, ``brm packs show --format json``, ``brm schema``, ``brm
history list --format json``); every error is ``application/problem+json`` (see `problems`).
Packs are named by id only (``?pack=ID``): no client names a file. The OpenAPI document
(`openapi`) describes every route; a test keeps the two in step.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from brm_advisor.engine import (
    Advisor,
    Diagnosis,
    Draft,
    Facts,
    HistoryError,
    InputError,
    Issue,
    NotFoundError,
    Workshop,
    anonymized_facts,
    explain,
    facts_evidence,
    levels_dict,
    listing,
    load_json,
    pack_summary,
    parse_edit,
    parse_targets,
    render_explanation,
    render_json,
    render_report,
    render_text,
    report_context,
    search,
    what_if,
    with_answer,
    without_profiles,
    words,
)

from . import openapi
from .problems import Problem, issue_dict
from .security import REPORT_POLICY
from .services import Services

PREFIX = "/api/v1"
JSON = "application/json"
SCHEMA = "application/schema+json"
SOURCE = "request.json"
"""The name a request's body goes by in messages (as a file's name does on the command line)."""
MEDIA = {"json": JSON, "text": "text/plain; charset=utf-8",
         "markdown": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8"}
TRACE_HINT = "`?format=json` shows the trace."
"""Where the text of a diagnosis sends its reader for the rules fired (the CLI says
``--format json``)."""
IDENTITY = ("organization", "business_unit")
"""A unit's names: given when it is created, not answered."""
MAX_NAME = 200


def routes(services: Services) -> list[BaseRoute]:
    """The API's routes over `services`."""
    handlers = _Handlers(services)
    return [Route(PREFIX + path, getattr(handlers, name), methods=[method])
            for path, method, name in ROUTES]


ROUTES: tuple[tuple[str, str, str], ...] = (
    ("/openapi.json", "GET", "openapi"),
    ("/packs", "GET", "packs"),
    ("/packs/{pack_id}", "GET", "pack"),
    ("/schemas/facts", "GET", "facts_schema"),
    ("/schemas/diagnosis", "GET", "diagnosis_schema"),
    ("/schemas/engagement", "GET", "engagement_schema"),
    ("/validate", "POST", "validate"),
    ("/assess", "POST", "assess"),
    ("/explain", "POST", "explain"),
    ("/whatif", "POST", "whatif"),
    ("/report", "POST", "report"),
    ("/history", "GET", "history_list"),
    ("/history", "POST", "history_save"),
    ("/history/{assessment_id:int}", "GET", "history_read"),
    ("/history/timeline", "GET", "history_timeline"),
    ("/workshop/units", "GET", "units"),
    ("/workshop/units", "POST", "unit_create"),
    ("/workshop/units/{unit_id:int}", "GET", "unit"),
    ("/workshop/units/{unit_id:int}/answers", "POST", "unit_answer"),
)
"""(path under PREFIX, method, handler): every route of the API."""


class _Handlers:
    """One method per route (see ROUTES), over the server's services."""

    def __init__(self, services: Services) -> None:
        self.services = services

    # --- about the API and the packs ------------------------------------------------------

    async def openapi(self, request: Request) -> Response:
        """The OpenAPI 3.1 document of this API."""
        return _json(openapi.document(PREFIX))

    async def packs(self, request: Request) -> Response:
        """The packs a client may name (by id), the default first."""
        services = self.services
        listed = sorted(services.packs, key=lambda ident: (ident != services.default_pack,
                                                           ident))
        return JSONResponse({"default": services.default_pack, "packs": [
            {"id": ident, "origin": services.packs[ident].origin} for ident in listed]})

    async def pack(self, request: Request) -> Response:
        """A pack: ``brm packs show ID --format json``, or ``?view=levels``: ``brm levels
        --format json``."""
        view = _choice(request, "view", ("summary", "levels"))
        pack = self.services.advisor(request.path_params["pack_id"]).pack
        return _json(pack_summary(pack) if view == "summary" else levels_dict(pack))

    async def facts_schema(self, request: Request) -> Response:
        """The facts schema of a pack (``?pack=ID``): ``brm schema``."""
        return _json(self._advisor(request).pack.facts_schema, SCHEMA)

    async def diagnosis_schema(self, request: Request) -> Response:
        """The JSON Schema of a diagnosis (``/assess``'s answer)."""
        return Response(_shipped_schema("diagnosis"), media_type=SCHEMA)

    async def engagement_schema(self, request: Request) -> Response:
        """The JSON Schema of an engagement's result."""
        return Response(_shipped_schema("engagement"), media_type=SCHEMA)

    # --- one organization's facts ----------------------------------------------------------

    async def validate(self, request: Request) -> Response:
        """Facts checked against the pack's schema: every problem at once (422), or valid."""
        advisor = self._advisor(request)
        facts = await _facts(request, advisor)
        pack = advisor.pack
        return _json({"valid": True, "pack": {"id": pack.id, "version": pack.version},
                      "message": f"{facts.source}: valid facts for {pack.id} {pack.version}"})

    async def assess(self, request: Request) -> Response:
        """Facts in, the diagnosis out: ``brm assess --format json`` (``?format=text``,
        ``markdown`` or ``html`` as the CLI's), toward ``?target=`` (repeatable, with
        DIMENSION=LEVEL); ``?explain=true`` appends the explanation."""
        output = _choice(request, "format", ("json", "text", "markdown", "html"))
        with_explanation = _flag(request, "explain")
        advisor = self._advisor(request)
        target, targets = _targets(request, advisor)
        facts = _anonymized(request, await _facts(request, advisor))
        diagnosis = _assess(advisor, facts, target, targets)
        if output in ("markdown", "html"):
            return _report(advisor, facts, diagnosis, output)
        explanation = explain(advisor, facts, diagnosis) if with_explanation else None
        if output == "json":
            return _text(render_json(diagnosis, explanation, facts_evidence(facts)), output)
        text = render_text(diagnosis, advisor.pack, facts_evidence(facts), TRACE_HINT)
        if explanation is not None:
            text += "\n" + render_explanation(explanation, advisor.pack)
        return _text(text, output)

    async def explain(self, request: Request) -> Response:
        """Why this level, why not the next (or ``?level=``): ``brm explain --format json``
        (``?format=text``)."""
        output = _choice(request, "format", ("json", "text"))
        advisor = self._advisor(request)
        level = request.query_params.get("level") or None
        if level is not None and "=" in level:  # a dimension's level
            level = next(iter(parse_targets(advisor.pack, (level,))[1].values()))
        if level is not None:
            advisor.level_ref(level)
        facts = _anonymized(request, await _facts(request, advisor))
        explanation = explain(advisor, facts, advisor.assess(facts), level=level)
        if output == "json":
            return _json(explanation.to_dict())
        return _text(render_explanation(explanation, advisor.pack), output)

    async def whatif(self, request: Request) -> Response:
        """``{"facts": {...}, "set": ["PATH=VALUE", ...]}``: the diagnosis before and after
        (``brm whatif --set``); ``{"facts": {...}, "target": "LEVEL"}`` (or a list, with
        DIMENSION=LEVEL): the fewest changes that reach it (``brm whatif --target``)."""
        advisor = self._advisor(request)
        body = await _envelope(request, WHATIF_BODY)
        edits, texts = body.get("set", []), _listed(body.get("target"))
        if not edits and not texts:
            raise InputError(SOURCE, (Issue("$", "give set (the edits to try) or target (the "
                                            "level to reach)", allowed="set, target",
                                            code="required"),))
        target, targets = _checked_targets(advisor, texts)
        parsed = [parse_edit(text, advisor.pack.fields) for text in edits]
        facts = _anonymized(request, advisor.reader.from_data(body["facts"], SOURCE))
        if parsed:
            return _json(what_if(advisor, facts, parsed, target=target,
                                 targets=targets or None).to_dict())
        return _json(search(advisor, facts, target, targets=targets or None).to_dict())

    async def report(self, request: Request) -> Response:
        """The report (``brm report``): HTML (the default) or ``?format=markdown``."""
        output = _choice(request, "format", ("html", "markdown"))
        advisor = self._advisor(request)
        target, targets = _targets(request, advisor)
        facts = _anonymized(request, await _facts(request, advisor))
        return _report(advisor, facts, _assess(advisor, facts, target, targets), output)

    # --- the history -----------------------------------------------------------------------

    async def history_list(self, request: Request) -> Response:
        """Saved assessments (``?organization=``): ``brm history list --format json``."""
        organization = request.query_params.get("organization") or None
        with self.services.history() as history:
            saved = history.assessments(organization)
        return _json(listing(saved))

    async def history_timeline(self, request: Request) -> Response:
        """An organization's levels over time (``?organization=``, required): ``brm history
        show ORGANIZATION --format json``; 404 (with did you mean) when it has none saved."""
        organization = request.query_params.get("organization")
        if not organization:
            raise Problem(400, "invalid-parameter", "?organization= is required",
                          "name the organization whose timeline to show",
                          parameter="organization")
        with self.services.history() as history:
            known = history.organizations()
            if organization not in known:
                raise NotFoundError("organization", organization, tuple(known))
            timeline = history.timeline(organization)
        return _json(timeline.to_dict())

    async def history_read(self, request: Request) -> Response:
        """One saved assessment: as listed, with its facts and its result."""
        return _json(self._saved(request.path_params["assessment_id"]))

    async def history_save(self, request: Request) -> Response:
        """Facts in: assessed (toward ``?target=``) and saved, as ``brm assess --save``
        (without the BRMs' own ratings unless ``?keep_profiles=true``); 201 with its address."""
        keep_profiles = _flag(request, "keep_profiles")
        advisor = self._advisor(request)
        target, targets = _targets(request, advisor)
        facts = await _facts(request, advisor)
        diagnosis = _assess(advisor, facts, target, targets)
        if not keep_profiles and diagnosis.team is not None:
            facts = Facts(facts.source, without_profiles(facts.data, advisor.pack.team))
            diagnosis = _assess(advisor, facts, target, targets)
        with self.services.history() as history:
            ident = history.save(facts.data, diagnosis, facts.source)
        location = f"{PREFIX}/history/{ident}"
        return _json(self._saved(ident), status=201, headers={"location": location})

    def _saved(self, ident: int) -> dict[str, Any]:
        with self.services.history() as history:
            try:
                saved = history.get(ident)
            except HistoryError as error:
                if str(error).startswith(f"no saved assessment #{ident} "):
                    raise NotFoundError("saved assessment", f"#{ident}") from None
                raise
        return {**saved.summary(), "facts": saved.facts, "result": saved.result}

    # --- the workshop: units being answered ------------------------------------------------

    async def units(self, request: Request) -> Response:
        """The units being answered (``?organization=``)."""
        organization = request.query_params.get("organization") or None
        with self.services.history() as history:
            drafts = Workshop(history).drafts(organization)
        return _json({"units": [draft.to_dict() for draft in drafts]})

    async def unit_create(self, request: Request) -> Response:
        """``{"organization", "business_unit", "pack"}``: a new unit to answer (201); 409 when
        the organization has that unit already."""
        body = await _envelope(request, UNIT_BODY)
        names = [_name(body, key) for key in IDENTITY]
        advisor = self.services.advisor(body.get("pack"))  # an unknown pack: 404
        with self.services.history() as history:
            draft = Workshop(history).create(names[0], names[1], advisor.pack.id)
        return _json(_unit_view(advisor, draft), status=201,
                     headers={"location": f"{PREFIX}/workshop/units/{draft.id}"})

    async def unit(self, request: Request) -> Response:
        """A unit: its answers and version, and its diagnosis when its facts are complete
        (else what is missing)."""
        with self.services.history() as history:
            draft = Workshop(history).draft(request.path_params["unit_id"])
        return _json(_unit_view(self.services.advisor(draft.pack_id), draft))

    async def unit_answer(self, request: Request) -> Response:
        """``{"path", "value", "version", "base"}``: one answer, checked at once against the
        field's schema (422 with the CLI's messages), saved against the version and the value
        the client saw (`base`); 409 with both values when someone changed that answer
        meanwhile. The unit's new version and diagnosis."""
        unit_id = request.path_params["unit_id"]
        body = await _envelope(request, ANSWER_BODY)
        with self.services.history() as history:
            workshop = Workshop(history)
            current = workshop.draft(unit_id)  # a unit that does not exist: 404
            advisor = self.services.advisor(current.pack_id)
            check_answer(advisor, current.facts_for(advisor.pack.fields), body["path"],
                         body["value"])
            draft = workshop.answer(unit_id, body["path"], body["value"], body["version"],
                                    body.get("base"))
        return _json(_unit_view(advisor, draft))

    def _advisor(self, request: Request) -> Advisor:
        return self.services.advisor(request.query_params.get("pack") or None)


# --- request bodies ---------------------------------------------------------------------------

async def json_bytes(request: Request) -> bytes:
    """The body of a JSON request (415 for another content type: a cross-site form cannot
    send JSON)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != JSON:
        raise Problem(415, "content-type", "The body must be JSON",
                      f"send Content-Type: {JSON} (got {kind or 'none'})")
    return await request.body()


async def facts_body(request: Request, read: Callable[..., Facts]) -> Facts:
    """The request's JSON body read and validated as facts (`read`: an advisor's): a body
    that is no JSON is 400, JSON that is not valid facts 422, with every issue."""
    return read(io.BytesIO(await json_bytes(request)), name=SOURCE)


async def _facts(request: Request, advisor: Advisor) -> Facts:
    return await facts_body(request, advisor.read)


Check = Callable[[Any], bool]
_KINDS: dict[str, tuple[Check, str]] = {
    "facts": (lambda v: isinstance(v, dict), "a mapping of facts"),
    "text": (lambda v: isinstance(v, str), "text"),
    "texts": (lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
              "a list of texts"),
    "targets": (lambda v: isinstance(v, str) or (
        isinstance(v, list) and all(isinstance(i, str) for i in v)),
        "a level, or a list of levels (DIMENSION=LEVEL)"),
    "version": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
                "the unit's version, a whole number from 1"),
    "any": (lambda v: True, "any JSON value"),
}


class BodyField:
    """A key of a request body: its kind (in `_KINDS`) and whether it must be given."""

    def __init__(self, kind: str, required: bool = False) -> None:
        self.kind = kind
        self.required = required


WHATIF_BODY = {"facts": BodyField("facts", True), "set": BodyField("texts"),
               "target": BodyField("targets")}
UNIT_BODY = {"organization": BodyField("text", True), "business_unit": BodyField("text", True),
             "pack": BodyField("text")}
ANSWER_BODY = {"path": BodyField("text", True), "value": BodyField("any", True),
               "version": BodyField("version", True), "base": BodyField("any")}


async def _envelope(request: Request, fields: Mapping[str, BodyField]) -> dict[str, Any]:
    """A JSON body holding the `fields` (a mapping, no other key, each of its kind): every
    problem at once (422), as a facts file's; a body that is no JSON is 400."""
    raw = await json_bytes(request)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Problem(400, "malformed", "The request body is not readable JSON",
                      f"{SOURCE} is not UTF-8 text") from None
    data = load_json(text, SOURCE)
    issues = envelope_issues(data, fields)
    if issues:
        raise InputError(SOURCE, tuple(issues))
    assert isinstance(data, dict)
    return data


def envelope_issues(data: Any, fields: Mapping[str, BodyField]) -> list[Issue]:
    """What is wrong with a request body of `fields`: each key unknown (with did you mean),
    missing, or of another kind."""
    allowed = ", ".join(fields)
    if not isinstance(data, dict):
        return [Issue("$", f"the body is {words.describe_value(data)}, not a mapping",
                      allowed=f"a mapping with {allowed}", code="type")]
    issues = [Issue(f"$.{key}", f"unknown field {key!r}", allowed=allowed,
                    suggestion=words.suggest(key, list(fields)), code="unknown-field")
              for key in data if key not in fields]
    for key, field in fields.items():
        check, kind = _KINDS[field.kind]
        if key not in data:
            if field.required:
                issues.append(Issue(f"$.{key}", f"missing required field {key!r}",
                                    allowed=kind, code="required"))
        elif not check(data[key]):
            issues.append(Issue(f"$.{key}", f"{words.describe_value(data[key])} is not "
                                f"{kind}", allowed=kind, code="type"))
    return issues


def _name(body: Mapping[str, Any], key: str) -> str:
    name = " ".join(str(body[key]).split())
    if not name or len(name) > MAX_NAME:
        raise InputError(SOURCE, (Issue(f"$.{key}", f"a name is 1 to {MAX_NAME} characters",
                                        allowed=f"1 to {MAX_NAME} characters",
                                        code="length"),))
    return name


def check_answer(advisor: Advisor, facts: Mapping[str, Any], path: str, value: Any) -> None:
    """Refuse (InputError, 422) an answer at `path` that the pack's facts schema refuses, with
    the issues `brm validate` gives for that value in a file; `value` None removes the answer
    (a unit being answered may lack any). Only the pack's fields may be answered."""
    fields = advisor.pack.fields
    if path in IDENTITY:
        raise InputError(SOURCE, (Issue("$.path", f"{path} names the unit: it is given when "
                                        "the unit is created, not answered",
                                        code="identity"),))
    if path not in fields:
        known = [p for p in fields if p not in IDENTITY]
        raise InputError(SOURCE, (Issue("$.path", f"unknown field {path!r}",
                                        allowed=", ".join(known),
                                        suggestion=words.suggest(path, known),
                                        code="unknown-field"),))
    if value is None:
        return
    try:
        advisor.reader.from_data(with_answer(facts, path, value), SOURCE)
    except InputError as error:
        mine = tuple(issue for issue in error.issues if _under(issue.path, path))
        if mine:
            raise InputError(SOURCE, mine) from None


def _under(issue_path: str, path: str) -> bool:
    place = "$." + path
    return issue_path == place or issue_path.startswith((place + ".", place + "["))


# --- query parameters -------------------------------------------------------------------------

def _choice(request: Request, name: str, choices: Sequence[str]) -> str:
    value = request.query_params.get(name, choices[0])
    if value not in choices:
        raise Problem(400, "invalid-parameter", f"?{name}= cannot be {value!r}",
                      f"?{name}= takes {', '.join(choices)}", parameter=name,
                      allowed=list(choices))
    return value


def _flag(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "false").lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise Problem(400, "invalid-parameter", f"?{name}= cannot be {value!r}",
                      f"?{name}= takes true or false", parameter=name,
                      allowed=["true", "false"])
    return value in ("true", "1", "yes")


def _anonymized(request: Request, facts: Facts) -> Facts:
    """The facts naming no one when ``?anonymize=true`` (as ``--anonymize``)."""
    return anonymized_facts(facts) if _flag(request, "anonymize") else facts


def _targets(request: Request, advisor: Advisor) -> tuple[str | None, dict[str, str]]:
    """``?target=`` (repeatable): the overall target and each dimension's, checked."""
    return _checked_targets(advisor, request.query_params.getlist("target"))


def _checked_targets(advisor: Advisor, texts: Sequence[str]
                     ) -> tuple[str | None, dict[str, str]]:
    target, targets = parse_targets(advisor.pack, texts)
    if target is not None:
        advisor.level_ref(target)  # an unknown level: 422, before the body is read
    return target, targets


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


# --- answers ----------------------------------------------------------------------------------

def _assess(advisor: Advisor, facts: Facts, target: str | None,
            targets: Mapping[str, str]) -> Diagnosis:
    """As `brm assess`: a level per dimension only when some is given."""
    if targets:
        return advisor.assess(facts, target=target, targets=targets)
    return advisor.assess(facts, target=target)


def _report(advisor: Advisor, facts: Facts, diagnosis: Diagnosis, output: str) -> Response:
    context = report_context(advisor, facts, diagnosis, explain(advisor, facts, diagnosis))
    response = _text(render_report(context, output), output)
    if output == "html":  # the report's styles are inline; it runs no script
        response.headers["content-security-policy"] = REPORT_POLICY
    return response


def _unit_view(advisor: Advisor, draft: Draft) -> dict[str, Any]:
    """A unit being answered, with its diagnosis (``brm assess --format json``'s data) when
    its facts are complete, else the problems that keep them from being (``missing``)."""
    view: dict[str, Any] = {"unit": draft.to_dict(), "complete": False, "diagnosis": None,
                            "missing": []}
    try:
        facts = advisor.reader.from_data(draft.facts_for(advisor.pack.fields),
                                         f"unit #{draft.id}")
    except InputError as error:
        view["missing"] = [issue_dict(issue) for issue in error.issues]
        return view
    diagnosis = advisor.assess(facts)
    view.update(complete=True, diagnosis=json.loads(render_json(
        diagnosis, None, facts_evidence(facts))))
    return view


def _json(data: Any, media_type: str = JSON, status: int = 200,
          headers: Mapping[str, str] | None = None) -> Response:
    """`data` as the CLI prints JSON (indented, not ASCII-escaped, a final newline)."""
    return Response(json.dumps(data, indent=2, ensure_ascii=False) + "\n", status_code=status,
                    media_type=media_type, headers=dict(headers or {}))


def _text(text: str, output: str) -> Response:
    return Response(text, media_type=MEDIA[output])


def _shipped_schema(name: str) -> bytes:
    return (resources.files("brm_advisor.schemas") / f"{name}.schema.json").read_bytes()
