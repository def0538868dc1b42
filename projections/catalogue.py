"""The catalogue view: one row per digital service, with the annex's filters as indexed columns and
a normalised text for keyword search (Korean included), kept current from DigitalService events."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, ClassVar

import msgspec
from sqlalchemy import Connection, bindparam, select, update

from domain import bounds
from domain.service import DigitalService, service_status
from domain.text import normalise, squeeze
from domain.values import (
    Certification,
    CertificationKind,
    DocumentKind,
    ServiceProfile,
    SupportChannel,
    SupportKind,
)
from projections.engine import View, bulk_insert
from projections.tables import (
    catalogue_search,
    catalogue_services,
    certification_column,
    channel_column,
    document_column,
    support_kind_column,
)

Row = dict[str, Any]
Handler = Callable[["CatalogueView", Any, int, str], None]
"""Applies one event (with its position and its service's key) to the batch's rows."""

# Each flag's column name, once: an enum's iteration and its value's lookups cost more than the
# rest of a row.
_DOCUMENTS = [(kind, document_column(kind)) for kind in DocumentKind]
_CHANNELS = [(channel, channel_column(channel)) for channel in SupportChannel]
_SUPPORT_KINDS = [(kind, support_kind_column(kind)) for kind in SupportKind]
_CERTIFICATIONS = [(kind, certification_column(kind)) for kind in CertificationKind]


def profile_columns(profile: ServiceProfile) -> Row:
    """The columns that follow from a profile: attributes, filter flags and the search text."""
    columns: Row = {
        "name": profile.name,
        "provider_id": profile.provider_id,
        "provider_name": profile.provider_name,
        "service_type": profile.service_type.value,
        "company_size": profile.company_size.value,
        "provider_type": profile.provider_type.value,
        "original_provider_name": (
            profile.partnership.original_provider_name if profile.partnership else None
        ),
        "search_text": search_text(profile),
        "profile": msgspec.to_builtins(profile, order="deterministic"),
    }
    documents, channels, kinds = profile.documents, profile.support_channels, profile.support_kinds
    for document, column in _DOCUMENTS:
        columns[column] = document in documents
    for channel, column in _CHANNELS:
        columns[column] = channel in channels
    for kind, column in _SUPPORT_KINDS:
        columns[column] = kind in kinds
    return columns


def search_text(profile: ServiceProfile) -> str:
    """Name, description, features and keywords, normalised; the space-free form is kept too so a
    term typed without spaces ('클라우드메일') finds text written with them ('클라우드 메일')."""
    parts = [profile.name, profile.description, *profile.features, *profile.keywords]
    normalised = "\n".join(normalise(part) for part in parts)
    squeezed = "\n".join(squeeze(part) for part in parts)
    return f"{normalised}\n{squeezed}"


def certification_columns(certifications: list[Certification]) -> Row:
    held = {certification.kind for certification in certifications}
    columns: Row = {column: kind in held for kind, column in _CERTIFICATIONS}
    columns["certifications"] = [
        msgspec.to_builtins(certification) for certification in
        sorted(certifications, key=lambda c: (c.kind.value, c.number))
    ]
    return columns


def status_columns(row: Row) -> Row:
    status = service_status(registered=row["registered"], suspended=row["suspended"],
                            cancelled=row["cancelled"], expired=row["expired"],
                            ceased=row["ceased"])
    return {"status": status.value, "searchable": status.value == "registered"}


class CatalogueView(View):
    name: ClassVar[str] = "catalogue"
    weight: ClassVar[int] = 3
    tables = (catalogue_services, catalogue_search)
    aggregates = frozenset({DigitalService.__name__})

    _batch: _Batch | None = None

    def apply(self, conn: Connection, event: Any, position: int) -> None:
        self.apply_batch(conn, [(position, event)])

    def apply_batch(self, conn: Connection, items: Sequence[tuple[int, Any]]) -> None:
        # A service's events come in runs (selected, registered, certified, listed…): read each
        # row once, change it in memory, and write it once per batch, not once per event.
        ours = [(handler, event, position, str(event.originator_id))
                for position, event in items if (handler := _handler(type(event).__qualname__)) is not None]
        if not ours:
            return
        batch = _Batch()
        ids = {key for *_, key in ours}
        table = catalogue_services
        for row in conn.execute(_ROWS, {"ids": sorted(ids)}).mappings():
            batch.rows[row["service_id"]] = dict(row)
        self._batch = batch
        try:
            for handler, event, position, key in ours:
                handler(self, event, position, key)
        finally:
            self._batch = None
        # The status follows from the row's flags as they end the batch: taken once per row
        # written, not once per event.
        for key in batch.dirty:
            batch.rows[key].update(status_columns(batch.rows[key]))
        changed = sorted(batch.dirty - set(batch.new))
        # The search table is the narrow copy the annex search filters, counts and sorts: the
        # same rows without the profile's JSON, so a search reads a fraction of the bytes.
        for target, columns in ((table, _full_row), (catalogue_search, search_row)):
            bulk_insert(conn, target, [columns(batch.rows[key]) for key in batch.new])
            if changed:
                conn.execute(_UPDATES[target.name],
                             [{**columns(batch.rows[key]), "_key": key} for key in changed])

    def _selected(self, event: Any, position: int, key: str) -> None:
        assert self._batch is not None
        row: Row = {
            "service_id": key,
            "notice_number": event.notice_number,
            "registered": False,
            "suspended": False,
            "cancelled": False,
            "expired": False,
            "ceased": False,
            "cessation": None,
            "mall_contract_number": None,
            "mall_listed": False,
            "innovation_product": False,
            "innovation": None,
            "selection_date": event.selection_date,
            "valid_until": event.valid_until,
            "registered_at": None,
            **profile_columns(event.profile),
            **certification_columns([]),
        }
        row.update(status_columns(row))
        row.update(updated_at=event.timestamp, version=event.originator_version, position=position)
        self._batch.rows[key] = row
        self._batch.new[key] = None

    def _change(self, event: Any, position: int, key: str, changes: Callable[[Row], Row]) -> None:
        assert self._batch is not None
        row = self._batch.rows[key]
        row.update(changes(row))
        row["updated_at"], row["version"], row["position"] = (
            event.timestamp, event.originator_version, position)
        self._batch.dirty.add(key)

    def _registered(self, event: Any, position: int, key: str) -> None:
        self._change(event, position, key,
                     lambda row: {"registered": True, "registered_at": event.timestamp})

    def _info_changed(self, event: Any, position: int, key: str) -> None:
        def changed(row: Row) -> Row:
            builtins = dict(row["profile"])
            builtins.update({change.field: change.after for change in event.changes})
            with bounds.trusted():  # recorded, so checked when it was; never refused here
                return profile_columns(msgspec.convert(builtins, ServiceProfile))

        self._change(event, position, key, changed)

    def _mall_listed(self, event: Any, position: int, key: str) -> None:
        self._change(event, position, key, lambda row: {
            "mall_listed": True, "mall_contract_number": event.contract_number})

    def _mall_delisted(self, event: Any, position: int, key: str) -> None:
        self._change(event, position, key, lambda row: {
            "mall_listed": False, "mall_contract_number": None})

    def _innovation(self, event: Any, position: int, key: str) -> None:
        self._change(event, position, key, lambda row: {
            "innovation_product": True,
            "innovation": msgspec.to_builtins(event.designation)})

    def _certification_added(self, event: Any, position: int, key: str) -> None:
        def added(row: Row) -> Row:
            held = _certifications(row)
            return certification_columns([*held, event.certification])

        self._change(event, position, key, added)

    def _certification_removed(self, event: Any, position: int, key: str) -> None:
        def removed(row: Row) -> Row:
            held = [c for c in _certifications(row)
                    if (c.kind, c.number) != (event.kind, event.number)]
            return certification_columns(held)

        self._change(event, position, key, removed)

    def _cessation_noticed(self, event: Any, position: int, key: str) -> None:
        self._change(event, position, key, lambda row: {
            "cessation": msgspec.to_builtins(event.cessation, order="deterministic")})

    _handlers: ClassVar[dict[str, Handler]]


_SEARCH_COLUMNS = tuple(column.name for column in catalogue_search.columns)
# Built once: a live worker runs them for every service event it applies.
_ROWS = select(catalogue_services).where(
    catalogue_services.c.service_id.in_(bindparam("ids", expanding=True)))
_UPDATES = {table.name: update(table).where(table.c.service_id == bindparam("_key"))
            for table in (catalogue_services, catalogue_search)}


def search_row(row: Row) -> Row:
    """A catalogue row's part in the search table."""
    return {name: row[name] for name in _SEARCH_COLUMNS}


def _full_row(row: Row) -> Row:
    return row


def _certifications(row: Row) -> list[Certification]:
    return msgspec.convert(row["certifications"], list[Certification])


@cache
def _handler(qualname: str) -> Handler | None:
    """What changes the catalogue on an event of this class (None: nothing), found once per class
    rather than once per event."""
    if qualname.split(".")[0] != DigitalService.__name__:
        return None
    return CatalogueView._handlers.get(qualname.rpartition(".")[2])


class _Batch:
    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.new: dict[str, None] = {}  # insertion order: rows are inserted as they were selected
        self.dirty: set[str] = set()


def _flag_handler(name: str, value: bool) -> Handler:
    def handler(view: CatalogueView, event: Any, position: int, key: str) -> None:
        view._change(event, position, key, lambda row: {name: value})

    return handler


CatalogueView._handlers = {  # keyed by the event's name on DigitalService
    "Selected": CatalogueView._selected,
    "Registered": CatalogueView._registered,
    "InfoChanged": CatalogueView._info_changed,
    "MallListed": CatalogueView._mall_listed,
    "MallDelisted": CatalogueView._mall_delisted,
    "InnovationProductDesignated": CatalogueView._innovation,
    "CertificationAdded": CatalogueView._certification_added,
    "CertificationExpired": CatalogueView._certification_removed,
    "CertificationRevoked": CatalogueView._certification_removed,
    "Suspended": _flag_handler("suspended", True),
    "Reinstated": _flag_handler("suspended", False),
    "SelectionCancelled": _flag_handler("cancelled", True),
    "ValidityExpired": _flag_handler("expired", True),
    # The notice stays on the entry until (and after) the end date; on that date the scheduler's
    # BusinessEnded takes the service out of search (status "ceased").
    "BusinessCessationNoticed": CatalogueView._cessation_noticed,
    "BusinessEnded": _flag_handler("ceased", True),
}
