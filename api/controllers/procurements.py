"""Procurements (steps ① to ⑤): an agency runs its own; providers answer what they are asked;
operators and auditors read everything."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, Parameter
from sqlalchemy import select

from api.auth import Principal
from api.commands import answered, await_min_position, command_context, expected_version, runtime_of
from api.paging import After, read_page
from api.schemas.common import CommandResponse
from api.schemas.procurements import (
    AwardRequest,
    BudgetRequest,
    BudgetRevisionRequest,
    CommunicationBody,
    DeclineBody,
    EvaluationRequest,
    ExclusionBody,
    InquiryBody,
    MethodRequest,
    OpenProcurementRequest,
    ProcurementDetail,
    ProcurementList,
    ProcurementSummary,
    ProposalBody,
    QuoteBody,
    RequestEntry,
    RequirementsRequest,
    SearchRecorded,
    SearchRequest,
    ServiceRequestBody,
)
from api.schemas.services import ReasonRequest
from application.queries import procurements as queries
from application.queries.scope import Scope
from domain import rules
from domain.rules import refuse
from domain.search import CatalogueEntry
from projections.catalogue_reader import CatalogueReader
from projections.tables import procurement_requests, procurements

Req = Request[Principal, Any, Any]
ProcurementId = FromPath[UUID]

_SUMMARY_FIELDS = ProcurementSummary.__struct_fields__


def _summary(row: Any) -> ProcurementSummary:
    return ProcurementSummary(**{name: row[name] for name in _SUMMARY_FIELDS})


def _procurement_row(request: Req, procurement_id: UUID) -> dict[str, Any]:
    """The procurement's row; who may read it is api.authorization's to decide."""
    with runtime_of(request.app.state).db.connect() as conn:
        row = conn.execute(select(procurements).where(
            procurements.c.procurement_id == str(procurement_id))).mappings().one_or_none()
    if row is None:
        refuse(rules.PROCUREMENT_NOT_FOUND, procurement_id=str(procurement_id))
    return dict(row)



# A command on an existing aggregate answers 200 (api.commands.answered); its decorator says so
# too, or the OpenAPI document would promise Litestar's POST default, 201.
class ProcurementController(Controller):
    path = "/procurements"
    tags = ["procurements"]

    # --- reads -------------------------------------------------------------------------------
    @get("/", sync_to_thread=True,
         summary="Procurements (an agency: its own; operators and auditors: all)")
    def list_procurements(
        self, request: Req, after: After = None,
        limit: Annotated[int, Parameter(ge=1, le=queries.MAX_LIMIT)] = 50,
    ) -> ProcurementList:
        await_min_position(request)
        user = request.user
        scope = Scope.of(user.role, user.agency_id, user.provider_id)
        with runtime_of(request.app.state).db.connect() as conn:
            page = read_page(lambda: queries.procurements_page(conn, scope, after, limit))
        return ProcurementList(total=page.total, total_exact=page.total_exact, limit=limit,
                               next_after=page.next_after,
                               items=[_summary(row) for row in page.items])

    @get("/{procurement_id:uuid}", sync_to_thread=True,
         summary="A procurement with its whole record")
    def get_procurement(self, request: Req, procurement_id: ProcurementId) -> ProcurementDetail:
        await_min_position(request)
        row = _procurement_row(request, procurement_id)
        return ProcurementDetail(summary=_summary(row), record=row["record"])

    # --- ① ② ---------------------------------------------------------------------------------
    @post("/", sync_to_thread=True, status_code=201,
          summary="Open a procurement for the token's agency (Opened)")
    def open_procurement(self, request: Req, data: JSONBody[OpenProcurementRequest],
                         ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        result = ledger.open_procurement(
            command_context(request), agency_id=str(request.user.agency_id),
            reference=data.reference, title=data.title, fiscal_year=data.fiscal_year)
        return answered(result, request, status_code=201)

    @post("/{procurement_id:uuid}/budget", sync_to_thread=True, status_code=200,
          summary="① Confirm the budget (BudgetConfirmed)")
    def confirm_budget(self, request: Req, procurement_id: ProcurementId,
                       data: JSONBody[BudgetRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.confirm_budget(command_context(request), procurement_id,
                                              data.to_domain(), expected_version(request)),
                        request)

    @post("/{procurement_id:uuid}/budget-revisions", sync_to_thread=True, status_code=200,
          summary="① Record a revised confirmed budget and its reason (BudgetRevised)")
    def revise_budget(self, request: Req, procurement_id: ProcurementId,
                      data: JSONBody[BudgetRevisionRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.revise_budget(command_context(request), procurement_id,
                                             data.confirmed_total_krw, data.reason,
                                             expected_version(request)), request)

    @post("/{procurement_id:uuid}/requirements", sync_to_thread=True, status_code=200,
          summary="② Define or revise the requirements (RequirementsDefined, versioned)")
    def define_requirements(self, request: Req, procurement_id: ProcurementId,
                            data: JSONBody[RequirementsRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.define_requirements(command_context(request), procurement_id,
                                                   data.to_domain(), expected_version(request)),
                        request)

    # --- ③ ------------------------------------------------------------------------------------
    @post("/{procurement_id:uuid}/searches", sync_to_thread=True,
          status_code=201, summary="③ Run and record an evidence search (SearchRecorded)")
    def record_search(self, request: Req, procurement_id: ProcurementId,
                      data: JSONBody[SearchRequest]) -> Response[SearchRecorded]:
        runtime = runtime_of(request.app.state)
        result = runtime.ledger.record_search(
            command_context(request), procurement_id, data.conditions(),
            CatalogueReader(runtime.db), refines=data.refines,
            expected_version=expected_version(request))
        answer = answered(result, request, status_code=201)
        row = _procurement_row(request, procurement_id)
        search = next(s for s in row["record"]["searches"] if s["search_id"] == result.recorded_id)
        body = SearchRecorded(
            aggregate_id=str(result.aggregate_id), version=result.version,
            position=result.position, search_id=str(result.recorded_id), total=search["total"],
            catalogue_position=search["catalogue_position"],
            results=msgspec.convert(search["results"], list[CatalogueEntry]))
        return Response(body, status_code=201, headers=dict(answer.headers))

    @post("/{procurement_id:uuid}/searches/{search_id:str}/saving", sync_to_thread=True, status_code=200,
          summary="③ Save a search: its results become the candidates")
    def save_search(self, request: Req, procurement_id: ProcurementId,
                    search_id: FromPath[str]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.save_search(command_context(request), procurement_id, search_id,
                                           expected_version(request)), request)

    # --- ④ ------------------------------------------------------------------------------------
    @post("/{procurement_id:uuid}/method", sync_to_thread=True, status_code=200,
          summary="④ Choose central (Mall) or self (negotiated) procurement")
    def choose_method(self, request: Req, procurement_id: ProcurementId,
                      data: JSONBody[MethodRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.choose_procurement_method(
            command_context(request), procurement_id, data.method, expected_version(request)),
            request)

    # --- ⑤ agency ------------------------------------------------------------------------------
    @post("/{procurement_id:uuid}/quote-requests", sync_to_thread=True, status_code=200,
          summary="⑤ Ask a candidate for a quote (QuoteRequested)")
    def request_quote(self, request: Req, procurement_id: ProcurementId,
                      data: JSONBody[ServiceRequestBody]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.request_quote(command_context(request), procurement_id,
                                             data.service_id, data.due, data.note,
                                             expected_version(request)), request)

    @post("/{procurement_id:uuid}/proposal-requests", sync_to_thread=True, status_code=200,
          summary="⑤ Ask a candidate for a proposal (ProposalRequested)")
    def request_proposal(self, request: Req, procurement_id: ProcurementId,
                         data: JSONBody[ServiceRequestBody]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.request_proposal(command_context(request), procurement_id,
                                                data.service_id, data.due, data.note,
                                                expected_version(request)), request)

    @post("/{procurement_id:uuid}/inquiries", sync_to_thread=True, status_code=200,
          summary="⑤ Keep a question to a provider and its answer (ProviderInquiryRecorded)")
    def record_inquiry(self, request: Req, procurement_id: ProcurementId,
                       data: JSONBody[InquiryBody]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.record_inquiry(command_context(request), procurement_id,
                                              data.service_id, data.question, data.answer,
                                              expected_version(request)), request)

    @post("/{procurement_id:uuid}/communications", sync_to_thread=True, status_code=200,
          summary="⑤ Keep an email or meeting minutes (CommunicationLogged)")
    def log_communication(self, request: Req, procurement_id: ProcurementId,
                          data: JSONBody[CommunicationBody]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.log_communication(
            command_context(request), procurement_id, data.service_id, data.channel,
            data.summary, data.document_ref, expected_version(request)), request)

    @post("/{procurement_id:uuid}/exclusions", sync_to_thread=True, status_code=200,
          summary="⑤ Exclude a candidate citing the requirement it fails (CandidateExcluded)")
    def exclude(self, request: Req, procurement_id: ProcurementId,
                data: JSONBody[ExclusionBody]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.exclude_candidate(
            command_context(request), procurement_id, data.service_id, data.clause, data.reason,
            data.evidence, expected_version(request)), request)

    @post("/{procurement_id:uuid}/evaluation", sync_to_thread=True, status_code=200,
          summary="⑤ Record the evaluation table (EvaluationRecorded)")
    def evaluate(self, request: Req, procurement_id: ProcurementId,
                 data: JSONBody[EvaluationRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.record_evaluation(command_context(request), procurement_id,
                                                 data.to_domain(), expected_version(request)),
                        request)

    @post("/{procurement_id:uuid}/award", sync_to_thread=True, status_code=200,
          summary="⑤ Award the contract to one or more candidates (Awarded)")
    def award(self, request: Req, procurement_id: ProcurementId,
              data: JSONBody[AwardRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.award(command_context(request), procurement_id,
                                     list(data.service_ids), data.rationale,
                                     data.deviation_reason, expected_version(request)), request)

    @post("/{procurement_id:uuid}/abandonment", sync_to_thread=True, status_code=200,
          summary="Abandon the procurement (Abandoned)")
    def abandon(self, request: Req, procurement_id: ProcurementId,
                data: JSONBody[ReasonRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.abandon_procurement(command_context(request), procurement_id,
                                                   data.reason, expected_version(request)),
                        request)

    # --- ⑤ provider ---------------------------------------------------------------------------
    @post("/{procurement_id:uuid}/quotes", sync_to_thread=True, status_code=200,
          summary="⑤ The candidate's provider submits its quote (QuoteSubmitted)")
    def submit_quote(self, request: Req, procurement_id: ProcurementId,
                     data: JSONBody[QuoteBody]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.submit_quote(command_context(request), procurement_id,
                                            data.to_domain(), expected_version(request)), request)

    @post("/{procurement_id:uuid}/quote-declines", sync_to_thread=True, status_code=200,
          summary="⑤ The candidate's provider declines to quote (QuoteDeclined)")
    def decline_quote(self, request: Req, procurement_id: ProcurementId,
                      data: JSONBody[DeclineBody]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.decline_quote(command_context(request), procurement_id,
                                             data.service_id, data.reason,
                                             expected_version(request)), request)

    @post("/{procurement_id:uuid}/proposals", sync_to_thread=True, status_code=200,
          summary="⑤ The candidate's provider submits its proposal (ProposalSubmitted)")
    def submit_proposal(self, request: Req, procurement_id: ProcurementId,
                        data: JSONBody[ProposalBody]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.submit_proposal(command_context(request), procurement_id,
                                               data.service_id, data.document_ref, data.summary,
                                               expected_version(request)), request)


class RequestInboxController(Controller):
    path = "/requests"
    tags = ["procurements"]

    @get("/", sync_to_thread=True,
         summary="Quote and proposal requests addressed to the token's provider")
    def inbox(self, request: Req,
              status: Annotated[str | None, Parameter(
                  required=False, pattern=r"^(requested|answered|declined|withdrawn|closed)$",
              )] = None) -> list[RequestEntry]:
        await_min_position(request)
        table = procurement_requests
        where = [table.c.provider_id == request.user.provider_id]
        if status is not None:
            where.append(table.c.status == status)
        with runtime_of(request.app.state).db.connect() as conn:
            rows = conn.execute(select(table).where(*where)
                                .order_by(table.c.due, table.c.procurement_id)).mappings()
            return [RequestEntry(**{name: row[name] for name in RequestEntry.__struct_fields__})
                    for row in rows]
