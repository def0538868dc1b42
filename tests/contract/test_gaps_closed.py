"""Rules that once let things through on a running ledger (issue 15), each refused in the domain
with its own rule, and nothing recorded by the refusal. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain import rules
from domain.procurement import ProcurementMethod
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from tests.contract.conftest import AGENCY, awarded, terms
from tests.contract.test_contract_rules import act, agency_on, load, refused
from tests.procurement.conftest import OPERATOR, context


# --- 1. a delivery request only for Mall-listed services --------------------------------------
def test_a_central_delivery_request_is_only_for_services_listed_on_the_mall(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    pid = awarded(runtime, reader, catalogue, ProcurementMethod.CENTRAL)
    runtime.ledger.delist_service_from_mall(context(OPERATOR), UUID(catalogue["N-01"]),
                                            "카탈로그계약 종료")
    refused(runtime, rules.CONTRACT_CENTRAL_MALL_LISTED,
            lambda: runtime.ledger.conclude_contract(AGENCY, pid, terms()), field="service_ids")


def test_a_central_renewal_is_a_new_delivery_request_and_needs_the_mall_listing(
    runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]
) -> None:
    pid = awarded(runtime, reader, catalogue, ProcurementMethod.CENTRAL)
    cid = runtime.ledger.conclude_contract(AGENCY, pid, terms()).aggregate_id
    act(runtime, agency_on(date(2027, 1, 1)), cid, lambda c: c.expire())
    runtime.ledger.delist_service_from_mall(context(OPERATOR), UUID(catalogue["N-01"]),
                                            "카탈로그계약 종료")
    renewal_terms = terms(start=date(2027, 1, 1), end=date(2027, 12, 31))
    refused(runtime, rules.CONTRACT_CENTRAL_MALL_LISTED, lambda: runtime.ledger.renew_contract(
        agency_on(date(2027, 1, 1)), cid, renewal_terms))
    assert load(runtime, cid).follow_up is None
