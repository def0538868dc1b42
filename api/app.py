"""``create_app``: the Litestar application over one runtime (ledger, views, projection engine)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.plugins.problem_details import ProblemDetailsPlugin
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

from api.auth import jwt_auth
from api.authorization import authorize, bind_policy
from api.controllers.agencies import AgencyController
from api.controllers.audit import AuditController
from api.controllers.catalogue import CatalogueController
from api.controllers.contracts import ContractController
from api.controllers.disclosures import CatalogueStatisticsController, DisclosureController
from api.controllers.evidence import EvidenceController
from api.controllers.history import HistoryController
from api.controllers.ocds import OcdsController
from api.controllers.procurements import ProcurementController, RequestInboxController
from api.controllers.quality import InspectionController, ReportController
from api.controllers.rules import RuleController
from api.controllers.services import ServiceController
from api.controllers.system import ClockController, SystemController
from api.idempotency import idempotency_middleware
from api.limits import request_limits
from api.openapi import DecimalSchema, documented_openapi
from api.problems import internal_error, problem_details_config
from api.web import home, template_config, web_router
from dsledger.background import background_work
from dsledger.runtime import Runtime
from scheduler.runner import DeadlineScheduler


def create_app(runtime: Runtime, *, run_projector: bool | None = None,
               scheduler: DeadlineScheduler | None = None) -> Litestar:
    """The API over ``runtime``. Unless told otherwise it also runs the projection engine in a
    background thread, so the views follow the log while the service is up, and the deadline
    scheduler when one is given."""
    background = runtime.settings.run_projector if run_projector is None else run_projector

    @asynccontextmanager
    async def projector_lifespan(_app: Litestar) -> AsyncIterator[None]:
        with background_work(runtime, projector=background, scheduler=scheduler):
            yield

    auth = jwt_auth(runtime.settings.jwt_secret)
    app = Litestar(
        route_handlers=[SystemController, RuleController, CatalogueController, ServiceController,
                        ProcurementController, RequestInboxController, ContractController,
                        InspectionController, ReportController, ClockController,
                        DisclosureController, CatalogueStatisticsController, HistoryController,
                        AuditController, EvidenceController, OcdsController, AgencyController, home,
                        web_router],
        on_app_init=[auth.on_app_init, documented_openapi],
        # Every route's caller is checked here, against api.authorization's table, and nowhere else.
        guards=[authorize],
        # The limits first: a refused body reaches neither the idempotency store nor a decoder.
        middleware=[request_limits, idempotency_middleware(runtime.db, runtime.ledger)],
        plugins=[ProblemDetailsPlugin(problem_details_config()), DecimalSchema()],
        exception_handlers={Exception: internal_error},
        lifespan=[projector_lifespan],
        state=State({"runtime": runtime}),
        template_config=template_config(),
        openapi_config=OpenAPIConfig(
            title="dsledger",
            version="0.1.0",
            description=(
                "Event-sourced ledger of Korean public digital-service usage contracts "
                "(디지털서비스 이용계약). Errors are RFC 9457 problem details whose `type` is "
                "`/rules/{id}`."
            ),
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
        ),
        debug=False,
    )
    bind_policy(app)
    app.before_send.append(allow_every_method(app))
    return app


def allow_every_method(app: Litestar) -> Callable[[Message, Scope], Awaitable[None]]:
    """Litestar answers OPTIONS on a path with the methods of the first handler registered there
    (its automatic handler keeps the route it was made for, before a second handler on the same
    path made a new one): ``/contracts`` said ``OPTIONS, POST`` though it also has GET. The
    answer's ``Allow`` is set here from the route the application finally serves."""
    allowed: dict[int, str] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute) and "OPTIONS" in route.route_handler_map:
            handler = route.route_handler_map["OPTIONS"][0]
            allowed[id(handler)] = ", ".join(sorted(route.methods))

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
            return
        methods = allowed.get(id(scope.get("route_handler")))
        if methods is not None:
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
            message["headers"] = [*headers, (b"allow", methods.encode())]

    return before_send
