"""Open Contracting Data Standard 1.1 releases and records of the public part of the ledger.

A procurement is published once one of its contracts has a registered disclosure (⑦, Notice art.
9(2)): that is the moment its facts become public by law. Until then nothing of it is published, and
a contract whose own disclosure is not registered stays out even when a sibling's is.

Each meaningful event becomes one release whose id is stable (``<ocid>-p<version>`` for the
procurement's events, ``<ocid>-c<contract id>-<version>`` for a contract's), dated by the event.
What the guideline keeps between the agency and the candidates — the search results, quotes,
proposals, inquiries, communications, exclusions and the evaluation — is never read into a release.
The Korean specifics go under ``dsledger`` objects described in ``dsledger/ocds_extension/``; the
closed codelists only ever get their own codes. Compiled releases come from ``ocdsmerge``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

import ocdsmerge
from sqlalchemy import select

from application.queries.ocds import published_procurements
from domain.agency import Agency
from dsledger.runtime import Runtime
from projections.tables import contracts

Release = dict[str, Any]
OCDS_VERSION = "1.1"
PUBLISHER = {"name": "dsledger (디지털서비스 이용계약 원장)"}
PPS = {"id": "KR-PPS", "name": "조달청 (Public Procurement Service)"}
"""Central procurement goes through the Digital Service Mall, which PPS runs for the agency."""
ADMINISTRATIVE_CODE_SCHEME = "KR-ADMSTDCODE"
"""The administrative standard agency code (행정표준기관코드, 행정안전부). Not an org-id.guide list,
so it names an ``additionalIdentifiers`` entry only."""
EXTENSION_DIR = Path(__file__).parent / "ocds_extension"
"""The dsledger OCDS extension: ``extension.json`` (metadata, completed per request with absolute
URLs and the contact point), ``release-schema.json`` (the JSON Merge Patch) and ``README.md``."""
EXTENSION_PATH = "/ocds/extension"
_SCHEMA = Path(__file__).parent / "ocds_schema" / "release-schema-1.1.5.json"

# Self procurement invites the candidates of one saved search (limited); central procurement is a
# delivery request to one service already competed into the Mall (direct). The Korean method itself
# goes to the extension so the closed codelist only ever gets its own codes.
_METHOD = {"self": ("limited", "자체조달 수의계약 (self procurement, negotiated contract)"),
           "central": ("direct", "중앙조달 디지털서비스몰 납품요구 (central procurement, Mall delivery "
                                 "request)")}
_ENDS = {"Rescinded": ("rescinded", "cancelled"), "Terminated": ("terminated", "terminated"),
         "Expired": ("expired", "terminated")}


def ocid_for(prefix: str, procurement_id: str) -> str:
    return f"{prefix}-{procurement_id}"


def procurement_id_of(prefix: str, ocid: str) -> UUID | None:
    if not ocid.startswith(f"{prefix}-"):
        return None
    try:
        return UUID(ocid.removeprefix(f"{prefix}-"))
    except ValueError:
        return None


@cache
def _merger() -> ocdsmerge.Merger:
    # The bundled 1.1.5 schema: ocdsmerge would otherwise fetch the latest one over the network.
    schema: dict[str, Any] = json.loads(_SCHEMA.read_text(encoding="utf-8"))
    return ocdsmerge.Merger(schema=schema)


def _krw(amount: Any) -> dict[str, Any]:
    # OCDS amounts are JSON numbers; KRW has no minor unit, so whole won are exact.
    return {"amount": int(Decimal(str(amount))), "currency": "KRW"}


def _at(event: Any) -> str:
    # One offset for every date: ocdsmerge orders releases by comparing the date strings.
    stamp: datetime = event.timestamp
    return stamp.astimezone(UTC).isoformat()


class _Builder:
    """Releases of one procurement, from its own events and its disclosed contracts' events."""

    def __init__(self, ocid: str, procurement_events: Sequence[Any],
                 contract_events: Sequence[Sequence[Any]], agency: Agency | None = None) -> None:
        self.ocid = ocid
        opened = procurement_events[0]
        self.procurement_id = str(opened.originator_id)
        self.agency_id: str = opened.agency_id
        # The buyer as the procurement recorded it when opened (its name then), else as the
        # directory has it, else only its id (a procurement opened before the directory).
        self.agency_name: str = (getattr(opened, "agency_name", "")
                                 or (agency.name_ko if agency is not None else "")
                                 or self.agency_id)
        self.agency = agency
        self.title: str = opened.title
        self.method: str | None = None
        self.searches: dict[str, Any] = {}
        self.saved_search_id: str | None = None
        self.procurement_events = procurement_events
        self.contract_events = contract_events
        self.award_id = f"{self.procurement_id}-award"
        self.invitations = {"quotes": 0, "proposals": 0}

    def releases(self) -> list[Release]:
        out: list[tuple[datetime, int, Release]] = []
        for order, event in enumerate(self.procurement_events):
            release = self._procurement_release(event)
            if release is not None:
                out.append((event.timestamp, order, release))
        for events in self.contract_events:
            contract = _ContractState(events[0], self.award_id)
            for event in events:
                release = self._contract_release(contract, event)
                if release is not None:
                    out.append((event.timestamp, len(out), release))
        return [release for _, _, release in sorted(out, key=lambda item: (item[0], item[1]))]

    # --- parties and the frame every release shares --------------------------------------------
    def _parties(self, suppliers: Iterable[tuple[str, str]] = ()) -> list[dict[str, Any]]:
        # ocdsmerge replaces a party's roles whole, so each release names every role it holds.
        central = self.method == "central"
        buyer_roles = ["buyer"] if central else ["buyer", "procuringEntity"]
        buyer: dict[str, Any] = {"id": self.agency_id, "name": self.agency_name,
                                 "roles": buyer_roles}
        if self.agency is not None:
            # The 행정표준기관코드 has no scheme on org-id.guide (the register OCDS identifiers
            # use), so it is not the party's ``identifier``, whose scheme must come from there: it
            # is an additional identifier under a scheme named for what it is.
            buyer["additionalIdentifiers"] = [{
                "scheme": ADMINISTRATIVE_CODE_SCHEME, "id": self.agency.code,
                "legalName": self.agency.name_ko}]
        parties = [buyer]
        if central:
            parties.append({**PPS, "roles": ["procuringEntity"]})
        parties += [{"id": provider_id, "name": name, "roles": ["supplier"]}
                    for provider_id, name in sorted(set(suppliers))]
        return parties

    def _frame(self, event: Any, tag: str, release_id: str,
               suppliers: Iterable[tuple[str, str]] = ()) -> Release:
        release: Release = {
            "ocid": self.ocid, "id": release_id, "date": _at(event), "tag": [tag],
            "initiationType": "tender", "language": "ko",
            "parties": self._parties(suppliers),
            "buyer": {"id": self.agency_id, "name": self.agency_name},
            "tender": {"id": self.procurement_id, "title": self.title},
        }
        if self.method == "central":
            release["tender"]["procuringEntity"] = dict(PPS)
        elif self.method == "self":
            release["tender"]["procuringEntity"] = {"id": self.agency_id,
                                                    "name": self.agency_name}
        return release

    # --- the procurement (①–⑤): only what is public -------------------------------------------
    def _procurement_release(self, event: Any) -> Release | None:
        name = type(event).__name__
        release_id = f"{self.ocid}-p{event.originator_version}"
        if name == "SearchSaved":
            # Remembered only to name the awarded services; the result list is never published.
            self.saved_search_id = event.search_id
            return None
        if name == "SearchRecorded":
            self.searches[event.search.search_id] = event.search
            return None
        if name == "BudgetConfirmed":
            release = self._frame(event, "planning", release_id)
            release["planning"] = {"budget": {
                "id": f"{self.procurement_id}-budget", "amount": _krw(event.budget.total_krw),
                "dsledger": {"category": event.budget.category.value,
                             "pricingModel": event.budget.pricing_model.value}}}
            return release
        if name == "BudgetRevised":
            release = self._frame(event, "planning", release_id)
            release["planning"] = {"budget": {
                "id": f"{self.procurement_id}-budget",
                "amount": _krw(event.confirmed_total_krw),
                "description": f"예산 변경 (budget revised): {event.reason}"}}
            return release
        if name == "RequirementsDefined":
            requirements = event.requirements
            release = self._frame(event, "planning", release_id)
            release["planning"] = {"rationale": requirements.purpose}
            release["tender"].update({
                "description": requirements.purpose, "mainProcurementCategory": "services",
                "value": _krw(requirements.budget_krw),
                "dsledger": {"requirementsVersion": event.version,
                             "serviceTypes": sorted(t.value for t in requirements.service_types),
                             "usageMonths": requirements.usage_months}})
            return release
        if name == "ProcurementMethodChosen":
            self.method = event.method.value
            code, details = _METHOD[event.method.value]
            release = self._frame(event, "tender", release_id)
            release["tender"].update({"procurementMethod": code, "procurementMethodDetails": details,
                                      "status": "active",
                                      "dsledger": {"method": event.method.value}})
            return release
        if name in {"QuoteRequested", "ProposalRequested"}:
            # Only how many were invited: who, and what they answered, stays with the agency.
            self.invitations["quotes" if name == "QuoteRequested" else "proposals"] += 1
            release = self._frame(event, "tender", release_id)
            release["tender"].update({"status": "active",
                                      "dsledger": {"invitations": dict(self.invitations)}})
            return release
        if name == "Awarded":
            suppliers = self._awarded_suppliers(event.service_ids)
            release = self._frame(event, "award", release_id,
                                  [(s.provider_id, s.provider_name) for s in suppliers])
            release["tender"]["status"] = "complete"
            release["awards"] = [{
                "id": self.award_id, "status": "active", "date": _at(event),
                "suppliers": [{"id": s.provider_id, "name": s.provider_name}
                              for s in _unique_providers(suppliers)],
                "items": [{"id": s.service_id, "description": s.name,
                           "dsledger": {"serviceType": s.service_type.value}} for s in suppliers]}]
            return release
        if name == "Abandoned":
            release = self._frame(event, "tenderCancellation", release_id)
            release["tender"]["status"] = "cancelled"
            return release
        return None

    def _awarded_suppliers(self, service_ids: Sequence[str]) -> list[Any]:
        saved = self.searches.get(self.saved_search_id or "")
        entries = {entry.service_id: entry for entry in (saved.results if saved else ())}
        return [entries[service_id] for service_id in service_ids if service_id in entries]

    # --- the contracts (⑥–⑨) ------------------------------------------------------------------
    def _contract_release(self, contract: _ContractState, event: Any) -> Release | None:
        name = type(event).__name__
        tag = contract.apply(name, event)
        if tag is None:
            return None
        release = self._frame(event, tag, f"{self.ocid}-c{contract.contract_id}-{event.originator_version}",
                              contract.suppliers)
        release["contracts"] = [contract.as_ocds()]
        return release


