"""Server-rendered pages over the same read models and queries as the JSON API: Korean first with
an English switch, usable without JavaScript. Pages only read; nothing here records an event.

They live under ``/web``, out of the OpenAPI schema (they answer HTML, not the API's contract) and
out of the bearer middleware: a page reads its own session cookie (:mod:`api.web.session`).
"""

from __future__ import annotations

from litestar import Router, get
from litestar.di import Provide
from litestar.response import Redirect

from api.auth import PUBLIC
from api.web.catalogue import CataloguePages
from api.web.disclosures import DisclosurePages
from api.web.obligations import ObligationPages
from api.web.rendering import WEB_EXCEPTION_HANDLERS, WEB_PATH, template_config
from api.web.session import SessionController, web_principal
from api.web.timeline import TimelinePages

__all__ = ["home", "template_config", "web_router"]


@get("/", include_in_schema=False, opt=PUBLIC, sync_to_thread=False)
def home() -> Redirect:
    """A person who opens the server's address lands on the catalogue search."""
    return Redirect(f"{WEB_PATH}/catalogue", status_code=302)


@get("/", sync_to_thread=False)
def web_home() -> Redirect:
    return Redirect(f"{WEB_PATH}/catalogue", status_code=302)


web_router = Router(
    path=WEB_PATH,
    route_handlers=[web_home, CataloguePages, DisclosurePages, TimelinePages, ObligationPages,
                    SessionController],
    dependencies={"principal": Provide(web_principal)},
    exception_handlers=WEB_EXCEPTION_HANDLERS,
    include_in_schema=False,
    opt=PUBLIC,
)
