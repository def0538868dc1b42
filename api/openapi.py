"""The OpenAPI document, made to tell the truth about what Litestar cannot see from a handler's
signature: which refusals a route may answer (as RFC 9457 problems, ``application/problem+json``),
which routes need no token, and that a request body with a field it does not know is refused.

All of it is derived in one place, from the authorisation table (api/authorization.py) and the
kind of route, when the document is first asked for: a route added to the table is documented
with no further step, and the document never promises what the guard does not do.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.config.app import AppConfig
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.routes import HTTPRoute
from litestar.typing import FieldDefinition

from api.auth import API_ROLES
from api.authorization import POLICY, Access, is_api_path, route_key
from api.schemas.common import ProblemDetails

PROBLEM_MEDIA_TYPE = "application/problem+json"
BEARER = "BearerToken"
"""The security scheme Litestar's JWTAuth declares."""
_SCHEMA_REF = "#/components/schemas/{name}"

STATUS_MEANING = {
    400: "The request is malformed: a parameter, header or body field breaks its format "
         "(`request.malformed`, with the field named).",
    401: "No valid bearer token (`auth.unauthenticated`).",
    403: "The token's role may not do this (`auth.role-forbidden`), or, where the resource's "
         "existence is public, it is another's (`auth.not-owner`).",
    404: "Nothing is recorded under the id asked for. A procurement, contract or history that "
         "is not the caller's is answered exactly so, as if absent.",
    409: "The resource's state or version does not allow it now (e.g. `If-Match` is stale, "
         "or the step was already taken).",
    415: "The body is not sent as `application/json`.",
    422: "The request is well formed, but a rule of the ledger refuses it (the rule is named "
         "in `type` and `rule`).",
}
# Reads without a resource in their path that still answer 404 for what a parameter names.
_READS_THAT_FIND = {"GET /audit/tree-heads/latest", "GET /audit/proofs/inclusion",
                    "GET /audit/proofs/consistency", "GET /audit/checkpoint",
                    "GET /audit/tlog/checkpoint"}
# Commands that change no aggregate, so no state or version of one can conflict.
_NO_CONFLICT = {"POST /audit/tree-heads"}


def problem_statuses(key: str, access: Access, operation: dict[str, Any]) -> list[int]:
    """The refusals a route may answer, from its table entry and its kind."""
    method = key.split(" ", 1)[0]
    has_body = "requestBody" in operation
    has_path_ids = any(p.get("in") == "path" for p in operation.get("parameters", []))
    has_query = any(p.get("in") == "query" for p in operation.get("parameters", []))
    statuses = [400]
    if not access.public:
        statuses.append(401)
        if set(API_ROLES) - set(access.grants) or any(
                owner is not None and owner.existence_public for owner in access.grants.values()):
            statuses.append(403)
    if has_path_ids or method == "POST" or key in _READS_THAT_FIND:
        statuses.append(404)
    if method == "POST" and key not in _NO_CONFLICT:
        statuses.append(409)
    if has_body:
        statuses.append(415)
    if method == "POST" or has_path_ids or has_query:
        statuses.append(422)
    return statuses


def _problem_response(status: int) -> dict[str, Any]:
    return {"description": STATUS_MEANING[status], "content": {PROBLEM_MEDIA_TYPE: {
        "schema": {"$ref": _SCHEMA_REF.format(name=ProblemDetails.__name__)}}}}


def _struct_classes() -> dict[str, type[msgspec.Struct]]:
    """Every msgspec struct by its name (the name Litestar and msgspec both give its schema);
    a name two structs share is left out, as neither could say which one a schema is."""
    seen: dict[str, list[type[msgspec.Struct]]] = {}
    stack: list[type[msgspec.Struct]] = [msgspec.Struct]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls is not msgspec.Struct:
            seen.setdefault(cls.__name__, []).append(cls)
    return {name: classes[0] for name, classes in seen.items() if len(classes) == 1}


def _decimal(schema: dict[str, Any]) -> dict[str, Any]:
    """msgspec's ``Decimal`` schema (any string of format decimal) as :class:`DecimalSchema`
    says it: what msgspec reads is a JSON number too, and not every string."""
    exact: dict[str, Any] = {"oneOf": [{"type": "string", "pattern": DECIMAL_PATTERN},
                                       {"type": "number"}]}
    if "description" in schema:
        exact["description"] = schema["description"]
    return exact


