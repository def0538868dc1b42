"""Evidence an auditor (or the owning agency) takes away: a procurement's evidence pack, as JSON and
as a printable PDF, and a contract's whole history as a self-verifying bundle. Each cites every event
with its inclusion proof against a freshly signed tree head, so it verifies with no access to the
ledger (``dsledger verify --pack``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from sqlalchemy import Table, select

from api.commands import runtime_of
from domain import rules
from domain.rules import Rule, refuse
from dsledger.evidence import Bundle, BundleKind, build_bundle
from dsledger.evidence_pdf import render_pdf
from projections.tables import contracts, procurements

Req = Request[Any, Any, Any]
ProcurementId = FromPath[UUID]
ContractId = FromPath[UUID]


def _bundle(request: Req, table: Table, key: str, aggregate_id: UUID, kind: BundleKind,
            missing: Rule, kind_en: str, kind_ko: str) -> Bundle:
    runtime = runtime_of(request.app.state)
    with runtime.db.connect() as conn:
        agency = conn.execute(select(table.c.agency_id).where(
            table.c[key] == str(aggregate_id))).scalar_one_or_none()
    if agency is None:
        refuse(missing, **{key: str(aggregate_id)})
    return build_bundle(runtime, kind, aggregate_id)


def _evidence(request: Req, procurement_id: UUID) -> Bundle:
    return _bundle(request, procurements, "procurement_id", procurement_id,
                   BundleKind.PROCUREMENT_EVIDENCE, rules.PROCUREMENT_NOT_FOUND, "procurement",
                   "조달 건")


class EvidenceController(Controller):
    tags = ["audit"]

    @get("/procurements/{procurement_id:uuid}/evidence", sync_to_thread=True,
         summary="The procurement's evidence pack, every event with its proof (auditor, agency)")
    def evidence(self, request: Req, procurement_id: ProcurementId) -> Bundle:
        return _evidence(request, procurement_id)

    @get("/procurements/{procurement_id:uuid}/evidence.pdf", sync_to_thread=True,
         media_type="application/pdf",
         summary="The evidence pack as a printable PDF in Korean (auditor, agency)")
    def evidence_pdf(self, request: Req, procurement_id: ProcurementId) -> Response[bytes]:
        pdf = render_pdf(_evidence(request, procurement_id))
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="evidence-{procurement_id}.pdf"'})

    @get("/contracts/{contract_id:uuid}/history-bundle", sync_to_thread=True,
         summary="The contract's whole history as a self-verifying bundle (auditor, agency)")
    def history_bundle(self, request: Req, contract_id: ContractId) -> Bundle:
        return _bundle(request, contracts, "contract_id", contract_id, BundleKind.CONTRACT_HISTORY,
                       rules.CONTRACT_NOT_FOUND, "contract", "계약")
