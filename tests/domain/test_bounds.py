"""The domain's value types refuse what no value can be, on every path that makes one: direct
construction (the CLI, the demo, Python), ``msgspec.convert`` and decoding (the API); and what the
log already holds is read back without a check."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from domain import bounds, rules
from domain.actor import Actor, Role
from domain.contract import Amendment, Settlement
from domain.contract_terms import Incident, Indicator, SlaFigures, SlaTarget, UnitPrice
from domain.procurement import Quote
from domain.requirements import BudgetItem, BudgetLine
from domain.rules import RuleViolation
from domain.search import SearchConditions
from domain.transcoding import struct_transcoding
from domain.values import PricePlan, PricingModel

PERIOD: dict[str, Any] = {"period_start": date(2026, 4, 1), "period_end": date(2026, 4, 30)}


def refused(rule: rules.Rule, field: str) -> Any:
    class Check:
        def __enter__(self) -> None:
            return None

        def __exit__(self, kind: Any, error: Any, _tb: Any) -> bool:
            assert isinstance(error, RuleViolation), error
            assert error.rule is rule, error
            assert error.field == field, error
            assert field in error.message_en and field in error.message_ko
            return True

    return Check()


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "-5",
                                   "101", "140", "1e308", "99.1234567"])
def test_an_availability_outside_0_to_100_percent_is_refused_however_the_figures_are_made(
        value: str) -> None:
    with refused(rules.INPUT_PERCENTAGE, "availability_percent"):
        SlaFigures(**PERIOD, availability_percent=Decimal(value))
    with refused(rules.INPUT_PERCENTAGE, "availability_percent"):
        msgspec.convert({"period_start": "2026-04-01", "period_end": "2026-04-30",
                         "availability_percent": value}, SlaFigures)
    with refused(rules.INPUT_PERCENTAGE, "availability_percent"):
        msgspec.json.decode(b'{"period_start": "2026-04-01", "period_end": "2026-04-30", '
                            b'"availability_percent": "' + value.encode() + b'"}',
                            type=SlaFigures)


@pytest.mark.parametrize(("field", "value", "rule"), [
    ("security_events", 10**30, rules.INPUT_QUANTITY),
    ("security_events", -1, rules.INPUT_QUANTITY),
    ("response_time_ms", Decimal(-1), rules.INPUT_QUANTITY),
    ("response_time_ms", Decimal("86400000.001"), rules.INPUT_QUANTITY),
    ("support_handling_hours", Decimal(8761), rules.INPUT_QUANTITY),
    ("backup_compliance_percent", Decimal("NaN"), rules.INPUT_PERCENTAGE),
    ("support_handling_rate_percent", Decimal("100.5"), rules.INPUT_PERCENTAGE),
])
def test_an_sla_figure_beyond_what_it_can_be_is_refused(field: str, value: Any,
                                                        rule: rules.Rule) -> None:
    with refused(rule, field):
        SlaFigures(**PERIOD, **{field: value})


def test_sla_figures_at_their_bounds_are_accepted() -> None:
    figures = SlaFigures(**PERIOD, availability_percent=Decimal(100),
                         backup_compliance_percent=Decimal(0), security_events=10**6,
                         response_time_ms=Decimal(86_400_000),
                         support_handling_hours=Decimal(8760),
                         incidents=(Incident(started="2026-04-03T02:00+09:00",
                                             recovery_minutes=525_600, description="정전"),))
    assert figures.actual(Indicator.RECOVERY) == 525_600


def test_an_incident_recovering_after_more_than_a_year_is_refused() -> None:
    with refused(rules.INPUT_QUANTITY, "recovery_minutes"):
        Incident(started="2026-04-03", recovery_minutes=525_601, description="정전")


@pytest.mark.parametrize(("indicator", "target"), [
    (Indicator.AVAILABILITY, "101"), (Indicator.AVAILABILITY, "NaN"),
    (Indicator.RECOVERY, "-1"), (Indicator.RESPONSE_TIME, "Infinity"),
])
def test_an_sla_target_beyond_what_its_indicator_can_be_is_refused(indicator: Indicator,
                                                                   target: str) -> None:
    with pytest.raises(RuleViolation) as caught:
        SlaTarget(indicator=indicator, target=Decimal(target))
    assert caught.value.field == "target"


@pytest.mark.parametrize("amount", ["0", "-0", "-1", "NaN", "Infinity", "1e25",
                                    "1000000000000001", "0.5"])
def test_an_amendment_amount_must_be_a_positive_whole_won_sum_up_to_10_to_the_15(
        amount: str) -> None:
    with refused(rules.INPUT_AMOUNT, "new_total_amount_krw"):
        Amendment(reason="증액", new_total_amount_krw=Decimal(amount))


def test_the_largest_amount_is_accepted_and_no_amount_means_no_change() -> None:
    assert Amendment(reason="증액", new_total_amount_krw=bounds.MAX_KRW).new_total_amount_krw == \
        Decimal(10**15)
    assert Amendment(reason="기간 연장", new_end=date(2026, 12, 31)).new_total_amount_krw is None


def test_a_settlement_item_may_be_nothing_but_never_negative() -> None:
    Settlement(costs_krw=Decimal(0), interest_krw=Decimal(0), value_change_krw=Decimal(0))
    with refused(rules.INPUT_AMOUNT, "interest_krw"):
        Settlement(costs_krw=Decimal(0), interest_krw=Decimal(-1), value_change_krw=Decimal(0))


def test_unit_prices_may_go_to_the_jeon_but_not_below() -> None:
    UnitPrice(item="저장", unit="GB-시간", price_krw=Decimal("0.35"))
    PricePlan(name="무료", model=PricingModel.FLAT, unit_price_krw=Decimal(0), unit="월")
    with refused(rules.INPUT_AMOUNT, "price_krw"):
        UnitPrice(item="저장", unit="GB-시간", price_krw=Decimal("0.355"))
    with refused(rules.INPUT_AMOUNT, "unit_price_krw"):
        PricePlan(name="기본", model=PricingModel.FLAT, unit_price_krw=Decimal("1e16"), unit="월")


def test_quotes_and_budget_lines_are_bounded_too() -> None:
    with refused(rules.INPUT_AMOUNT, "amount_krw"):
        Quote(service_id="s", amount_krw=Decimal("Infinity"), valid_until=date(2026, 5, 1),
              document_ref="견적.pdf", detail="")
    with refused(rules.INPUT_AMOUNT, "amount_krw"):
        BudgetLine(item=BudgetItem.USAGE_FEE, amount_krw=Decimal("1e16"))


@pytest.mark.parametrize("keywords", ["a\x00b", "서버\x07", "a\x85b", "\x7f"])
def test_search_keywords_with_nul_or_control_characters_are_refused(keywords: str) -> None:
    with refused(rules.INPUT_TEXT, "keywords"):
        SearchConditions(keywords=keywords)


def test_tabs_and_line_breaks_are_text_and_length_is_bounded() -> None:
    Amendment(reason="증액\t사유\r\n두 번째 줄", new_total_amount_krw=Decimal(1))
    with refused(rules.INPUT_TEXT, "reason"):
        Amendment(reason="x" * (bounds.TEXT_LENGTH + 1), new_total_amount_krw=Decimal(1))


def test_an_actor_names_its_organisation_in_at_most_64_characters() -> None:
    with refused(rules.INPUT_TEXT, "agency_id"):
        Actor(principal_id="officer", role=Role.AGENCY, agency_id="A" * 65)


def test_what_the_log_holds_is_read_back_without_a_check() -> None:
    """A bound tightened later must never make a recorded history unreadable."""
    transcoding = struct_transcoding(SlaFigures)
    stored = {"period_start": "2026-04-01", "period_end": "2026-04-30",
              "availability_percent": "140"}
    figures = transcoding.decode(stored)
    assert isinstance(figures, SlaFigures)
    assert figures.availability_percent == Decimal(140)
    with refused(rules.INPUT_PERCENTAGE, "availability_percent"):
        msgspec.convert(stored, SlaFigures)  # outside the log, checked again