def _as_read(node: Any) -> Any:
    """msgspec's schema of a body, bar what it says otherwise than Litestar reads: decimals
    (above), booleans, and ``uniqueItems`` on a set, whose duplicates are folded, not refused."""
    if isinstance(node, list):
        return [_as_read(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "string" and node.get("format") == "decimal":
        return _decimal(node)
    if node.get("type") == "boolean":
        # Litestar converts a body to its struct leniently (msgspec's strict=False): 0, 1 and
        # "true", "false", "0", "1" (any case) are read as booleans, and so are said to be.
        lenient = {key: value for key, value in node.items() if key != "type"}
        return {**lenient, "anyOf": [{"type": "boolean"}, {"enum": [0, 1]}, {
            "type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|0|1)$"}]}
    return {key: _as_read(value) for key, value in node.items() if key != "uniqueItems"}


def _exact_bodies(schemas: dict[str, Any]) -> None:
    """Replace Litestar's schema of each struct that refuses unknown fields (the request
    bodies) by msgspec's own, the one its decoder enforces. Litestar's leaves out what a body
    is refused for: constraints inside a list or a dict (``features: [""]``, a ``spec`` key),
    ``maxProperties``, and ``additionalProperties: false``."""
    classes = _struct_classes()
    closed = [cls for name, cls in classes.items()
              if name in schemas and cls.__struct_config__.forbid_unknown_fields]
    _, exact = msgspec.json.schema_components(closed, ref_template=_SCHEMA_REF)
    for name, schema in exact.items():
        if name in classes or name not in schemas:
            schemas[name] = _as_read(schema)


def _operations(app: Litestar, document: dict[str, Any],
                ) -> Iterator[tuple[str, Access, dict[str, Any]]]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not is_api_path(route.path):
            continue
        item = document["paths"].get(route.path_format or "/", {})
        for method in route.route_handler_map:
            operation = item.get(method.lower())
            if operation is not None and method not in {"OPTIONS", "HEAD"}:
                key = route_key(method, route.path)
                yield key, POLICY[key], operation


def document(app: Litestar, generated: dict[str, Any]) -> dict[str, Any]:
    """Litestar's document with every route's problems, its security and exact request
    bodies. Litestar documents a validation failure as a 400 of its own JSON shape; the
    answers are problems, so every error response is replaced."""
    schemas = generated.setdefault("components", {}).setdefault("schemas", {})
    _, problem_schemas = msgspec.json.schema_components([ProblemDetails],
                                                        ref_template=_SCHEMA_REF)
    schemas.update(problem_schemas)
    for key, access, operation in _operations(app, generated):
        responses = {code: answer for code, answer in operation.get("responses", {}).items()
                     if not code.startswith(("4", "5"))}
        for status in problem_statuses(key, access, operation):
            responses[str(status)] = _problem_response(status)
        operation["responses"] = responses
        # An empty list, not an absent key: an absent one would inherit the document's bearer.
        operation["security"] = [] if access.public else [{BEARER: []}]
    _exact_bodies(schemas)
    return generated


DECIMAL_PATTERN = r"^\s*[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
"""The decimal strings msgspec reads (as Python's Decimal, less NaN, infinities, digit groups
and digits of other scripts, which no client should send)."""


class DecimalSchema(OpenAPISchemaPlugin):
    """A ``Decimal`` is read from a JSON number or a decimal string, and written as a string.
    Litestar documents it as any string, so a client (or schemathesis) sending ``"x"`` was told
    it was fine and was refused."""

    @staticmethod
    def is_plugin_supported_type(value: Any) -> bool:
        return value is Decimal

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any,
                          ) -> Schema:
        given = field_definition.kwarg_definition
        return Schema(one_of=[Schema(type=OpenAPIType.STRING, pattern=DECIMAL_PATTERN),
                              Schema(type=OpenAPIType.NUMBER)],
                      description=getattr(given, "description", None)
                      or "A decimal: a JSON number, or a string such as \"12.50\"")


class DocumentedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, serving :func:`document`'s version of the document (the JSON,
    the YAML and the rendered pages all read it from here)."""

    def provide_openapi_schema(self) -> dict[str, Any]:
        if not self._openapi_schema:
            self._openapi_schema = document(self.app, self.provide_openapi().to_schema())
        return self._openapi_schema


def documented_openapi(config: AppConfig) -> AppConfig:
    """``on_app_init``: put :class:`DocumentedOpenAPIPlugin` where Litestar put its own. In
    place: Litestar has already taken the list to call each plugin's own ``on_app_init``."""
    config.plugins[:] = [DocumentedOpenAPIPlugin(plugin.app) if type(plugin) is OpenAPIPlugin
                         else plugin for plugin in config.plugins]
    return config
