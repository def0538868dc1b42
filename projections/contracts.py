"""The contracts view: one row per contract with its summary and whole record (terms, disclosure,
amendments, SLA reports and breaches, improvements, penalties, risks, end notice, end, data
disposition), and which services and providers each contract runs on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar
from uuid import UUID

from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from domain.contract import Contract
from projections.engine import View
from projections.procurements import event_data, stamp
from projections.reads import single_statement_reads
from projections.tables import contract_services, contracts

Record = dict[str, Any]
_ENDED = {"Rescinded": "rescinded", "Terminated": "terminated", "Expired": "expired",
          "Closed": "closed"}
_LISTS = {
    "Amended": "amendments", "DisclosureAmended": "disclosure_amendments",
    "SlaReportSubmitted": "sla_reports", "SlaBreachDetected": "breaches",
    "ImprovementRequested": "improvement_requests",
    "ImprovementConfirmed": "improvement_confirmations", "PenaltyClaimed": "penalties",
    "AtRisk": "risks", "EndNoticeSent": "end_notices", "DataReturned": "data_returned",
    "DataDestroyed": "data_destroyed", "BusinessEndNoticed": "business_end_notices",
}
_SINGLE = {
    "DisclosureRegistered": "disclosure", "Rescinded": "rescission", "Terminated": "termination",
    "Expired": "expiry", "FollowUpChosen": "follow_up", "DataReturnRequested": "return_request",
    "ObligationsVerified": "obligations_verified", "Closed": "closure",
}


def empty_record(concluded: Any) -> Record:
    """The record a contract starts with, from its Concluded event."""
    return {"contract_id": str(concluded.originator_id), **event_data(concluded),
            "concluded": stamp(concluded), "status": "active"}


def fold(record: Record, name: str, event: Any) -> None:
    entry = {**event_data(event), **stamp(event)}
    if name in _LISTS:
        record.setdefault(_LISTS[name], []).append(entry)
    if name in _SINGLE:
        record[_SINGLE[name]] = entry
    if name in _ENDED:
        record["status"] = _ENDED[name]
    if name == "Amended":
        amendment = entry["amendment"]
        record["terms"]["end"] = amendment["new_end"] or record["terms"]["end"]
        if amendment["new_total_amount_krw"] is not None:  # as the aggregate: None is no change
            record["terms"]["total_amount_krw"] = amendment["new_total_amount_krw"]


class ContractView(View):
    name: ClassVar[str] = "contracts"
    tables = (contracts, contract_services)
    aggregates = frozenset({Contract.__name__})

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        self.apply_batch(conn, [(position, event)])

    def apply_batch(self, conn: Connection, items: Sequence[tuple[int, Any]]) -> None:
        """The batch's events folded in memory: the records of the contracts it changes are read
        in one statement and each is written once, at its last event. A live batch with a
        dozen SLA reports was two round trips per event (read the record, write it back)."""
        mine = [(position, event) for position, event in items
                if type(event).__qualname__.split(".")[0] == Contract.__name__]
        if not mine:
            return
        wanted = list({str(event.originator_id) for _, event in mine
                       if type(event).__name__ != "Concluded"})
        records: dict[str, Record] = {}
        if wanted:
            records = {row.contract_id: dict(row.record) for row in conn.execute(
                select(contracts.c.contract_id, contracts.c.record)
                .where(contracts.c.contract_id.in_(wanted)))}
        changed: dict[str, dict[str, Any]] = {}
        ended: set[str] = set()
        for position, event in mine:
            name = type(event).__name__
            key = str(event.originator_id)
            if name == "Concluded":
                records[key] = self._concluded(conn, event, key, position)
                continue
            if key not in records:
                # As a single row's read would: an event of a contract the view never saw.
                raise LookupError(f"contract {key} is not in the contracts view")
            record = records[key]
            fold(record, name, event)
            amendments = len(record.get("amendments", []))
            disclosed = len(record.get("disclosure_amendments", []))
            changed[key] = dict(
                contract_id=key, status=record["status"], end=_date(record["terms"]["end"]),
                total_amount_krw=record["terms"]["total_amount_krw"],
                disclosure_registered=record.get("disclosure") is not None,
                disclosure_outdated=record.get("disclosure") is not None and disclosed < amendments,
                at_risk=bool(record.get("risks")) and record["status"] == "active",
                follow_up=(record.get("follow_up") or {}).get("follow_up"),
                record=record, updated_at=event.timestamp, version=event.originator_version,
                position=position)
            if record["status"] != "active":
                ended.add(key)
        if changed:
            # The record is a dict folded in place: each row is sent as it stands now.
            conn.execute(_UPDATE_CONTRACT, [{**values, "key": values["contract_id"]}
                                            for values in changed.values()])
        if ended:
            conn.execute(update(contract_services)
                         .where(contract_services.c.contract_id.in_(sorted(ended)))
                         .values(active=False))

    @staticmethod
    def _concluded(conn: Connection, event: Any, key: str, position: int) -> Record:
        record = empty_record(event)
        terms = record["terms"]
        services = record["services"]
        conn.execute(insert(contracts).values(
            contract_id=key, agency_id=event.agency_id, procurement_id=event.procurement_id,
            previous_contract_id=event.previous_contract_id, method=event.method.value,
            kind=terms["kind"], status="active", start=event.terms.start, end=event.terms.end,
            pricing_model=terms["pricing_model"], total_amount_krw=terms["total_amount_krw"],
            service_ids=[s["service_id"] for s in services],
            provider_ids=sorted({s["provider_id"] for s in services}),
            disclosure_registered=False, disclosure_outdated=False, at_risk=False,
            follow_up=None, record=record, concluded_at=event.timestamp,
            updated_at=event.timestamp, version=event.originator_version, position=position,
        ))
        for service in services:
            conn.execute(insert(contract_services).values(
                contract_id=key, service_id=service["service_id"],
                provider_id=service["provider_id"], active=True))
        return record


_UPDATE_CONTRACT = update(contracts).where(contracts.c.contract_id == bindparam("key")).values(
    {column: bindparam(column) for column in (
        "status", "end", "total_amount_krw", "disclosure_registered", "disclosure_outdated",
        "at_risk", "follow_up", "record", "updated_at", "version", "position")})
"""One contract's summary and record, by executemany for a batch's contracts."""


def _date(value: str) -> date:
    return date.fromisoformat(value)


class ContractsReader:
    """The contracts view as the ledger's at-risk policy consults it."""

    def __init__(self, db: Engine) -> None:
        self.db = single_statement_reads(db)

    def active_contracts_on(self, service_id: str) -> list[UUID]:
        with self.db.connect() as conn:
            rows = conn.execute(_ACTIVE_CONTRACTS_ON, {"service_id": service_id})
            return [UUID(row[0]) for row in rows]


# Built once: every suspension asks it, and building the statement cost as much as running it.
_ACTIVE_CONTRACTS_ON = select(contract_services.c.contract_id).where(
    contract_services.c.service_id == bindparam("service_id"),
    contract_services.c.active.is_(True))
