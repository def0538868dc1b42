"""Public contract disclosures (⑦): a contract becomes public once its information is registered,
and its public figures change only when an amendment is registered too. Quotes, evaluations and
communications never reach this view."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import Connection, delete, insert, select, update

from domain.actor import KOREA
from domain.contract import Contract
from projections.engine import View
from projections.procurements import event_data
from projections.tables import disclosure_services, disclosure_statistics, disclosures

RESCINDED = "rescinded"
"""The status of a rescinded contract: shown in the register, counted in no total."""
_ENDED = {"Rescinded": RESCINDED, "Terminated": "terminated", "Expired": "expired",
          "Closed": "closed"}
_CHANGES = frozenset({"DisclosureRegistered", "Amended", "DisclosureAmended", *_ENDED})
"""The events after Concluded that change a disclosure row; the view ignores the others."""


class DisclosureView(View):
    name: ClassVar[str] = "disclosures"
    tables = (disclosures, disclosure_services, disclosure_statistics)
    aggregates = frozenset({Contract.__name__})

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        if type(event).__qualname__.split(".")[0] != Contract.__name__:
            return
        name = type(event).__name__
        key = str(event.originator_id)
        table = disclosures
        day = event.timestamp.astimezone(KOREA).date()
        if name == "Concluded":
            data = event_data(event)
            terms = data["terms"]
            services = [{"service_id": s["service_id"], "name": s["name"],
                         "provider_name": s["provider_name"], "service_type": s["service_type"]}
                        for s in data["services"]]
            conn.execute(insert(table).values(
                contract_id=key, agency_id=event.agency_id, services=services,
                provider_names=sorted({s["provider_name"] for s in services}),
                service_types=sorted({s["service_type"] for s in services}),
                method=event.method.value, kind=terms["kind"], start=event.terms.start,
                end=event.terms.end, pricing_model=terms["pricing_model"],
                amount_krw=Decimal(terms["total_amount_krw"]), status="active", public=False,
                registered_on=None, amended_on=None, amendments=0, latest_terms=terms,
                position=position))
            for service in services:
                conn.execute(insert(disclosure_services).values(
                    contract_id=key, service_id=service["service_id"],
                    service_type=service["service_type"]))
            return
        if name not in _CHANGES:
            # Most of a contract's events (SLA reports, breaches, …) change nothing here: they
            # are not worth the row's read, a round trip on every live batch.
            return
        row = conn.execute(select(table).where(table.c.contract_id == key)).mappings().one()
        values: dict[str, Any] = {"position": position}
        if name == "DisclosureRegistered":
            values.update(public=True, registered_on=day)
        elif name == "Amended":
            amendment = event_data(event)["amendment"]
            terms = dict(row["latest_terms"])
            terms["end"] = amendment["new_end"] or terms["end"]
            if amendment["new_total_amount_krw"] is not None:  # None, not 0, is no change
                terms["total_amount_krw"] = amendment["new_total_amount_krw"]
            values.update(latest_terms=terms)
        elif name == "DisclosureAmended":
            terms = row["latest_terms"]
            values.update(end=date.fromisoformat(terms["end"]),
                          amount_krw=Decimal(terms["total_amount_krw"]), amended_on=day,
                          amendments=row["amendments"] + 1)
        elif name in _ENDED:
            # A rescinded contract (해제) counts as never made: closing it after its data was
            # disposed of must not make it look like a contract that ran and ended.
            if row["status"] != RESCINDED:
                values.update(status=_ENDED[name])
        else:
            return
        conn.execute(update(table).where(table.c.contract_id == key).values(**values))
        count_change(conn, dict(row), {**row, **values})


def counted(row: Any) -> bool:
    """Whether a contract is in the statistics: public, and not rescinded (never made)."""
    return bool(row["public"]) and row["status"] != RESCINDED


def contributions(row: Any) -> list[tuple[str, str]]:
    """The (dimension, key) buckets a counted contract adds to, each once."""
    services = ",".join(sorted({s["service_id"] for s in row["services"]}))
    return [("total", ""), ("method", row["method"]), ("agency", row["agency_id"]),
            ("month", row["registered_on"].strftime("%Y-%m")), ("services", services),
            *(("service_type", kind) for kind in sorted(set(row["service_types"])))]


def count_change(conn: Connection, before: Any, after: Any) -> None:
    """Move the statistics from ``before`` to ``after`` (a contract's row): take out what it
    counted for, put in what it counts for now — in the event's transaction."""
    same = (counted(before) == counted(after) and before["amount_krw"] == after["amount_krw"]
            and before["registered_on"] == after["registered_on"])
    if same:
        return
    changes: dict[tuple[str, str], tuple[int, Decimal]] = {}
    for row, sign in ((before, -1), (after, 1)):
        if counted(row):
            for bucket in contributions(row):
                n, amount = changes.get(bucket, (0, Decimal(0)))
                changes[bucket] = (n + sign, amount + sign * Decimal(row["amount_krw"]))
    t = disclosure_statistics
    for (dimension, key), (n, amount) in changes.items():
        if n == 0 and amount == 0:
            continue
        where = (t.c.dimension == dimension) & (t.c.key == key)
        found = conn.execute(select(t.c.contracts, t.c.amount_krw).where(where)).one_or_none()
        if found is None:
            conn.execute(insert(t).values(dimension=dimension, key=key, contracts=n,
                                          amount_krw=amount))
        elif found.contracts + n == 0:
            conn.execute(delete(t).where(where))
        else:
            conn.execute(update(t).where(where).values(
                contracts=found.contracts + n, amount_krw=Decimal(found.amount_krw) + amount))
