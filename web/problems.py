"""Errors as ``application/problem+json`` (RFC 9457): a status, a title, a detail, and for a
document that cannot be used, the same issues the command line prints (path, message, what is
allowed, did you mean, line). A response never carries a stack trace."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from brm_advisor.engine import (
    BrmError,
    ConflictError,
    DocumentError,
    EditError,
    EngineError,
    HistoryError,
    Issue,
    IssuesError,
    NotFoundError,
    PackNotFoundError,
    ReportError,
    TargetError,
    UnknownLevelError,
    words,
)

PROBLEM = "application/problem+json"
TYPES = "https://brm-advisor.invalid/problems/"
"""Problem types are named under this base (not a page to fetch: RFC 9457 allows it)."""


class Problem(Exception):
    """A problem a route raises on purpose (a wrong token, a body too large...)."""

    def __init__(self, status: int, kind: str, title: str, detail: str = "",
                 **extra: Any) -> None:
        super().__init__(detail or title)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.extra = extra


def problem_response(problem: Problem) -> Response:
    body: dict[str, Any] = {"type": TYPES + problem.kind, "title": problem.title,
                            "status": problem.status}
    if problem.detail:
        body["detail"] = problem.detail
    body.update(problem.extra)
    return Response(json.dumps(body, ensure_ascii=False, indent=2) + "\n",
                    status_code=problem.status, media_type=PROBLEM)


def from_error(error: BrmError) -> Problem:
    """The problem a library error is, with its data: a body that is no JSON document at all
    (its syntax, a key twice, too deep...) is 400 (413 when too large), a document that is
    not what the request needs is 422, each with the CLI's issues."""
    if isinstance(error, DocumentError):
        too_large = any(issue.code == "too-large" for issue in error.issues)
        return Problem(413 if too_large else 400,
                       "too-large" if too_large else "malformed",
                       "The request body is too large" if too_large
                       else "The request body is not readable JSON",
                       error.issues[0].describe(error.source) if error.issues
                       else str(error.source),
                       issues=[issue_dict(issue, error.source) for issue in error.issues],
                       total=error.total)
    if isinstance(error, IssuesError):
        return Problem(422, "invalid-document", "The document is not valid",
                       f"{error.source} is not valid ({words.plural(error.total, 'problem')})",
                       issues=[issue_dict(issue, error.source) for issue in error.issues],
                       total=error.total)
    if isinstance(error, EditError):
        return Problem(422, "invalid-edit", "The edit cannot be made", str(error),
                       issues=[{key: value for key, value in (
                           ("path", error.edit), ("message", error.message),
                           ("allowed", error.allowed), ("suggestion", error.suggestion))
                           if value is not None}])
    if isinstance(error, PackNotFoundError):
        return Problem(404, "unknown-pack", "No such rule pack", str(error),
                       known=list(error.known))
    if isinstance(error, NotFoundError):
        return Problem(404, "not-found", "Not found", str(error))
    if isinstance(error, ConflictError):
        return Problem(409, "conflict", "Changed meanwhile", str(error), path=error.path,
                       yours=error.yours, theirs=error.theirs, version=error.version)
    if isinstance(error, TargetError):
        return Problem(422, "invalid-target", "The target cannot be used", str(error))
    if isinstance(error, ReportError):
        return Problem(422, "no-report", "No report can be made of these facts", str(error))
    if isinstance(error, UnknownLevelError):
        return Problem(422, "unknown-level", "No such level", str(error),
                       known=list(error.known))
    if isinstance(error, HistoryError):
        return Problem(503, "history", "The history database cannot be used", str(error))
    if isinstance(error, EngineError):
        return Problem(500, "engine", "The inference engine failed", str(error))
    return Problem(400, "error", "The request cannot be served", str(error))


def issue_dict(issue: Issue, source: str | None = None) -> dict[str, Any]:
    """An issue as a problem carries it: its place, message, what is allowed, did you mean,
    line, and (`source` given) ``text``, the line the command line prints for it."""
    found: dict[str, Any] = {"path": issue.path, "message": issue.message, "code": issue.code}
    for key in ("allowed", "suggestion", "line"):
        value = getattr(issue, key)
        if value is not None:
            found[key] = value
    if source is not None:
        found["text"] = issue.describe(source)
    return found


async def brm_error_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, BrmError)
    return problem_response(from_error(error))


async def problem_handler(request: Request, error: Exception) -> Response:
    assert isinstance(error, Problem)
    return problem_response(error)
