"""The rule catalogue: every rule has its messages and basis, and a test that proves it."""

from __future__ import annotations

from pathlib import Path

from domain import rules

TESTS = Path(__file__).parent


def test_every_rule_states_itself_in_english_and_korean_with_its_basis() -> None:
    for rule in rules.CATALOGUE.values():
        assert rule.en and rule.ko and rule.basis, rule.id
        en, ko = rule.render({})
        assert en and ko


def test_every_rule_is_proven_by_a_test() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in TESTS.rglob("*.py")
                     if path.name != Path(__file__).name)
    names = {rule: name for name, rule in vars(rules).items() if isinstance(rule, rules.Rule)}
    unproven = [rule.id for rule, name in names.items()
                if f"rules.{name}" not in text and f'"{rule.id}"' not in text
                and f"/rules/{rule.id}" not in text]
    assert unproven == []
