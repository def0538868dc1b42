"""Quality inspections and semiannual provider reports as the operator reads them."""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import Connection, insert, select, update

from domain.provider_report import SemiannualReport
from domain.quality import QualityInspection
from projections.engine import View
from projections.procurements import event_data, stamp
from projections.tables import inspections, semiannual_reports


class InspectionView(View):
    name: ClassVar[str] = "inspections"
    tables = (inspections,)
    aggregates = frozenset({QualityInspection.__name__})

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        if type(event).__qualname__.split(".")[0] != QualityInspection.__name__:
            return
        name = type(event).__name__
        key = str(event.originator_id)
        entry = {"event": name, **event_data(event), **stamp(event)}
        if name == "Scheduled":
            conn.execute(insert(inspections).values(
                inspection_id=key, service_id=event.service_id, kind=event.kind.value,
                due=event.due, outcome=None, record={"events": [entry]},
                scheduled_at=event.timestamp, updated_at=event.timestamp,
                version=event.originator_version, position=position))
            return
        record = dict(conn.execute(select(inspections.c.record).where(
            inspections.c.inspection_id == key)).one().record)
        record["events"] = [*record["events"], entry]
        values: dict[str, Any] = {"record": record, "updated_at": event.timestamp,
                                  "version": event.originator_version, "position": position}
        if name == "Closed":
            values["outcome"] = event.outcome.value
        conn.execute(update(inspections).where(inspections.c.inspection_id == key)
                     .values(**values))


class ReportView(View):
    name: ClassVar[str] = "semiannual_reports"
    tables = (semiannual_reports,)
    aggregates = frozenset({SemiannualReport.__name__})

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        if type(event).__qualname__.split(".")[0] != SemiannualReport.__name__:
            return
        name = type(event).__name__
        table = semiannual_reports
        key = str(event.originator_id)
        if name == "SemiannualReportDue":
            conn.execute(insert(table).values(
                report_id=key, provider_id=event.provider_id, year=event.year, half=event.half,
                status="due", overdue_on=event.overdue_on, late=None, contracts=[],
                submitted_at=None, position=position))
        elif name == "SemiannualReportSubmitted":
            conn.execute(update(table).where(table.c.report_id == key).values(
                status="submitted", late=event.late, contracts=event_data(event)["contracts"],
                submitted_at=event.timestamp, position=position))
        elif name == "SemiannualReportOverdue":
            conn.execute(update(table).where(table.c.report_id == key).values(
                status="overdue", position=position))
