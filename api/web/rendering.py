"""How a page is rendered: the layout's context (language, who is signed in, the forms' anti-forgery
token), and refusals as pages in the reader's language instead of JSON problems."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig
from litestar.types import ExceptionHandlersMap

from api.auth import Principal
from api.problems import STATUS
from api.web.i18n import Lang, Translator, choose_language
from domain.actor import KOREA
from domain.rules import Outcome, RuleViolation

WEB_PATH = "/web"
CSRF_COOKIE = "dsledger_csrf"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# A page answers a search or filter it refuses as a bad request, whatever the rule's kind: the
# person sent a form the page cannot answer (the API keeps its finer statuses).
WEB_STATUS = {**STATUS, Outcome.INVALID: 400}
# Who is signed in to the pages: the router provides it from the session cookie to every page.
SignedIn = NamedDependency[Principal | None]


def won(amount: Decimal | int | str) -> str:
    return f"₩{Decimal(amount):,.0f}"


def kst(moment: datetime) -> str:
    return moment.astimezone(KOREA).strftime("%Y-%m-%d %H:%M:%S")


def _register_filters(engine: JinjaTemplateEngine) -> None:
    engine.engine.filters["won"] = won
    engine.engine.filters["kst"] = kst


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine,
                          engine_callback=_register_filters)


def csrf_token(request: Request[Any, Any, Any]) -> tuple[str, Cookie | None]:
    """The double-submit token for this browser, and the cookie to set when it has none yet."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing:
        return existing, None
    token = secrets.token_urlsafe(32)
    return token, Cookie(key=CSRF_COOKIE, value=token, path=WEB_PATH, httponly=True,
                         samesite="lax")


def page_url(request: Request[Any, Any, Any], **changes: str | int | None) -> str:
    """This page's address with some query parameters replaced (None removes one); the others,
    repeated ones included, stay as they were."""
    kept = [(name, value) for name, value in request.query_params.multi_items()
            if name not in changes]
    kept += [(name, str(value)) for name, value in changes.items() if value is not None]
    return f"{request.url.path}?{urlencode(kept)}" if kept else request.url.path


def paging(request: Request[Any, Any, Any], *, offset: int, shown: int, size: int,
           total: int) -> dict[str, Any]:
    """What the paging line of a list needs: the range shown and the links either side."""
    return {"first": offset + 1 if shown else 0, "last": offset + shown,
            "previous_url": page_url(request, offset=max(offset - size, 0)) if offset else None,
            "next_url": page_url(request, offset=offset + size) if offset + size < total else None}


def keyset_paging(request: Request[Any, Any, Any], *, after: str | None, start: int,
                  shown: int, total: int, next_after: str | None) -> dict[str, Any]:
    """The paging line of a list read by cursor: a link to the next page and one back to the
    first (a cursor only goes forward). ``start`` is where the page begins in the list, carried
    in the links only to show the range."""
    return {"first": start if shown else 0, "last": start + shown - 1 if shown else 0,
            "previous_url": None,
            "first_url": page_url(request, after=None, start=None) if after else None,
            "next_url": page_url(request, after=next_after, start=start + shown)
            if next_after else None}


def who(principal: Principal | None, t: Translator) -> str | None:
    if principal is None:
        return None
    organisation = principal.agency_id or principal.provider_id
    role = t(f"role.{principal.role.value}")
    return f"{principal.principal_id} ({role}{', ' + organisation if organisation else ''})"


def _context(request: Request[Any, Any, Any], principal: Principal | None, lang: Lang,
             csrf: str, context: dict[str, Any]) -> dict[str, Any]:
    t = Translator(lang)
    return {"t": t, "lang": lang, "principal": principal, "who": who(principal, t),
            "csrf": csrf, "path": request.url.path,
            "lang_links": {"ko": page_url(request, lang="ko"), "en": page_url(request, lang="en")},
            **context}


def render(request: Request[Any, Any, Any], principal: Principal | None, template_name: str, *,
           status_code: int = 200, **context: Any) -> Template:
    lang, lang_cookie = choose_language(request)
    csrf, csrf_cookie = csrf_token(request)
    return Template(template_name=template_name, status_code=status_code,
                    context=_context(request, principal, lang, csrf, context),
                    cookies=[c for c in (lang_cookie, csrf_cookie) if c is not None])


def _refusal(exc: Exception, t: Translator) -> tuple[int, str, str | None]:
    """The status, the message in the reader's language and the rule id of a refusal."""
    if isinstance(exc, RuleViolation):
        return WEB_STATUS[exc.rule.outcome], t.rule(exc), exc.rule.id
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else []
        problem = "; ".join(f"{item.get('key')}: {item.get('message')}" for item in extra
                            if isinstance(item, dict)) or str(exc.detail)
        return 400, t("error.malformed", problem=problem), "request.malformed"
    if isinstance(exc, NotFoundException):
        return 404, t("error.not_found"), None
    if isinstance(exc, HTTPException):
        return exc.status_code, str(exc.detail), None
    raise exc


def refusal_page(request: Request[Any, Any, Any], exc: Exception) -> Response[str]:
    """A refused page request as a page, not a JSON problem: a person reads it."""
    lang, lang_cookie = choose_language(request)
    t = Translator(lang)
    status, message, rule = _refusal(exc, t)
    csrf, csrf_cookie = csrf_token(request)
    principal = request.state.get("web_principal")
    context = _context(request, principal, lang, csrf,
                       {"status": status, "message": message, "rule": rule})
    engine = request.app.template_engine
    assert engine is not None, "create_app configures the templates"
    html = engine.get_template("error.html").render(**context)
    return Response(html, status_code=status, media_type=MediaType.HTML,
                    cookies=[c for c in (lang_cookie, csrf_cookie) if c is not None])


WEB_EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    RuleViolation: refusal_page,
    ValidationException: refusal_page,
    NotFoundException: refusal_page,
    HTTPException: refusal_page,
}
