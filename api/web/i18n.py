"""The pages' words in Korean and English, in one place.

Korean is the default: the guideline, the agencies and the public read Korean first. ``?lang=en``
switches to English and a cookie remembers the choice. Enum labels come from the domain's own
Korean names (``.ko``); their English labels are the wire values, spelled out where they are codes.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

from litestar import Request
from litestar.datastructures import Cookie

from domain.rules import RuleViolation

Lang = Literal["ko", "en"]
LANG_COOKIE = "lang"
# A year: the choice of language is a preference, not a session.
_LANG_MAX_AGE = 365 * 24 * 3600

MESSAGES: dict[str, tuple[str, str]] = {
    "site.title": ("디지털서비스 이용계약 원장", "Digital-service contract ledger"),
    "nav.catalogue": ("디지털서비스 찾기", "Catalogue search"),
    "nav.disclosures": ("계약정보 공개", "Contract disclosures"),
    "nav.obligations": ("의무 현황판", "Obligations board"),
    "nav.sign_in": ("로그인", "Sign in"),
    "nav.sign_out": ("로그아웃", "Sign out"),
    "nav.signed_in_as": ("로그인: {who}", "Signed in as {who}"),
    "nav.language": ("언어", "Language"),
    "role.operator": ("운영기관(NIA)", "operator (NIA)"),
    "role.agency": ("수요기관", "agency"),
    "role.provider": ("제공자", "provider"),
    "role.auditor": ("감사인", "auditor"),
    "role.system": ("시스템", "system"),
    # catalogue
    "catalogue.heading": ("디지털서비스 찾기 — {page}", "Find a digital service — {page}"),
    "catalogue.pages": ("검색 화면", "Search pages"),
    "catalogue.cessation": ("사업 종료 예정({end}): {business}", "Business ending on {end}: {business}"),
    "catalogue.keywords": ("검색어", "Keywords"),
    "catalogue.search": ("검색", "Search"),
    "catalogue.reset": ("조건 초기화", "Clear filters"),
    "catalogue.total": ("검색 결과 {total}건", "{total} services found"),
    "catalogue.none": ("조건에 맞는 서비스가 없습니다.", "No service matches these conditions."),
    "catalogue.position": ("원장 위치 {position} 기준", "as of ledger position {position}"),
    "catalogue.yes": ("예", "yes"),
    "column.service": ("서비스", "Service"),
    "column.provider": ("제공자", "Provider"),
    "column.type": ("유형", "Type"),
    "column.company_size": ("기업 규모", "Company size"),
    "column.provider_type": ("제공자 유형", "Provider type"),
    "column.certifications": ("인증", "Certifications"),
    "column.mall": ("디지털서비스몰", "Digital Service Mall"),
    "column.channels": ("기술지원", "Support channels"),
    "filter.service_type": ("서비스 유형", "Service type"),
    "filter.support_kind": ("지원서비스 종류", "Support kind"),
    "filter.company_size": ("기업 규모", "Company size"),
    "filter.provider_type": ("제공자 유형", "Provider type"),
    "filter.mall_listed": ("디지털서비스몰 등록", "Listed in the Digital Service Mall"),
    "filter.innovation_product": ("혁신제품 지정", "Designated innovation product"),
    "filter.certification": ("인증", "Certifications"),
    "filter.document": ("제출 서류", "Documents"),
    "filter.support_channel": ("기술지원 방식", "Support channels"),
    "paging.previous": ("이전", "Previous"),
    "paging.next": ("다음", "Next"),
    "paging.first": ("처음", "First"),
    "paging.range": ("{first}–{last} / {total}", "{first}–{last} of {total}"),
    # disclosures
    "disclosures.heading": ("계약정보 공개", "Public contract disclosures"),
    "disclosures.intro": ("수요기관이 등록한 디지털서비스 이용계약 정보입니다(고시 제9조제2항).",
                          "Digital-service usage contracts as the agencies registered them "
                          "(Notice art. 9(2))."),
    "disclosures.filter": ("조회", "Filter"),
    "disclosures.any": ("전체", "any"),
    "disclosures.agency": ("수요기관", "Agency"),
    "disclosures.method": ("계약 방법", "Method"),
    "disclosures.from": ("등록일 부터", "Registered from"),
    "disclosures.to": ("등록일 까지", "Registered to"),
    "disclosures.total": ("공개 계약 {total}건", "{total} disclosed contracts"),
    "disclosures.none": ("조건에 맞는 공개 계약이 없습니다.", "No disclosed contract matches."),
    "disclosures.period": ("계약 기간", "Period"),
    "disclosures.amount": ("계약 금액", "Amount"),
    "disclosures.registered": ("등록일", "Registered"),
    "disclosures.amendments": ("변경 {count}회", "{count} amendments"),
    "disclosures.rescinded": ("해제됨: 계약이 없었던 것으로 처리되어 통계에서 제외",
                              "rescinded: counts as never made, left out of the statistics"),
    "disclosures.timeline": ("감사 이력", "Audit timeline"),
    "stats.heading": ("통계 (등록된 전체 계약)", "Statistics (every registered contract)"),
    "stats.summary": ("계약 {contracts}건, 총 {amount}", "{contracts} contracts, {amount} in total"),
    "stats.by_service_type": ("서비스 유형별 계약 금액", "Contract amount by service type"),
    "stats.by_month": ("월별 등록 건수", "Contracts registered by month"),
    "stats.by_method": ("계약 방법별", "By method"),
    "stats.key": ("구분", "Group"),
    "stats.contracts": ("건수", "Contracts"),
    "stats.amount": ("금액", "Amount"),
    "method.central": ("중앙조달(디지털서비스몰)", "central (Digital Service Mall)"),
    "method.self": ("자체조달", "self-procured"),
    # timeline
    "timeline.heading": ("계약 감사 이력", "Contract audit timeline"),
    "timeline.contract": ("계약 {id}", "Contract {id}"),
    "timeline.agency": ("수요기관 {agency}", "Agency {agency}"),
    "timeline.version": ("버전", "Version"),
    "timeline.sequence": ("원장 순번", "Ledger sequence"),
    "timeline.time": ("시각(KST)", "Time (KST)"),
    "timeline.event": ("사건", "Event"),
    "timeline.actor": ("행위자", "Actor"),
    "timeline.correlation": ("요청 ID", "Correlation id"),
    "timeline.integrity": ("원장 무결성", "Log integrity"),
    "timeline.verified": ("무결성 확인됨", "verified"),
    "timeline.broken": ("무결성 위반", "integrity broken"),
    "timeline.contract_verified": (
        "이 계약의 저장된 사건을 모두 다시 해시하여 머클 로그의 잎과 대조했고, {proven}/{total}건은 "
        "서명된 트리 헤드에 포함됨을 증명했습니다.",
        "Re-hashed every stored event of this contract against its Merkle leaf and proved "
        "{proven} of {total} included in the signed tree head."),
    "timeline.pending": ("서명 대기", "awaiting a signed head"),
    "timeline.pending_detail": (
        "이 계약의 저장된 사건 {total}건은 모두 머클 로그의 잎과 일치하지만, {pending}건은 아직 "
        "서명된 트리 헤드에 포함되지 않았습니다(다음 서명 때 포함됩니다).",
        "All {total} stored events of this contract match their Merkle leaves, but {pending} are "
        "not yet under a signed tree head (the next head will cover them)."),
    "timeline.event_problem": ("버전 {version} (원장 순번 {sequence}): {detail}",
                               "Version {version} (ledger sequence {sequence}): {detail}"),
    "timeline.log_verified": ("원장 전체 무결성 확인됨", "whole log verified"),
    "timeline.log_broken": ("원장 전체 무결성 위반", "whole log integrity broken"),
    "timeline.verify_log": ("원장 전체 재검증 (모든 사건을 다시 읽습니다)",
                            "Verify the whole log now (re-reads every event)"),
    "timeline.verified_detail": (
        "저장된 사건 {events}건을 다시 해시하여 머클 로그({logged}건)와 서명된 트리 헤드 {heads}개를 "
        "확인했습니다. 루트 {root}",
        "Re-hashed {events} stored events against the Merkle log ({logged} leaves) and checked "
        "{heads} signed tree heads. Root {root}"),
    "timeline.first_problem": ("첫 번째 문제: {kind} (순번 {sequence}) — {detail}",
                               "First problem: {kind} at sequence {sequence} — {detail}"),
    "timeline.head": ("최근 서명된 트리 헤드: 크기 {size}, 발행 {issued}",
                      "Latest signed tree head: size {size}, issued {issued}"),
    "timeline.no_head": ("아직 서명된 트리 헤드가 없습니다.", "No tree head has been signed yet."),
    "timeline.covered": ("이 계약의 사건 {covered}/{total}건이 서명된 트리에 포함됨",
                         "{covered} of this contract's {total} events are in the signed tree"),
    # obligations
    "obligations.heading": ("의무 현황판", "Obligations board"),
    "obligations.for": ("대상: {who}", "For: {who}"),
    "obligations.everyone": ("모든 기관·제공자", "every agency and provider"),
    "obligations.state": ("상태", "State"),
    "obligations.total": ("의무 {total}건", "{total} obligations"),
    "obligations.none": ("해당하는 의무가 없습니다.", "No obligation in this state."),
    "obligations.kind": ("의무", "Obligation"),
    "obligations.subject": ("대상", "Subject"),
    "obligations.fires_on": ("기한 경과일", "Missed on"),
    "obligations.counting": ("기간 계산", "Counting"),
    "obligations.basis": ("근거", "Basis"),
    "obligations.show": ("보기", "Show"),
    "obligations.stopped": ("이 현황판은 로그의 {position}번 사건을 반영하지 못해 그 이전의 의무를 "
                            "보여 줍니다. 운영자에게 알려졌습니다.",
                            "This board could not apply event {position} of the log: it shows the "
                            "obligations as they were before it. The operator has been told."),
    "state.all": ("전체", "all"),
    "state.pending": ("진행 중", "pending"),
    "state.met": ("이행", "met"),
    "state.fired": ("기한 경과", "missed"),
    "state.void": ("해당 없음", "void"),
    "counting.calendar": ("역일", "calendar days"),
    "counting.business": ("영업일", "business days"),
    "aggregate.contract": ("계약", "contract"),
    "aggregate.procurement": ("조달 건", "procurement"),
    "aggregate.service": ("디지털서비스", "digital service"),
    "aggregate.provider": ("제공자", "provider"),
    "aggregate.inspection": ("품질 점검", "inspection"),
    "deadline.disclosure_reminder": ("계약정보 등록 알림", "Disclosure reminder"),
    "deadline.disclosure_overdue": ("계약정보 등록 기한", "Disclosure deadline"),
    "deadline.end_notice_overdue": ("종료 통지 기한(D-30)", "End notice (D-30)"),
    "deadline.expiry": ("계약 만료", "Contract expiry"),
    "deadline.data_disposition_overdue": ("데이터 파기 확인 기한", "Data destruction"),
    "deadline.data_return_overdue": ("데이터 반환 기한", "Data return"),
    "deadline.business_end": ("제공자 사업 종료일", "Provider's business end"),
    "deadline.improvement_overdue": ("개선 요구 이행 기한", "Improvement deadline"),
    "deadline.quote_lapsed": ("견적 유효기간", "Quote validity"),
    "deadline.regular_inspection": ("정기 품질 점검", "Regular quality inspection"),
    "deadline.certificate_expiry": ("인증서 유효기간", "Certificate validity"),
    "deadline.selection_validity": ("선정 유효기간", "Selection validity"),
    "deadline.corrective_action": ("시정조치 기한", "Corrective-action deadline"),
    "deadline.semiannual_report": ("반기 계약정보 보고", "Semiannual contract report"),
    # sign-in
    "sign_in.heading": ("로그인", "Sign in"),
    "sign_in.intro": ("dsledger token 으로 발급받은 토큰을 붙여 넣으세요. 토큰은 이 브라우저의 "
                      "쿠키(HttpOnly)에만 저장됩니다.",
                      "Paste a token issued by dsledger token. It is kept only in an HttpOnly "
                      "cookie of this browser."),
    "sign_in.token": ("토큰", "Token"),
    "sign_in.submit": ("로그인", "Sign in"),
    "sign_in.bad_token": ("토큰이 유효하지 않거나 만료되었습니다.",
                          "The token is not valid or has expired."),
    "sign_in.needed": ("이 화면은 로그인이 필요합니다.", "This page needs you to sign in."),
    "csrf.refused": ("요청의 출처를 확인할 수 없어 거부했습니다. 화면을 새로 고친 뒤 다시 "
                     "시도하세요.",
                     "The request's origin could not be confirmed; reload the page and try "
                     "again."),
    # errors
    "error.heading": ("요청을 처리할 수 없습니다", "The request was refused"),
    "error.rule": ("규칙: {rule}", "Rule: {rule}"),
    "error.malformed": ("요청 형식이 올바르지 않습니다: {problem}", "The request is malformed: {problem}"),
    "error.not_found": ("요청한 화면을 찾을 수 없습니다.", "There is no such page."),
    "error.back": ("첫 화면으로", "Back to the start"),
}

# Korean labels of the contract's events; others show their recorded name.
EVENT_LABELS_KO: dict[str, str] = {
    "Concluded": "계약 체결",
    "DisclosureRegistered": "계약정보 등록",
    "Amended": "계약 변경",
    "DisclosureAmended": "변경 계약정보 등록",
    "SlaReportSubmitted": "SLA 보고서 제출",
    "SlaBreachDetected": "SLA 위반 확인",
    "ImprovementRequested": "개선 요구",
    "ImprovementConfirmed": "개선 확인",
    "PenaltyClaimed": "위약금 청구",
    "AtRisk": "이행 위험",
    "BusinessEndNoticed": "제공자 사업 종료 통지",
    "DataReturnOverdue": "반환 기한 경과",
    "EndNoticeSent": "종료 통지",
    "Rescinded": "계약 해제",
    "Terminated": "계약 해지",
    "Expired": "계약 만료",
    "FollowUpChosen": "후속 조치 결정",
    "DataReturnRequested": "데이터 반환 요청",
    "DataReturned": "데이터 반환",
    "DataDestroyed": "데이터 파기",
    "ObligationsVerified": "의무 이행 확인",
    "Closed": "계약 종결",
    "DisclosureReminderSent": "등록 알림 발송",
    "DisclosureOverdue": "등록 기한 경과",
    "EndNoticeOverdue": "종료 통지 기한 경과",
    "DataDispositionOverdue": "파기 기한 경과",
    "ImprovementOverdue": "개선 기한 경과",
    "DeadlineVoided": "기한 해당 없음(무효)",
    # the agency directory's events, as the history of an agency shows them
    "AgencyRegistered": "수요기관 등록",
    "AgencyChanged": "수요기관 정보 변경",
    "AgencyCodeClaimed": "행정표준기관코드 등록",
}

# English labels where the wire value is a code rather than words.
_ENGLISH_VALUES: dict[str, str] = {
    "sme": "SME", "midsize": "mid-sized", "large": "large enterprise",
    "support": "support service", "convergence": "convergence service",
    "quality_performance": "quality and performance confirmation",
    "cloud_service_confirmation": "cloud service confirmation", "terms": "terms of use",
    "call_center": "call centre", "email_online": "e-mail or online", "web_chat": "web chat",
    "onsite": "on-site", "original": "original provider", "reseller": "reseller",
    # the annex's search pages
    "all": "all types", "iaas": "IaaS", "paas": "PaaS", "saas": "SaaS",
}


def choose_language(request: Request[Any, Any, Any]) -> tuple[Lang, Cookie | None]:
    """The language of this page, and the cookie to set when the person just chose it."""
    asked = request.query_params.get("lang")
    if asked in ("ko", "en"):
        lang: Lang = "en" if asked == "en" else "ko"
        return lang, Cookie(key=LANG_COOKIE, value=lang, max_age=_LANG_MAX_AGE, path="/",
                            samesite="lax", httponly=True)
    return ("en" if request.cookies.get(LANG_COOKIE) == "en" else "ko"), None


class Translator:
    """``t("key", **params)`` in the templates, in the page's language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, key: str, **params: Any) -> str:
        ko, en = MESSAGES[key]
        return (en if self.lang == "en" else ko).format(**params)

    def label(self, member: enum.Enum) -> str:
        if self.lang == "ko":
            return str(getattr(member, "ko", member.value))
        return _ENGLISH_VALUES.get(str(member.value), str(member.value).replace("_", " "))

    def event(self, name: str) -> str:
        return EVENT_LABELS_KO.get(name, name) if self.lang == "ko" else name

    def rule(self, violation: RuleViolation) -> str:
        return violation.message_en if self.lang == "en" else violation.message_ko
