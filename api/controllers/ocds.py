"""Open Contracting Data Standard 1.1 publication: anyone, no login. Only procurements with a
registered contract disclosure are published, and only their public part (dsledger/ocds.py)."""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.params import Parameter

from api.commands import await_min_position, runtime_of
from api.paging import After, read_page
from domain import rules
from domain.rules import refuse
from dsledger import ocds

Req = Request[Any, Any, Any]


def _base_url(request: Req) -> str:
    return runtime_of(request.app.state).settings.public_url or str(request.base_url)


class OcdsController(Controller):
    path = "/ocds"
    tags = ["open contracting (OCDS 1.1)"]

    @get("/releases", sync_to_thread=True,
         summary="A release package: every release of the published procurements, a page at a time")
    def releases(self, request: Req, after: After = None,
                 limit: Annotated[int, Parameter(ge=1, le=100)] = 20) -> dict[str, Any]:
        """``limit`` counts procurements (ocids), so a page never splits one; ``links.next``
        carries the ``after`` of the next page."""
        await_min_position(request)
        base = _base_url(request).rstrip("/")

        def next_uri(cursor: str) -> str:
            return f"{base}{request.url.path}?{urlencode({'limit': limit, 'after': cursor})}"

        return read_page(lambda: ocds.release_package(
            runtime_of(request.app.state), str(request.url), _base_url(request), limit, after,
            next_uri))

    @get("/records/{ocid:str}", sync_to_thread=True,
         summary="A record package: one procurement's releases and its compiled release")
    def record(self, request: Req,
               ocid: Annotated[str, Parameter(max_length=200)]) -> dict[str, Any]:
        await_min_position(request)
        package = ocds.record_package(runtime_of(request.app.state), str(request.url),
                                      _base_url(request), ocid)
        if package is None:
            refuse(rules.OCDS_RECORD_NOT_FOUND, "ocid", ocid=ocid)
        return package

    @get("/extension/extension.json", sync_to_thread=False,
         summary="The dsledger OCDS extension's metadata (what every package lists in extensions)")
    def extension(self, request: Req) -> dict[str, Any]:
        return ocds.extension_metadata(runtime_of(request.app.state), _base_url(request))

    @get("/extension/release-schema.json", sync_to_thread=False,
         summary="The dsledger OCDS extension's release schema patch")
    def extension_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = json.loads(
            (ocds.EXTENSION_DIR / "release-schema.json").read_text("utf-8"))
        return schema

    @get("/extension/README.md", sync_to_thread=False, media_type="text/markdown; charset=utf-8",
         summary="The dsledger OCDS extension's documentation")
    def extension_documentation(self) -> str:
        return (ocds.EXTENSION_DIR / "README.md").read_text("utf-8")