def _unique_providers(entries: Sequence[Any]) -> list[Any]:
    seen: dict[str, Any] = {}
    for entry in entries:
        seen.setdefault(entry.provider_id, entry)
    return list(seen.values())


class _ContractState:
    """A contract's public state, carried whole in each of its releases so every one reads alone."""

    def __init__(self, concluded: Any, award_id: str) -> None:
        self.contract_id = str(concluded.originator_id)
        self.award_id = award_id
        terms = concluded.terms
        self.services = list(concluded.services)
        self.suppliers = [(s.provider_id, s.provider_name) for s in self.services]
        self.status = "active"
        self.contract: dict[str, Any] = {
            "id": self.contract_id, "awardID": award_id,
            "title": ", ".join(s.name for s in self.services),
            "dateSigned": _at(concluded),
            "period": {"startDate": f"{terms.start.isoformat()}T00:00:00+09:00",
                       "endDate": f"{terms.end.isoformat()}T23:59:59+09:00"},
            "value": _krw(terms.total_amount_krw),
            "items": [{"id": s.service_id, "description": s.name,
                       "dsledger": {"serviceType": s.service_type, "providerId": s.provider_id}}
                      for s in self.services],
        }
        self.extension: dict[str, Any] = {
            "method": concluded.method.value, "kind": terms.kind.value,
            "pricingModel": terms.pricing_model.value,
            "standardFormUsed": terms.standard_form_used,
            "previousContractId": concluded.previous_contract_id,
        }
        self.amendments: list[dict[str, Any]] = []
        self.sla_reports: list[dict[str, Any]] = []
        self.breaches: list[dict[str, Any]] = []

    def apply(self, name: str, event: Any) -> str | None:
        """Fold one event; the release tag when it changes the public part, else None."""
        ext = self.extension
        if name == "Concluded":
            return "contract"
        if name == "DisclosureRegistered":
            ext["disclosure"] = {"registeredAt": _at(event), "automatic": event.automatic,
                                 "late": event.late, "amendmentsRegistered": 0}
            return "contract"
        if name == "Amended":
            amendment = event.amendment
            number = len(self.amendments) + 1
            if amendment.new_end is not None:
                self.contract["period"]["endDate"] = f"{amendment.new_end.isoformat()}T23:59:59+09:00"
            if amendment.new_total_amount_krw is not None:
                self.contract["value"] = _krw(amendment.new_total_amount_krw)
            self.amendments.append({"id": str(number), "date": _at(event),
                                    "rationale": amendment.reason})
            return "contractAmendment"
        if name == "DisclosureAmended" and "disclosure" in ext:
            ext["disclosure"]["amendmentsRegistered"] = event.amendment_number
            return "contractUpdate"
        if name == "SlaReportSubmitted":
            figures = event.figures
            self.sla_reports.append({
                "id": f"R{event.report_number}:{event.service_id}", "serviceId": event.service_id,
                "periodStart": figures.period_start.isoformat(),
                "periodEnd": figures.period_end.isoformat(), "submittedAt": _at(event)})
            return "implementation"
        if name == "SlaBreachDetected":
            breach = event.breach
            self.breaches.append({
                "id": f"R{event.report_number}:{event.service_id}:{breach.indicator.value}",
                "serviceId": event.service_id, "indicator": breach.indicator.value,
                "target": float(breach.target), "actual": float(breach.actual),
                "detectedAt": _at(event)})
            return "implementation"
        if name in _ENDS:
            kind, status = _ENDS[name]
            self.status = status
            end: dict[str, Any] = {"kind": kind, "recordedAt": _at(event)}
            if name in {"Rescinded", "Terminated"}:
                end["ground"] = event.ground.value
            if name == "Terminated":
                end["effective"] = event.effective.isoformat()
            if name == "Expired":
                end["endedOn"] = event.ended_on.isoformat()
            ext["end"] = end
            return "contractTermination"
        if name == "FollowUpChosen":
            ext["followUp"] = {"kind": event.follow_up.value, "linkedId": event.linked_id}
            return "contractTermination"
        disposition = ext.setdefault("dataDisposition", {})
        if name == "DataReturnRequested":
            disposition["returnRequestedAt"] = _at(event)
        elif name == "DataReturned":
            disposition.setdefault("returned", []).append(
                {"id": event.provider_id, "providerId": event.provider_id, "at": _at(event)})
        elif name == "DataDestroyed":
            disposition.setdefault("destroyed", []).append(
                {"id": event.provider_id, "providerId": event.provider_id, "at": _at(event)})
        elif name == "ObligationsVerified":
            disposition["verifiedAt"] = _at(event)
        elif name == "Closed":
            ext["closedAt"] = _at(event)
        else:
            if not disposition:
                del ext["dataDisposition"]
            return None
        return "contractTermination"

    def as_ocds(self) -> dict[str, Any]:
        contract: dict[str, Any] = json.loads(json.dumps(self.contract))
        contract["status"] = self.status
        extension = json.loads(json.dumps(self.extension))
        if self.amendments:
            contract["amendments"] = [dict(a) for a in self.amendments]
        if self.sla_reports or self.breaches:
            contract["implementation"] = {"dsledger": {
                "slaReports": [dict(r) for r in self.sla_reports],
                "slaBreaches": [dict(b) for b in self.breaches]}}
        contract["dsledger"] = extension
        return contract


