"""Request-level limits, checked before anything decodes or records the request: a body's media
type, size and nesting depth, and the text of query parameters.

Raw ASGI, outermost: a refused request never reaches the idempotency store, the decoder or a
command. Every refusal is a problem body naming its rule (domain/rules.py, "input bounds").
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from api.problems import problem_body
from api.web.rendering import WEB_PATH
from domain import rules
from domain.rules import RuleViolation

# Raw ASGI, as api.idempotency: Litestar's TypedDicts do not let a middleware replay a body.
Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Any
Send = Any
ASGIApp = Any

MAX_BODY_BYTES = 4 * 1024 * 1024
"""4 MiB: the largest legitimate body, a semiannual report of 5,000 contract lines, is ~1.5 MiB."""
MAX_JSON_DEPTH = 32
"""The deepest body the API defines nests 5 levels; 32 leaves room and stops a body of 100,000 "["
long before the decoder recurses into a RecursionError."""

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_JSON_MEDIA = re.compile(r"^application/(?:[\w.+-]+\+)?json$")
# Strings first (an escaped quote does not end one), so brackets inside text do not count.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def json_depth_exceeds(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text nests arrays and objects deeper than ``limit``, without decoding it:
    linear in the body's length, no recursion."""
    depth = 0
    for bracket in _BRACKETS.findall(_STRING.sub(b"", body)):
        if bracket in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def json_media_type(content_type: str) -> bool:
    """application/json or application/<something>+json, any parameters (charset…) allowed."""
    media = content_type.split(";", 1)[0].strip().lower()
    return bool(_JSON_MEDIA.match(media))


async def _refuse(send: Send, violation: RuleViolation) -> None:
    status, body = problem_body(violation)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/problem+json")]})
    await send({"type": "http.response.body",
                "body": json.dumps(body, ensure_ascii=False).encode(), "more_body": False})


def _query_problem(scope: Scope) -> RuleViolation | None:
    raw = scope.get("query_string", b"")
    if not raw:
        return None
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True,
                                 encoding="utf-8", errors="replace"):
        if _CONTROL.search(value) or _CONTROL.search(name):
            shown = _CONTROL.sub("?", name)[:100]
            return RuleViolation(rules.REQUEST_PARAMETER_TEXT, shown, name=shown)
    return None


def request_limits(app: ASGIApp) -> ASGIApp:
    """The middleware (a Litestar middleware factory: it wraps the next ASGI app)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        problem = _query_problem(scope)
        if problem is not None:
            await _refuse(send, problem)
            return
        if scope["method"] not in _BODY_METHODS:
            await app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            await _refuse(send, RuleViolation(rules.REQUEST_TOO_LARGE, "body",
                                              limit=f"{MAX_BODY_BYTES:,}"))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                await _refuse(send, RuleViolation(rules.REQUEST_TOO_LARGE, "body",
                                                  limit=f"{MAX_BODY_BYTES:,}"))
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        # The pages' forms (sign-in, sign-out) are form-encoded; everything else speaks JSON.
        web = scope["path"] == WEB_PATH or scope["path"].startswith(WEB_PATH + "/")
        if body and not web:
            content_type = headers.get(b"content-type", b"").decode("latin-1")
            if not json_media_type(content_type):
                await _refuse(send, RuleViolation(
                    rules.REQUEST_MEDIA_TYPE, "Content-Type",
                    media_type=repr(content_type[:100]) if content_type else "no Content-Type"))
                return
            if json_depth_exceeds(body):
                await _refuse(send, RuleViolation(rules.REQUEST_TOO_DEEP, "body",
                                                  limit=MAX_JSON_DEPTH))
                return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}  # nothing comes after the body
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await app(scope, replay, send)

    return middleware
