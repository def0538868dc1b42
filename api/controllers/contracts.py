"""Contracts (steps ⑥ to ⑨): the agency concludes, discloses, manages and ends its own contracts;
each provider reports its SLA figures, gives its end notice and confirms the data's return and
destruction; operators and auditors read everything."""

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
from api.schemas.contracts import (
    AmendmentRequest,
    ConcludeRequest,
    ContractDetail,
    ContractList,
    ContractSummary,
    DataDestroyedBody,
    DataReturnedBody,
    DataReturnRequestBody,
    EndNoticeRequest,
    FollowUpRequest,
    ImprovementConfirmation,
    ImprovementRequest,
    NoteBody,
    PenaltyRequest,
    RenewalRequest,
    RescissionRequest,
    SlaReportRequest,
    TerminationRequest,
)
from application.queries import contracts as queries
from application.queries.scope import Scope
from domain import rules
from domain.contract import Contract
from domain.rules import refuse
from projections.tables import contracts

Req = Request[Principal, Any, Any]
ContractId = FromPath[UUID]


def _summary(row: Any) -> ContractSummary:
    return ContractSummary(**{name: row[name] for name in ContractSummary.__struct_fields__})


def _run(request: Req, contract_id: UUID, action: Callable[[Contract], Any],
         status_code: int = 200) -> Response[CommandResponse]:
    ledger = runtime_of(request.app.state).ledger

    def call(contract: Contract) -> None:
        action(contract)

    return answered(ledger.contract_command(command_context(request), contract_id, call,
                                            expected_version(request)), request, status_code)



