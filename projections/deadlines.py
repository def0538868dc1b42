"""The deadlines view: every obligation the log implies, with the day it is missed and its state.

Nothing about deadlines lives only in the scheduler: this view is built from the log like any other,
so a rebuild recreates every pending deadline. The scheduler reads the pending rows that are due
(an index on state and day keeps that proportional to what is due) and records their events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, ClassVar

from sqlalchemy import Connection, select, update

from domain.actor import KOREA
from domain.deadlines import (
    STATUTORY_DESTRUCTION_BASIS,
    STATUTORY_RETURN_BASIS,
    DeadlineKind,
    agreed_destruction_basis,
    agreed_return_basis,
    data_disposition_overdue_on,
    data_return_overdue_on,
    disclosure_overdue_on,
    disclosure_reminder_on,
    end_notice_overdue_on,
    half_of,
    next_half,
    one_year_after,
    report_overdue_on,
)
from projections.engine import View, bulk_insert
from projections.tables import deadlines

Row = dict[str, Any]


def deadline_id(kind: DeadlineKind, aggregate_id: str, subject: str = "") -> str:
    return f"{kind.rule.kind}:{aggregate_id}:{subject}"


def _day(event: Any) -> date:
    stamped: date = event.timestamp.astimezone(KOREA).date()
    return stamped


class DeadlineView(View):
    name: ClassVar[str] = "deadlines"
    weight: ClassVar[int] = 2
    tables = (deadlines,)

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        self.apply_batch(conn, [(position, event)])

    def apply_batch(self, conn: Connection, items: Sequence[tuple[int, Any]]) -> None:
        # Most deadlines are added and not touched again within a batch (a service selected,
        # registered and certified): new rows wait in one buffer and go in with one statement.
        added = _Added()
        # A registration reads its selection's validity deadline: read them all at once.
        added.prefetch(conn, [deadline_id(DeadlineKind.SELECTION_VALIDITY, str(e.originator_id))
                              for _, e in items if type(e).__qualname__ == "DigitalService.Registered"])
        for position, event in items:
            aggregate, name = type(event).__qualname__.split(".")[0], type(event).__name__
            handler = getattr(self, f"_{aggregate}_{name}", None)
            if handler is not None:
                handler(_Writer(conn, event, position, added))
        added.flush(conn)

    # --- a deadline the scheduler found void (domain/deadline_void.py) ---------------------
    def _DeadlineVoid_DeadlineVoided(self, w: _Writer) -> None:
        # Only a pending deadline: by the time the event applies, another event may have
        # settled it (the scheduler recorded the void from a view that was behind).
        w.void(w.event.deadline_id, f"refused: {w.event.reason}")

    # --- digital services ---------------------------------------------------------------------
    def _DigitalService_Selected(self, w: _Writer) -> None:
        e = w.event
        provider = {"provider_id": e.profile.provider_id}
        w.add(DeadlineKind.REGULAR_INSPECTION, "service", str(one_year_after(e.selection_date).year),
              one_year_after(e.selection_date), provider)
        w.add(DeadlineKind.SELECTION_VALIDITY, "service", "", e.valid_until + timedelta(days=1),
              provider)

    def _DigitalService_Registered(self, w: _Writer) -> None:
        validity = w.get(deadline_id(DeadlineKind.SELECTION_VALIDITY, w.aggregate_id))
        if validity is None:
            return
        provider_id = validity["detail"]["provider_id"]
        year, half = half_of(_day(w.event))
        w.add(DeadlineKind.SEMIANNUAL_REPORT, "provider", f"{year}H{half}",
              report_overdue_on(year, half), {"year": year, "half": half},
              aggregate_id=provider_id)

    def _DigitalService_CertificationAdded(self, w: _Writer) -> None:
        c = w.event.certification
        w.add(DeadlineKind.CERTIFICATE_EXPIRY, "service", f"{c.kind.value}:{c.number}",
              c.valid_until + timedelta(days=1), {"kind": c.kind.value, "number": c.number})

    def _DigitalService_CertificationExpired(self, w: _Writer) -> None:
        e = w.event
        w.settle(deadline_id(DeadlineKind.CERTIFICATE_EXPIRY, w.aggregate_id,
                             f"{e.kind.value}:{e.number}"), "fired")

    def _DigitalService_CertificationRevoked(self, w: _Writer) -> None:
        e = w.event
        w.settle(deadline_id(DeadlineKind.CERTIFICATE_EXPIRY, w.aggregate_id,
                             f"{e.kind.value}:{e.number}"), "void")

    def _DigitalService_ValidityExpired(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.SELECTION_VALIDITY, w.aggregate_id), "fired")
        w.void_pending()

    def _DigitalService_SelectionCancelled(self, w: _Writer) -> None:
        w.void_pending()

    def _DigitalService_BusinessCessationNoticed(self, w: _Writer) -> None:
        cessation = w.event.cessation
        w.add(DeadlineKind.BUSINESS_END, "service", cessation.cessation_id, cessation.end_date,
              {"cessation_id": cessation.cessation_id, "scope": cessation.scope.value})

    def _DigitalService_BusinessEnded(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.BUSINESS_END, w.aggregate_id, w.event.cessation_id),
                 "fired")
        # A service no longer provided has no inspection, certificate or validity to keep.
        w.void_pending()

    # --- quality inspections -----------------------------------------------------------------
    def _QualityInspection_Scheduled(self, w: _Writer) -> None:
        e = w.event
        if e.kind.value != "regular":
            return
        w.settle(deadline_id(DeadlineKind.REGULAR_INSPECTION, e.service_id, str(e.due.year)),
                 "fired" if w.event.actor.role.value == "system" else "met")
        following = one_year_after(e.due)
        w.add(DeadlineKind.REGULAR_INSPECTION, "service", str(following.year), following, {},
              aggregate_id=e.service_id)

    def _QualityInspection_CorrectiveActionRequested(self, w: _Writer) -> None:
        e = w.event
        w.add(DeadlineKind.CORRECTIVE_ACTION, "inspection", e.finding_id,
              e.deadline + timedelta(days=1), {})

    def _QualityInspection_CorrectiveActionCompleted(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.CORRECTIVE_ACTION, w.aggregate_id, w.event.finding_id),
                 "met")

    def _QualityInspection_ReferredToReReview(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.CORRECTIVE_ACTION, w.aggregate_id, w.event.finding_id),
                 "fired")

    def _QualityInspection_Closed(self, w: _Writer) -> None:
        w.void_pending()

    # --- procurements ----------------------------------------------------------------------------
    def _Procurement_QuoteSubmitted(self, w: _Writer) -> None:
        quote = w.event.quote
        w.add(DeadlineKind.QUOTE_LAPSED, "procurement", quote.service_id,
              quote.valid_until + timedelta(days=1), {})

    def _Procurement_QuoteLapsed(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.QUOTE_LAPSED, w.aggregate_id, w.event.service_id),
                 "fired")

    def _Procurement_Awarded(self, w: _Writer) -> None:
        w.void_pending()

    def _Procurement_Abandoned(self, w: _Writer) -> None:
        w.void_pending()

    # --- contracts ----------------------------------------------------------------------------
    def _Contract_Concluded(self, w: _Writer) -> None:
        e = w.event
        concluded = _day(e)
        providers = sorted({s.provider_id for s in e.services})
        w.add(DeadlineKind.DISCLOSURE_REMINDER, "contract", "", disclosure_reminder_on(concluded),
              {})
        w.add(DeadlineKind.DISCLOSURE_OVERDUE, "contract", "", disclosure_overdue_on(concluded),
              {})
        for provider_id in providers:
            w.add(DeadlineKind.END_NOTICE_OVERDUE, "contract", provider_id,
                  end_notice_overdue_on(e.terms.end), {})
        # The expiry row also keeps the contract's data-exit clock (art. 19(6) clause or the
        # Decree's default) and any business end date noticed later, which the return and
        # destruction deadlines count from.
        clause = getattr(e.terms, "data_exit", None)
        w.add(DeadlineKind.EXPIRY, "contract", "", e.terms.end + timedelta(days=1),
              {"providers": providers, "agreed": clause is not None,
               "return_days": clause.return_days_before_end if clause else 0,
               "destruction_days": clause.destruction_days_after_end if clause else 0,
               "business_end": None})

    def _Contract_DisclosureRegistered(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.DISCLOSURE_REMINDER, w.aggregate_id), "met")
        w.settle(deadline_id(DeadlineKind.DISCLOSURE_OVERDUE, w.aggregate_id), "met")

    def _Contract_DisclosureReminderSent(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.DISCLOSURE_REMINDER, w.aggregate_id), "fired")

    def _Contract_DisclosureOverdue(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.DISCLOSURE_OVERDUE, w.aggregate_id), "fired")

    def _Contract_EndNoticeSent(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.END_NOTICE_OVERDUE, w.aggregate_id,
                             w.event.provider_id), "met")

    def _Contract_EndNoticeOverdue(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.END_NOTICE_OVERDUE, w.aggregate_id,
                             w.event.provider_id), "fired")

    def _Contract_Amended(self, w: _Writer) -> None:
        new_end = w.event.amendment.new_end
        if new_end is None:
            return
        w.move(DeadlineKind.EXPIRY, new_end + timedelta(days=1))
        w.move(DeadlineKind.END_NOTICE_OVERDUE, end_notice_overdue_on(new_end))
        self._move_return(w, new_end)

    @staticmethod
    def _exit(w: _Writer) -> dict[str, Any]:
        """The contract's data-exit clock as the expiry row keeps it (rows of contracts concluded
        before the clock existed lack it: the Decree's default)."""
        expiry = w.get(deadline_id(DeadlineKind.EXPIRY, w.aggregate_id))
        detail: dict[str, Any] = dict(expiry["detail"]) if expiry else {}
        detail.setdefault("providers", [])
        detail.setdefault("agreed", False)
        detail.setdefault("return_days", 0)
        detail.setdefault("destruction_days", 0)
        detail.setdefault("business_end", None)
        return detail

    @staticmethod
    def _exit_end(clock: dict[str, Any], end: date) -> date:
        business_end = clock["business_end"]
        return min(end, date.fromisoformat(business_end)) if business_end else end

    def _move_return(self, w: _Writer, end: date) -> None:
        """The end the clock counts from moved (amended, terminated, rescinded, a business end
        noticed): a return still pending moves with it, as Contract.exit_end does."""
        clock = self._exit(w)
        w.move(DeadlineKind.DATA_RETURN_OVERDUE,
               data_return_overdue_on(self._exit_end(clock, end), clock["return_days"]))

    def _ended(self, w: _Writer, ended: date, expired: bool) -> None:
        clock = self._exit(w)
        w.settle(deadline_id(DeadlineKind.EXPIRY, w.aggregate_id), "fired" if expired else "void")
        w.void_pending(DeadlineKind.END_NOTICE_OVERDUE)
        self._move_return(w, ended)
        days = clock["destruction_days"]
        basis, basis_ko = (agreed_destruction_basis(days) if clock["agreed"]
                           else STATUTORY_DESTRUCTION_BASIS)
        w.add(DeadlineKind.DATA_DISPOSITION_OVERDUE, "contract", "",
              data_disposition_overdue_on(self._exit_end(clock, ended), days),
              {"providers": clock["providers"], "destroyed": [], "basis": basis,
               "basis_ko": basis_ko})

    def _Contract_Expired(self, w: _Writer) -> None:
        self._ended(w, w.event.ended_on, expired=True)

    def _Contract_Terminated(self, w: _Writer) -> None:
        self._ended(w, w.event.effective, expired=False)

    def _Contract_Rescinded(self, w: _Writer) -> None:
        self._ended(w, _day(w.event), expired=False)

    def _Contract_BusinessEndNoticed(self, w: _Writer) -> None:
        """A provider of the contract ends its business (Decree art. 19(2)): the data-exit clock
        counts from that date if it comes first, and the contract gets its own return deadline
        before it (art. 19(4)), which the agency sees on its board now, so it can ask in time."""
        e = w.event
        key = deadline_id(DeadlineKind.EXPIRY, w.aggregate_id)
        clock = self._exit(w)
        earlier = clock["business_end"]
        business_end = (e.business_end if earlier is None
                        else min(e.business_end, date.fromisoformat(earlier)))
        clock = {**clock, "business_end": business_end.isoformat()}
        expiry = w.get(key)
        end = business_end
        if expiry is not None:
            w.update(key, detail=clock)
            end = min(end, expiry["fires_on"] - timedelta(days=1))  # the contract's own end
        due = data_return_overdue_on(end, clock["return_days"])
        w.move(DeadlineKind.DATA_RETURN_OVERDUE, due)
        basis, basis_ko = (agreed_return_basis(clock["return_days"]) if clock["agreed"]
                           else STATUTORY_RETURN_BASIS)
        w.add(DeadlineKind.DATA_RETURN_OVERDUE, "contract", "", due,
              {"providers": clock["providers"], "returned": [], "basis": basis,
               "basis_ko": basis_ko, "cessation_id": e.cessation_id})

    def _Contract_DataReturnRequested(self, w: _Writer) -> None:
        due = getattr(w.event, "due", None)
        if due is None:  # recorded before the clock, or asked too late to have one
            return
        clock = self._exit(w)
        days = clock["return_days"]
        basis, basis_ko = agreed_return_basis(days) if clock["agreed"] else STATUTORY_RETURN_BASIS
        w.add(DeadlineKind.DATA_RETURN_OVERDUE, "contract", "", due,
              {"providers": clock["providers"], "returned": [], "basis": basis,
               "basis_ko": basis_ko})

    def _Contract_DataReturned(self, w: _Writer) -> None:
        key = deadline_id(DeadlineKind.DATA_RETURN_OVERDUE, w.aggregate_id)
        row = w.get(key)
        if row is None:
            return
        returned = sorted({*row["detail"]["returned"], w.event.provider_id})
        detail = {**row["detail"], "returned": returned}
        w.update(key, detail=detail)
        if set(returned) >= set(detail["providers"]):
            w.settle(key, "met")

    def _Contract_DataReturnOverdue(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.DATA_RETURN_OVERDUE, w.aggregate_id), "fired")

    def _Contract_DataDestroyed(self, w: _Writer) -> None:
        key = deadline_id(DeadlineKind.DATA_DISPOSITION_OVERDUE, w.aggregate_id)
        row = w.get(key)
        if row is None:
            return
        destroyed = sorted({*row["detail"]["destroyed"], w.event.provider_id})
        detail = {**row["detail"], "destroyed": destroyed}
        w.update(key, detail=detail)
        if set(destroyed) >= set(detail["providers"]):
            w.settle(key, "met")

    def _Contract_DataDispositionOverdue(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.DATA_DISPOSITION_OVERDUE, w.aggregate_id), "fired")

    def _Contract_ImprovementRequested(self, w: _Writer) -> None:
        e = w.event
        w.add(DeadlineKind.IMPROVEMENT_OVERDUE, "contract", e.breach_ref,
              e.deadline + timedelta(days=1), {})

    def _Contract_ImprovementConfirmed(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.IMPROVEMENT_OVERDUE, w.aggregate_id,
                             w.event.breach_ref), "met")

    def _Contract_ImprovementOverdue(self, w: _Writer) -> None:
        w.settle(deadline_id(DeadlineKind.IMPROVEMENT_OVERDUE, w.aggregate_id,
                             w.event.breach_ref), "fired")

    def _Contract_Closed(self, w: _Writer) -> None:
        w.void_pending()

    # --- provider reports ------------------------------------------------------------------------
    def _SemiannualReport_SemiannualReportDue(self, w: _Writer) -> None:
        e = w.event
        w.add(DeadlineKind.SEMIANNUAL_REPORT, "provider", f"{e.year}H{e.half}", e.overdue_on,
              {"year": e.year, "half": e.half}, aggregate_id=e.provider_id)
        w.update(deadline_id(DeadlineKind.SEMIANNUAL_REPORT, e.provider_id, f"{e.year}H{e.half}"),
                 settled_by=w.aggregate_id)

    def _report_settled(self, w: _Writer, state: str) -> None:
        row = w.report_row()
        if row is None:
            return
        w.settle(row["deadline_id"], state)
        year, half = next_half(row["detail"]["year"], row["detail"]["half"])
        w.add(DeadlineKind.SEMIANNUAL_REPORT, "provider", f"{year}H{half}",
              report_overdue_on(year, half), {"year": year, "half": half},
              aggregate_id=row["aggregate_id"])

    def _SemiannualReport_SemiannualReportSubmitted(self, w: _Writer) -> None:
        self._report_settled(w, "met")

    def _SemiannualReport_SemiannualReportOverdue(self, w: _Writer) -> None:
        self._report_settled(w, "fired")


