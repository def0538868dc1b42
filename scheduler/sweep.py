"""One sweep: every pending deadline that is due today (by the ledger's clock) is fired, in the
order of its day, as an idempotent command recorded by the ``system`` actor.

Each command is refused by its aggregate when the deadline was met, already recorded, or no longer
applies — so a second sweep, a second scheduler or a restart in the middle of a sweep records each
deadline event once and only once. A refused deadline is void: the scheduler records that too, as a
``DeadlineVoided`` event on the aggregate the deadline belongs to, naming the rule that refused it
(once: the aggregate refuses a second one). The deadlines view applies it like any event; the
scheduler writes no view row, so a rebuild gives the same deadlines.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from domain import rules
from domain.actor import KOREA, Actor, CommandContext, Role
from domain.contract import Contract
from domain.deadlines import DeadlineKind
from domain.ledger import CommandResult, Ledger
from domain.procurement import Procurement
from domain.quality import InspectionKind, QualityInspection
from domain.rules import RuleViolation
from domain.values import CertificationKind
from dsledger.runtime import Runtime
from projections.deadlines import DeadlineView
from projections.tables import deadlines

log = logging.getLogger(__name__)
SCHEDULER = Actor(principal_id="dsledger-scheduler", role=Role.SYSTEM)
_RETRY_LATER = {rules.COMMAND_VERSION_CONFLICT.id}


@dataclass
class SweepReport:
    fired: list[str] = field(default_factory=list)
    void: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)


Fire = Callable[[Ledger, CommandContext, dict[str, Any]], CommandResult]


def _contract(action: Callable[[Contract, dict[str, Any]], None]) -> Fire:
    def fire(ledger: Ledger, context: CommandContext, row: dict[str, Any]) -> CommandResult:
        return ledger.contract_command(context, UUID(row["aggregate_id"]),
                                       lambda c: action(c, row))
    return fire


def _inspection(ledger: Ledger, context: CommandContext, row: dict[str, Any]) -> CommandResult:
    def refer(inspection: QualityInspection) -> None:
        inspection.refer_to_re_review(row["subject"])
    return ledger.inspection_command(context, UUID(row["aggregate_id"]), refer)


def _quote(ledger: Ledger, context: CommandContext, row: dict[str, Any]) -> CommandResult:
    def lapse(procurement: Procurement) -> None:
        procurement.lapse_quote(row["subject"])
    return ledger.procurement_command(context, UUID(row["aggregate_id"]), lapse)


FIRES: dict[str, Fire] = {
    DeadlineKind.DISCLOSURE_REMINDER.rule.kind: _contract(lambda c, r: c.remind_disclosure()),
    DeadlineKind.DISCLOSURE_OVERDUE.rule.kind: _contract(lambda c, r: c.mark_disclosure_overdue()),
    DeadlineKind.END_NOTICE_OVERDUE.rule.kind: _contract(
        lambda c, r: c.mark_end_notice_overdue(r["subject"])),
    DeadlineKind.EXPIRY.rule.kind: _contract(lambda c, r: c.expire()),
    DeadlineKind.DATA_DISPOSITION_OVERDUE.rule.kind: _contract(
        lambda c, r: c.mark_data_disposition_overdue()),
    DeadlineKind.DATA_RETURN_OVERDUE.rule.kind: _contract(
        lambda c, r: c.mark_data_return_overdue()),
    DeadlineKind.IMPROVEMENT_OVERDUE.rule.kind: _contract(
        lambda c, r: c.mark_improvement_overdue(r["subject"])),
    DeadlineKind.QUOTE_LAPSED.rule.kind: _quote,
    DeadlineKind.CORRECTIVE_ACTION.rule.kind: _inspection,
    DeadlineKind.REGULAR_INSPECTION.rule.kind: lambda ledger, context, row: (
        ledger.schedule_inspection(context, UUID(row["aggregate_id"]), InspectionKind.REGULAR,
                                   row["fires_on"])),
    DeadlineKind.CERTIFICATE_EXPIRY.rule.kind: lambda ledger, context, row: (
        ledger.expire_certification(context, UUID(row["aggregate_id"]),
                                    CertificationKind(row["detail"]["kind"]),
                                    row["detail"]["number"])),
    DeadlineKind.SELECTION_VALIDITY.rule.kind: lambda ledger, context, row: (
        ledger.expire_service_validity(context, UUID(row["aggregate_id"]))),
    DeadlineKind.BUSINESS_END.rule.kind: lambda ledger, context, row: (
        ledger.end_business(context, UUID(row["aggregate_id"]))),
    DeadlineKind.SEMIANNUAL_REPORT.rule.kind: lambda ledger, context, row: (
        ledger.mark_report_overdue(context, row["aggregate_id"], row["detail"]["year"],
                                   row["detail"]["half"])),
}


def next_due(runtime: Runtime, today: date, skip: set[str]) -> dict[str, Any] | None:
    """The earliest pending deadline due by ``today``: an index range scan on (state, day), so the
    cost follows what is due, not how many contracts there are."""
    query = select(deadlines).where(deadlines.c.state == "pending",
                                    deadlines.c.fires_on <= today)
    if skip:
        query = query.where(deadlines.c.deadline_id.not_in(sorted(skip)))
    with runtime.db.connect() as conn:
        row = conn.execute(query.order_by(deadlines.c.fires_on, deadlines.c.deadline_id)
                           .limit(1)).mappings().one_or_none()
        return dict(row) if row is not None else None


def sweep(runtime: Runtime, now: datetime | None = None, limit: int = 500) -> SweepReport:
    """Fire due deadlines one at a time in the order of their day, re-reading after each: firing
    one can make another due (a regular inspection schedules next year's), and a machine that
    slept through both must record them in the order they fell due."""
    now = now or runtime.now()
    today = now.astimezone(KOREA).date()
    report = SweepReport()
    runtime.projector.catch_up()
    stopped = [failure for failure in runtime.projector.failures()
               if failure.view == DeadlineView.name]
    if stopped:
        # The deadlines view is stopped at an event it cannot apply: what it shows as pending
        # may have been met since, and firing from it would record a void for a deadline that was
        # met. Nothing fires until it applies that event (readiness names it meanwhile).
        log.warning("deadline sweep skipped: the deadlines view is stopped at position %d (%s)",
                    stopped[0].position, stopped[0].event_type)
        return report
    while len(report.fired) + len(report.void) < limit:
        # What this sweep handled is not read again: if the deadlines view is stopped at an event
        # it cannot apply (projections/engine.py), its rows do not change as events are recorded.
        row = next_due(runtime, today, {*report.retry, *report.fired, *report.void})
        if row is None:
            break
        context = CommandContext(actor=SCHEDULER, at=now,
                                 correlation_id=f"deadline:{row['deadline_id']}:{uuid.uuid4().hex[:8]}")
        try:
            FIRES[row["kind"]](runtime.ledger, context, row)
        except RuleViolation as refusal:
            if refusal.rule.id in _RETRY_LATER:
                report.retry.append(row["deadline_id"])
                continue
            if _void(runtime, context, row, refusal.rule.id):
                report.void.append(row["deadline_id"])
            else:
                report.retry.append(row["deadline_id"])
            runtime.projector.catch_up()
            continue
        # The views must see this event before the next deadline is read; catching up here
        # works whether or not a projection thread runs beside the scheduler.
        runtime.projector.catch_up()
        report.fired.append(row["deadline_id"])
    return report


def _void(runtime: Runtime, context: CommandContext, row: dict[str, Any], rule_id: str) -> bool:
    """Record that the deadline is void; False if it cannot be recorded now (tried again next
    sweep). Already recorded (the view had not applied it yet) counts as recorded."""
    try:
        runtime.ledger.void_deadline(context, row["deadline_id"], row["kind"],
                                     row["aggregate_type"], row["aggregate_id"], rule_id)
    except RuleViolation as refusal:
        if refusal.rule.id in _RETRY_LATER:
            return False
        if refusal.rule.id != rules.DEADLINE_NOT_APPLICABLE.id:
            raise
    return True
