"""The obligations board: the deadlines view's rows that fall to the signed-in agency or provider.

The deadlines view keys each row by the aggregate it belongs to, not by its owner, so ownership is
read from the other views: an agency owns its procurements and contracts; a provider owns its
services (and their inspections), its semiannual reports, the quotes it gave and its part of the
contracts it is party to (not the agency's disclosure duties, nor another provider's end notice).
Operators and auditors oversee everyone, so they see every row, or one organisation's.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, true

from api.auth import Principal
from api.commands import runtime_of
from api.web.disclosures import drop_blank_parameters
from api.web.rendering import SignedIn, paging, render
from api.web.session import sign_in_redirect
from domain import rules
from domain.actor import Role
from domain.deadlines import DeadlineKind
from domain.rules import refuse
from projections.agencies import names_of
from projections.tables import (
    catalogue_services,
    contract_services,
    contracts,
    deadlines,
    inspections,
    procurements,
)

PAGE_SIZE = 50
STATES = ("pending", "met", "fired", "void")
_AGENCY_DUTIES = (DeadlineKind.DISCLOSURE_REMINDER.value.kind,
                  DeadlineKind.DISCLOSURE_OVERDUE.value.kind)
_OWNER_KO = {"agency": "수요기관", "provider": "제공자"}
_BASIS = {kind.value.kind: (kind.value.basis, kind.value.basis_ko) for kind in DeadlineKind}
# ``state`` is a name Litestar keeps for the application's state, so the argument is renamed.
StateParam = Annotated[str, QueryParameter(name="state",
                                           pattern="^(all|pending|met|fired|void)$")]
Organisation = Annotated[str | None, QueryParameter(required=False, max_length=64)]


def _own_basis(row: Any) -> tuple[str, str] | None:
    detail = row["detail"] or {}
    if "basis" in detail:
        return str(detail["basis"]), str(detail.get("basis_ko", detail["basis"]))
    return None


def agency_owns(agency_id: str) -> ColumnElement[bool]:
    d = deadlines
    return or_(
        and_(d.c.aggregate_type == "contract", d.c.aggregate_id.in_(
            select(contracts.c.contract_id).where(contracts.c.agency_id == agency_id))),
        and_(d.c.aggregate_type == "procurement", d.c.aggregate_id.in_(
            select(procurements.c.procurement_id).where(procurements.c.agency_id == agency_id))),
    )


def provider_owns(provider_id: str) -> ColumnElement[bool]:
    d = deadlines
    services = select(catalogue_services.c.service_id).where(
        catalogue_services.c.provider_id == provider_id)
    return or_(
        and_(d.c.aggregate_type == "service", d.c.aggregate_id.in_(services)),
        and_(d.c.aggregate_type == "provider", d.c.aggregate_id == provider_id),
        and_(d.c.aggregate_type == "inspection", d.c.aggregate_id.in_(
            select(inspections.c.inspection_id).where(inspections.c.service_id.in_(services)))),
        and_(d.c.aggregate_type == "procurement", d.c.subject.in_(services)),
        and_(d.c.aggregate_type == "contract",
             d.c.aggregate_id.in_(select(contract_services.c.contract_id).where(
                 contract_services.c.provider_id == provider_id)),
             d.c.kind.not_in(_AGENCY_DUTIES),
             or_(d.c.kind != DeadlineKind.END_NOTICE_OVERDUE.value.kind,
                 d.c.subject == provider_id)),
    )


def board_scope(principal: Principal, agency_id: str | None,
                provider_id: str | None) -> tuple[ColumnElement[bool], str | None]:
    """Which rows the principal may see (narrowed to one organisation when asked), and whose
    board it is (None: everyone's). Asking for another organisation's board is refused."""
    asked = {"agency": agency_id, "provider": provider_id}
    if principal.role in (Role.OPERATOR, Role.AUDITOR):
        if agency_id:
            return agency_owns(agency_id), agency_id
        if provider_id:
            return provider_owns(provider_id), provider_id
        return true(), None
    kind, own, owns = (("agency", principal.agency_id, agency_owns) if principal.role is Role.AGENCY
                       else ("provider", principal.provider_id, provider_owns))
    assert own is not None, "a token of an agency or provider names it"
    if any(value and (name != kind or value != own) for name, value in asked.items()):
        refuse(rules.AUTH_NOT_OWNER, kind="obligations board", kind_ko="의무 현황판",
               owner_kind=kind, owner_kind_ko=_OWNER_KO[kind])
    return owns(own), own


def obligations(conn: Connection, scope: ColumnElement[bool], state: str, offset: int,
                ) -> tuple[int, list[dict[str, Any]]]:
    """The board's rows, soonest first, and how many there are."""
    where = [scope] if state == "all" else [scope, deadlines.c.state == state]
    total = conn.execute(select(func.count()).select_from(deadlines).where(*where)).scalar_one()
    # A deadline that names its own source (a data-exit day agreed in the contract or the
    # Decree's default) shows that one rather than its kind's general basis.
    rows = [{**row, "basis": _own_basis(row) or _BASIS.get(row["kind"], ("", ""))}
            for row in conn.execute(
        select(deadlines).where(*where).order_by(deadlines.c.fires_on, deadlines.c.deadline_id)
        .limit(PAGE_SIZE).offset(offset)).mappings()]
    return int(total), rows


def names_beside_ids(conn: Connection, rows: list[dict[str, Any]],
                     owner: str | None) -> dict[str, str]:
    """What people call the ids the board shows: a service (the row's own or its subject) by its
    catalogue name, an inspection by its service's, a procurement by its title and its agency's
    name, a contract by its agency's name, the board's owner by its directory name. An id the
    views do not know is left out (the page shows the id alone)."""
    ids = {kind: {r["aggregate_id"] for r in rows if r["aggregate_type"] == kind}
           for kind in ("service", "inspection", "procurement", "contract")}
    subjects = {r["subject"] for r in rows if r["subject"]}
    names: dict[str, str] = {}
    service_ids = ids["service"] | subjects
    inspection_services = dict(conn.execute(
        select(inspections.c.inspection_id, inspections.c.service_id)
        .where(inspections.c.inspection_id.in_(ids["inspection"]))).all()
    ) if ids["inspection"] else {}
    service_ids |= set(inspection_services.values())
    if service_ids:
        names.update(conn.execute(select(catalogue_services.c.service_id,
                                         catalogue_services.c.name)
                                  .where(catalogue_services.c.service_id.in_(service_ids)))
                     .all())
    names.update({inspection: names[service]
                  for inspection, service in inspection_services.items() if service in names})
    agency_of: dict[str, str] = {}
    titles: dict[str, str] = {}
    if ids["procurement"]:
        for procurement_id, agency_id, title in conn.execute(
                select(procurements.c.procurement_id, procurements.c.agency_id,
                       procurements.c.title)
                .where(procurements.c.procurement_id.in_(ids["procurement"]))):
            agency_of[procurement_id], titles[procurement_id] = agency_id, title
    if ids["contract"]:
        agency_of.update(conn.execute(
            select(contracts.c.contract_id, contracts.c.agency_id)
            .where(contracts.c.contract_id.in_(ids["contract"]))).all())
    agencies = names_of(conn, [*agency_of.values(), owner])
    for aggregate_id, agency_id in agency_of.items():
        title = titles.get(aggregate_id)
        names[aggregate_id] = (f"{title} · {agencies[agency_id]}" if title
                               else agencies[agency_id])
    if owner and agencies[owner] != owner:
        names[owner] = agencies[owner]
    return names


class ObligationPages(Controller):
    path = "/obligations"

    @get("/", sync_to_thread=True, before_request=drop_blank_parameters)
    def board(self, request: Request[Any, Any, Any], principal: SignedIn,
              board_state: StateParam = "pending", agency_id: Organisation = None,
              provider_id: Organisation = None,
              offset: Annotated[int, QueryParameter(ge=0, le=1_000_000)] = 0,
              ) -> Template | Redirect:
        if principal is None:
            return sign_in_redirect(request)
        scope, owner = board_scope(principal, agency_id, provider_id)
        runtime = runtime_of(request.app.state)
        with runtime.db.connect() as conn:
            total, rows = obligations(conn, scope, board_state, offset)
            names = names_beside_ids(conn, rows, owner)
        # The board is the deadlines view: if it is stopped at an event it cannot apply, what it
        # shows is the state before that event, and whoever reads it must be told.
        stopped = next((failure for failure in runtime.projector.failures()
                        if failure.view == "deadlines"), None)
        return render(
            request, principal, "obligations.html", owner=owner, state=board_state, names=names,
            stopped=stopped,
            states=("all", *STATES), rows=rows, total=total,
            overseer=principal.role in (Role.OPERATOR, Role.AUDITOR),
            agency_id=agency_id, provider_id=provider_id,
            **paging(request, offset=offset, shown=len(rows), size=PAGE_SIZE, total=total),
        )
