"""The bounds every value the ledger records must stay within, checked where the values are made.

The domain's value types call these checks in ``__post_init__``, which msgspec runs on direct
construction, on ``msgspec.convert`` and on decoding, so no path (HTTP, CLI, demo, Python) records
a NaN availability, a negative response time or an amount no column can hold. The limits are also
what the read models are sized for (projections/tables.py, migration 0013): a value the domain
accepts is a value every view can store and give back unchanged.

Events already in the log are read back without these checks (see :func:`trusted`): the log is
immutable, and a bound tightened later must never make a recorded history unreadable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

import msgspec

from domain import rules
from domain.rules import refuse

MAX_KRW = Decimal(10) ** 15
"""1,000조 원: far above any public contract (the largest national IT projects are a few 조 원),
far below what a NUMERIC(20, 2) column holds, so sums in the statistics still fit."""
KRW_PLACES = 0
"""Sums (totals, budgets, quotes, penalties…) are whole won: KRW has no minor unit in contracts,
and OCDS publishes them as exact integers."""
UNIT_PRICE_PLACES = 2
"""Unit prices may go below one won, to the 전: metered fees are quoted e.g. 0.35 원 per GB-hour."""
PERCENT_PLACES = 6
"""99.99999 % availability needs 5; more is noise, not measurement."""
QUANTITY_PLACES = 3
MAX_SECURITY_EVENTS = 10**6
MAX_RESPONSE_TIME_MS = Decimal(86_400_000)  # a day
MAX_SUPPORT_HOURS = Decimal(8_760)  # a year
MAX_RECOVERY_MINUTES = 525_600  # a year
MAX_SLA_TARGET = Decimal(86_400_000)
"""The largest level an SLA target may state: the largest of the indicators' own maxima."""
MAX_WEIGHT = Decimal(100)

ID_LENGTH = 64
"""Identifiers (agency, provider, notice and document numbers): the views' String(64) columns."""
NAME_LENGTH = 200
"""Names of services and providers: the views' String(200) columns."""
LINE_LENGTH = 300
"""One line: a title, a feature, a keyword."""
TEXT_LENGTH = 4000
"""Free text: a clause, a description, a reason."""

# NUL and the C0 and C1 control characters, except tab, line feed and carriage return which free
# text legitimately holds. PostgreSQL cannot store NUL in text at all; the others corrupt pages,
# logs and PDF evidence.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

_trusted: ContextVar[bool] = ContextVar("dsledger_bounds_trusted", default=False)


@contextmanager
def trusted() -> Iterator[None]:
    """Values read back from the log: recorded once, never checked again (see module doc)."""
    token = _trusted.set(True)
    try:
        yield
    finally:
        _trusted.reset(token)


def checking() -> bool:
    return not _trusted.get()


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, Decimal) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _places_ok(value: Decimal, places: int) -> bool:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked first
    # Trailing zeros are not precision: "1.500" has two significant places, "1E+3" has none.
    return exponent >= -places or value == value.quantize(Decimal(1).scaleb(-places))


def _finite_decimal(value: object) -> Decimal | None:
    """The value as a Decimal if it is a finite number of sane size, else None. The exponent check
    comes before any arithmetic: ``1e999999`` would otherwise be compared, quantised, stored."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        return None
    number = Decimal(value)
    if not number.is_finite():
        return None
    if number != 0 and not -30 <= number.adjusted() <= 30:
        return None
    return number


def amount(value: Decimal | None, field: str, *, zero_allowed: bool = False,
           places: int = KRW_PLACES) -> None:
    """A sum in won: finite, at most MAX_KRW, whole won (unit prices: ``places``); more than 0, or
    0 where the field means "none" (``zero_allowed``). Never negative."""
    if value is None or not checking():
        return
    number = _finite_decimal(value)
    minimum = Decimal(0)
    if (number is None or number < minimum or (number == 0 and not zero_allowed)
            or number > MAX_KRW or not _places_ok(number, places)):
        refuse(rules.INPUT_AMOUNT, field, name=field, value=_shown(value),
               minimum="0 or more" if zero_allowed else "more than 0",
               minimum_ko="0 이상" if zero_allowed else "0 초과",
               maximum=f"{MAX_KRW:,}", places=places)


def percentage(value: Decimal | None, field: str, *, range_ruled: bool = False) -> None:
    """A percentage from 0 to 100. ``range_ruled``: a rule of its own refuses it outside its range
    (requirements.sla-range, evaluation.scores), so only what that rule cannot compare is
    refused here: NaN, ±Infinity, absurd exponents, too many places."""
    if value is None or not checking():
        return
    number = _finite_decimal(value)
    if (number is None or (not range_ruled and not Decimal(0) <= number <= Decimal(100))
            or not _places_ok(number, PERCENT_PLACES)):
        refuse(rules.INPUT_PERCENTAGE, field, name=field, value=_shown(value),
               places=PERCENT_PLACES)


def quantity(value: Decimal | int | None, field: str, maximum: Decimal | int,
             unit: str, places: int = QUANTITY_PLACES) -> None:
    """A duration, a level or a count that may have decimals: 0 to ``maximum``."""
    if value is None or not checking():
        return
    number = _finite_decimal(value)
    if number is None or not 0 <= number <= maximum or not _places_ok(number, places):
        refuse(rules.INPUT_QUANTITY, field, name=field, value=_shown(value),
               maximum=f"{maximum:,}", unit=unit, places=places)


def count(value: int | None, field: str, maximum: int, unit: str) -> None:
    """A whole number from 0 to ``maximum``."""
    if value is None or not checking():
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        refuse(rules.INPUT_QUANTITY, field, name=field, value=_shown(value),
               maximum=f"{maximum:,}", unit=unit, places=0)


def text(value: str | None, field: str, maximum: int = TEXT_LENGTH) -> None:
    """No NUL or control characters (tab, line feed, carriage return aside), at most ``maximum``
    characters."""
    if value is None or not checking():
        return
    if not isinstance(value, str):
        return  # a type error is msgspec's to report
    if len(value) > maximum:
        refuse(rules.INPUT_TEXT, field, name=field, maximum=f"{maximum:,}",
               problem=f"it has {len(value):,} characters",
               problem_ko=f"{len(value):,}자입니다")
    found = _CONTROL.search(value)
    if found is not None:
        code = f"U+{ord(found.group()):04X}"
        refuse(rules.INPUT_TEXT, field, name=field, maximum=f"{maximum:,}",
               problem=f"it contains the control character {code}",
               problem_ko=f"제어 문자 {code}가 들어 있습니다")


def texts(obj: msgspec.Struct, limits: Mapping[str, int] | None = None,
          default: int = TEXT_LENGTH) -> None:
    """Every text of a struct's own fields (strings, collections of strings, string maps): its
    limit from ``limits`` by field name, else ``default``. Nested structs check themselves."""
    if not checking():
        return
    limits = limits or {}
    for name in obj.__struct_fields__:
        limit = limits.get(name, default)
        value: Any = getattr(obj, name)
        if isinstance(value, str):
            text(value, name, limit)
        elif isinstance(value, (tuple, list, frozenset, set)):
            for item in value:
                if isinstance(item, str):
                    text(item, name, limit)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    text(key, name, NAME_LENGTH)
                if isinstance(item, str):
                    text(item, name, limit)
