"""Digital services (catalogue entries): the operator (NIA) records selections, registrations and
every later change; operators and auditors read every entry, a provider reads its own."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID, uuid4

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, Parameter

from api.auth import Principal
from api.commands import answered, await_min_position, command_context, expected_version, runtime_of
from api.controllers.catalogue import ENTRY_COLUMNS
from api.paging import After, read_page
from api.schemas.common import CommandResponse
from api.schemas.services import (
    CertificationBody,
    CessationRequest,
    ChangeInfoRequest,
    InnovationRequest,
    MallListingRequest,
    ReasonRequest,
    SelectServiceRequest,
    ServiceEntry,
    ServiceList,
)
from application.queries import services as queries
from application.queries.scope import Scope
from domain import rules
from domain.rules import refuse
from domain.values import CertificationKind
from projections.catalogue_search import service_row
from projections.reads import single_statement_reads

ServiceId = FromPath[UUID]
CertKind = FromPath[CertificationKind]
Req = Request[Principal, Any, Any]



# A command on an existing aggregate answers 200 (api.commands.answered); its decorator says so
# too, or the OpenAPI document would promise Litestar's POST default, 201.
class ServiceController(Controller):
    path = "/services"
    tags = ["digital services"]

    @get("/", sync_to_thread=True,
         summary="List catalogue entries in every status (a provider: its own)")
    def list_services(
        self,
        request: Req,
        after: After = None,
        limit: Annotated[int, Parameter(ge=1, le=queries.MAX_LIMIT)] = 50,
    ) -> ServiceList:
        await_min_position(request)
        user = request.user
        scope = Scope.of(user.role, user.agency_id, user.provider_id)
        with runtime_of(request.app.state).db.connect() as conn:
            page = read_page(lambda: queries.services_page(conn, scope, after, limit))
        return ServiceList(total=page.total, total_exact=page.total_exact, limit=limit,
                           next_after=page.next_after,
                           items=[ServiceEntry.from_row(row) for row in page.items])

    @get("/{service_id:uuid}", sync_to_thread=True, summary="A catalogue entry in any status")
    def get_service(self, request: Req, service_id: ServiceId) -> ServiceEntry:
        await_min_position(request)
        with single_statement_reads(runtime_of(request.app.state).db).connect() as conn:
            row = service_row(conn, str(service_id), ENTRY_COLUMNS)
        if row is None:
            refuse(rules.SERVICE_NOT_FOUND, service_id=str(service_id))
        return ServiceEntry.from_row(row)

    @post("/", sync_to_thread=True, status_code=201,
          summary="Record a selection committee decision (Selected)")
    def select_service(self, request: Req, data: JSONBody[SelectServiceRequest],
                       ) -> Response[CommandResponse]:
        result = runtime_of(request.app.state).ledger.select_service(
            command_context(request), notice_number=data.notice_number,
            selection_date=data.selection_date, valid_until=data.valid_until,
            profile=data.profile.to_domain(),
        )
        return answered(result, request, status_code=201)

    @post("/{service_id:uuid}/registration", sync_to_thread=True, status_code=200,
          summary="Publish a selected service in the support system (Registered)")
    def register(self, request: Req, service_id: ServiceId) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.register_service(command_context(request), service_id,
                                                expected_version(request)), request)

    @post("/{service_id:uuid}/info-changes", sync_to_thread=True, status_code=200,
          summary="Change the published information (InfoChanged, a field-level diff)")
    def change_info(self, request: Req, service_id: ServiceId, data: JSONBody[ChangeInfoRequest],
                    ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.change_service_info(
            command_context(request), service_id, data.profile.to_domain(),
            expected_version(request)), request)

    @post("/{service_id:uuid}/mall-listing", sync_to_thread=True, status_code=200,
          summary="Listed in the Digital Service Mall under a catalogue contract (MallListed)")
    def list_in_mall(self, request: Req, service_id: ServiceId, data: JSONBody[MallListingRequest],
                     ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.list_service_in_mall(
            command_context(request), service_id, data.contract_number, data.listed_on,
            expected_version(request)), request)

    @post("/{service_id:uuid}/mall-delisting", sync_to_thread=True, status_code=200,
          summary="Removed from the Digital Service Mall (MallDelisted)")
    def delist_from_mall(self, request: Req, service_id: ServiceId, data: JSONBody[ReasonRequest],
                         ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.delist_service_from_mall(
            command_context(request), service_id, data.reason, expected_version(request)),
            request)

    @post("/{service_id:uuid}/innovation-designation", sync_to_thread=True, status_code=200,
          summary="Designated an innovation product (InnovationProductDesignated)")
    def designate_innovation(self, request: Req, service_id: ServiceId, data: JSONBody[InnovationRequest],
                             ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.designate_innovation_product(
            command_context(request), service_id, data.to_domain(), expected_version(request)),
            request)

    @post("/{service_id:uuid}/certifications", sync_to_thread=True, status_code=200,
          summary="A certification obtained (CertificationAdded)")
    def add_certification(self, request: Req, service_id: ServiceId, data: JSONBody[CertificationBody],
                          ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.add_certification(
            command_context(request), service_id, data.to_domain(), expected_version(request)),
            request)

    @post("/{service_id:uuid}/certifications/{kind:str}/{number:str}/expiry",
          sync_to_thread=True, status_code=200,
          summary="A certification past its validity (CertificationExpired)")
    def expire_certification(self, request: Req, service_id: ServiceId, kind: CertKind,
                             number: FromPath[str]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.expire_certification(
            command_context(request), service_id, kind, number, expected_version(request)),
            request)

    @post("/{service_id:uuid}/certifications/{kind:str}/{number:str}/revocation",
          sync_to_thread=True, status_code=200,
          summary="A certification withdrawn by its issuer (CertificationRevoked)")
    def revoke_certification(self, request: Req, service_id: ServiceId, kind: CertKind,
                             number: FromPath[str], data: JSONBody[ReasonRequest],
                             ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.revoke_certification(
            command_context(request), service_id, kind, number, data.reason,
            expected_version(request)), request)

    @post("/{service_id:uuid}/suspension", sync_to_thread=True, status_code=200,
          summary="Suspended, e.g. by a quality inspection (Suspended)")
    def suspend(self, request: Req, service_id: ServiceId, data: JSONBody[ReasonRequest],
                ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.suspend_service(
            command_context(request), service_id, data.reason, expected_version(request)),
            request)

    @post("/{service_id:uuid}/cessation", sync_to_thread=True, status_code=200,
          summary="The provider ends all or part of its business, ≥ 30 days ahead (Decree art. "
                  "19(2)): BusinessCessationNoticed on each service named, BusinessEndNoticed and "
                  "AtRisk on every active contract on them")
    def cessation(self, request: Req, service_id: ServiceId, data: JSONBody[CessationRequest],
                  ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        # One id names the cessation on every service and contract it touches.
        cessation = data.to_domain(f"CES-{uuid4().hex[:16]}")
        return answered(ledger.notice_business_cessation(
            command_context(request), [service_id, *data.also_service_ids], cessation,
            expected_version(request)), request)

    @post("/{service_id:uuid}/reinstatement", sync_to_thread=True, status_code=200,
          summary="A suspension lifted (Reinstated)")
    def reinstate(self, request: Req, service_id: ServiceId, data: JSONBody[ReasonRequest],
                  ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.reinstate_service(
            command_context(request), service_id, data.reason, expected_version(request)),
            request)

    @post("/{service_id:uuid}/selection-cancellation", sync_to_thread=True, status_code=200,
          summary="The selection cancelled (SelectionCancelled)")
    def cancel_selection(self, request: Req, service_id: ServiceId, data: JSONBody[ReasonRequest],
                         ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.cancel_service_selection(
            command_context(request), service_id, data.reason, expected_version(request)),
            request)

    @post("/{service_id:uuid}/validity-expiry", sync_to_thread=True, status_code=200,
          summary="The selection's validity has ended (ValidityExpired)")
    def expire_validity(self, request: Req, service_id: ServiceId) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.expire_service_validity(
            command_context(request), service_id, expected_version(request)), request)
