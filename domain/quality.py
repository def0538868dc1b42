"""The QualityInspection aggregate (품질관리, Notice art. 8): NIA checks, at least yearly, that a
selected service still meets the selection criteria.

Kinds: ``regular`` (yearly, first due a year after selection), ``continuous`` (triggered by a change
that can happen any time: credit rating, closure or bankruptcy, a certificate's expiry or
revocation, the service's status, a reseller's partnership) and ``ad_hoc`` (an incident or a
request). Scheduled → DocumentsRequested → FindingRecorded → CorrectiveActionRequested →
CorrectiveActionCompleted, or ReferredToReReview when the deadline passes unresolved → Closed with
``passed``, ``suspended`` or ``cancelled``, which is applied to the DigitalService in the same
transaction.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4, uuid5

import msgspec
from eventsourcing.domain import event

from domain import rules
from domain.actor import Role, current_context
from domain.aggregate import LedgerAggregate
from domain.rules import refuse, require
from domain.values import LabelledEnum

_QUALITY_NAMESPACE = UUID("6b604e2a-2b5f-4f30-9d5e-000000000004")


class InspectionKind(LabelledEnum):
    REGULAR = "regular"  # 정기
    CONTINUOUS = "continuous"  # 상시
    AD_HOC = "ad_hoc"  # 수시


class ContinuousTrigger(LabelledEnum):
    CREDIT_RATING = "credit_rating"
    CLOSURE_OR_BANKRUPTCY = "closure_or_bankruptcy"
    CERTIFICATE_EXPIRY_OR_REVOCATION = "certificate_expiry_or_revocation"
    SERVICE_STATUS = "service_status"
    RESELLER_PARTNERSHIP = "reseller_partnership"


class InspectionDocument(LabelledEnum):
    """What NIA may ask for (Notice art. 8(2))."""

    SELF_CHECK_REPORT = "self_check_report"  # 품질적합성 자가점검 보고서
    DETAILED_SPEC = "detailed_spec"  # 서비스 상세규격 내역서
    REALTIME_LINKAGE = "realtime_linkage"  # 실시간 품질관리를 위한 정보시스템 간 연계
    OTHER = "other"


class InspectionCriterion(LabelledEnum):
    ELIGIBILITY = "eligibility"  # 적격성
    PROVISION_CAPABILITY = "provision_capability"  # 제공 역량
    INCIDENT_RESPONSE = "incident_response"  # 장애 대응
    USER_TRUST = "user_trust"  # 이용자 신뢰


class InspectionOutcome(LabelledEnum):
    PASSED = "passed"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


def inspection_id_for(service_id: str, kind: InspectionKind, key: str) -> UUID:
    """A regular inspection is one per service and year: scheduling it twice is refused."""
    return uuid5(_QUALITY_NAMESPACE, f"{service_id}:{kind.value}:{key}")


class CorrectiveAction(msgspec.Struct, frozen=True):
    finding_id: str
    action: str
    deadline: date


class QualityInspection(LedgerAggregate):
    @staticmethod
    def create_id(service_id: str, kind: InspectionKind, key: str) -> UUID:
        return inspection_id_for(service_id, kind, key)

    @classmethod
    def schedule(cls, *, service_id: str, service_active: bool, kind: InspectionKind,
                 due: date, trigger: ContinuousTrigger | None = None,
                 reason: str = "") -> QualityInspection:
        _require_operator()
        require(service_active, rules.SERVICE_NOT_ACTIVE, "service_id", status="not active",
                status_ko="비활성", action="inspected", action_ko="점검할")
        require((trigger is not None) == (kind is InspectionKind.CONTINUOUS),
                rules.INSPECTION_TRIGGER, "trigger")
        if kind is InspectionKind.AD_HOC:
            require(bool(reason.strip()), rules.INSPECTION_TEXT_REQUIRED, "reason", name="reason")
        # A regular inspection is keyed by its year; the others each get their own id.
        key = str(due.year) if kind is InspectionKind.REGULAR else uuid4().hex
        return cls(service_id=service_id, kind=kind, key=key, due=due, trigger=trigger,
                   reason=reason.strip())

    def request_documents(self, documents: frozenset[InspectionDocument], deadline: date) -> None:
        self._require_open()
        require(bool(documents) and deadline > current_context().today,
                rules.INSPECTION_DOCUMENTS, "documents")
        self._documents_requested(documents=sorted(documents), deadline=deadline)

    def record_finding(self, criterion: InspectionCriterion, finding: str) -> str:
        self._require_open()
        require(bool(finding.strip()), rules.INSPECTION_TEXT_REQUIRED, "finding", name="finding")
        finding_id = f"F-{len(self.findings) + 1}"
        self._finding_recorded(finding_id=finding_id, criterion=criterion,
                               finding=finding.strip())
        return finding_id

    def request_corrective_action(self, finding_id: str, action: str, deadline: date) -> None:
        self._require_open()
        require(finding_id in self.findings, rules.INSPECTION_FINDING_UNKNOWN, "finding_id",
                finding_id=finding_id)
        require(finding_id not in self.actions, rules.INSPECTION_ACTION_STATE, "finding_id",
                finding_id=finding_id, state="already requested")
        require(bool(action.strip()) and deadline > current_context().today,
                rules.INSPECTION_TEXT_REQUIRED, "deadline", name="action and a future deadline")
        self._corrective_action_requested(finding_id=finding_id, action=action.strip(),
                                          deadline=deadline)

    def complete_corrective_action(self, finding_id: str, evidence: str) -> None:
        self._require_open()
        require(finding_id in self.actions and finding_id not in self.completed
                and finding_id not in self.referred, rules.INSPECTION_ACTION_STATE,
                "finding_id", finding_id=finding_id, state="not open")
        require(bool(evidence.strip()), rules.INSPECTION_TEXT_REQUIRED, "evidence",
                name="evidence")
        self._corrective_action_completed(finding_id=finding_id, evidence=evidence.strip())

    def refer_to_re_review(self, finding_id: str) -> None:
        """When a corrective action's deadline passes unresolved."""
        self._require_open()
        action = self.actions.get(finding_id)
        require(action is not None and finding_id not in self.completed
                and finding_id not in self.referred, rules.INSPECTION_ACTION_STATE,
                "finding_id", finding_id=finding_id, state="not open")
        assert action is not None
        today = current_context().today
        require(today > action.deadline, rules.INSPECTION_DEADLINE_NOT_PASSED, "finding_id",
                deadline=action.deadline.isoformat(), today=today.isoformat())
        self._referred_to_re_review(finding_id=finding_id)

    def close(self, outcome: InspectionOutcome, summary: str) -> None:
        self._require_open()
        require(bool(summary.strip()), rules.INSPECTION_TEXT_REQUIRED, "summary", name="summary")
        open_actions = set(self.actions) - set(self.completed)
        if outcome is InspectionOutcome.PASSED:
            require(not open_actions, rules.INSPECTION_OUTCOME, "outcome",
                    problem=f"corrective actions are still open: {', '.join(sorted(open_actions))}",
                    problem_ko=f"미완료 시정조치가 있습니다: {', '.join(sorted(open_actions))}")
        else:
            require(bool(self.findings), rules.INSPECTION_OUTCOME, "outcome",
                    problem="a suspension or cancellation rests on a recorded finding",
                    problem_ko="정지·취소는 기록된 점검 결과를 근거로 해야 합니다")
        self._closed(outcome=outcome, summary=summary.strip())

    # --- helpers ---------------------------------------------------------------------------------
    def _require_open(self) -> None:
        _require_operator()
        require(self.outcome is None, rules.INSPECTION_CLOSED)

    # --- events ------------------------------------------------------------------------------------
    @event("Scheduled")
    def __init__(self, service_id: str, kind: InspectionKind, key: str, due: date,
                 trigger: ContinuousTrigger | None, reason: str) -> None:
        self.service_id = service_id
        self.kind = kind
        self.due = due
        self.findings: dict[str, InspectionCriterion] = {}
        self.actions: dict[str, CorrectiveAction] = {}
        self.completed: set[str] = set()
        self.referred: set[str] = set()
        self.outcome: InspectionOutcome | None = None

    @event("DocumentsRequested")
    def _documents_requested(self, documents: list[InspectionDocument], deadline: date) -> None:
        pass

    @event("FindingRecorded")
    def _finding_recorded(self, finding_id: str, criterion: InspectionCriterion, finding: str) -> None:
        self.findings[finding_id] = criterion

    @event("CorrectiveActionRequested")
    def _corrective_action_requested(self, finding_id: str, action: str, deadline: date) -> None:
        self.actions[finding_id] = CorrectiveAction(finding_id=finding_id, action=action,
                                                    deadline=deadline)

    @event("CorrectiveActionCompleted")
    def _corrective_action_completed(self, finding_id: str, evidence: str) -> None:
        self.completed.add(finding_id)

    @event("ReferredToReReview")
    def _referred_to_re_review(self, finding_id: str) -> None:
        self.referred.add(finding_id)

    @event("Closed")
    def _closed(self, outcome: InspectionOutcome, summary: str) -> None:
        self.outcome = outcome


def _require_operator() -> None:
    actor = current_context().actor
    if actor.role not in {Role.OPERATOR, Role.SYSTEM}:
        refuse(rules.AUTH_ROLE_FORBIDDEN, role=actor.role.value, allowed="operator, system")
