"""The procurements view: one row per procurement with its summary and its whole record (every
requirement version, search with its results, quote, proposal, inquiry, communication, exclusion,
evaluation and the award), and one row per quote or proposal request for the provider's inbox."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import msgspec
from sqlalchemy import Connection, insert, select, update

from domain.aggregate import LedgerAggregate
from domain.procurement import Procurement
from projections.engine import View
from projections.tables import procurement_requests, procurements

Record = dict[str, Any]
_BASE_FIELDS = {field.name for field in dataclasses.fields(LedgerAggregate.Event)} | {
    "originator_topic"
}


def event_data(event: Any) -> Record:
    """The event's own attributes as JSON-ready builtins (without id, version, actor…)."""
    # An attribute added to an event type later (Opened's agency_name) is absent from the events
    # recorded before it: they are read as they were recorded, without it.
    data = {field.name: getattr(event, field.name) for field in dataclasses.fields(event)
            if field.name not in _BASE_FIELDS and hasattr(event, field.name)}
    builtins: Record = msgspec.to_builtins(data, order="deterministic")
    return builtins


def stamp(event: Any) -> Record:
    return {"at": event.timestamp.isoformat(), "by": event.actor.principal_id,
            "role": event.actor.role.value, "correlation_id": event.correlation_id,
            "version": event.originator_version}


def empty_record(event: Any) -> Record:
    return {
        "procurement_id": str(event.originator_id), **event_data(event), "opened": stamp(event),
        "status": "open", "budget": None, "requirements": [], "searches": [],
        "saved_search_id": None, "method": None, "quote_requests": {}, "quotes": {},
        "declines": {}, "proposal_requests": {}, "proposals": {}, "inquiries": [],
        "communications": [], "exclusions": [], "evaluations": [], "award": None,
        "abandoned": None,
    }


def fold(record: Record, name: str, event: Any) -> None:
    """Apply one event to the procurement's record, in the words of the guideline's steps."""
    data = event_data(event)
    entry = {**data, **stamp(event)}
    if name == "BudgetConfirmed":
        record["budget"] = entry
    elif name == "BudgetRevised":
        record.setdefault("budget_revisions", []).append(entry)
    elif name == "RequirementsDefined":
        record["requirements"].append(entry)
        record["saved_search_id"] = None
        record["quote_requests"] = {}
        record["proposal_requests"] = {}
    elif name == "SearchRecorded":
        record["searches"].append({**data["search"], **stamp(event), "saved": False})
    elif name == "SearchSaved":
        record["saved_search_id"] = data["search_id"]
        for search in record["searches"]:
            search["saved"] = search["search_id"] == data["search_id"]
    elif name == "ProcurementMethodChosen":
        record["method"] = data["method"]
    elif name == "QuoteRequested":
        record["quote_requests"][data["request"]["service_id"]] = {**data["request"], **stamp(event)}
    elif name == "QuoteSubmitted":
        record["quotes"][data["quote"]["service_id"]] = {**data["quote"], **stamp(event)}
    elif name == "QuoteDeclined":
        record["declines"][data["service_id"]] = entry
    elif name == "ProposalRequested":
        record["proposal_requests"][data["service_id"]] = entry
    elif name == "ProposalSubmitted":
        record["proposals"][data["service_id"]] = entry
    elif name == "ProviderInquiryRecorded":
        record["inquiries"].append(entry)
    elif name == "CommunicationLogged":
        record["communications"].append(entry)
    elif name == "CandidateExcluded":
        record["exclusions"].append({**data["exclusion"], **stamp(event)})
    elif name == "EvaluationRecorded":
        record["evaluations"].append({**data["evaluation"], **stamp(event)})
    elif name == "Awarded":
        record["award"] = entry
        record["status"] = "awarded"
    elif name == "Abandoned":
        record["abandoned"] = entry
        record["status"] = "abandoned"


def _saved_results(record: Record) -> list[Record]:
    for search in record["searches"]:
        if search["search_id"] == record["saved_search_id"]:
            results: list[Record] = search["results"]
            return results
    return []


class ProcurementView(View):
    name: ClassVar[str] = "procurements"
    tables = (procurements, procurement_requests)
    aggregates = frozenset({Procurement.__name__})

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        qualname = type(event).__qualname__
        if qualname.split(".")[0] != Procurement.__name__:
            return
        name = type(event).__name__
        table = procurements
        key = str(event.originator_id)
        if name == "Opened":
            record = empty_record(event)
            conn.execute(insert(table).values(
                procurement_id=key, agency_id=event.agency_id, reference=event.reference,
                title=event.title, fiscal_year=event.fiscal_year, status="open", method=None,
                requirements_version=0, saved_search_id=None, candidate_count=0,
                awarded_service_ids=[], record=record, opened_at=event.timestamp,
                updated_at=event.timestamp, version=event.originator_version, position=position,
            ))
            return
        row = conn.execute(select(table.c.record).where(table.c.procurement_id == key)).one()
        record = dict(row.record)
        fold(record, name, event)
        conn.execute(update(table).where(table.c.procurement_id == key).values(
            status=record["status"], method=record["method"],
            requirements_version=len(record["requirements"]),
            saved_search_id=record["saved_search_id"],
            candidate_count=len(_saved_results(record)),
            awarded_service_ids=(record["award"] or {}).get("service_ids", []),
            record=record, updated_at=event.timestamp, version=event.originator_version,
            position=position,
        ))
        self._requests(conn, name, event, record, position)

    @staticmethod
    def _requests(conn: Connection, name: str, event: Any, record: Record, position: int) -> None:
        """The providers' inbox: what they were asked for and whether they answered."""
        table = procurement_requests
        key = str(event.originator_id)
        if name in {"QuoteRequested", "ProposalRequested"}:
            kind = "quote" if name == "QuoteRequested" else "proposal"
            service_id = event.request.service_id if kind == "quote" else event.service_id
            due = event.request.due if kind == "quote" else event.due
            candidate = next(r for r in _saved_results(record) if r["service_id"] == service_id)
            conn.execute(insert(table).values(
                procurement_id=key, service_id=service_id, kind=kind,
                agency_id=record["agency_id"], provider_id=candidate["provider_id"],
                service_name=candidate["name"], due=due, status="requested",
                requested_at=event.timestamp, answered_at=None, position=position,
            ))
        elif name in {"QuoteSubmitted", "QuoteDeclined", "ProposalSubmitted"}:
            kind = "proposal" if name == "ProposalSubmitted" else "quote"
            service_id = event.quote.service_id if name == "QuoteSubmitted" else event.service_id
            status = "declined" if name == "QuoteDeclined" else "answered"
            conn.execute(update(table).where(
                table.c.procurement_id == key, table.c.service_id == service_id,
                table.c.kind == kind,
            ).values(status=status, answered_at=event.timestamp, position=position))
        elif name == "RequirementsDefined":
            # A revision withdraws the open requests along with the candidate list.
            conn.execute(update(table).where(
                table.c.procurement_id == key, table.c.status == "requested",
            ).values(status="withdrawn", position=position))
        elif name in {"Awarded", "Abandoned"}:
            conn.execute(update(table).where(
                table.c.procurement_id == key, table.c.status == "requested",
            ).values(status="closed", position=position))
