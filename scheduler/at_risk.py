"""The at-risk policy's second look.

A service's suspension, cancellation or its provider's business cessation marks, in its own
transaction, every active contract on it that the contracts view knows of
(``Ledger._change_service_and_contracts``, ``Ledger.notice_business_cessation``). A contract the view did
not know of yet — concluded a moment before, or while the projection was behind — would be missed
for good. Each tick the leading scheduler brings the views up to the log, finds active contracts on
suspended, cancelled or ceasing services whose record lacks a cause the service's state stands for, and has
the ledger record it (``Ledger.missed_risks``) under the same cause id the policy gives it, so the
two paths never record one cause twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from uuid import UUID

from sqlalchemy import or_, select

from domain.actor import Actor, CommandContext, Role
from domain.ledger import cessation_cause
from dsledger.runtime import Runtime
from projections.tables import catalogue_services, contract_services, contracts

POLICY = Actor(principal_id="dsledger-at-risk-policy", role=Role.SYSTEM)


def reconcile(runtime: Runtime, now: datetime | None = None) -> list[str]:
    """Record the risks the policy missed; the ids of the contracts that got one."""
    runtime.projector.catch_up()
    query = (select(contract_services.c.contract_id, contract_services.c.service_id,
                    contracts.c.record, catalogue_services.c.cessation)
             .join(contracts, contracts.c.contract_id == contract_services.c.contract_id)
             .join(catalogue_services,
                   catalogue_services.c.service_id == contract_services.c.service_id)
             .where(contract_services.c.active.is_(True), contracts.c.status == "active",
                    or_(catalogue_services.c.suspended.is_(True),
                        catalogue_services.c.cancelled.is_(True),
                        catalogue_services.c.cessation.is_not(None))))
    recorded: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    cessations: dict[str, str] = {}
    with runtime.db.connect() as conn:
        for contract_id, service_id, record, cessation in conn.execute(query):
            causes = {risk["cause"] for risk in record.get("risks", [])}
            recorded[service_id].append((contract_id, causes))
            if cessation is not None:
                cessations[service_id] = cessation["cessation_id"]
    marked: list[str] = []
    for service_id, on_service in recorded.items():
        standing = {cause for cause, _ in runtime.ledger.standing_risks(UUID(service_id))}
        if service_id in cessations:
            standing.add(cessation_cause(UUID(service_id), cessations[service_id]))
        for contract_id, causes in on_service:
            if standing <= causes:
                continue
            context = CommandContext(actor=POLICY, at=now or runtime.now(),
                                     correlation_id=f"at-risk:{uuid.uuid4().hex[:12]}")
            if runtime.ledger.missed_risks(context, UUID(contract_id),
                                           UUID(service_id)) is not None:
                marked.append(contract_id)
    if marked:
        runtime.projector.catch_up()
    return marked
