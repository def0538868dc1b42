"""Open Contracting Data Standard 1.1 publication: anyone, no login. Only procurements with a
registered contract disclosure are published, and only their public part (dsledger/ocds.py)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import Parameter

from api.commands import await_min_position, runtime_of
from domain import rules
from domain.rules import refuse
from dsledger import ocds

Req = Request[Any, Any, Any]


class OcdsController(Controller):
    path = "/ocds"
    tags = ["open contracting (OCDS 1.1)"]

    @get("/releases", sync_to_thread=True,
         summary="A release package: every release of the published procurements, a page at a time")
    def releases(self, request: Req, limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
                 offset: Annotated[int, Parameter(ge=0, le=1_000_000)] = 0) -> dict[str, Any]:
        """``limit`` and ``offset`` count procurements (ocids), so a page never splits one."""
        await_min_position(request)
        return ocds.release_package(runtime_of(request.app.state), str(request.url), limit, offset)

    @get("/records/{ocid:str}", sync_to_thread=True,
         summary="A record package: one procurement's releases and its compiled release")
    def record(self, request: Req,
               ocid: Annotated[str, Parameter(max_length=200)]) -> dict[str, Any]:
        await_min_position(request)
        package = ocds.record_package(runtime_of(request.app.state), str(request.url), ocid)
        if package is None:
            refuse(rules.OCDS_RECORD_NOT_FOUND, "ocid", ocid=ocid)
        return package