# A command on an existing aggregate answers 200 (api.commands.answered); its decorator says so
# too, or the OpenAPI document would promise Litestar's POST default, 201.
class ContractController(Controller):
    path = "/contracts"
    tags = ["contracts"]

    # --- reads ---------------------------------------------------------------------------------
    @get("/", sync_to_thread=True,
         summary="Contracts (an agency: its own; a provider: those it provides; others: all)")
    def list_contracts(self, request: Req, after: After = None,
                       limit: Annotated[int, Parameter(ge=1, le=queries.MAX_LIMIT)] = 50,
                       ) -> ContractList:
        await_min_position(request)
        principal = request.user
        scope = Scope.of(principal.role, principal.agency_id, principal.provider_id)
        with runtime_of(request.app.state).db.connect() as conn:
            page = read_page(lambda: queries.contracts_page(conn, scope, after, limit))
        return ContractList(total=page.total, total_exact=page.total_exact, limit=limit,
                            next_after=page.next_after,
                            items=[_summary(row) for row in page.items])

    @get("/{contract_id:uuid}", sync_to_thread=True,
         summary="A contract with its whole record")
    def get_contract(self, request: Req, contract_id: ContractId) -> ContractDetail:
        await_min_position(request)
        with runtime_of(request.app.state).db.connect() as conn:
            row = conn.execute(select(contracts).where(
                contracts.c.contract_id == str(contract_id))).mappings().one_or_none()
        if row is None:
            refuse(rules.CONTRACT_NOT_FOUND, contract_id=str(contract_id))
        return ContractDetail(summary=_summary(row), record=row["record"])

    # --- ⑥ ⑦ agency ----------------------------------------------------------------------------
    @post("/", sync_to_thread=True, status_code=201,
          summary="⑥ Conclude the contract of an awarded procurement (Concluded)")
    def conclude(self, request: Req, data: JSONBody[ConcludeRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.conclude_contract(command_context(request), data.procurement_id,
                                                 data.terms.to_domain()), request, 201)

    @post("/{contract_id:uuid}/disclosure", sync_to_thread=True, status_code=200,
          summary="⑦ Register the contract information (DisclosureRegistered)")
    def register_disclosure(self, request: Req, contract_id: ContractId,
                            ) -> Response[CommandResponse]:
        return _run(request, contract_id, lambda c: c.register_disclosure())

    @post("/{contract_id:uuid}/amendments", sync_to_thread=True, status_code=200,
          summary="Amend the period, amount or parties (Amended)")
    def amend(self, request: Req, contract_id: ContractId,
              data: JSONBody[AmendmentRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.amend_contract(command_context(request), contract_id,
                                              data.to_domain(), expected_version(request)),
                        request)

    @post("/{contract_id:uuid}/disclosure-amendments", sync_to_thread=True, status_code=200,
          summary="⑦ Register the amended information (DisclosureAmended)")
    def amend_disclosure(self, request: Req, contract_id: ContractId,
                         ) -> Response[CommandResponse]:
        return _run(request, contract_id, lambda c: c.amend_disclosure())

    # --- ⑧ ----------------------------------------------------------------------------------------
    @post("/{contract_id:uuid}/sla-reports", sync_to_thread=True,
          status_code=201, summary="⑧ Report a period's SLA figures (breaches are computed)")
    def sla_report(self, request: Req, contract_id: ContractId,
                   data: JSONBody[SlaReportRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.submit_sla_report(command_context(request), contract_id,
                                                 data.service_id, data.figures(),
                                                 expected_version(request)), request, 201)

    @post("/{contract_id:uuid}/improvement-requests", sync_to_thread=True, status_code=200,
          summary="⑧ Ask for an improvement of a breach (ImprovementRequested)")
    def request_improvement(self, request: Req, contract_id: ContractId,
                            data: JSONBody[ImprovementRequest]) -> Response[CommandResponse]:
        return _run(request, contract_id,
                    lambda c: c.request_improvement(data.breach_ref, data.deadline, data.request))

    @post("/{contract_id:uuid}/improvement-confirmations", sync_to_thread=True, status_code=200,
          summary="⑧ Confirm the improvement (ImprovementConfirmed)")
    def confirm_improvement(self, request: Req, contract_id: ContractId,
                            data: JSONBody[ImprovementConfirmation]) -> Response[CommandResponse]:
        return _run(request, contract_id,
                    lambda c: c.confirm_improvement(data.breach_ref, data.note))

    @post("/{contract_id:uuid}/penalties", sync_to_thread=True, status_code=200,
          summary="⑧ Claim a penalty for a breach (PenaltyClaimed)")
    def claim_penalty(self, request: Req, contract_id: ContractId,
                      data: JSONBody[PenaltyRequest]) -> Response[CommandResponse]:
        return _run(request, contract_id,
                    lambda c: c.claim_penalty(data.breach_ref, data.amount_krw, data.basis))

    # --- ⑨ ----------------------------------------------------------------------------------------
    @post("/{contract_id:uuid}/end-notice", sync_to_thread=True, status_code=200,
          summary="⑨ The provider's notice at least 30 days before the end (EndNoticeSent)")
    def end_notice(self, request: Req, contract_id: ContractId,
                   data: JSONBody[EndNoticeRequest]) -> Response[CommandResponse]:
        return _run(request, contract_id, lambda c: c.send_end_notice(data.to_domain()))

    @post("/{contract_id:uuid}/rescission", sync_to_thread=True, status_code=200,
          summary="⑨ Rescind: settle and treat the contract as never made (Rescinded)")
    def rescind(self, request: Req, contract_id: ContractId,
                data: JSONBody[RescissionRequest]) -> Response[CommandResponse]:
        return _run(request, contract_id,
                    lambda c: c.rescind(data.ground, data.reason, data.settlement_domain()))

    @post("/{contract_id:uuid}/termination", sync_to_thread=True, status_code=200,
          summary="⑨ Terminate from a date on a listed ground (Terminated)")
    def terminate(self, request: Req, contract_id: ContractId,
                  data: JSONBody[TerminationRequest]) -> Response[CommandResponse]:
        return _run(request, contract_id, lambda c: c.terminate(
            data.ground, data.effective, data.reason, data.unpaid_fees_krw, data.deposit_krw))

    @post("/{contract_id:uuid}/expiry", sync_to_thread=True, status_code=200,
          summary="⑨ The contract reached its end date (Expired)")
    def expire(self, request: Req, contract_id: ContractId) -> Response[CommandResponse]:
        return _run(request, contract_id, lambda c: c.expire())

    @post("/{contract_id:uuid}/follow-up", sync_to_thread=True, status_code=200,
          summary="⑨ Ended, or replaced by a new procurement (FollowUpChosen)")
    def follow_up(self, request: Req, contract_id: ContractId,
                  data: JSONBody[FollowUpRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.choose_follow_up(command_context(request), contract_id,
                                                data.follow_up, data.procurement_id,
                                                expected_version(request)), request)

    @post("/{contract_id:uuid}/renewal", sync_to_thread=True,
          status_code=201, summary="⑨ Renew with the same provider after expiry (재계약)")
    def renew(self, request: Req, contract_id: ContractId,
              data: JSONBody[RenewalRequest]) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.renew_contract(command_context(request), contract_id,
                                              data.terms.to_domain()), request, 201)

    @post("/{contract_id:uuid}/data-return-request", sync_to_thread=True, status_code=200,
          summary="⑨ Ask for the agency's data back (DataReturnRequested)")
    def request_return(self, request: Req, contract_id: ContractId,
                       data: JSONBody[DataReturnRequestBody]) -> Response[CommandResponse]:
        return _run(request, contract_id, lambda c: c.request_data_return(data.form))

    @post("/{contract_id:uuid}/data-returned", sync_to_thread=True, status_code=200,
          summary="⑨ The provider returned the data in a usable form (DataReturned)")
    def data_returned(self, request: Req, contract_id: ContractId,
                      data: JSONBody[DataReturnedBody]) -> Response[CommandResponse]:
        return _run(request, contract_id,
                    lambda c: c.confirm_data_returned(data.usable_form, data.note))

    @post("/{contract_id:uuid}/data-destroyed", sync_to_thread=True, status_code=200,
          summary="⑨ The provider destroyed the data irrecoverably (DataDestroyed)")
    def data_destroyed(self, request: Req, contract_id: ContractId,
                       data: JSONBody[DataDestroyedBody]) -> Response[CommandResponse]:
        return _run(request, contract_id,
                    lambda c: c.confirm_data_destroyed(data.method, data.certificate_ref))

    @post("/{contract_id:uuid}/obligations-verification", sync_to_thread=True, status_code=200,
          summary="⑨ The agency verified every obligation (ObligationsVerified)")
    def verify(self, request: Req, contract_id: ContractId,
               data: JSONBody[NoteBody]) -> Response[CommandResponse]:
        return _run(request, contract_id, lambda c: c.verify_obligations(data.note))

    @post("/{contract_id:uuid}/closure", sync_to_thread=True, status_code=200,
          summary="⑨ Close the contract once the data disposition is confirmed (Closed)")
    def close(self, request: Req, contract_id: ContractId) -> Response[CommandResponse]:
        return _run(request, contract_id, lambda c: c.close())

