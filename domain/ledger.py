"""The ledger: the one eventsourcing application that owns the event log.

Every aggregate type lives in this one application, so the whole ledger has a single global
sequence (notification ids) that projections, auditors and the Merkle log follow. Each command is a
thin service function: load one aggregate, call one method inside the command's acting context,
save, and report where in the global sequence the change landed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, NoReturn, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
)
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Recording
from eventsourcing.utils import get_topic

from domain import rules
from domain.actor import Actor, CommandContext, Role, acting
from domain.agency import Agency, AgencyCode, AgencyKind, Region, agency_uuid
from domain.aggregate import LedgerAggregate
from domain.contract import Amendment, Contract, ContractIndex, Settlement
from domain.contract_terms import (
    Breach,
    ContractedService,
    ContractKind,
    ContractStatus,
    ContractTerms,
    DataExitClause,
    EndNotice,
    FollowUp,
    Incident,
    Indicator,
    NoticeChannel,
    SlaAnnex,
    SlaFigures,
    SlaTarget,
    TerminationGround,
    UnitPrice,
)
from domain.deadline_void import DeadlineVoid
from domain.procurement import (
    CandidateScore,
    CommunicationChannel,
    Criterion,
    Evaluation,
    Exclusion,
    LiveService,
    Procurement,
    ProcurementMethod,
    ProcurementStatus,
    Quote,
    QuoteRequest,
    RecordedSearch,
)
from domain.provider_report import ReportedContract, SemiannualReport, report_id_for
from domain.quality import (
    ContinuousTrigger,
    CorrectiveAction,
    InspectionCriterion,
    InspectionDocument,
    InspectionKind,
    InspectionOutcome,
    QualityInspection,
)
from domain.repository import CopyingRepository
from domain.requirements import (
    Budget,
    BudgetCategory,
    BudgetItem,
    BudgetLine,
    Clause,
    Requirements,
    SlaMinimums,
)
from domain.rules import Rule, RuleViolation, refuse
from domain.search import Catalogue, CatalogueEntry, SearchConditions, SearchPage
from domain.service import (
    BusinessCessation,
    CessationScope,
    DigitalService,
    FieldChange,
    InnovationDesignation,
    service_id_for,
)
from domain.transcoding import register_value_types
from domain.values import (
    Certification,
    CertificationKind,
    CompanySize,
    DocumentKind,
    PricePlan,
    PricingModel,
    ProviderType,
    ResellerPartnership,
    ServiceProfile,
    ServiceStatus,
    ServiceType,
    SupportChannel,
    SupportKind,
)

A = TypeVar("A", bound=LedgerAggregate)

STORED_ENUMS = (
    Role, ServiceType, SupportKind, CompanySize, ProviderType, CertificationKind, DocumentKind,
    SupportChannel, PricingModel, ServiceStatus, SearchPage, ProcurementMethod,
    ProcurementStatus, CommunicationChannel, BudgetItem, BudgetCategory, ContractKind,
    ContractStatus, Indicator, TerminationGround, NoticeChannel, FollowUp, InspectionKind,
    ContinuousTrigger, InspectionDocument, InspectionCriterion, InspectionOutcome,
    CessationScope, AgencyKind, Region,
)
STORED_STRUCTS: tuple[type[msgspec.Struct], ...] = (
    Actor, ServiceProfile, PricePlan, ResellerPartnership, Certification, FieldChange,
    InnovationDesignation, SearchConditions, CatalogueEntry, RecordedSearch, QuoteRequest, Quote,
    Criterion, CandidateScore, Evaluation, Exclusion, Budget, BudgetLine, Requirements,
    SlaMinimums, ContractedService, ContractTerms, UnitPrice, SlaAnnex, SlaTarget, SlaFigures,
    Incident, Breach, EndNotice, Amendment, Settlement, ReportedContract, BusinessCessation,
    DataExitClause,
    # Held in aggregate state only, so stored in snapshots but never in an event.
    CorrectiveAction,
)


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's ``project_aggregate`` without its per-event ``isinstance`` against a
    runtime-checkable Protocol, which typing answers by walking the protocol's members: about a
    third of a command's CPU on an aggregate with a few dozen events. Every stored event here is an
    ``Aggregate.Event`` whose ``mutate`` is what the library would call anyway."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


SNAPSHOT_INTERVAL = 100
_log = logging.getLogger(__name__)


class CommandResult(msgspec.Struct, frozen=True):
    """Where a command's events landed: the aggregate, its new version, and the global position
    of its last event (a client passes it back to read its own write from a view)."""

    aggregate_id: UUID
    version: int
    position: int
    recorded_id: str | None = None
    """The id the aggregate gave what was recorded (a search "S-2", an inquiry "I-1"), if any."""


class Ledger(Application[UUID]):
    name = "dsledger"
    repository: CopyingRepository
    env: ClassVar[dict[str, str]] = {}
    contract_index: ContractIndex | None = None
    """Set by the composition root: which contracts run on a service (for the at-risk policy)."""
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = dict.fromkeys(
        (DigitalService, Procurement, Contract, QualityInspection, SemiannualReport),
        SNAPSHOT_INTERVAL)
    """A snapshot every so many events, so loading a long-lived aggregate replays at most that
    many (the log itself is untouched: snapshots live in their own table, outside the Merkle log)."""

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        # Called after the events are committed: a snapshot is only a shortcut for loading, so
        # failing to take one must not turn a recorded command into an error for its caller.
        try:
            self._snapshot_saved(processing_event)
        except Exception:
            _log.exception("could not snapshot after recording; loads replay from the events")

    def _snapshot_saved(self, processing_event: ProcessingEvent[UUID]) -> None:
        """The library's rule (a snapshot at every interval-th version), taken from the aggregate
        just saved when it is at that version, rather than by loading it again from the log."""
        assert self.snapshots is not None
        for event in processing_event.events:
            aggregate = processing_event.aggregates.get(event.originator_id)
            interval = self.snapshotting_intervals.get(type(aggregate))
            if interval is None or event.originator_version % interval:
                continue
            assert isinstance(aggregate, LedgerAggregate)
            if aggregate.version == event.originator_version:
                snapshot_class: Any = getattr(type(aggregate), "Snapshot", self.snapshot_class)
                self.snapshots.put([snapshot_class.take(aggregate)])
            else:
                self.take_snapshot(event.originator_id, event.originator_version, replay)

    def construct_repository(self) -> CopyingRepository:
        cache_maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return CopyingRepository(event_store=self.events, snapshot_store=self.snapshots,
                                 cache_maxsize=int(cache_maxsize) if cache_maxsize else None)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """The library's ``save``, collecting a ledger aggregate's events without asking two
        runtime-checkable Protocols whether it is an event or has events to collect: typing answers
        that by walking the protocols' members, a tenth of a command's CPU."""
        if not all(isinstance(obj, LedgerAggregate) for obj in objs):
            return super().save(*objs, **kwargs)
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in objs:
            processing_event.events.extend(aggregate.collect_events())
            processing_event.aggregates[aggregate.id] = aggregate
        processing_event.saved_kwargs.update(kwargs)
        recordings = self._record(processing_event)
        self._take_snapshots(processing_event)
        self._notify(recordings)
        self.notify(processing_event.events)  # the library's deprecated hook, as its save calls it
        return recordings

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        recordings = super()._record(processing_event)
        self.repository.forget_saved_copies(processing_event.aggregates.values())
        return recordings

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_value_types(transcoder, STORED_ENUMS, STORED_STRUCTS)

    # --- the command pattern every service function follows ---------------------------------
    def _create(self, context: CommandContext, factory: Callable[[], A], exists: Rule,
                **params: Any) -> CommandResult:
        with acting(context):
            aggregate = factory()
        if self._exists(aggregate.id):
            refuse(exists, **params)
        try:
            return self._save(aggregate)
        except IntegrityError:
            # Somebody created it between our check and our insert.
            refuse(exists, **params)

    def _change(
        self,
        context: CommandContext,
        kind: type[A],
        aggregate_id: UUID,
        action: Callable[[A], str | None],
        expected_version: int | None = None,
    ) -> CommandResult:
        def once(trust_cache: bool) -> CommandResult:
            with self._holding(kind, aggregate_id, expected_version,
                               trust_cache=trust_cache) as aggregate:
                with acting(context):
                    recorded_id = action(aggregate)
                return msgspec.structs.replace(self._save_held(aggregate, held=aggregate),
                                               recorded_id=recorded_id)

        return _decided(once)

    @contextmanager
    def _holding(self, kind: type[A], aggregate_id: UUID, expected_version: int | None = None, *,
                 trust_cache: bool) -> Iterator[A]:
        """The aggregate a command changes, lent by the repository without a copy, refused if it
        is not at ``expected_version`` (when given). When it was taken from the cache without
        reading the log, a refusal (or a conflicting insert) may only mean that another process
        recorded since: ``_CacheMayBeBehind`` then asks the caller to decide again on the
        aggregate as the log has it (``_decided``)."""
        try:
            with self.repository.changing(aggregate_id, replay, trust_cache=trust_cache) as held:
                aggregate = held.aggregate
                if not isinstance(aggregate, kind):
                    _refuse_not_found(kind, aggregate_id)
                try:
                    if expected_version is not None and aggregate.version != expected_version:
                        refuse(rules.COMMAND_VERSION_CONFLICT, kind=kind.__name__,
                               expected=expected_version, actual=aggregate.version)
                    yield aggregate
                except RuleViolation as refusal:
                    if held.checked:
                        raise
                    raise _CacheMayBeBehind from refusal
        except AggregateNotFoundError:
            _refuse_not_found(kind, aggregate_id)

    def _save_held(self, *aggregates: LedgerAggregate, held: LedgerAggregate) -> CommandResult:
        """Save a held aggregate with the others changed with it, in this order, in one
        transaction; a conflicting insert is refused as a conflict on the held one's version."""
        loaded_version = held.version - len(held.pending_events)
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            refuse(rules.COMMAND_VERSION_CONFLICT, kind=type(held).__name__,
                   expected=loaded_version, actual=self._recorded_version(held.id))
        position = max(recording.notification.id for recording in recordings)
        return CommandResult(aggregate_id=held.id, version=held.version, position=position)

    def _recorded_version(self, aggregate_id: UUID) -> int:
        last = self.recorder.select_events(aggregate_id, desc=True, limit=1)
        return last[0].originator_version if last else 0

    def _save(self, aggregate: LedgerAggregate) -> CommandResult:
        recordings = self.save(aggregate)
        position = max(recording.notification.id for recording in recordings)
        return CommandResult(aggregate_id=aggregate.id, version=aggregate.version,
                             position=position)

    def _exists(self, aggregate_id: UUID) -> bool:
        return bool(self.recorder.select_events(aggregate_id, limit=1))

    def last_recorded_at(self) -> datetime | None:
        """When the newest event of the log happened (None for an empty log)."""
        head = self.recorder.max_notification_id()
        if not head:
            return None
        newest = self.recorder.select_notifications(start=head, limit=1)
        if not newest:
            return None
        event: Any = self.mapper.to_domain_event(newest[0])
        stamp: datetime = event.timestamp
        return stamp

    def require_clock_not_before_log(self, now: datetime) -> None:
        """The ledger's time never goes back: events are recorded in time order, and the as-of
        reads (``?at=``) and the deadlines rely on it. A clock set before the log's newest event
        would stamp new events before existing ones."""
        last = self.last_recorded_at()
        if last is not None and now < last:
            refuse(rules.CLOCK_BEFORE_LOG, "now", now=now.isoformat(), last=last.isoformat())

    def load(self, kind: type[A], aggregate_id: UUID, version: int | None = None) -> A:
        try:
            aggregate: object = self.repository.get(aggregate_id, version=version,
                                                    projector_func=replay)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, kind):
            _refuse_not_found(kind, aggregate_id)
        return aggregate

    # --- digital services (operator) ----------------------------------------------------------
    def select_service(
        self,
        context: CommandContext,
        *,
        notice_number: str,
        selection_date: date,
        valid_until: date,
        profile: ServiceProfile,
    ) -> CommandResult:
        return self._create(
            context,
            lambda: DigitalService.select(notice_number=notice_number,
                                          selection_date=selection_date,
                                          valid_until=valid_until, profile=profile),
            rules.SERVICE_ALREADY_SELECTED,
            notice_number=notice_number,
        )

    def register_service(self, context: CommandContext, service_id: UUID,
                         expected_version: int | None = None) -> CommandResult:
        return self._change(context, DigitalService, service_id,
                            lambda service: service.register(), expected_version)

    def change_service_info(self, context: CommandContext, service_id: UUID,
                            profile: ServiceProfile,
                            expected_version: int | None = None) -> CommandResult:
        return self._change(context, DigitalService, service_id,
                            lambda service: service.change_info(profile), expected_version)

    def list_service_in_mall(self, context: CommandContext, service_id: UUID,
                             contract_number: str, listed_on: date,
                             expected_version: int | None = None) -> CommandResult:
        return self._change(context, DigitalService, service_id,
                            lambda service: service.list_in_mall(contract_number, listed_on),
                            expected_version)

    def delist_service_from_mall(self, context: CommandContext, service_id: UUID, reason: str,
                                 expected_version: int | None = None) -> CommandResult:
        return self._change(context, DigitalService, service_id,
                            lambda service: service.delist_from_mall(reason), expected_version)

    def designate_innovation_product(self, context: CommandContext, service_id: UUID,
                                     designation: InnovationDesignation,
                                     expected_version: int | None = None) -> CommandResult:
        return self._change(context, DigitalService, service_id,
                            lambda service: service.designate_innovation_product(designation),
                            expected_version)

    def add_certification(self, context: CommandContext, service_id: UUID,
                          certification: Certification,
                          expected_version: int | None = None) -> CommandResult:
        return self._change(context, DigitalService, service_id,
                            lambda service: service.add_certification(certification),
                            expected_version)

    def expire_certification(self, context: CommandContext, service_id: UUID,
                             kind: CertificationKind, number: str,
                             expected_version: int | None = None) -> CommandResult:
        return self._change(context, DigitalService, service_id,
                            lambda service: service.expire_certification(kind, number),
                            expected_version)

    def revoke_certification(self, context: CommandContext, service_id: UUID,
                             kind: CertificationKind, number: str, reason: str,
                             expected_version: int | None = None) -> CommandResult:
        ground = (TerminationGround.SELECTION_CANCELLED_OR_CSAP_REVOKED
                  if kind is CertificationKind.CSAP else None)
        return self._change_service_and_contracts(
            context, service_id, lambda service: service.revoke_certification(kind, number,
                                                                              reason),
            ground, f"csap-revoked:{number}", expected_version)

    def suspend_service(self, context: CommandContext, service_id: UUID, reason: str,
                        expected_version: int | None = None) -> CommandResult:
        return self._change_service_and_contracts(
            context, service_id, lambda service: service.suspend(reason),
            TerminationGround.OTHER_SERIOUS_FAULT, "suspended", expected_version)

    def _change_service_and_contracts(
        self, context: CommandContext, service_id: UUID,
        action: Callable[[DigitalService], None], ground: TerminationGround | None, cause: str,
        expected_version: int | None, *also: LedgerAggregate,
    ) -> CommandResult:
        """Policy across aggregates: a service suspended, cancelled or losing its CSAP puts every
        active contract on it at risk, recorded in the same transaction as the cause."""
        def once(trust_cache: bool) -> CommandResult:
            return self._change_service_once(context, service_id, action, ground, cause,
                                             expected_version, also, trust_cache=trust_cache)

        if also:
            # Their events leave them when a save is tried, so they could not be tried twice.
            return once(False)
        return _decided(once)

    def _change_service_once(
        self, context: CommandContext, service_id: UUID,
        action: Callable[[DigitalService], None], ground: TerminationGround | None, cause: str,
        expected_version: int | None, also: tuple[LedgerAggregate, ...], *, trust_cache: bool,
    ) -> CommandResult:
        with self._holding(DigitalService, service_id, expected_version,
                           trust_cache=trust_cache) as service:
            with acting(context):
                action(service)
                contracts = []
                if ground is not None and self.contract_index is not None:
                    cause_id = f"{service_id}:{cause}:v{service.version}"
                    for contract_id in self.contract_index.active_contracts_on(str(service_id)):
                        # Loaded while the service is held: no command holding a contract ever
                        # loads a service, so two threads cannot wait for each other's aggregate.
                        contract = self.load(Contract, contract_id)
                        if contract.mark_at_risk(str(service_id), cause_id, ground):
                            contracts.append(contract)
            result = self._save_held(*also, service, *contracts, held=service)
        if also:
            return CommandResult(aggregate_id=also[0].id, version=also[0].version,
                                 position=result.position)
        return result

    def notice_business_cessation(self, context: CommandContext, service_ids: Sequence[UUID],
                                  cessation: BusinessCessation,
                                  expected_version: int | None = None) -> CommandResult:
        """Decree art. 19(2): a provider ends all or part of its business. Each affected service
        records the cessation (one event each, the first one held and answered for); every active
        contract on them that the contracts view knows records the notice naming the cessation and
        is put at risk, in the same transaction (the at-risk policy, recorded by its own system
        actor under the command's correlation id). A contract the view did not know yet gets both
        from the scheduler's second look (scheduler/at_risk.py)."""
        first, *others = list(dict.fromkeys(service_ids))
        policy = CommandContext(actor=AT_RISK_POLICY, at=context.at,
                                correlation_id=context.correlation_id)

        def once(trust_cache: bool) -> CommandResult:
            with self._holding(DigitalService, first, expected_version,
                               trust_cache=trust_cache) as held:
                # The other services are loaded, not held: a concurrent change to one of them
                # makes the save conflict and the command is refused, never half recorded.
                services = [held, *(self._service_for_cessation(other) for other in others)]
                with acting(context):
                    for service in services:
                        if service.profile.provider_id != held.profile.provider_id:
                            refuse(rules.CESSATION_SERVICES, "service_ids",
                                   service_id=str(service.id),
                                   provider_id=held.profile.provider_id)
                        service.notice_business_cessation(cessation)
                contracts = self._cessation_contracts(policy, services, cessation)
                result = self._save_held(*services, *contracts, held=held)
            return result

        return _decided(once)

    def _service_for_cessation(self, service_id: UUID) -> DigitalService:
        try:
            return self.load(DigitalService, service_id)
        except RuleViolation:
            refuse(rules.CESSATION_SERVICES, "service_ids", service_id=str(service_id),
                   provider_id="?")

    def _cessation_contracts(self, policy: CommandContext, services: Sequence[DigitalService],
                             cessation: BusinessCessation) -> list[Contract]:
        changed: dict[UUID, Contract] = {}
        if self.contract_index is None:
            return []
        with acting(policy):
            for service in services:
                for contract_id in self.contract_index.active_contracts_on(str(service.id)):
                    contract = changed.get(contract_id) or self.load(Contract, contract_id)
                    if self._cessation_on_contract(contract, service.id, cessation):
                        changed[contract_id] = contract
        return list(changed.values())

    @staticmethod
    def _cessation_on_contract(contract: Contract, service_id: UUID,
                               cessation: BusinessCessation) -> bool:
        """The notice and the risk on one contract; True if anything was recorded. The ground is
        the guideline's "파산 등으로 더 이상 서비스를 제공할 수 없다고 판단되는 경우" (⑨ 해지 예시
        ①): the provider itself says it will no longer provide the service."""
        noticed = contract.notice_business_end(str(service_id), cessation.cessation_id,
                                               cessation.end_date)
        risked = contract.mark_at_risk(str(service_id),
                                       cessation_cause(service_id, cessation.cessation_id),
                                       TerminationGround.BANKRUPTCY)
        return noticed or risked

    def end_business(self, context: CommandContext, service_id: UUID) -> CommandResult:
        """The scheduler on the business end date: the service leaves search, quoting and
        conclusion (BusinessEnded)."""
        return self._change(context, DigitalService, service_id,
                            lambda service: service.end_business())

    def missed_risks(self, context: CommandContext, contract_id: UUID,
                     service_id: UUID) -> CommandResult | None:
        """The at-risk policy's second look at one contract on one service: the causes the
        service's current suspension and its selection's cancellation stand for, each named as the
        policy names it when it runs with them, are recorded on the contract if it lacks them.
        None when it lacks none (or is no longer active). The scheduler asks this of contracts the
        contracts view did not yet know of when the service's command consulted it."""
        causes = self.standing_risks(service_id)
        cessation = self.load(DigitalService, service_id).cessation
        with self._holding(Contract, contract_id, trust_cache=False) as contract:
            with acting(context):
                for cause, ground in causes:
                    contract.mark_at_risk(str(service_id), cause, ground)
                if cessation is not None:
                    self._cessation_on_contract(contract, service_id, cessation)
            if not contract.pending_events:
                return None
            return self._save_held(contract, held=contract)

    def standing_risks(self, service_id: UUID) -> list[tuple[str, TerminationGround]]:
        """(cause id, ground) for what currently puts a service's contracts at risk, each cause id
        naming the version of the event that did, from the log."""
        service = self.load(DigitalService, service_id)
        wanted: dict[str, tuple[str, TerminationGround]] = {}
        if service.suspended:
            wanted[_SUSPENDED] = ("suspended", TerminationGround.OTHER_SERIOUS_FAULT)
        if service.cancelled:
            wanted[_CANCELLED] = ("selection-cancelled",
                                  TerminationGround.SELECTION_CANCELLED_OR_CSAP_REVOKED)
        risks = []
        if wanted:
            for stored in self.recorder.select_events(service_id, desc=True):
                if stored.topic in wanted:
                    cause, ground = wanted.pop(stored.topic)
                    risks.append((f"{service_id}:{cause}:v{stored.originator_version}", ground))
                    if not wanted:
                        break
        return risks

    def reinstate_service(self, context: CommandContext, service_id: UUID, reason: str,
                          expected_version: int | None = None) -> CommandResult:
        return self._change(context, DigitalService, service_id,
                            lambda service: service.reinstate(reason), expected_version)

    def cancel_service_selection(self, context: CommandContext, service_id: UUID, reason: str,
                                 expected_version: int | None = None) -> CommandResult:
        return self._change_service_and_contracts(
            context, service_id, lambda service: service.cancel_selection(reason),
            TerminationGround.SELECTION_CANCELLED_OR_CSAP_REVOKED, "selection-cancelled",
            expected_version)

    def expire_service_validity(self, context: CommandContext, service_id: UUID,
                                expected_version: int | None = None) -> CommandResult:
        return self._change(context, DigitalService, service_id,
                            lambda service: service.expire_validity(), expected_version)

    def service_id_for(self, notice_number: str) -> UUID:
        return service_id_for(notice_number)


    # --- the agency directory (operator) -----------------------------------------------------
    def register_agency(self, context: CommandContext, *, agency_id: str, code: str,
                        name_ko: str, name_en: str, kind: AgencyKind,
                        region: Region) -> CommandResult:
        """The agency and the claim of its code, in one transaction: a code another agency
        holds, or an agency already registered, is refused and nothing is recorded."""
        with acting(context):
            agency = Agency.register(agency_id=agency_id, code=code, name_ko=name_ko,
                                     name_en=name_en, kind=kind, region=region)
            claim = AgencyCode.claim(code=agency.code, agency_id=agency.agency_id)
        self._refuse_taken(agency, claim)
        try:
            recordings = self.save(agency, claim)
        except IntegrityError:
            # Registered by somebody else between our check and our insert.
            self._refuse_taken(agency, claim)
            raise
        position = max(recording.notification.id for recording in recordings)
        return CommandResult(aggregate_id=agency.id, version=agency.version, position=position)

    def _refuse_taken(self, agency: Agency, claim: AgencyCode) -> None:
        if self._exists(agency.id):
            refuse(rules.AGENCY_ALREADY_REGISTERED, "agency_id", agency_id=agency.agency_id)
        if self._exists(claim.id):
            refuse(rules.AGENCY_CODE_TAKEN, "code", code=claim.code)

    def change_agency(self, context: CommandContext, agency_id: str, *, name_ko: str,
                      name_en: str, kind: AgencyKind, region: Region,
                      expected_version: int | None = None) -> CommandResult:
        aggregate_id = agency_uuid(agency_id)
        if not self._exists(aggregate_id):
            refuse(rules.AGENCY_NOT_FOUND, agency_id=agency_id)
        return self._change(context, Agency, aggregate_id,
                            lambda agency: agency.change(name_ko=name_ko, name_en=name_en,
                                                         kind=kind, region=region),
                            expected_version)

    def registered_agency(self, agency_id: str) -> Agency | None:
        """The agency as its own events have it now (not a view), or None if not registered."""
        try:
            aggregate_id = agency_uuid(agency_id)
        except (TypeError, ValueError):
            return None
        try:
            aggregate: object = self.repository.get(aggregate_id, projector_func=replay)
        except AggregateNotFoundError:
            return None
        return aggregate if isinstance(aggregate, Agency) else None

    # --- procurements (agency; providers answer quotes and proposals) --------------------------
    def open_procurement(self, context: CommandContext, *, agency_id: str, reference: str,
                         title: str, fiscal_year: int) -> CommandResult:
        # Every contract starts here, so an agency the directory does not know never gets one.
        agency = self.registered_agency(agency_id)
        if agency is None:
            refuse(rules.AGENCY_NOT_REGISTERED, "agency_id", agency_id=agency_id)
        return self._create(
            context,
            lambda: Procurement.open(agency_id=agency_id, reference=reference, title=title,
                                     fiscal_year=fiscal_year, agency_name=agency.name_ko),
            rules.PROCUREMENT_ALREADY_OPEN, reference=reference,
        )

    def confirm_budget(self, context: CommandContext, procurement_id: UUID, budget: Budget,
                       expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.confirm_budget(budget), expected_version)

    def define_requirements(self, context: CommandContext, procurement_id: UUID,
                            requirements: Requirements,
                            expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.define_requirements(requirements), expected_version)

    def record_search(self, context: CommandContext, procurement_id: UUID,
                      conditions: SearchConditions, catalogue: Catalogue,
                      refines: str | None = None,
                      expected_version: int | None = None) -> CommandResult:
        """The server runs the search on the catalogue and records what it answered."""

        def search(procurement: Procurement) -> str:
            return procurement.record_search(conditions, catalogue.search(conditions),
                                             catalogue.registered_names(), refines)

        return self._change(context, Procurement, procurement_id, search, expected_version)

    def save_search(self, context: CommandContext, procurement_id: UUID, search_id: str,
                    expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.save_search(search_id), expected_version)

    def choose_procurement_method(self, context: CommandContext, procurement_id: UUID,
                                  method: ProcurementMethod,
                                  expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.choose_method(method), expected_version)

    def request_quote(self, context: CommandContext, procurement_id: UUID, service_id: str,
                      due: date, note: str, expected_version: int | None = None,
                      ) -> CommandResult:
        live = self.live_service(service_id)
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.request_quote(live, due, note), expected_version)

    def submit_quote(self, context: CommandContext, procurement_id: UUID, quote: Quote,
                     expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.submit_quote(quote), expected_version)

    def decline_quote(self, context: CommandContext, procurement_id: UUID, service_id: str,
                      reason: str, expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.decline_quote(service_id, reason), expected_version)

    def request_proposal(self, context: CommandContext, procurement_id: UUID, service_id: str,
                         due: date, note: str, expected_version: int | None = None,
                         ) -> CommandResult:
        live = self.live_service(service_id)
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.request_proposal(live, due, note), expected_version)

    def submit_proposal(self, context: CommandContext, procurement_id: UUID, service_id: str,
                        document_ref: str, summary: str,
                        expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.submit_proposal(service_id, document_ref, summary),
                            expected_version)

    def record_inquiry(self, context: CommandContext, procurement_id: UUID, service_id: str,
                       question: str, answer: str,
                       expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.record_inquiry(service_id, question, answer),
                            expected_version)

    def log_communication(self, context: CommandContext, procurement_id: UUID,
                          service_id: str | None, channel: CommunicationChannel, summary: str,
                          document_ref: str, expected_version: int | None = None,
                          ) -> CommandResult:
        return self._change(
            context, Procurement, procurement_id,
            lambda p: p.log_communication(service_id, channel, summary, document_ref),
            expected_version)

    def exclude_candidate(self, context: CommandContext, procurement_id: UUID, service_id: str,
                          clause: Clause, reason: str, evidence: str | None = None,
                          expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.exclude_candidate(service_id, clause, reason, evidence),
                            expected_version)

    def record_evaluation(self, context: CommandContext, procurement_id: UUID,
                          evaluation: Evaluation,
                          expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.record_evaluation(evaluation), expected_version)

    def award(self, context: CommandContext, procurement_id: UUID, service_ids: list[str],
              rationale: str, deviation_reason: str = "",
              expected_version: int | None = None) -> CommandResult:
        live = [self.live_service(service_id) for service_id in service_ids]
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.award(live, rationale, deviation_reason),
                            expected_version)

    def abandon_procurement(self, context: CommandContext, procurement_id: UUID, reason: str,
                            expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.abandon(reason), expected_version)

    # --- contracts ⑥-⑨ ----------------------------------------------------------------------
    def conclude_contract(self, context: CommandContext, procurement_id: UUID,
                          terms: ContractTerms) -> CommandResult:
        procurement = self.load(Procurement, procurement_id)
        services = [self.load(DigitalService, UUID(service_id))
                    for service_id in procurement.awarded_service_ids]
        contracted = [_contracted(service) for service in services]
        active = {str(service.id): service.is_searchable for service in services}
        listed = {str(service.id): service.mall_contract_number is not None
                  for service in services}
        return self._create(
            context, lambda: Contract.conclude(procurement, contracted, active, terms, listed),
            rules.CONTRACT_ALREADY_CONCLUDED, origin=f"procurement {procurement_id}")

    def renew_contract(self, context: CommandContext, contract_id: UUID,
                       terms: ContractTerms) -> CommandResult:
        """재계약: a new contract with the same provider, linked both ways, saved together."""
        previous = self.load(Contract, contract_id)
        live = {s.service_id: self.live_service(s.service_id) for s in previous.services}
        active = {service_id: service.active for service_id, service in live.items()}
        listed = {service_id: service.mall_listed for service_id, service in live.items()}
        budget = self.load(Procurement, UUID(previous.procurement_id)).confirmed_budget_krw
        with acting(context):
            renewal = Contract.renewal_of(previous, active, terms, listed, budget)
            previous.choose_follow_up(FollowUp.RENEWED, renewal=renewal)
        try:
            recordings = self.save(previous, renewal)
        except IntegrityError:
            refuse(rules.CONTRACT_ALREADY_CONCLUDED, origin=f"renewal of {contract_id}")
        position = max(recording.notification.id for recording in recordings)
        return CommandResult(aggregate_id=renewal.id, version=renewal.version, position=position)

    def choose_follow_up(self, context: CommandContext, contract_id: UUID, follow_up: FollowUp,
                         procurement_id: UUID | None = None,
                         expected_version: int | None = None) -> CommandResult:
        """계약 종료 (nothing follows) or 신규계약 (a new procurement with a migration budget). A
        renewal (재계약) is recorded by ``renew_contract`` with the renewal it concludes, so naming
        anything here as a renewal is refused by the contract."""
        replacement = None if procurement_id is None else self.load(Procurement, procurement_id)
        return self._change(context, Contract, contract_id,
                            lambda c: c.choose_follow_up(follow_up, replacement),
                            expected_version)

    def amend_contract(self, context: CommandContext, contract_id: UUID, amendment: Amendment,
                       expected_version: int | None = None) -> CommandResult:
        """변경계약, held to the procurement's confirmed budget as last revised."""
        def amend(contract: Contract) -> None:
            budget = self.load(Procurement, UUID(contract.procurement_id)).confirmed_budget_krw
            contract.amend(amendment, budget)

        return self._change(context, Contract, contract_id, amend, expected_version)

    def revise_budget(self, context: CommandContext, procurement_id: UUID,
                      confirmed_total_krw: Decimal, reason: str,
                      expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id,
                            lambda p: p.revise_budget(confirmed_total_krw, reason),
                            expected_version)

    def contract_command(self, context: CommandContext, contract_id: UUID,
                         action: Callable[[Contract], str | None],
                         expected_version: int | None = None) -> CommandResult:
        """Load one contract, call one of its command methods, save: the API's contract routes
        each name the method they call."""
        return self._change(context, Contract, contract_id, action, expected_version)

    def procurement_command(self, context: CommandContext, procurement_id: UUID,
                            action: Callable[[Procurement], str | None],
                            expected_version: int | None = None) -> CommandResult:
        return self._change(context, Procurement, procurement_id, action, expected_version)

    def submit_sla_report(self, context: CommandContext, contract_id: UUID, service_id: str,
                          figures: SlaFigures,
                          expected_version: int | None = None) -> CommandResult:
        def report(contract: Contract) -> str:
            contract.submit_sla_report(service_id, figures)
            return f"R{contract.sla_reports}"

        return self._change(context, Contract, contract_id, report, expected_version)

    # --- quality inspections (operator; the scheduler for regular ones) ------------------------
    def schedule_inspection(self, context: CommandContext, service_id: UUID,
                            kind: InspectionKind, due: date,
                            trigger: ContinuousTrigger | None = None,
                            reason: str = "") -> CommandResult:
        active = self.live_service(str(service_id)).active
        return self._create(
            context,
            lambda: QualityInspection.schedule(service_id=str(service_id), service_active=active,
                                               kind=kind, due=due, trigger=trigger,
                                               reason=reason),
            rules.INSPECTION_ALREADY_SCHEDULED, key=f"{kind.value} {due.year}")

    def inspection_command(self, context: CommandContext, inspection_id: UUID,
                           action: Callable[[QualityInspection], str | None],
                           expected_version: int | None = None) -> CommandResult:
        return self._change(context, QualityInspection, inspection_id, action, expected_version)

    def close_inspection(self, context: CommandContext, inspection_id: UUID,
                         outcome: InspectionOutcome, summary: str,
                         expected_version: int | None = None) -> CommandResult:
        """The outcome is applied to the service in the same transaction; a suspension or a
        cancellation puts the service's active contracts at risk too."""
        inspection = self.load(QualityInspection, inspection_id)
        if expected_version is not None and inspection.version != expected_version:
            refuse(rules.COMMAND_VERSION_CONFLICT, kind="QualityInspection",
                   expected=expected_version, actual=inspection.version)
        with acting(context):
            inspection.close(outcome, summary)
        reason = f"품질관리 점검 결과({outcome.value}): {summary.strip()}"
        service_id = UUID(inspection.service_id)
        if outcome is InspectionOutcome.SUSPENDED:
            if self.load(DigitalService, service_id).suspended:
                return self._save(inspection)
            return self._change_service_and_contracts(
                context, service_id, lambda s: s.suspend(reason),
                TerminationGround.OTHER_SERIOUS_FAULT, "suspended", None, inspection)
        if outcome is InspectionOutcome.CANCELLED:
            return self._change_service_and_contracts(
                context, service_id, lambda s: s.cancel_selection(reason),
                TerminationGround.SELECTION_CANCELLED_OR_CSAP_REVOKED, "selection-cancelled",
                None, inspection)
        return self._save(inspection)

    # --- provider reporting -----------------------------------------------------------------
    def submit_semiannual_report(self, context: CommandContext, provider_id: str, year: int,
                                 half: int, contracts: list[ReportedContract]) -> CommandResult:
        return self._report(context, provider_id, year, half, lambda r: r.submit(contracts))

    def mark_report_overdue(self, context: CommandContext, provider_id: str, year: int,
                            half: int) -> CommandResult:
        return self._report(context, provider_id, year, half, lambda r: r.mark_overdue())

    def _report(self, context: CommandContext, provider_id: str, year: int, half: int,
                action: Callable[[SemiannualReport], None]) -> CommandResult:
        """The half's report is opened when first needed, in the same transaction."""
        report_id = report_id_for(provider_id, year, half)
        with acting(context):
            if self._exists(report_id):
                report = self.load(SemiannualReport, report_id)
            else:
                report = SemiannualReport.open(provider_id=provider_id, year=year, half=half)
            action(report)
        try:
            return self._save(report)
        except IntegrityError:
            refuse(rules.COMMAND_VERSION_CONFLICT, kind="SemiannualReport", expected="-",
                   actual="newer")

    def void_deadline(self, context: CommandContext, deadline_id: str, kind: str,
                      owner_type: str, owner_id: str, reason: str) -> CommandResult:
        """The scheduler records that a deadline is void (its command was refused by the rule
        ``reason``); refused (``deadline.not-applicable``) if already recorded."""
        return self._create(context, lambda: DeadlineVoid.record(
            deadline_id=deadline_id, kind=kind, owner_type=owner_type, owner_id=owner_id,
            reason=reason), rules.DEADLINE_NOT_APPLICABLE, kind=kind)

    def live_service(self, service_id: str) -> LiveService:
        """A service's state in the catalogue now, from its own events (not a view)."""
        try:
            service = self.load(DigitalService, UUID(service_id))
        except ValueError:
            refuse(rules.SERVICE_NOT_FOUND, "service_id", service_id=service_id)
        return LiveService(service_id=service_id, active=service.is_searchable,
                           status=service.status.value,
                           mall_listed=service.mall_contract_number is not None)