# --- reading the ledger ------------------------------------------------------------------------
def _events(runtime: Runtime, aggregate_id: UUID) -> list[Any]:
    return [runtime.ledger.mapper.to_domain_event(item)
            for item in runtime.ledger.recorder.select_events(aggregate_id)]


def _disclosed_contracts(runtime: Runtime, procurement_id: str | None = None) -> dict[str, list[str]]:
    """Procurement id → its contracts with a registered disclosure, in the order they were made."""
    query = select(contracts.c.procurement_id, contracts.c.contract_id).where(
        contracts.c.disclosure_registered.is_(True)).order_by(contracts.c.concluded_at,
                                                              contracts.c.contract_id)
    if procurement_id is not None:
        query = query.where(contracts.c.procurement_id == procurement_id)
    found: dict[str, list[str]] = {}
    with runtime.db.connect() as conn:
        for row in conn.execute(query):
            found.setdefault(row.procurement_id, []).append(row.contract_id)
    return found


def releases_for(runtime: Runtime, procurement_id: UUID) -> list[Release] | None:
    """Every release of one published procurement, oldest first; None when it is not published."""
    disclosed = _disclosed_contracts(runtime, str(procurement_id)).get(str(procurement_id))
    if not disclosed:
        return None
    procurement_events = _events(runtime, procurement_id)
    if not procurement_events:
        return None
    contract_events = [events for events in (_events(runtime, UUID(cid)) for cid in disclosed) if events]
    ocid = ocid_for(runtime.settings.ocds_prefix, str(procurement_id))
    agency = runtime.ledger.registered_agency(procurement_events[0].agency_id)
    return _Builder(ocid, procurement_events, contract_events, agency).releases()


