"""Every deadline the ledger keeps, how its day is counted and where it comes from.

A deadline's ``fires_on`` is the first day on which it is missed: the scheduler records the
deadline's event on that day (or on the first sweep after it, in order, if the machine was asleep).

Counting: periods counted forward to a last day ("within 30 days") end, when that day is a
Saturday, Sunday or public holiday, on the next business day (Civil Act art. 161), using the
maintained Korean holiday calendar of the ``holidays`` package; periods counted backwards from a
fixed date (the end notice "30 days before the end") and dates written in a document (a contract's
end, a certificate's validity, a deadline an officer set) are calendar days.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays


class Counting(enum.Enum):
    CALENDAR = "calendar"
    BUSINESS = "business"


@dataclass(frozen=True)
class DeadlineRule:
    kind: str
    counting: Counting
    basis: str
    what: str
    basis_ko: str
    """The basis as the Korean pages show it."""


class DeadlineKind(enum.Enum):
    DISCLOSURE_REMINDER = DeadlineRule(
        "disclosure_reminder", Counting.CALENDAR,
        "Guideline ⑦ (30일 이내 권고): a reminder a week before the 30 days end",
        "DisclosureReminderSent on the contract, 23 days after conclusion",
        "지침 ⑦(30일 이내 권고): 30일이 끝나기 1주 전 알림")
    DISCLOSURE_OVERDUE = DeadlineRule(
        "disclosure_overdue", Counting.BUSINESS,
        "Notice art. 9; guideline ⑦: register the contract information within 30 days",
        "DisclosureOverdue on the contract, the day after the 30th day (rolled to a business day)",
        "고시 제9조, 지침 ⑦: 계약정보를 30일 이내에 등록")
    END_NOTICE_OVERDUE = DeadlineRule(
        "end_notice_overdue", Counting.CALENDAR,
        "Enforcement Decree art. 19(1): notify at least 30 days before the contract ends",
        "EndNoticeOverdue for each provider that has not notified by D-30",
        "시행령 제19조제1항: 계약 종료 30일 전까지 통지")
    EXPIRY = DeadlineRule(
        "expiry", Counting.CALENDAR,
        "The contract's end date (guideline ⑨ 계약 만료)",
        "Expired on the contract, the day after its end date",
        "계약 종료일(지침 ⑨ 계약 만료)")
    DATA_RETURN_OVERDUE = DeadlineRule(
        "data_return_overdue", Counting.CALENDAR,
        "Enforcement Decree art. 19(4): data asked back is returned before the contract or "
        "business end date, or before the day the contract's data-exit clause agreed (art. 19(6))",
        "DataReturnOverdue on the contract, on the end date (or the agreed day) when a provider "
        "has not returned the data asked back",
        "시행령 제19조제4항: 요청받은 이용자 정보는 계약·사업 종료일 전까지(계약에 정한 시기가 있으면 "
        "그때까지, 제6항) 반환")
    DATA_DISPOSITION_OVERDUE = DeadlineRule(
        "data_disposition_overdue", Counting.BUSINESS,
        "Enforcement Decree art. 19(1)3, (2)4, (5): data not taken back by the end date is "
        "destroyed, so destruction is due by the end date; a contract's data-exit clause may "
        "agree up to N days after it (art. 19(6); a period counted forward, Civil Act art. 161)",
        "DataDispositionOverdue on the contract when the data's destruction is not confirmed",
        "시행령 제19조제1항제3호·제2항제4호·제5항: 종료일까지 반환받지 않은 정보는 파기되므로 종료일까지 "
        "파기, 계약에 정한 시기가 있으면 그때까지(제6항)")
    BUSINESS_END = DeadlineRule(
        "business_end", Counting.CALENDAR,
        "Enforcement Decree art. 19(2): the business end date the provider noticed",
        "BusinessEnded on the service on the end date: it leaves search, quoting and conclusion",
        "시행령 제19조제2항: 제공자가 통지한 사업 종료일")
    IMPROVEMENT_OVERDUE = DeadlineRule(
        "improvement_overdue", Counting.CALENDAR,
        "Guideline ⑧: the improvement deadline the agency set",
        "ImprovementOverdue on the contract, the day after the deadline",
        "지침 ⑧: 기관이 정한 개선 기한")
    QUOTE_LAPSED = DeadlineRule(
        "quote_lapsed", Counting.CALENDAR,
        "Guideline ⑤: the validity the provider gave its quote",
        "QuoteLapsed on the procurement, the day after the quote's validity",
        "지침 ⑤: 제공자가 제시한 견적의 유효기간")
    REGULAR_INSPECTION = DeadlineRule(
        "regular_inspection", Counting.CALENDAR,
        "Notice art. 8(1): quality management at least once a year, first a year after selection",
        "A regular QualityInspection scheduled by the system",
        "고시 제8조제1항: 연 1회 이상 품질관리, 첫 점검은 선정 1년 후")
    CERTIFICATE_EXPIRY = DeadlineRule(
        "certificate_expiry", Counting.CALENDAR,
        "The certificate's validity (Notice art. 8, continuous management)",
        "CertificationExpired on the service, the day after the last valid day",
        "인증서의 유효기간(고시 제8조, 지속 관리)")
    SELECTION_VALIDITY = DeadlineRule(
        "selection_validity", Counting.CALENDAR,
        "Notice art. 7: the selection's validity",
        "ValidityExpired on the service, the day after the last valid day",
        "고시 제7조: 선정의 유효기간")
    CORRECTIVE_ACTION = DeadlineRule(
        "corrective_action", Counting.CALENDAR,
        "Notice art. 8: the corrective-action deadline NIA set",
        "ReferredToReReview on the inspection, the day after the deadline",
        "고시 제8조: NIA가 정한 시정조치 기한")
    SEMIANNUAL_REPORT = DeadlineRule(
        "semiannual_report", Counting.BUSINESS,
        "Notice art. 9(1): contract information every half year; dsledger expects it within 30 "
        "days of the half's end",
        "SemiannualReportOverdue for the provider and half",
        "고시 제9조제1항: 반기마다 계약정보 제출, dsledger는 반기 종료 후 30일 이내를 기대")

    @property
    def rule(self) -> DeadlineRule:
        value: DeadlineRule = self.value
        return value


REPORT_DAYS_AFTER_HALF = 30


def half_end(year: int, half: int) -> date:
    return date(year, 6, 30) if half == 1 else date(year, 12, 31)


@lru_cache(maxsize=64)
def _korean_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("KR", years=year)


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _korean_holidays(day.year)


def last_business_day_on_or_after(day: date) -> date:
    """Civil Act art. 161: a period ending on a holiday ends on the next business day."""
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def day_after(last_day: date) -> date:
    return last_day + timedelta(days=1)


def disclosure_reminder_on(concluded: date) -> date:
    return concluded + timedelta(days=23)


def disclosure_overdue_on(concluded: date) -> date:
    return day_after(last_business_day_on_or_after(concluded + timedelta(days=30)))


def end_notice_overdue_on(end: date) -> date:
    return day_after(end - timedelta(days=30))


# Where each data-exit deadline comes from, shown with the deadline (the obligations board) so an
# agency sees whether its own contract or the Decree set the day.
STATUTORY_RETURN_BASIS = (
    "Decree art. 19(4): before the end date (no data-exit clause agreed)",
    "시행령 제19조제4항: 종료일 전까지(계약에 정한 시기 없음)")
STATUTORY_DESTRUCTION_BASIS = (
    "Decree art. 19(1)3, (2)4: data not taken back by the end date is destroyed; the Decree sets "
    "no later day, so by the end date (no data-exit clause agreed)",
    "시행령 제19조제1항제3호·제2항제4호: 종료일까지 반환받지 않은 정보는 파기되며 그 이후 기한을 정하지 "
    "않으므로 종료일까지(계약에 정한 시기 없음)")


def agreed_return_basis(days_before_end: int) -> tuple[str, str]:
    return (f"Decree art. 19(6): the contract's data-exit clause, returned {days_before_end} "
            "day(s) before the end date at the latest (art. 19(4): before the end date)",
            f"시행령 제19조제6항: 계약의 반환 조항, 종료일 {days_before_end}일 전까지 반환(제4항)")


def agreed_destruction_basis(days_after_end: int) -> tuple[str, str]:
    return (f"Decree art. 19(6): the contract's data-exit clause, destroyed within "
            f"{days_after_end} day(s) after the end date (art. 19(5): irrecoverably)",
            f"시행령 제19조제6항: 계약의 파기 조항, 종료일 후 {days_after_end}일 이내 파기(제5항)")


def data_return_overdue_on(end: date, days_before_end: int = 0) -> date:
    """The first day a return asked for is late: the end date itself under art. 19(4) ("before the
    end date"), or ``days_before_end`` earlier where the contract agreed so (art. 19(6)); counted
    backwards from a fixed date, so calendar days."""
    return end - timedelta(days=days_before_end)


def data_disposition_overdue_on(end: date, days_after_end: int = 0) -> date:
    """The first day the destruction is late: the day after the end date under the Decree (data
    not taken back by the end date is destroyed), or after ``days_after_end`` days agreed in the
    contract, a period counted forward (rolled to a business day, Civil Act art. 161)."""
    if days_after_end == 0:
        return day_after(end)
    return day_after(last_business_day_on_or_after(end + timedelta(days=days_after_end)))


def report_overdue_on(year: int, half: int) -> date:
    return day_after(last_business_day_on_or_after(
        half_end(year, half) + timedelta(days=REPORT_DAYS_AFTER_HALF)))


def half_of(day: date) -> tuple[int, int]:
    return day.year, 1 if day.month <= 6 else 2


def next_half(year: int, half: int) -> tuple[int, int]:
    return (year, 2) if half == 1 else (year + 1, 1)


def one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