def _contracted(service: DigitalService) -> ContractedService:
    """The exact name the support system registered, never a name typed into the contract."""
    profile = service.profile
    return ContractedService(service_id=str(service.id), name=profile.name,
                             provider_id=profile.provider_id, provider_name=profile.provider_name,
                             service_type=profile.service_type.value)


# The topics the events of ``@event("Suspended")`` and ``@event("SelectionCancelled")`` are stored
# under (the classes the decorator makes are not visible to a type checker).
AT_RISK_POLICY = Actor(principal_id="dsledger-at-risk-policy", role=Role.SYSTEM)
"""Who records what the at-risk policy records in another principal's command (a provider's
cessation): the contracts are not the provider's to change."""


def cessation_cause(service_id: UUID, cessation_id: str) -> str:
    """One cause id per service and cessation, the same from the command and the second look."""
    return f"{service_id}:cessation:{cessation_id}"


_SUSPENDED = f"{get_topic(DigitalService)}.Suspended"
_CANCELLED = f"{get_topic(DigitalService)}.SelectionCancelled"

_NOT_FOUND: dict[type[LedgerAggregate], Rule] = {
    DigitalService: rules.SERVICE_NOT_FOUND,
    Procurement: rules.PROCUREMENT_NOT_FOUND,
    Contract: rules.CONTRACT_NOT_FOUND,
    QualityInspection: rules.INSPECTION_NOT_FOUND,
    Agency: rules.AGENCY_NOT_FOUND,
}


def _refuse_not_found(kind: type[LedgerAggregate], aggregate_id: UUID) -> NoReturn:
    refuse(_NOT_FOUND[kind], service_id=str(aggregate_id), procurement_id=str(aggregate_id),
           contract_id=str(aggregate_id), inspection_id=str(aggregate_id))


def _decided(once: Callable[[bool], CommandResult]) -> CommandResult:
    """A command run on the cached aggregate, and run again on the aggregate as the log has it if
    the first run could not tell (``Ledger._holding``)."""
    try:
        return once(True)
    except _CacheMayBeBehind:
        return once(False)


class _CacheMayBeBehind(Exception):
    """A command decided on a cached aggregate, unchecked against the log, was refused: it is to
    be decided again on the aggregate as the log has it."""
