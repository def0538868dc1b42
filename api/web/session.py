"""Signing in to the pages without JavaScript: a person pastes a bearer token that ``dsledger token``
issued; the server checks it exactly as the API's bearer middleware does (same secret, algorithm,
expiry and claims, then :func:`api.auth.retrieve_principal`) and keeps it in an HttpOnly,
SameSite=Lax cookie that only the pages read.

Signing in and out are the only requests of the pages that change anything (a cookie, never the
ledger), so they alone are POSTs and they alone are checked against cross-site forgery: the form
carries a random token that must equal the one in a cookie (double submit), and a browser's Origin
(or Referer) must be this site.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotAuthorizedException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from litestar.security.jwt import Token

from api.auth import Principal, retrieve_principal
from api.commands import runtime_of
from api.web.rendering import CSRF_COOKIE, WEB_PATH, SignedIn, render

SESSION_COOKIE = "dsledger_session"
_HOME = "/web/catalogue"
_AFTER_SIGN_IN = "/web/obligations"


async def principal_of_token(encoded: str, secret: str,
                             connection: Request[Any, Any, Any]) -> Principal | None:
    """The principal a token carries, or None when the API would refuse the token."""
    try:
        token = Token.decode(encoded_token=encoded, secret=secret, algorithm="HS256")
    except NotAuthorizedException:
        return None
    return await retrieve_principal(token, connection)


async def web_principal(request: Request[Any, Any, Any]) -> Principal | None:
    """Who is signed in to the pages (a dependency of every page). Kept on the request's state too,
    so an error page still shows who is signed in."""
    encoded = request.cookies.get(SESSION_COOKIE)
    principal = None
    if encoded:
        secret = runtime_of(request.app.state).settings.jwt_secret
        principal = await principal_of_token(encoded, secret, request)
    request.state.web_principal = principal
    return principal


def _same_origin(request: Request[Any, Any, Any]) -> bool:
    expected = f"{request.url.scheme}://{request.url.netloc}"
    origin = request.headers.get("origin")
    if origin is not None:
        return origin == expected
    referer = request.headers.get("referer")
    if referer is not None:
        return referer == expected or referer.startswith(f"{expected}/")
    # Browsers send one of the two on a form POST; a client that sends neither still needs the
    # double-submit token, which a cross-site page cannot read.
    return True


def forgery_suspected(request: Request[Any, Any, Any], submitted: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        return True
    return not _same_origin(request)


def safe_next(target: str | None) -> str:
    """Only a page of this site: an open redirect would hand a signed-in person to anyone."""
    if (target and target.startswith(f"{WEB_PATH}/") and "//" not in target
            and "\\" not in target):
        return target
    return _AFTER_SIGN_IN


def sign_in_redirect(request: Request[Any, Any, Any]) -> Redirect:
    """Where an anonymous person asking for a signed-in page is sent (and brought back from)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"{WEB_PATH}/sign-in", query_params={"next": here}, status_code=303)


class SessionController(Controller):
    path = "/"

    @get("/sign-in", sync_to_thread=False)
    def sign_in_form(self, request: Request[Any, Any, Any], principal: SignedIn,
                     next_page: Annotated[str | None, QueryParameter(name="next")] = None,
                     ) -> Template:
        return render(request, principal, "sign_in.html", next_page=safe_next(next_page),
                      problem=None)

    @post("/sign-in", status_code=303)
    async def sign_in(self, request: Request[Any, Any, Any], principal: SignedIn,
                      ) -> Template | Redirect:
        form = await request.form()
        target = safe_next(form.get("next"))
        if forgery_suspected(request, form.get("csrf")):
            return render(request, principal, "sign_in.html", status_code=403,
                          next_page=target, problem="csrf.refused")
        secret = runtime_of(request.app.state).settings.jwt_secret
        signed_in = await principal_of_token(str(form.get("token") or "").strip(), secret, request)
        if signed_in is None:
            return render(request, principal, "sign_in.html", status_code=401,
                          next_page=target, problem="sign_in.bad_token")
        session = Cookie(key=SESSION_COOKIE, value=str(form.get("token")).strip(), path=WEB_PATH,
                         httponly=True, samesite="lax", secure=request.url.scheme == "https")
        return Redirect(target, status_code=303, cookies=[session])

    @post("/sign-out", status_code=303)
    async def sign_out(self, request: Request[Any, Any, Any], principal: SignedIn,
                       ) -> Template | Redirect:
        form = await request.form()
        if forgery_suspected(request, form.get("csrf")):
            return render(request, principal, "sign_in.html", status_code=403,
                          next_page=_AFTER_SIGN_IN, problem="csrf.refused")
        gone = Cookie(key=SESSION_COOKIE, value="", path=WEB_PATH, max_age=0, httponly=True,
                      samesite="lax")
        return Redirect(_HOME, status_code=303, cookies=[gone])
