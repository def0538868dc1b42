"""A small registered catalogue and one concluded, disclosed contract to show on the pages, and a
browser-like sign-in through the page's own form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar.testing import TestClient

from api.auth import Principal
from dsledger.runtime import Runtime
from projections.catalogue_reader import CatalogueReader
from tests.contract.conftest import AGENCY, awarded, terms
from tests.principals import TEST_SECRET
from tests.procurement.conftest import catalogue, reader

__all__ = ["catalogue", "reader"]
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def contract_id(runtime: Runtime, reader: CatalogueReader, catalogue: dict[str, str]) -> str:
    """AG-SEOUL's self-procured contract for 하늘 GPU 서버 and 이음 이전 지원, registered."""
    ledger = runtime.ledger
    procurement = awarded(runtime, reader, catalogue)
    concluded = ledger.conclude_contract(AGENCY, procurement, terms()).aggregate_id
    ledger.contract_command(AGENCY, concluded, lambda c: c.register_disclosure())
    runtime.projector.catch_up()
    return str(concluded)


def sign_in(client: TestClient[Any], principal: Principal, next_page: str = "") -> Any:
    """Sign in as a person would: open the form, paste the token, submit."""
    from api.auth import issue_token

    form = client.get("/web/sign-in")
    csrf = _CSRF.search(form.text)
    assert csrf is not None, form.text
    return client.post("/web/sign-in", data={
        "csrf": csrf.group(1), "token": issue_token(TEST_SECRET, principal), "next": next_page,
    }, follow_redirects=False)


def sign_out(client: TestClient[Any]) -> Any:
    csrf = _CSRF.search(client.get("/web/catalogue").text)
    assert csrf is not None
    return client.post("/web/sign-out", data={"csrf": csrf.group(1)}, follow_redirects=False)
