"""Auditors must be able to prove nothing in the ledger was changed, removed or reordered: tamper
with the stored rows behind the ledger's back, on SQLite and on PostgreSQL, and ``verify`` must name
the first event that no longer matches, at its position and with its aggregate."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from sqlalchemy import text

from domain import rules
from domain.actor import Actor, CommandContext, Role
from domain.rules import RuleViolation
from dsledger.demo import demo_catalogue, load_demo
from dsledger.evidence import BundleKind, build_bundle
from dsledger.runtime import Runtime
from dsledger.settings import Settings
from dsledger.tree_heads import TreeHead, verify_signature
from dsledger.verify import Verifier, VerifyReport, load_trusted_heads

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


class RawEvents:
    """The event store's table, reached around the ledger as a dishonest operator would."""

    def __init__(self, runtime: Runtime) -> None:
        self.db = runtime.db
        self.table = runtime.ledger.recorder.events_table_name
        self.postgres = runtime.settings.is_postgres
        self.seq = "notification_id" if self.postgres else "rowid"

    def run(self, statement: str, **params: Any) -> Any:
        with self.db.begin() as conn:
            return conn.execute(text(statement.format(t=self.table, seq=self.seq)), params)

    def row(self, sequence: int) -> Any:
        return self.run("SELECT originator_id, originator_version, topic, state FROM {t} "
                        "WHERE {seq} = :s", s=sequence).one()

    def identity(self, sequence: int) -> tuple[str, int]:
        row = self.row(sequence)
        originator = str(row.originator_id).replace("-", "")
        return f"{originator[:8]}-{originator[8:12]}-{originator[12:16]}-{originator[16:20]}-" \
               f"{originator[20:]}", int(row.originator_version)

    def flip_a_byte(self, sequence: int) -> None:
        state = bytearray(self.row(sequence).state)
        state[len(state) // 2] ^= 0x01
        self.run("UPDATE {t} SET state = :state WHERE {seq} = :s", state=bytes(state), s=sequence)

    def backdate(self, sequence: int) -> None:
        """A forgery that still decodes: move the event's recorded time a year back."""
        state = bytes(self.row(sequence).state)
        assert b"2026-" in state
        self.run("UPDATE {t} SET state = :state WHERE {seq} = :s",
                 state=state.replace(b"2026-", b"2025-", 1), s=sequence)

    def delete(self, sequence: int) -> None:
        self.run("DELETE FROM {t} WHERE {seq} = :s", s=sequence)

    def swap(self, first: int, second: int) -> None:
        """Exchange what two positions hold (the sequence numbers stay where they were)."""
        self.run("UPDATE {t} SET {seq} = -1 WHERE {seq} = :a", a=first)
        self.run("UPDATE {t} SET {seq} = :a WHERE {seq} = :b", a=first, b=second)
        self.run("UPDATE {t} SET {seq} = :b WHERE {seq} = -1", b=second)

    def insert_before(self, sequence: int) -> None:
        """Make room at ``sequence`` and put a forged event there."""
        template = self.row(sequence)
        self.run("UPDATE {t} SET {seq} = {seq} + 1000000 WHERE {seq} >= :s", s=sequence)
        self.run("UPDATE {t} SET {seq} = {seq} - 999999 WHERE {seq} >= 1000000")
        forged = uuid4()
        self.run("INSERT INTO {t} (" + ("notification_id, " if self.postgres else "rowid, ")
                 + "originator_id, originator_version, topic, state) VALUES (:s, :o, 1, :topic, "
                 ":state)", s=sequence, o=str(forged) if self.postgres else forged.hex,
                 topic=template.topic, state=bytes(template.state))


@pytest.fixture
def ledger(runtime: Runtime) -> Runtime:
    """Thirty services' worth of history, all logged, with a signed tree head over it."""
    load_demo(runtime.ledger, services=demo_catalogue()[:30], at=AT)
    runtime.projector.catch_up()
    assert runtime.tree_heads.publish(AT) is not None
    return runtime


def verify(runtime: Runtime, heads: list[TreeHead] | None = None) -> VerifyReport:
    return Verifier(runtime.ledger.recorder, runtime.db, runtime.tree_heads.public_key,
                    heads or []).run()


def test_an_untouched_ledger_verifies(ledger: Runtime) -> None:
    report = verify(ledger)
    assert report.ok, report.problems
    assert report.events == report.logged == ledger.projector.head() > 60
    assert report.heads_checked == 1
    assert report.root == ledger.tree_heads.latest().root_hash  # type: ignore[union-attr]


def test_changing_one_byte_of_an_event_is_named_at_its_position(ledger: Runtime) -> None:
    raw = RawEvents(ledger)
    aggregate, version = raw.identity(17)
    raw.flip_a_byte(17)
    report = verify(ledger)
    assert not report.ok
    first = report.first
    assert first is not None
    assert (first.kind, first.sequence, first.aggregate_id, first.version) == (
        "altered", 17, aggregate, version)
    assert any(p.kind == "head-root" for p in report.problems), "the signed head no longer holds"


def test_deleting_an_event_is_named_at_its_position(ledger: Runtime) -> None:
    raw = RawEvents(ledger)
    aggregate, version = raw.identity(23)
    raw.delete(23)
    first = verify(ledger).first
    assert first is not None
    assert (first.kind, first.sequence, first.aggregate_id, first.version) == (
        "deleted", 23, aggregate, version)


def test_swapping_two_events_is_named_at_the_first_of_them(ledger: Runtime) -> None:
    raw = RawEvents(ledger)
    moved_in = raw.identity(40)
    raw.swap(11, 40)
    report = verify(ledger)
    first = report.first
    assert first is not None
    assert (first.kind, first.sequence, first.aggregate_id, first.version) == (
        "moved", 11, *moved_in)
    assert [p.sequence for p in report.problems if p.kind == "moved"] == [11, 40]


def test_inserting_a_forged_event_is_named_at_its_position(ledger: Runtime) -> None:
    raw = RawEvents(ledger)
    raw.insert_before(30)
    first = verify(ledger).first
    assert first is not None
    assert (first.kind, first.sequence) == ("inserted", 30)


def test_rewriting_the_merkle_tables_too_is_caught_by_a_head_the_auditor_kept(
        ledger: Runtime) -> None:
    kept = ledger.tree_heads.all()
    raw = RawEvents(ledger)
    raw.backdate(5)
    assert not verify(ledger).ok
    # A thorough forger rebuilds the Merkle log from the altered rows and deletes the old heads.
    ledger.projector.rebuild()
    with ledger.db.begin() as conn:
        conn.execute(text("DELETE FROM tree_heads"))
    assert verify(ledger).ok, "without a kept head the rewritten log is self-consistent"
    report = verify(ledger, kept)
    assert [p.kind for p in report.problems] == ["head-root"]


def test_a_head_not_signed_by_the_trusted_key_is_refused(ledger: Runtime) -> None:
    head = ledger.tree_heads.latest()
    assert head is not None
    forged = msgspec.structs.replace(head, root_hash="00" * 32)
    report = verify(ledger, [forged])
    assert [p.kind for p in report.problems] == ["head-signature"]


def test_changing_an_events_version_is_named_as_that_row_altered(ledger: Runtime) -> None:
    raw = RawEvents(ledger)
    aggregate, version = raw.identity(21)
    raw.run("UPDATE {t} SET originator_version = originator_version + 500 WHERE {seq} = :s", s=21)
    report = verify(ledger)
    # The signed head over the old rows no longer matches either; nothing is called inserted,
    # deleted or out of order.
    assert [(p.kind, p.sequence) for p in report.problems] == [("altered", 21), ("head-root", None)]
    assert report.problems[0].aggregate_id == aggregate
    assert report.problems[0].version == version + 500


def test_the_kept_heads_are_read_as_the_api_publishes_them(ledger: Runtime,
                                                            tmp_path: Path) -> None:
    """The body of GET /audit/tree-heads, of /audit/tree-heads/latest, and the checkpoint notes of
    GET /audit/checkpoint, saved as they came, are all heads ``verify`` checks."""
    from litestar.testing import TestClient

    from api.app import create_app

    record_more(ledger)
    assert ledger.tree_heads.publish(AT) is not None
    with TestClient(app=create_app(ledger, run_projector=False)) as client:
        bodies = {"page.json": client.get("/audit/tree-heads").content,
                  "latest.json": client.get("/audit/tree-heads/latest").content,
                  "notes.txt": b"".join(client.get(f"/audit/checkpoints/{head.tree_size}").content
                                        for head in ledger.tree_heads.all())}
    key = ledger.tree_heads.public_key
    for name, body in bodies.items():
        (tmp_path / name).write_bytes(body)
        heads = load_trusted_heads(tmp_path / name, key)
        assert heads, name
        assert all(verify_signature(head, key) for head in heads), name
        assert verify(ledger, heads).ok, name
    assert len(load_trusted_heads(tmp_path / "notes.txt", key)) == 2
    forged = bodies["notes.txt"].replace(b"\n", b"\n\n", 0).replace(
        str(ledger.tree_heads.all()[0].tree_size).encode() + b"\n",
        str(ledger.tree_heads.all()[0].tree_size - 1).encode() + b"\n", 1)
    (tmp_path / "forged.txt").write_bytes(forged)
    report = verify(ledger, load_trusted_heads(tmp_path / "forged.txt", key))
    assert [p.kind for p in report.problems] == ["head-signature"]


def record_more(runtime: Runtime) -> None:
    load_demo(runtime.ledger, services=demo_catalogue()[30:33], at=AT)
    runtime.projector.catch_up()


def test_the_command_line_exits_non_zero_and_names_the_event(
        ledger: Runtime, settings_factory: Callable[[], Settings], tmp_path: Path) -> None:
    settings = settings_factory()
    env = {"DSLEDGER_DATABASE_URL": settings.database_url, "DSLEDGER_DATA_DIR": str(tmp_path),
           "PATH": "/usr/bin:/bin"}
    kept = tmp_path / "heads.json"
    kept.write_bytes(msgspec.json.encode(ledger.tree_heads.all()))
    command = [sys.executable, "-m", "dsledger.cli", "verify", "--trusted-heads", str(kept),
               "--json"]
    clean = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                           timeout=120, check=False)
    assert clean.returncode == 0, clean.stderr
    RawEvents(ledger).flip_a_byte(9)
    tampered = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=120, check=False)
    assert tampered.returncode == 1, tampered.stderr
    report = msgspec.json.decode(tampered.stdout)
    assert report["problems"][0]["kind"] == "altered"
    assert report["problems"][0]["sequence"] == 9


