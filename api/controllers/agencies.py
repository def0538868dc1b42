"""The agency directory (수요기관): the operator registers agencies and changes their names, kind
and region; anyone reads the directory (it is what public pages print beside the ids)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody, Parameter
from sqlalchemy import select

from api.auth import ORGANISATION_ID, Principal
from api.commands import answered, await_min_position, command_context, expected_version, runtime_of
from api.schemas.agencies import (
    AgencyEntry,
    AgencyList,
    ChangeAgencyRequest,
    RegisterAgencyRequest,
)
from api.schemas.common import CommandResponse
from domain import rules
from domain.agency import AgencyKind, Region
from domain.rules import refuse
from projections.reads import single_statement_reads
from projections.tables import agencies

Req = Request[Principal, Any, Any]


def encode_cursor(agency_id: str) -> str:
    """Opaque to clients: the last agency id shown, so the next page starts after it whatever
    was registered meanwhile (no offset that shifts). Hex, so that every string the documented
    pattern admits is a cursor (a forged one only starts the page somewhere else)."""
    return agency_id.encode().hex()


def decode_cursor(cursor: str) -> str:
    """The agency id a cursor names; anything that is not one this list wrote is a 400 naming
    ``after`` (a NUL in it would otherwise reach PostgreSQL, which refuses NUL in text)."""
    try:
        agency_id = bytes.fromhex(cursor).decode("utf-8")
    except ValueError:
        agency_id = ""
    if not ORGANISATION_ID.fullmatch(agency_id):
        refuse(rules.REQUEST_MALFORMED, "after",
               problem="after must be the cursor of a previous page's next link")
    return agency_id


class AgencyController(Controller):
    path = "/agencies"
    tags = ["agency directory"]

    @get("/", sync_to_thread=True, summary="The agency directory, in agency id order (public)")
    def list_agencies(
        self,
        request: Req,
        kind: FromQuery[AgencyKind | None] = None,
        region: FromQuery[Region | None] = None,
        after: Annotated[str | None, Parameter(
            pattern=r"^([0-9a-f]{2}){1,64}$",
            description="The cursor of the previous page's next link")] = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
    ) -> AgencyList:
        await_min_position(request)
        table = agencies
        where = []
        if kind is not None:
            where.append(table.c.kind == kind.value)
        if region is not None:
            where.append(table.c.region == region.value)
        if after is not None:
            where.append(table.c.agency_id > decode_cursor(after))
        with single_statement_reads(runtime_of(request.app.state).db).connect() as conn:
            rows = [dict(row) for row in conn.execute(
                select(table).where(*where).order_by(table.c.agency_id).limit(limit + 1)
            ).mappings()]
        items = [AgencyEntry.from_row(row) for row in rows[:limit]]
        following = None
        if len(rows) > limit:
            query: dict[str, str | int] = {"after": encode_cursor(items[-1].agency_id),
                                           "limit": limit}
            if kind is not None:
                query["kind"] = kind.value
            if region is not None:
                query["region"] = region.value
            following = f"/agencies?{urlencode(query)}"
        return AgencyList(items=items, next=following)

    @get("/{agency_id:str}", sync_to_thread=True, summary="One agency of the directory (public)")
    def get_agency(self, request: Req, agency_id: FromPath[str]) -> AgencyEntry:
        await_min_position(request)
        with single_statement_reads(runtime_of(request.app.state).db).connect() as conn:
            row = conn.execute(select(agencies).where(agencies.c.agency_id == agency_id)
                               ).mappings().one_or_none()
        if row is None:
            refuse(rules.AGENCY_NOT_FOUND, agency_id=agency_id)
        return AgencyEntry.from_row(dict(row))

    @post("/", sync_to_thread=True, status_code=201,
          summary="Register an agency in the directory (AgencyRegistered)")
    def register_agency(self, request: Req, data: JSONBody[RegisterAgencyRequest],
                        ) -> Response[CommandResponse]:
        result = runtime_of(request.app.state).ledger.register_agency(
            command_context(request), agency_id=data.agency_id, code=data.code,
            name_ko=data.name_ko, name_en=data.name_en, kind=data.kind, region=data.region)
        return answered(result, request, status_code=201)

    @post("/{agency_id:str}/changes", sync_to_thread=True, status_code=200,
          summary="Change an agency's names, kind or region (AgencyChanged)")
    def change_agency(self, request: Req, agency_id: FromPath[str], data: JSONBody[ChangeAgencyRequest],
                      ) -> Response[CommandResponse]:
        ledger = runtime_of(request.app.state).ledger
        return answered(ledger.change_agency(
            command_context(request), agency_id, name_ko=data.name_ko, name_en=data.name_en,
            kind=data.kind, region=data.region, expected_version=expected_version(request)),
            request)
