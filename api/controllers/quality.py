"""Quality inspections (operator, Notice art. 8) and semiannual reports (providers, art. 9)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, JSONBody, Parameter
from sqlalchemy import select

from api.auth import Principal
from api.commands import answered, await_min_position, command_context, expected_version, runtime_of
from api.paging import After, read_page
from api.schemas.common import CommandResponse
from api.schemas.quality import (
    CloseRequest,
    CorrectiveActionDone,
    CorrectiveActionRequest,
    DocumentsRequest,
    FindingRequest,
    InspectionEntry,
    InspectionList,
    ReportEntry,
    ReportList,
    ReReviewRequest,
    ScheduleRequest,
    SemiannualReportRequest,
)
from application.queries import quality as queries
from application.queries.scope import Scope
from domain import rules
from domain.quality import QualityInspection
from domain.rules import refuse
from projections.tables import inspections

Req = Request[Principal, Any, Any]
InspectionId = FromPath[UUID]


def _run(request: Req, inspection_id: UUID,
         action: Callable[[QualityInspection], str | None]) -> Response[CommandResponse]:
    ledger = runtime_of(request.app.state).ledger
    return answered(ledger.inspection_command(command_context(request), inspection_id, action,
                                              expected_version(request)), request)



# A command on an existing aggregate answers 200 (api.commands.answered); its decorator says so
# too, or the OpenAPI document would promise Litestar's POST default, 201.
class InspectionController(Controller):
    path = "/inspections"
    tags = ["quality inspections"]

    @get("/", sync_to_thread=True,
         summary="Every quality inspection")
    def list_inspections(self, request: Req, after: After = None,
                         limit: Annotated[int, Parameter(ge=1, le=queries.MAX_LIMIT)] = 50,
                         ) -> InspectionList:
        await_min_position(request)
        with runtime_of(request.app.state).db.connect() as conn:
            page = read_page(lambda: queries.inspections_page(conn, after, limit))
        return InspectionList(total=page.total, total_exact=page.total_exact, limit=limit,
                              next_after=page.next_after,
                              items=[InspectionEntry(**row) for row in page.items])

    @get("/{inspection_id:uuid}", sync_to_thread=True, summary="One inspection with its record")
    def get_inspection(self, request: Req, inspection_id: InspectionId) -> InspectionEntry:
        await_min_position(request)
        with runtime_of(request.app.state).db.connect() as conn:
            row = conn.execute(select(inspections).where(
                inspections.c.inspection_id == str(inspection_id))).mappings().one_or_none()
        if row is None:
            refuse(rules.INSPECTION_NOT_FOUND, inspection_id=str(inspection_id))
        return InspectionEntry(**dict(row))

    @post("/", sync_to_thread=True, status_code=201,
          summary="Schedule a regular, continuous or ad-hoc inspection (Scheduled)")
    def schedule(self, request: Req, data: JSONBody[ScheduleRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.schedule_inspection(
            command_context(request), data.service_id, data.kind, data.due, data.trigger,
            data.reason), request, 201)

    @post("/{inspection_id:uuid}/document-requests", sync_to_thread=True, status_code=200,
          summary="Ask the provider for documents (DocumentsRequested)")
    def documents(self, request: Req, inspection_id: InspectionId,
                  data: JSONBody[DocumentsRequest]) -> Response[CommandResponse]:
        return _run(request, inspection_id,
                    lambda i: i.request_documents(data.documents, data.deadline))

    @post("/{inspection_id:uuid}/findings", sync_to_thread=True, status_code=200,
          summary="Record a finding against a criterion (FindingRecorded)")
    def finding(self, request: Req, inspection_id: InspectionId,
                data: JSONBody[FindingRequest]) -> Response[CommandResponse]:
        return _run(request, inspection_id,
                    lambda i: i.record_finding(data.criterion, data.finding))

    @post("/{inspection_id:uuid}/corrective-actions", sync_to_thread=True, status_code=200,
          summary="Require a corrective action by a deadline (CorrectiveActionRequested)")
    def corrective_action(self, request: Req, inspection_id: InspectionId,
                          data: JSONBody[CorrectiveActionRequest]) -> Response[CommandResponse]:
        return _run(request, inspection_id, lambda i: i.request_corrective_action(
            data.finding_id, data.action, data.deadline))

    @post("/{inspection_id:uuid}/corrective-action-completions", sync_to_thread=True, status_code=200,
          summary="The corrective action was done (CorrectiveActionCompleted)")
    def completed(self, request: Req, inspection_id: InspectionId,
                  data: JSONBody[CorrectiveActionDone]) -> Response[CommandResponse]:
        return _run(request, inspection_id,
                    lambda i: i.complete_corrective_action(data.finding_id, data.evidence))

    @post("/{inspection_id:uuid}/re-reviews", sync_to_thread=True, status_code=200,
          summary="Refer an unresolved finding to re-review (ReferredToReReview)")
    def re_review(self, request: Req, inspection_id: InspectionId,
                  data: JSONBody[ReReviewRequest]) -> Response[CommandResponse]:
        return _run(request, inspection_id, lambda i: i.refer_to_re_review(data.finding_id))

    @post("/{inspection_id:uuid}/closure", sync_to_thread=True, status_code=200,
          summary="Close with passed, suspended or cancelled, applied to the service (Closed)")
    def close(self, request: Req, inspection_id: InspectionId,
              data: JSONBody[CloseRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.close_inspection(command_context(request), inspection_id,
                                                data.outcome, data.summary,
                                                expected_version(request)), request)


class ReportController(Controller):
    path = "/semiannual-reports"
    tags = ["provider reports"]

    @post("/", sync_to_thread=True, status_code=201,
          summary="Submit a half year's contract information (SemiannualReportSubmitted)")
    def submit(self, request: Req,
               data: JSONBody[SemiannualReportRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.submit_semiannual_report(
            command_context(request), str(request.user.provider_id), data.year, data.half,
            [line.to_domain() for line in data.contracts]), request, 201)

    @get("/", sync_to_thread=True,
         summary="Submitted reports (a provider: its own)")
    def list_reports(self, request: Req, after: After = None,
                     limit: Annotated[int, Parameter(ge=1, le=queries.MAX_LIMIT)] = 50,
                     ) -> ReportList:
        await_min_position(request)
        user = request.user
        scope = Scope.of(user.role, user.agency_id, user.provider_id)
        with runtime_of(request.app.state).db.connect() as conn:
            page = read_page(lambda: queries.reports_page(conn, scope, after, limit))
        return ReportList(total=page.total, total_exact=page.total_exact, limit=limit,
                          next_after=page.next_after,
                          items=[ReportEntry(**{k: row[k] for k in ReportEntry.__struct_fields__})
                                 for row in page.items])
