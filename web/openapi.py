"""The OpenAPI 3.1 document of the HTTP API, written by hand as data.

Bodies are described by the JSON Schemas the server serves (``/schemas/facts``,
``/schemas/diagnosis``, ``/schemas/engagement``), referenced by their address, and by the
components below for the API's own envelopes (what-if, units, answers, problems). A test checks
that every route of the application is here, with its methods, and nothing else.
"""

from __future__ import annotations

from typing import Any

VERSION = "1"
PROBLEM = "application/problem+json"

Doc = dict[str, Any]


def document(prefix: str) -> Doc:
    """The document for the API served under `prefix` (``/api/v1``)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "brm-advisor API", "version": VERSION,
                 "description": "The JSON brm-advisor's command line prints and reads, over "
                                "HTTP: facts in, diagnoses, explanations, what-ifs and reports "
                                "out; the history; the workshop's units being answered. Errors "
                                "are application/problem+json (RFC 9457) with the CLI's "
                                "issues. Packs are named by id only."},
        "servers": [{"url": "/"}],
        "security": [{}, {"token": []}],
        "paths": _paths(prefix),
        "components": _components(prefix),
    }


def _paths(p: str) -> Doc:
    facts = _ref_schema(f"{p}/schemas/facts")
    return {
        f"{p}/openapi.json": {"get": _op("This document", "openapi", {
            "200": _content("application/json", {"type": "object"})}, auth=False)},
        f"{p}/packs": {"get": _op("The packs a client may name, the default first", "packs", {
            "200": _content("application/json", _local("PackList"))})},
        f"{p}/packs/{{pack_id}}": {"get": _op(
            "A pack's summary (brm packs show --format json), or its levels (?view=levels: "
            "brm levels --format json)", "pack",
            {"200": _content("application/json", {"type": "object"}), **_errors(400, 404)},
            [_path_param("pack_id", "string"), _query("view", ["summary", "levels"])])},
        f"{p}/schemas/facts": {"get": _op(
            "The facts schema of a pack (brm schema)", "factsSchema",
            {"200": _content("application/schema+json", {"type": "object"}), **_errors(404)},
            [_pack_param()])},
        f"{p}/schemas/diagnosis": {"get": _op(
            "The JSON Schema of a diagnosis", "diagnosisSchema",
            {"200": _content("application/schema+json", {"type": "object"})})},
        f"{p}/schemas/engagement": {"get": _op(
            "The JSON Schema of an engagement's result", "engagementSchema",
            {"200": _content("application/schema+json", {"type": "object"})})},
        f"{p}/validate": {"post": _op(
            "Check facts against the pack's schema, every problem at once", "validate",
            {"200": _content("application/json", _local("Valid")),
             **_errors(400, 404, 413, 415, 422)},
            [_pack_param()], body=facts)},
        f"{p}/assess": {"post": _op(
            "The diagnosis of the facts (brm assess)", "assess",
            {"200": {"description": "The diagnosis (brm assess --format json), or as "
                                    "?format= asks: text, Markdown, HTML",
                     "content": {"application/json": {"schema": _ref_schema(
                         f"{p}/schemas/diagnosis")},
                         "text/plain": {"schema": {"type": "string"}},
                         "text/markdown": {"schema": {"type": "string"}},
                         "text/html": {"schema": {"type": "string"}}}},
             **_errors(400, 404, 413, 415, 422)},
            [_pack_param(), _target_param(),
             _query("format", ["json", "text", "markdown", "html"]), _bool("explain"),
             _bool("anonymize")], body=facts)},
        f"{p}/explain": {"post": _op(
            "Why this level, why not the next (brm explain --format json)", "explain",
            {"200": {"description": "The explanation",
                     "content": {"application/json": {"schema": {"type": "object"}},
                                 "text/plain": {"schema": {"type": "string"}}}},
             **_errors(400, 404, 413, 415, 422)},
            [_pack_param(), _query("format", ["json", "text"]),
             {"name": "level", "in": "query", "required": False,
              "description": "Why not this level (or DIMENSION=LEVEL)",
              "schema": {"type": "string"}}, _bool("anonymize")], body=facts)},
        f"{p}/whatif": {"post": _op(
            "Before and after edits (set), or the fewest changes reaching a target "
            "(brm whatif --format json)", "whatif",
            {"200": _content("application/json", {"type": "object"}),
             **_errors(400, 404, 413, 415, 422)},
            [_pack_param(), _bool("anonymize")], body=_local("WhatIfRequest"))},
        f"{p}/report": {"post": _op(
            "The report (brm report): HTML or Markdown", "report",
            {"200": {"description": "The report",
                     "content": {"text/html": {"schema": {"type": "string"}},
                                 "text/markdown": {"schema": {"type": "string"}}}},
             **_errors(400, 404, 413, 415, 422)},
            [_pack_param(), _target_param(), _query("format", ["html", "markdown"]),
             _bool("anonymize")], body=facts)},
        f"{p}/history": {
            "get": _op("Saved assessments (brm history list --format json)", "historyList",
                       {"200": _content("application/json", {
                           "type": "array", "items": _local("SavedSummary")})},
                       [_organization_param()]),
            "post": _op("Assess the facts and save the assessment (brm assess --save)",
                        "historySave",
                        {"201": {**_content("application/json", _local("Saved")),
                                 "headers": {"Location": {"schema": {"type": "string"}}}},
                         **_errors(400, 404, 413, 415, 422)},
                        [_pack_param(), _target_param(), _bool("keep_profiles")], body=facts)},
        f"{p}/history/timeline": {"get": _op(
            "An organization's levels over time (brm history show ORG --format json)",
            "historyTimeline",
            {"200": _content("application/json", {"type": "object"}), **_errors(400, 404)},
            [{**_organization_param(), "required": True}])},
        f"{p}/history/{{assessment_id}}": {"get": _op(
            "One saved assessment, with its facts and result", "historyRead",
            {"200": _content("application/json", _local("Saved")), **_errors(404)},
            [_path_param("assessment_id", "integer")])},
        f"{p}/workshop/units": {
            "get": _op("The units being answered", "units",
                       {"200": _content("application/json", _local("UnitList"))},
                       [_organization_param()]),
            "post": _op("A new unit to answer", "unitCreate",
                        {"201": {**_content("application/json", _local("UnitView")),
                                 "headers": {"Location": {"schema": {"type": "string"}}}},
                         **_errors(400, 404, 409, 413, 415, 422)},
                        body=_local("UnitCreate"))},
        f"{p}/workshop/units/{{unit_id}}": {"get": _op(
            "A unit: its answers, its version, its diagnosis when complete", "unit",
            {"200": _content("application/json", _local("UnitView")), **_errors(404)},
            [_path_param("unit_id", "integer")])},
        f"{p}/workshop/units/{{unit_id}}/answers": {"post": _op(
            "Save one answer against the version and value the client saw", "unitAnswer",
            {"200": _content("application/json", _local("UnitView")),
             **_errors(400, 404, 409, 413, 415, 422)},
            [_path_param("unit_id", "integer")], body=_local("Answer"))},
    }


_STATUS_WORDS = {400: "The body is not readable JSON, or a parameter is not allowed",
                 401: "A token is required",
                 404: "No such pack, unit, organization or saved assessment",
                 409: "Changed meanwhile (both values given), or the unit exists",
                 413: "The body is too large", 415: "The body is not JSON",
                 422: "The body is JSON but not what the request needs (every issue)"}


def _errors(*statuses: int) -> Doc:
    return {str(status): {"description": _STATUS_WORDS[status], "content": {
        PROBLEM: {"schema": _local("Problem")}}} for status in (*statuses, 401)}


def _op(summary: str, operation_id: str, responses: Doc, parameters: list[Doc] | None = None,
        body: Doc | None = None, auth: bool = True) -> Doc:
    op: Doc = {"summary": summary, "operationId": operation_id, "responses": responses}
    if parameters:
        op["parameters"] = parameters
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": body}}}
    if auth and "401" not in responses:
        op["responses"] = {**responses, **_errors()}
    return op


def _content(media: str, schema: Doc) -> Doc:
    return {"description": "OK", "content": {media: {"schema": schema}}}


def _local(name: str) -> Doc:
    return {"$ref": f"#/components/schemas/{name}"}


def _ref_schema(address: str) -> Doc:
    """A JSON Schema the server serves (a reference by address: OpenAPI 3.1 allows it)."""
    return {"$ref": address}


def _path_param(name: str, kind: str) -> Doc:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _query(name: str, choices: list[str]) -> Doc:
    return {"name": name, "in": "query", "required": False,
            "schema": {"type": "string", "enum": choices, "default": choices[0]}}


def _bool(name: str) -> Doc:
    return {"name": name, "in": "query", "required": False,
            "schema": {"type": "boolean", "default": False}}


def _pack_param() -> Doc:
    return {"name": "pack", "in": "query", "required": False,
            "description": "A pack's id (GET /packs lists them); the server's default when "
                           "omitted", "schema": {"type": "string"}}


def _target_param() -> Doc:
    return {"name": "target", "in": "query", "required": False, "explode": True,
            "description": "The level to aim for; for a pack with dimensions also "
                           "DIMENSION=LEVEL (repeatable), as brm assess --target",
            "schema": {"type": "array", "items": {"type": "string"}}}


def _organization_param() -> Doc:
    return {"name": "organization", "in": "query", "required": False,
            "schema": {"type": "string"}}


def _components(p: str) -> Doc:
    text = {"type": "string"}
    return {
        "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                      "description": "Required when the server was given a "
                                                     "token (always off loopback)"}},
        "schemas": {
            "Issue": {"type": "object", "required": ["path", "message", "code"],
                      "properties": {"path": text, "message": text, "code": text,
                                     "allowed": text, "suggestion": text,
                                     "line": {"type": "integer"}, "text": text}},
            "Problem": {"type": "object", "required": ["type", "title", "status"],
                        "properties": {"type": text, "title": text,
                                       "status": {"type": "integer"}, "detail": text,
                                       "issues": {"type": "array",
                                                  "items": _local("Issue")},
                                       "total": {"type": "integer"}, "path": text,
                                       "yours": {}, "theirs": {},
                                       "version": {"type": "integer"},
                                       "known": {"type": "array", "items": text}}},
            "PackList": {"type": "object", "properties": {
                "default": text, "packs": {"type": "array", "items": {
                    "type": "object", "properties": {"id": text, "origin": text}}}}},
            "Valid": {"type": "object", "properties": {
                "valid": {"const": True}, "message": text,
                "pack": {"type": "object", "properties": {"id": text, "version": text}}}},
            "WhatIfRequest": {"type": "object", "required": ["facts"],
                              "additionalProperties": False, "properties": {
                                  "facts": _ref_schema(f"{p}/schemas/facts"),
                                  "set": {"type": "array", "items": text,
                                          "description": "PATH=VALUE, PATH+=ITEM, "
                                                         "PATH-=ITEM, PATH=null"},
                                  "target": {"oneOf": [text, {"type": "array",
                                                              "items": text}]}}},
            "SavedSummary": {"type": "object", "required": ["id", "organization", "level"],
                             "properties": {"id": {"type": "integer"}, "organization": text,
                                            "saved_at": text, "source": text,
                                            "business_unit": text, "assessed_on": text,
                                            "pack": {"type": "object"},
                                            "level": {"type": "object"}}},
            "Saved": {"allOf": [_local("SavedSummary"), {"type": "object", "properties": {
                "facts": {"type": "object"}, "result": {"type": "object"}}}]},
            "Unit": {"type": "object", "properties": {
                "id": {"type": "integer"}, "organization": text, "business_unit": text,
                "pack": text, "facts": {"type": "object"}, "version": {"type": "integer"},
                "updated_at": text}},
            "UnitList": {"type": "object", "properties": {
                "units": {"type": "array", "items": _local("Unit")}}},
            "UnitView": {"type": "object", "properties": {
                "unit": _local("Unit"), "complete": {"type": "boolean"},
                "diagnosis": {"oneOf": [_ref_schema(f"{p}/schemas/diagnosis"),
                                        {"type": "null"}]},
                "missing": {"type": "array", "items": _local("Issue")}}},
            "UnitCreate": {"type": "object", "required": ["organization", "business_unit"],
                           "additionalProperties": False, "properties": {
                               "organization": text, "business_unit": text, "pack": text}},
            "Answer": {"type": "object", "required": ["path", "value", "version"],
                       "additionalProperties": False, "properties": {
                           "path": {"type": "string", "description": "A field's dotted path"},
                           "value": {"description": "The answer (null removes it)"},
                           "version": {"type": "integer", "minimum": 1,
                                       "description": "The unit's version the client saw"},
                           "base": {"description": "The value at path the client saw"}}},
        },
    }
