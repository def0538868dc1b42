"""The rule catalogue, so a problem's ``type`` (``/rules/{id}``) can be looked up."""

from __future__ import annotations

import msgspec
from litestar import Controller, get
from litestar.params import FromPath

from domain import rules
from domain.rules import CATALOGUE, refuse


class RuleEntry(msgspec.Struct, frozen=True):
    id: str
    outcome: str
    message: str
    message_ko: str
    legal_basis: str


def _entry(rule: rules.Rule) -> RuleEntry:
    return RuleEntry(id=rule.id, outcome=rule.outcome.value, message=rule.en, message_ko=rule.ko,
                     legal_basis=rule.basis)


class RuleController(Controller):
    path = "/rules"
    tags = ["rules"]

    @get("/", sync_to_thread=False, summary="Every rule the ledger enforces")
    def list_rules(self) -> list[RuleEntry]:
        return [_entry(rule) for rule in CATALOGUE.values()]

    @get("/{rule_id:str}", sync_to_thread=False, summary="One rule")
    def get_rule(self, rule_id: FromPath[str]) -> RuleEntry:
        rule = CATALOGUE.get(rule_id)
        if rule is None:
            refuse(rules.RESOURCE_NOT_FOUND, "rule_id", path=f"/rules/{rule_id}")
        return _entry(rule)
