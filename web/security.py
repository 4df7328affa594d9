"""Safe by default: a token on every request when the server is reachable from elsewhere,
protection of form posts against cross-site request forgery, strict headers, bounded bodies.

- **Token** (`WebConfig.token`): ``Authorization: Bearer TOKEN`` (the API), or the cookie a
  browser gets by opening the URL ``/?token=TOKEN`` once (then redirected without it). A
  missing or wrong token is 401 and nothing runs.
- **Cross-site request forgery**: every page sets a random ``brm_csrf`` cookie (SameSite=Strict);
  a form post carries it back as the field ``csrf`` and a script's post as the header
  ``X-CSRF-Token`` (`check_csrf`). The API takes JSON only (a cross-site form cannot send
  ``application/json`` without the browser asking first), so it needs no token of that kind.
- **Headers**: a Content-Security-Policy with no inline script and nothing loaded from
  elsewhere, no framing, no sniffing, no referrer.
- **Bodies** are bounded in size (Starlette's limit: 413) and in time (`MAX_BODY_SECONDS`).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

import anyio
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import Problem, problem_response

CSRF_COOKIE = "brm_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
TOKEN_COOKIE = "brm_token"
MAX_BODY_SECONDS = 30.0
"""A request body must arrive within this time (a client trickling bytes is cut off)."""

POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
"""The pages' Content-Security-Policy: scripts and styles only from the server's own files."""
REPORT_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                 "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
"""The report's (the same HTML as `brm report`: its styles are inline, it runs no script)."""
_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY")]
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Guard:
    """ASGI middleware: the token, the CSRF cookie, the headers, the body's time."""

    def __init__(self, app: ASGIApp, token: str | None, max_body: int) -> None:
        self.app = app
        self.token = token
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookies = _cookies(headers)
        if self.token is not None:
            done = await self._check_token(scope, headers, cookies, send)
            if done:
                return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await problem_response(Problem(
                413, "too-large", "The request body is too large",
                f"a request body may be at most {self.max_body} bytes")
            )(scope, _nothing, send)
            return
        csrf = cookies.get(CSRF_COOKIE)
        new_csrf = None if csrf else secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf"] = csrf or new_csrf

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                given = list(message.get("headers", []))
                names = {name.lower() for name, _ in given}
                extra = [(n, v) for n, v in _HEADERS if n not in names]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", POLICY.encode()))
                if new_csrf is not None:
                    extra.append((b"set-cookie", _cookie(CSRF_COOKIE, new_csrf).encode()))
                message = {**message, "headers": given + extra}
            await send(message)

        await self.app(scope, _bounded(receive, self.max_body), send_with_headers)

    async def _check_token(self, scope: Scope, headers: Headers, cookies: Mapping[str, str],
                           send: Send) -> bool:
        """Whether the request was answered here: refused, or redirected to drop a token
        given in the address (which then lives in a cookie)."""
        assert self.token is not None
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        given = _bearer(headers) or cookies.get(TOKEN_COOKIE)
        if given is not None and hmac.compare_digest(given, self.token):
            return False
        in_query = query.get("token")
        if in_query is not None and hmac.compare_digest(in_query, self.token) and (
                scope["method"] == "GET"):
            rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
            location = scope["path"] + (f"?{rest}" if rest else "")
            await send({"type": "http.response.start", "status": 303, "headers": [
                (b"location", location.encode()),
                (b"set-cookie", _cookie(TOKEN_COOKIE, self.token).encode()),
                *_HEADERS]})
            await send({"type": "http.response.body", "body": b""})
            return True
        response = problem_response(Problem(
            401, "unauthorized", "A token is required",
            "this server requires its token: send 'Authorization: Bearer TOKEN', or open the "
            "address `brm serve` printed (it carries ?token=...)"))
        response.headers["www-authenticate"] = "Bearer"
        await response(scope, _nothing, send)
        return True


def check_csrf(request_state: Any, headers: Headers, form: Mapping[str, Any] | None) -> None:
    """Refuse (403) an unsafe request whose CSRF token (the form's `csrf` field, or the
    X-CSRF-Token header) is not the cookie's."""
    expected = getattr(request_state, "csrf", None)
    given = headers.get(CSRF_HEADER) or (form.get(CSRF_FIELD) if form is not None else None)
    if not expected or not isinstance(given, str) or not hmac.compare_digest(given, expected):
        raise Problem(403, "csrf", "The form is out of date",
                      "the form's protection against cross-site requests is missing or "
                      "stale: reload the page and send it again")


def _bounded(receive: Receive, max_body: int) -> Receive:
    """`receive`, with the whole body due within MAX_BODY_SECONDS of the first read (a
    client trickling bytes is cut off: 408) and at most `max_body` bytes of it (413, for a
    body sent without its length); what comes after the body is not timed."""
    deadline: list[float] = []
    done = False
    size = 0

    async def timed() -> Message:
        nonlocal done, size
        if done:
            return await receive()
        if not deadline:
            deadline.append(anyio.current_time() + MAX_BODY_SECONDS)
        try:
            with anyio.fail_after(max(0.0, deadline[0] - anyio.current_time())):
                message = await receive()
        except TimeoutError:
            raise Problem(408, "timeout", "The request took too long to arrive",
                          f"a request's body must arrive within {MAX_BODY_SECONDS:g} s") from None
        if message["type"] == "http.request":
            size += len(message.get("body", b""))
            if size > max_body:
                raise Problem(413, "too-large", "The request body is too large",
                              f"a request body may be at most {max_body} bytes")
        if message["type"] != "http.request" or not message.get("more_body", False):
            done = True
        return message
    return timed


async def _nothing() -> Message:  # pragma: no cover - a refused request's body is not read
    return {"type": "http.disconnect"}


def _bearer(headers: Headers) -> str | None:
    value = headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _cookies(headers: Headers) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # noqa: BLE001 - a malformed cookie header is as good as none
        return {}
    return {key: morsel.value for key, morsel in jar.items()}


def _cookie(name: str, value: str) -> str:
    return f"{name}={value}; Path=/; HttpOnly; SameSite=Strict"


def is_unsafe(method: str) -> bool:
    return method in _UNSAFE
