"""A contract's timeline for auditors (and the agency that owns the contract, as the history API
allows): every event as the log holds it, who did it and when, and whether the log is intact.

Every load checks the contract's own events: each is hashed again, matched to its Merkle leaf and
proven included in the latest signed tree head (``dsledger.integrity``), which costs in proportion
to the contract, not to the log. The whole-log check of ``GET /audit/verification`` re-reads every
event in the ledger (about 30 s per million), so the page runs it only when asked (``?verify=log``).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.auth import require_role
from api.commands import runtime_of
from api.controllers.audit import verify_log
from api.controllers.history import load_history, require_history_role, require_reader
from api.web.rendering import SignedIn, render
from api.web.session import sign_in_redirect
from domain import rules
from domain.actor import Role
from domain.contract import Contract
from domain.rules import refuse
from dsledger.integrity import check_aggregate
from projections.agencies import names_of


class TimelinePages(Controller):
    path = "/contracts"

    @get("/{contract_id:uuid}/timeline", sync_to_thread=True)
    def timeline(self, request: Request[Any, Any, Any], principal: SignedIn,
                 contract_id: FromPath[UUID],
                 verify: Annotated[str | None, QueryParameter(required=False,
                                                              pattern="^log$")] = None,
                 ) -> Template | Redirect:
        if principal is None:
            return sign_in_redirect(request)
        require_history_role(principal)
        runtime = runtime_of(request.app.state)
        history, contract = load_history(runtime, contract_id)
        if not isinstance(contract, Contract):
            refuse(rules.HISTORY_NOT_FOUND, "contract_id", aggregate_id=str(contract_id))
        require_reader(principal, contract)
        if verify:
            # The whole-log check is the auditors' (as GET /audit/verification): it reads it all.
            require_role(principal, Role.AUDITOR)
        events = [history.entry(event) for event in history.events]
        with runtime.db.connect() as conn:
            agency_names = names_of(conn, [contract.agency_id,
                                           *(e.actor.agency_id for e in events)])
        return render(request, principal, "timeline.html", contract_id=str(contract_id),
                      agency_id=contract.agency_id, agency_names=agency_names,
                      agency_name=agency_names[contract.agency_id], events=events,
                      integrity=check_aggregate(runtime, contract_id),
                      report=verify_log(runtime) if verify else None)
