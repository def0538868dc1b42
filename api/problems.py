"""RFC 9457 problem details for every refusal: the ``type`` names the rule (``/rules/{id}``), and
the body carries the field, the legal basis, and the message in English and Korean."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException

from domain import rules
from domain.rules import Outcome, RuleViolation

log = logging.getLogger(__name__)

STATUS = {
    Outcome.INVALID: 422,
    Outcome.CONFLICT: 409,
    Outcome.NOT_FOUND: 404,
    Outcome.UNAUTHENTICATED: 401,
    Outcome.FORBIDDEN: 403,
    Outcome.MALFORMED: 400,
    Outcome.UNSUPPORTED_MEDIA_TYPE: 415,
}


def rule_type(rule_id: str) -> str:
    return f"/rules/{rule_id}"


def problem_body(violation: RuleViolation) -> tuple[int, dict[str, Any]]:
    """The status and RFC 9457 body of a refusal."""
    rule = violation.rule
    status = STATUS[rule.outcome]
    error = {"field": violation.field, "rule": rule.id, "message": violation.message_en,
             "message_ko": violation.message_ko}
    return status, {
        "status": status,
        "type": rule_type(rule.id),
        "title": rule.id,
        "detail": violation.message_en,
        "rule": rule.id,
        "field": violation.field,
        "detail_ko": violation.message_ko,
        "legal_basis": rule.basis,
        "errors": [error],
    }


def from_violation(violation: RuleViolation) -> ProblemDetailsException:
    status, body = problem_body(violation)
    headers = ({"WWW-Authenticate": "Bearer"}
               if violation.rule.outcome is Outcome.UNAUTHENTICATED else None)
    extra = {k: v for k, v in body.items() if k not in {"status", "type", "title", "detail"}}
    return ProblemDetailsException(status_code=status, type_=body["type"], title=body["title"],
                                   detail=body["detail"], headers=headers, extra=extra)


_MSGSPEC_PATH = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")


_MISSING = re.compile(r"missing required field `(?P<name>[^`]+)`")


def _field_error(item: dict[str, Any]) -> dict[str, Any]:
    """Name the field as a client wrote it: the JSON path inside a body (``profile.name``), the
    parameter's name for a query, path or header value."""
    message = str(item.get("message", "invalid"))
    key = item.get("key")
    field = None if key == "data" else key
    match = _MSGSPEC_PATH.search(message)
    if match:
        message = message[: match.start()]
        field = match.group("path") or field
    missing = _MISSING.search(message)
    if missing:
        field = f"{field}.{missing.group('name')}" if field else missing.group("name")
    return {
        "field": field,
        "source": item.get("source"),
        "rule": rules.REQUEST_MALFORMED.id,
        "message": message,
        "message_ko": f"형식 오류: {message}",
    }


def from_validation(exc: ValidationException) -> ProblemDetailsException:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(item) for item in extra if isinstance(item, dict)] or [
        {"field": None, "rule": rules.REQUEST_MALFORMED.id, "message": str(exc.detail),
         "message_ko": f"형식 오류: {exc.detail}"}
    ]
    problem = "; ".join(
        f"{e['field']}: {e['message']}" if e["field"] else str(e["message"]) for e in errors
    )
    violation = RuleViolation(rules.REQUEST_MALFORMED, errors[0]["field"], problem=problem)
    converted = from_violation(violation)
    assert isinstance(converted.extra, dict)
    converted.extra["errors"] = errors
    return converted


def from_not_authorized(exc: NotAuthorizedException) -> ProblemDetailsException:
    return from_violation(RuleViolation(rules.AUTH_UNAUTHENTICATED))


def from_not_found(exc: NotFoundException) -> ProblemDetailsException:
    return ProblemDetailsException(
        status_code=404, type_=rule_type(rules.RESOURCE_NOT_FOUND.id),
        title=rules.RESOURCE_NOT_FOUND.id, detail=str(exc.detail),
        extra={"rule": rules.RESOURCE_NOT_FOUND.id, "field": None,
               "detail_ko": "요청한 자원을 찾을 수 없습니다.",
               "legal_basis": rules.RESOURCE_NOT_FOUND.basis},
    )


def from_http(exc: HTTPException) -> ProblemDetailsException:
    return ProblemDetailsException(status_code=exc.status_code, detail=str(exc.detail),
                                   title=type(exc).__name__, headers=exc.headers)


def problem_details_config() -> ProblemDetailsConfig:
    return ProblemDetailsConfig(
        enable_for_all_http_exceptions=True,
        exception_to_problem_detail_map={
            RuleViolation: from_violation,
            ValidationException: from_validation,
            NotAuthorizedException: from_not_authorized,
            NotFoundException: from_not_found,
            HTTPException: from_http,
        },
    )


def internal_error(request: Request[Any, Any, Any], exc: Exception) -> Any:
    """Never leak internals: log it, answer a plain problem."""
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return ProblemDetailsException(
        status_code=500, title="internal-error",
        detail="The ledger could not complete the request; nothing partial was recorded.",
        extra={"detail_ko": "요청을 처리하지 못했습니다. 일부만 기록된 내용은 없습니다."},
    ).to_response(request)
