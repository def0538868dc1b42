"""The rule catalogue: every rule the ledger enforces, with a stable id, its message in Korean
and English, and the article or guideline section it comes from.

A refusal raises :class:`RuleViolation` naming one of these rules; the API turns it into RFC 9457
problem details whose ``type`` names the rule, so clients, tests and auditors can tell exactly which
rule refused what.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn


class Outcome(enum.StrEnum):
    """What kind of refusal a rule is; the API maps it onto an HTTP status."""

    INVALID = "invalid"  # the input breaks a rule: 422
    CONFLICT = "conflict"  # the aggregate's current state forbids it: 409
    NOT_FOUND = "not_found"  # 404
    UNAUTHENTICATED = "unauthenticated"  # 401
    FORBIDDEN = "forbidden"  # 403
    MALFORMED = "malformed"  # the request could not be decoded: 400
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"  # a body that is not JSON: 415


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    outcome: Outcome
    en: str
    ko: str
    basis: str

    def render(self, params: Mapping[str, Any]) -> tuple[str, str]:
        return self.en.format_map(_Lenient(params)), self.ko.format_map(_Lenient(params))


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class RuleViolation(Exception):
    """A command or query was refused by a rule; nothing was recorded."""

    def __init__(self, rule: Rule, field: str | None = None, **params: Any) -> None:
        self.rule = rule
        self.field = field
        self.params = params
        self.message_en, self.message_ko = rule.render(params)
        super().__init__(f"[{rule.id}] {self.message_en}")


def refuse(rule: Rule, field: str | None = None, **params: Any) -> NoReturn:
    raise RuleViolation(rule, field, **params)


def require(condition: bool, rule: Rule, field: str | None = None, **params: Any) -> None:
    if not condition:
        raise RuleViolation(rule, field, **params)


CATALOGUE: dict[str, Rule] = {}


def _rule(id: str, outcome: Outcome, en: str, ko: str, basis: str) -> Rule:
    if id in CATALOGUE:
        raise ValueError(f"duplicate rule id {id}")
    rule = Rule(id, outcome, en, ko, basis)
    CATALOGUE[id] = rule
    return rule


_ACT_20 = "Cloud Computing Act art. 20(3) (클라우드컴퓨팅법 제20조제3항)"
_DECREE_15_2 = "Enforcement Decree of the Cloud Computing Act art. 15-2 (시행령 제15조의2)"
_NOTICE_4 = "Notice on digital-service selection art. 4 (디지털서비스 심사·선정에 관한 고시 제4조)"
_NOTICE_5 = "Notice on digital-service selection art. 5 (고시 제5조, 이용지원시스템 등록)"
_NOTICE_6 = "Notice on digital-service selection art. 6 (고시 제6조, 정보 변경)"
_NOTICE_7 = "Notice on digital-service selection art. 7 (고시 제7조, 유효기간)"
_NOTICE_8 = "Notice on digital-service selection art. 8 (고시 제8조, 품질관리)"
_PPS_16 = "PPS Act Decree art. 16 (조달사업법 시행령 제16조, 카탈로그 계약·디지털서비스몰)"
_ANNEX = (
    "Guideline annex: search filters of the support system "
    "([붙임] 이용지원시스템 검색 필터 항목과 세부내용)"
)
_GUIDE_SEARCH = "Guideline step ③ service search and saving (③ 서비스 검색·저장)"
_API = "dsledger API conventions"

# --- Digital services (SPEC §1) ---------------------------------------------------------------
SERVICE_NOT_FOUND = _rule(
    "service.not-found", Outcome.NOT_FOUND,
    "No digital service {service_id} is recorded.",
    "디지털서비스 {service_id}이(가) 기록되어 있지 않습니다.",
    _DECREE_15_2,
)
SERVICE_ALREADY_SELECTED = _rule(
    "service.already-selected", Outcome.CONFLICT,
    "A service selected under notice {notice_number} is already recorded.",
    "선정 통보 번호 {notice_number}의 서비스가 이미 기록되어 있습니다.",
    _NOTICE_4,
)
SERVICE_SELECTION_VALIDITY = _rule(
    "service.selection-validity", Outcome.INVALID,
    "The selection's validity must end after the selection date.",
    "선정 유효기간의 종료일은 선정일 이후여야 합니다.",
    _NOTICE_7,
)
SERVICE_ALREADY_REGISTERED = _rule(
    "service.already-registered", Outcome.CONFLICT,
    "The service is already registered in the support system.",
    "이미 이용지원시스템에 등록된 서비스입니다.",
    _NOTICE_5,
)
SERVICE_NOT_REGISTERED = _rule(
    "service.not-registered", Outcome.CONFLICT,
    "Only a service registered in the support system can be {action}.",
    "이용지원시스템에 등록된 서비스만 {action_ko} 수 있습니다.",
    _NOTICE_5,
)
SERVICE_CLOSED = _rule(
    "service.closed", Outcome.CONFLICT,
    "The service's selection is {status}; nothing more can be recorded on it.",
    "선정이 {status_ko}된 서비스에는 더 이상 기록할 수 없습니다.",
    _NOTICE_7,
)
SERVICE_NOT_ACTIVE = _rule(
    "service.not-active", Outcome.CONFLICT,
    "The service is {status}; only a registered service that is not suspended, cancelled or "
    "expired can be {action}.",
    "서비스가 {status_ko} 상태입니다. 정지·취소·만료되지 않은 등록 서비스만 {action_ko} 수 있습니다.",
    _ACT_20,
)
SERVICE_ALREADY_SUSPENDED = _rule(
    "service.already-suspended", Outcome.CONFLICT,
    "The service is already suspended.",
    "이미 정지된 서비스입니다.",
    _NOTICE_8,
)
SERVICE_NOT_SUSPENDED = _rule(
    "service.not-suspended", Outcome.CONFLICT,
    "Only a suspended service can be reinstated.",
    "정지된 서비스만 정지를 해제할 수 있습니다.",
    _NOTICE_8,
)
SERVICE_VALIDITY_NOT_REACHED = _rule(
    "service.validity-not-reached", Outcome.CONFLICT,
    "The selection is valid until {valid_until}; it cannot expire on {today}.",
    "선정 유효기간이 {valid_until}까지이므로 {today}에 만료될 수 없습니다.",
    _NOTICE_7,
)
SERVICE_NO_CHANGE = _rule(
    "service.no-change", Outcome.INVALID,
    "The information change does not change any field.",
    "변경된 항목이 없습니다.",
    _NOTICE_6,
)
SERVICE_PROVIDER_IMMUTABLE = _rule(
    "service.provider-immutable", Outcome.INVALID,
    "A service's provider cannot be changed by an information change; a different provider needs "
    "its own selection.",
    "정보 변경으로 제공자를 바꿀 수 없습니다. 다른 제공자는 별도의 선정을 받아야 합니다.",
    _NOTICE_6,
)
SERVICE_TEXT_REQUIRED = _rule(
    "service.text-required", Outcome.INVALID,
    "{name} must not be blank.",
    "{name} 항목은 비워 둘 수 없습니다.",
    _NOTICE_5,
)
SERVICE_SUPPORT_KINDS = _rule(
    "service.support-kinds", Outcome.INVALID,
    "Support kinds (consulting, operations, migration) are required for a support service and "
    "allowed only for one.",
    "지원 유형(컨설팅·운영관리·마이그레이션)은 지원서비스에만, 반드시 하나 이상 지정해야 합니다.",
    _ANNEX,
)
SERVICE_RESELLER_PARTNERSHIP = _rule(
    "service.reseller-partnership", Outcome.INVALID,
    "A reseller (중개제공자) must name its original provider and the validity of their partnership "
    "contract; an original provider must not.",
    "중개제공자는 원제공자와 제휴 계약의 유효기간을 기재해야 하며, 원제공자는 기재하지 않습니다.",
    _NOTICE_4,
)
SERVICE_PRICE_PLAN = _rule(
    "service.price-plan", Outcome.INVALID,
    "Price plan '{plan}': {problem}.",
    "요금제 '{plan}': {problem_ko}.",
    "Contract Rules art. 76-11 (계약예규 제76조의11, 단가계약)",
)
SERVICE_ALREADY_MALL_LISTED = _rule(
    "service.already-mall-listed", Outcome.CONFLICT,
    "The service is already listed in the Digital Service Mall under {contract_number}.",
    "이미 디지털서비스몰에 카탈로그 계약 {contract_number}(으)로 등록된 서비스입니다.",
    _PPS_16,
)
SERVICE_NOT_MALL_LISTED = _rule(
    "service.not-mall-listed", Outcome.CONFLICT,
    "The service is not listed in the Digital Service Mall.",
    "디지털서비스몰에 등록되지 않은 서비스입니다.",
    _PPS_16,
)
SERVICE_DESIGNATION_VALIDITY = _rule(
    "service.designation-validity", Outcome.INVALID,
    "The innovation-product designation must end after it starts and not already be over.",
    "혁신제품 지정 기간의 종료일은 시작일 이후이며 이미 지나지 않아야 합니다.",
    "Innovation product designation (혁신제품 지정)",
)
CERTIFICATION_VALIDITY = _rule(
    "certification.validity", Outcome.INVALID,
    "Certification {kind} {number}: its validity must end after it starts and not be over on "
    "{today}.",
    "인증 {kind} {number}: 유효기간 종료일은 시작일 이후여야 하며 {today} 현재 지나지 않아야 합니다.",
    _NOTICE_8,
)
CERTIFICATION_DUPLICATE = _rule(
    "certification.duplicate", Outcome.CONFLICT,
    "Certification {kind} {number} is already recorded as valid for this service.",
    "인증 {kind} {number}은(는) 이미 유효한 인증으로 기록되어 있습니다.",
    _NOTICE_8,
)
CERTIFICATION_NOT_VALID = _rule(
    "certification.not-valid", Outcome.CONFLICT,
    "The service holds no valid certification {kind} {number}.",
    "서비스에 유효한 인증 {kind} {number}이(가) 없습니다.",
    _NOTICE_8,
)
CERTIFICATION_NOT_YET_EXPIRED = _rule(
    "certification.not-yet-expired", Outcome.CONFLICT,
    "Certification {kind} {number} is valid until {valid_until}; it cannot expire on {today}. "
    "Use revocation to withdraw it early.",
    "인증 {kind} {number}은(는) {valid_until}까지 유효하여 {today}에 만료될 수 없습니다. "
    "조기 취소는 인증 취소로 기록하십시오.",
    _NOTICE_8,
)

# --- Catalogue search (annex) -----------------------------------------------------------------
SEARCH_FILTER_NOT_ON_PAGE = _rule(
    "search.filter-not-on-page", Outcome.INVALID,
    "The {page} search page has no '{filter}' filter; it offers: {offered}.",
    "{page_ko} 검색 페이지에는 '{filter}' 필터가 없습니다. 제공 필터: {offered}.",
    _ANNEX,
)
SEARCH_VALUE_NOT_ON_PAGE = _rule(
    "search.value-not-on-page", Outcome.INVALID,
    "The {page} search page's '{filter}' filter does not offer '{value}'; it offers: {offered}.",
    "{page_ko} 검색 페이지의 '{filter}' 필터에는 '{value}' 항목이 없습니다. 제공 항목: {offered}.",
    _ANNEX,
)
SEARCH_PAGE_UNKNOWN = _rule(
    "search.page-unknown", Outcome.NOT_FOUND,
    "There is no '{page}' search page; the annex has: {offered}.",
    "'{page}' 검색 페이지는 없습니다. 검색 페이지: {offered}.",
    _ANNEX,
)
SEARCH_KEYWORDS = _rule(
    "search.keywords", Outcome.INVALID,
    "Keywords: {problem}.",
    "검색어: {problem_ko}.",
    _GUIDE_SEARCH,
)

# --- The agency directory (수요기관) ------------------------------------------------------------
_CODES = ("Administrative standard code: agency code (행정표준코드 기관코드, 행정안전부 "
          "행정표준코드관리시스템)")
_DIRECTORY = ("dsledger agency directory: the public organisations (국가기관등) that use digital "
              "services (Cloud Computing Act art. 20; 클라우드컴퓨팅법 제20조)")
AGENCY_NOT_FOUND = _rule(
    "agency.not-found", Outcome.NOT_FOUND,
    "No agency {agency_id} is registered in the directory.",
    "수요기관 {agency_id}이(가) 기관 목록에 등록되어 있지 않습니다.",
    _DIRECTORY,
)
# Opening a procurement names no agency in its path (the token's agency is the owner), so the
# request is not addressing something absent (404 would read as "no such route or resource"):
# what it asks is impossible as given until the operator registers the agency, hence 422.
AGENCY_NOT_REGISTERED = _rule(
    "agency.not-registered", Outcome.INVALID,
    "The agency {agency_id} is not registered in the directory; the operator registers it "
    "(POST /agencies) before it opens procurements.",
    "수요기관 {agency_id}이(가) 기관 목록에 등록되어 있지 않습니다. 조달을 시작하기 전에 운영기관이 "
    "등록(POST /agencies)해야 합니다.",
    _DIRECTORY,
)
AGENCY_ALREADY_REGISTERED = _rule(
    "agency.already-registered", Outcome.CONFLICT,
    "The agency {agency_id} is already registered.",
    "수요기관 {agency_id}은(는) 이미 등록되어 있습니다.",
    _DIRECTORY,
)
AGENCY_CODE_FORMAT = _rule(
    "agency.code-format", Outcome.INVALID,
    "'{code}' is not an administrative standard agency code: 7 ASCII digits (a public "
    "institution's code may begin with one upper-case letter, e.g. B550928).",
    "'{code}'은(는) 행정표준기관코드가 아닙니다. 숫자 7자리여야 합니다(공공기관 코드는 영문 대문자 "
    "1자와 숫자 6자리, 예: B550928).",
    _CODES,
)
AGENCY_CODE_TAKEN = _rule(
    "agency.code-taken", Outcome.CONFLICT,
    "The administrative standard agency code {code} is already registered to another agency.",
    "행정표준기관코드 {code}은(는) 이미 다른 기관에 등록되어 있습니다.",
    _CODES,
)
AGENCY_TEXT_REQUIRED = _rule(
    "agency.text-required", Outcome.INVALID,
    "{name} must not be empty.",
    "{name}은(는) 비어 있을 수 없습니다.",
    _DIRECTORY,
)
AGENCY_NO_CHANGE = _rule(
    "agency.no-change", Outcome.INVALID,
    "The change leaves the agency's names, kind and region as they are; nothing to record.",
    "기관명·유형·지역이 그대로여서 기록할 변경이 없습니다.",
    _DIRECTORY,
)

# --- Procurement: preparation ①②, search ③, method ④, selection ⑤ (SPEC §3) ------------------
_GUIDE_1 = "Guideline step ① budget confirmation (① 예산 확인)"
_GUIDE_2 = "Guideline step ② requirements definition, checklist (② 요구사항 정의서 작성)"
_GUIDE_4 = "Contract Rules art. 76-8, 76-9; guideline step ④ (조달방식 선택: 중앙조달·자체조달)"
_GUIDE_5 = "Guideline step ⑤ selection: forbidden practices (⑤ 이용계약 대상선정, 불공정 행위 금지 사항)"
_GUIDE_5_EVAL = "Guideline step ⑤ selection: evaluation (⑤ 평가 시 고려사항)"

PROCUREMENT_NOT_FOUND = _rule(
    "procurement.not-found", Outcome.NOT_FOUND,
    "No procurement {procurement_id} is recorded.",
    "조달 건 {procurement_id}이(가) 기록되어 있지 않습니다.",
    _GUIDE_1,
)
PROCUREMENT_ALREADY_OPEN = _rule(
    "procurement.already-open", Outcome.CONFLICT,
    "The agency already opened a procurement under reference {reference}.",
    "이 기관은 이미 참조번호 {reference}(으)로 조달 건을 등록했습니다.",
    _GUIDE_1,
)
PROCUREMENT_CLOSED = _rule(
    "procurement.closed", Outcome.CONFLICT,
    "The procurement is {status}; nothing more can be recorded on it.",
    "이미 {status_ko} 조달 건에는 더 이상 기록할 수 없습니다.",
    _GUIDE_5,
)
PROCUREMENT_TEXT_REQUIRED = _rule(
    "procurement.text-required", Outcome.INVALID,
    "{name} must not be blank.",
    "{name} 항목은 비워 둘 수 없습니다.",
    _GUIDE_5,
)
PROCUREMENT_BUDGET_LINES = _rule(
    "procurement.budget-lines", Outcome.INVALID,
    "A budget needs at least one line, each with a positive amount and each item once.",
    "예산은 한 개 이상의 항목이 필요하며, 각 항목은 한 번씩 양수 금액이어야 합니다.",
    _GUIDE_1,
)
PROCUREMENT_BUDGET_REQUIRED = _rule(
    "procurement.budget-required", Outcome.CONFLICT,
    "Confirm the budget (①) before defining the requirements (②).",
    "요구사항 정의서(②) 작성 전에 예산(①)을 확인해야 합니다.",
    _GUIDE_1,
)
REQUIREMENTS_SECTION_MISSING = _rule(
    "requirements.section-missing", Outcome.INVALID,
    "The requirements definition must state {section}.",
    "요구사항 정의서에 {section} 항목을 기재해야 합니다.",
    _GUIDE_2,
)
REQUIREMENTS_EXCEED_BUDGET = _rule(
    "requirements.exceed-budget", Outcome.INVALID,
    "The requirements' budget of {requested} KRW exceeds the confirmed budget of {confirmed} KRW.",
    "요구사항의 이용예산 {requested}원이 확인된 예산 {confirmed}원을 초과합니다(3-1).",
    _GUIDE_2 + " 3-1",
)
REQUIREMENTS_SLA_RANGE = _rule(
    "requirements.sla-range", Outcome.INVALID,
    "SLA minimum {indicator} must be a percentage above 0 and at most 100.",
    "SLA 최소 허용값 {indicator}은(는) 0 초과 100 이하의 백분율이어야 합니다.",
    _GUIDE_2 + " 7-1",
)
PROCUREMENT_REQUIREMENTS_REQUIRED = _rule(
    "procurement.requirements-required", Outcome.CONFLICT,
    "Define the requirements (②) first: searches, quotes and evaluations are judged against them.",
    "요구사항 정의서(②)를 먼저 작성해야 합니다. 검색·견적·평가는 이를 기준으로 합니다.",
    _GUIDE_2,
)
SEARCH_VENDOR_KEYWORD = _rule(
    "search.vendor-keyword", Outcome.INVALID,
    "Keywords must not name a company or a service; '{name}' is a registered name. Search by "
    "the function, quality and provider type the requirements describe.",
    "검색어에 기업명이나 서비스명을 사용할 수 없습니다('{name}'은(는) 등록된 명칭입니다). 요구사항 "
    "정의서의 기능·품질·제공자 유형 등으로 검색하십시오.",
    _GUIDE_SEARCH + ": 기업 또는 서비스를 특정할 수 있는 검색어는 절대 사용할 수 없다",
)
SEARCH_UNKNOWN = _rule(
    "search.unknown", Outcome.INVALID,
    "This procurement recorded no search {search_id}.",
    "이 조달 건에 검색 {search_id}의 기록이 없습니다.",
    _GUIDE_SEARCH,
)
SEARCH_STALE = _rule(
    "search.stale", Outcome.CONFLICT,
    "Search {search_id} was run against requirements version {version}; the requirements have "
    "been revised since (version {current}). Search again.",
    "검색 {search_id}은(는) 요구사항 정의서 {version}판 기준입니다. 이후 개정되었으므로({current}판) "
    "다시 검색하십시오.",
    _GUIDE_SEARCH,
)
SEARCH_SAVED_REQUIRED = _rule(
    "search.saved-required", Outcome.CONFLICT,
    "Save a search made against the current requirements first: the candidates are exactly its "
    "results.",
    "현행 요구사항 기준의 검색 결과를 먼저 저장해야 합니다. 계약 대상 후보는 그 결과 목록입니다.",
    _GUIDE_SEARCH,
)
SEARCH_CANDIDATES_FIXED = _rule(
    "search.candidates-fixed", Outcome.CONFLICT,
    "Quotes or proposals were already requested from search {search_id}'s results; saving another "
    "search now would change the candidate list. Revise the requirements to start again.",
    "검색 {search_id}의 결과로 이미 견적·제안을 요청했습니다. 다른 검색 결과를 저장하면 후보 목록이 "
    "바뀌므로, 다시 하려면 요구사항 정의서를 개정하십시오.",
    _GUIDE_5 + ": 둘 이상의 검색 결과를 조합하여 계약대상 목록 만들기",
)
SELECTION_NOT_CANDIDATE = _rule(
    "selection.not-candidate", Outcome.INVALID,
    "Service {service_id} is not in the saved search's results; the candidates are exactly that "
    "list, never a combination of searches.",
    "서비스 {service_id}은(는) 저장된 검색 결과에 없습니다. 계약 대상 후보는 그 목록뿐이며 여러 검색 "
    "결과를 조합할 수 없습니다.",
    _GUIDE_5 + ": 둘 이상의 검색 결과를 조합하여 계약대상 목록 만들기",
)
SELECTION_EXCLUDED = _rule(
    "selection.excluded", Outcome.CONFLICT,
    "Service {service_id} was excluded under clause {clause}.",
    "서비스 {service_id}은(는) {clause} 항목으로 제외되었습니다.",
    _GUIDE_5,
)
QUOTE_ALREADY_REQUESTED = _rule(
    "quote.already-requested", Outcome.CONFLICT,
    "A {kind} was already requested from service {service_id}.",
    "서비스 {service_id}에 이미 {kind_ko}을(를) 요청했습니다.",
    _GUIDE_5,
)
QUOTE_NOT_REQUESTED = _rule(
    "quote.not-requested", Outcome.CONFLICT,
    "No open {kind} request to service {service_id}: only a requested {kind} can be answered, once.",
    "서비스 {service_id}에 대한 미회신 {kind_ko} 요청이 없습니다. 요청받은 건에 한 번만 회신할 수 "
    "있습니다.",
    _GUIDE_5,
)
QUOTE_NOT_OWN_PROVIDER = _rule(
    "quote.not-own-provider", Outcome.FORBIDDEN,
    "Only the provider of service {service_id} may answer for it.",
    "서비스 {service_id}의 제공자만 회신할 수 있습니다.",
    _GUIDE_5,
)
QUOTE_TERMS = _rule(
    "quote.terms", Outcome.INVALID,
    "A quote needs a positive amount and a validity that has not ended ({today}).",
    "견적은 양수 금액과 {today} 이후까지의 유효기간이 필요합니다.",
    _GUIDE_5,
)
EXCLUSION_CLAUSE_NOT_STATED = _rule(
    "exclusion.clause-not-stated", Outcome.INVALID,
    "The requirements state nothing under clause {clause}; an exclusion must cite a requirement "
    "the candidate fails.",
    "요구사항 정의서의 {clause} 항목에 기재된 내용이 없습니다. 제외는 후보가 충족하지 못한 요구사항을 "
    "근거로 해야 합니다.",
    _GUIDE_5 + ": 요구사항 정의서에 따른 검색 결과를 기반하지 않고 서비스를 부당하게 제외",
)
EXCLUSION_NOT_GROUNDED = _rule(
    "exclusion.not-grounded", Outcome.INVALID,
    "Service {service_id} meets clause {clause} by its recorded attributes ({why}); it cannot be "
    "excluded on that ground.",
    "서비스 {service_id}은(는) 기록된 속성상 {clause} 항목을 충족합니다({why}). 이를 근거로 제외할 수 "
    "없습니다.",
    _GUIDE_5 + ": 요구사항 정의서에 따른 검색 결과를 기반하지 않고 서비스를 부당하게 제외",
)
EXCLUSION_EVIDENCE_REQUIRED = _rule(
    "exclusion.evidence-required", Outcome.INVALID,
    "Clause {clause} is a judgement: cite a recorded quote, proposal, inquiry or communication "
    "about service {service_id} that shows the failure.",
    "{clause} 항목은 판단이 필요한 항목이므로, 서비스 {service_id}에 관해 기록된 견적·제안·질의·"
    "의사소통 중 미충족을 보여주는 기록을 근거로 제시해야 합니다.",
    _GUIDE_5 + ": 요구사항 정의서에 따른 검색 결과를 기반하지 않고 서비스를 부당하게 제외",
)
EVALUATION_CRITERIA = _rule(
    "evaluation.criteria", Outcome.INVALID,
    "Evaluation criteria: {problem}.",
    "평가 기준: {problem_ko}.",
    _GUIDE_5_EVAL,
)
EVALUATION_SCORES = _rule(
    "evaluation.scores", Outcome.INVALID,
    "Evaluation scores: {problem}.",
    "평가 점수: {problem_ko}.",
    _GUIDE_SEARCH + ": 검색하여 최종 도출된 모든 디지털서비스를 대상으로 평가를 진행하여야 한다",
)
EVALUATION_REQUIRED = _rule(
    "evaluation.required", Outcome.CONFLICT,
    "{remaining} candidates remain: an evaluation scoring every one of them, recorded after the "
    "last exclusion, is required before an award.",
    "후보가 {remaining}개 남아 있으므로, 마지막 제외 이후 모든 후보를 평가한 결과가 있어야 선정할 수 "
    "있습니다.",
    _GUIDE_5_EVAL,
)
PROCUREMENT_METHOD_REQUIRED = _rule(
    "procurement.method-required", Outcome.CONFLICT,
    "Choose the procurement method (④ central or self) before the award.",
    "선정 전에 조달방식(④ 중앙조달 또는 자체조달)을 선택해야 합니다.",
    _GUIDE_4,
)
AWARD_CENTRAL_SINGLE_MALL = _rule(
    "award.central-single-mall", Outcome.INVALID,
    "Central procurement (Digital Service Mall) awards exactly one service, listed in the Mall; "
    "{problem}.",
    "중앙조달(디지털서비스몰 납품요구)은 몰에 등록된 서비스 하나만 선정할 수 있습니다: {problem_ko}.",
    _GUIDE_4 + "; PPS Act Decree art. 16",
)
AWARD_NOT_TOP_RANKED = _rule(
    "award.not-top-ranked", Outcome.INVALID,
    "Service {service_id} is not the evaluation's top-ranked {service_type} candidate "
    "({top_id}); record why the award departs from the ranking.",
    "서비스 {service_id}은(는) 평가 결과 {service_type} 유형 1순위({top_id})가 아닙니다. 평가 순위와 "
    "다르게 선정하는 사유를 기록해야 합니다.",
    _GUIDE_5_EVAL,
)
AWARD_SERVICES = _rule(
    "award.services", Outcome.INVALID,
    "An award names at least one service, each once.",
    "선정 대상은 한 개 이상이며 중복될 수 없습니다.",
    _GUIDE_5,
)

# --- Contracts: conclusion ⑥, disclosure ⑦, use ⑧, end ⑨ (SPEC §4) ---------------------------
_GUIDE_6 = "Guideline step ⑥ conclusion: mandatory items (⑥ 이용계약 체결, 필수 기재 항목)"
_GUIDE_7 = "Notice art. 9; guideline step ⑦ disclosure (⑦ 이용계약 정보 등록 및 공개)"
_GUIDE_8 = "Guideline step ⑧ monitoring and SLA (⑧ 서비스 이용점검 및 관리)"
_GUIDE_9 = "Guideline step ⑨ end of contract (⑨ 이용계약 종료)"
_DECREE_19 = "Enforcement Decree of the Cloud Computing Act art. 19 (시행령 제19조)"

CONTRACT_NOT_FOUND = _rule(
    "contract.not-found", Outcome.NOT_FOUND,
    "No contract {contract_id} is recorded.",
    "계약 {contract_id}이(가) 기록되어 있지 않습니다.",
    _GUIDE_6,
)
CONTRACT_ALREADY_CONCLUDED = _rule(
    "contract.already-concluded", Outcome.CONFLICT,
    "A contract was already concluded for {origin}.",
    "{origin}에 대한 계약이 이미 체결되었습니다.",
    _GUIDE_6,
)
CONTRACT_NEEDS_AWARD = _rule(
    "contract.needs-award", Outcome.CONFLICT,
    "A contract is concluded only for an awarded procurement, with exactly the awarded services.",
    "계약은 선정이 끝난 조달 건에 대해, 선정된 서비스 그대로 체결해야 합니다.",
    _GUIDE_6,
)
CONTRACT_PERIOD = _rule(
    "contract.period", Outcome.INVALID,
    "Contract period: {problem}.",
    "계약 기간: {problem_ko}.",
    _GUIDE_6 + "; Contract Rules art. 76-10",
)
CONTRACT_TERMS = _rule(
    "contract.terms", Outcome.INVALID,
    "Contract terms: {problem}.",
    "계약 조건: {problem_ko}.",
    _GUIDE_6,
)
CONTRACT_SLA_ANNEX = _rule(
    "contract.sla-annex", Outcome.INVALID,
    "The SLA annex must state its {item}.",
    "SLA 부속서에 {item} 항목을 기재해야 합니다.",
    _GUIDE_6 + " <SLA 작성 항목>",
)
CONTRACT_TEXT_REQUIRED = _rule(
    "contract.text-required", Outcome.INVALID,
    "{name} must not be blank.",
    "{name} 항목은 비워 둘 수 없습니다.",
    _GUIDE_6,
)
CONTRACT_STATE = _rule(
    "contract.state", Outcome.CONFLICT,
    "The contract is {status}; this needs it {expected}.",
    "계약 상태가 {status}입니다. 이 작업은 {expected} 상태에서만 할 수 있습니다.",
    _GUIDE_9,
)
CONTRACT_SERVICE_UNKNOWN = _rule(
    "contract.service-unknown", Outcome.INVALID,
    "Service {service_id} is not part of this contract.",
    "서비스 {service_id}은(는) 이 계약의 대상이 아닙니다.",
    _GUIDE_6,
)
DISCLOSURE_ALREADY_REGISTERED = _rule(
    "disclosure.already-registered", Outcome.CONFLICT,
    "The contract information is already registered; amend it after a change instead.",
    "이용계약 정보가 이미 등록되었습니다. 변경 시에는 수정등록하십시오.",
    _GUIDE_7,
)
DISCLOSURE_NOT_OUTDATED = _rule(
    "disclosure.not-outdated", Outcome.CONFLICT,
    "The registered contract information reflects every amendment; there is nothing to amend.",
    "등록된 이용계약 정보에 모든 변경이 반영되어 있어 수정등록할 내용이 없습니다.",
    _GUIDE_7,
)
SLA_REPORT_PERIOD = _rule(
    "sla.report-period", Outcome.INVALID,
    "An SLA report covers a past period inside the contract.",
    "SLA 보고는 계약기간 안의 지난 기간에 대한 것이어야 합니다.",
    _GUIDE_8,
)
SLA_BREACH_UNKNOWN = _rule(
    "sla.breach-unknown", Outcome.INVALID,
    "No SLA breach {breach_ref} was detected on this contract.",
    "이 계약에서 SLA 미달 {breach_ref}이(가) 확인된 바 없습니다.",
    _GUIDE_8,
)
IMPROVEMENT_STATE = _rule(
    "sla.improvement-state", Outcome.CONFLICT,
    "An improvement for {breach_ref} is requested once and confirmed once.",
    "{breach_ref}에 대한 개선 요구와 확인은 각각 한 번만 할 수 있습니다.",
    _GUIDE_8,
)
END_NOTICE_ALREADY_SENT = _rule(
    "end-notice.already-sent", Outcome.CONFLICT,
    "This provider already sent its end notice.",
    "이 제공자는 이미 종료 통지를 했습니다.",
    _DECREE_19,
)
END_NOTICE_ITEMS = _rule(
    "end-notice.items", Outcome.INVALID,
    "An end notice must state {item}.",
    "종료 통지에는 {item} 항목이 있어야 합니다.",
    _DECREE_19 + "(1), (3)",
)
END_NOTICE_LATE = _rule(
    "end-notice.late", Outcome.CONFLICT,
    "The end notice is due at least 30 days before the end ({end}); on {today} it is too late.",
    "종료 통지는 계약 종료({end}) 30일 전까지 해야 합니다. {today}은(는) 기한이 지났습니다.",
    _DECREE_19 + "(1)",
)
TERMINATION_AGENCY_PAYMENTS = _rule(
    "termination.agency-payments", Outcome.INVALID,
    "A termination for the agency's necessity records the unpaid fees and the contract deposit "
    "it pays.",
    "수요기관 사정에 의한 해지는 미지급 대가와 계약보증금액을 기록해야 합니다.",
    _GUIDE_9 + "; 용역계약 일반조건 제8조",
)
TERMINATION_GROUND_EVIDENCE = _rule(
    "termination.ground-evidence", Outcome.CONFLICT,
    "The ground {ground} needs {evidence} on this contract.",
    "{ground} 사유에는 이 계약에 {evidence}이(가) 있어야 합니다.",
    _GUIDE_9 + " ① 제공자의 귀책사유",
)
CONTRACT_NOT_YET_ENDED = _rule(
    "contract.not-yet-ended", Outcome.CONFLICT,
    "The contract runs until {end}; it cannot expire on {today}.",
    "계약기간이 {end}까지이므로 {today}에 만료될 수 없습니다.",
    _GUIDE_9,
)
CONTRACT_FOLLOW_UP = _rule(
    "contract.follow-up", Outcome.CONFLICT,
    "The contract is {status}: ended, renewed or replaced is chosen once after it ends (renewal "
    "only after expiry), naming the new contract or procurement unless it simply ended.",
    "계약 상태가 {status}입니다. 종료 후 한 번만 계약 종료·재계약·신규계약을 선택하며(재계약은 만료 "
    "후에만), 종료가 아니면 새 계약 또는 조달 건을 지정해야 합니다.",
    _GUIDE_9,
)
REPLACEMENT_MIGRATION_BUDGET = _rule(
    "contract.replacement-migration-budget", Outcome.INVALID,
    "A replacement needs a procurement of the same agency whose budget sets aside money for "
    "migration.",
    "신규계약(서비스 이관)은 마이그레이션 예산을 확보한 같은 기관의 조달 건이 있어야 합니다.",
    _GUIDE_9,
)
DATA_DISPOSITION_ORDER = _rule(
    "data.disposition-order", Outcome.CONFLICT,
    "Data disposition: {problem}.",
    "이용자 정보 처리: {problem_ko}.",
    _DECREE_19 + "(4), (5)",
)
CONTRACT_NOT_DISPOSED = _rule(
    "contract.not-disposed", Outcome.CONFLICT,
    "The contract closes only after every provider confirmed the data's destruction (after its "
    "return where asked) and the agency verified the obligations.",
    "모든 제공자가 이용자 정보의 파기(요청 시 반환 후)를 확인하고 수요기관이 이행을 확인한 뒤에만 "
    "계약을 종결할 수 있습니다.",
    _DECREE_19 + "; " + _GUIDE_9,
)

# Business cessation and the data-exit clock (issue 20; Decree art. 19(2)-(6)): kept together.
_DECREE_19_2 = _DECREE_19 + "(2) (사업 종료 30일 전까지 통지·게시)"
CESSATION_ITEMS = _rule(
    "cessation.items", Outcome.INVALID,
    "A business cessation notice states {item}: what business ends and why, the end date, the "
    "right to ask for the data back, that data not taken back by the end date is destroyed, the "
    "return method and procedure, the responsible department and contact, at least one channel "
    "(phone, mobile, post, e-mail, SMS) and the website page where it is posted until the end "
    "date.",
    "사업 종료 통지에는 {item} 항목이 있어야 합니다: 종료하려는 사업의 내용 및 사유, 사업 종료일, "
    "반환 요구 가능 사실, 미반환 시 파기 사실, 반환 방법 및 절차, 담당부서 및 연락처, 하나 이상의 통지 "
    "방법(전화·휴대전화·우편·전자우편·문자메시지)과 종료일까지 게시하는 홈페이지.",
    _DECREE_19 + "(2), (3)",
)
CESSATION_LATE = _rule(
    "cessation.late", Outcome.CONFLICT,
    "A business cessation is notified at least 30 days before the business end date ({end}); "
    "on {today} it is too late.",
    "사업 종료는 사업 종료일({end}) 30일 전까지 통지해야 합니다. {today}은(는) 기한이 지났습니다.",
    _DECREE_19_2,
)
CESSATION_ALREADY_NOTICED = _rule(
    "cessation.already-noticed", Outcome.CONFLICT,
    "The service {service_id} already has a business cessation noticed, ending on {end}.",
    "서비스 {service_id}에는 이미 {end}에 끝나는 사업 종료가 통지되었습니다.",
    _DECREE_19_2,
)
CESSATION_SERVICES = _rule(
    "cessation.services", Outcome.INVALID,
    "A cessation names services of one provider, each registered and still open; {service_id} "
    "is not one of {provider_id}'s open services.",
    "사업 종료는 한 제공자의 등록된(취소·만료되지 않은) 서비스만 지정할 수 있습니다. {service_id}은(는) "
    "{provider_id}의 서비스가 아닙니다.",
    _DECREE_19_2,
)

# Rules that close gaps found on a running ledger (issue 15): kept together in this block.
_GUIDE_4_CENTRAL = (
    "Guideline step ④ procurement method: a delivery request only for services listed in the "
    "Digital Service Mall (④ 중앙조달: 디지털서비스몰에 등록된 디지털서비스에 대해 납품요구); "
    "PPS Act Decree art. 16"
)

CONTRACT_CENTRAL_MALL_LISTED = _rule(
    "contract.central-mall-listed", Outcome.CONFLICT,
    "A central-procurement contract is a delivery request on the Digital Service Mall, so every "
    "service must be listed there when it is concluded; not listed now: {services}. Conclude it "
    "as a negotiated contract (self procurement) instead.",
    "중앙조달 계약은 디지털서비스몰 납품요구이므로 체결 시점에 모든 서비스가 몰에 등록되어 있어야 "
    "합니다. 현재 미등록: {services}. 자체조달(수의계약)로 체결하십시오.",
    _GUIDE_4_CENTRAL,
)

SLA_REPORT_AFTER_TERMINATION = _rule(
    "sla.after-termination", Outcome.INVALID,
    "The contract was terminated with effect from {effective}: it was in force, and SLA reports, "
    "improvement requests and their deadlines concern the service, only up to that date.",
    "계약이 {effective}자로 해지되었으므로 그날까지만 효력이 있습니다. SLA 보고와 개선 요구(기한 "
    "포함)는 그 이전 기간에 대해서만 할 수 있습니다.",
    _GUIDE_9 + ": 계약 해지 — 해지 시점까지의 계약은 유효한 것으로 처리하고, 남은 계약기간을 취소; "
    + _GUIDE_8,
)

CONTRACT_RENEWAL_LINK = _rule(
    "contract.renewal-link", Outcome.CONFLICT,
    "A renewal (재계약) is the same provider again under a new contract: it is recorded by "
    "concluding that renewal (POST /contracts/{{id}}/renewal), which links both contracts, never "
    "by naming a procurement or any other contract.",
    "재계약은 같은 제공자와 새 계약을 체결하는 것이므로 재계약 체결(POST /contracts/{{id}}/renewal)로만 "
    "기록되며, 두 계약이 서로 연결됩니다. 조달 건이나 다른 계약을 지정하여 기록할 수 없습니다.",
    _GUIDE_9 + ": 서비스 재계약(계속계약) — 동일 제공자, 서비스 이관 없음",
)

_FISCAL_YEAR = (
    "National Finance Act arts. 2-3 (국가재정법 제2조 회계연도는 1월 1일~12월 31일, 제3조 회계연도 "
    "독립의 원칙)"
)
CONTRACT_OVER_BUDGET = _rule(
    "contract.over-budget", Outcome.INVALID,
    "The contract's total of {total} KRW exceeds the procurement's confirmed budget of {budget} "
    "KRW. Record the revised budget (with its reason) on the procurement first.",
    "계약 총액 {total}원이 조달 건의 확인된 예산 {budget}원을 초과합니다. 먼저 조달 건에 변경된 "
    "예산과 그 사유를 기록하십시오.",
    _GUIDE_1 + ": 편성 예산을 확인하여 예산 범위 내에서 계획적인 디지털서비스 이용; "
    + _GUIDE_2 + " 3-1 가용 예산을 초과하지 않는지 확인",
)
CONTRACT_FISCAL_YEAR = _rule(
    "contract.fiscal-year", Outcome.INVALID,
    "A single-year contract lies inside the fiscal year of its procurement's budget ({fiscal_year}"
    "); this one starts in {year}. Open the procurement for that fiscal year, or conclude a "
    "long-term continuing contract.",
    "단년도 계약은 조달 건 예산의 회계연도({fiscal_year}년) 안에서 체결해야 하나, 이 계약은 "
    "{year}년에 시작합니다. 해당 회계연도의 조달 건으로 진행하거나 장기계속계약으로 체결하십시오.",
    _GUIDE_6 + ": 계약기간은 12개월 이내(회계연도 이내)로 체결하는 단년도 계약이 기본; "
    + _FISCAL_YEAR,
)
PROCUREMENT_BUDGET_REVISION = _rule(
    "procurement.budget-revision", Outcome.INVALID,
    "A budget revision records a new, positive confirmed total different from the current "
    "{current} KRW, with its reason.",
    "예산 변경은 현재 {current}원과 다른 양수의 확인 예산 총액과 그 사유를 기록해야 합니다.",
    _GUIDE_1 + ": 이용요금 부족분 발생 시 정보화사업의 낙찰차액도 활용 가능",
)

CLOCK_BEFORE_LOG = _rule(
    "system.clock-before-log", Outcome.INVALID,
    "The ledger's clock cannot be set to {now}: the log's newest event was recorded at {last}, and "
    "the ledger's time never goes back (new events would be stamped before existing ones). Use "
    "{last} or later.",
    "원장 시각을 {now}(으)로 설정할 수 없습니다. 원장의 마지막 이벤트가 {last}에 기록되었고, 원장 "
    "시각은 뒤로 갈 수 없습니다(새 이벤트가 기존 이벤트보다 앞선 시각으로 기록됨). {last} 이후로 "
    "설정하십시오.",
    "dsledger event log: events in time order, as-of reads (?at=) and deadlines rely on it "
    "(SPEC: integrity; nothing is ever updated or reordered in the event store)",
)

# --- Quality inspections (SPEC §2) and provider reporting (SPEC §5) --------------------------
_NOTICE_9 = "Notice on digital-service selection art. 9(1) (고시 제9조, 계약정보의 제출)"

INSPECTION_NOT_FOUND = _rule(
    "inspection.not-found", Outcome.NOT_FOUND,
    "No quality inspection {inspection_id} is recorded.",
    "품질관리 점검 {inspection_id}이(가) 기록되어 있지 않습니다.",
    _NOTICE_8,
)
INSPECTION_ALREADY_SCHEDULED = _rule(
    "inspection.already-scheduled", Outcome.CONFLICT,
    "This inspection ({key}) is already scheduled for the service.",
    "이 서비스의 점검({key})이 이미 예정되어 있습니다.",
    _NOTICE_8,
)
INSPECTION_TRIGGER = _rule(
    "inspection.trigger", Outcome.INVALID,
    "A continuous inspection names the change that triggered it; the other kinds do not.",
    "상시 점검은 계기가 된 변동 사항을 기재하며, 다른 점검은 기재하지 않습니다.",
    _NOTICE_8,
)
INSPECTION_TEXT_REQUIRED = _rule(
    "inspection.text-required", Outcome.INVALID,
    "{name} is required.",
    "{name} 항목이 필요합니다.",
    _NOTICE_8,
)
INSPECTION_DOCUMENTS = _rule(
    "inspection.documents", Outcome.INVALID,
    "Name the documents requested and a deadline in the future.",
    "요청 서류와 미래의 제출 기한을 지정해야 합니다.",
    _NOTICE_8 + "(2)",
)
INSPECTION_FINDING_UNKNOWN = _rule(
    "inspection.finding-unknown", Outcome.INVALID,
    "No finding {finding_id} is recorded in this inspection.",
    "이 점검에 {finding_id} 결과가 기록되어 있지 않습니다.",
    _NOTICE_8,
)
INSPECTION_ACTION_STATE = _rule(
    "inspection.action-state", Outcome.CONFLICT,
    "The corrective action for {finding_id} is {state}.",
    "{finding_id}에 대한 시정조치가 처리할 수 없는 상태입니다({state}).",
    _NOTICE_8,
)
INSPECTION_DEADLINE_NOT_PASSED = _rule(
    "inspection.deadline-not-passed", Outcome.CONFLICT,
    "The corrective action is due on {deadline}; it goes to re-review only after that ({today}).",
    "시정조치 기한이 {deadline}이므로 그 이후에만 재심사에 회부할 수 있습니다({today}).",
    _NOTICE_8,
)
INSPECTION_OUTCOME = _rule(
    "inspection.outcome", Outcome.CONFLICT,
    "Inspection outcome: {problem}.",
    "점검 결과: {problem_ko}.",
    _NOTICE_8,
)
INSPECTION_CLOSED = _rule(
    "inspection.closed", Outcome.CONFLICT,
    "The inspection is closed; nothing more can be recorded on it.",
    "종료된 점검에는 더 이상 기록할 수 없습니다.",
    _NOTICE_8,
)
REPORT_PERIOD = _rule(
    "report.period", Outcome.INVALID,
    "A semiannual report covers a half (1 or 2) that has ended; {year} H{half} has not.",
    "반기 보고는 끝난 반기(1 또는 2)에 대해서만 제출합니다. {year}년 {half}반기는 해당하지 않습니다.",
    _NOTICE_9,
)
REPORT_ALREADY_SUBMITTED = _rule(
    "report.already-submitted", Outcome.CONFLICT,
    "The provider already submitted its report for {period}.",
    "이 제공자는 {period} 보고를 이미 제출했습니다.",
    _NOTICE_9,
)
REPORT_CONTRACT_LINE = _rule(
    "report.contract-line", Outcome.INVALID,
    "Contract line {reference}: it needs the agency, a reference, a period that ends after it "
    "starts and an amount that is not negative.",
    "계약 {reference}: 기관명, 계약번호, 시작 이후 종료되는 기간, 음수가 아닌 금액이 필요합니다.",
    _NOTICE_9,
)

# --- Input bounds and request limits (domain/bounds.py, api/limits.py) -------------------------
_BOUNDS = "dsledger input bounds (RFC 9457 problem; domain/bounds.py)"
INPUT_AMOUNT = _rule(
    "input.amount", Outcome.INVALID,
    "{name} must be a finite amount in won, {minimum}, at most {maximum}, with at most "
    "{places} decimal places; {value} is not.",
    "{name}은(는) {minimum_ko}, {maximum}원 이하이고 소수점 이하 {places}자리 이내인 유한한 "
    "금액이어야 합니다. {value}은(는) 허용되지 않습니다.",
    _BOUNDS,
)
INPUT_PERCENTAGE = _rule(
    "input.percentage", Outcome.INVALID,
    "{name} must be a finite percentage from 0 to 100 with at most {places} decimal places; "
    "{value} is not.",
    "{name}은(는) 0에서 100 사이, 소수점 이하 {places}자리 이내의 백분율이어야 합니다. "
    "{value}은(는) 허용되지 않습니다.",
    _BOUNDS,
)
INPUT_QUANTITY = _rule(
    "input.quantity", Outcome.INVALID,
    "{name} must be a finite number of {unit} from 0 to {maximum} with at most {places} decimal "
    "places; {value} is not.",
    "{name}은(는) 0에서 {maximum} 사이({unit}), 소수점 이하 {places}자리 이내의 수여야 합니다. "
    "{value}은(는) 허용되지 않습니다.",
    _BOUNDS,
)
INPUT_TEXT = _rule(
    "input.text", Outcome.INVALID,
    "{name} must be text of at most {maximum} characters without NUL or control characters "
    "(tab, line feed and carriage return aside): {problem}.",
    "{name}은(는) {maximum}자 이내이며 NUL이나 제어 문자(탭·줄바꿈 제외)가 없는 글이어야 합니다: "
    "{problem_ko}.",
    _BOUNDS,
)
REQUEST_TOO_DEEP = _rule(
    "request.too-deep", Outcome.MALFORMED,
    "The JSON body nests arrays and objects more than {limit} levels deep.",
    "JSON 본문의 배열·객체 중첩이 {limit}단계를 넘습니다.",
    _BOUNDS,
)
REQUEST_TOO_LARGE = _rule(
    "request.too-large", Outcome.MALFORMED,
    "The body is larger than {limit} bytes.",
    "본문이 {limit}바이트를 넘습니다.",
    _BOUNDS,
)
REQUEST_MEDIA_TYPE = _rule(
    "request.media-type", Outcome.UNSUPPORTED_MEDIA_TYPE,
    "A request body must be JSON (Content-Type: application/json); {media_type} is not accepted.",
    "요청 본문은 JSON(Content-Type: application/json)이어야 합니다. {media_type}은(는) 받지 "
    "않습니다.",
    _BOUNDS,
)
REQUEST_PARAMETER_TEXT = _rule(
    "request.parameter-text", Outcome.MALFORMED,
    "The query parameter {name} contains NUL or a control character.",
    "질의 매개변수 {name}에 NUL 또는 제어 문자가 들어 있습니다.",
    _BOUNDS,
)

# --- Requests, authentication, concurrency ----------------------------------------------------
REQUEST_MALFORMED = _rule(
    "request.malformed", Outcome.MALFORMED,
    "The request does not match its schema: {problem}",
    "요청이 형식에 맞지 않습니다: {problem}",
    _API,
)
DEADLINE_NOT_APPLICABLE = _rule(
    "deadline.not-applicable", Outcome.CONFLICT,
    "The {kind} deadline is met, already recorded, or not yet reached.",
    "{kind} 기한은 이미 이행되었거나, 기록되었거나, 아직 도래하지 않았습니다.",
    "dsledger deadlines (domain/deadlines.py)",
)
CLOCK_NOT_CONTROLLABLE = _rule(
    "system.clock-not-controllable", Outcome.CONFLICT,
    "This ledger runs on real time; only a demo (serve --now or --demo) has a movable clock.",
    "이 원장은 실제 시각으로 운영됩니다. 시각 조정은 시연 모드에서만 가능합니다.",
    _API,
)
CLOCK_BACKWARDS = _rule(
    "system.clock-backwards", Outcome.INVALID,
    "{problem}",
    "원장 시각은 앞으로만 움직입니다: {problem}",
    _API,
)
IDEMPOTENCY_KEY_REUSED = _rule(
    "request.idempotency-key-reused", Outcome.INVALID,
    "This Idempotency-Key was already used for a different request.",
    "이 Idempotency-Key는 다른 요청에 이미 사용되었습니다.",
    _API,
)
IDEMPOTENCY_IN_PROGRESS = _rule(
    "request.idempotency-in-progress", Outcome.CONFLICT,
    "A request with this Idempotency-Key is still being processed; retry shortly.",
    "같은 Idempotency-Key의 요청을 처리 중입니다. 잠시 후 다시 시도하십시오.",
    _API,
)
IDEMPOTENCY_RECORDED_UNANSWERED = _rule(
    "request.idempotency-recorded-unanswered", Outcome.CONFLICT,
    "The request with this Idempotency-Key was recorded before the server stopped, and its answer "
    "was lost: {count} event(s), the last {event} of {aggregate_id} (version {version}) at ledger "
    "position {position}. It was not recorded again.",
    "이 Idempotency-Key의 요청은 서버가 멈추기 전에 기록되었으나 응답이 전달되지 못했습니다: "
    "이벤트 {count}건, 마지막은 {aggregate_id}의 {event}(버전 {version}, 원장 위치 {position}). "
    "다시 기록하지 않았습니다.",
    _API,
)
AUTH_UNAUTHENTICATED = _rule(
    "auth.unauthenticated", Outcome.UNAUTHENTICATED,
    "A valid bearer token is required.",
    "유효한 인증 토큰이 필요합니다.",
    _API,
)
AUTH_ROLE_FORBIDDEN = _rule(
    "auth.role-forbidden", Outcome.FORBIDDEN,
    "The role '{role}' may not do this; allowed: {allowed}.",
    "'{role}' 역할은 이 작업을 할 수 없습니다. 허용 역할: {allowed}.",
    "SPEC: actors and what each may do",
)
AUTH_NOT_OWNER = _rule(
    "auth.not-owner", Outcome.FORBIDDEN,
    "This {kind} belongs to another {owner_kind}.",
    "다른 {owner_kind_ko}의 {kind_ko}에는 접근할 수 없습니다.",
    "SPEC: actors and what each may do",
)
RESOURCE_NOT_FOUND = _rule(
    "resource.not-found", Outcome.NOT_FOUND,
    "Nothing is found at {path}.",
    "{path}에 해당하는 자원이 없습니다.",
    _API,
)
COMMAND_VERSION_CONFLICT = _rule(
    "command.version-conflict", Outcome.CONFLICT,
    "The {kind} changed since version {expected}; it is now at version {actual}. Reload and retry.",
    "{kind}이(가) 버전 {expected} 이후 변경되었습니다(현재 {actual}). 다시 불러와 재시도하십시오.",
    _API,
)

# --- History: the log replayed for auditors ----------------------------------------------------
_HISTORY = "dsledger audit: every aggregate's history replayed from the one event log"
HISTORY_NOT_FOUND = _rule(
    "history.not-found", Outcome.NOT_FOUND,
    "No aggregate {aggregate_id} is recorded in the ledger.",
    "원장에 {aggregate_id}의 기록이 없습니다.",
    _HISTORY,
)
HISTORY_EVENT_UNREADABLE = _rule(
    "history.event-unreadable", Outcome.CONFLICT,
    "Version {version} of {aggregate_id} (ledger sequence {sequence}) cannot be read: its stored "
    "bytes no longer decode, so the log may have been altered. Run dsledger verify.",
    "{aggregate_id}의 버전 {version}(원장 순번 {sequence})을 읽을 수 없습니다. 저장된 바이트가 "
    "해독되지 않아 원장이 변경되었을 수 있습니다. dsledger verify로 확인하십시오.",
    _HISTORY,
)
HISTORY_EVENT_ALTERED = _rule(
    "history.event-altered", Outcome.CONFLICT,
    "Version {version} of {aggregate_id} (ledger sequence {sequence}) no longer matches the Merkle "
    "log: its stored bytes changed after they were logged, so no proof can be given for it. Run "
    "dsledger verify.",
    "{aggregate_id}의 버전 {version}(원장 순번 {sequence})이 머클 로그와 일치하지 않습니다. 기록된 "
    "뒤 저장된 바이트가 바뀌어 증명을 제공할 수 없습니다. dsledger verify로 확인하십시오.",
    _HISTORY,
)
HISTORY_LOG_BEHIND = _rule(
    "history.log-behind", Outcome.CONFLICT,
    "The Merkle log has not yet caught up with the ledger (at {position} of {head}), so the "
    "events cannot be proven yet. Try again shortly.",
    "머클 로그가 아직 원장을 따라잡지 못해({head} 중 {position}) 사건을 아직 증명할 수 없습니다. "
    "잠시 후 다시 시도하십시오.",
    _HISTORY,
)
HISTORY_ONE_POINT = _rule(
    "history.one-point", Outcome.MALFORMED,
    "Ask for the state at exactly one point, version=N or at=<ISO-8601 time>; {given}.",
    "한 시점만 지정하십시오(version=N 또는 at=<ISO-8601 시각>). {given_ko}",
    _HISTORY,
)
HISTORY_RANGE_REVERSED = _rule(
    "history.range-reversed", Outcome.MALFORMED,
    "from ({from_version}) must not be after to ({to_version}).",
    "from({from_version})은 to({to_version})보다 클 수 없습니다.",
    _HISTORY,
)
HISTORY_VERSION_NOT_RECORDED = _rule(
    "history.version-not-recorded", Outcome.INVALID,
    "The {kind} is recorded up to version {last}; version {version} does not exist.",
    "이 {kind_ko}은(는) 버전 {last}까지 기록되어 있습니다. 버전 {version}은(는) 없습니다.",
    _HISTORY,
)
HISTORY_BEFORE_CREATION = _rule(
    "history.before-creation", Outcome.INVALID,
    "The {kind} did not exist at {at}; its first event was recorded at {first}.",
    "{at}에는 이 {kind_ko}이(가) 존재하지 않았습니다. 첫 기록 시각: {first}.",
    _HISTORY,
)

# --- The verifiable log: signed tree heads and Merkle proofs (RFC 9162) --------------------------
_AUDIT_LOG = "dsledger audit: RFC 9162 Merkle log over the global event sequence, Ed25519 tree heads"
AUDIT_TREE_HEAD_NOT_FOUND = _rule(
    "audit.tree-head-not-found", Outcome.NOT_FOUND,
    "No signed tree head of size {tree_size} exists; list them at GET /audit/tree-heads.",
    "크기 {tree_size}의 서명된 트리 헤드가 없습니다. GET /audit/tree-heads에서 확인하십시오.",
    _AUDIT_LOG,
)
AUDIT_EVENT_NOT_IN_TREE = _rule(
    "audit.event-not-in-tree", Outcome.NOT_FOUND,
    "The event at sequence {sequence} is not in the signed tree of size {tree_size} (not recorded, "
    "or recorded after that head was signed).",
    "순번 {sequence}의 이벤트는 크기 {tree_size}의 서명된 트리에 없습니다(기록되지 않았거나 그 이후 기록됨).",
    _AUDIT_LOG,
)
AUDIT_TILE_NOT_FOUND = _rule(
    "audit.tile-not-found", Outcome.NOT_FOUND,
    "There is no hash tile {path}: the path is not a C2SP tlog-tiles tile path "
    "(tile/<L>/<N>[.p/<W>]) or the log does not hold it yet.",
    "해시 타일 {path}이(가) 없습니다: C2SP tlog-tiles 경로(tile/<L>/<N>[.p/<W>])가 아니거나 로그가 "
    "아직 그 타일을 갖고 있지 않습니다.",
    "C2SP tlog-tiles; " + _AUDIT_LOG,
)
AUDIT_SIZES_REVERSED = _rule(
    "audit.sizes-reversed", Outcome.MALFORMED,
    "first ({first}) must not be larger than second ({second}).",
    "first({first})는 second({second})보다 클 수 없습니다.",
    _AUDIT_LOG,
)

# --- Open Contracting Data Standard publication ------------------------------------------------
_OCDS = ("dsledger OCDS 1.1 publication of registered disclosures (Notice art. 9(2); "
         "dsledger/ocds_extension/README.md)")
OCDS_RECORD_NOT_FOUND = _rule(
    "ocds.record-not-found", Outcome.NOT_FOUND,
    "No published OCDS record has the ocid {ocid}; a procurement is published once one of its "
    "contracts has a registered disclosure.",
    "ocid {ocid}인 공개 OCDS 레코드가 없습니다. 조달 건은 계약 정보가 등록(공개)된 뒤에 게시됩니다.",
    _OCDS,
)
