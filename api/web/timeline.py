"""A contract's timeline for auditors (and the agency that owns the contract, as the history API
allows): every event as the log holds it, who did it and when, and whether the log is intact.

Integrity is the same whole-log check as ``GET /audit/verification`` (and ``dsledger verify``): a
page that said "verified" on less would mislead. The contract's own events are also matched to
their leaves under the latest signed tree head.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy import select

from api.commands import runtime_of
from api.controllers.audit import verify_log
from api.controllers.history import load_history, require_history_role, require_reader
from api.web.rendering import SignedIn, render
from api.web.session import sign_in_redirect
from domain import rules
from domain.contract import Contract
from domain.rules import refuse
from projections.tables import merkle_leaves


class TimelinePages(Controller):
    path = "/contracts"

    @get("/{contract_id:uuid}/timeline", sync_to_thread=True)
    def timeline(self, request: Request[Any, Any, Any], principal: SignedIn,
                 contract_id: FromPath[UUID]) -> Template | Redirect:
        if principal is None:
            return sign_in_redirect(request)
        require_history_role(principal)
        runtime = runtime_of(request.app.state)
        history, contract = load_history(runtime, contract_id)
        if not isinstance(contract, Contract):
            refuse(rules.HISTORY_NOT_FOUND, "contract_id", aggregate_id=str(contract_id))
        require_reader(principal, contract)
        report = verify_log(runtime)
        head = runtime.tree_heads.latest()
        with runtime.db.connect() as conn:
            leaves = [int(index) for index in conn.execute(
                select(merkle_leaves.c.leaf_index)
                .where(merkle_leaves.c.originator_id == str(contract_id))).scalars()]
        covered = sum(1 for index in leaves if head is not None and index < head.tree_size)
        return render(request, principal, "timeline.html", contract_id=str(contract_id),
                      agency_id=contract.agency_id,
                      events=[history.entry(event) for event in history.events],
                      report=report, head=head, covered=covered)
