"""How event attributes are stored: transcodings for dates, enums and msgspec structs on top of the
library's defaults (UUID, Decimal, datetime)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from typing import Any

import msgspec
from eventsourcing.persistence import JSONTranscoder, Transcoding

from domain import bounds


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def unordered_transcoding(collection: type[set[Any]] | type[frozenset[Any]]) -> Transcoding:
    """Aggregates keep sets (who returned data, which improvements were confirmed…); a snapshot of
    one stores them sorted, so its bytes do not depend on hash randomisation."""

    class UnorderedAsSortedList(Transcoding):
        type = collection
        name = collection.__name__

        def encode(self, obj: set[Any] | frozenset[Any]) -> list[Any]:
            return sorted(obj, key=repr)

        def decode(self, data: list[Any]) -> set[Any] | frozenset[Any]:
            return collection(data)

    return UnorderedAsSortedList()


def enum_transcoding(enum_type: type[enum.Enum]) -> Transcoding:
    class EnumAsValue(Transcoding):
        type = enum_type
        name = f"enum:{enum_type.__module__}.{enum_type.__qualname__}"

        def encode(self, obj: enum.Enum) -> Any:
            return obj.value

        def decode(self, data: Any) -> enum.Enum:
            return enum_type(data)

    return EnumAsValue()


def struct_transcoding(struct_type: type[msgspec.Struct]) -> Transcoding:
    class StructAsBuiltins(Transcoding):
        type = struct_type
        name = f"struct:{struct_type.__module__}.{struct_type.__qualname__}"

        def encode(self, obj: msgspec.Struct) -> Any:
            # Deterministic order makes sets (certifications, channels…) store the same way
            # every time, so an event's stored bytes do not depend on hash randomisation.
            return msgspec.to_builtins(obj, order="deterministic")

        def decode(self, data: Any) -> msgspec.Struct:
            # What the log holds was checked when it was recorded; a bound tightened since must
            # not make it unreadable (domain/bounds.py).
            with bounds.trusted():
                return msgspec.convert(data, struct_type)

    return StructAsBuiltins()


def register_value_types(
    transcoder: JSONTranscoder,
    enums: Iterable[type[enum.Enum]],
    structs: Iterable[type[msgspec.Struct]],
) -> None:
    transcoder.register(DateAsISO())
    transcoder.register(unordered_transcoding(set))
    transcoder.register(unordered_transcoding(frozenset))
    for enum_type in enums:
        transcoder.register(enum_transcoding(enum_type))
    for struct_type in structs:
        transcoder.register(struct_transcoding(struct_type))