def _a_service(runtime: Runtime) -> UUID:
    notification = runtime.ledger.recorder.select_notifications(start=1, limit=1)[0]
    return UUID(str(notification.originator_id))


def test_no_bundle_is_given_before_the_merkle_log_covers_every_event(ledger: Runtime) -> None:
    service_id = _a_service(ledger)
    ledger.ledger.suspend_service(
        CommandContext(actor=Actor(principal_id="nia-1", role=Role.OPERATOR),
                       correlation_id="t", at=AT), service_id, "품질 점검")
    with pytest.raises(RuleViolation) as refused:
        build_bundle(ledger, BundleKind.CONTRACT_HISTORY, service_id, wait=0.05)
    assert refused.value.rule is rules.HISTORY_LOG_BEHIND
    assert f"at {ledger.projector.position()} of {ledger.projector.head()}" in str(refused.value)


def test_a_bundle_names_an_event_it_cannot_read_rather_than_leaving_it_out(
        ledger: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    service_id = _a_service(ledger)
    mapper = ledger.ledger.mapper
    decode = mapper.to_domain_event

    def unreadable_second_version(stored: Any) -> Any:
        if stored.originator_version == 2:
            raise ValueError("this build no longer knows the event's topic")
        return decode(stored)

    monkeypatch.setattr(mapper, "to_domain_event", unreadable_second_version)
    with pytest.raises(RuleViolation) as refused:
        build_bundle(ledger, BundleKind.CONTRACT_HISTORY, service_id)
    assert refused.value.rule is rules.HISTORY_EVENT_UNREADABLE
    assert f"Version 2 of {service_id}" in str(refused.value)