class _Added:
    """Deadlines added in this batch and not yet written: they go in with one statement at the end
    of the batch. A statement that changes stored rows changes the matching rows waiting here too,
    so each event sees what the events before it did as if every row had been written at once;
    only a read by another column than the key (``report_row``) writes them first. An added
    deadline that exists already is dropped when written (the first one stands), so adding costs
    no read."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.stored: dict[str, Row | None] = {}
        """Stored rows read ahead (None: not stored), dropped as statements change them."""

    def prefetch(self, conn: Connection, keys: Sequence[str]) -> None:
        if keys:
            self.stored = dict.fromkeys(keys)
            self.stored.update({row["deadline_id"]: dict(row) for row in conn.execute(
                select(deadlines).where(deadlines.c.deadline_id.in_(keys))).mappings()})

    def flush(self, conn: Connection) -> None:
        if self.rows:
            bulk_insert(conn, deadlines, list(self.rows.values()), skip_existing=True)
            for key, row in self.rows.items():
                if key in self.stored and self.stored[key] is None:
                    self.stored[key] = row
            self.rows.clear()

    def forget(self, *, key: str | None = None, aggregate_id: str | None = None) -> None:
        """Drop what was read ahead of rows a statement is about to change. A key read ahead as
        absent stays so: an update creates no row."""
        for known in [k for k, row in self.stored.items() if row is not None
                      and (k == key or row["aggregate_id"] == aggregate_id)]:
            del self.stored[known]

    def change(self, values: Row, *, key: str | None = None, aggregate_id: str | None = None,
               kind: str | None = None, unless_state: str | None = None,
               state: str | None = None) -> None:
        """What an ``UPDATE … WHERE`` with these conditions does to the rows waiting here."""
        rows = ([self.rows[key]] if key in self.rows else []) if key is not None else [
            row for row in self.rows.values() if row["aggregate_id"] == aggregate_id]
        for row in rows:
            if ((kind is None or row["kind"] == kind)
                    and (state is None or row["state"] == state)
                    and (unless_state is None or row["state"] != unless_state)):
                row.update(values)

    def absent(self, key: str) -> bool:
        """Known not to be stored: a statement on this key alone would change nothing stored."""
        return key in self.stored and self.stored[key] is None


class _Writer:
    """Writes one event's effect on the deadlines, in the projection's transaction."""

    def __init__(self, conn: Connection, event: Any, position: int, added: _Added) -> None:
        self.conn = conn
        self.event = event
        self.position = position
        self.aggregate_id = str(event.originator_id)
        self.added = added

    def get(self, key: str) -> Row | None:
        if key in self.added.stored:
            row: Any = self.added.stored[key]
        else:
            row = self.conn.execute(select(deadlines).where(deadlines.c.deadline_id == key)
                                    ).mappings().one_or_none()
        if row is not None:
            return dict(row)  # a stored row wins over one added again in this batch
        added = self.added.rows.get(key)
        return dict(added) if added is not None else None

    def add(self, kind: DeadlineKind, aggregate_type: str, subject: str, fires_on: date,
            detail: dict[str, Any], aggregate_id: str | None = None) -> None:
        owner = aggregate_id or self.aggregate_id
        key = deadline_id(kind, owner, subject)
        if key in self.added.rows:
            return
        self.added.rows[key] = dict(
            deadline_id=key, kind=kind.rule.kind, aggregate_type=aggregate_type,
            aggregate_id=owner, subject=subject, settled_by=None, fires_on=fires_on,
            counting=kind.rule.counting.value, state="pending", detail=detail, note=None,
            created_position=self.position, updated_position=self.position)

    def _keyed(self, key: str, values: Row, *where: Any, unless_state: str | None = None) -> None:
        values = {**values, "updated_position": self.position}
        self.added.change(values, key=key, unless_state=unless_state)
        if self.added.absent(key):
            return
        self.added.forget(key=key)
        self.conn.execute(update(deadlines).where(deadlines.c.deadline_id == key, *where)
                          .values(**values))

    def update(self, key: str, **values: Any) -> None:
        self._keyed(key, values)

    def void(self, key: str, note: str) -> None:
        """A pending deadline made void, with why."""
        values = {"state": "void", "note": note[:200], "updated_position": self.position}
        self.added.change(values, key=key, state="pending")
        if self.added.absent(key):
            return
        self.added.forget(key=key)
        self.conn.execute(update(deadlines).where(deadlines.c.deadline_id == key,
                                                  deadlines.c.state == "pending").values(**values))

    def settle(self, key: str, state: str) -> None:
        """Record what became of a deadline; a deadline already fired stays fired."""
        self._keyed(key, {"state": state}, deadlines.c.state != "fired", unless_state="fired")

    def _pending(self, kind: DeadlineKind | None, values: Row) -> None:
        """Change this aggregate's pending deadlines (of one kind, or all)."""
        values = {**values, "updated_position": self.position}
        kind_name = kind.rule.kind if kind is not None else None
        self.added.change(values, aggregate_id=self.aggregate_id, kind=kind_name, state="pending")
        self.added.forget(aggregate_id=self.aggregate_id)
        where = [deadlines.c.aggregate_id == self.aggregate_id, deadlines.c.state == "pending"]
        if kind_name is not None:
            where.append(deadlines.c.kind == kind_name)
        self.conn.execute(update(deadlines).where(*where).values(**values))

    def move(self, kind: DeadlineKind, fires_on: date) -> None:
        self._pending(kind, {"fires_on": fires_on})

    def void_pending(self, kind: DeadlineKind | None = None) -> None:
        self._pending(kind, {"state": "void"})

    def report_row(self) -> Row | None:
        # Read by ``settled_by``, not by key: what waits is written first.
        self.added.flush(self.conn)
        row = self.conn.execute(select(deadlines).where(
            deadlines.c.settled_by == self.aggregate_id)).mappings().one_or_none()
        return dict(row) if row is not None else None


# The aggregates with a handler above (``_<Aggregate>_<Event>``): the engine hands the view only
# their events.
DeadlineView.aggregates = frozenset(
    name.split("_")[1] for name in vars(DeadlineView) if name[:1] == "_" and name[1:2].isupper())
