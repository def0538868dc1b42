"""The agency directory as everyone reads it: one row per registered agency, its code, names,
kind and region as last changed. Pages, the disclosure register, the obligations board and the
OCDS publication look names up here (``names_of``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from sqlalchemy import Connection, insert, select, update

from domain.agency import Agency
from projections.engine import View
from projections.tables import agencies


class AgencyView(View):
    name: ClassVar[str] = "agencies"
    tables = (agencies,)
    aggregates = frozenset({Agency.__name__})

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        if type(event).__qualname__.split(".")[0] != Agency.__name__:
            return
        name = type(event).__name__
        if name == "AgencyRegistered":
            conn.execute(insert(agencies).values(
                agency_id=event.agency_id, aggregate_id=str(event.originator_id),
                code=event.code, name_ko=event.name_ko, name_en=event.name_en,
                kind=event.kind.value, region=event.region.value,
                registered_at=event.timestamp, updated_at=event.timestamp,
                version=event.originator_version, position=position))
        elif name == "AgencyChanged":
            conn.execute(update(agencies).where(
                agencies.c.aggregate_id == str(event.originator_id)).values(
                name_ko=event.name_ko, name_en=event.name_en, kind=event.kind.value,
                region=event.region.value, updated_at=event.timestamp,
                version=event.originator_version, position=position))


class AgencyName(dict[str, str]):
    """An agency id → Korean name map that answers the id itself for an unknown agency, so a
    page renders before the directory has the agency (or for one never registered)."""

    def __missing__(self, key: str) -> str:
        return key


def names_of(conn: Connection, agency_ids: Iterable[str | None]) -> AgencyName:
    """The Korean names of the given agencies, for rows being rendered (one query)."""
    wanted = sorted({agency_id for agency_id in agency_ids if agency_id})
    names = AgencyName()
    if wanted:
        rows = conn.execute(select(agencies.c.agency_id, agencies.c.name_ko)
                            .where(agencies.c.agency_id.in_(wanted)))
        names.update({row.agency_id: row.name_ko for row in rows})
    return names
