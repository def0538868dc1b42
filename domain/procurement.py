"""The Procurement aggregate: an agency's way from budget to award, steps ① to ⑤ of the guideline.

① BudgetConfirmed → ② RequirementsDefined (versioned) → ③ SearchRecorded / SearchSaved →
④ ProcurementMethodChosen → ⑤ quotes, proposals, inquiries, communications, exclusions, evaluation
→ Awarded (or Abandoned at any point before).

The forbidden practices of step ⑤ are made impossible here: keywords naming a vendor, candidate
lists combined from several searches, exclusions not grounded in the requirements, awards outside
the candidate set or against the evaluation without a recorded reason.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import event

from domain import bounds, rules
from domain.actor import Role, current_context
from domain.aggregate import LedgerAggregate, require_system
from domain.requirements import (
    Budget,
    Clause,
    Requirements,
    stated,
    validate_budget,
    validate_requirements,
)
from domain.rules import refuse, require
from domain.search import CatalogueEntry, SearchConditions, SearchSnapshot, validate_conditions
from domain.values import LabelledEnum, ServiceType
from domain.vendor_names import vendor_names_in


class ProcurementMethod(LabelledEnum):
    CENTRAL = "central"  # 중앙조달: Digital Service Mall, 납품요구
    SELF = "self"  # 자체조달: negotiated contract, 수의계약


class ProcurementStatus(LabelledEnum):
    OPEN = "open"
    AWARDED = "awarded"
    ABANDONED = "abandoned"


class CommunicationChannel(LabelledEnum):
    EMAIL = "email"
    MEETING = "meeting"
    PHONE = "phone"
    OTHER = "other"


STANDARD_CRITERIA = ("tco", "technical_fit", "customer_support", "performance_stability")
"""총소유비용, 기술적 장점 및 기능 적합성, 고객지원체계, 성능 및 안정성 (⑤ 평가 시 고려사항)."""


class RecordedSearch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    search_id: str
    conditions: SearchConditions
    requirements_version: int
    catalogue_position: int
    total: int
    results: tuple[CatalogueEntry, ...]
    performed_at: datetime
    refines: str | None = None


class QuoteRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_id: str
    provider_id: str
    due: date
    note: str

    def __post_init__(self) -> None:
        bounds.texts(self, {"service_id": bounds.ID_LENGTH, "provider_id": bounds.ID_LENGTH})


class Quote(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_id: str
    amount_krw: Decimal
    valid_until: date
    document_ref: str
    detail: str

    def __post_init__(self) -> None:
        bounds.texts(self, {"service_id": bounds.ID_LENGTH, "document_ref": bounds.LINE_LENGTH})
        # 0 passes here so the quote is refused under its own rule (quote.terms).
        bounds.amount(self.amount_krw, "amount_krw", zero_allowed=True)


class Criterion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    key: str
    label: str
    weight: Decimal

    def __post_init__(self) -> None:
        bounds.texts(self, {"key": bounds.ID_LENGTH}, default=bounds.NAME_LENGTH)
        bounds.percentage(self.weight, "weight")  # weights add up to 100


class CandidateScore(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_id: str
    scores: dict[str, Decimal]

    def __post_init__(self) -> None:
        bounds.texts(self, default=bounds.ID_LENGTH)
        for score in self.scores.values():
            bounds.percentage(score, "scores", range_ruled=True)  # evaluation.scores: 0-100


class Evaluation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    criteria: tuple[Criterion, ...]
    scores: tuple[CandidateScore, ...]

    def total(self, service_id: str) -> Decimal:
        weights = {criterion.key: criterion.weight for criterion in self.criteria}
        for candidate in self.scores:
            if candidate.service_id == service_id:
                return sum((weights[key] * score / 100 for key, score in candidate.scores.items()),
                           Decimal(0))
        raise KeyError(service_id)

    def ranking(self) -> list[str]:
        """Best first; a tie keeps the order the candidates were scored in."""
        order = [candidate.service_id for candidate in self.scores]
        return sorted(order, key=lambda service_id: -self.total(service_id))


class Exclusion(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    service_id: str
    clause: str
    reason: str
    evidence: str | None

    def __post_init__(self) -> None:
        bounds.texts(self, {"service_id": bounds.ID_LENGTH, "clause": bounds.ID_LENGTH})


class LiveService(msgspec.Struct, frozen=True):
    """A candidate's state in the catalogue now (read from its DigitalService when a quote is
    requested or an award made): only an active service can be quoted or awarded."""

    service_id: str
    active: bool
    status: str
    mall_listed: bool


class Procurement(LedgerAggregate):
    revised_budget_krw: Decimal | None = None
    """Set by BudgetRevised; a class default so that state saved before the event existed (a
    snapshot) still reads."""

    # --- ① opening and budget ---------------------------------------------------------------
    @staticmethod
    def create_id(agency_id: str, reference: str) -> UUID:
        return procurement_id_for(agency_id, reference)

    @classmethod
    def open(cls, *, agency_id: str, reference: str, title: str,
             fiscal_year: int, agency_name: str = "") -> Procurement:
        """``agency_name``: the agency's Korean name in the directory when the procurement is
        opened, recorded with it so that the evidence pack (folded from this aggregate's events
        alone) can print who bought, as it was called then."""
        for name, text, limit in (("agency_id", agency_id, bounds.ID_LENGTH),
                                  ("reference", reference, 100),  # procurements.reference
                                  ("title", title, bounds.LINE_LENGTH)):
            bounds.text(text, name, limit)
            require(bool(text.strip()), rules.PROCUREMENT_TEXT_REQUIRED, name, name=name)
        bounds.count(fiscal_year, "fiscal_year", 9999, "years")
        actor = current_context().actor
        if actor.role is not Role.AGENCY or actor.agency_id != agency_id.strip():
            refuse(rules.AUTH_NOT_OWNER, "agency_id", kind="procurement", kind_ko="조달 건",
                   owner_kind="agency", owner_kind_ko="수요기관")
        return cls(agency_id=agency_id.strip(), reference=reference.strip(), title=title.strip(),
                   fiscal_year=fiscal_year, agency_name=agency_name.strip())

    def confirm_budget(self, budget: Budget) -> None:
        self._require_open_by_agency()
        validate_budget(budget)
        if self.requirements is not None:
            validate_requirements(self.requirements, budget)
        self._budget_confirmed(budget=budget)

    def revise_budget(self, confirmed_total_krw: Decimal, reason: str) -> None:
        """The confirmed budget changed after it was confirmed (a supplementary budget, a transfer,
        the 낙찰차액 the guideline lets an agency use when the usage fee falls short): the agency
        records the new confirmed total and why. Contracts and amendments are held to it."""
        self._require_agency_owner()
        require(self.status is not ProcurementStatus.ABANDONED, rules.PROCUREMENT_CLOSED,
                status=self.status.value, status_ko="중단된")
        if self.budget is None:
            refuse(rules.PROCUREMENT_BUDGET_REQUIRED)
        require(bool(reason.strip()), rules.PROCUREMENT_TEXT_REQUIRED, "reason", name="reason")
        require(confirmed_total_krw > 0 and confirmed_total_krw != self.confirmed_budget_krw,
                rules.PROCUREMENT_BUDGET_REVISION, "confirmed_total_krw",
                current=f"{self.confirmed_budget_krw:,}")
        self._budget_revised(confirmed_total_krw=confirmed_total_krw, reason=reason.strip())

    # --- ② requirements -----------------------------------------------------------------------
    def define_requirements(self, requirements: Requirements) -> None:
        self._require_open_by_agency()
        if self.budget is None:
            refuse(rules.PROCUREMENT_BUDGET_REQUIRED)
        validate_requirements(requirements, self.budget)
        self._requirements_defined(version=self.requirements_version + 1,
                                   requirements=requirements)

    # --- ③ search ---------------------------------------------------------------------------
    def record_search(self, conditions: SearchConditions, snapshot: SearchSnapshot,
                      registered_names: Collection[str], refines: str | None = None) -> str:
        """Record a search the server ran; the client gives conditions, never results."""
        self._require_open_by_agency()
        self._require_requirements()
        validate_conditions(conditions)
        named = vendor_names_in(conditions.keywords, sorted(registered_names))
        if named:
            refuse(rules.SEARCH_VENDOR_KEYWORD, "keywords", name=named[0])
        if refines is not None:
            self._search(refines)
        search_id = f"S-{len(self.searches) + 1}"
        self._search_recorded(search=RecordedSearch(
            search_id=search_id, conditions=conditions,
            requirements_version=self.requirements_version,
            catalogue_position=snapshot.catalogue_position, total=snapshot.total,
            results=tuple(snapshot.hits), performed_at=current_context().at, refines=refines,
        ))
        return search_id

    def save_search(self, search_id: str) -> None:
        self._require_open_by_agency()
        search = self._search(search_id)
        require(search.requirements_version == self.requirements_version, rules.SEARCH_STALE,
                "search_id", search_id=search_id, version=search.requirements_version,
                current=self.requirements_version)
        if self.saved_search_id is not None and self.saved_search_id != search_id and (
            self.quote_requests or self.proposal_requests
        ):
            refuse(rules.SEARCH_CANDIDATES_FIXED, "search_id", search_id=self.saved_search_id)
        self._search_saved(search_id=search_id)

    # --- ④ method -----------------------------------------------------------------------------
    def choose_method(self, method: ProcurementMethod) -> None:
        self._require_open_by_agency()
        self._require_requirements()
        self._method_chosen(method=method)

    # --- ⑤ selection --------------------------------------------------------------------------
    def request_quote(self, service: LiveService, due: date, note: str) -> None:
        self._require_open_by_agency()
        candidate = self._remaining_candidate(service.service_id)
        self._require_active(service)
        require(service.service_id not in self.quote_requests, rules.QUOTE_ALREADY_REQUESTED,
                "service_id", service_id=service.service_id, kind="quote", kind_ko="견적")
        self._quote_requested(request=QuoteRequest(
            service_id=candidate.service_id, provider_id=candidate.provider_id, due=due,
            note=note.strip()))

    def submit_quote(self, quote: Quote) -> None:
        self._require_open()
        self._require_own_provider(quote.service_id)
        self._require_open_request(quote.service_id, "quote", "견적", self.quote_requests,
                                   self.quote_answers)
        today = current_context().today
        require(quote.amount_krw > 0 and quote.valid_until >= today, rules.QUOTE_TERMS,
                "amount_krw" if quote.amount_krw <= 0 else "valid_until", today=today.isoformat())
        self._quote_submitted(quote=quote)

    def decline_quote(self, service_id: str, reason: str) -> None:
        self._require_open()
        self._require_own_provider(service_id)
        self._require_open_request(service_id, "quote", "견적", self.quote_requests,
                                   self.quote_answers)
        require(bool(reason.strip()), rules.PROCUREMENT_TEXT_REQUIRED, "reason", name="reason")
        self._quote_declined(service_id=service_id, reason=reason.strip())

    def request_proposal(self, service: LiveService, due: date, note: str) -> None:
        self._require_open_by_agency()
        self._remaining_candidate(service.service_id)
        self._require_active(service)
        require(service.service_id not in self.proposal_requests, rules.QUOTE_ALREADY_REQUESTED,
                "service_id", service_id=service.service_id, kind="proposal", kind_ko="제안서")
        self._proposal_requested(service_id=service.service_id, due=due, note=note.strip())

    def submit_proposal(self, service_id: str, document_ref: str, summary: str) -> None:
        self._require_open()
        self._require_own_provider(service_id)
        self._require_open_request(service_id, "proposal", "제안서", self.proposal_requests,
                                   self.proposals)
        require(bool(document_ref.strip()), rules.PROCUREMENT_TEXT_REQUIRED, "document_ref",
                name="document_ref")
        self._proposal_submitted(service_id=service_id, document_ref=document_ref.strip(),
                                 summary=summary.strip())

    def record_inquiry(self, service_id: str, question: str, answer: str) -> str:
        self._require_open_by_agency()
        self._candidate(service_id)
        for name, text in (("question", question), ("answer", answer)):
            require(bool(text.strip()), rules.PROCUREMENT_TEXT_REQUIRED, name, name=name)
        inquiry_id = f"I-{len(self.inquiries) + 1}"
        self._inquiry_recorded(inquiry_id=inquiry_id, service_id=service_id,
                               question=question.strip(), answer=answer.strip())
        return inquiry_id

    def log_communication(self, service_id: str | None, channel: CommunicationChannel,
                          summary: str, document_ref: str) -> str:
        self._require_open_by_agency()
        if service_id is not None:
            self._candidate(service_id)
        require(bool(summary.strip()), rules.PROCUREMENT_TEXT_REQUIRED, "summary", name="summary")
        communication_id = f"C-{len(self.communications) + 1}"
        self._communication_logged(communication_id=communication_id, service_id=service_id,
                                   channel=channel, summary=summary.strip(),
                                   document_ref=document_ref.strip())
        return communication_id

    def exclude_candidate(self, service_id: str, clause: Clause, reason: str,
                          evidence: str | None = None) -> None:
        self._require_open_by_agency()
        candidate = self._remaining_candidate(service_id)
        assert self.requirements is not None
        require(stated(self.requirements, clause), rules.EXCLUSION_CLAUSE_NOT_STATED, "clause",
                clause=clause.value)
        require(bool(reason.strip()), rules.PROCUREMENT_TEXT_REQUIRED, "reason", name="reason")
        self._require_grounded(candidate, clause, evidence)
        self._candidate_excluded(exclusion=Exclusion(
            service_id=service_id, clause=clause.value, reason=reason.strip(), evidence=evidence))

    def record_evaluation(self, evaluation: Evaluation) -> None:
        self._require_open_by_agency()
        self._require_saved_search()
        validate_evaluation(evaluation, self.remaining_candidates())
        self._evaluation_recorded(evaluation=evaluation)

    def award(self, services: Collection[LiveService], rationale: str,
              deviation_reason: str = "") -> None:
        self._require_open_by_agency()
        self._require_saved_search()
        if self.method is None:
            refuse(rules.PROCUREMENT_METHOD_REQUIRED)
        ids = [service.service_id for service in services]
        require(bool(ids) and len(ids) == len(set(ids)), rules.AWARD_SERVICES, "service_ids")
        require(bool(rationale.strip()), rules.PROCUREMENT_TEXT_REQUIRED, "rationale",
                name="rationale")
        for service in services:
            self._remaining_candidate(service.service_id)
            self._require_active(service)
        if self.method is ProcurementMethod.CENTRAL:
            require(len(ids) == 1, rules.AWARD_CENTRAL_SINGLE_MALL, "service_ids",
                    problem=f"{len(ids)} services were named",
                    problem_ko=f"{len(ids)}개 서비스를 선정하려 했습니다")
            unlisted = [service.service_id for service in services if not service.mall_listed]
            require(not unlisted, rules.AWARD_CENTRAL_SINGLE_MALL, "service_ids",
                    problem=f"{', '.join(unlisted)} is not listed in the Mall",
                    problem_ko=f"{', '.join(unlisted)}은(는) 몰에 등록되지 않았습니다")
        remaining = self.remaining_candidates()
        if len(remaining) > 1:
            evaluation = self.evaluation
            scored = {c.service_id for c in evaluation.scores} if evaluation else set()
            if evaluation is None or scored != set(remaining):
                refuse(rules.EVALUATION_REQUIRED, remaining=len(remaining))
            if not deviation_reason.strip():
                for service_id in ids:
                    top = self._top_ranked_of_type(evaluation, remaining[service_id].service_type)
                    if top != service_id:
                        refuse(rules.AWARD_NOT_TOP_RANKED, "deviation_reason",
                               service_id=service_id, top_id=top,
                               service_type=remaining[service_id].service_type.value)
        self._awarded(service_ids=ids, rationale=rationale.strip(),
                      deviation_reason=deviation_reason.strip())

    def abandon(self, reason: str) -> None:
        self._require_open_by_agency()
        require(bool(reason.strip()), rules.PROCUREMENT_TEXT_REQUIRED, "reason", name="reason")
        self._abandoned(reason=reason.strip())

    def lapse_quote(self, service_id: str) -> None:
        """The scheduler's deadline: the quote's validity has passed before the award."""
        require_system()
        quote = self.quotes.get(service_id)
        require(self.status is ProcurementStatus.OPEN and quote is not None
                and service_id not in self.lapsed_quotes
                and current_context().today > quote.valid_until,
                rules.DEADLINE_NOT_APPLICABLE, kind="quote_lapsed")
        self._quote_lapsed(service_id=service_id)

    # --- queries ----------------------------------------------------------------------------
    @property
    def quote_answers(self) -> set[str]:
        """Requests answered, by a quote or by declining: each is answered once."""
        return set(self.quotes) | set(self.declined)

    @property
    def saved_search(self) -> RecordedSearch | None:
        return self.searches.get(self.saved_search_id) if self.saved_search_id else None

    def candidates(self) -> dict[str, CatalogueEntry]:
        """Exactly the saved search's result list."""
        search = self.saved_search
        return {entry.service_id: entry for entry in search.results} if search else {}

    def remaining_candidates(self) -> dict[str, CatalogueEntry]:
        return {service_id: entry for service_id, entry in self.candidates().items()
                if service_id not in self.exclusions}

    def evidence_refs(self, service_id: str) -> set[str]:
        """What has been recorded about one candidate and can ground a judgement."""
        refs = {f"inquiry:{i['inquiry_id']}" for i in self.inquiries
                if i["service_id"] == service_id}
        refs |= {f"communication:{c['communication_id']}" for c in self.communications
                 if c["service_id"] == service_id}
        if service_id in self.quotes:
            refs.add(f"quote:{service_id}")
        if service_id in self.proposals:
            refs.add(f"proposal:{service_id}")
        return refs

    @property
    def confirmed_budget_krw(self) -> Decimal:
        """The confirmed budget as last revised (0 before it is confirmed)."""
        if self.revised_budget_krw is not None:
            return self.revised_budget_krw
        return self.budget.total_krw if self.budget is not None else Decimal(0)

    # --- rule helpers ---------------------------------------------------------------------------
    def _require_agency_owner(self) -> None:
        actor = current_context().actor
        if actor.role is not Role.AGENCY or actor.agency_id != self.agency_id:
            refuse(rules.AUTH_NOT_OWNER, kind="procurement", kind_ko="조달 건",
                   owner_kind="agency", owner_kind_ko="수요기관")

    def _require_open(self) -> None:
        if self.status is not ProcurementStatus.OPEN:
            refuse(rules.PROCUREMENT_CLOSED, status=self.status.value,
                   status_ko={"awarded": "선정이 끝난", "abandoned": "중단된"}[self.status.value])

    def _require_open_by_agency(self) -> None:
        self._require_open()
        self._require_agency_owner()

    def _require_requirements(self) -> None:
        if self.requirements is None:
            refuse(rules.PROCUREMENT_REQUIREMENTS_REQUIRED)

    def _require_saved_search(self) -> RecordedSearch:
        search = self.saved_search
        if search is None or search.requirements_version != self.requirements_version:
            refuse(rules.SEARCH_SAVED_REQUIRED)
        return search

    def _search(self, search_id: str) -> RecordedSearch:
        search = self.searches.get(search_id)
        if search is None:
            refuse(rules.SEARCH_UNKNOWN, "search_id", search_id=search_id)
        return search

    def _candidate(self, service_id: str) -> CatalogueEntry:
        self._require_saved_search()
        candidate = self.candidates().get(service_id)
        if candidate is None:
            refuse(rules.SELECTION_NOT_CANDIDATE, "service_id", service_id=service_id)
        return candidate

    def _remaining_candidate(self, service_id: str) -> CatalogueEntry:
        candidate = self._candidate(service_id)
        exclusion = self.exclusions.get(service_id)
        if exclusion is not None:
            refuse(rules.SELECTION_EXCLUDED, "service_id", service_id=service_id,
                   clause=exclusion.clause)
        return candidate

    @staticmethod
    def _require_active(service: LiveService) -> None:
        if not service.active:
            refuse(rules.SERVICE_NOT_ACTIVE, "service_id", status=service.status,
                   status_ko=service.status, action="quoted or awarded",
                   action_ko="견적을 요청하거나 선정할")

    def _require_own_provider(self, service_id: str) -> None:
        candidate = self.candidates().get(service_id)
        actor = current_context().actor
        if candidate is None or actor.role is not Role.PROVIDER or (
            actor.provider_id != candidate.provider_id
        ):
            refuse(rules.QUOTE_NOT_OWN_PROVIDER, "service_id", service_id=service_id)

    @staticmethod
    def _require_open_request(service_id: str, kind: str, kind_ko: str,
                              requests: Collection[str], answers: Collection[str]) -> None:
        if service_id not in requests or service_id in answers:
            refuse(rules.QUOTE_NOT_REQUESTED, "service_id", service_id=service_id, kind=kind,
                   kind_ko=kind_ko)

    def _require_grounded(self, candidate: CatalogueEntry, clause: Clause,
                          evidence: str | None) -> None:
        """Checkable clauses are checked against the attributes the search recorded; the others
        must cite something recorded about this candidate that shows the failure."""
        requirements = self.requirements
        assert requirements is not None
        service_id = candidate.service_id
        meets: str | None = None
        if clause is Clause.SERVICE_TYPE and candidate.service_type in requirements.service_types:
            meets = f"its type {candidate.service_type.value} is required"
        elif clause is Clause.PROVIDER_TYPE and (
            candidate.provider_type is requirements.provider_type
        ):
            meets = f"it is an {candidate.provider_type.value} provider as required"
        elif clause is Clause.CERTIFICATIONS and (
            requirements.required_certifications <= set(candidate.certifications)
        ):
            meets = "it holds every required certification"
        elif clause is Clause.SUPPORT_CHANNELS and (
            requirements.required_support_channels <= set(candidate.support_channels)
        ):
            meets = "it offers every required support channel"
        elif clause is Clause.BUDGET:
            quote = self.quotes.get(service_id)
            if quote is None:
                refuse(rules.EXCLUSION_EVIDENCE_REQUIRED, "evidence", clause=clause.value,
                       service_id=service_id)
            if quote.amount_krw <= requirements.budget_krw:
                meets = f"its quote of {quote.amount_krw:,} KRW is within the budget"
        elif clause not in _CHECKABLE and (
            evidence is None or evidence not in self.evidence_refs(service_id)
        ):
            refuse(rules.EXCLUSION_EVIDENCE_REQUIRED, "evidence", clause=clause.value,
                   service_id=service_id)
        if meets is not None:
            refuse(rules.EXCLUSION_NOT_GROUNDED, "clause", service_id=service_id,
                   clause=clause.value, why=meets)

    def _top_ranked_of_type(self, evaluation: Evaluation, service_type: ServiceType) -> str:
        remaining = self.remaining_candidates()
        for service_id in evaluation.ranking():
            if remaining[service_id].service_type is service_type:
                return service_id
        raise AssertionError("an evaluation scores every remaining candidate")

    # --- events ---------------------------------------------------------------------------------
    # agency_name defaults to "" so that events recorded before the directory existed replay.
    @event("Opened")
    def __init__(self, agency_id: str, reference: str, title: str, fiscal_year: int,
                 agency_name: str = "") -> None:
        self.agency_id = agency_id
        self.agency_name = agency_name
        self.reference = reference
        self.title = title
        self.fiscal_year = fiscal_year
        self.status = ProcurementStatus.OPEN
        self.budget: Budget | None = None
        self.requirements: Requirements | None = None
        self.requirements_version = 0
        self.searches: dict[str, RecordedSearch] = {}
        self.saved_search_id: str | None = None
        self.method: ProcurementMethod | None = None
        self.quote_requests: dict[str, QuoteRequest] = {}
        self.quotes: dict[str, Quote] = {}
        self.declined: dict[str, str] = {}
        self.proposal_requests: dict[str, date] = {}
        self.proposals: dict[str, str] = {}
        self.inquiries: list[dict[str, str]] = []
        self.communications: list[dict[str, str | None]] = []
        self.exclusions: dict[str, Exclusion] = {}
        self.evaluation: Evaluation | None = None
        self.awarded_service_ids: list[str] = []
        self.lapsed_quotes: set[str] = set()

    @event("BudgetConfirmed")
    def _budget_confirmed(self, budget: Budget) -> None:
        self.budget = budget
        self.revised_budget_krw = None

    @event("BudgetRevised")
    def _budget_revised(self, confirmed_total_krw: Decimal, reason: str) -> None:
        self.revised_budget_krw = confirmed_total_krw

    @event("RequirementsDefined")
    def _requirements_defined(self, version: int, requirements: Requirements) -> None:
        # A revision makes every earlier search stale: the saved one no longer names candidates.
        self.requirements = requirements
        self.requirements_version = version
        self.saved_search_id = None
        self.quote_requests = {}
        self.proposal_requests = {}
        self.evaluation = None

    @event("SearchRecorded")
    def _search_recorded(self, search: RecordedSearch) -> None:
        self.searches[search.search_id] = search

    @event("SearchSaved")
    def _search_saved(self, search_id: str) -> None:
        self.saved_search_id = search_id
        self.evaluation = None

    @event("ProcurementMethodChosen")
    def _method_chosen(self, method: ProcurementMethod) -> None:
        self.method = method

    @event("QuoteRequested")
    def _quote_requested(self, request: QuoteRequest) -> None:
        self.quote_requests[request.service_id] = request

    @event("QuoteSubmitted")
    def _quote_submitted(self, quote: Quote) -> None:
        self.quotes[quote.service_id] = quote

    @event("QuoteDeclined")
    def _quote_declined(self, service_id: str, reason: str) -> None:
        self.declined[service_id] = reason

    @event("ProposalRequested")
    def _proposal_requested(self, service_id: str, due: date, note: str) -> None:
        self.proposal_requests[service_id] = due

    @event("ProposalSubmitted")
    def _proposal_submitted(self, service_id: str, document_ref: str, summary: str) -> None:
        self.proposals[service_id] = document_ref

    @event("ProviderInquiryRecorded")
    def _inquiry_recorded(self, inquiry_id: str, service_id: str, question: str,
                          answer: str) -> None:
        self.inquiries.append({"inquiry_id": inquiry_id, "service_id": service_id})

    @event("CommunicationLogged")
    def _communication_logged(self, communication_id: str, service_id: str | None,
                              channel: CommunicationChannel, summary: str,
                              document_ref: str) -> None:
        self.communications.append({"communication_id": communication_id,
                                    "service_id": service_id})

    @event("CandidateExcluded")
    def _candidate_excluded(self, exclusion: Exclusion) -> None:
        self.exclusions[exclusion.service_id] = exclusion

    @event("EvaluationRecorded")
    def _evaluation_recorded(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation

    @event("Awarded")
    def _awarded(self, service_ids: list[str], rationale: str, deviation_reason: str) -> None:
        self.status = ProcurementStatus.AWARDED
        self.awarded_service_ids = list(service_ids)

    @event("Abandoned")
    def _abandoned(self, reason: str) -> None:
        self.status = ProcurementStatus.ABANDONED

    @event("QuoteLapsed")
    def _quote_lapsed(self, service_id: str) -> None:
        self.lapsed_quotes.add(service_id)


_CHECKABLE = {Clause.SERVICE_TYPE, Clause.PROVIDER_TYPE, Clause.CERTIFICATIONS,
              Clause.SUPPORT_CHANNELS, Clause.BUDGET}


def validate_evaluation(evaluation: Evaluation, remaining: Mapping[str, CatalogueEntry]) -> None:
    keys = [criterion.key for criterion in evaluation.criteria]
    problems: list[tuple[str, str]] = []
    if len(keys) != len(set(keys)):
        problems.append(("each criterion once", "기준은 한 번씩만"))
    missing = [key for key in STANDARD_CRITERIA if key not in keys]
    if missing:
        problems.append((f"the standard criteria {', '.join(missing)} are missing",
                         f"표준 기준 {', '.join(missing)} 누락"))
    if any(criterion.weight <= 0 for criterion in evaluation.criteria):
        problems.append(("every weight must be positive", "가중치는 양수여야 합니다"))
    if sum((criterion.weight for criterion in evaluation.criteria), Decimal(0)) != 100:
        problems.append(("the weights must add up to 100", "가중치 합계는 100이어야 합니다"))
    if problems:
        refuse(rules.EVALUATION_CRITERIA, "criteria", problem=problems[0][0],
               problem_ko=problems[0][1])
    scored = [candidate.service_id for candidate in evaluation.scores]
    if sorted(scored) != sorted(remaining):
        unscored = sorted(set(remaining) - set(scored))
        extra = sorted(set(scored) - set(remaining))
        duplicate = len(scored) != len(set(scored))
        problem = (f"every remaining candidate must be scored exactly once (unscored: "
                   f"{', '.join(unscored) or '-'}; not candidates or excluded: "
                   f"{', '.join(extra) or '-'}{'; duplicates' if duplicate else ''})")
        refuse(rules.EVALUATION_SCORES, "scores", problem=problem,
               problem_ko=f"남은 후보를 모두 한 번씩 평가해야 합니다(미평가: {', '.join(unscored) or '-'}; "
                          f"후보 아님·제외: {', '.join(extra) or '-'})")
    for candidate in evaluation.scores:
        if set(candidate.scores) != set(keys) or any(
            not Decimal(0) <= score <= Decimal(100) for score in candidate.scores.values()
        ):
            refuse(rules.EVALUATION_SCORES, "scores",
                   problem=f"{candidate.service_id} needs a score from 0 to 100 for each criterion",
                   problem_ko=f"{candidate.service_id}의 각 기준 점수는 0~100이어야 합니다")


def procurement_id_for(agency_id: str, reference: str) -> UUID:
    """An agency's own reference (its approval document number) fixes the procurement's id, so
    opening the same procurement twice is refused rather than duplicated."""
    return uuid5(_PROCUREMENT_NAMESPACE, f"{agency_id.strip()}:{reference.strip()}")


_PROCUREMENT_NAMESPACE = UUID("6b604e2a-2b5f-4f30-9d5e-000000000002")