def extension_url(base_url: str) -> str:
    """Where the service serves the extension's metadata: what every package lists in
    ``extensions``, so validators apply the extension instead of flagging its fields."""
    return f"{base_url.rstrip('/')}{EXTENSION_PATH}/extension.json"


def extension_metadata(runtime: Runtime, base_url: str) -> dict[str, Any]:
    """``extension.json`` with absolute URLs (the registry's metadata schema requires them) and
    the publisher's contact point."""
    metadata: dict[str, Any] = json.loads((EXTENSION_DIR / "extension.json").read_text("utf-8"))
    base = f"{base_url.rstrip('/')}{EXTENSION_PATH}"
    metadata["documentationUrl"] = {"en": f"{base}/README.md"}
    metadata["schemas"] = ["release-schema.json"]
    metadata["contactPoint"] = {"name": runtime.settings.ocds_contact_name,
                                "email": runtime.settings.ocds_contact_email}
    return metadata


def _package_meta(runtime: Runtime, uri: str, base_url: str) -> dict[str, Any]:
    return {"uri": uri, "version": OCDS_VERSION, "publishedDate": runtime.now().isoformat(),
            "publisher": dict(PUBLISHER), "extensions": [extension_url(base_url)]}


def release_package(runtime: Runtime, uri: str, base_url: str, limit: int,
                    after: str | None, next_uri: Callable[[str], str]) -> dict[str, Any]:
    """A page of ``limit`` published procurements (every release of each), in ocid order, after
    the cursor ``after``; ``links.next`` (OCDS's own paging link) leads to the next page."""
    with runtime.db.connect() as conn:
        page = published_procurements(conn, after, limit)
    releases: list[Release] = []
    for procurement_id in page.items:
        releases += releases_for(runtime, UUID(procurement_id)) or []
    package = {**_package_meta(runtime, uri, base_url), "releases": releases}
    if page.next_after is not None:
        package["links"] = {"next": next_uri(page.next_after)}
    return package


def record_package(runtime: Runtime, uri: str, base_url: str, ocid: str) -> dict[str, Any] | None:
    procurement_id = procurement_id_of(runtime.settings.ocds_prefix, ocid)
    releases = releases_for(runtime, procurement_id) if procurement_id is not None else None
    if not releases:
        return None
    compiled = compile_releases(releases)
    return {**_package_meta(runtime, uri, base_url),
            "records": [{"ocid": ocid, "releases": releases, "compiledRelease": compiled}]}


def compile_releases(releases: list[Release]) -> Release:
    compiled: Release = _merger().create_compiled_release(releases)
    return compiled
